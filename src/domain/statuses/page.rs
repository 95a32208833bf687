//! What a page of rendered statuses reads, in two statements whatever its length (Pleroma reads
//! its activities joined with their objects, then the users batched):
//!
//! - [`statuses_with_marks`]: the statuses by id, each with its mentioned users, its pin, the
//!   viewer's marks (reblogged, favourited, bookmarked and the folder), and whether it has media,
//!   reactions or a poll (so that those are read only for a page that shows some);
//! - [`people`]: the accounts shown, each with its tags and whether the viewer mutes it.
//!
//! The ids are bound as one JSON array (as [`crate::domain::among`] binds them).
use chrono::{DateTime, Utc};
use entity::{status, user};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};

use crate::error::AppResult;

/// Separates ids and tags in an aggregated column (the unit separator, never in an id or tag).
const SEPARATOR: char = '\u{1f}';

/// A status with what its rendering needs besides its row and counters.
#[derive(Debug, Clone)]
pub struct MarkedStatus {
    pub row: status::Model,
    /// The users mentioned, by id (ordered by id, as the mentions' primary key orders them).
    pub mentioned: Vec<String>,
    /// Who pinned it and when.
    pub pin: Option<(String, DateTime<Utc>)>,
    /// The viewer reblogged it.
    pub reblogged: bool,
    /// The viewer favourited it.
    pub favourited: bool,
    /// The viewer bookmarked it: `Some(folder)`.
    pub bookmark: Option<Option<String>>,
    /// It has media, reactions, a poll (each read only for the statuses that have them).
    pub with_media: bool,
    pub with_reactions: bool,
    pub with_poll: bool,
}

/// An account shown on a page, with its tags (sorted) and whether the viewer mutes it.
#[derive(Debug, Clone)]
pub struct ShownPerson {
    pub user: user::Model,
    pub tags: Vec<String>,
    pub muted: bool,
}

/// Placeholders and their values, numbered for PostgreSQL and positional for SQLite (public:
/// the content benchmark writes Pleroma's query shapes with it).
pub struct Binds {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Binds {
    pub fn new(backend: DbBackend) -> Self {
        Self { backend, values: Vec::new() }
    }

    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".into(),
        }
    }

    /// `IN (…)`'s right side: the ids bound as one JSON array.
    pub fn ids(&mut self, ids: &[String]) -> String {
        let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let p = self.bind(list);
        match self.backend {
            DbBackend::Postgres => format!("(SELECT jsonb_array_elements_text(CAST({p} AS jsonb)))"),
            _ => format!("(SELECT value FROM json_each({p}))"),
        }
    }

    pub fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// `column`'s values of `from … where …` joined by [`SEPARATOR`], ordered by `column`.
fn aggregated(backend: DbBackend, column: &str, from_where: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("(SELECT string_agg({column}, chr(31) ORDER BY {column}) {from_where})"),
        _ => format!("(SELECT group_concat(v, char(31)) FROM (SELECT {column} AS v {from_where} ORDER BY {column}))"),
    }
}

fn split(joined: Option<String>) -> Vec<String> {
    joined.map(|t| t.split(SEPARATOR).map(String::from).collect()).unwrap_or_default()
}

/// The statuses `ids` (those that exist), each with its mentions, its pin and `viewer`'s marks,
/// in one statement.
pub async fn statuses_with_marks<C: ConnectionTrait>(
    conn: &C,
    ids: &[String],
    viewer: Option<&str>,
) -> AppResult<Vec<MarkedStatus>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let mut b = Binds::new(backend);
    let mentions = aggregated(backend, "m.user_id", "FROM mentions m WHERE m.status_id = s.id");
    let marks = match viewer {
        Some(viewer) => {
            let (v1, v2, v3) = (b.bind(viewer), b.bind(viewer), b.bind(viewer));
            // A bookmark without a folder reads as '' (no folder id is empty), none as NULL.
            format!(
                "EXISTS (SELECT 1 FROM statuses r WHERE r.user_id = {v1} AND r.reblog_of_id = s.id) AS page_reblogged, \
                 EXISTS (SELECT 1 FROM favourites f WHERE f.user_id = {v2} AND f.status_id = s.id) AS page_favourited, \
                 (SELECT COALESCE(b.folder_id, '') FROM bookmarks b WHERE b.user_id = {v3} AND b.status_id = s.id \
                  ORDER BY b.id DESC LIMIT 1) AS page_bookmark"
            )
        }
        None => "FALSE AS page_reblogged, FALSE AS page_favourited, CAST(NULL AS TEXT) AS page_bookmark".into(),
    };
    let among = b.ids(ids);
    let sql = format!(
        "SELECT s.*, {mentions} AS page_mentions, p.user_id AS page_pinned_by, p.pinned_at AS page_pinned_at, {marks}, \
         EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id) AS page_with_media, \
         EXISTS (SELECT 1 FROM emoji_reactions er WHERE er.status_id = s.id) AS page_with_reactions, \
         EXISTS (SELECT 1 FROM polls pl WHERE pl.status_id = s.id) AS page_with_poll \
         FROM statuses s LEFT JOIN status_pins p ON p.status_id = s.id WHERE s.id IN {among}"
    );
    let rows = conn.query_all_raw(b.statement(sql)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let pinned_by: Option<String> = row.try_get("", "page_pinned_by")?;
        let pinned_at: Option<DateTime<Utc>> = row.try_get("", "page_pinned_at")?;
        let bookmark: Option<String> = row.try_get("", "page_bookmark")?;
        out.push(MarkedStatus {
            row: status::Model::from_query_result(&row, "")?,
            mentioned: split(row.try_get("", "page_mentions")?),
            pin: pinned_by.zip(pinned_at),
            reblogged: row.try_get("", "page_reblogged")?,
            favourited: row.try_get("", "page_favourited")?,
            bookmark: bookmark.map(|folder| Some(folder).filter(|f| !f.is_empty())),
            with_media: row.try_get("", "page_with_media")?,
            with_reactions: row.try_get("", "page_with_reactions")?,
            with_poll: row.try_get("", "page_with_poll")?,
        });
    }
    Ok(out)
}

/// The users `ids` (those that exist), each with its tags and whether `viewer` mutes it, in one
/// statement.
pub async fn people<C: ConnectionTrait>(conn: &C, ids: &[String], viewer: Option<&str>) -> AppResult<Vec<ShownPerson>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let mut b = Binds::new(backend);
    let tags = aggregated(backend, "t.tag", "FROM user_tags t WHERE t.user_id = u.id");
    let muted = match viewer {
        Some(viewer) => {
            let v = b.bind(viewer);
            format!("EXISTS (SELECT 1 FROM mutes mu WHERE mu.muter_id = {v} AND mu.muted_id = u.id)")
        }
        None => "FALSE".into(),
    };
    let among = b.ids(ids);
    let sql = format!("SELECT u.*, {tags} AS page_tags, {muted} AS page_muted FROM users u WHERE u.id IN {among}");
    let rows = conn.query_all_raw(b.statement(sql)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(ShownPerson {
            user: user::Model::from_query_result(&row, "")?,
            tags: split(row.try_get("", "page_tags")?),
            muted: row.try_get("", "page_muted")?,
        });
    }
    Ok(out)
}
