//! The media proxy's banned URLs: list, unban, and purge (with or without banning).
use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    Context, InputObject, Object, SimpleObject,
};

use super::{
    pagination::{ListMeta, Window},
    ContextExt, FieldRule,
};
use crate::{auth::Access, domain::media_proxy};

const READ: &[&str] = &["admin:read:media_proxy_caches"];
const WRITE: &[&str] = &["admin:write:media_proxy_caches"];

/// Access rules of this area's fields (Pleroma: admins only).
pub const ACCESS: &[FieldRule] = &[
    ("Query", "mediaProxyBannedUrls", Access::Admin(READ)),
    ("Mutation", "unbanMediaProxyUrls", Access::Admin(WRITE)),
    ("Mutation", "purgeMediaProxyUrls", Access::Admin(WRITE)),
];

/// The proxy's signing key, read at most once per request (a page renders many links).
#[derive(Clone, Default)]
pub struct ProxyKey(std::sync::Arc<tokio::sync::OnceCell<Vec<u8>>>);

/// `url` as clients are given it: a proxy link for remote media when the proxy is on
/// ([`media_proxy::proxied`]); the URL itself if the signing key cannot be read (logged).
pub async fn proxied(ctx: &Context<'_>, url: String) -> String {
    if !ctx.settings().media_proxy.enabled {
        return url;
    }
    let key = ctx.data_opt::<ProxyKey>().cloned().unwrap_or_default();
    match key.0.get_or_try_init(|| media_proxy::secret(&ctx.db().write)).await {
        Ok(secret) => media_proxy::proxied(ctx.settings(), secret, &url),
        Err(err) => {
            tracing::warn!(error = %err, "media proxy: no signing key");
            url
        }
    }
}

/// A remote media URL the media proxy refuses to fetch.
#[derive(SimpleObject)]
pub struct BannedMediaUrl {
    /// The remote URL.
    pub url: String,
}

/// A page of banned media URLs.
pub type BannedMediaUrlConnection = Connection<OpaqueCursor<u64>, BannedMediaUrl, ListMeta, EmptyFields>;

/// URLs to unban.
#[derive(InputObject)]
pub struct UnbanMediaProxyUrlsInput {
    /// Remote media URLs.
    pub urls: Vec<String>,
}

/// URLs to purge from the cache.
#[derive(InputObject)]
pub struct PurgeMediaProxyUrlsInput {
    /// Remote media URLs.
    pub urls: Vec<String>,
    /// Also ban them, so they are never fetched again (default true).
    pub ban: Option<bool>,
}

/// The URLs a media-proxy mutation handled.
#[derive(SimpleObject)]
pub struct MediaProxyUrlsPayload {
    /// The URLs, as given.
    pub urls: Vec<String>,
}

/// Media-proxy reads.
#[derive(Default)]
pub struct MediaProxyQuery;

#[Object]
impl MediaProxyQuery {
    /// Banned media-proxy URLs, sorted. `query` is a case-insensitive regular expression (a
    /// plain substring when it does not parse). Page with `first`/`after` or `page`/`pageSize`
    /// (default 50).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 50)")]
    async fn media_proxy_banned_urls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only URLs containing this text.")] query: Option<String>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<BannedMediaUrlConnection> {
        let window = Window::resolve(first, after, page, page_size, 50)?;
        let (urls, total) =
            media_proxy::list_banned(&ctx.db().read, query.as_deref(), window.offset, window.limit).await?;
        Ok(window.connection(urls.into_iter().map(|url| BannedMediaUrl { url }).collect(), total))
    }
}

/// Media-proxy mutations.
#[derive(Default)]
pub struct MediaProxyMutation;

#[Object]
impl MediaProxyMutation {
    /// Lift the ban on `urls` (Pleroma's `media_proxy_caches/delete`); unknown URLs are ignored.
    async fn unban_media_proxy_urls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UnbanMediaProxyUrlsInput,
    ) -> async_graphql::Result<MediaProxyUrlsPayload> {
        media_proxy::unban(&ctx.db().write, &input.urls).await?;
        Ok(MediaProxyUrlsPayload { urls: input.urls })
    }

    /// Drop `urls` from the media proxy's cache and, with `ban` (the default), ban them.
    async fn purge_media_proxy_urls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: PurgeMediaProxyUrlsInput,
    ) -> async_graphql::Result<MediaProxyUrlsPayload> {
        if input.ban.unwrap_or(true) {
            media_proxy::ban(&ctx.db().write, &input.urls).await?;
        }
        media_proxy::purge_cache(ctx.settings(), &input.urls).await;
        media_proxy::invalidate(&ctx.db().read, ctx.settings(), &input.urls).await?;
        Ok(MediaProxyUrlsPayload { urls: input.urls })
    }
}
