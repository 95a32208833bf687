//! Scrobbles: what an account listens to (Pleroma's `Listen` activities).
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use entity::scrobble;

use super::{
    accounts::Account,
    pagination::{from_an_id, keyset_connection, KeysetConnection, LazyTotal},
    scalars::DateTime,
    statuses::{StatusPageInput, StatusVisibility},
    ContextExt, FieldRule,
};
use crate::{
    auth::Access,
    domain::{scrobbles as domain, statuses::MastodonPage},
    error::AppError,
};

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] =
    &[("Query", "accountScrobbles", Access::Public), ("Mutation", "createScrobble", Access::User(&["write"]))];

/// A scrobble.
pub struct Scrobble(pub scrobble::Model);

/// Tags stripped, as Pleroma's `HTML.strip_tags` shows the fields (missing: `""`).
fn stripped(text: Option<&str>) -> String {
    text.map(|t| ammonia::Builder::empty().clean(t).to_string()).unwrap_or_default()
}

/// Something an account listened to.
#[Object]
impl Scrobble {
    /// Flake id of the `Listen` activity.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The listener.
    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Account> {
        Account::required(ctx, &self.0.user_id, || format!("scrobble {}", self.0.id)).await
    }
    /// When it was posted.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// The title (tags stripped).
    async fn title(&self) -> String {
        stripped(self.0.title.as_deref())
    }
    /// The artist (tags stripped).
    async fn artist(&self) -> String {
        stripped(self.0.artist.as_deref())
    }
    /// The album (tags stripped).
    async fn album(&self) -> String {
        stripped(self.0.album.as_deref())
    }
    /// A URL of the media.
    async fn external_link(&self) -> Option<&str> {
        self.0.external_link.as_deref()
    }
    /// Length in milliseconds.
    async fn length(&self) -> Option<i64> {
        self.0.length
    }
    /// Who may see it.
    async fn visibility(&self) -> &str {
        &self.0.visibility
    }
}

/// A page of an account's scrobbles, newest first; each cursor is its scrobble's id (the next
/// page's `maxId`), the total counted when asked.
pub type ScrobbleConnection = KeysetConnection<Scrobble>;

/// Scrobble reads.
#[derive(Default)]
pub struct ScrobblesQuery;

#[Object]
impl ScrobblesQuery {
    /// An account's (id or nickname) scrobbles the caller may see, newest first, paged
    /// Mastodon-style (default 20, at most 40); `NOT_FOUND` for an unknown account.
    async fn account_scrobbles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id (or nickname).")] id: ID,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<ScrobbleConnection> {
        let db = &ctx.db().read;
        let user = crate::domain::users::find_by_nickname_or_id(db, &id)
            .await?
            .ok_or_else(|| AppError::NotFound("Record not found".into()))?;
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.clone());
        let page = MastodonPage::from(page);
        let rows = domain::of_user(db, &user.id, viewer.as_deref(), &page).await?;
        let db = db.clone();
        let total = LazyTotal::counted(page.size(), move || {
            let (db, user, viewer) = (db.clone(), user.id.clone(), viewer.clone());
            Box::pin(async move { domain::count_of_user(&db, &user, viewer.as_deref()).await })
        });
        let nodes = rows.into_iter().map(Scrobble).collect();
        Ok(keyset_connection(nodes, |s: &Scrobble| s.0.id.clone(), from_an_id(&page), total))
    }
}

/// A scrobble to post.
#[derive(InputObject)]
pub struct CreateScrobbleInput {
    /// The title of the media playing.
    pub title: String,
    /// The artist.
    pub artist: Option<String>,
    /// The album.
    pub album: Option<String>,
    /// Length in milliseconds.
    pub length: Option<i64>,
    /// A URL of the media.
    pub external_link: Option<String>,
    /// Who may see it (default `PUBLIC`).
    pub visibility: Option<StatusVisibility>,
}

/// The posted scrobble.
#[derive(SimpleObject)]
pub struct CreateScrobblePayload {
    /// The scrobble.
    pub scrobble: Scrobble,
}

/// Scrobble posting.
#[derive(Default)]
pub struct ScrobblesMutation;

#[Object]
impl ScrobblesMutation {
    /// Post a scrobble as the caller.
    async fn create_scrobble(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateScrobbleInput,
    ) -> async_graphql::Result<CreateScrobblePayload> {
        let user = ctx.viewer().require_user()?;
        let new = domain::NewScrobble {
            title: Some(input.title),
            artist: input.artist,
            album: input.album,
            length: input.length,
            external_link: input.external_link,
            visibility: input.visibility.map(|v| v.as_str().to_string()),
        };
        let row = domain::create(ctx.db(), ctx.settings(), &user.id, new).await?;
        Ok(CreateScrobblePayload { scrobble: Scrobble(row) })
    }
}
