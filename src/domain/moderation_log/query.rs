//! Reading the moderation log: the filters and pages of `GET /api/v1/pleroma/admin/moderation_log`
//! (Pleroma's `ModerationLog.get_all`).

use chrono::{DateTime, Utc};
use entity::moderation_log;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Filters of `GET /api/v1/pleroma/admin/moderation_log`, as in Pleroma's `ModerationLog.get_all`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only entries inserted at or after this instant (inclusive).
    pub start_date: Option<DateTime<Utc>>,
    /// Only entries inserted at or before this instant (inclusive).
    pub end_date: Option<DateTime<Utc>>,
    /// Only entries whose actor (`data.actor.id`) is this user id.
    pub user_id: Option<String>,
    /// Only entries whose message contains this text, case-insensitively; empty means no filter.
    pub search: Option<String>,
}

impl LogFilter {
    /// Refuse a search term too long to be meant.
    pub fn check(&self) -> Result<(), crate::error::AppError> {
        match &self.search {
            Some(search) => {
                crate::domain::input_sizes::check_chars("search", search, crate::domain::input_sizes::MAX_SEARCH_CHARS)
            }
            None => Ok(()),
        }
    }
}

/// One page of log entries, newest first, and the number of entries matching `filter`.
///
/// Pleroma pages with `page` (from 1) and `page_size` (default 50): pass
/// `offset = (page - 1) * page_size` and `limit = page_size`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &LogFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<moderation_log::Model>, u64), DbErr> {
    use moderation_log::{Column, Entity};

    let mut cond = Condition::all();
    if let Some(start) = filter.start_date {
        cond = cond.add(Column::InsertedAt.gte(start));
    }
    if let Some(end) = filter.end_date {
        cond = cond.add(Column::InsertedAt.lte(end));
    }
    if let Some(user_id) = &filter.user_id {
        cond = cond.add(Column::ActorId.eq(user_id.as_str()));
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        cond = cond.add(Expr::expr(Func::lower(Expr::col(Column::Message))).like(LikeExpr::new(pattern).escape('\\')));
    }

    let total = Entity::find().filter(cond.clone()).count(conn).await?;
    let items = Entity::find()
        .filter(cond)
        .order_by_desc(Column::InsertedAt)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?;
    Ok((items, total))
}

/// Escapes `\`, `%` and `_` so the text matches literally inside a `LIKE … ESCAPE '\'` pattern.
pub(super) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
