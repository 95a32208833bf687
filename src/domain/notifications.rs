//! Notifications (Pleroma's `Notification`): made in the transaction of the action they tell of,
//! for the local users Pleroma notifies (`get_notified_from_activity`, `skip?`), and read back
//! with Pleroma's filters (`for_user_query`, `MastodonAPI.get_notifications`).
use std::collections::HashSet;

use chrono::Utc;
use entity::{block, follow, mute, notification, notification_setting, user};
use sea_orm::{
    sea_query::{Expr, OnConflict, Query},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::{
    config::Instance,
    db::Db,
    error::{AppError, AppResult},
};

pub const MENTION: &str = "mention";
pub const FOLLOW: &str = "follow";
pub const FOLLOW_REQUEST: &str = "follow_request";
pub const REBLOG: &str = "reblog";
pub const FAVOURITE: &str = "favourite";
pub const MOVE: &str = "move";
pub const EMOJI_REACTION: &str = "pleroma:emoji_reaction";
pub const REPORT: &str = "pleroma:report";
pub const STATUS: &str = "status";
pub const CHAT_MENTION: &str = "pleroma:chat_mention";

/// Every type a notification may have (Pleroma's `@notification_types`).
pub const TYPES: [&str; 11] =
    [FAVOURITE, FOLLOW, FOLLOW_REQUEST, MENTION, MOVE, CHAT_MENTION, EMOJI_REACTION, REPORT, REBLOG, "poll", STATUS];

/// The types listed when the client names none (the Mastodon controller's
/// `@default_notification_types`: reports are asked for by name).
pub const DEFAULT_TYPES: [&str; 10] =
    [MENTION, FOLLOW, FOLLOW_REQUEST, REBLOG, FAVOURITE, MOVE, EMOJI_REACTION, "poll", "update", "status"];

/// Pleroma's refusals.
pub const CANNOT_GET: &str = "Cannot get notification";
pub const CANNOT_DISMISS: &str = "Cannot dismiss notification";

/// What happened, by whom, about what.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub kind: &'static str,
    pub actor_id: String,
    pub status_id: Option<String>,
    pub target_id: Option<String>,
    pub report_id: Option<String>,
    pub emoji: Option<String>,
    pub emoji_url: Option<String>,
    pub chat_message_ref_id: Option<String>,
}

