//! Threads: a status's context, and the caller's direct conversations (Pleroma's
//! `Conversation.Participation`: the id clients see is the participation's).
use std::collections::HashMap;

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use entity::conversation_participation as participation;

use super::{
    accounts::Account,
    load_error,
    pagination::{from_an_id, keyset_connection, KeysetConnection, LazyTotal},
    statuses::{prefetch, Status, StatusListConnection, StatusPageInput},
    users::UserById,
    ContextExt, FieldRule,
};
use crate::{
    auth::Access,
    domain::{conversations as domain, statuses::MastodonPage},
    error::AppError,
};

const READ_STATUSES: &[&str] = &["read:statuses"];
const WRITE_CONVERSATIONS: &[&str] = &["write:conversations"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "statusContext", Access::Public),
    ("Query", "conversations", Access::User(READ_STATUSES)),
    ("Query", "conversation", Access::User(READ_STATUSES)),
    ("Query", "conversationStatuses", Access::User(READ_STATUSES)),
    ("Mutation", "updateConversation", Access::User(WRITE_CONVERSATIONS)),
    ("Mutation", "markConversationRead", Access::User(WRITE_CONVERSATIONS)),
    ("Mutation", "markConversationsRead", Access::User(WRITE_CONVERSATIONS)),
    ("Mutation", "deleteConversation", Access::User(WRITE_CONVERSATIONS)),
];

/// A status's thread.
#[derive(SimpleObject)]
pub struct StatusContext {
    /// The posts before it, oldest first.
    pub ancestors: Vec<Status>,
    /// The posts after it, oldest first.
    pub descendants: Vec<Status>,
}

/// One of the caller's direct conversations.
pub struct Conversation {
    row: participation::Model,
    recipients: Vec<String>,
    last: Option<entity::status::Model>,
}

/// A direct conversation as its participant sees it.
#[Object]
impl Conversation {
    /// The participation's id (`pleroma.direct_conversation_id` of its statuses).
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// The other recipients (the caller alone when they are the only one).
    async fn accounts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Account>> {
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.as_str());
        let ids: Vec<&String> = if self.recipients.len() > 1 {
            self.recipients.iter().filter(|id| Some(id.as_str()) != viewer).collect()
        } else {
            self.recipients.iter().collect()
        };
        let users = ctx.loader().load_many(ids.iter().map(|id| UserById((*id).clone()))).await.map_err(load_error)?;
        Ok(ids.iter().filter_map(|id| users.get(&UserById((*id).clone())).cloned()).map(Account::new).collect())
    }
    /// Whether a status came since the caller last read it.
    async fn unread(&self) -> bool {
        !self.row.read
    }
    /// The newest direct status of the thread the caller may see.
    async fn last_status(&self) -> Option<Status> {
        self.last.clone().map(|row| Status::in_conversation(row, self.row.id))
    }
}

/// Conversations with their recipients and last statuses, in three statements whatever their
/// number; with `drop_empty`, those without a direct status the caller may see are left out (as
/// Pleroma's list does).
async fn conversations(
    ctx: &Context<'_>,
    viewer: &str,
    rows: Vec<participation::Model>,
    drop_empty: bool,
) -> async_graphql::Result<Vec<Conversation>> {
    let db = &ctx.db().read;
    let conversation_ids: Vec<i64> = rows.iter().map(|p| p.conversation_id).collect();
    let contexts = if rows.is_empty() { HashMap::new() } else { domain::contexts(db, &conversation_ids).await? };
    let mut context_list: Vec<String> = contexts.values().cloned().collect();
    context_list.sort();
    context_list.dedup();
    let latest =
        if context_list.is_empty() { HashMap::new() } else { domain::latest_direct(db, viewer, &context_list).await? };
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let mut recipients = if ids.is_empty() { HashMap::new() } else { domain::recipients_of(db, &ids).await? };
    // Every account on the page (recipients and last statuses' authors) is loaded up front,
    // where both depths find it: the statements do not depend on how resolution batches.
    let mut user_ids: Vec<String> = recipients.values().flatten().cloned().collect();
    user_ids.extend(latest.values().map(|s| s.user_id.clone()));
    user_ids.sort();
    user_ids.dedup();
    let shown: Vec<entity::status::Model> = latest.values().cloned().collect();
    prefetch::statuses_and_accounts(ctx, &shown, &user_ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let last = contexts.get(&row.conversation_id).and_then(|c| latest.get(c)).cloned();
            if drop_empty && last.is_none() {
                return None;
            }
            let recipients = recipients.remove(&row.id).unwrap_or_default();
            Some(Conversation { row, recipients, last })
        })
        .collect())
}

