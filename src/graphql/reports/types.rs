//! Types of the reports area.
use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    Context, Enum, InputObject, Object, SimpleObject, ID,
};
use entity::{report, report_note, user};

use super::{NotesOfReport, StatusesOfReport};
use crate::{
    domain::reports::{ReportSearch, ReportedStatus},
    graphql::{
        accounts::Account,
        load_error,
        pagination::ListMeta,
        rules::{Rule, RuleById},
        scalars::DateTime,
        shared::Shared,
        statuses::Status,
        users::UserById,
        ContextExt,
    },
};

/// The state of a report.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReportState {
    /// Waiting for a moderator.
    Open,
    /// Closed without action.
    Closed,
    /// Acted upon.
    Resolved,
}

impl ReportState {
    /// Pleroma's name: `open`, `closed`, `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Open => "open",
            ReportState::Closed => "closed",
            ReportState::Resolved => "resolved",
        }
    }
}

/// The account of a user id, through the request's DataLoader; answered once per field and
/// account in an execution ([`Shared`]).
pub(crate) async fn account_of(ctx: &Context<'_>, id: &str) -> async_graphql::Result<Option<Shared<Account>>> {
    let user: Option<user::Model> = ctx.loader().load_one(UserById(id.to_string())).await.map_err(load_error)?;
    Ok(user.map(|user| Shared::new(id, Account::new(user))))
}

/// A cited status, answered once per field and status in an execution ([`Shared`]): a live
/// status by its id, a deleted one by the report whose copy it is.
fn shared_status(report_id: &str, cited: &ReportedStatus) -> Shared<Status> {
    let key = if cited.deleted { format!("{}@{report_id}", cited.status.id) } else { cited.status.id.clone() };
    Shared::new(key, Status::from_row(cited.status.clone()))
}

/// A report: a user (the actor) reports an account, citing some of its statuses.
pub struct Report(pub report::Model);

/// A report (Pleroma's `Flag` activity): who reported whom, why, citing which statuses, its
/// state and the moderators' notes.
#[Object]
impl Report {
    /// Flake id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// `open`, `closed` or `resolved`.
    async fn state(&self) -> &str {
        &self.0.state
    }
    /// The reporter's comment as HTML (escaped plain text), if any.
    async fn content(&self) -> Option<&str> {
        self.0.content.as_deref()
    }
    /// When the report was filed.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the report last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// Whether the reporter asked for the report to be forwarded to the account's instance.
    async fn forwarded(&self) -> bool {
        self.0.forwarded
    }
    /// ActivityPub id of the report.
    async fn ap_id(&self) -> &str {
        &self.0.ap_id
    }
    /// The reported account.
    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Shared<Account>>> {
        account_of(ctx, &self.0.account_id).await
    }
    /// The reporter.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Shared<Account>>> {
        account_of(ctx, &self.0.actor_id).await
    }
    /// Ids of the instance rules the report cites.
    async fn rule_ids(&self) -> Vec<String> {
        serde_json::from_value(self.0.rule_ids.clone()).unwrap_or_default()
    }
    /// The instance rules the report cites that still exist, in the order cited.
    async fn rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Rule>> {
        let ids: Vec<String> = serde_json::from_value(self.0.rule_ids.clone()).unwrap_or_default();
        let keys = ids.iter().map(|id| RuleById(id.clone()));
        let found = ctx.loader().load_many(keys).await.map_err(load_error)?;
        Ok(ids.into_iter().filter_map(|id| found.get(&RuleById(id)).cloned().flatten().map(Rule)).collect())
    }
    /// The reported statuses, in the reporter's order; a status deleted since is shown as it
    /// was when the report was filed.
    async fn statuses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Shared<Status>>> {
        let found = ctx.loader().load_one(StatusesOfReport(self.0.id.clone())).await.map_err(load_error)?;
        Ok(found.unwrap_or_default().iter().map(|s| shared_status(&self.0.id, s)).collect())
    }
    /// Moderators' notes, oldest first (staff only).
    async fn notes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReportNote>> {
        let found = ctx.loader().load_one(NotesOfReport(self.0.id.clone())).await.map_err(load_error)?;
        Ok(found.unwrap_or_default().into_iter().map(ReportNote).collect())
    }
}

/// A moderator's note on a report.
pub struct ReportNote(pub report_note::Model);

/// A moderator's note on a report.
#[Object]
impl ReportNote {
    /// Note id.
    async fn id(&self) -> i64 {
        self.0.id
    }
    /// The note's text.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// When the note was written.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.inserted_at)
    }
    /// The report's id.
    async fn report_id(&self) -> ID {
        ID(self.0.report_id.clone())
    }
    /// The note's author.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Shared<Account>>> {
        account_of(ctx, &self.0.user_id).await
    }
}

/// A page of reports, newest first, with the total count.
pub type ReportConnection = Connection<OpaqueCursor<u64>, Report, ListMeta, EmptyFields>;

