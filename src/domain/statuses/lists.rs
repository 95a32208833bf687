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
    let mut query = status::Entity::find().filter(status::Column::QuoteOfId.eq(id)).filter(visible_to(viewer));
    query = page.apply(query);
    Ok(query.all(conn).await?)
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
    Ok(page.apply(query).all(conn).await?)
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
    pub fn apply(&self, mut query: sea_orm::Select<status::Entity>) -> sea_orm::Select<status::Entity> {
        if let Some(max) = &self.max_id {
            query = query.filter(status::Column::Id.lt(max.as_str()));
        }
        if let Some(since) = &self.since_id {
            query = query.filter(status::Column::Id.gt(since.as_str()));
        }
        if let Some(min) = &self.min_id {
            query = query.filter(status::Column::Id.gt(min.as_str()));
        }
        query = if self.min_id.is_some() {
            query.order_by_asc(status::Column::Id)
        } else {
            query.order_by_desc(status::Column::Id)
        };
        query.offset(self.offset.unwrap_or(0)).limit(self.size())
    }
}
