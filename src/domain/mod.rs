//! Business rules, one module per area. Functions take a connection or a transaction and know
//! nothing of HTTP or GraphQL.
pub mod accounts;
pub mod announcements;
pub mod backups;
pub mod bookmarks;
pub mod captcha;
pub mod chats;
pub mod config_db;
pub mod conversations;
pub mod counters;
pub mod credentials;
pub mod documents;
pub mod emoji;
pub mod events;
pub mod favourites;
pub mod federation;
pub mod formatter;
pub mod frontends;
pub mod imports;
pub mod input_sizes;
pub mod instance;
pub mod instance_secrets;
pub mod instance_url;
pub mod invites;
pub mod job_kinds;
pub mod mail;
pub mod media;
pub mod media_proxy;
pub mod mfa;
pub mod moderation_log;
pub mod mrf;
pub mod notifications;
pub mod oauth;
pub mod oauth_apps;
pub mod own_account;
pub mod password;
pub mod pins;
pub mod polls;
pub mod privileges;
pub mod purge;
pub mod registration;
pub mod relationships;
pub mod remote_import;
pub mod reports;
pub mod rules;
pub mod safe_zip;
pub mod scrobbles;
pub mod sealed;
pub mod status_counts;
pub mod statuses;
pub mod storage;
pub mod token_digest;
pub mod upload_filters;
pub mod user_admin;
pub mod users;

use sea_orm::{prelude::Expr, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter};

/// Most values bound in one `IN (…)` list or multi-row insert (SQLite allows 32,766 variables
/// per statement); reads by id use [`among`] instead, which has no limit.
pub const IN_CHUNK: usize = 500;

/// `column IN (ids)`, the ids bound as one JSON array: one statement text whatever their
/// number (a bound `IN (?, ?, …)` list is a new statement for every length, and on SQLite,
/// where `sqlite_stat4` samples make each bound id plan-dependent, is prepared again at every
/// execution), and no bind-variable limit.
pub fn among(backend: DbBackend, column: impl sea_orm::sea_query::IntoColumnRef, ids: &[String]) -> Expr {
    use sea_orm::sea_query::{BinOper, ExprTrait};
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    // Each engine's placeholder, which sea-query numbers within the whole statement.
    let values = if backend == DbBackend::Postgres {
        "(SELECT jsonb_array_elements_text(CAST($1 AS jsonb)))"
    } else {
        "(SELECT value FROM json_each(?))"
    };
    Expr::col(column).binary(BinOper::In, Expr::cust_with_values(values, [list]))
}

/// The rows of `E` whose `column` is one of `ids`, in any order, in one statement ([`among`]).
pub async fn rows_among<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    column: E::Column,
    ids: &[String],
) -> Result<Vec<E::Model>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    E::find().filter(among(conn.get_database_backend(), column.as_column_ref(), ids)).all(conn).await
}
