//! Deleting a post with its reblogs and media files (Pleroma's `CommonAPI.delete`).

use entity::{media_attachment, status, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::uploads_dir;
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Who asks for a deletion.
pub struct Deleter<'a> {
    pub user: &'a user::Model,
    /// Holds `messages_delete` (may delete anyone's statuses).
    pub privileged: bool,
}

/// Delete a post (not a reblog: unreblog those) with its reblogs and media files (Pleroma's
/// `CommonAPI.delete`). Its author may, and so may staff holding `messages_delete`; their
/// deletion of someone else's status is logged as `status_delete` in the same transaction.
/// Replies stay. `NotFound` when there is no such post or the caller may not delete it.
pub async fn delete(db: &Db, settings: &Settings, by: Deleter<'_>, id: &str) -> AppResult<status::Model> {
    let txn = db.begin().await?;
    let row = status::Entity::find_by_id(id)
        .filter(status::Column::ReblogOfId.is_null())
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let own = row.user_id == by.user.id;
    if !own && !by.privileged {
        return Err(AppError::not_found());
    }
    let media = media_attachment::Entity::find()
        .filter(media_attachment::Column::StatusId.eq(row.id.as_str()))
        .all(&txn)
        .await?;
    if row.local {
        crate::domain::federation::publisher::status_deleted(&txn, &row).await?;
    }
    media_attachment::Entity::delete_many()
        .filter(media_attachment::Column::StatusId.eq(row.id.as_str()))
        .exec(&txn)
        .await?;
    status::Entity::delete_many().filter(status::Column::ReblogOfId.eq(row.id.as_str())).exec(&txn).await?;
    status::Entity::delete_by_id(row.id.as_str()).exec(&txn).await?;
    if !own {
        let actor = crate::domain::moderation_log::Actor::from(by.user);
        crate::domain::moderation_log::record(
            &txn,
            &actor,
            &crate::domain::moderation_log::Action::StatusDelete { status_id: row.id.clone() },
        )
        .await?;
    }
    txn.commit().await?;
    for m in media.iter().filter(|m| m.remote_url.is_none()) {
        // A deduplicated file may still be another upload's.
        if !crate::domain::media::file_in_use(&db.write, &m.file_name).await.unwrap_or(true) {
            if let Err(error) =
                crate::domain::storage::remove(settings, &uploads_dir(settings).join(&m.file_name)).await
            {
                tracing::warn!(%error, "cannot remove a deleted status's upload");
            }
        }
    }
    if by.privileged {
        let remote: Vec<String> = media.iter().filter_map(|m| m.remote_url.clone()).collect();
        crate::domain::media_proxy::invalidate_later(db, settings, remote);
    }
    Ok(row)
}
