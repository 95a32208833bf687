//! Favourites and emoji reactions: the mutations, a status's reactions, an account's favourites,
//! and the loaders that give every rendered status its `favourited`, `favouritesCount` and
//! `pleroma.emojiReactions` without a query per status.
mod loaders;

use async_graphql::{Context, InputObject, Object, ID};
pub use loaders::*;

use super::{
    accounts::Account,
    load_error,
    pagination::{from_an_id, keyset_connection, LazyTotal},
    statuses::{Status, StatusListConnection, StatusPageInput, StatusPayload},
    users::UserById,
    ContextExt, FieldRule,
};
use crate::{
    auth::Access,
    domain::{favourites as domain, statuses::MastodonPage},
    error::AppError,
};

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "statusReactions", Access::Public),
    ("Query", "accountFavourites", Access::Public),
    ("Query", "favourites", Access::User(&["read:favourites"])),
    ("Mutation", "favouriteStatus", Access::User(&["write:favourites"])),
    ("Mutation", "unfavouriteStatus", Access::User(&["write:favourites"])),
    ("Mutation", "reactToStatus", Access::User(&["write:statuses"])),
    ("Mutation", "unreactToStatus", Access::User(&["write:statuses"])),
];

/// One emoji's reactions to a status (Pleroma's `EmojiReactionView`).
pub struct EmojiReaction {
    group: domain::ReactionGroup,
}

impl EmojiReaction {
    fn reacted(&self, ctx: &Context<'_>) -> bool {
        ctx.viewer().user.as_ref().is_some_and(|v| self.group.user_ids.contains(&v.id))
    }
}

/// One emoji's reactions to a status: who reacted, latest first.
#[Object]
impl EmojiReaction {
    /// The unicode emoji, a custom emoji's shortcode, or `shortcode@host` for another
    /// instance's custom emoji.
    async fn name(&self, ctx: &Context<'_>) -> String {
        self.group.name(&ctx.settings().instance_url)
    }
    /// How many reacted with it (those the caller does not block or mute).
    async fn count(&self) -> u64 {
        self.group.user_ids.len() as u64
    }
    /// Whether the caller is one of them.
    async fn me(&self, ctx: &Context<'_>) -> bool {
        self.reacted(ctx)
    }
    /// The custom emoji's image (`null` for unicode emoji).
    async fn url(&self) -> Option<&str> {
        self.group.url.as_deref()
    }
    /// Ids of those who reacted.
    async fn account_ids(&self) -> Vec<ID> {
        self.group.user_ids.iter().cloned().map(ID).collect()
    }
    /// Those who reacted.
    async fn accounts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Account>> {
        let keys = self.group.user_ids.iter().map(|id| UserById(id.clone()));
        let mut found = ctx.loader().load_many(keys).await.map_err(load_error)?;
        Ok(self.group.user_ids.iter().filter_map(|id| found.remove(&UserById(id.clone()))).map(Account::new).collect())
    }
}

/// A status's reactions as the caller sees them: without those of accounts the caller blocks
/// or (unless `with_muted`) mutes, batched across the statuses of a request.
pub async fn reactions_for(
    ctx: &Context<'_>,
    status_id: &str,
    with_muted: bool,
) -> async_graphql::Result<Vec<EmojiReaction>> {
    let groups =
        ctx.loader().load_one(ReactionsOf(status_id.to_string())).await.map_err(load_error)?.unwrap_or_default();
    let groups = match ctx.viewer().user.as_ref() {
        Some(viewer) if !groups.is_empty() => {
            let (blocked, muted) =
                ctx.loader().load_one(HiddenBy(viewer.id.clone())).await.map_err(load_error)?.unwrap_or_default();
            domain::visible_groups(groups, &blocked, &muted, with_muted)
        }
        _ => groups,
    };
    Ok(groups.into_iter().map(|group| EmojiReaction { group }).collect())
}

/// Favourite and reaction reads.
#[derive(Default)]
pub struct FavouritesQuery;

