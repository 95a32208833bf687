//! Staff views and moderation: status search, visibility counts, changing a status's scope.

use entity::{status, user};
use sea_orm::{
    sea_query::{Expr, Query},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{parse_visibility, PUBLIC};
use crate::{
    db::Db,
    error::{AppError, AppResult},
};

/// What an admin status list shows (`ActivityPub.fetch_statuses` / `fetch_user_activities`).
#[derive(Debug, Clone, Default)]
pub struct StatusSearch {
    /// Statuses of this author only.
    pub author_id: Option<String>,
    /// Statuses of accounts on this host only.
    pub instance: Option<String>,
    /// Local statuses only.
    pub local_only: bool,
    /// Show private and direct statuses too (without it only public and unlisted ones show).
    pub godmode: bool,
    /// Include reblogs.
    pub with_reblogs: bool,
    /// Keyset cursor: statuses older than this id.
    pub before_id: Option<String>,
}

impl StatusSearch {
    fn condition(&self) -> Condition {
        self.condition_for(None)
    }

    /// The filter; with `Some(DbBackend::Sqlite)` and no author, the filters on columns that
    /// match most rows (visibility, reblogs, local) are written `+column`, which keeps SQLite
    /// from reading their indexes: with bound parameters it would otherwise take one of them
    /// and sort every match in a temporary B-tree, where walking the primary key backwards
    /// stops after one page. An author's list keeps its `(user_id, id)` index.
    fn condition_for(&self, walk_id_on: Option<sea_orm::DbBackend>) -> Condition {
        let unindexed = walk_id_on == Some(sea_orm::DbBackend::Sqlite) && self.author_id.is_none();
        let mut cond = Condition::all();
        if let Some(author) = &self.author_id {
            cond = cond.add(status::Column::UserId.eq(author.as_str()));
        }
        if let Some(host) = &self.instance {
            let users = Query::select()
                .column(user::Column::Id)
                .from(user::Entity)
                .and_where(user::Column::Domain.eq(host.as_str()))
                .to_owned();
            cond = cond.add(status::Column::UserId.in_subquery(users));
        }
        // SQLite's `?` placeholders: the `+column` forms are written for SQLite only.
        if self.local_only {
            cond = cond.add(if unindexed {
                Expr::cust_with_values(r#"+"statuses"."local" = ?"#, [true])
            } else {
                status::Column::Local.eq(true)
            });
        }
        if !self.godmode {
            cond = cond.add(if unindexed {
                Expr::cust_with_values(r#"+"statuses"."visibility" IN (?, ?)"#, PUBLIC)
            } else {
                status::Column::Visibility.is_in(PUBLIC)
            });
        }
        if !self.with_reblogs {
            cond = cond.add(if unindexed {
                Expr::cust(r#"+"statuses"."reblog_of_id" IS NULL"#)
            } else {
                status::Column::ReblogOfId.is_null()
            });
        }
        if let Some(before) = &self.before_id {
            cond = cond.add(status::Column::Id.lt(before.as_str()));
        }
        cond
    }

    /// A page, newest first.
    pub async fn page<C: ConnectionTrait>(&self, conn: &C, offset: u64, limit: u64) -> AppResult<Vec<status::Model>> {
        let statement = self.page_statement(conn.get_database_backend(), offset, limit);
        Ok(status::Entity::find().from_raw_sql(statement).all(conn).await?)
    }

    /// The statement [`StatusSearch::page`] runs on `backend`.
    pub fn page_statement(&self, backend: sea_orm::DbBackend, offset: u64, limit: u64) -> sea_orm::Statement {
        use sea_orm::QueryTrait;
        status::Entity::find()
            .filter(self.condition_for(Some(backend)))
            .order_by_desc(status::Column::Id)
            .offset(offset)
            .limit(limit)
            .build(backend)
    }

    /// How many match (the cursor ignored).
    pub async fn count<C: ConnectionTrait>(&self, conn: &C) -> AppResult<u64> {
        use sea_orm::PaginatorTrait;
        let all = StatusSearch { before_id: None, ..self.clone() };
        Ok(status::Entity::find().filter(all.condition()).count(conn).await?)
    }
}

/// Status counts by visibility (reblogs excluded), for the whole database or one host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VisibilityCounts {
    pub public: u64,
    pub unlisted: u64,
    pub private: u64,
    pub direct: u64,
}

/// Pleroma's `Stats.get_status_visibility_count(instance)`.
pub async fn visibility_counts<C: ConnectionTrait>(conn: &C, instance: Option<&str>) -> AppResult<VisibilityCounts> {
    let search = StatusSearch {
        instance: instance.filter(|h| !h.is_empty()).map(String::from),
        godmode: true,
        ..Default::default()
    };
    let rows: Vec<(String, i64)> = status::Entity::find()
        .select_only()
        .column(status::Column::Visibility)
        .column_as(status::Column::Id.count(), "n")
        .filter(search.condition())
        .group_by(status::Column::Visibility)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = VisibilityCounts::default();
    for (visibility, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match visibility.as_str() {
            "public" => out.public = n,
            "unlisted" => out.unlisted = n,
            "private" => out.private = n,
            "direct" => out.direct = n,
            _ => {}
        }
    }
    Ok(out)
}

/// Pleroma's refusal of an unknown visibility in an admin update.
pub const UNSUPPORTED_VISIBILITY: &str = "Unsupported visibility";

/// An admin's change of a status's sensitivity and/or visibility (Pleroma's
/// `CommonAPI.update_activity_scope`), logged as `status_update` in the same transaction.
pub async fn moderate(
    db: &Db,
    actor: &crate::domain::moderation_log::Actor,
    id: &str,
    sensitive: Option<bool>,
    visibility: Option<&str>,
) -> AppResult<status::Model> {
    let visibility = match visibility {
        Some(v) => Some(parse_visibility(v).ok_or_else(|| AppError::BadRequest(UNSUPPORTED_VISIBILITY.into()))?),
        None => None,
    };
    let txn = db.begin().await?;
    let row = status::Entity::find_by_id(id)
        .filter(status::Column::ReblogOfId.is_null())
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut active: status::ActiveModel = row.into();
    if let Some(s) = sensitive {
        active.sensitive = Set(s);
    }
    if let Some(v) = visibility {
        active.visibility = Set(v.to_string());
    }
    let saved = active.update(&txn).await?;
    crate::domain::moderation_log::record(
        &txn,
        actor,
        &crate::domain::moderation_log::Action::StatusUpdate {
            status_id: saved.id.clone(),
            sensitive,
            visibility: visibility.map(String::from),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}
