//! Statuses: posting, reading what the caller may see, reblogs, and the staff views.
mod loaders;
mod types;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
pub use loaders::*;
pub use types::*;

use super::{ContextExt, FieldRule};
use crate::{
    auth::{Access, Privilege},
    domain::statuses::{self as domain, NewStatus},
    error::AppError,
};

const READ_STATUSES: &[&str] = &["admin:read:statuses"];
const WRITE_STATUSES: &[&str] = &["write:statuses"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "status", Access::Public),
    ("Query", "adminStatus", Access::Staff(Privilege::MessagesRead, READ_STATUSES)),
    ("Mutation", "createStatus", Access::User(WRITE_STATUSES)),
];

/// Who may see a status.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum StatusVisibility {
    /// Everyone, and listed on public timelines.
    Public,
    /// Everyone, but not listed on public timelines.
    Unlisted,
    /// The author's followers and mentioned users.
    Private,
    /// Mentioned users only.
    Direct,
}

impl StatusVisibility {
    /// Pleroma's name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusVisibility::Public => "public",
            StatusVisibility::Unlisted => "unlisted",
            StatusVisibility::Private => "private",
            StatusVisibility::Direct => "direct",
        }
    }
}

/// Status reads.
#[derive(Default)]
pub struct StatusesQuery;

#[Object]
impl StatusesQuery {
    /// One status, when the caller may see it (`null` otherwise): public and unlisted statuses
    /// to anyone, private ones to the author's followers and mentioned users, direct ones to
    /// mentioned users; always to the author.
    async fn status(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Status>> {
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.as_str());
        Ok(domain::find_visible(&ctx.db().read, &id, viewer).await?.map(Status::from_row))
    }

    /// One status whatever its visibility (staff), `null` when there is none.
    async fn admin_status(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Status>> {
        Ok(domain::find(&ctx.db().read, &id).await?.map(Status::from_row))
    }
}

/// A new status.
#[derive(InputObject)]
pub struct CreateStatusInput {
    /// The text; may be empty when media are attached.
    pub status: Option<String>,
    /// Ids of the caller's uploads to attach.
    pub media_ids: Option<Vec<ID>>,
    /// The status replied to (the reply joins its thread and mentions its author).
    pub in_reply_to_id: Option<ID>,
    /// The status quoted.
    pub quote_id: Option<ID>,
    /// Mark the media sensitive.
    pub sensitive: Option<bool>,
    /// Content warning.
    pub spoiler_text: Option<String>,
    /// Who may see it; a reply defaults to its parent's visibility, anything else to `PUBLIC`.
    pub visibility: Option<StatusVisibility>,
    /// `text/plain` (default), `text/markdown` or `text/html`.
    pub content_type: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// The same key from the same author gives back the status it made (`Idempotency-Key`).
    pub idempotency_key: Option<String>,
}

/// The posted status.
#[derive(SimpleObject)]
pub struct CreateStatusPayload {
    /// The status (the earlier one when the idempotency key was used before).
    pub status: Status,
}

/// Status-changing actions.
#[derive(Default)]
pub struct StatusesMutation;

#[Object]
impl StatusesMutation {
    /// Post a status as the caller. Mentions (`@nick`, `@nick@domain`) are linked and
    /// addressed; HTML is sanitised. An empty status without media fails with
    /// `VALIDATION_FAILED` ("Cannot post an empty status without attachments").
    async fn create_status(
        &self,
        ctx: &Context<'_>,
        input: CreateStatusInput,
    ) -> async_graphql::Result<CreateStatusPayload> {
        let author = ctx.viewer().require_user()?.clone();
        let new = NewStatus {
            status: input.status,
            media_ids: input.media_ids.unwrap_or_default().into_iter().map(|id| id.0).collect(),
            in_reply_to_id: input.in_reply_to_id.map(|id| id.0),
            quote_id: input.quote_id.map(|id| id.0),
            sensitive: input.sensitive,
            spoiler_text: input.spoiler_text,
            visibility: input.visibility.map(|v| v.as_str().to_string()),
            content_type: input.content_type,
            language: input.language,
            idempotency_key: input.idempotency_key,
        };
        let row = domain::create(ctx.db(), ctx.settings(), &author, new).await?;
        Ok(CreateStatusPayload { status: Status::from_row(row) })
    }
}

#[allow(dead_code)]
fn not_found() -> AppError {
    AppError::NotFound("Record not found".into())
}
