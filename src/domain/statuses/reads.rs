//! The batched reads the views need: statuses, mentions, media, counts and the viewer's marks
//! for a page at once.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{media_attachment, mention, status, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::visible_to;
use crate::domain::IN_CHUNK;
use crate::error::AppResult;

/// Statuses by id, in any order.
pub async fn by_ids<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<Vec<status::Model>> {
    Ok(crate::domain::rows_among::<status::Entity, _>(conn, status::Column::Id, ids).await?)
}

/// The users each status mentions, in mention order.
pub async fn mentioned_users<C: ConnectionTrait>(
    conn: &C,
    status_ids: &[String],
) -> AppResult<HashMap<String, Vec<user::Model>>> {
    let mut rows = Vec::new();
    for chunk in status_ids.chunks(IN_CHUNK) {
        rows.extend(mention::Entity::find().filter(mention::Column::StatusId.is_in(chunk.to_vec())).all(conn).await?);
    }
    let user_ids: Vec<String> = rows.iter().map(|m| m.user_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let users: HashMap<String, user::Model> =
        crate::domain::users::by_ids(conn, &user_ids).await?.into_iter().map(|u| (u.id.clone(), u)).collect();
    let mut out: HashMap<String, Vec<user::Model>> = HashMap::new();
    for m in rows {
        if let Some(u) = users.get(&m.user_id) {
            out.entry(m.status_id).or_default().push(u.clone());
        }
    }
    Ok(out)
}

/// The media attached to each status, in upload order.
pub async fn media_of<C: ConnectionTrait>(
    conn: &C,
    status_ids: &[String],
) -> AppResult<HashMap<String, Vec<media_attachment::Model>>> {
    let mut out: HashMap<String, Vec<media_attachment::Model>> = HashMap::new();
    for chunk in status_ids.chunks(IN_CHUNK) {
        let rows = media_attachment::Entity::find()
            .filter(media_attachment::Column::StatusId.is_in(chunk.to_vec()))
            .order_by_asc(media_attachment::Column::Id)
            .all(conn)
            .await?;
        for row in rows {
            if let Some(sid) = row.status_id.clone() {
                out.entry(sid).or_default().push(row);
            }
        }
    }
    Ok(out)
}

/// Counters of a status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Public and unlisted replies (Pleroma counts only those).
    pub replies: u64,
    pub reblogs: u64,
    /// Public and unlisted quotes.
    pub quotes: u64,
}

/// A kept counter as served (a counter never shows below zero).
pub fn served(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Counts {
    /// The kept counters of a status row.
    pub fn of(row: &status::Model) -> Self {
        Self {
            replies: served(row.replies_count),
            reblogs: served(row.reblogs_count),
            quotes: served(row.quotes_count),
        }
    }
}

/// Replies, reblogs and quotes of each status, from its kept counters (one query).
pub async fn counts_of<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<HashMap<String, Counts>> {
    let mut out: HashMap<String, Counts> = ids.iter().map(|id| (id.clone(), Counts::default())).collect();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<(String, i64, i64, i64)> = status::Entity::find()
            .select_only()
            .column(status::Column::Id)
            .column(status::Column::RepliesCount)
            .column(status::Column::ReblogsCount)
            .column(status::Column::QuotesCount)
            .filter(status::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, replies, reblogs, quotes) in rows {
            out.insert(id, Counts { replies: served(replies), reblogs: served(reblogs), quotes: served(quotes) });
        }
    }
    Ok(out)
}

/// Which of these statuses `viewer` has reblogged.
pub async fn reblogged_by<C: ConnectionTrait>(conn: &C, viewer: &str, ids: &[String]) -> AppResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<Option<String>> = status::Entity::find()
            .select_only()
            .column(status::Column::ReblogOfId)
            .filter(status::Column::UserId.eq(viewer))
            .filter(status::Column::ReblogOfId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().flatten());
    }
    Ok(out)
}

/// Which of these authors `viewer` mutes.
pub async fn muted_by<C: ConnectionTrait>(conn: &C, viewer: &str, author_ids: &[String]) -> AppResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in author_ids.chunks(IN_CHUNK) {
        let rows: Vec<String> = entity::mute::Entity::find()
            .select_only()
            .column(entity::mute::Column::MutedId)
            .filter(entity::mute::Column::MuterId.eq(viewer))
            .filter(entity::mute::Column::MutedId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Which of these statuses `viewer` may see.
pub async fn visible_ids<C: ConnectionTrait>(
    conn: &C,
    viewer: Option<&str>,
    ids: &[String],
) -> AppResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<String> = status::Entity::find()
            .select_only()
            .column(status::Column::Id)
            .filter(status::Column::Id.is_in(chunk.to_vec()))
            .filter(visible_to(viewer))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// What an account's view shows of its posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthorStats {
    /// Public and unlisted posts, reblogs excluded (Pleroma's `note_count`).
    pub statuses: u64,
    /// When the author last posted (reblogs included).
    pub last_status_at: Option<DateTime<Utc>>,
}

impl AuthorStats {
    /// The kept counters of a user row.
    pub fn of(row: &user::Model) -> Self {
        Self { statuses: served(row.statuses_count), last_status_at: row.last_status_at }
    }
}

/// The post count and last post time of each of these users, from their kept counters (one
/// query).
pub async fn author_stats<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[String],
) -> AppResult<HashMap<String, AuthorStats>> {
    let mut out: HashMap<String, AuthorStats> = HashMap::new();
    for chunk in user_ids.chunks(IN_CHUNK) {
        let rows: Vec<(String, i64, Option<DateTime<Utc>>)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::StatusesCount)
            .column(user::Column::LastStatusAt)
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, statuses, last_status_at) in rows {
            out.insert(id, AuthorStats { statuses: served(statuses), last_status_at });
        }
    }
    Ok(out)
}
