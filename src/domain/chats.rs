//! Chats, as Pleroma keeps them (`Pleroma.Chat`, `Chat.MessageReference`, `CommonAPI.post_chat_message`
//! and the `ChatMessage` validator and side effects): one chat per owner and other party, bumped
//! by each message; a message is referenced from the chat of each local party, unread for the one
//! who did not write it. A message's id on the wire is its reference's id, so the two parties
//! see the same message under different ids, as in Pleroma.
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{block, chat, chat_message, chat_message_ref, media_attachment, mute, notification, user};
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict, Query},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{
    moderation_log::{self, Action, Actor},
    statuses::MastodonPage,
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
    ids::flake_id,
};

/// Pleroma's `FallbackController` body for a chat that is not the caller's.
pub const RECORD_NOT_FOUND: &str = "Record not found";
/// Pleroma's body when a message cannot be deleted (unknown, another chat's, or refused).
pub const COULD_NOT_DELETE: &str = "could_not_delete";
/// Pleroma's body for a message with neither content nor attachment.
pub const NO_CONTENT: &str = "no_content";
/// Pleroma's body for a message over `[:instance, :chat_limit]`.
pub const CONTENT_TOO_LONG: &str = "content_too_long";
/// Pleroma's default `[:instance, :chat_limit]` (characters).
pub const CHAT_LIMIT: usize = 5_000;

/// A message as one chat shows it: the reference (id, unread flag) and the message.
#[derive(Debug, Clone)]
pub struct ChatEntry {
    pub reference: chat_message_ref::Model,
    pub message: chat_message::Model,
}

/// A message as its author sends it.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub content: Option<String>,
    pub media_id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// The caller's chat `id`; `NotFound("Record not found")` for anyone else's.
pub async fn owned<C: ConnectionTrait>(conn: &C, owner: &str, id: &str) -> AppResult<chat::Model> {
    chat::Entity::find_by_id(id)
        .filter(chat::Column::UserId.eq(owner))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(RECORD_NOT_FOUND.into()))
}

/// Any chat by id (staff).
pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<Option<chat::Model>> {
    Ok(chat::Entity::find_by_id(id).one(conn).await?)
}

/// The chat of `owner` with `recipient`, created when there is none (`Chat.get_or_create`).
pub async fn get_or_create<C: ConnectionTrait>(conn: &C, owner: &str, recipient: &str) -> AppResult<chat::Model> {
    upsert(conn, owner, recipient, false).await
}

/// Insert the chat, or (with `bump`) move an existing one to the top of its owner's list.
async fn upsert<C: ConnectionTrait>(conn: &C, owner: &str, recipient: &str, bump: bool) -> AppResult<chat::Model> {
    let now = Utc::now();
    let row = chat::ActiveModel {
        id: Set(flake_id()),
        user_id: Set(owner.into()),
        recipient_id: Set(recipient.into()),
        inserted_at: Set(now),
        updated_at: Set(now),
    };
    let mut conflict = OnConflict::columns([chat::Column::UserId, chat::Column::RecipientId]);
    if bump {
        conflict.update_column(chat::Column::UpdatedAt);
    } else {
        conflict.do_nothing();
    }
    chat::Entity::insert(row).on_conflict(conflict).exec_without_returning(conn).await?;
    chat::Entity::find()
        .filter(chat::Column::UserId.eq(owner))
        .filter(chat::Column::RecipientId.eq(recipient))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal("chat vanished after its upsert"))
}

