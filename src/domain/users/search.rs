//! The admin user search: Pleroma's `filters` states and the search criteria of
//! `GET /api/v1/pleroma/admin/users`, as one SQL condition (and its count).

use entity::{user, user_tag};
use sea_orm::{
    prelude::Expr, sea_query::Query, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::domain::input_sizes;
use crate::error::AppError;

use super::*;

/// Account states of Pleroma's `filters` list on `GET /admin/users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserState {
    /// Local accounts.
    Local,
    /// Remote accounts.
    External,
    /// Active, approved and confirmed.
    Active,
    /// Deactivated.
    Deactivated,
    /// Awaiting approval.
    NeedApproval,
    /// Email not confirmed.
    Unconfirmed,
    /// Admins.
    IsAdmin,
    /// Moderators.
    IsModerator,
}

/// SQLite's index of the `users` primary key (`id`, declared first in migration 1).
pub const SQLITE_ID_INDEX: &str = "sqlite_autoindex_users_1";

/// SQLite's covering index of the list's id walk, with the state filters' columns (migration 21).
pub const SQLITE_LIST_INDEX: &str = "idx_users_list";

/// The admin user search (all criteria combine with AND).
#[derive(Debug, Clone, Default)]
pub struct UserSearch {
    /// Substring of nickname (which includes the domain of remote users), display name or email.
    pub query: Option<String>,
    /// Substring of the display name.
    pub name: Option<String>,
    /// Exact email.
    pub email: Option<String>,
    /// Users carrying any of these tags.
    pub tags: Vec<String>,
    /// Users of any of these actor types.
    pub actor_types: Vec<String>,
    pub states: Vec<UserState>,
    /// Only users whose id sorts before this one (keyset pagination: the last id of the previous
    /// page, newest first).
    pub before_id: Option<String>,
}

/// `%term%` for a case-insensitive LIKE, with LIKE's wildcards escaped.
pub fn like_pattern(term: &str) -> String {
    let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// `expr LIKE %term%` (`expr` must already be lower-case).
fn like(expr: impl Into<Expr>, term: &str) -> Expr {
    use sea_orm::sea_query::{ExprTrait, LikeExpr};
    expr.into().like(LikeExpr::new(like_pattern(term)).escape('\\'))
}

/// The user's `column` (`search_text` or `name`) contains `term`, case-insensitively. On SQLite,
/// terms of three or more characters go through the FTS5 trigram index (`users_search`), whose
/// phrase queries are substring matches; elsewhere LIKE, which pg_trgm indexes on PostgreSQL.
fn contains(backend: DbBackend, column: user::Column, term: &str) -> Expr {
    if backend == DbBackend::Sqlite && term.chars().count() >= 3 {
        let fts_column = if matches!(column, user::Column::Name) { "name" } else { "search_text" };
        let phrase = format!("{fts_column} : \"{}\"", term.to_lowercase().replace('"', "\"\""));
        return Expr::cust_with_values(
            r#""users"."rowid" IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)"#,
            [phrase],
        );
    }
    match column {
        user::Column::SearchText => like(Expr::col(column), term),
        _ => like(sea_orm::sea_query::Func::lower(Expr::col(column)), term),
    }
}

/// `column = value` for a state flag, the value a literal (`TRUE`/`FALSE`, from this fixed set,
/// never from input). Bound, it would cost a plan on either engine: PostgreSQL's generic plan
/// (used after five executions) estimates half the rows for each flag whatever the statistics
/// say (6,250 of 100k for `local,active` where 63k match); SQLite, whose `sqlite_stat4` samples
/// make a bound value that an index compares plan-dependent, prepares the statement again at
/// every execution.
fn flag(column: user::Column, value: bool) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    Expr::col((user::Entity, column)).eq(Expr::cust(if value { "TRUE" } else { "FALSE" }))
}

impl UserSearch {
    /// Refuse search terms and lists too long to be meant (see [`input_sizes`]).
    fn check(&self) -> Result<(), AppError> {
        for (field, term) in [("query", &self.query), ("name", &self.name), ("email", &self.email)] {
            if let Some(term) = term {
                input_sizes::check_chars(field, term, input_sizes::MAX_SEARCH_CHARS)?;
            }
        }
        input_sizes::check_tags(&self.tags)?;
        input_sizes::check_count("actor_types", &self.actor_types, input_sizes::MAX_LIST_ITEMS)?;
        self.actor_types
            .iter()
            .try_for_each(|t| input_sizes::check_chars("actor_types", t, input_sizes::MAX_SEARCH_CHARS))
    }

