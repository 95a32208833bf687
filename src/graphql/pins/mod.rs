//! Pinned statuses: pin and unpin the caller's posts (Mastodon's `/api/v1/statuses/:id/pin`),
//! and the batched read of who pinned a status and when.
use std::{collections::HashMap, sync::Arc};

use async_graphql::{dataloader::Loader, Context, Object};
use chrono::{DateTime, Utc};

use super::{
    loaders::{DbLoader, LoadError},
    statuses::{Status, StatusIdInput, StatusPayload},
    ContextExt, FieldRule,
};
use crate::{auth::Access, domain::pins as domain};

/// Access rules of this area's fields (Pleroma's StatusController asks `write:accounts`).
pub const ACCESS: &[FieldRule] = &[
    ("Mutation", "pinStatus", Access::User(&["write:accounts"])),
    ("Mutation", "unpinStatus", Access::User(&["write:accounts"])),
];

/// Key: the pin of a status (by status id): who pinned it and when.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PinOf(pub String);

/// `None` for a status nobody pinned (cached too, so a page's prefetch can say so).
impl Loader<PinOf> for DbLoader {
    type Value = Option<(String, DateTime<Utc>)>;
    type Error = LoadError;

    async fn load(&self, keys: &[PinOf]) -> Result<HashMap<PinOf, Self::Value>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let mut found = domain::pins_of(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(ids.into_iter().map(|id| (PinOf(id.clone()), found.remove(&id))).collect())
    }
}

/// Pinning.
#[derive(Default)]
pub struct PinsMutation;

#[Object]
impl PinsMutation {
    /// Pin one of the caller's public or unlisted posts to their profile; pinning it again
    /// changes nothing. Someone else's post or a private one: `VALIDATION_FAILED`; beyond the
    /// instance's `max_pinned_statuses`: `BAD_REQUEST`; no such post: `NOT_FOUND`.
    async fn pin_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: StatusIdInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::pin(ctx.db(), ctx.settings(), &user, &input.id).await?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }

    /// Unpin a post (nothing to do when it is not pinned); `NOT_FOUND` when the caller cannot
    /// see it.
    async fn unpin_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: StatusIdInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::unpin(ctx.db(), &user, &input.id).await?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }
}