/// `owner`'s chats, last bumped first (`Chat.for_user_query`); without `with_muted`, chats with
/// muted users are left out, and chats with blocked users always are (`ChatController.index`).
/// `page` is Pleroma's keyset on the chat id (v2); `None` lists them all (the deprecated v1).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    owner: &str,
    with_muted: bool,
    page: Option<&MastodonPage>,
) -> AppResult<Vec<chat::Model>> {
    let blocked = block::Entity::find()
        .select_only()
        .column(block::Column::BlockedId)
        .filter(block::Column::BlockerId.eq(owner))
        .into_tuple::<String>()
        .all(conn)
        .await?;
    let mut hidden: Vec<String> = blocked;
    if !with_muted {
        let muted = mute::Entity::find()
            .select_only()
            .column(mute::Column::MutedId)
            .filter(mute::Column::MuterId.eq(owner))
            .into_tuple::<String>()
            .all(conn)
            .await?;
        hidden.extend(muted);
    }
    let mut query = chat::Entity::find().filter(chat::Column::UserId.eq(owner));
    if !hidden.is_empty() {
        query = query.filter(chat::Column::RecipientId.is_not_in(hidden));
    }
    query = query.order_by_desc(chat::Column::UpdatedAt).order_by_desc(chat::Column::Id);
    if let Some(page) = page {
        query = keyset(query, page, chat::Column::Id);
    }
    Ok(query.all(conn).await?)
}

/// Every chat `owner` has, last bumped first (the admin view: nothing hidden).
pub async fn of_user<C: ConnectionTrait>(conn: &C, owner: &str) -> AppResult<Vec<chat::Model>> {
    Ok(chat::Entity::find()
        .filter(chat::Column::UserId.eq(owner))
        .order_by_desc(chat::Column::UpdatedAt)
        .order_by_desc(chat::Column::Id)
        .all(conn)
        .await?)
}

/// Pleroma's `Pagination.fetch_paginated` on a keyset column: `max_id`, `since_id`, `min_id`,
/// `offset`, `limit` (default 20, at most 40).
fn keyset<E: EntityTrait>(mut query: sea_orm::Select<E>, page: &MastodonPage, id: E::Column) -> sea_orm::Select<E> {
    if let Some(max) = &page.max_id {
        query = query.filter(id.lt(max.as_str()));
    }
    if let Some(since) = &page.since_id {
        query = query.filter(id.gt(since.as_str()));
    }
    if let Some(min) = &page.min_id {
        query = query.filter(id.gt(min.as_str()));
    }
    query.offset(page.offset.unwrap_or(0)).limit(page.size())
}

/// A chat's messages, newest first, paged as Pleroma's `Pagination` pages them (with `min_id`, the
/// page just above it, still newest first).
pub async fn messages<C: ConnectionTrait>(conn: &C, chat_id: &str, page: &MastodonPage) -> AppResult<Vec<ChatEntry>> {
    let mut query = chat_message_ref::Entity::find().filter(chat_message_ref::Column::ChatId.eq(chat_id));
    query = if page.min_id.is_some() {
        query.order_by_asc(chat_message_ref::Column::Id)
    } else {
        query.order_by_desc(chat_message_ref::Column::Id)
    };
    let mut refs = keyset(query, page, chat_message_ref::Column::Id).all(conn).await?;
    if page.min_id.is_some() {
        refs.reverse();
    }
    with_messages(conn, refs).await
}

/// How many messages a chat holds (the `totalCount` of [`messages`]).
pub async fn message_count<C: ConnectionTrait>(conn: &C, chat_id: &str) -> AppResult<u64> {
    Ok(chat_message_ref::Entity::find().filter(chat_message_ref::Column::ChatId.eq(chat_id)).count(conn).await?)
}

