//! Users: lookups, the admin search, and the rules for creating accounts.
use std::{
    collections::{HashMap, HashSet},
    sync::LazyLock,
};

use chrono::Utc;
use entity::{user, user_tag};
use regex::Regex;
use sea_orm::{
    prelude::Expr,
    sea_query::{LockType, Query},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;

use super::limits;
use crate::{config::Settings, error::AppError, ids};

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
    /// Refuse search terms and lists too long to be meant (see [`limits`]).
    fn check(&self) -> Result<(), AppError> {
        for (field, term) in [("query", &self.query), ("name", &self.name), ("email", &self.email)] {
            if let Some(term) = term {
                limits::check_chars(field, term, limits::MAX_SEARCH_CHARS)?;
            }
        }
        limits::check_tags(&self.tags)?;
        limits::check_count("actor_types", &self.actor_types, limits::MAX_LIST_ITEMS)?;
        self.actor_types.iter().try_for_each(|t| limits::check_chars("actor_types", t, limits::MAX_SEARCH_CHARS))
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

/// The columns of a user the admin views show (Pleroma's `AdminAPI.AccountView` of a user):
/// lists read only these, not the profile, settings and JSON columns.
pub const LISTED_COLUMNS: [user::Column; 18] = [
    user::Column::Id,
    user::Column::Nickname,
    user::Column::Email,
    user::Column::Name,
    user::Column::Avatar,
    user::Column::ApId,
    user::Column::Local,
    user::Column::Domain,
    user::Column::ActorType,
    user::Column::IsAdmin,
    user::Column::IsModerator,
    user::Column::IsActive,
    user::Column::IsConfirmed,
    user::Column::IsApproved,
    user::Column::IsSuggested,
    user::Column::RegistrationReason,
    user::Column::PasswordResetPending,
    user::Column::InsertedAt,
];

/// A user as the admin views show it: [`LISTED_COLUMNS`] of a `users` row. Its nine text
/// columns share one buffer ([`Texts`]), read through the methods of the same names: a page of
/// 500 users is then 500 allocations (and frees) where it was some 4,000.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedUser {
    texts: Texts,
    pub local: bool,
    pub is_admin: bool,
    pub is_moderator: bool,
    pub is_active: bool,
    pub is_confirmed: bool,
    pub is_approved: bool,
    pub is_suggested: bool,
    pub password_reset_pending: bool,
    pub inserted_at: chrono::DateTime<Utc>,
}

/// The text columns of a [`ListedUser`], in the order [`Texts::pack`] takes them.
#[derive(Clone, Copy)]
enum Text {
    Id,
    Nickname,
    Email,
    Name,
    Avatar,
    ApId,
    Domain,
    ActorType,
    RegistrationReason,
}

impl Text {
    const COUNT: usize = 9;
}

/// Text columns packed one after another in one string.
#[derive(Debug, Clone, PartialEq)]
struct Texts {
    text: String,
    /// Where each column ends in `text`.
    ends: [u32; Text::COUNT],
    /// The columns that are NULL, one bit each.
    nulls: u16,
}

impl Texts {
    /// Pack `values`, in [`Text`]'s order.
    fn pack(values: [Option<&str>; Text::COUNT]) -> Texts {
        let mut text = String::with_capacity(values.iter().flatten().map(|value| value.len()).sum());
        let mut ends = [0; Text::COUNT];
        let mut nulls = 0;
        for (i, value) in values.into_iter().enumerate() {
            match value {
                Some(value) => text.push_str(value),
                None => nulls |= 1 << i,
            }
            // Column values are far below 4 GiB (the body and field limits).
            ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        Texts { text, ends, nulls }
    }

    fn get(&self, which: Text) -> Option<&str> {
        let i = which as usize;
        if self.nulls & (1 << i) != 0 {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize)
    }
}

impl ListedUser {
    pub fn id(&self) -> &str {
        self.texts.get(Text::Id).unwrap_or_default()
    }
    pub fn nickname(&self) -> &str {
        self.texts.get(Text::Nickname).unwrap_or_default()
    }
    pub fn email(&self) -> Option<&str> {
        self.texts.get(Text::Email)
    }
    pub fn name(&self) -> Option<&str> {
        self.texts.get(Text::Name)
    }
    pub fn avatar(&self) -> Option<&str> {
        self.texts.get(Text::Avatar)
    }
    pub fn ap_id(&self) -> &str {
        self.texts.get(Text::ApId).unwrap_or_default()
    }
    pub fn domain(&self) -> Option<&str> {
        self.texts.get(Text::Domain)
    }
    pub fn actor_type(&self) -> &str {
        self.texts.get(Text::ActorType).unwrap_or_default()
    }
    pub fn registration_reason(&self) -> Option<&str> {
        self.texts.get(Text::RegistrationReason)
    }
}

/// A [`ListedUser`] from a row of [`LISTED_COLUMNS`], each column read with `$get(row, index)`
/// in the columns' order, its text as `$text` (`&str`, borrowed from the driver's row, where
/// the driver can).
macro_rules! listed_user {
    ($row:expr, $get:path, $text:ty) => {{
        let mut at = 0..LISTED_COLUMNS.len();
        let mut next = || at.next().unwrap_or(usize::MAX);
        let id: $text = $get($row, next())?;
        let nickname: $text = $get($row, next())?;
        let email: Option<$text> = $get($row, next())?;
        let name: Option<$text> = $get($row, next())?;
        let avatar: Option<$text> = $get($row, next())?;
        let ap_id: $text = $get($row, next())?;
        let local = $get($row, next())?;
        let domain: Option<$text> = $get($row, next())?;
        let actor_type: $text = $get($row, next())?;
        let (is_admin, is_moderator, is_active) = ($get($row, next())?, $get($row, next())?, $get($row, next())?);
        let (is_confirmed, is_approved, is_suggested) = ($get($row, next())?, $get($row, next())?, $get($row, next())?);
        let registration_reason: Option<$text> = $get($row, next())?;
        ListedUser {
            texts: Texts::pack([
                Some(&*id),
                Some(&*nickname),
                email.as_deref(),
                name.as_deref(),
                avatar.as_deref(),
                Some(&*ap_id),
                domain.as_deref(),
                Some(&*actor_type),
                registration_reason.as_deref(),
            ]),
            local,
            is_admin,
            is_moderator,
            is_active,
            is_confirmed,
            is_approved,
            is_suggested,
            password_reset_pending: $get($row, next())?,
            inserted_at: $get($row, next())?,
        }
    }};
}

/// Read by position, in [`LISTED_COLUMNS`]' order: a lookup by name hashes the name for every
/// column of every row of a page. From the driver's row, without sqlx's per-value type check (a
/// type-info clone and comparison for each of a page's 9,000 values, a fifth of the decoding):
/// the columns are the migrations' own, and `list_plans::a_listed_page_reads_what_the_full_rows_hold`
/// compares what is read with the full rows on both engines.
impl sea_orm::FromQueryResult for ListedUser {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self::from_query_result_nullable(res, pre)?)
    }

    fn from_query_result_nullable(res: &sea_orm::QueryResult, _: &str) -> Result<Self, sea_orm::TryGetError> {
        use sea_orm::sqlx::Row;
        let decode = |err: sea_orm::sqlx::Error| sea_orm::TryGetError::DbErr(sea_orm::DbErr::Type(err.to_string()));
        if let Some(row) = res.try_as_pg_row() {
            let read = || Ok(listed_user!(row, Row::try_get_unchecked, &str));
            return read().map_err(decode);
        }
        if let Some(row) = res.try_as_sqlite_row() {
            let read = || Ok(listed_user!(row, Row::try_get_unchecked, &str));
            return read().map_err(decode);
        }
        Ok(listed_user!(res, sea_orm::QueryResult::try_get_by_index_nullable, String))
    }
}