#[Object]
impl FavouritesQuery {
    /// The reactions to a status, emoji in the order first used; only `emoji`'s when given.
    /// `[]` for an unknown status or one the caller may not see.
    async fn status_reactions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The status's id.")] id: ID,
        #[graphql(desc = "Only this emoji.")] emoji: Option<String>,
        #[graphql(desc = "Include reactions by accounts the caller mutes.")] with_muted: Option<bool>,
    ) -> async_graphql::Result<Vec<EmojiReaction>> {
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.as_str());
        let Some(status) = crate::domain::statuses::find_visible(&ctx.db().read, &id, viewer).await? else {
            return Ok(vec![]);
        };
        let all = reactions_for(ctx, &status.id, with_muted.unwrap_or(false)).await?;
        let instance_url = &ctx.settings().instance_url;
        Ok(match emoji {
            Some(raw) => all.into_iter().filter(|r| domain::names_group(&raw, &r.group, instance_url)).collect(),
            None => all,
        })
    }

    /// Statuses an account favourited that the caller may see, newest first. `NOT_FOUND` for an
    /// unknown account; `FORBIDDEN` "Can't get favorites" when the account hides them
    /// (`hideFavorites`, the default).
    async fn account_favourites(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id (or nickname).")] id: ID,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<StatusListConnection> {
        let db = &ctx.db().read;
        let owner = crate::domain::users::find_by_nickname_or_id(db, &id)
            .await?
            .ok_or_else(|| AppError::NotFound("Record not found".into()))?;
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.clone());
        let page = MastodonPage::from(page);
        let rows = domain::of_account(db, &owner, viewer.as_deref(), &page).await?;
        crate::graphql::statuses::prefetch::statuses(ctx, &rows).await?;
        Ok(favourited(ctx, &page, rows, owner.id, viewer))
    }

    /// The caller's favourites, newest status first.
    async fn favourites(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<StatusListConnection> {
        let user = ctx.viewer().require_user()?;
        let page = MastodonPage::from(page);
        let rows = domain::favourited_statuses(&ctx.db().read, &user.id, Some(&user.id), &page).await?;
        crate::graphql::statuses::prefetch::statuses(ctx, &rows).await?;
        Ok(favourited(ctx, &page, rows, user.id.clone(), Some(user.id.clone())))
    }
}

/// A page of the statuses `owner` favourited as a connection, the total (those `viewer` may
/// see) counted when asked.
fn favourited(
    ctx: &Context<'_>,
    page: &MastodonPage,
    rows: Vec<entity::status::Model>,
    owner: String,
    viewer: Option<String>,
) -> StatusListConnection {
    let db = ctx.db().read.clone();
    let total = LazyTotal::counted(page.size(), move || {
        let (db, owner, viewer) = (db.clone(), owner.clone(), viewer.clone());
        Box::pin(async move { domain::favourited_count(&db, &owner, viewer.as_deref()).await })
    });
    let nodes = rows.into_iter().map(Status::from_row).collect();
    keyset_connection(nodes, |s: &Status| s.row().id.clone(), from_an_id(page), total)
}

/// A status to favourite or unfavourite.
#[derive(InputObject)]
pub struct FavouriteInput {
    /// The status (a reblog stands for the reblogged status).
    pub id: ID,
}

/// A reaction to add or remove.
#[derive(InputObject)]
pub struct ReactionInput {
    /// The status.
    pub id: ID,
    /// A unicode emoji, or `:shortcode:` of a custom emoji.
    pub emoji: String,
}

/// Favourite and reaction changes.
#[derive(Default)]
pub struct FavouritesMutation;

#[Object]
impl FavouritesMutation {
    /// Favourite a status the caller may see (twice is once); its author is notified. Returns
    /// the status. `NOT_FOUND` for a status the caller may not see.
    async fn favourite_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: FavouriteInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::favourite(ctx.db(), &user, &input.id).await.map_err(record_not_found)?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }

    /// Undo the caller's favourite. `BAD_REQUEST` "Could not unfavorite" when there is none.
    async fn unfavourite_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: FavouriteInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::unfavourite(ctx.db(), &user, &input.id).await.map_err(record_not_found)?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }

    /// React to a status with a unicode emoji or a custom one; its author is notified.
    /// `BAD_REQUEST` "Could not add reaction emoji" for an unknown status or emoji.
    async fn react_to_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ReactionInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::react(ctx.db(), ctx.settings(), &user, &input.id, &input.emoji).await?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }

    /// Remove the caller's reaction. `BAD_REQUEST` "Could not remove reaction emoji" when there
    /// is none.
    async fn unreact_to_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ReactionInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::unreact(ctx.db(), &user, &input.id, &input.emoji).await?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }
}

fn record_not_found(err: AppError) -> AppError {
    match err {
        AppError::NotFound(_) => AppError::NotFound("Record not found".into()),
        other => other,
    }
}
