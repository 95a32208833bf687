//! The rules of the user-changing admin actions: creating and deleting accounts, follows made by
//! an admin, activation, approval, follow suggestions, tags and permission groups.
//!
//! Every action runs in one write transaction (`Db::begin`, IMMEDIATE on SQLite) together with
//! its single moderation-log entry. The users an action names are re-read inside that
//! transaction and, on PostgreSQL, locked `FOR NO KEY UPDATE` in id order
//! ([`users::require_by_nicknames`]), so concurrent admins never lose each other's changes and
//! never deadlock on each other. Tags are added with insert-or-ignore and removed with a
//! delete, never read-modified-written. Passwords of new accounts are hashed before the
//! transaction opens.
//!
//! Unknown nicknames: Pleroma crashes (500) on an unknown nickname in any of the bulk lists and
//! its transaction rolls back, so nothing changes and nothing is logged. The gateway does the
//! same without the crash: the whole action is refused with 404 `Not found`. Follow and
//! unfollow are the exception Pleroma documents: they succeed and do nothing (no log entry).
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use entity::{follow, user, user_tag};
use sea_orm::{sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};

use super::{
    input_sizes,
    moderation_log::{record, subjects, Action, Actor, Permission, Subject},
    oauth, password,
    users::{self, user_ids, NewUser},
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// One account to create (`POST /api/v1/pleroma/admin/users`).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub nickname: String,
    pub email: String,
    pub password: String,
}

/// Which revoke form is asked: it decides the refusal message and the order of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeForm {
    /// `DELETE /users/:nickname/permission_group/:group` (deprecated single-user form): the
    /// self-check comes first, even for an unknown group.
    Single,
    /// `DELETE /users/permission_group/:group` with `nicknames`: the group is checked first.
    Multi,
}

/// The refusal of the single-user revoke form when the caller names themself.
pub const SELF_REVOKE_SINGLE: &str = "You can't revoke your own admin status.";
/// The refusal of the multi-user revoke form when the list holds the caller.
pub const SELF_REVOKE_MULTI: &str = "You can't revoke your own admin/moderator status.";
/// The 404 of an unknown permission group.
pub const NO_SUCH_GROUP: &str = "No such permission_group";

/// `admin` or `moderator`; anything else is Pleroma's 404 `No such permission_group`.
pub fn permission_group(group: &str) -> AppResult<Permission> {
    match group {
        "admin" => Ok(Permission::Admin),
        "moderator" => Ok(Permission::Moderator),
        _ => Err(AppError::NotFound(NO_SUCH_GROUP.into())),
    }
}

/// Re-read users after an update, in the order of `before`.
async fn reload<C: ConnectionTrait>(conn: &C, before: &[user::Model]) -> AppResult<Vec<user::Model>> {
    if before.is_empty() {
        return Ok(Vec::new());
    }
    let rows = users::by_ids(conn, &user_ids(before)).await?;
    let mut by_id: HashMap<String, user::Model> = rows.into_iter().map(|u| (u.id.clone(), u)).collect();
    before.iter().map(|u| by_id.remove(&u.id).ok_or_else(AppError::not_found)).collect()
}

/// Set one boolean column of these users (and `updated_at`).
async fn set_flag<C: ConnectionTrait>(
    conn: &C,
    users: &[user::Model],
    column: user::Column,
    value: bool,
) -> AppResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    user::Entity::update_many()
        .col_expr(column, Expr::value(value))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.is_in(user_ids(users)))
        .exec(conn)
        .await?;
    Ok(())
}

/// The first error of one account, worded as Pleroma's `create_error.json` does: the nickname's
/// error, else the email's, else the password's; `""` when the account is valid.
fn first_error(fields: &BTreeMap<String, String>) -> String {
    ["nickname", "email", "password"]
        .iter()
        .find_map(|field| fields.get(*field).map(|msg| format!("{field} {msg}")))
        .unwrap_or_default()
}

/// Pleroma's 409 body: every account of the batch, in reverse request order (Pleroma lists
/// its `Ecto.Multi` operations, which are kept newest first), valid ones with `error: ""`.
fn create_conflict(accounts: &[NewAccount], errors: &[String]) -> AppError {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let details: Vec<Value> = accounts
        .iter()
        .zip(errors)
        .rev()
        .map(|(account, error)| {
            json!({
                "type": "error",
                "code": 409,
                "error": error,
                "data": { "nickname": non_empty(&account.nickname), "email": non_empty(&account.email) },
            })
        })
        .collect();
    let message = errors.iter().find(|e| !e.is_empty()).cloned().unwrap_or_else(|| "conflict".into());
    AppError::Conflict { message, details: Value::Array(details) }
}