/// The references with their messages, in the given order.
pub async fn with_messages<C: ConnectionTrait>(
    conn: &C,
    refs: Vec<chat_message_ref::Model>,
) -> AppResult<Vec<ChatEntry>> {
    if refs.is_empty() {
        return Ok(vec![]);
    }
    let ids: HashSet<&str> = refs.iter().map(|r| r.message_id.as_str()).collect();
    let messages: HashMap<String, chat_message::Model> = chat_message::Entity::find()
        .filter(chat_message::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect();
    Ok(refs
        .into_iter()
        .filter_map(|reference| {
            let message = messages.get(&reference.message_id)?.clone();
            Some(ChatEntry { reference, message })
        })
        .collect())
}

/// The newest message of each chat (`MessageReference.last_message_for_chat`), by chat id, in
/// two statements: reference ids are time-ordered, so the newest is the greatest.
pub async fn last_messages<C: ConnectionTrait>(conn: &C, chat_ids: &[String]) -> AppResult<HashMap<String, ChatEntry>> {
    if chat_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let newest = sea_orm::sea_query::Query::select()
        .expr(Expr::col(chat_message_ref::Column::Id).max())
        .from(chat_message_ref::Entity)
        .and_where(chat_message_ref::Column::ChatId.is_in(chat_ids.iter().map(String::as_str)))
        .group_by_col(chat_message_ref::Column::ChatId)
        .to_owned();
    let refs =
        chat_message_ref::Entity::find().filter(chat_message_ref::Column::Id.in_subquery(newest)).all(conn).await?;
    let entries = with_messages(conn, refs).await?;
    Ok(entries.into_iter().map(|e| (e.reference.chat_id.clone(), e)).collect())
}

/// References by id with their messages, in two statements (`pleroma:chat_mention`
/// notifications).
pub async fn entries<C: ConnectionTrait>(conn: &C, ref_ids: &[String]) -> AppResult<Vec<ChatEntry>> {
    if ref_ids.is_empty() {
        return Ok(vec![]);
    }
    let refs = chat_message_ref::Entity::find()
        .filter(chat_message_ref::Column::Id.is_in(ref_ids.iter().map(String::as_str)))
        .all(conn)
        .await?;
    with_messages(conn, refs).await
}

/// Unread messages of each chat (`MessageReference.unread_count_for_chat`), by chat id.
pub async fn unread_counts<C: ConnectionTrait>(conn: &C, chat_ids: &[String]) -> AppResult<HashMap<String, u64>> {
    if chat_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, i64)> = chat_message_ref::Entity::find()
        .select_only()
        .column(chat_message_ref::Column::ChatId)
        .column_as(Expr::col(chat_message_ref::Column::Id).count(), "n")
        .filter(chat_message_ref::Column::ChatId.is_in(chat_ids.iter().map(String::as_str)))
        .filter(chat_message_ref::Column::Unread.eq(true))
        .group_by(chat_message_ref::Column::ChatId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, u64::try_from(n).unwrap_or(0))).collect())
}

/// Uploads by id (the attachments of a page of messages).
pub async fn media<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<Vec<media_attachment::Model>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(media_attachment::Entity::find().filter(media_attachment::Column::Id.is_in(ids.to_vec())).all(conn).await?)
}

/// Chat messages' HTML as Pleroma formats it (`format_chat_content`): escaped text whose line
/// breaks become `<br>`.
pub fn format_content(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    escaped.replace("\r\n", "<br>").replace('\n', "<br>")
}