/// Notify `recipients` of `event` inside the caller's transaction. Left out, as Pleroma leaves
/// them out: the actor itself, remote users, users who block the actor or mute its
/// notifications, users with `block_from_strangers` who do not follow the actor, and — for a
/// follow — users already notified of a follow by the actor. A user who mutes the actor without
/// muting notifications gets it marked seen. A constant number of statements whatever the
/// number of recipients.
pub async fn notify<C: ConnectionTrait>(conn: &C, recipients: &[String], event: &Event) -> AppResult<u64> {
    let actor = event.actor_id.as_str();
    let mut wanted: Vec<String> = Vec::new();
    for id in recipients {
        if id != actor && !wanted.contains(id) {
            wanted.push(id.clone());
        }
    }
    if wanted.is_empty() {
        return Ok(0);
    }
    let backend = conn.get_database_backend();
    let local: HashSet<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(super::among(backend, (user::Entity, user::Column::Id), &wanted))
        .filter(user::Column::Local.eq(true))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    wanted.retain(|id| local.contains(id));
    if wanted.is_empty() {
        return Ok(0);
    }
    let blockers: HashSet<String> = block::Entity::find()
        .select_only()
        .column(block::Column::BlockerId)
        .filter(block::Column::BlockedId.eq(actor))
        .filter(super::among(backend, (block::Entity, block::Column::BlockerId), &wanted))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let muters: Vec<(String, bool)> = mute::Entity::find()
        .select_only()
        .column(mute::Column::MuterId)
        .column(mute::Column::Notifications)
        .filter(mute::Column::MutedId.eq(actor))
        .filter(super::among(backend, (mute::Entity, mute::Column::MuterId), &wanted))
        .into_tuple()
        .all(conn)
        .await?;
    let strict: HashSet<String> = notification_setting::Entity::find()
        .select_only()
        .column(notification_setting::Column::UserId)
        .filter(notification_setting::Column::BlockFromStrangers.eq(true))
        .filter(super::among(backend, (notification_setting::Entity, notification_setting::Column::UserId), &wanted))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let following: HashSet<String> = if strict.is_empty() {
        HashSet::new()
    } else {
        let strict: Vec<String> = strict.iter().cloned().collect();
        follow::Entity::find()
            .select_only()
            .column(follow::Column::FollowerId)
            .filter(follow::Column::FollowingId.eq(actor))
            .filter(super::among(backend, (follow::Entity, follow::Column::FollowerId), &strict))
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    };
    let recently_followed: HashSet<String> = if matches!(event.kind, FOLLOW | FOLLOW_REQUEST) {
        notification::Entity::find()
            .select_only()
            .column(notification::Column::UserId)
            .filter(notification::Column::ActorId.eq(actor))
            .filter(notification::Column::Kind.is_in([FOLLOW, FOLLOW_REQUEST]))
            .filter(super::among(backend, (notification::Entity, notification::Column::UserId), &wanted))
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    } else {
        HashSet::new()
    };
    let now = Utc::now();
    let rows: Vec<notification::ActiveModel> = wanted
        .iter()
        .filter(|id| !blockers.contains(*id))
        .filter(|id| !muters.iter().any(|(m, notifications)| m == *id && *notifications))
        .filter(|id| !strict.contains(*id) || following.contains(*id))
        .filter(|id| !recently_followed.contains(*id))
        .map(|id| notification::ActiveModel {
            user_id: Set(id.clone()),
            kind: Set(event.kind.to_string()),
            actor_id: Set(event.actor_id.clone()),
            status_id: Set(event.status_id.clone()),
            target_id: Set(event.target_id.clone()),
            report_id: Set(event.report_id.clone()),
            emoji: Set(event.emoji.clone()),
            emoji_url: Set(event.emoji_url.clone()),
            chat_message_ref_id: Set(event.chat_message_ref_id.clone()),
            seen: Set(muters.iter().any(|(m, _)| m == id)),
            inserted_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    let made = rows.len() as u64;
    for chunk in rows.chunks(100) {
        notification::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(made)
}

/// Remove the notifications an undone action made (an unfavourite, a removed reaction).
pub async fn withdraw<C: ConnectionTrait>(conn: &C, event: &Event) -> AppResult<()> {
    let mut query = notification::Entity::delete_many()
        .filter(notification::Column::Kind.eq(event.kind))
        .filter(notification::Column::ActorId.eq(event.actor_id.as_str()));
    if let Some(status) = &event.status_id {
        query = query.filter(notification::Column::StatusId.eq(status.as_str()));
    }
    if let Some(emoji) = &event.emoji {
        query = query.filter(notification::Column::Emoji.eq(emoji.as_str()));
    }
    query.exec(conn).await?;
    Ok(())
}

/// Local staff who hold `reports_manage_reports` under these settings (a report's recipients).
pub async fn report_handlers<C: ConnectionTrait>(conn: &C, instance: &Instance) -> AppResult<Vec<String>> {
    use super::privileges::Privilege;
    let staff = user::Entity::find()
        .filter(user::Column::Local.eq(true))
        .filter(Condition::any().add(user::Column::IsAdmin.eq(true)).add(user::Column::IsModerator.eq(true)))
        .all(conn)
        .await?;
    Ok(staff
        .into_iter()
        .filter(|u| Privilege::held_by(u, instance).contains(&Privilege::ReportsManageReports))
        .map(|u| u.id)
        .collect())
}

/// Who hears of `author_id`'s new post as a `status` notification: its subscribers and the
/// followers who follow with `notify` (one thing in Pleroma, `User.subscriber_users`) that may
/// see the post (`Visibility.visible_for_user?`: a private post only to followers, a direct one
/// only to those it mentions — who hear of it as a mention), less those in `mentioned`.
pub async fn subscribers<C: ConnectionTrait>(
    conn: &C,
    author_id: &str,
    visibility: &str,
    mentioned: &[String],
) -> AppResult<Vec<String>> {
    use entity::subscription;
    if visibility == "direct" {
        return Ok(vec![]);
    }
    let follows: Vec<(String, bool)> = follow::Entity::find()
        .select_only()
        .column(follow::Column::FollowerId)
        .column(follow::Column::Notify)
        .filter(follow::Column::FollowingId.eq(author_id))
        .into_tuple()
        .all(conn)
        .await?;
    let subscribed: Vec<String> = subscription::Entity::find()
        .select_only()
        .column(subscription::Column::SubscriberId)
        .filter(subscription::Column::TargetId.eq(author_id))
        .into_tuple()
        .all(conn)
        .await?;
    let follower = |id: &String| follows.iter().any(|(f, _)| f == id);
    let mut found: Vec<String> = follows.iter().filter(|(_, notify)| *notify).map(|(f, _)| f.clone()).collect();
    for id in subscribed {
        if (visibility != "private" || follower(&id)) && !found.contains(&id) {
            found.push(id);
        }
    }
    found.retain(|id| !mentioned.contains(id));
    Ok(found)
}

/// Local followers of `user_id` (who hear of its move).
pub async fn local_followers<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<Vec<String>> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Local.eq(true))
        .filter(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(follow::Column::FollowerId)
                    .from(follow::Entity)
                    .and_where(follow::Column::FollowingId.eq(user_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(conn)
        .await?)
}

// ---- Reading -----------------------------------------------------------------------------------

/// Which of the caller's notifications to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these types (default: [`DEFAULT_TYPES`]).
    pub types: Option<Vec<String>>,
    pub exclude_types: Vec<String>,
    /// Only those by this account.
    pub account_id: Option<String>,
    /// Include notifications from accounts whose notifications the caller mutes.
    pub with_muted: bool,
    /// The caller holds `reports_manage_reports` (otherwise reports are never listed).
    pub sees_reports: bool,
}

/// Mastodon paging over integer ids.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

/// An id from a request: Pleroma's ids are integers (`BAD_REQUEST` otherwise).
pub fn parse_id(raw: &str) -> AppResult<i64> {
    raw.trim().parse::<i64>().map_err(|_| AppError::BadRequest(format!("Invalid notification id: {raw}")))
}

/// Notifications whose actors the viewer can hear: active, not blocked, not blocking the viewer,
/// and (unless `with_muted`) not muted for notifications.
fn audible(viewer: &str, with_muted: bool) -> Condition {
    let active = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::IsActive.eq(true))
        .to_owned();
    let blocked = Query::select()
        .column(block::Column::BlockedId)
        .from(block::Entity)
        .and_where(block::Column::BlockerId.eq(viewer))
        .to_owned();
    let blockers = Query::select()
        .column(block::Column::BlockerId)
        .from(block::Entity)
        .and_where(block::Column::BlockedId.eq(viewer))
        .to_owned();
    let mut condition = Condition::all()
        .add(notification::Column::UserId.eq(viewer))
        .add(notification::Column::ActorId.in_subquery(active))
        .add(notification::Column::ActorId.not_in_subquery(blocked))
        .add(notification::Column::ActorId.not_in_subquery(blockers));
    if !with_muted {
        let muted = Query::select()
            .column(mute::Column::MutedId)
            .from(mute::Entity)
            .and_where(mute::Column::MuterId.eq(viewer))
            .and_where(mute::Column::Notifications.eq(true))
            .to_owned();
        condition = condition.add(notification::Column::ActorId.not_in_subquery(muted));
    }
    condition
}

/// A page of the viewer's notifications, newest first, in one statement.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    filter: &Filter,
    page: &Page,
) -> AppResult<Vec<notification::Model>> {
    let mut query = filtered(viewer, filter);
    if let Some(max) = page.max_id {
        query = query.filter(notification::Column::Id.lt(max));
    }
    if let Some(since) = page.since_id {
        query = query.filter(notification::Column::Id.gt(since));
    }
    if let Some(min) = page.min_id {
        query = query.filter(notification::Column::Id.gt(min));
    }
    query = if page.min_id.is_some() {
        query.order_by_asc(notification::Column::Id)
    } else {
        query.order_by_desc(notification::Column::Id)
    };
    let limit = page.limit.unwrap_or(20).clamp(1, 40);
    let mut rows = query.offset(page.offset.unwrap_or(0)).limit(limit).all(conn).await?;
    if page.min_id.is_some() {
        rows.reverse();
    }
    Ok(rows)
}