impl From<&user::Model> for ListedUser {
    fn from(u: &user::Model) -> Self {
        ListedUser {
            texts: Texts::pack([
                Some(&u.id),
                Some(&u.nickname),
                u.email.as_deref(),
                u.name.as_deref(),
                u.avatar.as_deref(),
                Some(&u.ap_id),
                u.domain.as_deref(),
                Some(&u.actor_type),
                u.registration_reason.as_deref(),
            ]),
            local: u.local,
            is_admin: u.is_admin,
            is_moderator: u.is_moderator,
            is_active: u.is_active,
            is_confirmed: u.is_confirmed,
            is_approved: u.is_approved,
            is_suggested: u.is_suggested,
            password_reset_pending: u.password_reset_pending,
            inserted_at: u.inserted_at,
        }
    }
}

/// Whether an account may act, in the order of Pleroma's `User.account_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Deactivated,
    PasswordResetPending,
    ApprovalPending,
    ConfirmationPending,
}

impl AccountStatus {
    /// The status of `user` under these settings.
    pub fn of(user: &user::Model, instance: &crate::config::Instance) -> AccountStatus {
        if !user.is_active {
            AccountStatus::Deactivated
        } else if user.password_reset_pending {
            AccountStatus::PasswordResetPending
        } else if user.local && !user.is_approved {
            AccountStatus::ApprovalPending
        } else if user.local && !user.is_confirmed && instance.account_activation_required {
            AccountStatus::ConfirmationPending
        } else {
            AccountStatus::Active
        }
    }
}

