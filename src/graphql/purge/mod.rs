//! Purges: deleting a whole remote instance (its users and their statuses) in a durable job.
use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::{ContextExt, FieldRule};
use crate::{
    auth::{Access, Privilege},
    domain::purge,
    error::AppError,
};

/// Access rules of this area's fields. Either scope is enough (Pleroma's `:any` scope match).
pub const ACCESS: &[FieldRule] = &[(
    "Mutation",
    "deleteInstance",
    Access::Staff(Privilege::InstancesDelete, &["admin:write:accounts", "admin:write:statuses"]),
)];

/// Which instance to purge.
#[derive(InputObject)]
pub struct DeleteInstanceInput {
    /// The remote host, e.g. `lain.com`.
    pub instance: String,
}

/// The purge was queued.
#[derive(SimpleObject)]
pub struct DeleteInstancePayload {
    /// The host, as given.
    pub instance: String,
}

/// Purge mutations.
#[derive(Default)]
pub struct PurgeMutation;

#[Object]
impl PurgeMutation {
    /// Delete every user and status of a remote instance (Pleroma's
    /// `Instance.delete_users_and_activities`): answers at once; a durable background job
    /// purges each user of the host (a tombstone is kept, their statuses, media, follows,
    /// blocks, mutes and tokens are deleted). Pleroma writes no moderation-log entry for it.
    async fn delete_instance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DeleteInstanceInput,
    ) -> async_graphql::Result<DeleteInstancePayload> {
        let host = input.instance.trim();
        if host.is_empty() || host.contains('/') || host.contains(char::is_whitespace) {
            return Err(AppError::BadRequest("Invalid instance".into()).into());
        }
        purge::delete_instance(ctx.db(), host).await?;
        Ok(DeleteInstancePayload { instance: input.instance })
    }
}
