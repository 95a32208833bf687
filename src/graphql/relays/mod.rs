//! Relays: the relay actor's follows of remote relays (ActivityPub).
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::relay_follow;

use super::{ContextExt, FieldRule};
use crate::{
    auth::Access,
    domain::{
        federation::relays::{self as domain, state},
        moderation_log::Actor,
    },
    error::AppError,
};

const WRITE_FOLLOWS: &[&str] = &["admin:write:follows"];

/// Access rules of this area's fields (Pleroma: admins only).
pub const ACCESS: &[FieldRule] = &[
    ("Query", "relays", Access::Admin(&["admin:read"])),
    ("Mutation", "followRelay", Access::Admin(WRITE_FOLLOWS)),
    ("Mutation", "unfollowRelay", Access::Admin(WRITE_FOLLOWS)),
];

/// Where a relay follow stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RelayState {
    /// Recorded; the `Follow` is being delivered (retried while the relay is unreachable).
    Pending,
    /// The relay answered with `Accept`.
    Accepted,
    /// The relay answered with `Reject`.
    Rejected,
    /// Every delivery attempt failed (the relay answered with an error or does not exist).
    Failed,
}

/// A relay the instance follows.
#[derive(SimpleObject)]
pub struct Relay {
    /// The relay's actor URL.
    pub actor: String,
    /// The relay accepted the follow.
    pub followed_back: bool,
    /// Where the follow stands.
    pub state: RelayState,
    /// Why the last delivery of the `Follow` failed, if it did.
    pub last_error: Option<String>,
    /// When the follow was recorded.
    pub inserted_at: DateTime<Utc>,
    /// When the follow last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<relay_follow::Model> for Relay {
    fn from(row: relay_follow::Model) -> Self {
        let state = match row.state.as_str() {
            state::ACCEPTED => RelayState::Accepted,
            state::REJECTED => RelayState::Rejected,
            state::FAILED => RelayState::Failed,
            _ => RelayState::Pending,
        };
        Relay {
            followed_back: state == RelayState::Accepted,
            actor: row.actor,
            state,
            last_error: row.last_error,
            inserted_at: row.inserted_at,
            updated_at: row.updated_at,
        }
    }
}

/// The relay to follow.
#[derive(InputObject)]
pub struct FollowRelayInput {
    /// The relay's actor URL.
    pub relay_url: String,
}

/// The outcome of `followRelay`.
#[derive(SimpleObject)]
pub struct FollowRelayPayload {
    /// The URL, as given.
    pub relay_url: String,
    /// The follow, when it was recorded; null when refused (see `error`).
    pub relay: Option<Relay>,
    /// Why the follow was refused (not an http(s) URL).
    pub error: Option<String>,
}

/// The relay to unfollow.
#[derive(InputObject)]
pub struct UnfollowRelayInput {
    /// The relay's actor URL.
    pub relay_url: String,
    /// Remove the follow even when the relay cannot be reached (default false).
    pub force: Option<bool>,
}

/// The outcome of `unfollowRelay`.
#[derive(SimpleObject)]
pub struct UnfollowRelayPayload {
    /// The URL, as given.
    pub relay_url: String,
    /// The follow was removed.
    pub unfollowed: bool,
    /// Why it was not (not followed, or the relay is unreachable without `force`).
    pub error: Option<String>,
}

/// Relay reads.
#[derive(Default)]
pub struct RelaysQuery;

#[Object]
impl RelaysQuery {
    /// The relays the instance follows, by actor URL.
    async fn relays(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Relay>> {
        Ok(domain::list(ctx.db()).await?.into_iter().map(Relay::from).collect())
    }
}

/// Relay mutations.
#[derive(Default)]
pub struct RelaysMutation;

fn refusal(err: AppError) -> async_graphql::Result<Option<String>> {
    match err {
        AppError::BadRequest(m) | AppError::NotFound(m) => Ok(Some(m)),
        other => Err(other.into()),
    }
}

#[Object]
impl RelaysMutation {
    /// Follow a relay: recorded at once as `PENDING`; a durable job resolves the relay's actor
    /// and delivers a signed `Follow`, retried with backoff while the relay is unreachable. Its
    /// `Accept` makes `followedBack` true. Following a relay again lists it once. Logged as
    /// `relay_follow`.
    async fn follow_relay(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: FollowRelayInput,
    ) -> async_graphql::Result<FollowRelayPayload> {
        let admin = Actor::from(ctx.viewer().require_user()?);
        let url = input.relay_url.trim().to_string();
        match domain::follow(ctx.db(), &ctx.settings().instance_url, &admin, &url).await {
            Ok(row) => Ok(FollowRelayPayload { relay_url: input.relay_url, relay: Some(row.into()), error: None }),
            Err(err) => Ok(FollowRelayPayload { relay_url: input.relay_url, relay: None, error: refusal(err)? }),
        }
    }

    /// Unfollow a relay: removed at once and a signed `Undo` delivered in a job. Without
    /// `force` the relay must be reachable. Logged as `relay_unfollow`.
    async fn unfollow_relay(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UnfollowRelayInput,
    ) -> async_graphql::Result<UnfollowRelayPayload> {
        let admin = Actor::from(ctx.viewer().require_user()?);
        let url = input.relay_url.trim().to_string();
        let force = input.force.unwrap_or(false);
        match domain::unfollow(ctx.db(), ctx.settings(), &admin, &url, force).await {
            Ok(()) => Ok(UnfollowRelayPayload { relay_url: input.relay_url, unfollowed: true, error: None }),
            Err(err) => {
                Ok(UnfollowRelayPayload { relay_url: input.relay_url, unfollowed: false, error: refusal(err)? })
            }
        }
    }
}
