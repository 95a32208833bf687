//! Mastodon-paged lists of statuses: an author's, a status's quotes, and the paging itself.

use entity::status;
use sea_orm::{sea_query::Query, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::visible_to;
use crate::error::AppResult;

/// Visible statuses quoting a status, newest first (`GET /api/v1/pleroma/statuses/:id/quotes`).
pub async fn quotes<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    viewer: Option<&str>,
    page: &MastodonPage,
) -> AppResult<Vec<status::Model>> {
    Ok(page.apply(quoting(id, viewer)).all(conn).await?)
}

/// The statuses quoting `id` that `viewer` may see, unpaged: the list's and its count's filters.
pub fn quoting(id: &str, viewer: Option<&str>) -> sea_orm::Select<status::Entity> {
    status::Entity::find().filter(status::Column::QuoteOfId.eq(id)).filter(visible_to(viewer))
}

/// Statuses of an author the viewer may see, newest first (`GET /api/v1/accounts/:id/statuses`);
/// with `pinned_only`, the posts the author pinned (Pleroma's `restrict_pinned`: no reblogs).
pub async fn by_author<C: ConnectionTrait>(
    conn: &C,
    author_id: &str,
    viewer: Option<&str>,
    with_reblogs: bool,
    pinned_only: bool,
    page: &MastodonPage,
) -> AppResult<Vec<status::Model>> {
    Ok(page.apply(authored(author_id, viewer, with_reblogs, pinned_only)).all(conn).await?)
}

/// The statuses of an author that `viewer` may see, unpaged: the list's and its count's filters.
pub fn authored(
    author_id: &str,
    viewer: Option<&str>,
    with_reblogs: bool,
    pinned_only: bool,
) -> sea_orm::Select<status::Entity> {
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
    query
}

/// Mastodon-style paging: `max_id`, `since_id`, `min_id`, `offset`, `limit` (default 20, at most
/// 40).
#[derive(Debug, Clone, Default)]
pub struct MastodonPage {
    pub max_id: Option<String>,
    pub since_id: Option<String>,
    pub min_id: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

impl MastodonPage {
    /// The page size used.
    pub fn size(&self) -> u64 {
        self.limit.unwrap_or(20).clamp(1, 40)
    }

    /// The page's conditions, order, offset and limit on a query of statuses.
    pub fn apply(&self, query: sea_orm::Select<status::Entity>) -> sea_orm::Select<status::Entity> {
        self.apply_keyed(query, status::Column::Id, |id| Some(id.to_string()))
    }

    /// The page's conditions, order, offset and limit on any query paged by the column `id`, the
    /// bounds read by `key` (a numeric id parsed: one that does not parse sets no bound). One copy
    /// for every Mastodon-paged list, so they all read `max_id`/`since_id`/`min_id` alike.
    pub fn apply_keyed<Q, C, V>(&self, mut query: Q, id: C, key: impl Fn(&str) -> Option<V>) -> Q
    where
        Q: QueryFilter + QueryOrder + QuerySelect,
        C: ColumnTrait + Copy,
        V: Into<sea_orm::Value>,
    {
        let bound = |raw: &Option<String>| raw.as_deref().and_then(&key);
        if let Some(max) = bound(&self.max_id) {
            query = query.filter(id.lt(max));
        }
        if let Some(since) = bound(&self.since_id) {
            query = query.filter(id.gt(since));
        }
        if let Some(min) = bound(&self.min_id) {
            query = query.filter(id.gt(min));
        }
        query = if self.min_id.is_some() { query.order_by_asc(id) } else { query.order_by_desc(id) };
        query.offset(self.offset.unwrap_or(0)).limit(self.size())
    }

    /// A page's rows newest first: a `min_id` page is read oldest first (the rows just after
    /// it), then turned round.
    pub fn newest_first<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if self.min_id.is_some() {
            rows.reverse();
        }
        rows
    }
}
