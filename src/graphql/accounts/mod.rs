//! Accounts as Mastodon clients see them (Pleroma's `AccountView`), the caller's own account
//! (`GET /api/v1/accounts/verify_credentials`), and the caller's follows, blocks and mutes.
mod directory;
mod follow_requests;
mod profile;
mod types;

use async_graphql::{Context, InputObject, MergedObject, Object, SimpleObject, ID};
pub use directory::*;
pub use follow_requests::*;
pub use profile::*;
pub use types::*;

use super::{
    pagination::{whole_connection, KeysetConnection},
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::relationships::{self as domain, Change},
    error::AppError,
};

/// The admin side of any account (email, roles, registration reason, …) holds what
/// `GET /api/v1/pleroma/admin/users/:nickname` shows, under that route's privilege and scope.
pub const ADMIN_USER: Access = Access::Staff(Privilege::UsersRead, &["admin:read:accounts"]);

/// Root fields whose REST routes show the admin side of the accounts they embed (Pleroma's admin
/// report and status views are `AdminAccount`s, `fragments.graphql`): under them the root's own
/// rule (reports or statuses privilege and scope) stands in for [`ADMIN_USER`]. Under every
/// other root — `account`, a user's own reports or chats, a status — [`ADMIN_USER`] applies.
pub const WITHIN: &[super::Within] = &[(
    "Account",
    "adminUser",
    &[
        ("Query", "reports"),
        ("Query", "report"),
        ("Query", "groupedReports"),
        ("Query", "adminStatus"),
        ("Query", "statuses"),
    ],
)];

const FOLLOWS: &[&str] = &["follow", "write:follows"];
const BLOCKS: &[&str] = &["follow", "write:blocks"];
const MUTES: &[&str] = &["follow", "write:mutes"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "myAccount", Access::User(&["read:accounts"])),
    ("Query", "account", Access::Public),
    ("Query", "relationships", Access::User(&["read:follows"])),
    ("Account", "adminUser", ADMIN_USER),
    ("Mutation", "followAccount", Access::User(FOLLOWS)),
    ("Mutation", "unfollowAccount", Access::User(FOLLOWS)),
    ("Mutation", "blockAccount", Access::User(BLOCKS)),
    ("Mutation", "unblockAccount", Access::User(BLOCKS)),
    ("Mutation", "muteAccount", Access::User(MUTES)),
    ("Mutation", "unmuteAccount", Access::User(MUTES)),
    // Issue 25: lookup and search (`read:search` optional, as Pleroma's fallback), endorsements,
    // birthdays, the federation status; subscriptions, endorsing, the profile.
    ("Query", "lookupAccount", Access::Public),
    ("Query", "searchAccounts", Access::Public),
    ("Query", "search", Access::Public),
    ("Query", "accountEndorsements", Access::Public),
    ("Query", "myEndorsements", Access::User(&["read:accounts"])),
    ("Query", "birthdays", Access::User(&["read:accounts"])),
    ("Query", "unreachableInstances", Access::Public),
    // Issue 27: what federation knows of a remote host (its nodeinfo is public anyway).
    ("Query", "remoteInstance", Access::Public),
    ("Mutation", "subscribeAccount", Access::User(FOLLOWS)),
    ("Mutation", "unsubscribeAccount", Access::User(FOLLOWS)),
    ("Mutation", "endorseAccount", Access::User(&["write:accounts"])),
    ("Mutation", "unendorseAccount", Access::User(&["write:accounts"])),
    ("Mutation", "updateOwnProfile", Access::User(&["write:accounts"])),
    ("Mutation", "remoteInteraction", Access::Public),
    // Issue 27: resolving a remote account fetches over the network: callers only.
    ("Mutation", "resolveAccount", Access::User(&["read:search"])),
    // Follow requests (Mastodon's FollowRequestController scopes).
    ("Query", "followRequests", Access::User(&["follow", "read:follows"])),
    ("Mutation", "authorizeFollowRequest", Access::User(FOLLOWS)),
    ("Mutation", "rejectFollowRequest", Access::User(FOLLOWS)),
];

/// How the caller stands with another account (Mastodon's Relationship).
#[derive(SimpleObject)]
pub struct Relationship {
    /// The other account's id.
    pub id: ID,
    /// The caller follows it.
    pub following: bool,
    /// It follows the caller.
    pub followed_by: bool,
    /// The caller blocks it.
    pub blocking: bool,
    /// It blocks the caller.
    pub blocked_by: bool,
    /// The caller mutes it.
    pub muting: bool,
    /// The caller mutes its notifications too.
    pub muting_notifications: bool,
    /// The caller is notified of its posts (Pleroma's subscription).
    pub subscribing: bool,
    /// The caller is notified of its posts.
    pub notifying: bool,
    /// The caller asked to follow this locked account and waits for its answer.
    pub requested: bool,
    /// The caller blocks its domain (domain blocks are not recorded: `false`).
    pub domain_blocking: bool,
    /// The caller sees its reblogs.
    pub showing_reblogs: bool,
    /// The caller features it on their profile.
    pub endorsed: bool,
    /// The caller's private note on it (`""`).
    pub note: String,
}

impl From<domain::Relationship> for Relationship {
    fn from(r: domain::Relationship) -> Self {
        Relationship {
            id: ID(r.id),
            following: r.following,
            followed_by: r.followed_by,
            blocking: r.blocking,
            blocked_by: r.blocked_by,
            muting: r.muting,
            muting_notifications: r.muting_notifications,
            subscribing: r.notifying,
            notifying: r.notifying,
            requested: r.requested,
            domain_blocking: false,
            showing_reblogs: r.showing_reblogs,
            endorsed: r.endorsed,
            note: String::new(),
        }
    }
}

