//! Relationships between accounts as Mastodon clients manage them: follows, blocks and mutes
//! (Pleroma's `CommonAPI.follow`, `User.block`, `User.mute` and `RelationshipView`).
use std::collections::HashSet;

use chrono::Utc;
use entity::{block, endorsement, follow, follow_request, mute, notification, subscription, user};
use sea_orm::{
    sea_query::{Expr, OnConflict, Query},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::federation::publisher;
use crate::{
    db::Db,
    error::{AppError, AppResult},
};

/// Pleroma's refusal of a self-follow.
pub const SELF_FOLLOW: &str = "Can not follow yourself";

/// How the caller stands with another account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    /// The caller is notified of the account's posts: a subscription (`POST
    /// /api/v1/pleroma/accounts/:id/subscribe`) or a follow with `notify` — one thing in
    /// Pleroma, shown as both `subscribing` and `notifying`.
    pub notifying: bool,
    pub showing_reblogs: bool,
    /// The caller features the account on their profile.
    pub endorsed: bool,
    /// The caller asked to follow the (locked) account and it has not answered yet.
    pub requested: bool,
}

/// The caller's relationships with these accounts, in the order given, in six queries.
pub async fn of<C: ConnectionTrait>(conn: &C, viewer: &str, ids: &[String]) -> AppResult<Vec<Relationship>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let follows = follow::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(follow::Column::FollowerId.eq(viewer))
                        .add(follow::Column::FollowingId.is_in(ids.to_vec())),
                )
                .add(
                    Condition::all()
                        .add(follow::Column::FollowingId.eq(viewer))
                        .add(follow::Column::FollowerId.is_in(ids.to_vec())),
                ),
        )
        .all(conn)
        .await?;
    let blocks = block::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(block::Column::BlockerId.eq(viewer))
                        .add(block::Column::BlockedId.is_in(ids.to_vec())),
                )
                .add(
                    Condition::all()
                        .add(block::Column::BlockedId.eq(viewer))
                        .add(block::Column::BlockerId.is_in(ids.to_vec())),
                ),
        )
        .all(conn)
        .await?;
    let mutes = mute::Entity::find()
        .filter(mute::Column::MuterId.eq(viewer))
        .filter(mute::Column::MutedId.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let subscriptions = subscription::Entity::find()
        .filter(subscription::Column::SubscriberId.eq(viewer))
        .filter(subscription::Column::TargetId.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let endorsements = endorsement::Entity::find()
        .filter(endorsement::Column::EndorserId.eq(viewer))
        .filter(endorsement::Column::EndorsedId.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let requests = follow_request::Entity::find()
        .filter(follow_request::Column::FollowerId.eq(viewer))
        .filter(follow_request::Column::FollowingId.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    Ok(ids
        .iter()
        .map(|id| {
            let out_follow = follows.iter().find(|f| f.follower_id == viewer && &f.following_id == id);
            let mute = mutes.iter().find(|m| &m.muted_id == id);
            Relationship {
                id: id.clone(),
                following: out_follow.is_some(),
                followed_by: follows.iter().any(|f| &f.follower_id == id && f.following_id == viewer),
                blocking: blocks.iter().any(|b| b.blocker_id == viewer && &b.blocked_id == id),
                blocked_by: blocks.iter().any(|b| &b.blocker_id == id && b.blocked_id == viewer),
                muting: mute.is_some(),
                muting_notifications: mute.is_some_and(|m| m.notifications),
                notifying: out_follow.is_some_and(|f| f.notify) || subscriptions.iter().any(|s| &s.target_id == id),
                showing_reblogs: out_follow.is_none_or(|f| f.show_reblogs),
                endorsed: endorsements.iter().any(|e| &e.endorsed_id == id),
                requested: requests.iter().any(|r| &r.following_id == id),
            }
        })
        .collect())
}

/// The account an action names, by id or nickname (`NotFound` otherwise).
pub async fn target<C: ConnectionTrait>(conn: &C, key: &str) -> AppResult<user::Model> {
    super::users::find_by_nickname_or_id(conn, key).await?.ok_or_else(AppError::not_found)
}

/// What a relationship change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Follow, seeing reblogs or not, notified of posts or not (an existing follow is updated).
    Follow {
        reblogs: Option<bool>,
        notify: Option<bool>,
    },
    Unfollow,
    /// Block; follows in both directions end, as in Pleroma.
    Block,
    Unblock,
    /// Mute, and the account's notifications too when `notifications` (default).
    Mute {
        notifications: Option<bool>,
    },
    Unmute,
}

/// Apply `change` from `viewer` to `target` in one transaction; returns the new relationship.
pub async fn change(db: &Db, viewer: &user::Model, target: &user::Model, change: Change) -> AppResult<Relationship> {
    if viewer.id == target.id && matches!(change, Change::Follow { .. }) {
        return Err(AppError::BadRequest(SELF_FOLLOW.into()));
    }
    // Follows and blocks of remote accounts go out (Pleroma federates blocks by default).
    let federated = match &change {
        Change::Follow { .. } => Some(publisher::RelationKind::Follow),
        Change::Unfollow => Some(publisher::RelationKind::Unfollow),
        Change::Block => Some(publisher::RelationKind::Block),
        Change::Unblock => Some(publisher::RelationKind::Unblock),
        _ => None,
    };
    let (v, t) = (viewer.id.as_str(), target.id.as_str());
    let txn = db.begin().await?;
    let now = Utc::now();
    match change {
        Change::Follow { reblogs, notify } => {
            let blocked = block::Entity::find()
                .filter(
                    Condition::any()
                        .add(Condition::all().add(block::Column::BlockerId.eq(t)).add(block::Column::BlockedId.eq(v)))
                        .add(Condition::all().add(block::Column::BlockerId.eq(v)).add(block::Column::BlockedId.eq(t))),
                )
                .one(&txn)
                .await?;
            if let Some(b) = blocked {
                let message = if b.blocker_id == t {
                    format!("Could not follow user: {} blocked you.", target.nickname)
                } else {
                    format!("Could not follow user: You have blocked {}.", target.nickname)
                };
                return Err(AppError::Forbidden(message));
            }
            let existing = follow::Entity::find_by_id((v.to_string(), t.to_string())).one(&txn).await?;
            if existing.is_none() && target.is_locked {
                // A locked account answers follows itself (Pleroma's `follow_pending`, and a
                // `follow_request` notification instead of `follow`).
                request(&txn, v, t, reblogs, notify).await?;
            } else {
                accept(&txn, v, t, existing.as_ref(), reblogs, notify).await?;
                if existing.is_none() {
                    let event = super::notifications::Event {
                        kind: super::notifications::FOLLOW,
                        actor_id: v.to_string(),
                        ..Default::default()
                    };
                    super::notifications::notify(&txn, &[t.to_string()], &event).await?;
                }
            }
        }
        Change::Unfollow => {
            follow::Entity::delete_by_id((v.to_string(), t.to_string())).exec(&txn).await?;
            // Unfollowing cancels a pending request too, and its notification goes with the undone
            // Follow activity in Pleroma.
            let cancelled = follow_request::Entity::delete_by_id((v.to_string(), t.to_string())).exec(&txn).await?;
            if cancelled.rows_affected > 0 {
                notification::Entity::delete_many()
                    .filter(notification::Column::UserId.eq(t))
                    .filter(notification::Column::ActorId.eq(v))
                    .filter(notification::Column::Kind.eq(super::notifications::FOLLOW_REQUEST))
                    .exec(&txn)
                    .await?;
            }
        }
        Change::Block => {
            block::Entity::insert(block::ActiveModel {
                blocker_id: Set(v.to_string()),
                blocked_id: Set(t.to_string()),
                inserted_at: Set(now),
            })
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await?;
            follow::Entity::delete_by_id((v.to_string(), t.to_string())).exec(&txn).await?;
            follow::Entity::delete_by_id((t.to_string(), v.to_string())).exec(&txn).await?;
            follow_request::Entity::delete_by_id((v.to_string(), t.to_string())).exec(&txn).await?;
            follow_request::Entity::delete_by_id((t.to_string(), v.to_string())).exec(&txn).await?;
        }
        Change::Unblock => {
            block::Entity::delete_by_id((v.to_string(), t.to_string())).exec(&txn).await?;
        }
        Change::Mute { notifications } => {
            mute::Entity::insert(mute::ActiveModel {
                muter_id: Set(v.to_string()),
                muted_id: Set(t.to_string()),
                notifications: Set(notifications.unwrap_or(true)),
                inserted_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([mute::Column::MuterId, mute::Column::MutedId])
                    .update_column(mute::Column::Notifications)
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
        }
        Change::Unmute => {
            mute::Entity::delete_by_id((v.to_string(), t.to_string())).exec(&txn).await?;
        }
    }
    if let Some(kind) = federated {
        publisher::relation(&txn, viewer, target, kind).await?;
    }
    let relationship = of(&txn, v, &[t.to_string()]).await?.pop().unwrap_or_default();
    txn.commit().await?;
    Ok(relationship)
}

/// Ids among `ids` that exist (unknown ids are left out of a relationships answer).
pub async fn existing_ids<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<Vec<String>> {
    let found: HashSet<String> = super::users::by_ids(conn, ids).await?.into_iter().map(|u| u.id).collect();
    let mut seen = HashSet::new();
    Ok(ids.iter().filter(|id| found.contains(*id) && seen.insert((*id).clone())).cloned().collect())
}

/// Make (or update) the accepted follow `v` → `t`.
async fn accept<C: ConnectionTrait>(
    conn: &C,
    v: &str,
    t: &str,
    existing: Option<&follow::Model>,
    reblogs: Option<bool>,
    notify: Option<bool>,
) -> AppResult<()> {
    let row = follow::ActiveModel {
        follower_id: Set(v.to_string()),
        following_id: Set(t.to_string()),
        inserted_at: Set(existing.map_or(Utc::now(), |f| f.inserted_at)),
        show_reblogs: Set(reblogs.unwrap_or(existing.is_none_or(|f| f.show_reblogs))),
        notify: Set(notify.unwrap_or(existing.is_some_and(|f| f.notify))),
    };
    follow::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([follow::Column::FollowerId, follow::Column::FollowingId])
                .update_columns([follow::Column::ShowReblogs, follow::Column::Notify])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    // `notify: false` ends a subscription too (Pleroma's follow calls `User.unsubscribe`).
    if notify == Some(false) {
        subscription::Entity::delete_by_id((v.to_string(), t.to_string())).exec(conn).await?;
    }
    Ok(())
}

/// Record (or update) the pending request `v` → `t`; a new one notifies `t` (`follow_request`).
async fn request<C: ConnectionTrait>(
    conn: &C,
    v: &str,
    t: &str,
    reblogs: Option<bool>,
    notify: Option<bool>,
) -> AppResult<()> {
    let existing = follow_request::Entity::find_by_id((v.to_string(), t.to_string())).one(conn).await?;
    let row = follow_request::ActiveModel {
        follower_id: Set(v.to_string()),
        following_id: Set(t.to_string()),
        inserted_at: Set(existing.as_ref().map_or(Utc::now(), |r| r.inserted_at)),
        show_reblogs: Set(reblogs.unwrap_or(existing.as_ref().is_none_or(|r| r.show_reblogs))),
        notify: Set(notify.unwrap_or(existing.as_ref().is_some_and(|r| r.notify))),
    };
    follow_request::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([follow_request::Column::FollowerId, follow_request::Column::FollowingId])
                .update_columns([follow_request::Column::ShowReblogs, follow_request::Column::Notify])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    if existing.is_none() {
        let event = super::notifications::Event {
            kind: super::notifications::FOLLOW_REQUEST,
            actor_id: v.to_string(),
            ..Default::default()
        };
        super::notifications::notify(conn, &[t.to_string()], &event).await?;
    }
    Ok(())
}

/// Active accounts waiting for `user_id` to answer their follow requests, newest first
/// (Pleroma's `User.get_follow_requests`).
pub async fn follow_requests<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<Vec<user::Model>> {
    let requests = follow_request::Entity::find()
        .filter(follow_request::Column::FollowingId.eq(user_id))
        .order_by_desc(follow_request::Column::InsertedAt)
        .all(conn)
        .await?;
    let ids: Vec<String> = requests.into_iter().map(|r| r.follower_id).collect();
    let mut users: Vec<user::Model> =
        super::users::by_ids(conn, &ids).await?.into_iter().filter(|u| u.is_active).collect();
    users.sort_by_key(|u| ids.iter().position(|id| id == &u.id));
    Ok(users)
}

/// How many follow requests wait for `user_id` (`follow_requests_count`).
pub async fn follow_requests_count<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<u64> {
    Ok(follow_request::Entity::find()
        .filter(follow_request::Column::FollowingId.eq(user_id))
        .filter(
            follow_request::Column::FollowerId.in_subquery(
                Query::select()
                    .column(user::Column::Id)
                    .from(user::Entity)
                    .and_where(user::Column::IsActive.eq(true))
                    .to_owned(),
            ),
        )
        .count(conn)
        .await?)
}

/// Answer `follower`'s request to follow `followed`: accepting makes the follow and turns the
/// `follow_request` notification into `follow` (Pleroma's Accept side effects); rejecting drops
/// the request and its notification. Returns `followed`'s relationship with `follower`. A
/// follower with no request is `NOT_FOUND`, unless it already follows and this is an accept.
pub async fn answer_request(db: &Db, followed: &str, follower: &str, accept_it: bool) -> AppResult<Relationship> {
    let txn = db.begin().await?;
    let key = (follower.to_string(), followed.to_string());
    let pending = follow_request::Entity::find_by_id(key.clone()).one(&txn).await?;
    match (pending, accept_it) {
        (Some(request), true) => {
            follow_request::Entity::delete_by_id(key).exec(&txn).await?;
            accept(&txn, follower, followed, None, Some(request.show_reblogs), Some(request.notify)).await?;
            notification::Entity::update_many()
                .col_expr(notification::Column::Kind, Expr::value(super::notifications::FOLLOW))
                .filter(notification::Column::UserId.eq(followed))
                .filter(notification::Column::ActorId.eq(follower))
                .filter(notification::Column::Kind.eq(super::notifications::FOLLOW_REQUEST))
                .exec(&txn)
                .await?;
        }
        (Some(_), false) => {
            follow_request::Entity::delete_by_id(key).exec(&txn).await?;
            notification::Entity::delete_many()
                .filter(notification::Column::UserId.eq(followed))
                .filter(notification::Column::ActorId.eq(follower))
                .filter(notification::Column::Kind.eq(super::notifications::FOLLOW_REQUEST))
                .exec(&txn)
                .await?;
        }
        (None, _) => {
            let follows = follow::Entity::find_by_id(key).one(&txn).await?.is_some();
            if !follows {
                return Err(AppError::not_found());
            }
            if !accept_it {
                // Pleroma's reject of an accepted follow ends it (`:follow_reject`).
                follow::Entity::delete_by_id((follower.to_string(), followed.to_string())).exec(&txn).await?;
            }
        }
    }
    let relationship = of(&txn, followed, &[follower.to_string()]).await?.pop().unwrap_or_default();
    txn.commit().await?;
    Ok(relationship)
}
