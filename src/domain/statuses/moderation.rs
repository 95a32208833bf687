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
            // On SQLite the page walks the primary key backwards through the instance's
            // accounts (`+user_id`): their `(user_id, id)` indexes give no common order, and
            // merging them would sort every status of the instance for one page.
            cond = cond.add(if unindexed {
                Expr::cust_with_values(
                    r#"+"statuses"."user_id" IN (SELECT "id" FROM "users" WHERE "users"."domain" = ?)"#,
                    [host.as_str()],
                )
            } else {
                let users = Query::select()
                    .column(user::Column::Id)
                    .from(user::Entity)
                    .and_where(user::Column::Domain.eq(host.as_str()))
                    .to_owned();
                status::Column::UserId.in_subquery(users)
            });
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

/// Pleroma's `Stats.get_status_visibility_count(instance)`: the counts kept per instance by
/// triggers (`status_visibility_counts`, Pleroma's `counter_cache`), one statement reading
/// one row (an instance) or summing a row per known instance (all of them); no status is read.
pub async fn visibility_counts<C: ConnectionTrait>(conn: &C, instance: Option<&str>) -> AppResult<VisibilityCounts> {
    let backend = conn.get_database_backend();
    let sum = |c: &str| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)");
    let columns = ["public", "unlisted", "private", "direct"].map(sum).join(", ");
    let statement = match instance.filter(|h| !h.is_empty()) {
        Some(host) => sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => {
                    format!("SELECT {columns} FROM status_visibility_counts WHERE instance = $1")
                }
                _ => format!("SELECT {columns} FROM status_visibility_counts WHERE instance = ?"),
            },
            [host.into()],
        ),
        None => sea_orm::Statement::from_string(backend, format!("SELECT {columns} FROM status_visibility_counts")),
    };
    let Some(row) = conn.query_one_raw(statement).await? else { return Ok(VisibilityCounts::default()) };
    let at = |i: usize| -> AppResult<u64> { Ok(u64::try_from(row.try_get_by_index::<i64>(i)?).unwrap_or(0)) };
    Ok(VisibilityCounts { public: at(0)?, unlisted: at(1)?, private: at(2)?, direct: at(3)? })
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
