//! The moderation log: what admins and moderators did, newest first.
mod types;

use async_graphql::{Context, Object};
pub use types::*;

use super::{pagination::Window, ContextExt, FieldRule};
use crate::{
    auth::{Access, Privilege},
    domain::moderation_log::{self as domain, LogFilter},
    error::AppError,
};

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] =
    &[("Query", "moderationLog", Access::Staff(Privilege::ModerationLogRead, &["admin:read"]))];

/// Moderation-log reads.
#[derive(Default)]
pub struct ModerationQuery;

#[Object]
impl ModerationQuery {
    /// The moderation log, newest first. Page with `first`/`after`, or with `page`/`pageSize`
    /// (default 50).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 50)")]
    async fn moderation_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries to list.")] filter: Option<ModerationLogFilter>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<LogConnection> {
        let window = Window::resolve(first, after, page, page_size, 50)?;
        let filter = LogFilter::from(filter.unwrap_or_default());
        filter.check()?;
        let (items, total) =
            domain::list(&ctx.db().read, &filter, window.offset, window.limit).await.map_err(AppError::from)?;
        Ok(window.connection(items.into_iter().map(LogEntry).collect(), total))
    }
}
