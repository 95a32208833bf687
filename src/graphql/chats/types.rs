//! A chat and a chat message as GraphQL objects.
use async_graphql::{Context, Json, Object, ID};
use entity::chat;

use super::loaders::{LastMessageOf, MediaById, UnreadOf};
use crate::{
    domain::chats::ChatEntry,
    graphql::{
        accounts::{Account, AccountEmoji},
        load_error,
        scalars::DateTime,
        statuses::Attachment,
        users::UserById,
        ContextExt,
    },
};

/// A chat as its owner sees it.
pub struct Chat(pub chat::Model);

async fn account(ctx: &Context<'_>, id: &str) -> async_graphql::Result<Account> {
    let user = ctx.loader().load_one(UserById(id.to_string())).await.map_err(load_error)?;
    user.map(Account::new).ok_or_else(|| async_graphql::Error::new("the account of a chat is gone"))
}

/// A one-to-one chat, as its owner sees it: the other party, the newest message and how many
/// messages the owner has not read.
#[Object]
impl Chat {
    /// Chat id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The other party.
    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Account> {
        account(ctx, &self.0.recipient_id).await
    }
    /// The chat's owner (the admin view's `sender`).
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Account> {
        account(ctx, &self.0.user_id).await
    }
    /// Messages the owner has not read.
    async fn unread(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(ctx.loader().load_one(UnreadOf(self.0.id.clone())).await.map_err(load_error)?.unwrap_or(0))
    }
    /// The newest message, if any.
    async fn last_message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ChatMessage>> {
        Ok(ctx.loader().load_one(LastMessageOf(self.0.id.clone())).await.map_err(load_error)?.map(ChatMessage))
    }
    /// When the last message was sent (or the chat created).
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A message as one chat shows it.
pub struct ChatMessage(pub ChatEntry);

/// A chat message. Its id is the one it has in this chat: the two parties see one message under
/// two ids, each with their own unread flag.
#[Object]
impl ChatMessage {
    /// Message id in this chat.
    async fn id(&self) -> ID {
        ID(self.0.reference.id.clone())
    }
    /// HTML content; `null` for a message that is only an attachment.
    async fn content(&self) -> Option<&str> {
        self.0.message.content.as_deref()
    }
    /// The chat it is shown in.
    async fn chat_id(&self) -> ID {
        ID(self.0.reference.chat_id.clone())
    }
    /// The author's account id.
    async fn account_id(&self) -> ID {
        ID(self.0.message.user_id.clone())
    }
    /// When it was sent.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.message.inserted_at)
    }
    /// Custom emoji used in the content (none are recorded: `[]`).
    async fn emojis(&self) -> Vec<AccountEmoji> {
        vec![]
    }
    /// The attached upload, if any.
    async fn attachment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Attachment>> {
        let Some(id) = &self.0.message.media_id else { return Ok(None) };
        Ok(ctx.loader().load_one(MediaById(id.clone())).await.map_err(load_error)?.map(Attachment))
    }
    /// Whether this chat's owner has not read it.
    async fn unread(&self) -> bool {
        self.0.reference.unread
    }
    /// Link preview (not fetched by this gateway: `null`).
    async fn card(&self) -> Option<Json<serde_json::Value>> {
        None
    }
    /// The `Idempotency-Key` it was sent with, if any.
    async fn idempotency_key(&self) -> Option<&str> {
        self.0.message.idempotency_key.as_deref()
    }
}
