//! What an account features and follows closely: endorsements (`User.endorse`), subscriptions
//! (`User.subscribe`) and friends' birthdays (`User.get_friends_birthdays_query`).

use chrono::Utc;
use entity::{block, endorsement, follow, subscription, user};
use sea_orm::{
    sea_query::{Expr, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, Insert, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::followed_ids;
use crate::{
    db::Db,
    error::{AppError, AppResult},
};

/// The active accounts `endorser` features, in the order they were endorsed.
pub async fn endorsed_by<C: ConnectionTrait>(conn: &C, endorser: &str) -> AppResult<Vec<user::Model>> {
    let ids = Query::select()
        .column(endorsement::Column::EndorsedId)
        .from(endorsement::Entity)
        .and_where(endorsement::Column::EndorserId.eq(endorser))
        .to_owned();
    let mut users = user::Entity::find()
        .filter(user::Column::Id.in_subquery(ids))
        .filter(user::Column::IsActive.eq(true))
        .all(conn)
        .await?;
    let order: Vec<String> = endorsement::Entity::find()
        .filter(endorsement::Column::EndorserId.eq(endorser))
        .order_by_asc(endorsement::Column::InsertedAt)
        .order_by_asc(endorsement::Column::EndorsedId)
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.endorsed_id)
        .collect();
    users.sort_by_key(|u| order.iter().position(|id| *id == u.id).unwrap_or(usize::MAX));
    Ok(users)
}

/// `User.endorse`: at most `max_endorsed` (`:instance, :max_endorsed_users`; 0 refuses every
/// one), and only accounts the endorser follows (400 with Pleroma's messages otherwise).
pub async fn endorse(db: &Db, max_endorsed: u64, endorser: &user::Model, target: &user::Model) -> AppResult<()> {
    let txn = db.begin().await?;
    let count =
        endorsement::Entity::find().filter(endorsement::Column::EndorserId.eq(&endorser.id)).count(&txn).await?;
    if count >= max_endorsed {
        return Err(AppError::BadRequest("You have already pinned the maximum number of users".into()));
    }
    let following = follow::Entity::find_by_id((endorser.id.clone(), target.id.clone())).one(&txn).await?.is_some();
    if !following {
        return Err(AppError::BadRequest(format!("Could not endorse: You are not following {}", target.nickname)));
    }
    let row = endorsement::ActiveModel {
        endorser_id: Set(endorser.id.clone()),
        endorsed_id: Set(target.id.clone()),
        inserted_at: Set(Utc::now()),
    };
    insert_once(txn, row).await
}

/// `User.unendorse`.
pub async fn unendorse(db: &Db, endorser: &user::Model, target: &user::Model) -> AppResult<()> {
    endorsement::Entity::delete_by_id((endorser.id.clone(), target.id.clone())).exec(&db.write).await?;
    Ok(())
}

/// `User.subscribe`: refused (403) when the target blocks the subscriber (`deny_follow_blocked`).
pub async fn subscribe(db: &Db, subscriber: &user::Model, target: &user::Model) -> AppResult<()> {
    let txn = db.begin().await?;
    let blocked = block::Entity::find_by_id((target.id.clone(), subscriber.id.clone())).one(&txn).await?.is_some();
    if blocked {
        return Err(AppError::Forbidden(format!("Could not subscribe: {} is blocking you", target.nickname)));
    }
    let row = subscription::ActiveModel {
        subscriber_id: Set(subscriber.id.clone()),
        target_id: Set(target.id.clone()),
        inserted_at: Set(Utc::now()),
    };
    insert_once(txn, row).await
}

/// Insert a pair's `row` unless the pair is there already, and commit `txn`.
async fn insert_once<A: ActiveModelTrait + Send>(txn: DatabaseTransaction, row: A) -> AppResult<()> {
    Insert::one(row).on_conflict_do_nothing().exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// `User.unsubscribe`; a follow's `notify` ends with it (both are the same subscription in
/// Pleroma).
pub async fn unsubscribe(db: &Db, subscriber: &user::Model, target: &user::Model) -> AppResult<()> {
    let txn = db.begin().await?;
    subscription::Entity::delete_by_id((subscriber.id.clone(), target.id.clone())).exec(&txn).await?;
    follow::Entity::update_many()
        .col_expr(follow::Column::Notify, Expr::value(false))
        .filter(follow::Column::FollowerId.eq(&subscriber.id))
        .filter(follow::Column::FollowingId.eq(&target.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Accounts `viewer` follows whose shown birthday falls on this day of this month, active ones
/// only (`User.get_friends_birthdays_query`).
pub async fn birthdays<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    day: u32,
    month: u32,
) -> AppResult<Vec<user::Model>> {
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return Ok(vec![]);
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.in_subquery(followed_ids(viewer)))
        .filter(user::Column::IsActive.eq(true))
        .filter(user::Column::ShowBirthday.eq(true))
        .filter(user::Column::Birthday.like(format!("%-{month:02}-{day:02}")))
        .order_by_asc(user::Column::Nickname)
        .all(conn)
        .await?)
}
