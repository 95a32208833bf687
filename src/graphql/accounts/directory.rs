//! Finding accounts and what they feature: lookup, account and full-text search, endorsements,
//! birthdays, the federation status; subscribing to and endorsing accounts.
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};

use super::{Account, AccountIdInput, RelationshipPayload};
use crate::{
    domain::{
        accounts as domain,
        federation::{fetcher, resolve},
        relationships,
    },
    error::AppError,
    graphql::{
        pagination::{offset_connection, LazyTotal, OffsetConnection},
        scalars::DateTime,
        statuses::Status,
        ContextExt,
    },
};

/// A page of accounts found by a search, best match first; each cursor is the account's
/// position in the whole result, the total counted when asked.
pub type AccountConnection = OffsetConnection<Account>;

/// What a search looks for (all three when not given).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SearchType {
    /// Accounts.
    Accounts,
    /// Hashtags.
    Hashtags,
    /// Statuses.
    Statuses,
}

/// A hashtag a search names.
#[derive(SimpleObject)]
pub struct Hashtag {
    /// The tag without `#`.
    pub name: String,
    /// Its page on this instance (`/tag/<name>`).
    pub url: String,
}

/// What a search found (Mastodon's v2 `Search`).
#[derive(SimpleObject)]
pub struct SearchResults {
    /// Matching accounts.
    pub accounts: Vec<Account>,
    /// Matching statuses the caller may see.
    pub statuses: Vec<Status>,
    /// Hashtags the query names.
    pub hashtags: Vec<Hashtag>,
}

/// A remote instance federation cannot reach.
#[derive(SimpleObject)]
pub struct UnreachableInstance {
    /// Its host.
    pub host: String,
    /// Since when deliveries to it fail.
    pub since: DateTime,
}

/// A remote instance as federation knows it (Pleroma's `instances` row and its metadata).
#[derive(SimpleObject)]
pub struct RemoteInstance {
    /// Its host.
    pub host: String,
    /// When it was first seen (`null` for hosts seen before this was kept).
    pub first_seen_at: Option<DateTime>,
    /// Since when it fails to answer, if it does.
    pub unreachable_since: Option<DateTime>,
    /// The software its nodeinfo names (`software.name`), once read.
    pub software_name: Option<String>,
    /// Its version (`software.version`).
    pub software_version: Option<String>,
    /// Its source repository (`software.repository`).
    pub software_repository: Option<String>,
    /// When its nodeinfo was last asked for.
    pub metadata_updated_at: Option<DateTime>,
}

/// What to interact with, and from which remote account.
#[derive(InputObject)]
pub struct RemoteInteractionInput {
    /// The ActivityPub id of the profile or status.
    pub ap_id: String,
    /// The remote account, `nickname@host`.
    pub profile: String,
}

/// Which remote account to resolve.
#[derive(InputObject)]
pub struct ResolveAccountInput {
    /// `nick@host`, `@nick@host`, `acct:nick@host` or the actor's URL.
    pub query: String,
}

/// The account a resolution found.
#[derive(SimpleObject)]
pub struct ResolveAccountPayload {
    /// The account, stored (and fetched again when stale); `null` when nothing could be had.
    pub account: Option<Account>,
}

/// Where to go to interact with something from one's own remote account.
#[derive(SimpleObject)]
pub struct RemoteInteractionPayload {
    /// The remote instance's subscribe page for the object.
    pub url: String,
}

/// Account lookups and searches.
#[derive(Default)]
pub struct DirectoryQuery;

fn viewer<'a>(ctx: &'a Context<'_>) -> Option<&'a entity::user::Model> {
    ctx.viewer().user.as_ref()
}