/// The field a unique-constraint failure names (`nickname` for the nickname and the ActivityPub
/// id, as Pleroma reports both), when `err` is one.
fn unique_violation(err: &AppError) -> Option<&'static str> {
    let AppError::Unique(detail) = err else { return None };
    Some(if detail.to_lowercase().contains("email") { "email" } else { "nickname" })
}

/// Create local accounts, all or none (Pleroma's `POST /admin/users`): confirmed, approved,
/// display name = nickname, bio = `.`. Any invalid account refuses the whole batch with
/// [`AppError::Conflict`] whose details are Pleroma's 409 array. Logs one `create` entry.
pub async fn create_users(
    db: &Db,
    settings: &Settings,
    actor: &Actor,
    accounts: &[NewAccount],
) -> AppResult<Vec<user::Model>> {
    input_sizes::check_count("users", accounts, input_sizes::MAX_NEW_ACCOUNTS)?;
    // Hash before the transaction: argon2 must not run while it holds the writer.
    let mut hashes = Vec::with_capacity(accounts.len());
    for account in accounts {
        hashes.push(password::hash(account.password.clone()).await?);
    }
    let txn = db.begin().await?;
    let mut errors = Vec::with_capacity(accounts.len());
    let mut nicknames = HashSet::new();
    let mut emails = HashSet::new();
    let new_users: Vec<NewUser> = accounts
        .iter()
        .map(|a| NewUser {
            nickname: a.nickname.clone(),
            email: a.email.clone(),
            password: a.password.clone(),
            ..Default::default()
        })
        .collect();
    for new in &new_users {
        let mut fields = match users::validate_new(&txn, new).await {
            Ok(()) => BTreeMap::new(),
            Err(AppError::Invalid(fields)) => fields,
            Err(other) => return Err(other),
        };
        // Two accounts of one batch cannot share a nickname or an email either.
        if !nicknames.insert(new.nickname.to_lowercase()) && !fields.contains_key("nickname") {
            fields.insert("nickname".into(), "has already been taken".into());
        }
        if !emails.insert(new.email.to_lowercase()) && !fields.contains_key("email") {
            fields.insert("email".into(), "has already been taken".into());
        }
        errors.push(first_error(&fields));
    }
    if errors.iter().any(|e| !e.is_empty()) {
        return Err(create_conflict(accounts, &errors));
    }
    let mut created = Vec::with_capacity(new_users.len());
    for (i, (new, hash)) in new_users.iter().zip(hashes).enumerate() {
        match users::insert_local(&txn, settings, new, hash).await {
            Ok(user) => created.push(user),
            // A concurrent request took the nickname or email after our check (PostgreSQL).
            Err(err) => match unique_violation(&err) {
                Some(field) => {
                    errors[i] = format!("{field} has already been taken");
                    return Err(create_conflict(accounts, &errors));
                }
                None => return Err(err),
            },
        }
    }
    record(&txn, actor, &Action::Create { subjects: subjects(&created) }).await?;
    txn.commit().await?;
    Ok(created)
}

/// Delete accounts as Pleroma does ([`super::purge`]): each becomes a tombstone at once and a
/// durable job deletes their content and relationships (and the row of a local account never
/// confirmed or approved). `nickname`, the deprecated single form, wins over `nicknames`.
/// Returns the nicknames as requested. Logs one `delete` entry, in the same transaction as the
/// tombstones and the jobs.
pub async fn delete_users(
    db: &Db,
    actor: &Actor,
    nicknames: Option<Vec<String>>,
    nickname: Option<String>,
) -> AppResult<Vec<String>> {
    let nicknames = match (nickname, nicknames) {
        (Some(one), _) => vec![one],
        (None, Some(many)) => many,
        (None, None) => return Err(AppError::BadRequest("Missing field: nicknames.".into())),
    };
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, &nicknames).await?;
    if !users.is_empty() {
        super::purge::delete_users(&txn, &user_ids(&users)).await?;
    }
    record(&txn, actor, &Action::Delete { subjects: subjects(&users) }).await?;
    txn.commit().await?;
    Ok(nicknames)
}

