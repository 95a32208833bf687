//! Threads: a status's context (Pleroma's `StatusController.context` over
//! `ActivityPub.fetch_activities_for_context`), and direct conversations (Pleroma's
//! `Conversation`, `Conversation.Participation` and its recipient ships): a conversation per
//! direct thread, made or bumped when a direct status is posted, with a participation for its
//! author and each recipient.
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    block, conversation, conversation_participation as participation, conversation_recipient, mention, mute, status,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, OnConflict, Query, SimpleExpr},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{statuses::MastodonPage, IN_CHUNK};
use crate::error::{AppError, AppResult};

/// Pleroma's answer for a participation that is not the caller's (or none).
pub const UNKNOWN_CONVERSATION: &str = "Unknown conversation id";

fn unknown() -> AppError {
    AppError::NotFound(UNKNOWN_CONVERSATION.into())
}

/// Statuses `viewer` does not want to see because of blocks (Pleroma's `restrict_blocked`):
/// those of authors they block, and those addressed to someone they block unless they wrote
/// them.
fn not_blocked(viewer: &str) -> Condition {
    let blocked = || {
        Query::select()
            .column(block::Column::BlockedId)
            .from(block::Entity)
            .and_where(block::Column::BlockerId.eq(viewer))
            .to_owned()
    };
    let addressed_to_blocked = Query::select()
        .column(mention::Column::StatusId)
        .from(mention::Entity)
        .and_where(mention::Column::UserId.in_subquery(blocked()))
        .to_owned();
    Condition::all().add(status::Column::UserId.not_in_subquery(blocked())).add(
        Condition::any()
            .add(status::Column::UserId.eq(viewer))
            .add(status::Column::Id.not_in_subquery(addressed_to_blocked)),
    )
}

/// Statuses of authors `viewer` mutes are left out (Pleroma's `restrict_muted`).
fn not_muted(viewer: &str) -> SimpleExpr {
    let muted = Query::select()
        .column(mute::Column::MutedId)
        .from(mute::Entity)
        .and_where(mute::Column::MuterId.eq(viewer))
        .to_owned();
    status::Column::UserId.not_in_subquery(muted)
}

/// The posts of a thread `viewer` may see: visibility and blocks respected, reblogs left out.
fn thread(context: &str, viewer: Option<&str>) -> sea_orm::Select<status::Entity> {
    let mut query = status::Entity::find()
        .filter(status::Column::Context.eq(context))
        .filter(status::Column::ReblogOfId.is_null())
        .filter(super::statuses::visible_to(viewer));
    if let Some(viewer) = viewer {
        query = query.filter(not_blocked(viewer));
    }
    query
}

/// A status's thread as `viewer` sees it: the posts before it (`ancestors`) and after it
/// (`descendants`), oldest first, in one statement after the status's own. Pleroma sets no
/// limit; `NotFound` only for an unknown status.
pub async fn context<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    viewer: Option<&str>,
) -> AppResult<(Vec<status::Model>, Vec<status::Model>)> {
    let status = super::statuses::find(conn, id).await?.ok_or_else(|| AppError::NotFound("Record not found".into()))?;
    let rows = thread(&status.context, viewer)
        .filter(status::Column::Id.ne(status.id.as_str()))
        .order_by_asc(status::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().partition(|s| s.id < status.id))
}

// ---- Direct conversations ----------------------------------------------------------------------