/// Account reads: this module's, lookups and searches.
#[derive(MergedObject, Default)]
pub struct AccountsQuery(AccountsCoreQuery, DirectoryQuery, FollowRequestsQuery);

/// Account changes: follows, blocks and mutes; subscriptions and endorsements; the profile.
#[derive(MergedObject, Default)]
pub struct AccountsMutation(AccountsCoreMutation, DirectoryMutation, ProfileMutation, FollowRequestsMutation);

/// The caller's own account, accounts by id, relationships.
#[derive(Default)]
pub struct AccountsCoreQuery;

fn record_not_found(err: AppError) -> AppError {
    match err {
        AppError::NotFound(_) => AppError::NotFound("Record not found".into()),
        other => other,
    }
}

#[Object]
impl AccountsCoreQuery {
    /// The authenticated user's own account, with the fields only its owner sees.
    async fn my_account(&self, ctx: &Context<'_>) -> async_graphql::Result<Account> {
        let viewer = ctx.viewer().require_user()?;
        // One statement: the fresh row (its counters) and what only the owner sees.
        match crate::domain::users::own_reads(&ctx.db().read, &viewer.id).await? {
            Some(reads) => Ok(Account::own(ctx, reads).await),
            None => Ok(Account::new(viewer.clone())),
        }
    }

    /// An account by id or nickname (`null` when there is none, or when it is deactivated and
    /// the caller is neither its owner nor staff who manage activation state).
    async fn account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id (or a local nickname).")] id: ID,
    ) -> async_graphql::Result<Option<Account>> {
        let found = crate::domain::users::find_by_nickname_or_id(&ctx.db().read, &id).await?;
        let instance = &ctx.settings().instance;
        let visible = found.filter(|u| crate::domain::users::visible_for(u, ctx.viewer().user.as_ref(), instance));
        Ok(visible.map(Account::new))
    }

    /// The caller's relationships with these accounts, in the order given; unknown ids are
    /// left out.
    async fn relationships(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The other accounts' ids.")] ids: Vec<ID>,
    ) -> async_graphql::Result<RelationshipConnection> {
        let viewer = ctx.viewer().require_user()?;
        let ids: Vec<String> = ids.into_iter().map(|id| id.0).collect();
        let db = &ctx.db().read;
        let ids = domain::existing_ids(db, &ids).await?;
        let nodes = domain::of(db, &viewer.id, &ids).await?.into_iter().map(Relationship::from).collect();
        Ok(whole_connection(nodes, |r: &Relationship| r.id.0.clone()))
    }
}

/// The caller's relationships with the accounts asked for, in one page (its cursors are the
/// accounts' ids).
pub type RelationshipConnection = KeysetConnection<Relationship>;

/// A follow to make.
#[derive(InputObject)]
pub struct FollowAccountInput {
    /// The account (id or nickname).
    pub id: ID,
    /// See its reblogs (default true; kept as it was for an existing follow).
    pub reblogs: Option<bool>,
    /// Be notified of its posts (default false).
    pub notify: Option<bool>,
}

/// An account named by id or nickname.
#[derive(InputObject)]
pub struct AccountIdInput {
    /// The account (id or nickname).
    pub id: ID,
}

/// A mute to make.
#[derive(InputObject)]
pub struct MuteAccountInput {
    /// The account (id or nickname).
    pub id: ID,
    /// Mute its notifications too (default true).
    pub notifications: Option<bool>,
}

/// The relationship after a change.
#[derive(SimpleObject)]
pub struct RelationshipPayload {
    /// How the caller now stands with the account.
    pub relationship: Relationship,
}

async fn apply(ctx: &Context<'_>, id: &str, change: Change) -> async_graphql::Result<RelationshipPayload> {
    let viewer = ctx.viewer().require_user()?.clone();
    let target = domain::target(&ctx.db().read, id).await.map_err(record_not_found)?;
    if matches!(change, Change::Follow { .. }) && viewer.id != target.id {
        crate::domain::mrf::check_follow(&ctx.db().read, ctx.settings(), &viewer, &target).await?;
    }
    let relationship = domain::change(ctx.db(), &viewer, &target, change).await?;
    Ok(RelationshipPayload { relationship: relationship.into() })
}

/// The caller's follows, blocks and mutes. Unknown accounts are `NOT_FOUND`.
#[derive(Default)]
pub struct AccountsCoreMutation;

#[Object]
impl AccountsCoreMutation {
    /// Follow an account: at once, or as a pending request when it is locked. Following oneself is `BAD_REQUEST` ("Can not
    /// follow yourself"); a block either way is `FORBIDDEN`.
    async fn follow_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: FollowAccountInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        apply(ctx, &input.id, Change::Follow { reblogs: input.reblogs, notify: input.notify }).await
    }

    /// Stop following an account.
    async fn unfollow_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AccountIdInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        apply(ctx, &input.id, Change::Unfollow).await
    }

    /// Block an account: follows in both directions end.
    async fn block_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AccountIdInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        apply(ctx, &input.id, Change::Block).await
    }

    /// Unblock an account.
    async fn unblock_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AccountIdInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        apply(ctx, &input.id, Change::Unblock).await
    }

    /// Mute an account (and its notifications, unless `notifications: false`).
    async fn mute_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: MuteAccountInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        apply(ctx, &input.id, Change::Mute { notifications: input.notifications }).await
    }

    /// Unmute an account.
    async fn unmute_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AccountIdInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        apply(ctx, &input.id, Change::Unmute).await
    }
}
