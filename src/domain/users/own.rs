//! What the caller's own account shows (`verify_credentials`, `myAccount`), read in one
//! statement: the fresh row (its kept counters), the pending follow requests, the unread
//! notifications, the notification settings and the tags.
use entity::user;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};

use crate::error::AppResult;

/// The caller's own account and what only its owner sees.
#[derive(Debug, Clone)]
pub struct OwnReads {
    /// The row, read now (the token cache's copy may predate the counters).
    pub user: user::Model,
    /// Follow requests from active accounts waiting for an answer.
    pub follow_requests: u64,
    /// Notifications not seen yet.
    pub unread_notifications: u64,
    pub block_from_strangers: bool,
    pub hide_notification_contents: bool,
    /// Tags, sorted.
    pub tags: Vec<String>,
}

/// Separates tags in the aggregated column (the unit separator, never in a tag).
const SEPARATOR: char = '\u{1f}';

/// The user `id` and what its owner sees, in one statement; `None` when there is no such user.
pub async fn own_reads<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<Option<OwnReads>> {
    let backend = conn.get_database_backend();
    let (param, tags) = match backend {
        DbBackend::Postgres => (
            "$1",
            "(SELECT string_agg(t.tag, chr(31) ORDER BY t.tag) FROM user_tags t WHERE t.user_id = u.id)",
        ),
        _ => (
            "?",
            "(SELECT group_concat(tag, char(31)) FROM (SELECT t.tag FROM user_tags t WHERE t.user_id = u.id ORDER BY t.tag))",
        ),
    };
    let sql = format!(
        "SELECT u.*, \
         (SELECT COUNT(*) FROM follow_requests r JOIN users f ON f.id = r.follower_id \
          WHERE r.following_id = u.id AND f.is_active = TRUE) AS own_follow_requests, \
         (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.seen = FALSE) AS own_unread_notifications, \
         COALESCE(ns.block_from_strangers, FALSE) AS own_block_from_strangers, \
         COALESCE(ns.hide_notification_contents, FALSE) AS own_hide_notification_contents, \
         {tags} AS own_tags \
         FROM users u LEFT JOIN notification_settings ns ON ns.user_id = u.id WHERE u.id = {param}"
    );
    let Some(row) = conn.query_one_raw(Statement::from_sql_and_values(backend, sql, [id.into()])).await? else {
        return Ok(None);
    };
    let count = |column: &str| -> AppResult<u64> { Ok(u64::try_from(row.try_get::<i64>("", column)?).unwrap_or(0)) };
    let tags: Option<String> = row.try_get("", "own_tags")?;
    Ok(Some(OwnReads {
        user: user::Model::from_query_result(&row, "")?,
        follow_requests: count("own_follow_requests")?,
        unread_notifications: count("own_unread_notifications")?,
        block_from_strangers: row.try_get("", "own_block_from_strangers")?,
        hide_notification_contents: row.try_get("", "own_hide_notification_contents")?,
        tags: tags.map(|t| t.split(SEPARATOR).map(String::from).collect()).unwrap_or_default(),
    }))
}
