//! Chats: a user's one-to-one chats and their messages (Pleroma's chat API), and the staff view
//! of anyone's chats (`messages_read`, `messages_delete`).
mod loaders;
mod types;

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

pub use loaders::*;
pub use types::*;

use super::{
    pagination::{keyset_connection, whole_connection, KeysetConnection, LazyTotal},
    statuses::StatusPageInput,
    ContextExt, FieldRule,
};
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
        #[graphql(desc = "Include chats with accounts the caller mutes.")] with_muted: Option<bool>,
        #[graphql(desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`; \
                          without it, every chat.")]
        page: Option<StatusPageInput>,
    ) -> async_graphql::Result<ChatConnection> {
        let owner = ctx.viewer().require_user()?;
        let with_muted = with_muted.unwrap_or(false);
        let Some(page) = page.map(MastodonPage::from) else {
            let rows = domain::list(&ctx.db().read, &owner.id, with_muted, None).await?;
            return Ok(whole_connection(rows.into_iter().map(Chat).collect(), chat_id));
        };
        let rows = domain::list(&ctx.db().read, &owner.id, with_muted, Some(&page)).await?;
        let (db, owner_id) = (ctx.db().read.clone(), owner.id.clone());
        let total = LazyTotal::counted(page.size(), move || {
            let (db, owner_id) = (db.clone(), owner_id.clone());
            Box::pin(async move { Ok(domain::list(&db, &owner_id, with_muted, None).await?.len() as u64) })
        });
        let from_an_id = page.max_id.is_some() || page.min_id.is_some() || page.since_id.is_some();
        Ok(keyset_connection(rows.into_iter().map(Chat).collect(), chat_id, from_an_id, total))
    }

    /// One of the caller's chats (`NOT_FOUND` "Record not found" for anyone else's).
    async fn chat(&self, ctx: &Context<'_>, #[graphql(desc = "The chat's id.")] id: ID) -> async_graphql::Result<Chat> {
        let owner = ctx.viewer().require_user()?;
        Ok(Chat(domain::owned(&ctx.db().read, &owner.id, &id).await?))
    }

    /// Messages of one of the caller's chats, newest first (`NOT_FOUND` "Record not found" for
    /// anyone else's chat).
    async fn chat_messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The chat's id.")] chat_id: ID,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<ChatMessageConnection> {
        let owner = ctx.viewer().require_user()?;
        let chat = domain::owned(&ctx.db().read, &owner.id, &chat_id).await?;
        messages(ctx, chat.id, MastodonPage::from(page)).await
    }

    /// Every chat of a user (nickname or id), last active first (staff; `NOT_FOUND` for an
    /// unknown user).
    async fn user_chats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user (id or nickname).")] user: String,
    ) -> async_graphql::Result<ChatConnection> {
        let db = &ctx.db().read;
        let owner = crate::domain::users::find_by_nickname_or_id(db, &user).await?.ok_or_else(AppError::not_found)?;
        Ok(whole_connection(domain::of_user(db, &owner.id).await?.into_iter().map(Chat).collect(), chat_id))
    }

    /// Any chat by id (staff); `null` when there is none.
    async fn admin_chat(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The chat's id.")] id: ID,
    ) -> async_graphql::Result<Option<Chat>> {
        Ok(domain::find(&ctx.db().read, &id).await?.map(Chat))
    }

    /// Messages of any chat, newest first (staff; `NOT_FOUND` "not found" for an unknown chat).
    async fn admin_chat_messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The chat's id.")] chat_id: ID,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<ChatMessageConnection> {
        let db = &ctx.db().read;
        let chat = domain::find(db, &chat_id).await?.ok_or_else(|| AppError::NotFound("not found".into()))?;
        messages(ctx, chat.id, MastodonPage::from(page)).await
    }
}

/// A page of chats, last active first, with the total counted when asked.
pub type ChatConnection = KeysetConnection<Chat>;
/// A page of a chat's messages, newest first, with the total counted when asked.
pub type ChatMessageConnection = KeysetConnection<ChatMessage>;

fn chat_id(chat: &Chat) -> String {
    chat.0.id.clone()
}

/// A page of a chat's messages as a connection.
async fn messages(
    ctx: &Context<'_>,
    chat_id: String,
    page: MastodonPage,
) -> async_graphql::Result<ChatMessageConnection> {
    let entries = domain::messages(&ctx.db().read, &chat_id, &page).await?;
    let db = ctx.db().read.clone();
    let total = LazyTotal::counted(page.size(), move || {
        let (db, chat_id) = (db.clone(), chat_id.clone());
        Box::pin(async move { domain::message_count(&db, &chat_id).await })
    });
    let from_an_id = page.max_id.is_some() || page.min_id.is_some() || page.since_id.is_some();
    let nodes = entries.into_iter().map(ChatMessage).collect();
    Ok(keyset_connection(nodes, |m: &ChatMessage| m.0.reference.id.clone(), from_an_id, total))
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

/// The account to chat with.
#[derive(InputObject)]
pub struct CreateChatInput {
    /// The other account's id.
    pub account_id: ID,
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
    async fn create_chat(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to chat with.")] input: CreateChatInput,
    ) -> async_graphql::Result<ChatPayload> {
        let account_id = input.account_id;
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: PostChatMessageInput,
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ChatMessageInput,
    ) -> async_graphql::Result<ChatMessagePayload> {
        let owner = ctx.viewer().require_user()?.clone();
        let entry = domain::delete(ctx.db(), ChatDeleter::Owner(&owner), &input.chat_id, &input.message_id).await?;
        Ok(ChatMessagePayload { message: ChatMessage(entry) })
    }

    /// Mark the caller's chat read up to a message; returns the chat.
    async fn mark_chat_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: MarkChatReadInput,
    ) -> async_graphql::Result<ChatPayload> {
        let owner = ctx.viewer().require_user()?;
        let chat = domain::mark_read(ctx.db(), &owner.id, &input.chat_id, &input.last_read_id).await?;
        Ok(ChatPayload { chat: Chat(chat) })
    }

    /// Mark one message of the caller's chat read.
    async fn mark_chat_message_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ChatMessageInput,
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ChatMessageInput,
    ) -> async_graphql::Result<ChatMessagePayload> {
        let staff = ctx.viewer().require_user()?.clone();
        let entry = domain::delete(ctx.db(), ChatDeleter::Staff(&staff), &input.chat_id, &input.message_id).await?;
        Ok(ChatMessagePayload { message: ChatMessage(entry) })
    }
}