    fn condition(&self, backend: DbBackend) -> Condition {
        let mut cond = Condition::all().add(user::Column::Nickname.not_like("internal.%"));
        if let Some(before) = &self.before_id {
            cond = cond.add(user::Column::Id.lt(before.as_str()));
        }
        if let Some(q) = self.query.as_deref().filter(|q| !q.is_empty()) {
            cond = cond.add(contains(backend, user::Column::SearchText, q));
        }
        if let Some(name) = self.name.as_deref().filter(|q| !q.is_empty()) {
            cond = cond.add(contains(backend, user::Column::Name, name));
        }
        if let Some(email) = self.email.as_deref().filter(|q| !q.is_empty()) {
            cond = cond.add(same_text(user::Column::Email, email));
        }
        if !self.tags.is_empty() {
            cond = cond.add(
                user::Column::Id.in_subquery(
                    Query::select()
                        .column(user_tag::Column::UserId)
                        .from(user_tag::Entity)
                        .and_where(user_tag::Column::Tag.is_in(self.tags.clone()))
                        .to_owned(),
                ),
            );
        }
        if !self.actor_types.is_empty() {
            cond = cond.add(user::Column::ActorType.is_in(self.actor_types.clone()));
        }
        let has = |s| self.states.contains(&s);
        if has(UserState::IsAdmin) && has(UserState::IsModerator) {
            // Pleroma turns the pair into "super users": staff of either kind.
            cond = cond.add(
                Condition::any().add(flag(user::Column::IsAdmin, true)).add(flag(user::Column::IsModerator, true)),
            );
        } else if has(UserState::IsAdmin) {
            cond = cond.add(flag(user::Column::IsAdmin, true));
        } else if has(UserState::IsModerator) {
            cond = cond.add(flag(user::Column::IsModerator, true));
        }
        for state in &self.states {
            cond = match state {
                UserState::Local => cond.add(flag(user::Column::Local, true)),
                UserState::External => cond.add(flag(user::Column::Local, false)),
                UserState::Active => cond
                    .add(flag(user::Column::IsActive, true))
                    .add(flag(user::Column::IsApproved, true))
                    .add(flag(user::Column::IsConfirmed, true)),
                UserState::Deactivated => cond.add(flag(user::Column::IsActive, false)),
                UserState::NeedApproval => cond.add(flag(user::Column::IsApproved, false)),
                UserState::Unconfirmed => cond.add(flag(user::Column::IsConfirmed, false)),
                UserState::IsAdmin | UserState::IsModerator => cond,
            };
        }
        cond
    }

    /// One page of matches, newest first.
    pub async fn page<C: ConnectionTrait>(
        &self,
        conn: &C,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<user::Model>, AppError> {
        self.check()?;
        let statement = self.page_statement(conn.get_database_backend(), offset, limit);
        Ok(user::Entity::find().from_raw_sql(statement).all(conn).await?)
    }

    /// One page of matches, newest first, with only the columns the admin views show.
    pub async fn listed_page<C: ConnectionTrait>(
        &self,
        conn: &C,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<ListedUser>, AppError> {
        use sea_orm::FromQueryResult;
        self.check()?;
        let statement = self.listed_page_statement(conn.get_database_backend(), offset, limit);
        // Decoded into a vector of its own size: collected in place, the rows' vector would be
        // reallocated to fit (`all()` does), a page of 500 into fresh pages.
        let rows = conn.query_all_raw(statement).await?;
        let mut users = Vec::with_capacity(rows.len());
        for row in &rows {
            users.push(ListedUser::from_query_result(row, "")?);
        }
        Ok(users)
    }

    /// The statement [`UserSearch::page`] runs. On SQLite, a deferred join: the ids of the page
    /// first, read `INDEXED BY` the covering `(id, nickname, state flags…)` index walked backwards for the
    /// default order, then the rows of those ids. With bound parameters the planner would
    /// otherwise pick a filter index (or skip-scan) and sort every match in a temporary B-tree,
    /// which costs in proportion to the matches where the walk stops after one page of them;
    /// and a deep `OFFSET` skips index entries instead of table rows.
    pub fn page_statement(&self, backend: DbBackend, offset: u64, limit: u64) -> sea_orm::Statement {
        self.statement_of(backend, offset, limit, user::Entity::find())
    }

    /// The statement [`UserSearch::listed_page`] runs: [`UserSearch::page_statement`] reading
    /// only [`LISTED_COLUMNS`].
    pub fn listed_page_statement(&self, backend: DbBackend, offset: u64, limit: u64) -> sea_orm::Statement {
        self.statement_of(backend, offset, limit, user::Entity::find().select_only().columns(LISTED_COLUMNS))
    }

    fn statement_of(
        &self,
        backend: DbBackend,
        offset: u64,
        limit: u64,
        rows: sea_orm::Select<user::Entity>,
    ) -> sea_orm::Statement {
        use sea_orm::QueryTrait;
        let condition = self.condition(backend);
        // An exact email matches at most one user (unique index on `lower(email)`): that index
        // stays the better path.
        let exact = self.email.as_deref().is_some_and(|e| !e.is_empty());
        if backend != DbBackend::Sqlite || exact {
            return rows.filter(condition).order_by_desc(user::Column::Id).offset(offset).limit(limit).build(backend);
        }
        let ids = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(condition)
            .order_by_desc(user::Column::Id)
            .offset(offset)
            .limit(limit)
            .build(backend);
        let ids_sql =
            ids.sql.replacen(r#"FROM "users""#, &format!(r#"FROM "users" INDEXED BY "{SQLITE_LIST_INDEX}""#), 1);
        let rows = rows.order_by_desc(user::Column::Id).build(backend);
        let sql = rows.sql.replacen(" ORDER BY ", &format!(r#" WHERE "users"."id" IN ({ids_sql}) ORDER BY "#), 1);
        sea_orm::Statement { sql, ..ids }
    }

    /// How many users match.
    pub async fn count<C: ConnectionTrait>(&self, conn: &C) -> Result<u64, AppError> {
        self.check()?;
        let row = conn.query_one_raw(self.count_statement(conn.get_database_backend())).await?;
        let n = match row {
            Some(row) => row.try_get::<i64>("", "num_items")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The statement [`UserSearch::count`] runs.
    pub fn count_statement(&self, backend: DbBackend) -> sea_orm::Statement {
        use sea_orm::QueryTrait;
        user::Entity::find()
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "num_items")
            .filter(self.condition(backend))
            .build(backend)
    }
}
