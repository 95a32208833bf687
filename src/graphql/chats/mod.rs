//! Chats: a user's one-to-one chats and their messages (Pleroma's chat API), and the staff view
//! of anyone's chats (`messages_read`, `messages_delete`).
mod loaders;
mod types;

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

pub use loaders::*;
pub use types::*;

use super::{statuses::StatusPageInput, ContextExt, FieldRule};
use crate::{
    auth::{Access, Privilege},
    domain::{
        chats::{self as domain, ChatDeleter, NewMessage},
        statuses::MastodonPage,
    },
    error::AppError,
};

const READ_CHATS: &[&str] = &["read:chats"];
const WRITE_CHATS: &[&str] = &["write:chats"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "chats", Access::User(READ_CHATS)),
    ("Query", "chat", Access::User(READ_CHATS)),
    ("Query", "chatMessages", Access::User(READ_CHATS)),
    ("Query", "userChats", Access::Staff(Privilege::MessagesRead, &["admin:read:chats"])),
    ("Query", "adminChat", Access::Staff(Privilege::MessagesRead, &["admin:read:chats"])),
    ("Query", "adminChatMessages", Access::Staff(Privilege::MessagesRead, &["admin:read:chats"])),
    ("Mutation", "createChat", Access::User(WRITE_CHATS)),
    ("Mutation", "postChatMessage", Access::User(WRITE_CHATS)),
    ("Mutation", "deleteChatMessage", Access::User(WRITE_CHATS)),
    ("Mutation", "markChatRead", Access::User(WRITE_CHATS)),
    ("Mutation", "markChatMessageRead", Access::User(WRITE_CHATS)),
    ("Mutation", "deleteChatMessageAsStaff", Access::Staff(Privilege::MessagesDelete, &["admin:write:chats"])),
];

/// Chat reads.
#[derive(Default)]
pub struct ChatsQuery;

#[Object]
impl ChatsQuery {
    /// The caller's chats, last active first. Chats with blocked users never show, chats with
    /// muted users only `withMuted`. Without `page`, every chat (the deprecated unpaged list);
    /// with it, Mastodon-style paging by chat id (default 20, at most 40).
    async fn chats(
        &self,
        ctx: &Context<'_>,
        with_muted: Option<bool>,
        page: Option<StatusPageInput>,
    ) -> async_graphql::Result<Vec<Chat>> {
        let owner = ctx.viewer().require_user()?;
        let page = page.map(MastodonPage::from);
        let rows = domain::list(&ctx.db().read, &owner.id, with_muted.unwrap_or(false), page.as_ref()).await?;
        Ok(rows.into_iter().map(Chat).collect())
    }

    /// One of the caller's chats (`NOT_FOUND` "Record not found" for anyone else's).
    async fn chat(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Chat> {
        let owner = ctx.viewer().require_user()?;
        Ok(Chat(domain::owned(&ctx.db().read, &owner.id, &id).await?))
    }

    /// Messages of one of the caller's chats, newest first (`NOT_FOUND` "Record not found" for
    /// anyone else's chat).
    async fn chat_messages(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(default)] page: StatusPageInput,
    ) -> async_graphql::Result<Vec<ChatMessage>> {
        let owner = ctx.viewer().require_user()?;
        let chat = domain::owned(&ctx.db().read, &owner.id, &chat_id).await?;
        let entries = domain::messages(&ctx.db().read, &chat.id, &MastodonPage::from(page)).await?;
        Ok(entries.into_iter().map(ChatMessage).collect())
    }

    /// Every chat of a user (nickname or id), last active first (staff; `NOT_FOUND` for an
    /// unknown user).
    async fn user_chats(&self, ctx: &Context<'_>, user: String) -> async_graphql::Result<Vec<Chat>> {
        let db = &ctx.db().read;
        let owner = crate::domain::users::find_by_nickname_or_id(db, &user).await?.ok_or_else(AppError::not_found)?;
        Ok(domain::of_user(db, &owner.id).await?.into_iter().map(Chat).collect())
    }

    /// Any chat by id (staff); `null` when there is none.
    async fn admin_chat(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Chat>> {
        Ok(domain::find(&ctx.db().read, &id).await?.map(Chat))
    }

    /// Messages of any chat, newest first (staff; `NOT_FOUND` "not found" for an unknown chat).
    async fn admin_chat_messages(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(default)] page: StatusPageInput,
    ) -> async_graphql::Result<Vec<ChatMessage>> {
        let db = &ctx.db().read;
        let chat = domain::find(db, &chat_id).await?.ok_or_else(|| AppError::NotFound("not found".into()))?;
        let entries = domain::messages(db, &chat.id, &MastodonPage::from(page)).await?;
        Ok(entries.into_iter().map(ChatMessage).collect())
    }
}