/// How many notifications [`list`] pages through, the paging ignored.
pub async fn count<C: ConnectionTrait>(conn: &C, viewer: &str, filter: &Filter) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(filtered(viewer, filter).count(conn).await?)
}

/// The viewer's notifications that `filter` keeps.
fn filtered(viewer: &str, filter: &Filter) -> sea_orm::Select<notification::Entity> {
    let types: Vec<String> = match &filter.types {
        Some(types) if !types.is_empty() => types.clone(),
        _ => DEFAULT_TYPES.iter().map(|t| t.to_string()).collect(),
    };
    let mut exclude = filter.exclude_types.clone();
    if !filter.sees_reports {
        exclude.push(REPORT.to_string());
    }
    let mut query = notification::Entity::find()
        .filter(audible(viewer, filter.with_muted))
        .filter(notification::Column::Kind.is_in(types));
    if !exclude.is_empty() {
        query = query.filter(notification::Column::Kind.is_not_in(exclude));
    }
    if let Some(account) = &filter.account_id {
        query = query.filter(notification::Column::ActorId.eq(account.as_str()));
    }
    query
}

/// One of the viewer's notifications (`FORBIDDEN` "Cannot get notification" otherwise, as
/// Pleroma answers).
pub async fn get<C: ConnectionTrait>(conn: &C, viewer: &str, id: &str) -> AppResult<notification::Model> {
    let id = id.trim().parse::<i64>().map_err(|_| AppError::Forbidden(CANNOT_GET.into()))?;
    notification::Entity::find_by_id(id)
        .filter(notification::Column::UserId.eq(viewer))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::Forbidden(CANNOT_GET.into()))
}