/// `lower(column) = lower(value)`: nicknames and emails compare case-insensitively, as Pleroma's
/// `citext` columns do; the unique indexes on `lower(nickname)` and `lower(email)` (migration 6)
/// serve it.
pub fn same_text(column: user::Column, value: &str) -> Expr {
    use sea_orm::sea_query::{ExprTrait, Func};
    Expr::expr(Func::lower(Expr::col(column))).eq(Func::lower(Expr::val(value)))
}

/// A user by nickname, or by flake id.
pub async fn find_by_nickname_or_id<C: ConnectionTrait>(conn: &C, key: &str) -> Result<Option<user::Model>, AppError> {
    let mut cond = Condition::any().add(same_text(user::Column::Nickname, key));
    if ids::is_flake_id(key) {
        cond = cond.add(user::Column::Id.eq(key));
    }
    Ok(user::Entity::find().filter(cond).one(conn).await?)
}

/// A user by nickname, in any case.
pub async fn find_by_nickname<C: ConnectionTrait>(conn: &C, nickname: &str) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find().filter(same_text(user::Column::Nickname, nickname)).one(conn).await?)
}

/// A user by email, in any case.
pub async fn find_by_email<C: ConnectionTrait>(conn: &C, email: &str) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find().filter(same_text(user::Column::Email, email)).one(conn).await?)
}

/// The users' ids, in the same order.
pub fn user_ids(users: &[user::Model]) -> Vec<String> {
    users.iter().map(|u| u.id.clone()).collect()
}

/// The nicknames once each (whatever their case), in request order.
fn distinct(nicknames: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    nicknames.iter().filter(|n| seen.insert(n.to_lowercase())).cloned().collect()
}

/// Read the users with these nicknames for a change, in request order (each once); `Ok(None)`
/// when any of them does not exist. Inside a transaction on PostgreSQL the rows are locked
/// `FOR NO KEY UPDATE`, in id order on every path so two transactions locking overlapping sets
/// cannot deadlock (`NO KEY UPDATE` does not block the `KEY SHARE` locks of foreign-key checks);
/// SQLite's IMMEDIATE transaction already holds the single writer.
pub async fn lock_by_nicknames<C: ConnectionTrait>(
    conn: &C,
    nicknames: &[String],
) -> Result<Option<Vec<user::Model>>, AppError> {
    limits::check_nicknames(nicknames)?;
    let wanted = distinct(nicknames);
    if wanted.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let any = wanted.iter().fold(Condition::any(), |cond, n| cond.add(same_text(user::Column::Nickname, n)));
    let rows =
        user::Entity::find().filter(any).order_by_asc(user::Column::Id).lock(LockType::NoKeyUpdate).all(conn).await?;
    let mut by_nickname: HashMap<String, user::Model> =
        rows.into_iter().map(|u| (u.nickname.to_lowercase(), u)).collect();
    Ok(wanted.iter().map(|n| by_nickname.remove(&n.to_lowercase())).collect())
}