/// The two sides of an admin-made follow, when both exist.
pub struct FollowPair {
    pub follower: user::Model,
    pub followed: user::Model,
}

async fn lock_pair<C: ConnectionTrait>(conn: &C, follower: &str, followed: &str) -> AppResult<Option<FollowPair>> {
    let Some(found) = users::lock_by_nicknames(conn, &[follower.to_string(), followed.to_string()]).await? else {
        return Ok(None);
    };
    let find = |nickname: &str| found.iter().find(|u| u.nickname == nickname).cloned();
    Ok(find(follower).zip(find(followed)).map(|(follower, followed)| FollowPair { follower, followed }))
}

/// Make `follower` follow `followed` (nothing happens, and nothing is logged, when either is
/// unknown; a deactivated `followed` is not followed but the attempt is logged, as in Pleroma).
pub async fn follow(db: &Db, actor: &Actor, follower: &str, followed: &str) -> AppResult<Option<FollowPair>> {
    let txn = db.begin().await?;
    let Some(pair) = lock_pair(&txn, follower, followed).await? else {
        return Ok(None);
    };
    if pair.followed.is_active {
        follow::Entity::insert(follow::ActiveModel {
            follower_id: Set(pair.follower.id.clone()),
            following_id: Set(pair.followed.id.clone()),
            inserted_at: Set(Utc::now()),
            ..Default::default()
        })
        .on_conflict_do_nothing()
        .exec_without_returning(&txn)
        .await?;
    }
    let action = Action::Follow { follower: Subject::from(&pair.follower), followed: Subject::from(&pair.followed) };
    record(&txn, actor, &action).await?;
    txn.commit().await?;
    Ok(Some(pair))
}

/// Make `follower` stop following `followed` (nothing happens, and nothing is logged, when
/// either is unknown).
pub async fn unfollow(db: &Db, actor: &Actor, follower: &str, followed: &str) -> AppResult<Option<FollowPair>> {
    let txn = db.begin().await?;
    let Some(pair) = lock_pair(&txn, follower, followed).await? else {
        return Ok(None);
    };
    follow::Entity::delete_many()
        .filter(follow::Column::FollowerId.eq(pair.follower.id.as_str()))
        .filter(follow::Column::FollowingId.eq(pair.followed.id.as_str()))
        .exec(&txn)
        .await?;
    let action = Action::Unfollow { follower: Subject::from(&pair.follower), followed: Subject::from(&pair.followed) };
    record(&txn, actor, &action).await?;
    txn.commit().await?;
    Ok(Some(pair))
}

/// Activate or deactivate already-locked users and log it; deactivation revokes their tokens.
async fn apply_activation<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    users: &[user::Model],
    active: bool,
) -> AppResult<Vec<user::Model>> {
    set_flag(conn, users, user::Column::IsActive, active).await?;
    if !active {
        oauth::revoke_user_tokens(conn, &user_ids(users)).await?;
    }
    let subjects = subjects(users);
    let action = if active { Action::Activate { subjects } } else { Action::Deactivate { subjects } };
    record(conn, actor, &action).await?;
    reload(conn, users).await
}

/// What `pleroma-gateway user set` changes; `None` leaves a flag as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct OperatorChanges {
    pub admin: Option<bool>,
    pub moderator: Option<bool>,
    pub active: Option<bool>,
    pub confirmed: Option<bool>,
}

/// Roles, activation and confirmation of one local user changed by `actor` (the operator at the
/// command line), all in one transaction, each change logged as the admin API logs it: `grant`
/// or `revoke` per role, `activate`/`deactivate` (deactivation revokes the tokens),
/// `confirm_email`, and `unconfirm_email` (the admin API cannot unconfirm). A remote or unknown
/// user: not found.
pub async fn set_by_operator(
    db: &Db,
    actor: &Actor,
    nickname: &str,
    changes: OperatorChanges,
) -> AppResult<user::Model> {
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, &[nickname.to_string()]).await?;
    if users.iter().any(|u| !u.local) {
        return Err(AppError::not_found());
    }
    for (permission, value) in [(Permission::Admin, changes.admin), (Permission::Moderator, changes.moderator)] {
        let Some(value) = value else { continue };
        set_flag(&txn, &users, permission_column(permission), value).await?;
        let subjects = subjects(&users);
        let action =
            if value { Action::Grant { subjects, permission } } else { Action::Revoke { subjects, permission } };
        record(&txn, actor, &action).await?;
    }
    if let Some(active) = changes.active {
        apply_activation(&txn, actor, &users, active).await?;
    }
    match changes.confirmed {
        Some(true) => {
            super::credentials::confirm(&txn, &user_ids(&users)).await?;
            record(&txn, actor, &Action::ConfirmEmail { subjects: subjects(&users) }).await?;
        }
        Some(false) => {
            set_flag(&txn, &users, user::Column::IsConfirmed, false).await?;
            record(&txn, actor, &Action::UnconfirmEmail { subjects: subjects(&users) }).await?;
        }
        None => {}
    }
    let mut updated = reload(&txn, &users).await?;
    txn.commit().await?;
    updated.pop().ok_or_else(AppError::not_found)
}