fn viewer_id(ctx: &Context<'_>) -> async_graphql::Result<String> {
    Ok(ctx.viewer().require_user()?.id.clone())
}

/// A page of the caller's conversations, most recently active first; each cursor is its
/// conversation's id (the next page's `maxId`), the total counted when asked.
pub type ConversationConnection = KeysetConnection<Conversation>;

/// Thread reads.
#[derive(Default)]
pub struct ConversationsQuery;

#[Object]
impl ConversationsQuery {
    /// A status's thread as the caller sees it: every post of its context before and after it
    /// (visibility and blocks respected, reblogs left out), oldest first (Pleroma's
    /// `StatusController.context`, no limit). `NOT_FOUND` for an unknown status.
    async fn status_context(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The status's id.")] id: ID,
    ) -> async_graphql::Result<StatusContext> {
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.as_str());
        let (ancestors, descendants) = domain::context(&ctx.db().read, &id, viewer).await?;
        let all: Vec<entity::status::Model> = ancestors.iter().chain(descendants.iter()).cloned().collect();
        prefetch::statuses(ctx, &all).await?;
        Ok(StatusContext {
            ancestors: ancestors.into_iter().map(Status::from_row).collect(),
            descendants: descendants.into_iter().map(Status::from_row).collect(),
        })
    }

    /// The caller's direct conversations, most recently active first, paged Mastodon-style by
    /// conversation id (default 20, at most 40); `recipients` keeps those whose participants
    /// are exactly the caller and these accounts. Conversations without a direct status the
    /// caller may see are left out of the page.
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only conversations with exactly these accounts (ids) besides the caller.")]
        recipients: Option<Vec<ID>>,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<ConversationConnection> {
        let viewer = viewer_id(ctx)?;
        let recipients: Option<Vec<String>> = recipients.map(|r| r.into_iter().map(|id| id.0).collect());
        let page = MastodonPage::from(page);
        let rows = domain::page(&ctx.db().read, &viewer, recipients.as_deref(), &page).await?;
        let nodes = conversations(ctx, &viewer, rows, true).await?;
        let db = ctx.db().read.clone();
        let total = LazyTotal::counted(page.size(), move || {
            let (db, viewer, recipients) = (db.clone(), viewer.clone(), recipients.clone());
            Box::pin(async move { domain::count(&db, &viewer, recipients.as_deref()).await })
        });
        Ok(keyset_connection(nodes, |c: &Conversation| c.row.id.to_string(), from_an_id(&page), total))
    }

    /// One of the caller's conversations (`NOT_FOUND` "Unknown conversation id" otherwise).
    async fn conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation's id.")] id: ID,
    ) -> async_graphql::Result<Conversation> {
        let viewer = viewer_id(ctx)?;
        let row = domain::owned(&ctx.db().read, &viewer, &id).await?;
        Ok(conversations(ctx, &viewer, vec![row], false).await?.remove(0))
    }

    /// The statuses of one of the caller's conversations they may see (muted authors left
    /// out), a page newest first by status id, shown oldest first as Pleroma shows it
    /// (`NOT_FOUND` "Unknown conversation id" for anyone else's).
    async fn conversation_statuses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation's id.")] id: ID,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<StatusListConnection> {
        let viewer = viewer_id(ctx)?;
        let db = &ctx.db().read;
        let row = domain::owned(db, &viewer, &id).await?;
        let page = MastodonPage::from(page);
        let mut rows = domain::statuses(db, &viewer, &row, &page).await?;
        rows.reverse();
        prefetch::statuses(ctx, &rows).await?;
        let db = db.clone();
        let total = LazyTotal::counted(page.size(), move || {
            let (db, viewer, row) = (db.clone(), viewer.clone(), row.clone());
            Box::pin(async move { domain::status_count(&db, &viewer, &row).await })
        });
        let nodes = rows.into_iter().map(Status::from_row).collect();
        Ok(keyset_connection(nodes, |s: &Status| s.row().id.clone(), from_an_id(&page), total))
    }
}