/// Which reports to list; criteria combine.
#[derive(InputObject, Default)]
pub struct ReportFilter {
    /// Only reports in this state.
    pub state: Option<ReportState>,
    /// Only reports citing this instance rule.
    pub rule_id: Option<String>,
}

impl From<ReportFilter> for ReportSearch {
    fn from(f: ReportFilter) -> Self {
        ReportSearch { state: f.state.map(|s| s.as_str().to_string()), rule_id: f.rule_id, actor_id: None }
    }
}

/// A page of report groups, the group of the latest report first, with the total count.
pub type ReportGroupConnection =
    Connection<OpaqueCursor<crate::domain::reports::GroupKey>, ReportGroup, ListMeta, EmptyFields>;

/// The reports citing one status (the removed `GET /admin/grouped_reports`).
pub struct ReportGroup {
    pub status: ReportedStatus,
    pub reports: Vec<report::Model>,
}

/// The reports citing one status, newest first.
#[Object]
impl ReportGroup {
    /// When the latest of these reports was filed.
    async fn date(&self) -> Option<DateTime> {
        self.reports.first().map(|r| DateTime(r.created_at))
    }
    /// The status's author (the reported account).
    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Shared<Account>>> {
        account_of(ctx, &self.status.status.user_id).await
    }
    /// The status, as it is or as it was reported.
    async fn status(&self) -> Shared<Status> {
        // The group's status is the one its latest report cites.
        shared_status(self.reports.first().map_or("", |r| r.id.as_str()), &self.status)
    }
    /// Whether the status has been deleted since.
    async fn deleted(&self) -> bool {
        self.status.deleted
    }
    /// The reporters, newest report first, each once.
    async fn actors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Shared<Account>>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for report in &self.reports {
            if seen.insert(report.actor_id.clone()) {
                out.extend(account_of(ctx, &report.actor_id).await?);
            }
        }
        Ok(out)
    }
    /// The reports, newest first.
    async fn reports(&self) -> Vec<Report> {
        self.reports.iter().cloned().map(Report).collect()
    }
}

/// A report to file.
#[derive(InputObject)]
pub struct FileReportInput {
    /// The reported account's id.
    pub account_id: ID,
    /// Statuses of the reported account to cite; others are ignored, as Pleroma ignores them.
    pub status_ids: Option<Vec<ID>>,
    /// Why (plain text, at most 1000 characters).
    pub comment: Option<String>,
    /// Ask for the report to be forwarded to the account's instance (default false).
    pub forward: Option<bool>,
    /// Instance rules the report cites.
    pub rule_ids: Option<Vec<ID>>,
}

/// The result of `fileReport`.
#[derive(SimpleObject)]
pub struct FileReportPayload {
    /// The new report (state `open`).
    pub report: Report,
    /// Always false: no action was taken yet (Mastodon's `action_taken`).
    pub action_taken: bool,
}

/// One state change of a batch.
#[derive(InputObject)]
pub struct ReportStateChange {
    /// The report's id.
    pub id: ID,
    /// The new state.
    pub state: ReportState,
}

/// State changes to apply, each on its own.
#[derive(InputObject)]
pub struct UpdateReportsInput {
    /// The changes, applied in order.
    pub reports: Vec<ReportStateChange>,
}

/// An entry of a batch that failed; nothing changed for it.
#[derive(SimpleObject)]
pub struct ReportUpdateError {
    /// The report id as given.
    pub id: ID,
    /// Why, in Pleroma's words: `not_found` for an unknown report.
    pub error: String,
}

/// The result of `updateReports`.
#[derive(SimpleObject)]
pub struct UpdateReportsPayload {
    /// The reports changed, in request order.
    pub reports: Vec<Report>,
    /// The entries that failed (empty when all were applied).
    pub errors: Vec<ReportUpdateError>,
}

/// A note to add.
#[derive(InputObject)]
pub struct AddReportNoteInput {
    /// The report's id.
    pub report_id: ID,
    /// The note (not blank).
    pub content: String,
}

/// The result of `addReportNote`.
#[derive(SimpleObject)]
pub struct AddReportNotePayload {
    /// The new note.
    pub note: ReportNote,
}

/// A note to delete.
#[derive(InputObject)]
pub struct DeleteReportNoteInput {
    /// The report's id.
    pub report_id: ID,
    /// The note's id (a note of that report).
    pub id: i64,
}

/// The result of `deleteReportNote`.
#[derive(SimpleObject)]
pub struct DeleteReportNotePayload {
    /// The report the note belonged to.
    pub report: Report,
}

/// An answer to a report.
#[derive(InputObject)]
pub struct RespondToReportInput {
    /// The report's id.
    pub report_id: ID,
    /// The text of the direct status sent to the reporter.
    pub status: String,
}

/// The result of `respondToReport`.
#[derive(SimpleObject)]
pub struct RespondToReportPayload {
    /// The direct status posted.
    pub status: Status,
}