/// Delete every notification of the viewer; returns how many.
pub async fn clear(db: &Db, viewer: &str) -> AppResult<u64> {
    let done =
        notification::Entity::delete_many().filter(notification::Column::UserId.eq(viewer)).exec(&db.write).await?;
    Ok(done.rows_affected)
}

/// Delete one notification of the viewer (`FORBIDDEN` "Cannot dismiss notification" otherwise).
pub async fn dismiss(db: &Db, viewer: &str, id: &str) -> AppResult<()> {
    let refused = || AppError::Forbidden(CANNOT_DISMISS.into());
    let id = id.trim().parse::<i64>().map_err(|_| refused())?;
    let done = notification::Entity::delete_many()
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::UserId.eq(viewer))
        .exec(&db.write)
        .await?;
    if done.rows_affected == 0 {
        return Err(refused());
    }
    Ok(())
}

/// Delete the viewer's notifications among `ids`; ids that are not integers name none (Pleroma's
/// ids are). Returns how many went.
pub async fn dismiss_many(db: &Db, viewer: &str, ids: &[String]) -> AppResult<u64> {
    let ids: Vec<i64> = ids.iter().filter_map(|id| id.trim().parse().ok()).collect();
    if ids.is_empty() {
        return Ok(0);
    }
    let done = notification::Entity::delete_many()
        .filter(notification::Column::UserId.eq(viewer))
        .filter(notification::Column::Id.is_in(ids))
        .exec(&db.write)
        .await?;
    Ok(done.rows_affected)
}

/// Mark one notification read (`BAD_REQUEST` "Cannot get notification" when it is not the
/// viewer's) or every one up to `max_id`; returns the notifications marked.
pub async fn mark_read(
    db: &Db,
    viewer: &str,
    id: Option<&str>,
    max_id: Option<&str>,
) -> AppResult<Vec<notification::Model>> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let condition = match (id, max_id) {
        (Some(id), _) => {
            let one = get(&txn, viewer, id).await.map_err(|_| AppError::BadRequest(CANNOT_GET.into()))?;
            Condition::all().add(notification::Column::Id.eq(one.id))
        }
        (None, Some(max)) => Condition::all()
            .add(notification::Column::UserId.eq(viewer))
            .add(notification::Column::Id.lte(parse_id(max)?))
            .add(notification::Column::Seen.eq(false)),
        (None, None) => return Err(AppError::BadRequest("Either id or max_id is required".into())),
    };
    let marked = notification::Entity::find()
        .filter(condition.clone())
        .order_by_desc(notification::Column::Id)
        .all(&txn)
        .await?;
    notification::Entity::update_many()
        .col_expr(notification::Column::Seen, Expr::value(true))
        .col_expr(notification::Column::UpdatedAt, Expr::value(now))
        .filter(condition)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(marked.into_iter().map(|n| notification::Model { seen: true, updated_at: now, ..n }).collect())
}

/// Unread notifications of a user (`pleroma.unread_notifications_count`).
pub async fn unread_count<C: ConnectionTrait>(conn: &C, viewer: &str) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(viewer))
        .filter(notification::Column::Seen.eq(false))
        .count(conn)
        .await?)
}

// ---- Settings ----------------------------------------------------------------------------------

/// A user's notification settings (defaults when none were saved).
pub async fn settings<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<notification_setting::Model> {
    Ok(notification_setting::Entity::find_by_id(user_id).one(conn).await?.unwrap_or(notification_setting::Model {
        user_id: user_id.to_string(),
        block_from_strangers: false,
        hide_notification_contents: false,
    }))
}

/// Change the settings given, keep the others (`PUT /api/pleroma/notification_settings`).
pub async fn update_settings(
    db: &Db,
    user_id: &str,
    block_from_strangers: Option<bool>,
    hide_notification_contents: Option<bool>,
) -> AppResult<notification_setting::Model> {
    let txn = db.begin().await?;
    let current = settings(&txn, user_id).await?;
    let row = notification_setting::Model {
        user_id: user_id.to_string(),
        block_from_strangers: block_from_strangers.unwrap_or(current.block_from_strangers),
        hide_notification_contents: hide_notification_contents.unwrap_or(current.hide_notification_contents),
    };
    notification_setting::Entity::insert(notification_setting::ActiveModel {
        user_id: Set(row.user_id.clone()),
        block_from_strangers: Set(row.block_from_strangers),
        hide_notification_contents: Set(row.hide_notification_contents),
    })
    .on_conflict(
        OnConflict::column(notification_setting::Column::UserId)
            .update_columns([
                notification_setting::Column::BlockFromStrangers,
                notification_setting::Column::HideNotificationContents,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(row)
}
