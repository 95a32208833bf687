//! Bookmarks and bookmark folders (Pleroma's `Bookmark`, `BookmarkFolder`,
//! `StatusController.bookmark`/`unbookmark`/`bookmarks`, `PleromaAPI.BookmarkFolderController`).
//!
//! A folder has a name unique per user and an optional emoji: a unicode emoji (Pleroma's
//! `Emoji.unicode?`, the fully-qualified list of Unicode's `emoji-test.txt`; partially
//! qualified forms are completed first) or a local custom emoji, stored as `:shortcode:`.
use std::collections::HashMap;

use chrono::Utc;
use entity::{bookmark, bookmark_folder, status};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationDef, Set,
};

use super::{
    emoji::unicode::{fully_qualify, is_unicode_emoji, maybe_quote},
    statuses::MastodonPage,
    IN_CHUNK,
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Pleroma's changeset messages.
pub const BLANK: &str = "can't be blank";
pub const TAKEN: &str = "has already been taken";
pub const INVALID_EMOJI: &str = "Invalid emoji";
/// The Mastodon fallback's answer to `{:error, :forbidden}`.
pub const ACCESS_DENIED: &str = "Access denied";

/// A folder's emoji as stored, or `Invalid emoji` (Pleroma's `fix_emoji` then `validate_emoji`).
fn checked_emoji(settings: &Settings, emoji: Option<&str>) -> AppResult<Option<String>> {
    let Some(raw) = emoji else { return Ok(None) };
    // Ecto casts "" to nil.
    if raw.is_empty() {
        return Ok(None);
    }
    let fixed = maybe_quote(&fully_qualify(raw));
    if is_unicode_emoji(&fixed) || super::emoji::index(settings).all().contains_key(fixed.trim_matches(':')) {
        Ok(Some(fixed))
    } else {
        Err(AppError::invalid("emoji", INVALID_EMOJI))
    }
}

/// The absolute URL of a folder's custom emoji; `None` for a unicode or unknown one.
pub fn emoji_url(settings: &Settings, emoji: Option<&str>) -> Option<String> {
    let emoji = emoji?;
    if is_unicode_emoji(emoji) {
        return None;
    }
    let found = super::emoji::index(settings).all().get(emoji.trim_matches(':')).cloned()?;
    Some(format!("{}{}", settings.instance_url, found.file))
}

/// The user's folders, oldest first.
pub async fn folders<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<Vec<bookmark_folder::Model>> {
    Ok(bookmark_folder::Entity::find()
        .filter(bookmark_folder::Column::UserId.eq(user_id))
        .order_by_asc(bookmark_folder::Column::Id)
        .all(conn)
        .await?)
}

/// Folders by id, in any order.
pub async fn folders_by_ids<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<Vec<bookmark_folder::Model>> {
    Ok(super::rows_among::<bookmark_folder::Entity, _>(conn, bookmark_folder::Column::Id, ids).await?)
}

async fn name_taken<C: ConnectionTrait>(conn: &C, user_id: &str, name: &str, except: Option<&str>) -> AppResult<bool> {
    let mut query = bookmark_folder::Entity::find()
        .filter(bookmark_folder::Column::UserId.eq(user_id))
        .filter(bookmark_folder::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(bookmark_folder::Column::Id.ne(id));
    }
    Ok(query.one(conn).await?.is_some())
}

fn taken(err: AppError) -> AppError {
    match err {
        AppError::Unique(_) => AppError::invalid("user_id", TAKEN),
        other => other,
    }
}

/// Create a folder (`BookmarkFolder.create`): a name is required and unique per user.
pub async fn create_folder(
    db: &Db,
    settings: &Settings,
    user_id: &str,
    name: Option<&str>,
    emoji: Option<&str>,
) -> AppResult<bookmark_folder::Model> {
    let name = name.filter(|n| !n.is_empty()).ok_or_else(|| AppError::invalid("name", BLANK))?;
    let emoji = checked_emoji(settings, emoji)?;
    if name_taken(&db.write, user_id, name, None).await? {
        return Err(AppError::invalid("user_id", TAKEN));
    }
    let now = Utc::now();
    bookmark_folder::ActiveModel {
        id: Set(crate::ids::flake_id()),
        user_id: Set(user_id.to_string()),
        name: Set(name.to_string()),
        emoji: Set(emoji),
        inserted_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&db.write)
    .await
    .map_err(|e| taken(e.into()))
}

/// One of the user's folders; anyone else's, or none, is `Access denied`
/// (`BookmarkFolder.belongs_to_user?` then `{:error, :forbidden}`).
async fn owned<C: ConnectionTrait>(conn: &C, user_id: &str, id: &str) -> AppResult<bookmark_folder::Model> {
    bookmark_folder::Entity::find_by_id(id)
        .filter(bookmark_folder::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::Forbidden(ACCESS_DENIED.into()))
}

/// Rename a folder and set its emoji (`BookmarkFolder.update`): as in Pleroma the emoji is
/// replaced by what is given (left out: none); a left-out name keeps the current one (Pleroma
/// fails on the database's `NOT NULL`).
pub async fn update_folder(
    db: &Db,
    settings: &Settings,
    user_id: &str,
    id: &str,
    name: Option<&str>,
    emoji: Option<&str>,
) -> AppResult<bookmark_folder::Model> {
    let folder = owned(&db.write, user_id, id).await?;
    if name == Some("") {
        return Err(AppError::invalid("name", BLANK));
    }
    let emoji = checked_emoji(settings, emoji)?;
    if let Some(name) = name {
        if name_taken(&db.write, user_id, name, Some(id)).await? {
            return Err(AppError::invalid("user_id", TAKEN));
        }
    }
    let mut active: bookmark_folder::ActiveModel = folder.into();
    if let Some(name) = name {
        active.name = Set(name.to_string());
    }
    active.emoji = Set(emoji);
    active.updated_at = Set(Utc::now());
    active.update(&db.write).await.map_err(|e| taken(e.into()))
}

/// Delete a folder; its bookmarks stay, outside any folder. Returns the folder as it was.
pub async fn delete_folder(db: &Db, user_id: &str, id: &str) -> AppResult<bookmark_folder::Model> {
    let txn = db.begin().await?;
    let folder = owned(&txn, user_id, id).await?;
    bookmark::Entity::update_many()
        .col_expr(bookmark::Column::FolderId, Expr::value(Option::<String>::None))
        .filter(bookmark::Column::FolderId.eq(id))
        .exec(&txn)
        .await?;
    bookmark_folder::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(folder)
}

/// Bookmark a status the user may see (`NotFound` otherwise), into `folder_id` when it is one
/// of the user's folders (another folder id is ignored, as in Pleroma). Bookmarking again moves
/// the bookmark to the folder given (or out of any).
pub async fn bookmark(db: &Db, user_id: &str, status_id: &str, folder_id: Option<&str>) -> AppResult<status::Model> {
    let status =
        super::statuses::find_visible(&db.read, status_id, Some(user_id)).await?.ok_or_else(AppError::not_found)?;
    let folder = match folder_id.filter(|f| !f.is_empty()) {
        Some(id) => bookmark_folder::Entity::find_by_id(id)
            .filter(bookmark_folder::Column::UserId.eq(user_id))
            .one(&db.write)
            .await?
            .map(|f| f.id),
        None => None,
    };
    bookmark::Entity::insert(bookmark::ActiveModel {
        user_id: Set(user_id.to_string()),
        status_id: Set(status.id.clone()),
        folder_id: Set(folder),
        inserted_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([bookmark::Column::UserId, bookmark::Column::StatusId])
            .update_column(bookmark::Column::FolderId)
            .to_owned(),
    )
    .exec_without_returning(&db.write)
    .await?;
    Ok(status)
}

/// Remove the user's bookmark of a status they may see (`NotFound` otherwise); a status not
/// bookmarked is answered the same (Pleroma fails on it).
pub async fn unbookmark(db: &Db, user_id: &str, status_id: &str) -> AppResult<status::Model> {
    let status =
        super::statuses::find_visible(&db.read, status_id, Some(user_id)).await?.ok_or_else(AppError::not_found)?;
    bookmark::Entity::delete_many()
        .filter(bookmark::Column::UserId.eq(user_id))
        .filter(bookmark::Column::StatusId.eq(status.id.as_str()))
        .exec(&db.write)
        .await?;
    Ok(status)
}

fn bookmark_status() -> RelationDef {
    bookmark::Entity::belongs_to(status::Entity).from(bookmark::Column::StatusId).to(status::Column::Id).into()
}

/// A page of the user's bookmarks, newest bookmark first (`Bookmark.for_user_query` paged by the
/// bookmark's id, as Pleroma pages it), with their statuses, in one statement. `folder_id`
/// keeps one folder's.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    folder_id: Option<&str>,
    page: &MastodonPage,
) -> AppResult<Vec<(bookmark::Model, status::Model)>> {
    let query = bookmarks_of(user_id, folder_id).select_also(status::Entity);
    let rows = page.apply_keyed(query, bookmark::Column::Id, |id| id.parse::<i64>().ok()).all(conn).await?;
    Ok(page.newest_first(rows.into_iter().filter_map(|(b, s)| s.map(|s| (b, s))).collect()))
}

/// How many bookmarks the user has (in `folder_id` only, when given), the paging ignored (the
/// total of [`page`]).
pub async fn count<C: ConnectionTrait>(conn: &C, user_id: &str, folder_id: Option<&str>) -> AppResult<u64> {
    Ok(bookmarks_of(user_id, folder_id).count(conn).await?)
}

/// The user's bookmarks (one folder's, when given) joined to their statuses, unpaged.
fn bookmarks_of(user_id: &str, folder_id: Option<&str>) -> sea_orm::Select<bookmark::Entity> {
    let mut query = bookmark::Entity::find()
        .filter(bookmark::Column::UserId.eq(user_id))
        .join(JoinType::InnerJoin, bookmark_status());
    if let Some(folder) = folder_id {
        query = query.filter(bookmark::Column::FolderId.eq(folder));
    }
    query
}

/// The user's bookmarks among these statuses: status id → folder id (if any).
pub async fn bookmarked<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    status_ids: &[String],
) -> AppResult<HashMap<String, Option<String>>> {
    let mut out = HashMap::new();
    for chunk in status_ids.chunks(IN_CHUNK) {
        let rows: Vec<(String, Option<String>)> = bookmark::Entity::find()
            .select_only()
            .column(bookmark::Column::StatusId)
            .column(bookmark::Column::FolderId)
            .filter(bookmark::Column::UserId.eq(user_id))
            .filter(bookmark::Column::StatusId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}