/// Make or bump the conversation of a direct status (Pleroma's `Conversation.create_or_bump_for`
/// then `Participation.mark_as_read` for the author): a participation for each of `users` (the
/// author and the recipients), unread for all but the author — but a user who blocks another
/// participant keeps their read flag (an "invisible" conversation); a participation without
/// recipients gets `users` as its recipients. Runs in the posting transaction `conn`.
pub async fn create_or_bump<C: ConnectionTrait>(conn: &C, saved: &status::Model, users: &[String]) -> AppResult<()> {
    let now = Utc::now();
    conversation::Entity::insert(conversation::ActiveModel {
        ap_id: Set(saved.context.clone()),
        inserted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(conversation::Column::ApId).update_column(conversation::Column::UpdatedAt).to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    let conversation = conversation::Entity::find()
        .filter(conversation::Column::ApId.eq(saved.context.as_str()))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal("a conversation just written is missing"))?;
    // Who blocks another participant.
    let blockers: HashSet<String> = block::Entity::find()
        .select_only()
        .column(block::Column::BlockerId)
        .filter(block::Column::BlockerId.is_in(users.to_vec()))
        .filter(block::Column::BlockedId.is_in(users.to_vec()))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let row = |user: &String, read: bool| participation::ActiveModel {
        user_id: Set(user.clone()),
        conversation_id: Set(conversation.id),
        read: Set(read),
        inserted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let (invisible, visible): (Vec<&String>, Vec<&String>) = users.iter().partition(|u| blockers.contains(*u));
    let target = [participation::Column::UserId, participation::Column::ConversationId];
    if !visible.is_empty() {
        participation::Entity::insert_many(visible.iter().map(|u| row(u, *u == &saved.user_id)))
            .on_conflict(
                OnConflict::columns(target)
                    .update_columns([participation::Column::Read, participation::Column::UpdatedAt])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    if !invisible.is_empty() {
        participation::Entity::insert_many(invisible.iter().map(|u| row(u, true)))
            .on_conflict(OnConflict::columns(target).update_column(participation::Column::UpdatedAt).to_owned())
            .exec_without_returning(conn)
            .await?;
    }
    // The author has read their own status.
    participation::Entity::update_many()
        .col_expr(participation::Column::Read, Expr::value(true))
        .filter(participation::Column::ConversationId.eq(conversation.id))
        .filter(participation::Column::UserId.eq(saved.user_id.as_str()))
        .exec(conn)
        .await?;
    // Recipients for the participations that have none yet.
    let ids: Vec<i64> = participation::Entity::find()
        .select_only()
        .column(participation::Column::Id)
        .filter(participation::Column::ConversationId.eq(conversation.id))
        .filter(participation::Column::UserId.is_in(users.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    let with_recipients: HashSet<i64> = conversation_recipient::Entity::find()
        .select_only()
        .column(conversation_recipient::Column::ParticipationId)
        .filter(conversation_recipient::Column::ParticipationId.is_in(ids.clone()))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let new: Vec<conversation_recipient::ActiveModel> = ids
        .iter()
        .filter(|id| !with_recipients.contains(id))
        .flat_map(|id| {
            users.iter().map(move |u| conversation_recipient::ActiveModel {
                participation_id: Set(*id),
                user_id: Set(u.clone()),
            })
        })
        .collect();
    for chunk in new.chunks(IN_CHUNK) {
        conversation_recipient::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// One of `user_id`'s participations (`Unknown conversation id` otherwise; a non-numeric id is
/// unknown).
pub async fn owned<C: ConnectionTrait>(conn: &C, user_id: &str, id: &str) -> AppResult<participation::Model> {
    let id: i64 = id.parse().map_err(|_| unknown())?;
    participation::Entity::find_by_id(id)
        .filter(participation::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .ok_or_else(unknown)
}

/// A page of `user_id`'s participations, most recently bumped first, paged by participation id
/// as Pleroma pages them (`Participation.for_user`); with `recipients`, only conversations
/// whose participants are exactly the user and those (`restrict_recipients`).
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    recipients: Option<&[String]>,
    page: &MastodonPage,
) -> AppResult<Vec<participation::Model>> {
    let query = participations(user_id, recipients).order_by_desc(participation::Column::UpdatedAt);
    let query = page.apply_keyed(query, participation::Column::Id, |id| id.parse::<i64>().ok());
    Ok(page.newest_first(query.all(conn).await?))
}

/// How many participations `user_id` has (with exactly `recipients`, when given), the paging
/// ignored (the total of [`page`], counted before conversations without a visible direct status
/// are dropped from a page).
pub async fn count<C: ConnectionTrait>(conn: &C, user_id: &str, recipients: Option<&[String]>) -> AppResult<u64> {
    Ok(participations(user_id, recipients).count(conn).await?)
}

/// `user_id`'s participations (those with exactly `recipients`, when given), unpaged.
fn participations(user_id: &str, recipients: Option<&[String]>) -> sea_orm::Select<participation::Entity> {
    let mut query = participation::Entity::find().filter(participation::Column::UserId.eq(user_id));
    if let Some(recipients) = recipients.filter(|r| !r.is_empty()) {
        let mut set: Vec<String> = vec![user_id.to_string()];
        for r in recipients {
            if !set.contains(r) {
                set.push(r.clone());
            }
        }
        let n = i64::try_from(set.len()).unwrap_or(i64::MAX);
        let among = Expr::case(participation::Column::UserId.is_in(set), 1).finally(0);
        let exact = Query::select()
            .column(participation::Column::ConversationId)
            .from(participation::Entity)
            .group_by_col(participation::Column::ConversationId)
            .and_having(Expr::col(participation::Column::UserId).count().eq(n))
            .and_having(Expr::expr(Func::sum(among)).eq(n))
            .to_owned();
        query = query.filter(participation::Column::ConversationId.in_subquery(exact));
    }
    query
}

/// The context IRI of each of these conversations.
pub async fn contexts<C: ConnectionTrait>(conn: &C, ids: &[i64]) -> AppResult<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<(i64, String)> = conversation::Entity::find()
            .select_only()
            .column(conversation::Column::Id)
            .column(conversation::Column::ApId)
            .filter(conversation::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// The newest direct status `viewer` may see in each of these threads (Pleroma's
/// `fetch_latest_direct_activity_id_for_context`), by context, in two statements.
pub async fn latest_direct<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    contexts: &[String],
) -> AppResult<HashMap<String, status::Model>> {
    let mut out = HashMap::new();
    for chunk in contexts.chunks(IN_CHUNK) {
        let newest: Vec<Option<String>> = status::Entity::find()
            .select_only()
            .column_as(status::Column::Id.max(), "id")
            .filter(status::Column::Context.is_in(chunk.to_vec()))
            .filter(status::Column::ReblogOfId.is_null())
            .filter(status::Column::Visibility.eq("direct"))
            .filter(super::statuses::visible_to(Some(viewer)))
            .filter(not_blocked(viewer))
            .group_by(status::Column::Context)
            .into_tuple()
            .all(conn)
            .await?;
        let ids: Vec<String> = newest.into_iter().flatten().collect();
        for row in super::statuses::by_ids(conn, &ids).await? {
            out.insert(row.context.clone(), row);
        }
    }
    Ok(out)
}

/// The recipients of each of these participations, by participation id.
pub async fn recipients_of<C: ConnectionTrait>(conn: &C, ids: &[i64]) -> AppResult<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows = conversation_recipient::Entity::find()
            .filter(conversation_recipient::Column::ParticipationId.is_in(chunk.to_vec()))
            .order_by_asc(conversation_recipient::Column::UserId)
            .all(conn)
            .await?;
        for r in rows {
            out.entry(r.participation_id).or_default().push(r.user_id);
        }
    }
    Ok(out)
}

/// Statuses of a participation's thread `viewer` may see (muted authors left out), paged by
/// status id, newest first (`PleromaAPI.ConversationController.statuses`, which then shows the
/// page oldest first).
pub async fn statuses<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    participation: &participation::Model,
    page: &MastodonPage,
) -> AppResult<Vec<status::Model>> {
    let query = page.apply(thread_statuses(conn, viewer, participation).await?);
    Ok(page.newest_first(query.all(conn).await?))
}

/// How many statuses of a participation's thread `viewer` may see, the paging ignored (the total
/// of [`statuses`]).
pub async fn status_count<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    participation: &participation::Model,
) -> AppResult<u64> {
    Ok(thread_statuses(conn, viewer, participation).await?.count(conn).await?)
}

/// The statuses of a participation's thread `viewer` may see, muted authors left out, unpaged.
async fn thread_statuses<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    participation: &participation::Model,
) -> AppResult<sea_orm::Select<status::Entity>> {
    let context =
        conversation::Entity::find_by_id(participation.conversation_id).one(conn).await?.ok_or_else(unknown)?.ap_id;
    Ok(thread(&context, Some(viewer)).filter(not_muted(viewer)))
}

/// Replace a participation's recipients with `user_ids` (those that exist) and its owner
/// (`Participation.set_recipients`).
pub async fn set_recipients(
    db: &crate::db::Db,
    participation: &participation::Model,
    user_ids: &[String],
) -> AppResult<()> {
    let mut wanted: Vec<String> = vec![participation.user_id.clone()];
    for id in user_ids {
        if !wanted.contains(id) {
            wanted.push(id.clone());
        }
    }
    let existing: Vec<String> = super::users::by_ids(&db.read, &wanted).await?.into_iter().map(|u| u.id).collect();
    let txn = db.begin().await?;
    conversation_recipient::Entity::delete_many()
        .filter(conversation_recipient::Column::ParticipationId.eq(participation.id))
        .exec(&txn)
        .await?;
    if !existing.is_empty() {
        conversation_recipient::Entity::insert_many(
            existing.into_iter().map(|u| conversation_recipient::ActiveModel {
                participation_id: Set(participation.id),
                user_id: Set(u),
            }),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Mark one participation read.
pub async fn mark_read<C: ConnectionTrait>(
    conn: &C,
    participation: participation::Model,
) -> AppResult<participation::Model> {
    participation::Entity::update_many()
        .col_expr(participation::Column::Read, Expr::value(true))
        .filter(participation::Column::Id.eq(participation.id))
        .exec(conn)
        .await?;
    Ok(participation::Model { read: true, ..participation })
}

/// Mark every unread participation of `user_id` read; returns those marked
/// (`Participation.mark_all_as_read`).
pub async fn mark_all_read(db: &crate::db::Db, user_id: &str) -> AppResult<Vec<participation::Model>> {
    let txn = db.begin().await?;
    let unread = participation::Entity::find()
        .filter(participation::Column::UserId.eq(user_id))
        .filter(participation::Column::Read.eq(false))
        .order_by_desc(participation::Column::Id)
        .all(&txn)
        .await?;
    let ids: Vec<i64> = unread.iter().map(|p| p.id).collect();
    for chunk in ids.chunks(IN_CHUNK) {
        participation::Entity::update_many()
            .col_expr(participation::Column::Read, Expr::value(true))
            .filter(participation::Column::Id.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(unread.into_iter().map(|p| participation::Model { read: true, ..p }).collect())
}

/// Delete one participation (`DELETE /api/v1/conversations/:id`).
pub async fn delete<C: ConnectionTrait>(conn: &C, participation: &participation::Model) -> AppResult<()> {
    participation::Entity::delete_by_id(participation.id).exec(conn).await?;
    Ok(())
}

/// The participation of `viewer` in each of these threads (by context IRI): Pleroma's
/// `Activity.direct_conversation_id`.
pub async fn participation_ids<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    contexts: &[String],
) -> AppResult<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for chunk in contexts.chunks(IN_CHUNK) {
        let rows: Vec<(String, i64)> = participation::Entity::find()
            .select_only()
            .column(conversation::Column::ApId)
            .column(participation::Column::Id)
            .join(
                sea_orm::JoinType::InnerJoin,
                participation::Entity::belongs_to(conversation::Entity)
                    .from(participation::Column::ConversationId)
                    .to(conversation::Column::Id)
                    .into(),
            )
            .filter(participation::Column::UserId.eq(viewer))
            .filter(conversation::Column::ApId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}