/// Post a message in `author`'s chat `chat_id` (`ChatController.post_chat_message`): the checks of
/// `CommonAPI.post_chat_message` and the `ChatMessage` validator, then the message referenced from
/// each local party's chat (created or bumped), unread for the recipient. An `Idempotency-Key`
/// already used by the author gives back the message it made.
pub async fn post(
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    chat_id: &str,
    new: NewMessage,
) -> AppResult<ChatEntry> {
    let chat = owned(&db.write, &author.id, chat_id).await?;
    let key = new.idempotency_key.clone().filter(|k| !k.is_empty());
    if let Some(key) = &key {
        if let Some(entry) = by_idempotency_key(&db.write, &chat.id, &author.id, key).await? {
            return Ok(entry);
        }
    }
    let recipient = user::Entity::find_by_id(chat.recipient_id.as_str())
        .one(&db.write)
        .await?
        .ok_or_else(|| AppError::BadRequest("Recipient does not exist".into()))?;
    // An unknown media id is no attachment (Pleroma's `Object.get_by_id` gives nil); someone
    // else's upload is refused.
    let media = match new.media_id.as_deref().filter(|m| !m.is_empty()) {
        Some(id) => media_attachment::Entity::find_by_id(id).one(&db.write).await?,
        None => None,
    };
    if media.as_ref().is_some_and(|m| m.user_id != author.id) {
        return Err(AppError::BadRequest("forbidden".into()));
    }
    let content = new.content.filter(|c| !c.trim().is_empty());
    match &content {
        None if media.is_none() => return Err(AppError::BadRequest(NO_CONTENT.into())),
        Some(text) if media.is_none() && text.chars().count() > CHAT_LIMIT => {
            return Err(AppError::BadRequest(CONTENT_TOO_LONG.into()))
        }
        _ => {}
    }
    // The validator's local concerns.
    if !author.local && !recipient.local {
        return Err(AppError::BadRequest("actor and recipient are both remote".into()));
    }
    let blocked = block::Entity::find()
        .filter(block::Column::BlockerId.eq(recipient.id.as_str()))
        .filter(block::Column::BlockedId.eq(author.id.as_str()))
        .count(&db.write)
        .await?;
    if blocked > 0 {
        return Err(AppError::BadRequest("actor is blocked by recipient".into()));
    }

    let txn = db.begin().await?;
    let now = Utc::now();
    let message = chat_message::ActiveModel {
        id: Set(flake_id()),
        ap_id: Set(super::statuses::object_id(settings)),
        user_id: Set(author.id.clone()),
        recipient_id: Set(recipient.id.clone()),
        content: Set(content.as_deref().map(format_content)),
        media_id: Set(media.map(|m| m.id)),
        idempotency_key: Set(key.clone()),
        inserted_at: Set(now),
    };
    let message = match message.insert(&txn).await {
        Ok(message) => message,
        // A concurrent send with the same key won: answer with its message.
        Err(err) if key.is_some() && matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            drop(txn);
            let key = key.as_deref().unwrap_or_default();
            return by_idempotency_key(&db.write, &chat.id, &author.id, key).await?.ok_or_else(move || err.into());
        }
        Err(err) => return Err(err.into()),
    };
    let mut own = None;
    // Chatting with oneself is one chat with one reference (Pleroma's `Enum.uniq`).
    let parties: Vec<(&user::Model, &user::Model)> = if author.id == recipient.id {
        vec![(author, &recipient)]
    } else {
        vec![(author, &recipient), (&recipient, author)]
    };
    for (owner, other) in parties {
        if !owner.local {
            continue;
        }
        let owner_chat = upsert(&txn, &owner.id, &other.id, true).await?;
        let reference = chat_message_ref::ActiveModel {
            id: Set(flake_id()),
            chat_id: Set(owner_chat.id.clone()),
            message_id: Set(message.id.clone()),
            unread: Set(owner.id != author.id),
            inserted_at: Set(now),
        }
        .insert(&txn)
        .await?;
        if owner.id == author.id {
            own = Some(reference);
        } else {
            // Pleroma notifies the recipient of each message (`pleroma:chat_mention`).
            let event = super::notifications::Event {
                kind: super::notifications::CHAT_MENTION,
                actor_id: author.id.clone(),
                chat_message_ref_id: Some(reference.id.clone()),
                ..Default::default()
            };
            super::notifications::notify(&txn, std::slice::from_ref(&owner.id), &event).await?;
        }
    }
    txn.commit().await?;
    let reference = own.ok_or_else(|| AppError::internal("a local author's message has no reference"))?;
    Ok(ChatEntry { reference, message })
}