/// New recipients of a conversation.
#[derive(InputObject)]
pub struct UpdateConversationInput {
    /// The conversation (participation) id.
    pub id: ID,
    /// Account ids; this replaces the recipients (the caller always stays one; unknown ids
    /// are dropped).
    pub recipients: Vec<ID>,
}

/// A conversation named by id.
#[derive(InputObject)]
pub struct ConversationIdInput {
    /// The conversation (participation) id.
    pub id: ID,
}

/// A conversation, after a change.
#[derive(SimpleObject)]
pub struct ConversationPayload {
    /// The conversation.
    pub conversation: Conversation,
}

/// Conversations marked read.
#[derive(SimpleObject)]
pub struct MarkConversationsReadPayload {
    /// Those that were unread, newest first.
    pub conversations: Vec<Conversation>,
}

/// A deleted conversation.
#[derive(SimpleObject)]
pub struct DeleteConversationPayload {
    /// Its id.
    pub id: ID,
}

/// Mastodon's 404 for a conversation that is not the caller's.
fn record_not_found(err: AppError) -> AppError {
    match err {
        AppError::NotFound(_) => AppError::NotFound("Record not found".into()),
        other => other,
    }
}

/// Conversation changes.
#[derive(Default)]
pub struct ConversationsMutation;

#[Object]
impl ConversationsMutation {
    /// Replace the recipients of one of the caller's conversations (`NOT_FOUND` "Unknown
    /// conversation id" for anyone else's).
    async fn update_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateConversationInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let viewer = viewer_id(ctx)?;
        let row = domain::owned(&ctx.db().write, &viewer, &input.id).await?;
        let ids: Vec<String> = input.recipients.into_iter().map(|id| id.0).collect();
        domain::set_recipients(ctx.db(), &row, &ids).await?;
        let conversation = conversations(ctx, &viewer, vec![row], false).await?.remove(0);
        Ok(ConversationPayload { conversation })
    }

    /// Mark one of the caller's conversations read (`NOT_FOUND` "Record not found" otherwise).
    async fn mark_conversation_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ConversationIdInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let viewer = viewer_id(ctx)?;
        let db = ctx.db();
        let row = domain::owned(&db.write, &viewer, &input.id).await.map_err(record_not_found)?;
        let row = domain::mark_read(&db.write, row).await?;
        let conversation = conversations(ctx, &viewer, vec![row], false).await?.remove(0);
        Ok(ConversationPayload { conversation })
    }

    /// Mark every unread conversation of the caller read; returns those marked.
    async fn mark_conversations_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<MarkConversationsReadPayload> {
        let viewer = viewer_id(ctx)?;
        let rows = domain::mark_all_read(ctx.db(), &viewer).await?;
        Ok(MarkConversationsReadPayload { conversations: conversations(ctx, &viewer, rows, false).await? })
    }

    /// Leave one of the caller's conversations (`NOT_FOUND` "Record not found" otherwise); a
    /// new status in the thread brings it back.
    async fn delete_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ConversationIdInput,
    ) -> async_graphql::Result<DeleteConversationPayload> {
        let viewer = viewer_id(ctx)?;
        let db = ctx.db();
        let row = domain::owned(&db.write, &viewer, &input.id).await.map_err(record_not_found)?;
        domain::delete(&db.write, &row).await?;
        Ok(DeleteConversationPayload { id: input.id })
    }
}
