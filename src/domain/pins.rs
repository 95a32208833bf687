//! Pinned statuses (Pleroma's `CommonAPI.pin`/`unpin` and `User.add_pinned_object_id`): an
//! author pins their own public or unlisted posts to their profile, at most
//! `:instance, :max_pinned_statuses` of them.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{status, status_pin, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait};

use super::IN_CHUNK;
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Pleroma's refusal when the limit is reached (400).
pub const LIMIT_REACHED: &str = "You have already pinned the maximum number of statuses";
/// Pleroma's refusal of someone else's status (422).
pub const NOT_OWN: &str = "Someone else's status cannot be pinned";
/// Pleroma's refusal of a private or direct status (422).
pub const NOT_PUBLIC: &str = "Non-public status cannot be pinned";

/// Pin `id` for `user`. Pleroma's checks in its order: the post exists (reblogs are not posts:
/// `Record not found`), is the user's own, is public or unlisted; pinning it again changes
/// nothing; a new pin beyond the limit is refused.
pub async fn pin(db: &Db, settings: &Settings, user: &user::Model, id: &str) -> AppResult<status::Model> {
    let txn = db.write.begin().await?;
    let post = post(&txn, id).await?;
    if post.user_id != user.id {
        return Err(AppError::invalid("id", NOT_OWN));
    }
    if !super::statuses::PUBLIC.contains(&post.visibility.as_str()) {
        return Err(AppError::invalid("id", NOT_PUBLIC));
    }
    if status_pin::Entity::find_by_id(post.id.as_str()).one(&txn).await?.is_none() {
        let pinned = status_pin::Entity::find().filter(status_pin::Column::UserId.eq(&user.id)).count(&txn).await?;
        if pinned >= settings.limits.max_pinned_statuses as u64 {
            return Err(AppError::BadRequest(LIMIT_REACHED.into()));
        }
        status_pin::Entity::insert(status_pin::ActiveModel {
            status_id: Set(post.id.clone()),
            user_id: Set(user.id.clone()),
            pinned_at: Set(Utc::now()),
        })
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(post)
}

/// Unpin `id` (nothing to do when it is not pinned). Pleroma unpins any existing post; a post
/// the user may not see is `Record not found` here, so that the answer never shows it.
pub async fn unpin(db: &Db, user: &user::Model, id: &str) -> AppResult<status::Model> {
    let post = super::statuses::find_visible(&db.write, id, Some(&user.id))
        .await?
        .filter(|s| s.reblog_of_id.is_none())
        .ok_or_else(|| AppError::NotFound("Record not found".into()))?;
    status_pin::Entity::delete_many()
        .filter(status_pin::Column::StatusId.eq(&post.id))
        .filter(status_pin::Column::UserId.eq(&user.id))
        .exec(&db.write)
        .await?;
    Ok(post)
}

async fn post<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<status::Model> {
    status::Entity::find_by_id(id)
        .filter(status::Column::ReblogOfId.is_null())
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("Record not found".into()))
}

/// Who pinned each of these statuses and when (batched; statuses not pinned are absent).
pub async fn pins_of<C: ConnectionTrait>(
    conn: &C,
    status_ids: &[String],
) -> AppResult<HashMap<String, (String, DateTime<Utc>)>> {
    let mut out = HashMap::new();
    for chunk in status_ids.chunks(IN_CHUNK) {
        let rows =
            status_pin::Entity::find().filter(status_pin::Column::StatusId.is_in(chunk.to_vec())).all(conn).await?;
        out.extend(rows.into_iter().map(|p| (p.status_id, (p.user_id, p.pinned_at))));
    }
    Ok(out)
}