async fn by_idempotency_key<C: ConnectionTrait>(
    conn: &C,
    chat_id: &str,
    author: &str,
    key: &str,
) -> AppResult<Option<ChatEntry>> {
    let Some(message) = chat_message::Entity::find()
        .filter(chat_message::Column::UserId.eq(author))
        .filter(chat_message::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let reference = chat_message_ref::Entity::find()
        .filter(chat_message_ref::Column::ChatId.eq(chat_id))
        .filter(chat_message_ref::Column::MessageId.eq(message.id.as_str()))
        .one(conn)
        .await?;
    Ok(reference.map(|reference| ChatEntry { reference, message }))
}

/// The reference `message_id` in chat `chat_id`, with its message.
pub async fn entry<C: ConnectionTrait>(conn: &C, chat_id: &str, message_id: &str) -> AppResult<Option<ChatEntry>> {
    let Some(reference) = chat_message_ref::Entity::find_by_id(message_id)
        .filter(chat_message_ref::Column::ChatId.eq(chat_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_messages(conn, vec![reference]).await?.into_iter().next())
}

/// Mark every unread message of the caller's chat up to `last_read_id` read
/// (`MessageReference.set_all_seen_for_chat`).
pub async fn mark_read(db: &Db, owner: &str, chat_id: &str, last_read_id: &str) -> AppResult<chat::Model> {
    let chat = owned(&db.write, owner, chat_id).await?;
    chat_message_ref::Entity::update_many()
        .col_expr(chat_message_ref::Column::Unread, Expr::value(false))
        .filter(chat_message_ref::Column::ChatId.eq(chat.id.as_str()))
        .filter(chat_message_ref::Column::Unread.eq(true))
        .filter(chat_message_ref::Column::Id.lte(last_read_id))
        .exec(&db.write)
        .await?;
    Ok(chat)
}

/// Mark one message of the caller's chat read; `NotFound` when the message is not in that chat.
pub async fn mark_message_read(db: &Db, owner: &str, chat_id: &str, message_id: &str) -> AppResult<ChatEntry> {
    let chat = owned(&db.write, owner, chat_id).await?;
    let mut entry =
        entry(&db.write, &chat.id, message_id).await?.ok_or_else(|| AppError::NotFound(RECORD_NOT_FOUND.into()))?;
    chat_message_ref::Entity::update_many()
        .col_expr(chat_message_ref::Column::Unread, Expr::value(false))
        .filter(chat_message_ref::Column::Id.eq(entry.reference.id.as_str()))
        .exec(&db.write)
        .await?;
    entry.reference.unread = false;
    Ok(entry)
}

/// Who deletes a chat message.
pub enum ChatDeleter<'a> {
    /// A chat's owner: their own message is deleted for everyone, someone else's only leaves
    /// their chat (`ChatController.remove_or_delete`).
    Owner(&'a user::Model),
    /// Staff holding `messages_delete`: the message is deleted for everyone and logged
    /// (`chat_message_delete`) in the same transaction.
    Staff(&'a user::Model),
}

/// Delete message `message_id` (a reference id) of chat `chat_id`; the answer is the message as
/// that chat showed it. `BadRequest("could_not_delete")` when there is no such message in that
/// chat, or the chat is not the owner's.
pub async fn delete(db: &Db, by: ChatDeleter<'_>, chat_id: &str, message_id: &str) -> AppResult<ChatEntry> {
    let refused = || AppError::BadRequest(COULD_NOT_DELETE.into());
    let txn = db.begin().await?;
    let chat = chat::Entity::find_by_id(chat_id).one(&txn).await?.ok_or_else(refused)?;
    let entry = entry(&txn, &chat.id, message_id).await?.ok_or_else(refused)?;
    // The recipient's notification goes with the message (or with its own reference).
    let refs = Query::select()
        .column(chat_message_ref::Column::Id)
        .from(chat_message_ref::Entity)
        .and_where(chat_message_ref::Column::MessageId.eq(entry.message.id.as_str()))
        .to_owned();
    let gone = match by {
        ChatDeleter::Owner(owner) if entry.message.user_id != owner.id => {
            Condition::all().add(notification::Column::ChatMessageRefId.eq(entry.reference.id.as_str()))
        }
        _ => Condition::all().add(notification::Column::ChatMessageRefId.in_subquery(refs)),
    };
    notification::Entity::delete_many().filter(gone).exec(&txn).await?;
    match by {
        ChatDeleter::Owner(owner) => {
            if chat.user_id != owner.id {
                return Err(refused());
            }
            if entry.message.user_id == owner.id {
                chat_message::Entity::delete_by_id(entry.message.id.as_str()).exec(&txn).await?;
            } else {
                chat_message_ref::Entity::delete_by_id(entry.reference.id.as_str()).exec(&txn).await?;
            }
        }
        ChatDeleter::Staff(staff) => {
            chat_message::Entity::delete_by_id(entry.message.id.as_str()).exec(&txn).await?;
            let action = Action::ChatMessageDelete { message_id: entry.reference.id.clone() };
            moderation_log::record(&txn, &Actor::from(staff), &action).await?;
        }
    }
    txn.commit().await?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_escaped_and_lines_broken() {
        assert_eq!(format_content("a <b>\r\nc & 'd'\ne"), "a &lt;b&gt;<br>c &amp; &#39;d&#39;<br>e");
    }
}