/// The users a bulk admin action names, read as [`lock_by_nicknames`] does; any unknown
/// nickname refuses the whole action with `NotFound` (Pleroma crashes and rolls back there, so
/// nothing changes and nothing is logged).
pub async fn require_by_nicknames<C: ConnectionTrait>(
    conn: &C,
    nicknames: &[String],
) -> Result<Vec<user::Model>, AppError> {
    lock_by_nicknames(conn, nicknames).await?.ok_or_else(AppError::not_found)
}

/// A local user by nickname or email, for password logins.
pub async fn find_by_login<C: ConnectionTrait>(conn: &C, login: &str) -> Result<Option<user::Model>, AppError> {
    let cond = if login.contains('@') {
        Condition::any().add(same_text(user::Column::Email, login)).add(same_text(user::Column::Nickname, login))
    } else {
        Condition::all().add(same_text(user::Column::Nickname, login))
    };
    Ok(user::Entity::find().filter(cond).filter(user::Column::Local.eq(true)).one(conn).await?)
}

/// Users by id, in any order, in one query.
pub async fn by_ids<C: ConnectionTrait>(conn: &C, ids: &[String]) -> Result<Vec<user::Model>, AppError> {
    Ok(super::rows_among::<user::Entity, _>(conn, user::Column::Id, ids).await?)
}

/// Tags of each of these users, in one query.
pub async fn tags_of<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[String],
) -> Result<HashMap<String, Vec<String>>, AppError> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(out);
    }
    let rows = user_tag::Entity::find()
        .filter(super::among(conn.get_database_backend(), (user_tag::Entity, user_tag::Column::UserId), user_ids))
        .order_by_asc(user_tag::Column::Tag)
        .all(conn)
        .await?;
    for row in rows {
        out.entry(row.user_id).or_default().push(row.tag);
    }
    Ok(out)
}

pub use entity::user::search_text;

/// Pleroma's local nickname format (`extended_nickname_format`).
static NICKNAME: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[a-zA-Z\d_-]+$").ok());
/// Pleroma's email format.
static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$").ok()
});

/// Nicknames Pleroma reserves for its own paths.
pub const RESTRICTED_NICKNAMES: &[&str] = &[
    ".well-known",
    "~",
    "about",
    "activities",
    "api",
    "auth",
    "check_password",
    "dev",
    "friend-requests",
    "inbox",
    "internal",
    "main",
    "media",
    "nodeinfo",
    "notice",
    "oauth",
    "objects",
    "ostatus_subscribe",
    "pleroma",
    "proxy",
    "push",
    "registration",
    "relay",
    "settings",
    "status",
    "tag",
    "user-search",
    "user_exists",
    "users",
    "web",
    "verify_credentials",
    "update_credentials",
    "relationships",
    "search",
    "confirmation_resend",
    "mfa",
];

/// Whether `email` has Pleroma's email format.
pub fn valid_email(email: &str) -> bool {
    EMAIL.as_ref().is_some_and(|re| re.is_match(email))
}

/// A local account to create.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub nickname: String,
    pub email: String,
    pub password: String,
    pub name: Option<String>,
    pub bio: Option<String>,
    pub is_admin: bool,
    pub is_moderator: bool,
}