#[Object]
impl DirectoryQuery {
    /// An account by its exact nickname (`alice`, `alice@remote.example`; `alice@<this host>`
    /// is the local `alice`). `NOT_FOUND` ("Can't find user") when there is none.
    async fn lookup_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`nickname` for a local account, `nickname@host` for a remote one.")] acct: String,
    ) -> async_graphql::Result<Account> {
        let found = domain::lookup(&ctx.db().read, ctx.settings(), &acct).await?;
        Ok(Account::new(found.ok_or_else(|| AppError::NotFound("Can't find user".into()))?))
    }

    /// Accounts whose nickname or display name contains a word of `query`, exact nickname first.
    /// With `resolve` and a caller, the remote account `query` names (`nick@host`, `@nick@host`,
    /// `acct:nick@host` or an actor URL) is fetched first when unknown or stale, and comes first.
    /// At most 40 (default 20).
    async fn search_accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The text to look for in nicknames and display names.")] query: String,
        #[graphql(desc = "Results (default 20, at most 40).")] limit: Option<u64>,
        #[graphql(desc = "Results skipped.")] offset: Option<u64>,
        #[graphql(desc = "Fetch the remote account the query names when unknown or stale (callers only).")]
        resolve: Option<bool>,
        #[graphql(desc = "Only accounts the caller follows.")] following: Option<bool>,
    ) -> async_graphql::Result<AccountConnection> {
        let query =
            Box::pin(resolve::search_query(ctx.db(), ctx.settings(), viewer(ctx), &query, resolve.unwrap_or(false)))
                .await?;
        let search = domain::AccountSearch { query, following: following.unwrap_or(false), limit, offset };
        let found = domain::search_accounts(&ctx.db().read, ctx.settings(), viewer(ctx), &search).await?;
        let settings = ctx.data_unchecked::<std::sync::Arc<crate::config::Settings>>().clone();
        let (db, searcher) = (ctx.db().read.clone(), viewer(ctx).cloned());
        let (size, skipped) = (search.limit(), search.offset.unwrap_or(0));
        let total = LazyTotal::counted(size, move || {
            let (db, settings, searcher, search) = (db.clone(), settings.clone(), searcher.clone(), search.clone());
            Box::pin(async move { domain::search_accounts_count(&db, &settings, searcher.as_ref(), &search).await })
        });
        Ok(offset_connection(found.into_iter().map(Account::new).collect(), skipped, total))
    }

    /// Accounts, statuses and hashtags matching `query` (Pleroma's `SearchController`):
    /// statuses hold every word and are those the caller may see; blocks either way are left
    /// out. `type` narrows it to one kind; `accountId` to one author's statuses.
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The text to look for (words, `#tag`, `@nickname@host` or a URL).")] query: String,
        #[graphql(name = "type", desc = "Only this kind of result (default: all three).")] kind: Option<SearchType>,
        #[graphql(
            desc = "Fetch the remote account the query names when unknown or stale, or the status a URL names (callers only)."
        )]
        resolve: Option<bool>,
        #[graphql(desc = "Results of each kind (default 20, at most 40).")] limit: Option<u64>,
        #[graphql(desc = "Results of each kind skipped.")] offset: Option<u64>,
        #[graphql(desc = "Only statuses by this account.")] account_id: Option<ID>,
        #[graphql(desc = "Only accounts and statuses of accounts the caller follows.")] following: Option<bool>,
    ) -> async_graphql::Result<SearchResults> {
        let db = &ctx.db().read;
        let wants = |k: SearchType| kind.is_none_or(|t| t == k);
        let query = query.trim().to_string();
        let account_query = if wants(SearchType::Accounts) {
            Box::pin(resolve::search_query(ctx.db(), ctx.settings(), viewer(ctx), &query, resolve.unwrap_or(false)))
                .await?
        } else {
            query.clone()
        };
        let following = following.unwrap_or(false);
        let accounts = if wants(SearchType::Accounts) {
            let search = domain::AccountSearch { query: account_query, following, limit, offset };
            domain::search_accounts(db, ctx.settings(), viewer(ctx), &search)
                .await?
                .into_iter()
                .map(Account::new)
                .collect()
        } else {
            vec![]
        };
        let statuses = if wants(SearchType::Statuses) {
            let author = match account_id {
                Some(id) => {
                    Some(crate::domain::users::find_by_nickname_or_id(db, &id).await?.map_or(String::new(), |u| u.id))
                }
                None => None,
            };
            let search = domain::StatusSearch { query: query.clone(), author_id: author, following, limit, offset };
            let mut rows = domain::search_statuses(db, viewer(ctx), &search).await?;
            let url = fetcher::searched(ctx.db(), ctx.settings(), viewer(ctx), &query, resolve.unwrap_or(false));
            if let Some(found) = Box::pin(url).await? {
                rows.retain(|r| r.id != found.id);
                rows.insert(0, found);
            }
            crate::graphql::statuses::prefetch::statuses(ctx, &rows).await?;
            rows.into_iter().map(Status::from_row).collect()
        } else {
            vec![]
        };
        let hashtags = if wants(SearchType::Hashtags) {
            let base = &ctx.settings().instance_url;
            domain::search_hashtags(&query, offset, limit)
                .into_iter()
                .map(|name| Hashtag { url: format!("{base}/tag/{name}"), name })
                .collect()
        } else {
            vec![]
        };
        Ok(SearchResults { accounts, statuses, hashtags })
    }

    /// The active accounts an account features on its profile (`NOT_FOUND` "Record not found"
    /// for an unknown account).
    async fn account_endorsements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] id: ID,
    ) -> async_graphql::Result<Vec<Account>> {
        let db = &ctx.db().read;
        let account = domain::account(db, &id).await?;
        Ok(domain::endorsed_by(db, &account.id).await?.into_iter().map(Account::new).collect())
    }

    /// The active accounts the caller features on their profile.
    async fn my_endorsements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Account>> {
        let user = ctx.viewer().require_user()?;
        Ok(domain::endorsed_by(&ctx.db().read, &user.id).await?.into_iter().map(Account::new).collect())
    }

    /// Accounts the caller follows that show their birthday and have it on this day of this
    /// month.
    async fn birthdays(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Day of the month (1–31).")] day: u32,
        #[graphql(desc = "Month (1–12).")] month: u32,
    ) -> async_graphql::Result<Vec<Account>> {
        let user = ctx.viewer().require_user()?;
        Ok(domain::birthdays(&ctx.db().read, &user.id, day, month).await?.into_iter().map(Account::new).collect())
    }

    /// A remote instance federation has seen: first seen, reachability and the software its
    /// nodeinfo names (read once in the background). `null` for a host never seen.
    async fn remote_instance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The instance's host (without port).")] host: String,
    ) -> async_graphql::Result<Option<RemoteInstance>> {
        let found = crate::domain::federation::instances::find(ctx.db(), &host).await?;
        Ok(found.map(|row| RemoteInstance {
            host: row.host,
            first_seen_at: row.inserted_at.map(DateTime),
            unreachable_since: row.unreachable_since.map(DateTime),
            software_name: row.software_name,
            software_version: row.software_version,
            software_repository: row.software_repository,
            metadata_updated_at: row.metadata_updated_at.map(DateTime),
        }))
    }

    /// Remote instances federation currently cannot reach, by host.
    async fn unreachable_instances(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UnreachableInstance>> {
        let found =
            domain::unreachable_instances(&ctx.db().read, ctx.settings().limits.federation_reachability_timeout_days)
                .await?;
        Ok(found.into_iter().map(|(host, since)| UnreachableInstance { host, since: DateTime(since) }).collect())
    }
}

