//! Reports: filing one, the admin list and actions (state, notes), and the caller's own reports.
mod loaders;
mod types;

pub use loaders::*;
pub use types::*;

use std::collections::HashSet;

use async_graphql::{Context, Object, ID};
use entity::report;

use super::{
    pagination::Window,
    users::{log_actor, FollowCountsOf, TagsOf, UserById},
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::{
        reports::{self as domain, NewReport, ReportSearch, StateChange, StateOutcome},
        users,
    },
    error::AppError,
};

const READ_REPORTS: &[&str] = &["admin:read:reports"];
const WRITE_REPORTS: &[&str] = &["admin:write:reports"];
/// Reports a mutation returns are readable with either admin reports scope.
const ANY_REPORTS: &[&str] = &["admin:read:reports", "admin:write:reports"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "reports", Access::Staff(Privilege::ReportsManageReports, READ_REPORTS)),
    ("Query", "report", Access::Staff(Privilege::ReportsManageReports, READ_REPORTS)),
    ("Query", "groupedReports", Access::Staff(Privilege::ReportsManageReports, READ_REPORTS)),
    ("Query", "myReports", Access::User(&["read:reports"])),
    ("Query", "myReport", Access::User(&["read:reports"])),
    ("Report", "notes", Access::Staff(Privilege::ReportsManageReports, ANY_REPORTS)),
    ("Mutation", "fileReport", Access::User(&["write:reports"])),
    ("Mutation", "updateReports", Access::Staff(Privilege::ReportsManageReports, WRITE_REPORTS)),
    ("Mutation", "addReportNote", Access::Staff(Privilege::ReportsManageReports, WRITE_REPORTS)),
    ("Mutation", "deleteReportNote", Access::Staff(Privilege::ReportsManageReports, WRITE_REPORTS)),
];

/// One page of reports matching `search`.
async fn page(ctx: &Context<'_>, search: ReportSearch, window: Window) -> async_graphql::Result<ReportConnection> {
    let db = &ctx.db().read;
    let rows = search.page(db, window.offset, window.limit);
    // The count runs only when `totalCount` is asked for.
    let (rows, total) = if ctx.look_ahead().field("totalCount").exists() {
        tokio::try_join!(rows, search.count(db))?
    } else {
        let rows = rows.await?;
        let total = window.offset + rows.len() as u64;
        (rows, total)
    };
    prefetch(ctx, &rows).await?;
    Ok(window.connection(rows.into_iter().map(Report).collect(), total))
}

/// Load what a page of reports shows — statuses, notes, the accounts of reporters, reported
/// users, authors and note writers, their tags and follow counts — in a fixed number of
/// queries, into the request's loader, where the nested fields find it. A page of 50 then
/// costs the statements of a page of 1, however resolution batches.
async fn prefetch(ctx: &Context<'_>, reports: &[report::Model]) -> async_graphql::Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let db = &ctx.db().read;
    let ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
    let (mut statuses, mut notes) = tokio::try_join!(domain::statuses_of(db, &ids), domain::notes_of(db, &ids))?;
    let mut user_ids: HashSet<String> = HashSet::new();
    for r in reports {
        user_ids.insert(r.account_id.clone());
        user_ids.insert(r.actor_id.clone());
    }
    user_ids.extend(statuses.values().flatten().map(|s| s.status.user_id.clone()));
    user_ids.extend(notes.values().flatten().map(|n| n.user_id.clone()));
    let user_ids: Vec<String> = user_ids.into_iter().collect();
    let (found, mut tags, counts) = tokio::try_join!(
        users::by_ids(db, &user_ids),
        users::tags_of(db, &user_ids),
        users::follow_counts_of(db, &user_ids)
    )?;
    let loader = ctx.loader();
    loader
        .feed_many(ids.iter().map(|id| (StatusesOfReport(id.clone()), statuses.remove(id).unwrap_or_default())))
        .await;
    loader.feed_many(ids.iter().map(|id| (NotesOfReport(id.clone()), notes.remove(id).unwrap_or_default()))).await;
    loader.feed_many(user_ids.iter().map(|id| (TagsOf(id.clone()), tags.remove(id).unwrap_or_default()))).await;
    loader
        .feed_many(user_ids.iter().map(|id| (FollowCountsOf(id.clone()), counts.get(id).copied().unwrap_or_default())))
        .await;
    loader.feed_many(found.into_iter().map(|u| (UserById(u.id.clone()), u))).await;
    Ok(())
}

/// Report reads.
#[derive(Default)]
pub struct ReportsQuery;

