//! How many statuses a Mastodon-paged list holds in all, the paging ignored: the `totalCount`
//! of the GraphQL connections, counted only when a client asks. Each count keeps the filters of
//! the list it totals ([`super::statuses::quotes`], [`super::statuses::by_author`]).
use entity::status;
use sea_orm::{sea_query::Query, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::statuses::visible_to;
use crate::error::AppResult;

/// The statuses quoting `id` that `viewer` may see ([`super::statuses::quotes`]).
pub async fn quotes<C: ConnectionTrait>(conn: &C, id: &str, viewer: Option<&str>) -> AppResult<u64> {
    Ok(status::Entity::find().filter(status::Column::QuoteOfId.eq(id)).filter(visible_to(viewer)).count(conn).await?)
}

/// The statuses of an author that `viewer` may see ([`super::statuses::by_author`]).
pub async fn by_author<C: ConnectionTrait>(
    conn: &C,
    author_id: &str,
    viewer: Option<&str>,
    with_reblogs: bool,
    pinned_only: bool,
) -> AppResult<u64> {
    let mut query = status::Entity::find().filter(status::Column::UserId.eq(author_id)).filter(visible_to(viewer));
    if !with_reblogs || pinned_only {
        query = query.filter(status::Column::ReblogOfId.is_null());
    }
    if pinned_only {
        let pinned = Query::select()
            .column(entity::status_pin::Column::StatusId)
            .from(entity::status_pin::Entity)
            .and_where(entity::status_pin::Column::UserId.eq(author_id))
            .to_owned();
        query = query.filter(status::Column::Id.in_subquery(pinned));
    }
    Ok(query.count(conn).await?)
}
