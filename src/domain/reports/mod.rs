//! Reports (Pleroma's `Flag` activities): filing one (`POST /api/v1/reports`), the admin
//! reads (`GET /admin/reports`, `/admin/grouped_reports`, the user's own reports) and the
//! moderation actions on them (state changes, notes, the older "respond").
//!
//! Pleroma's rules, kept here:
//! - the reported account must exist (`Account not found`); the comment is at most
//!   `max_report_comment_size` (1000) characters and becomes escaped HTML; the reported
//!   statuses are those of `status_ids` **authored by the reported account** — others are
//!   dropped silently (`Activity.all_by_actor_and_id`);
//! - every reported status is stored with its position and a copy of its row, so the report
//!   still shows it after the author deletes it (Pleroma keeps the reported objects inside the
//!   Flag activity);
//! - a batch state change handles each entry on its own: an unsupported state
//!   (`Unsupported state`) or an unknown report (`not_found`) fails that entry and changes
//!   nothing for it, the others are applied, each with its `report_update` log entry;
//! - notes: a note needs its report and non-blank content; each add and delete is logged
//!   (`report_note`, `report_note_delete`), naming the report's reporter as Pleroma's
//!   `subject_actor` does.
//!
//! Every admin action runs in one transaction with its moderation-log entries.
use std::collections::{HashMap, HashSet};

use chrono::{SubsecRound, Utc};
use entity::{mention, report, report_note, report_status, status, user};
use sea_orm::{
    sea_query::{Expr, ExprTrait, LikeExpr},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{json, Value};

mod grouped;

pub use grouped::*;

use super::{
    moderation_log::{record, Action, Actor, ReportRef, Subject},
    statuses::{self, NewStatus},
    IN_CHUNK,
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
    ids,
};

/// The states a report can be in (Pleroma's `@supported_report_states`).
pub const STATES: [&str; 3] = ["open", "closed", "resolved"];
/// Pleroma's `[:instance, :max_report_comment_size]` default.
pub const MAX_COMMENT: usize = 1000;
/// Most statuses one report may cite (a guard against huge requests; Pleroma has none).
pub const MAX_STATUSES: usize = 1000;
/// Most entries of one batch state change.
pub const MAX_BATCH: usize = 500;
/// The error of an entry whose state is not one of [`STATES`].
pub const UNSUPPORTED_STATE: &str = "Unsupported state";
/// The error of an entry whose report does not exist (Pleroma renders its `:not_found` atom).
pub const NOT_FOUND: &str = "not_found";

/// A report as filed (`POST /api/v1/reports`).
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    /// The reported account's id.
    pub account_id: String,
    /// Statuses of the reported account, in the reporter's order.
    pub status_ids: Vec<String>,
    /// The reporter's comment (plain text).
    pub comment: Option<String>,
    /// Ask for the report to be forwarded to the account's instance.
    pub forward: bool,
    /// Instance rules the report cites.
    pub rule_ids: Vec<String>,
}

/// Plain text as Pleroma's `format_input(text, "text/plain")` makes it: HTML-escaped, line
/// breaks as `<br>`.
pub fn plain_text_html(text: &str) -> String {
    super::formatter::escape(&text.replace('\r', "")).replace('\n', "<br>")
}

/// A status row as JSON (`status::Model`'s fields), kept in `report_statuses.snapshot`.
pub fn snapshot(status: &status::Model) -> Value {
    serde_json::to_value(status).unwrap_or(Value::Null)
}

/// A status row back from its snapshot (`None` when the snapshot is not one).
pub fn from_snapshot(value: &Value) -> Option<status::Model> {
    serde_json::from_value(value.clone()).ok()
}

