//! Reports: filing one, the admin list and actions (state, notes), and the caller's own reports.
mod loaders;
mod types;

pub use loaders::*;
pub use types::*;

use async_graphql::{
    connection::{Connection, CursorType, Edge, OpaqueCursor},
    Context, Object, ID,
};

use super::{
    pagination::{ListMeta, Window},
    users::log_actor,
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::reports::{self as domain, NewReport, ReportSearch, StateChange, StateOutcome},
    error::AppError,
};

/// Largest page of `groupedReports` (a group carries all its reports).
const MAX_GROUPS_PAGE: u64 = 100;
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
    ("Mutation", "respondToReport", Access::Staff(Privilege::ReportsManageReports, WRITE_REPORTS)),
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
    loaders::prefetch(ctx, &rows).await?;
    Ok(window.connection(rows.into_iter().map(Report).collect(), total))
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
        #[graphql(desc = "Which reports to list.")] filter: Option<ReportFilter>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<ReportConnection> {
        let window = Window::resolve(first, after, page, page_size, 50)?;
        self::page(ctx, filter.unwrap_or_default().into(), window).await
    }

    /// One report (`null` when there is none).
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report's id.")] id: ID,
    ) -> async_graphql::Result<Option<Report>> {
        Ok(domain::by_id(&ctx.db().read, &id).await?.map(Report))
    }

    /// Reports grouped by the status they cite, the group of the latest report first (then by
    /// status id). Page with `first`/`after` (default 20, at most 100 groups a page): the cursor
    /// is a group's place in that order, so a page costs the same wherever it is; a page's
    /// reports, statuses and accounts are read in a fixed number of statements.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, None, 20)")]
    async fn grouped_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<ReportGroupConnection> {
        let limit = match first {
            None => 20,
            Some(n) => u64::try_from(n).map_err(|_| AppError::BadRequest("page size must not be negative".into()))?,
        }
        .min(MAX_GROUPS_PAGE);
        let after = match after {
            Some(cursor) => Some(
                OpaqueCursor::<domain::GroupKey>::decode_cursor(&cursor)
                    .map_err(|_| AppError::BadRequest("invalid cursor".into()))?
                    .0,
            ),
            None => None,
        };
        let db = &ctx.db().read;
        // One group more than the page tells whether another page follows.
        let groups = domain::grouped_page(db, after.as_ref(), limit + 1);
        // The count runs only when `totalCount` is asked for.
        let (mut groups, total) = if ctx.look_ahead().field("totalCount").exists() {
            tokio::try_join!(groups, domain::grouped_count(db))?
        } else {
            let groups = groups.await?;
            let total = groups.len() as u64;
            (groups, total)
        };
        let more = groups.len() as u64 > limit;
        groups.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        // A report citing several statuses is in several groups: prefetch it once.
        let mut seen = std::collections::HashSet::new();
        let reports: Vec<entity::report::Model> =
            groups.iter().flat_map(|g| g.reports.iter()).filter(|r| seen.insert(r.id.clone())).cloned().collect();
        loaders::prefetch(ctx, &reports).await?;
        // Each group's status is among those its latest report cites, fed by the prefetch.
        let loader = ctx.loader();
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            more,
            ListMeta { total_count: total, page_size: limit },
        );
        for domain::Group { key, reports } in groups {
            let Some(latest) = reports.first() else { continue };
            let cited = loader.load_one(StatusesOfReport(latest.id.clone())).await.map_err(super::load_error)?;
            if let Some(status) = cited.into_iter().flatten().find(|s| s.status.id == key.status) {
                connection.edges.push(Edge::new(OpaqueCursor(key), ReportGroup { status, reports }));
            }
        }
        Ok(connection)
    }

    /// Reports the caller filed, newest first. Page with `first`/`after`, or with
    /// `page`/`pageSize` (default 20).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 20)")]
    async fn my_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only reports in this state.")] state: Option<ReportState>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<ReportConnection> {
        let me = ctx.viewer().require_user()?;
        let window = Window::resolve(first, after, page, page_size, 20)?;
        let search =
            ReportSearch { state: state.map(|s| s.as_str().to_string()), rule_id: None, actor_id: Some(me.id.clone()) };
        self::page(ctx, search, window).await
    }

    /// One report the caller filed; any other id is `NOT_FOUND` (`Record not found`).
    async fn my_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report's id.")] id: ID,
    ) -> async_graphql::Result<Report> {
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
    async fn file_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: FileReportInput,
    ) -> async_graphql::Result<FileReportPayload> {
        let reporter = ctx.viewer().require_user()?;
        let new = NewReport {
            account_id: input.account_id.0,
            status_ids: input.status_ids.unwrap_or_default().into_iter().map(|id| id.0).collect(),
            comment: input.comment,
            forward: input.forward.unwrap_or(false),
            rule_ids: input.rule_ids.unwrap_or_default().into_iter().map(|id| id.0).collect(),
        };
        let report = domain::file(ctx.db(), ctx.settings(), reporter, &new).await?;
        Ok(FileReportPayload { report: Report(report), action_taken: false })
    }

    /// Change the state of reports, each entry on its own: a failing entry (`Unsupported
    /// state`, `not_found`) changes nothing and is listed in `errors`; the others are applied,
    /// each logged as `report_update`.
    async fn update_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateReportsInput,
    ) -> async_graphql::Result<UpdateReportsPayload> {
        let actor = log_actor(ctx)?;
        let changes: Vec<StateChange> = input
            .reports
            .into_iter()
            .map(|c| StateChange { id: c.id.0, state: c.state.as_str().to_string() })
            .collect();
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AddReportNoteInput,
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DeleteReportNoteInput,
    ) -> async_graphql::Result<DeleteReportNotePayload> {
        let actor = log_actor(ctx)?;
        let report = domain::delete_note(ctx.db(), &actor, &input.report_id, input.id).await?;
        Ok(DeleteReportNotePayload { report: Report(report) })
    }

    /// Answer a report with a direct status to the reporter (the older Admin API's
    /// `respond`, replaced by notes in Pleroma 2.0). Logged as `report_response`. An unknown
    /// report is `NOT_FOUND`.
    async fn respond_to_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: RespondToReportInput,
    ) -> async_graphql::Result<RespondToReportPayload> {
        let author = ctx.viewer().require_user()?;
        let status = domain::respond(ctx.db(), ctx.settings(), author, &input.report_id, &input.status).await?;
        Ok(RespondToReportPayload { status: super::statuses::Status::from_row(status) })
    }
}
