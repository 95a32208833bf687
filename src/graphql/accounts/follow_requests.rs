//! Follow requests to the caller's locked account (Mastodon's `FollowRequestController`).
use async_graphql::{Context, InputObject, Object};

use super::{Account, RelationshipPayload};
use crate::{domain::relationships as domain, error::AppError, graphql::ContextExt};

/// A follow request to answer.
#[derive(InputObject)]
pub struct FollowRequestInput {
    /// The requesting account's id.
    pub id: async_graphql::ID,
}

/// The caller's pending follow requests.
#[derive(Default)]
pub struct FollowRequestsQuery;

#[Object]
impl FollowRequestsQuery {
    /// Active accounts asking to follow the caller, newest request first.
    async fn follow_requests(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Account>> {
        let user = ctx.viewer().require_user()?;
        Ok(domain::follow_requests(&ctx.db().read, &user.id).await?.into_iter().map(Account::new).collect())
    }
}

/// Answering follow requests.
#[derive(Default)]
pub struct FollowRequestsMutation;

async fn answer(ctx: &Context<'_>, id: &str, accept: bool) -> async_graphql::Result<RelationshipPayload> {
    let viewer = ctx.viewer().require_user()?.clone();
    // Pleroma looks the follower up by id only; an unknown one is "Record not found".
    let follower = crate::domain::users::by_ids(&ctx.db().read, &[id.to_string()])
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound("Record not found".into()))?;
    let relationship =
        domain::answer_request(ctx.db(), &viewer.id, &follower.id, accept).await.map_err(|err| match err {
            AppError::NotFound(_) => AppError::NotFound("Record not found".into()),
            other => other,
        })?;
    Ok(RelationshipPayload { relationship: relationship.into() })
}

#[Object]
impl FollowRequestsMutation {
    /// Accept a follow request: the account follows the caller and the `follow_request`
    /// notification becomes `follow`. Answers the caller's relationship with the follower.
    /// `NOT_FOUND` when the account neither asked nor follows.
    async fn authorize_follow_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: FollowRequestInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        answer(ctx, &input.id, true).await
    }

    /// Reject a follow request (its notification goes too); rejecting an accepted follower
    /// ends its follow, as Pleroma's reject does. `NOT_FOUND` when the account neither asked
    /// nor follows.
    async fn reject_follow_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: FollowRequestInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        answer(ctx, &input.id, false).await
    }
}
