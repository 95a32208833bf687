//! Relationships between accounts as Mastodon clients manage them: follows, blocks and mutes
//! (Pleroma's `CommonAPI.follow`, `User.block`, `User.mute` and `RelationshipView`).
use std::collections::HashSet;

use chrono::Utc;
use entity::{block, endorsement, follow, mute, subscription, user};
use sea_orm::{sea_query::OnConflict, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};

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
}

/// The caller's relationships with these accounts, in the order given, in five queries.
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
            let row = follow::ActiveModel {
                follower_id: Set(v.to_string()),
                following_id: Set(t.to_string()),
                inserted_at: Set(existing.as_ref().map_or(now, |f| f.inserted_at)),
                show_reblogs: Set(reblogs.unwrap_or(existing.as_ref().is_none_or(|f| f.show_reblogs))),
                notify: Set(notify.unwrap_or(existing.as_ref().is_some_and(|f| f.notify))),
            };
            follow::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([follow::Column::FollowerId, follow::Column::FollowingId])
                        .update_columns([follow::Column::ShowReblogs, follow::Column::Notify])
                        .to_owned(),
                )
                .exec(&txn)
                .await?;
            // `notify: false` ends a subscription too (Pleroma's follow calls `User.unsubscribe`).
            if notify == Some(false) {
                subscription::Entity::delete_by_id((v.to_string(), t.to_string())).exec(&txn).await?;
            }
            if existing.is_none() {
                // Follows are accepted at once here (no pending requests), so the notification
                // is Pleroma's `follow`, not `follow_request`.
                let event = super::notifications::Event {
                    kind: super::notifications::FOLLOW,
                    actor_id: v.to_string(),
                    ..Default::default()
                };
                super::notifications::notify(&txn, &[t.to_string()], &event).await?;
            }
        }
        Change::Unfollow => {
            follow::Entity::delete_by_id((v.to_string(), t.to_string())).exec(&txn).await?;
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