#[Object]
impl ReportsQuery {
    /// Reports, newest first. Page with `first`/`after`, or with `page`/`pageSize` (default 50).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 50)")]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportFilter>,
        first: Option<i32>,
        after: Option<String>,
        page: Option<i32>,
        page_size: Option<i32>,
    ) -> async_graphql::Result<ReportConnection> {
        let window = Window::resolve(first, after, page, page_size, 50)?;
        self::page(ctx, filter.unwrap_or_default().into(), window).await
    }

    /// One report (`null` when there is none).
    async fn report(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Report>> {
        Ok(domain::by_id(&ctx.db().read, &id).await?.map(Report))
    }

    /// Reports grouped by the status they cite, the group of the latest report first.
    async fn grouped_reports(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReportGroup>> {
        let db = &ctx.db().read;
        let groups = domain::grouped(db).await?;
        let report_ids: Vec<String> = groups.iter().filter_map(|(_, r)| r.first().map(|r| r.id.clone())).collect();
        let statuses = domain::statuses_of(db, &report_ids).await?;
        Ok(groups
            .into_iter()
            .filter_map(|(status_id, reports)| {
                let status = statuses.get(&reports.first()?.id)?.iter().find(|s| s.status.id == status_id)?.clone();
                Some(ReportGroup { status, reports })
            })
            .collect())
    }

    /// Reports the caller filed, newest first. Page with `first`/`after`, or with
    /// `page`/`pageSize` (default 20).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 20)")]
    async fn my_reports(
        &self,
        ctx: &Context<'_>,
        state: Option<ReportState>,
        first: Option<i32>,
        after: Option<String>,
        page: Option<i32>,
        page_size: Option<i32>,
    ) -> async_graphql::Result<ReportConnection> {
        let me = ctx.viewer().require_user()?;
        let window = Window::resolve(first, after, page, page_size, 20)?;
        let search =
            ReportSearch { state: state.map(|s| s.as_str().to_string()), rule_id: None, actor_id: Some(me.id.clone()) };
        self::page(ctx, search, window).await
    }

    /// One report the caller filed; any other id is `NOT_FOUND` (`Record not found`).
    async fn my_report(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Report> {
        let me = ctx.viewer().require_user()?;
        let report = domain::by_id(&ctx.db().read, &id).await?.filter(|r| r.actor_id == me.id);
        report.map(Report).ok_or_else(|| AppError::NotFound("Record not found".into()).into())
    }
}

/// Report actions: filing, and the moderators' state changes and notes. Each admin action runs
/// in one transaction with its moderation-log entries.
#[derive(Default)]
pub struct ReportsMutation;

#[Object]
impl ReportsMutation {
    /// File a report about an account (Mastodon's `POST /api/v1/reports`). An unknown account
    /// is `BAD_REQUEST` (`Account not found`), as is a comment over 1000 characters.
    async fn file_report(&self, ctx: &Context<'_>, input: FileReportInput) -> async_graphql::Result<FileReportPayload> {
        let reporter = ctx.viewer().require_user()?;
        let new = NewReport {
            account_id: input.account_id.0,
            status_ids: input.status_ids.unwrap_or_default().into_iter().map(|id| id.0).collect(),
            comment: input.comment,
            forward: input.forward.unwrap_or(false),
            rule_ids: input.rule_ids.unwrap_or_default().into_iter().map(|id| id.0).collect(),
        };
        let report = domain::file(ctx.db(), &ctx.settings().instance_url, reporter, &new).await?;
        Ok(FileReportPayload { report: Report(report), action_taken: false })
    }

    /// Change the state of reports, each entry on its own: a failing entry (`Unsupported
    /// state`, `not_found`) changes nothing and is listed in `errors`; the others are applied,
    /// each logged as `report_update`.
    async fn update_reports(
        &self,
        ctx: &Context<'_>,
        input: UpdateReportsInput,
    ) -> async_graphql::Result<UpdateReportsPayload> {
        let actor = log_actor(ctx)?;
        let changes: Vec<StateChange> =
            input.reports.into_iter().map(|c| StateChange { id: c.id.0, state: c.state }).collect();
        let mut payload = UpdateReportsPayload { reports: Vec::new(), errors: Vec::new() };
        for outcome in domain::update_states(ctx.db(), &actor, &changes).await? {
            match outcome {
                StateOutcome::Updated(report) => payload.reports.push(Report(report)),
                StateOutcome::Failed { id, error } => payload.errors.push(ReportUpdateError { id: ID(id), error }),
            }
        }
        Ok(payload)
    }

    /// Add a note to a report. Logged as `report_note`. An unknown report is `NOT_FOUND`,
    /// blank content `BAD_REQUEST`.
    async fn add_report_note(
        &self,
        ctx: &Context<'_>,
        input: AddReportNoteInput,
    ) -> async_graphql::Result<AddReportNotePayload> {
        let actor = log_actor(ctx)?;
        let note = domain::add_note(ctx.db(), &actor, &input.report_id, &input.content).await?;
        Ok(AddReportNotePayload { note: ReportNote(note) })
    }

    /// Delete a note of a report. Logged as `report_note_delete`. A note that is not one of
    /// the report's is `NOT_FOUND`.
    async fn delete_report_note(
        &self,
        ctx: &Context<'_>,
        input: DeleteReportNoteInput,
    ) -> async_graphql::Result<DeleteReportNotePayload> {
        let actor = log_actor(ctx)?;
        let report = domain::delete_note(ctx.db(), &actor, &input.report_id, input.id).await?;
        Ok(DeleteReportNotePayload { report: Report(report) })
    }
}