/// Subscriptions and endorsements.
#[derive(Default)]
pub struct DirectoryMutation;

/// What a directory mutation does to the caller's relationship with an account.
#[derive(Clone, Copy)]
enum Change {
    Subscribe,
    Unsubscribe,
    Endorse,
    Unendorse,
}

/// Applies `change` from the caller to the account `id`, then answers the relationship as it
/// now stands (read from the primary, which the change just wrote).
async fn change(ctx: &Context<'_>, id: &ID, change: Change) -> async_graphql::Result<RelationshipPayload> {
    let viewer = ctx.viewer().require_user()?.clone();
    let target = domain::account(&ctx.db().read, id).await?;
    match change {
        Change::Subscribe => domain::subscribe(ctx.db(), &viewer, &target).await?,
        Change::Unsubscribe => domain::unsubscribe(ctx.db(), &viewer, &target).await?,
        Change::Endorse => {
            domain::endorse(ctx.db(), ctx.settings().limits.max_endorsed_users, &viewer, &target).await?
        }
        Change::Unendorse => domain::unendorse(ctx.db(), &viewer, &target).await?,
    }
    let found = relationships::of(&ctx.db().write, &viewer.id, std::slice::from_ref(&target.id)).await?;
    Ok(RelationshipPayload { relationship: found.into_iter().next().unwrap_or_default().into() })
}

#[Object]
impl DirectoryMutation {
    /// Be notified of an account's posts without following it (Pleroma's subscription;
    /// deprecated in favour of `followAccount(notify: true)`). `FORBIDDEN` when it blocks the
    /// caller, `NOT_FOUND` ("Record not found") for an unknown account.
    async fn subscribe_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AccountIdInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        change(ctx, &input.id, Change::Subscribe).await
    }

    /// Stop being notified of an account's posts.
    async fn unsubscribe_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AccountIdInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        change(ctx, &input.id, Change::Unsubscribe).await
    }

    /// Feature a followed account on the caller's profile (Mastodon's pin). `BAD_REQUEST` when
    /// the caller does not follow it ("Could not endorse: You are not following alice") or
    /// already features `:instance, :max_endorsed_users` (default 20).
    async fn endorse_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AccountIdInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        change(ctx, &input.id, Change::Endorse).await
    }

    /// Where a remote account (`alice@remote.example`) interacts with an object of this
    /// instance: its WebFinger subscribe template with `{uri}` filled in. `BAD_REQUEST`
    /// ("Couldn't find user") when the account cannot be fingered.
    async fn remote_interaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object and the remote account.")] input: RemoteInteractionInput,
    ) -> async_graphql::Result<RemoteInteractionPayload> {
        let url = domain::remote_interaction_url(ctx.settings(), &input.profile, &input.ap_id).await?;
        Ok(RemoteInteractionPayload { url })
    }

    /// Find a remote account by WebFinger and actor fetch (Pleroma's `User.get_or_fetch`) and
    /// store it; a stored one older than a day is fetched again. A host whose last fetch failed
    /// is not asked again for an hour. `account` is `null` when nothing could be had.
    async fn resolve_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ResolveAccountInput,
    ) -> async_graphql::Result<ResolveAccountPayload> {
        let found = Box::pin(resolve::account(ctx.db(), ctx.settings(), &input.query)).await?;
        Ok(ResolveAccountPayload { account: found.map(Account::new) })
    }

    /// Stop featuring an account.
    async fn unendorse_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AccountIdInput,
    ) -> async_graphql::Result<RelationshipPayload> {
        change(ctx, &input.id, Change::Unendorse).await
    }
}
