//! Types of the moderation log area.
use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    Context, InputObject, Json, Object, ID,
};
use entity::moderation_log;

use crate::domain::moderation_log::LogFilter;
use crate::graphql::{load_error, pagination::ListMeta, scalars::DateTime, users::User, users::UserById, ContextExt};

/// One moderation-log entry.
pub struct LogEntry(pub moderation_log::Model);

/// One moderation-log entry: who did what, when, in Pleroma's words.
#[Object]
impl LogEntry {
    /// Entry id.
    async fn id(&self) -> i64 {
        self.0.id
    }
    /// Pleroma's data map: `actor`, `action`, `message` and the action's subjects.
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.0.data.clone())
    }
    /// When it happened, in Unix seconds.
    async fn time(&self) -> i64 {
        self.0.inserted_at.timestamp()
    }
    /// When it happened.
    async fn inserted_at(&self) -> DateTime {
        DateTime(self.0.inserted_at)
    }
    /// The rendered message, e.g. `@admin deactivated users: @bob`.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// Pleroma's action name (`deactivate`, `tag`, `grant`, …).
    async fn action(&self) -> Option<&str> {
        self.0.data.get("action").and_then(|a| a.as_str())
    }
    /// The admin or moderator who acted, when the account still exists.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.actor_id.clone() else { return Ok(None) };
        Ok(ctx.loader().load_one(UserById(id)).await.map_err(load_error)?.map(User::from))
    }
}

/// Which entries to list; all criteria combine.
#[derive(InputObject, Default)]
pub struct ModerationLogFilter {
    /// Entries at or after this instant (an ISO 8601 date-time; without an offset it is UTC).
    pub start_date: Option<DateTime>,
    /// Entries at or before this instant.
    pub end_date: Option<DateTime>,
    /// Entries whose actor is this user (by id).
    pub user_id: Option<ID>,
    /// Entries whose message contains this text, case-insensitively.
    pub search: Option<String>,
}

impl From<ModerationLogFilter> for LogFilter {
    fn from(f: ModerationLogFilter) -> Self {
        LogFilter {
            start_date: f.start_date.map(|d| d.0),
            end_date: f.end_date.map(|d| d.0),
            user_id: f.user_id.map(|id| id.0),
            search: f.search,
        }
    }
}

/// A page of log entries.
pub type LogConnection = Connection<OpaqueCursor<u64>, LogEntry, ListMeta, EmptyFields>;
