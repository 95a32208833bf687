//! How many statuses a Mastodon-paged list holds in all, the paging ignored: the `totalCount`
//! of the GraphQL connections, counted only when a client asks. Each count keeps the filters of
//! the list it totals ([`super::statuses::quotes`], [`super::statuses::by_author`]).
use sea_orm::{ConnectionTrait, PaginatorTrait};

use super::statuses;
use crate::error::AppResult;

/// The statuses quoting `id` that `viewer` may see ([`super::statuses::quotes`]).
pub async fn quotes<C: ConnectionTrait>(conn: &C, id: &str, viewer: Option<&str>) -> AppResult<u64> {
    Ok(statuses::quoting(id, viewer).count(conn).await?)
}

/// The statuses of an author that `viewer` may see ([`super::statuses::by_author`]).
pub async fn by_author<C: ConnectionTrait>(
    conn: &C,
    author_id: &str,
    viewer: Option<&str>,
    with_reblogs: bool,
    pinned_only: bool,
) -> AppResult<u64> {
    Ok(statuses::authored(author_id, viewer, with_reblogs, pinned_only).count(conn).await?)
}