/// A message to post in one of the caller's chats.
#[derive(InputObject)]
pub struct PostChatMessageInput {
    /// The chat.
    pub chat_id: ID,
    /// Plain text (escaped; line breaks kept); may be left out when `mediaId` is given.
    pub content: Option<String>,
    /// One of the caller's uploads to attach.
    pub media_id: Option<ID>,
    /// The same key from the same author gives back the message it made (`Idempotency-Key`).
    pub idempotency_key: Option<String>,
}

/// One message of one chat.
#[derive(InputObject)]
pub struct ChatMessageInput {
    /// The chat.
    pub chat_id: ID,
    /// The message's id in that chat.
    pub message_id: ID,
}

/// Mark a chat read up to a message.
#[derive(InputObject)]
pub struct MarkChatReadInput {
    /// The chat.
    pub chat_id: ID,
    /// Messages up to and including this one become read.
    pub last_read_id: ID,
}

/// A chat, as a mutation left it.
#[derive(SimpleObject)]
pub struct ChatPayload {
    /// The chat.
    pub chat: Chat,
}

/// A chat message, as a mutation left it (a deleted one as it was).
#[derive(SimpleObject)]
pub struct ChatMessagePayload {
    /// The message.
    pub message: ChatMessage,
}

/// Chat changes.
#[derive(Default)]
pub struct ChatsMutation;

#[Object]
impl ChatsMutation {
    /// The caller's chat with an account, created when there is none (`NOT_FOUND` "Record not
    /// found" for an unknown account).
    async fn create_chat(&self, ctx: &Context<'_>, account_id: ID) -> async_graphql::Result<ChatPayload> {
        let owner = ctx.viewer().require_user()?;
        let db = &ctx.db().write;
        let other = crate::domain::users::by_ids(db, std::slice::from_ref(&account_id.0))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound(domain::RECORD_NOT_FOUND.into()))?;
        Ok(ChatPayload { chat: Chat(domain::get_or_create(db, &owner.id, &other.id).await?) })
    }

    /// Post a message in one of the caller's chats. Refusals are `BAD_REQUEST` with Pleroma's
    /// words: `no_content`, `content_too_long`, `actor is blocked by recipient`, ….
    async fn post_chat_message(
        &self,
        ctx: &Context<'_>,
        input: PostChatMessageInput,
    ) -> async_graphql::Result<ChatMessagePayload> {
        let author = ctx.viewer().require_user()?.clone();
        let new = NewMessage {
            content: input.content,
            media_id: input.media_id.map(|id| id.0),
            idempotency_key: input.idempotency_key,
        };
        let entry = domain::post(ctx.db(), ctx.settings(), &author, &input.chat_id, new).await?;
        Ok(ChatMessagePayload { message: ChatMessage(entry) })
    }

    /// Delete a message of one of the caller's chats: their own for both parties, someone
    /// else's from their chat only (`BAD_REQUEST` "could_not_delete" when there is no such
    /// message in that chat).
    async fn delete_chat_message(
        &self,
        ctx: &Context<'_>,
        input: ChatMessageInput,
    ) -> async_graphql::Result<ChatMessagePayload> {
        let owner = ctx.viewer().require_user()?.clone();
        let entry = domain::delete(ctx.db(), ChatDeleter::Owner(&owner), &input.chat_id, &input.message_id).await?;
        Ok(ChatMessagePayload { message: ChatMessage(entry) })
    }

    /// Mark the caller's chat read up to a message; returns the chat.
    async fn mark_chat_read(&self, ctx: &Context<'_>, input: MarkChatReadInput) -> async_graphql::Result<ChatPayload> {
        let owner = ctx.viewer().require_user()?;
        let chat = domain::mark_read(ctx.db(), &owner.id, &input.chat_id, &input.last_read_id).await?;
        Ok(ChatPayload { chat: Chat(chat) })
    }

    /// Mark one message of the caller's chat read.
    async fn mark_chat_message_read(
        &self,
        ctx: &Context<'_>,
        input: ChatMessageInput,
    ) -> async_graphql::Result<ChatMessagePayload> {
        let owner = ctx.viewer().require_user()?;
        let entry = domain::mark_message_read(ctx.db(), &owner.id, &input.chat_id, &input.message_id).await?;
        Ok(ChatMessagePayload { message: ChatMessage(entry) })
    }

    /// Delete anyone's chat message for both parties (staff holding `messages_delete`), logged
    /// as `chat_message_delete`; `BAD_REQUEST` "could_not_delete" when there is no such message
    /// in that chat.
    async fn delete_chat_message_as_staff(
        &self,
        ctx: &Context<'_>,
        input: ChatMessageInput,
    ) -> async_graphql::Result<ChatMessagePayload> {
        let staff = ctx.viewer().require_user()?.clone();
        let entry = domain::delete(ctx.db(), ChatDeleter::Staff(&staff), &input.chat_id, &input.message_id).await?;
        Ok(ChatMessagePayload { message: ChatMessage(entry) })
    }
}