/// Flip one user's activation; logs `activate` when the user was inactive, else `deactivate`.
pub async fn toggle_activation(db: &Db, actor: &Actor, nickname: &str) -> AppResult<user::Model> {
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, &[nickname.to_string()]).await?;
    let active = !users.first().ok_or_else(AppError::not_found)?.is_active;
    let mut updated = apply_activation(&txn, actor, &users, active).await?;
    txn.commit().await?;
    updated.pop().ok_or_else(AppError::not_found)
}

/// Activate (`true`) or deactivate (`false`) users; one `activate`/`deactivate` entry.
pub async fn set_activation(db: &Db, actor: &Actor, nicknames: &[String], active: bool) -> AppResult<Vec<user::Model>> {
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, nicknames).await?;
    let updated = apply_activation(&txn, actor, &users, active).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Approve pending registrations; one `approve` entry.
pub async fn approve(db: &Db, actor: &Actor, nicknames: &[String]) -> AppResult<Vec<user::Model>> {
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, nicknames).await?;
    set_flag(&txn, &users, user::Column::IsApproved, true).await?;
    record(&txn, actor, &Action::Approve { subjects: subjects(&users) }).await?;
    let updated = reload(&txn, &users).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Add users to (`true`) or remove them from (`false`) the follow suggestions; one
/// `add_suggestion`/`remove_suggestion` entry.
pub async fn set_suggested(
    db: &Db,
    actor: &Actor,
    nicknames: &[String],
    suggested: bool,
) -> AppResult<Vec<user::Model>> {
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, nicknames).await?;
    set_flag(&txn, &users, user::Column::IsSuggested, suggested).await?;
    let subjects = subjects(&users);
    let action = if suggested { Action::AddSuggestion { subjects } } else { Action::RemoveSuggestion { subjects } };
    record(&txn, actor, &action).await?;
    let updated = reload(&txn, &users).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Tags as Pleroma stores them: lower-cased, each once.
fn normalize_tags(tags: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    tags.iter().map(|t| t.to_lowercase()).filter(|t| seen.insert(t.clone())).collect()
}

/// Add (`true`) or remove (`false`) tags on users; one `tag`/`untag` entry naming the
/// nicknames and tags as requested.
pub async fn set_tags(
    db: &Db,
    actor: &Actor,
    nicknames: &[String],
    tags: &[String],
    add: bool,
) -> AppResult<Vec<user::Model>> {
    input_sizes::check_tags(tags)?;
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, nicknames).await?;
    let normalized = normalize_tags(tags);
    if add {
        let rows: Vec<user_tag::ActiveModel> = users
            .iter()
            .flat_map(|u| {
                normalized.iter().map(|tag| user_tag::ActiveModel { user_id: Set(u.id.clone()), tag: Set(tag.clone()) })
            })
            .collect();
        // Users × tags rows, two values each: insert in chunks under the bind-variable limit.
        for chunk in rows.chunks(super::IN_CHUNK) {
            user_tag::Entity::insert_many(chunk.to_vec()).on_conflict_do_nothing().exec_without_returning(&txn).await?;
        }
    } else if !users.is_empty() && !normalized.is_empty() {
        user_tag::Entity::delete_many()
            .filter(user_tag::Column::UserId.is_in(user_ids(&users)))
            .filter(user_tag::Column::Tag.is_in(normalized))
            .exec(&txn)
            .await?;
    }
    let (nicknames, tags) = (nicknames.to_vec(), tags.to_vec());
    let action = if add { Action::Tag { nicknames, tags } } else { Action::Untag { nicknames, tags } };
    record(&txn, actor, &action).await?;
    txn.commit().await?;
    Ok(users)
}