/// Check a new account the way Pleroma's registration changeset does; field → first message.
pub async fn validate_new<C: ConnectionTrait>(conn: &C, new: &NewUser) -> Result<(), AppError> {
    let mut errors = std::collections::BTreeMap::new();
    if new.nickname.is_empty() {
        errors.insert("nickname".to_string(), "can't be blank".to_string());
    } else if !NICKNAME.as_ref().is_some_and(|re| re.is_match(&new.nickname)) {
        errors.insert("nickname".into(), "has invalid format".into());
    } else if RESTRICTED_NICKNAMES.contains(&new.nickname.to_lowercase().as_str()) {
        errors.insert("nickname".into(), "is reserved".into());
    } else if find_by_nickname(conn, &new.nickname).await?.is_some() {
        errors.insert("nickname".into(), "has already been taken".into());
    }
    if new.email.is_empty() {
        errors.insert("email".into(), "can't be blank".into());
    } else if !valid_email(&new.email) {
        errors.insert("email".into(), "has invalid format".into());
    } else if find_by_email(conn, &new.email).await?.is_some() {
        errors.insert("email".into(), "has already been taken".into());
    }
    if new.password.is_empty() {
        errors.insert("password".into(), "can't be blank".into());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Insert a validated local account, confirmed and approved (admin and CLI creation).
/// `password_hash` is `new.password` already hashed (`auth::password::hash`): callers hash
/// before they open the write transaction, so argon2 never runs while it holds the writer.
pub async fn insert_local<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    new: &NewUser,
    password_hash: String,
) -> Result<user::Model, AppError> {
    let now = Utc::now();
    let name = new.name.clone().unwrap_or_else(|| new.nickname.clone());
    let row = user::ActiveModel {
        id: Set(ids::flake_id()),
        nickname: Set(new.nickname.clone()),
        email: Set(Some(new.email.clone())),
        search_text: Set(String::new()),
        name: Set(Some(name)),
        bio: Set(new.bio.clone().unwrap_or_else(|| ".".into())),
        password_hash: Set(Some(password_hash)),
        ap_id: Set(format!("{}/users/{}", settings.instance_url, new.nickname)),
        local: Set(true),
        domain: Set(None),
        actor_type: Set("Person".into()),
        is_admin: Set(new.is_admin),
        is_moderator: Set(new.is_moderator),
        is_active: Set(true),
        is_confirmed: Set(true),
        is_approved: Set(true),
        is_suggested: Set(false),
        is_locked: Set(false),
        is_discoverable: Set(false),
        no_rich_text: Set(false),
        default_scope: Set("public".into()),
        hide_follows: Set(false),
        hide_followers: Set(false),
        hide_followers_count: Set(false),
        hide_follows_count: Set(false),
        hide_favorites: Set(true),
        allow_following_move: Set(true),
        show_role: Set(true),
        skip_thread_containment: Set(false),
        fields: Set(json!([])),
        raw_fields: Set(json!([])),
        avatar: Set(None),
        banner: Set(None),
        background: Set(None),
        registration_reason: Set(None),
        password_reset_pending: Set(false),
        mfa_enabled: Set(false),
        settings_store: Set(json!({})),
        also_known_as: Set(json!([])),
        raw_bio: Set(None),
        birthday: Set(None),
        show_birthday: Set(false),
        accepts_chat_messages: Set(true),
        avatar_description: Set(String::new()),
        header_description: Set(String::new()),
        inserted_at: Set(now),
        updated_at: Set(now),
    };
    Ok(row.insert(conn).await?)
}

/// Followers and followings counts of one user.
/// `(followers, following)` of each of these users, in two grouped queries.
pub async fn follow_counts_of<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[String],
) -> Result<HashMap<String, (u64, u64)>, AppError> {
    use entity::follow::{Column, Entity};
    use sea_orm::{QuerySelect, Select};
    let mut out: HashMap<String, (u64, u64)> = user_ids.iter().map(|id| (id.clone(), (0, 0))).collect();
    if user_ids.is_empty() {
        return Ok(out);
    }
    let grouped = |by: Column| -> Select<Entity> {
        Entity::find()
            .select_only()
            .column(by)
            .column_as(Column::FollowerId.count(), "n")
            .filter(by.is_in(user_ids.to_vec()))
            .group_by(by)
    };
    let followers: Vec<(String, i64)> = grouped(Column::FollowingId).into_tuple().all(conn).await?;
    let following: Vec<(String, i64)> = grouped(Column::FollowerId).into_tuple().all(conn).await?;
    for (id, n) in followers {
        out.entry(id).or_default().0 = u64::try_from(n).unwrap_or(0);
    }
    for (id, n) in following {
        out.entry(id).or_default().1 = u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escapes_wildcards() {
        assert_eq!(like_pattern("A_b%"), "%a\\_b\\%%");
    }

    #[test]
    fn email_format() {
        assert!(valid_email("bob@example.org"));
        assert!(!valid_email("bob@"));
        assert!(!valid_email("not an email"));
    }
}
