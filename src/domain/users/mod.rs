//! Users: lookups, the admin search, and the rules for creating accounts.
mod create;
mod listed;
mod own;
mod search;

pub use create::{insert_local, valid_email, validate_new, NewUser, RESTRICTED_NICKNAMES};
pub use listed::{ListedUser, LISTED_COLUMNS};
pub use own::{own_reads, OwnReads};
pub use search::{like_pattern, UserSearch, UserState, SQLITE_ID_INDEX, SQLITE_LIST_INDEX};

use std::collections::{HashMap, HashSet};

use entity::{user, user_tag};
use sea_orm::{
    prelude::Expr, sea_query::LockType, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::input_sizes;
use crate::{error::AppError, ids};

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

/// Whether `viewer` may read the account `user` (Pleroma's `User.visible_for`): its owner and
/// staff who manage activation state always; others while it is active (a deactivated
/// account is not found).
pub fn visible_for(user: &user::Model, viewer: Option<&user::Model>, instance: &crate::config::Instance) -> bool {
    use crate::domain::privileges::Privilege;
    if user.is_active {
        return true;
    }
    viewer.is_some_and(|v| {
        v.id == user.id || Privilege::held_by(v, instance).contains(&Privilege::UsersManageActivationState)
    })
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
    input_sizes::check_nicknames(nicknames)?;
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
/// `(followers, following)` of each of these users, from their kept counters (one query).
pub async fn follow_counts_of<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[String],
) -> Result<HashMap<String, (u64, u64)>, AppError> {
    let mut out: HashMap<String, (u64, u64)> = user_ids.iter().map(|id| (id.clone(), (0, 0))).collect();
    for chunk in user_ids.chunks(super::IN_CHUNK) {
        let rows: Vec<(String, i64, i64)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::FollowersCount)
            .column(user::Column::FollowingCount)
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, followers, following) in rows {
            out.insert(id, follow_counts(followers, following));
        }
    }
    Ok(out)
}

fn follow_counts(followers: i64, following: i64) -> (u64, u64) {
    (u64::try_from(followers).unwrap_or(0), u64::try_from(following).unwrap_or(0))
}

/// `(followers, following)` of a user row, from its kept counters.
pub fn follow_counts_of_row(row: &user::Model) -> (u64, u64) {
    follow_counts(row.followers_count, row.following_count)
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