/// File a report by `reporter` (Pleroma's `CommonAPI.report/2`).
/// Staff who hold `reports_manage_reports` under `settings` are notified (`pleroma:report`).
pub async fn file(db: &Db, settings: &Settings, reporter: &user::Model, new: &NewReport) -> AppResult<report::Model> {
    let instance_url = settings.instance_url.as_str();
    let account = user::Entity::find_by_id(new.account_id.clone())
        .one(&db.read)
        .await?
        .ok_or_else(|| AppError::BadRequest("Account not found".into()))?;
    let content = match &new.comment {
        Some(comment) if comment.chars().count() > MAX_COMMENT => {
            return Err(AppError::BadRequest(format!("Comment must be up to {MAX_COMMENT} characters")))
        }
        Some(comment) => Some(plain_text_html(comment)),
        None => None,
    };
    if new.status_ids.len() > MAX_STATUSES {
        return Err(AppError::BadRequest(format!("At most {MAX_STATUSES} statuses can be reported at once")));
    }
    let mut wanted: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for id in &new.status_ids {
        if seen.insert(id.clone()) {
            wanted.push(id.clone());
        }
    }
    let mut rule_ids: Vec<String> = Vec::new();
    for id in &new.rule_ids {
        if !rule_ids.contains(id) {
            rule_ids.push(id.clone());
        }
    }
    // Pleroma's `get_report_rules`: ids that name no rule are dropped.
    let rule_ids = super::rules::existing(&db.read, &rule_ids).await?;

    let txn = db.begin().await?;
    // Only statuses authored by the reported account count (Pleroma drops the others).
    let mut found: HashMap<String, status::Model> = HashMap::new();
    for chunk in wanted.chunks(IN_CHUNK) {
        let rows = status::Entity::find()
            .filter(status::Column::Id.is_in(chunk.to_vec()))
            .filter(status::Column::UserId.eq(account.id.clone()))
            .all(&txn)
            .await?;
        found.extend(rows.into_iter().map(|s| (s.id.clone(), s)));
    }
    let now = Utc::now().trunc_subsecs(3);
    let id = ids::flake_id();
    let row = report::ActiveModel {
        id: Set(id.clone()),
        ap_id: Set(format!("{}/activities/{}", instance_url.trim_end_matches('/'), id)),
        actor_id: Set(reporter.id.clone()),
        account_id: Set(account.id.clone()),
        content: Set(content),
        state: Set("open".into()),
        forwarded: Set(new.forward),
        rule_ids: Set(json!(rule_ids)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let links: Vec<report_status::ActiveModel> = wanted
        .iter()
        .filter_map(|id| found.get(id))
        .enumerate()
        .map(|(position, status)| report_status::ActiveModel {
            report_id: Set(row.id.clone()),
            status_id: Set(status.id.clone()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            snapshot: Set(snapshot(status)),
        })
        .collect();
    for chunk in links.chunks(100) {
        report_status::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    let handlers = super::notifications::report_handlers(&txn, &settings.instance).await?;
    let event = super::notifications::Event {
        kind: super::notifications::REPORT,
        actor_id: reporter.id.clone(),
        report_id: Some(row.id.clone()),
        ..Default::default()
    };
    super::notifications::notify(&txn, &handlers, &event).await?;
    if new.forward {
        let cited: Vec<String> = wanted.iter().filter_map(|id| found.get(id)).map(|s| s.ap_id.clone()).collect();
        super::federation::publisher::forward_report(
            &txn,
            settings,
            &row.ap_id,
            &account,
            &cited,
            row.content.as_deref(),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Which reports to list.
#[derive(Debug, Clone, Default)]
pub struct ReportSearch {
    /// `open`, `closed` or `resolved`.
    pub state: Option<String>,
    /// Reports citing this instance rule.
    pub rule_id: Option<String>,
    /// Reports filed by this user.
    pub actor_id: Option<String>,
}

impl ReportSearch {
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if let Some(state) = &self.state {
            cond = cond.add(report::Column::State.eq(state.clone()));
        }
        if let Some(actor) = &self.actor_id {
            cond = cond.add(report::Column::ActorId.eq(actor.clone()));
        }
        if let Some(rule) = &self.rule_id {
            // `rule_ids` is a JSON array of strings, written without spaces (`["1","2"]`); the
            // quoted id is looked for in its text, which both engines can do.
            let pattern = format!("%{}%", escape_like(&json!(rule).to_string()));
            cond =
                cond.add(Expr::col(report::Column::RuleIds).cast_as("text").like(LikeExpr::new(pattern).escape('\\')));
        }
        cond
    }

    /// One page, newest first.
    pub async fn page<C: ConnectionTrait>(&self, conn: &C, offset: u64, limit: u64) -> AppResult<Vec<report::Model>> {
        Ok(report::Entity::find()
            .filter(self.condition())
            .order_by_desc(report::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(conn)
            .await?)
    }

    /// How many reports match.
    pub async fn count<C: ConnectionTrait>(&self, conn: &C) -> AppResult<u64> {
        Ok(report::Entity::find().filter(self.condition()).count(conn).await?)
    }
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One report by id.
/// The report with this ActivityPub id.
pub async fn by_ap_id<C: ConnectionTrait>(conn: &C, ap_id: &str) -> AppResult<Option<report::Model>> {
    Ok(report::Entity::find().filter(report::Column::ApId.eq(ap_id)).one(conn).await?)
}

pub async fn by_id<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<Option<report::Model>> {
    Ok(report::Entity::find_by_id(id.to_string()).one(conn).await?)
}

/// Reports by id, in any order.
pub async fn by_ids<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<Vec<report::Model>> {
    Ok(super::rows_among::<report::Entity, _>(conn, report::Column::Id, ids).await?)
}

/// A status cited by a report: the live row, or the copy taken when the report was filed when
/// the status has since been deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedStatus {
    /// The row (live, or rebuilt from the copy).
    pub status: status::Model,
    /// Whether the status no longer exists.
    pub deleted: bool,
}

/// The statuses each of these reports cites, in the reporter's order: two queries per
/// `IN_CHUNK` reports, however many statuses.
pub async fn statuses_of<C: ConnectionTrait>(
    conn: &C,
    report_ids: &[String],
) -> AppResult<HashMap<String, Vec<ReportedStatus>>> {
    let mut links = Vec::new();
    for chunk in report_ids.chunks(IN_CHUNK) {
        links.extend(
            report_status::Entity::find()
                .filter(report_status::Column::ReportId.is_in(chunk.to_vec()))
                .order_by_asc(report_status::Column::ReportId)
                .order_by_asc(report_status::Column::Position)
                .all(conn)
                .await?,
        );
    }
    let status_ids: Vec<String> =
        links.iter().map(|l| l.status_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let live: HashMap<String, status::Model> =
        statuses::by_ids(conn, &status_ids).await?.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut out: HashMap<String, Vec<ReportedStatus>> = HashMap::new();
    for link in links {
        let entry = match live.get(&link.status_id) {
            Some(status) => Some(ReportedStatus { status: status.clone(), deleted: false }),
            None => from_snapshot(&link.snapshot).map(|status| ReportedStatus { status, deleted: true }),
        };
        if let Some(entry) = entry {
            out.entry(link.report_id).or_default().push(entry);
        }
    }
    Ok(out)
}

/// The notes of each of these reports, oldest first.
pub async fn notes_of<C: ConnectionTrait>(
    conn: &C,
    report_ids: &[String],
) -> AppResult<HashMap<String, Vec<report_note::Model>>> {
    let mut out: HashMap<String, Vec<report_note::Model>> = HashMap::new();
    for chunk in report_ids.chunks(IN_CHUNK) {
        let rows = report_note::Entity::find()
            .filter(report_note::Column::ReportId.is_in(chunk.to_vec()))
            .order_by_asc(report_note::Column::Id)
            .all(conn)
            .await?;
        for note in rows {
            out.entry(note.report_id.clone()).or_default().push(note);
        }
    }
    Ok(out)
}

/// The report as the moderation log names it, with its reporter (`subject_actor`).
async fn log_subject<C: ConnectionTrait>(conn: &C, report: &report::Model) -> AppResult<(ReportRef, Option<Subject>)> {
    let reporter = user::Entity::find_by_id(report.actor_id.clone()).one(conn).await?;
    Ok((ReportRef { id: report.id.clone(), state: Some(report.state.clone()) }, reporter.as_ref().map(Subject::from)))
}

/// One entry of a batch state change.
#[derive(Debug, Clone)]
pub struct StateChange {
    /// The report's id.
    pub id: String,
    /// The new state (anything; unsupported ones fail the entry).
    pub state: String,
}

/// What became of one entry of a batch state change.
#[derive(Debug, Clone)]
pub enum StateOutcome {
    /// Applied and logged.
    Updated(report::Model),
    /// Nothing changed for this entry; the error as Pleroma words it.
    Failed { id: String, error: String },
}

/// Change the state of reports (Pleroma's `PATCH /admin/reports`): each entry on its own, in
/// order; failing entries change nothing, the others are applied and logged (`report_update`),
/// all in one transaction.
pub async fn update_states(db: &Db, actor: &Actor, changes: &[StateChange]) -> AppResult<Vec<StateOutcome>> {
    if changes.len() > MAX_BATCH {
        return Err(AppError::BadRequest(format!("At most {MAX_BATCH} reports can be changed at once")));
    }
    let txn = db.begin().await?;
    let mut outcomes = Vec::with_capacity(changes.len());
    for change in changes {
        if !STATES.contains(&change.state.as_str()) {
            outcomes.push(StateOutcome::Failed { id: change.id.clone(), error: UNSUPPORTED_STATE.into() });
            continue;
        }
        let Some(found) = by_id(&txn, &change.id).await? else {
            outcomes.push(StateOutcome::Failed { id: change.id.clone(), error: NOT_FOUND.into() });
            continue;
        };
        let mut row: report::ActiveModel = found.into();
        row.state = Set(change.state.clone());
        row.updated_at = Set(Utc::now().trunc_subsecs(3));
        let updated = row.update(&txn).await?;
        let (report, subject_actor) = log_subject(&txn, &updated).await?;
        record(&txn, actor, &Action::ReportUpdate { report, subject_actor }).await?;
        outcomes.push(StateOutcome::Updated(updated));
    }
    txn.commit().await?;
    Ok(outcomes)
}

/// Add a moderator's note to a report (logged as `report_note`). An unknown report is
/// `NOT_FOUND`; blank content is `BAD_REQUEST` (`content can't be blank`).
pub async fn add_note(db: &Db, actor: &Actor, report_id: &str, content: &str) -> AppResult<report_note::Model> {
    if content.trim().is_empty() {
        return Err(AppError::BadRequest("content can't be blank".into()));
    }
    let txn = db.begin().await?;
    let report = by_id(&txn, report_id).await?.ok_or_else(AppError::not_found)?;
    let note = report_note::ActiveModel {
        report_id: Set(report.id.clone()),
        user_id: Set(actor.id.clone()),
        content: Set(content.to_string()),
        inserted_at: Set(Utc::now().trunc_subsecs(0)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let (report_ref, subject_actor) = log_subject(&txn, &report).await?;
    record(&txn, actor, &Action::ReportNote { report: report_ref, subject_actor, text: content.to_string() }).await?;
    txn.commit().await?;
    Ok(note)
}

/// Delete a note of a report (logged as `report_note_delete` with the note's text). A note
/// that does not exist or belongs to another report is `NOT_FOUND`.
pub async fn delete_note(db: &Db, actor: &Actor, report_id: &str, note_id: i64) -> AppResult<report::Model> {
    let txn = db.begin().await?;
    let note = report_note::Entity::find_by_id(note_id)
        .one(&txn)
        .await?
        .filter(|n| n.report_id == report_id)
        .ok_or_else(AppError::not_found)?;
    let report = by_id(&txn, report_id).await?.ok_or_else(AppError::not_found)?;
    report_note::Entity::delete_by_id(note.id).exec(&txn).await?;
    let (report_ref, subject_actor) = log_subject(&txn, &report).await?;
    record(&txn, actor, &Action::ReportNoteDelete { report: report_ref, subject_actor, text: note.content }).await?;
    txn.commit().await?;
    Ok(report)
}

/// Answer a report with a direct status by `author` (the older `POST /admin/reports/:id/respond`,
/// replaced by notes in Pleroma 2.0): the status is addressed to the reporter (Pleroma replied to
/// the Flag, whose actor is the reporter) and logged as `report_response`. An unknown report is
/// `NOT_FOUND`. The status, the reporter's mention and the log entry commit together.
pub async fn respond(
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    report_id: &str,
    text: &str,
) -> AppResult<status::Model> {
    let report = by_id(&db.read, report_id).await?.ok_or_else(AppError::not_found)?;
    let new = NewStatus { status: Some(text.to_string()), visibility: Some("direct".into()), ..Default::default() };
    let txn = db.begin().await?;
    let posted = statuses::create_in(&txn, db, settings, author, new).await?;
    let addressed = mention::Entity::find()
        .filter(mention::Column::StatusId.eq(posted.id.clone()))
        .filter(mention::Column::UserId.eq(report.actor_id.clone()))
        .one(&txn)
        .await?;
    if addressed.is_none() && report.actor_id != author.id {
        mention::ActiveModel { status_id: Set(posted.id.clone()), user_id: Set(report.actor_id.clone()) }
            .insert(&txn)
            .await?;
    }
    let report_ref = ReportRef { id: report.id.clone(), state: Some(report.state.clone()) };
    record(&txn, &Actor::from(author), &Action::ReportResponse { report: report_ref, text: text.to_string() }).await?;
    txn.commit().await?;
    Ok(posted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_escaped_with_line_breaks() {
        assert_eq!(plain_text_html("a <b> & 'c'\nd"), "a &lt;b&gt; &amp; &#39;c&#39;<br>d");
    }

    #[test]
    fn snapshots_round_trip() {
        let status = status::Model {
            id: "A".into(),
            ap_id: "http://x/objects/1".into(),
            user_id: "U".into(),
            content: "<p>hi</p>".into(),
            source: Some("hi".into()),
            content_type: "text/plain".into(),
            visibility: "public".into(),
            sensitive: true,
            spoiler_text: "cw".into(),
            in_reply_to_id: None,
            in_reply_to_user_id: None,
            reblog_of_id: None,
            quote_of_id: None,
            context: "ctx".into(),
            language: Some("en".into()),
            local: true,
            idempotency_key: None,
            created_at: "2024-01-02T03:04:05.678Z".parse().unwrap(),
            edited_at: None,
            replies_count: 0,
            reblogs_count: 0,
            quotes_count: 0,
            favourites_count: 0,
        };
        assert_eq!(from_snapshot(&snapshot(&status)), Some(status));
    }
}
