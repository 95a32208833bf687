//! Announcements (Pleroma's `Announcement`): raw text rendered to sanitised HTML, an optional
//! window (`starts_at`, `ends_at`), and per-user dismissals. Pleroma does not write
//! announcement changes to the moderation log.
use std::collections::HashSet;

use chrono::{DateTime, SubsecRound, Utc};
use entity::{announcement, announcement_read, user};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, OnConflict},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::{
    config::Settings,
    error::{AppError, AppResult},
    ids,
};

/// A new announcement.
#[derive(Debug, Clone, Default)]
pub struct NewAnnouncement {
    /// Plain text.
    pub content: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub all_day: bool,
}

/// Changes to an announcement: `None` keeps a field, `Some(None)` clears a date.
#[derive(Debug, Clone, Default)]
pub struct AnnouncementChange {
    pub content: Option<String>,
    pub starts_at: Option<Option<DateTime<Utc>>>,
    pub ends_at: Option<Option<DateTime<Utc>>>,
    pub all_day: Option<bool>,
}

/// Pleroma's `format_input(content, "text/plain", mentions_format: :full)`
/// (`Announcement.add_rendered_properties`): escaped, URLs, hashtags and mentions of known
/// accounts linked (the full `nick@host`), line breaks as `<br>` (the announcement's HTML is
/// not scrubbed afterwards, so not `<br/>`).
pub async fn render<C: ConnectionTrait>(conn: &C, settings: &Settings, content: &str) -> AppResult<String> {
    let written = super::statuses::written_mentions(content, &settings.host());
    let nicknames: Vec<String> = written.iter().map(|m| m.nickname.to_lowercase()).collect();
    let found = if nicknames.is_empty() {
        vec![]
    } else {
        user::Entity::find()
            .filter(Expr::expr(Func::lower(Expr::col(user::Column::Nickname))).is_in(nicknames))
            .all(conn)
            .await?
    };
    let targets: Vec<(String, super::statuses::MentionTarget)> = written
        .iter()
        .filter_map(|m| {
            let user = found.iter().find(|u| u.nickname.eq_ignore_ascii_case(&m.nickname))?;
            Some((m.written.clone(), super::statuses::MentionTarget::from(user)))
        })
        .collect();
    let html = super::statuses::render_content_with(content, "text/plain", &targets, &settings.instance_url, true);
    Ok(html.replace("<br/>", "<br>"))
}

/// Every announcement, oldest first, `offset` skipped, at most `limit`.
pub async fn page<C: ConnectionTrait>(conn: &C, offset: u64, limit: u64) -> AppResult<Vec<announcement::Model>> {
    Ok(announcement::Entity::find()
        .order_by_asc(announcement::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?)
}

/// How many announcements there are.
pub async fn count<C: ConnectionTrait>(conn: &C) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(announcement::Entity::find().count(conn).await?)
}

/// The announcements shown at `now` (Pleroma's `list_all_visible`: started, not ended).
pub async fn current<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> AppResult<Vec<announcement::Model>> {
    Ok(announcement::Entity::find()
        .filter(
            Condition::any().add(announcement::Column::StartsAt.is_null()).add(announcement::Column::StartsAt.lt(now)),
        )
        .filter(Condition::any().add(announcement::Column::EndsAt.is_null()).add(announcement::Column::EndsAt.gt(now)))
        .order_by_asc(announcement::Column::Id)
        .all(conn)
        .await?)
}

/// The announcement with this id.
pub async fn by_id<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<Option<announcement::Model>> {
    Ok(announcement::Entity::find_by_id(id.to_string()).one(conn).await?)
}

/// Which of `ids` `user_id` has dismissed (one statement; none without ids).
pub async fn read_by<C: ConnectionTrait>(conn: &C, user_id: &str, ids: &[String]) -> AppResult<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = announcement_read::Entity::find()
        .filter(announcement_read::Column::UserId.eq(user_id))
        .filter(announcement_read::Column::AnnouncementId.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.announcement_id).collect())
}

/// Create an announcement.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    new: &NewAnnouncement,
) -> AppResult<announcement::Model> {
    let rendered = render(conn, settings, &new.content).await?;
    let now = Utc::now().trunc_subsecs(0);
    Ok(announcement::ActiveModel {
        id: Set(ids::flake_id()),
        content: Set(new.content.clone()),
        rendered: Set(rendered),
        all_day: Set(new.all_day),
        starts_at: Set(new.starts_at.map(|t| t.trunc_subsecs(0))),
        ends_at: Set(new.ends_at.map(|t| t.trunc_subsecs(0))),
        inserted_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?)
}

/// Change an announcement. An unknown id is `NOT_FOUND`.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    id: &str,
    change: &AnnouncementChange,
) -> AppResult<announcement::Model> {
    let found = by_id(conn, id).await?.ok_or_else(AppError::not_found)?;
    let mut row: announcement::ActiveModel = found.into();
    if let Some(content) = &change.content {
        row.content = Set(content.clone());
        row.rendered = Set(render(conn, settings, content).await?);
    }
    if let Some(starts_at) = change.starts_at {
        row.starts_at = Set(starts_at.map(|t| t.trunc_subsecs(0)));
    }
    if let Some(ends_at) = change.ends_at {
        row.ends_at = Set(ends_at.map(|t| t.trunc_subsecs(0)));
    }
    if let Some(all_day) = change.all_day {
        row.all_day = Set(all_day);
    }
    row.updated_at = Set(Utc::now().trunc_subsecs(0));
    Ok(row.update(conn).await?)
}

/// Delete an announcement (its dismissals go with it). An unknown id is `NOT_FOUND`.
pub async fn delete<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<announcement::Model> {
    let found = by_id(conn, id).await?.ok_or_else(AppError::not_found)?;
    announcement::Entity::delete_by_id(found.id.clone()).exec(conn).await?;
    Ok(found)
}

/// Mark an announcement read by `user_id` (idempotent). An unknown id is `NOT_FOUND`.
pub async fn dismiss<C: ConnectionTrait>(conn: &C, user_id: &str, id: &str) -> AppResult<announcement::Model> {
    let found = by_id(conn, id).await?.ok_or_else(AppError::not_found)?;
    announcement_read::Entity::insert(announcement_read::ActiveModel {
        user_id: Set(user_id.to_string()),
        announcement_id: Set(found.id.clone()),
        inserted_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([announcement_read::Column::UserId, announcement_read::Column::AnnouncementId])
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec(conn)
    .await?;
    Ok(found)
}