fn permission_column(permission: Permission) -> user::Column {
    match permission {
        Permission::Admin => user::Column::IsAdmin,
        Permission::Moderator => user::Column::IsModerator,
    }
}

/// Grant a permission group (`admin` or `moderator`) to users; one `grant` entry.
pub async fn grant(
    db: &Db,
    actor: &Actor,
    nicknames: &[String],
    group: &str,
) -> AppResult<(Permission, Vec<user::Model>)> {
    let permission = permission_group(group)?;
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, nicknames).await?;
    set_flag(&txn, &users, permission_column(permission), true).await?;
    record(&txn, actor, &Action::Grant { subjects: subjects(&users), permission }).await?;
    let updated = reload(&txn, &users).await?;
    txn.commit().await?;
    Ok((permission, updated))
}

/// Revoke a permission group from users; one `revoke` entry. The caller can never revoke
/// their own group (403, worded by `form`).
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    nicknames: &[String],
    group: &str,
    form: RevokeForm,
) -> AppResult<(Permission, Vec<user::Model>)> {
    let names_self = !actor.operator && nicknames.iter().any(|n| n == &actor.nickname);
    let permission = match form {
        RevokeForm::Single => {
            if names_self {
                return Err(AppError::Forbidden(SELF_REVOKE_SINGLE.into()));
            }
            permission_group(group)?
        }
        RevokeForm::Multi => {
            let permission = permission_group(group)?;
            if names_self {
                return Err(AppError::Forbidden(SELF_REVOKE_MULTI.into()));
            }
            permission
        }
    };
    let txn = db.begin().await?;
    let users = users::require_by_nicknames(&txn, nicknames).await?;
    set_flag(&txn, &users, permission_column(permission), false).await?;
    record(&txn, actor, &Action::Revoke { subjects: subjects(&users), permission }).await?;
    let updated = reload(&txn, &users).await?;
    txn.commit().await?;
    Ok((permission, updated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(permission_group("admin").ok(), Some(Permission::Admin));
        assert_eq!(permission_group("moderator").ok(), Some(Permission::Moderator));
        assert!(matches!(permission_group("Admin"), Err(AppError::NotFound(m)) if m == NO_SUCH_GROUP));
    }

    #[test]
    fn first_error_prefers_nickname_then_email_then_password() {
        let fields = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(first_error(&fields(&[])), "");
        assert_eq!(
            first_error(&fields(&[("password", "can't be blank"), ("email", "has invalid format")])),
            "email has invalid format"
        );
        assert_eq!(
            first_error(&fields(&[("email", "x"), ("nickname", "has already been taken")])),
            "nickname has already been taken"
        );
        assert_eq!(first_error(&fields(&[("password", "can't be blank")])), "password can't be blank");
    }

    #[test]
    fn conflict_lists_every_account_newest_first() {
        let account = |n: &str, e: &str| NewAccount { nickname: n.into(), email: e.into(), password: "x".into() };
        let err = create_conflict(
            &[account("newuser", "new@example.org"), account("", "taken@example.org")],
            &["".into(), "nickname can't be blank".into()],
        );
        let AppError::Conflict { message, details } = err else { panic!("not a conflict") };
        assert_eq!(message, "nickname can't be blank");
        assert_eq!(
            details,
            json!([
                {"type": "error", "code": 409, "error": "nickname can't be blank",
                 "data": {"nickname": null, "email": "taken@example.org"}},
                {"type": "error", "code": 409, "error": "",
                 "data": {"nickname": "newuser", "email": "new@example.org"}},
            ])
        );
    }

    #[test]
    fn tags_are_lowercased_once() {
        let tags = ["Foo".to_string(), "foo".into(), "mrf_tag:x".into()];
        assert_eq!(normalize_tags(&tags), ["foo", "mrf_tag:x"]);
    }

    #[test]
    fn unique_violations_name_their_field() {
        let err = |m: &str| AppError::Unique(m.into());
        assert_eq!(unique_violation(&err("UNIQUE constraint failed: users.email")), Some("email"));
        assert_eq!(
            unique_violation(&err("duplicate key value violates unique constraint \"users_nickname_key\"")),
            Some("nickname")
        );
        assert_eq!(unique_violation(&err("UNIQUE constraint failed: users.ap_id")), Some("nickname"));
        assert_eq!(unique_violation(&AppError::Internal("connection reset".into())), None);
        assert_eq!(unique_violation(&AppError::not_found()), None);
    }
}
