//! Credentials: the admin's edit of a user's account fields, passwords (admin reset links,
//! forced resets, the single-use reset tokens and the reset form's submission), MFA, and email
//! confirmation — with the mails they send.
//!
//! Pleroma's sources: `AdminAPIController.update_user_credentials/get_password_reset/
//! force_password_reset/disable_mfa/confirm_email/resend_confirmation_email`,
//! `User.update_as_admin/reset_password/confirm`, `PasswordResetToken`,
//! `TwitterAPI.PasswordController`, `TwitterAPI.Controller.confirm_email` and
//! `Emails.UserEmail`.
use std::collections::BTreeMap;

use base64::Engine;
use chrono::{Duration, Utc};
use entity::{email_confirmation_token, password_reset_token, user};
use sea_orm::{
    prelude::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde_json::{json, Value};

use super::{
    mail::{Email, Mailer},
    moderation_log::{self, subjects, Action, Actor},
    oauth, password,
    secret::digest,
    users,
};
use crate::{config::Settings, db::Db, error::AppError};

/// How long a password-reset token stays valid (Pleroma's `password_reset_token_validity`).
pub const RESET_TOKEN_VALIDITY: Duration = Duration::hours(24);
/// Actor types an admin may set.
pub const ACTOR_TYPES: &[&str] = &["Person", "Service"];
/// Post visibilities a default scope may take.
pub const SCOPES: &[&str] = &["public", "unlisted", "private", "direct"];

/// A random token as Pleroma makes them: 32 random bytes, URL-safe base64 with padding.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

// ---------------------------------------------------------------------------------------------
// PATCH /admin/users/:nickname/credentials

/// The fields `PATCH /admin/users/:nickname/credentials` may change; `None` leaves a field
/// as it is.
#[derive(Debug, Clone, Default)]
pub struct CredentialChanges {
    /// New email; an empty string removes it (Ecto casts `""` to `nil`).
    pub email: Option<String>,
    /// New password: hashed with argon2id; the user's tokens are revoked and a reset forced.
    pub password: Option<String>,
    /// Display name; an empty string removes it.
    pub name: Option<String>,
    pub bio: Option<String>,
    /// An image URL, `{"url": "..."}`, `{"url": [{"href": "..."}]}` (an ActivityPub image),
    /// or `""`/`{}` to remove it.
    pub avatar: Option<Value>,
    pub banner: Option<Value>,
    pub background: Option<Value>,
    pub is_locked: Option<bool>,
    pub no_rich_text: Option<bool>,
    /// `public`, `unlisted`, `private` or `direct`.
    pub default_scope: Option<String>,
    pub hide_follows: Option<bool>,
    pub hide_followers: Option<bool>,
    pub hide_followers_count: Option<bool>,
    pub hide_follows_count: Option<bool>,
    pub hide_favorites: Option<bool>,
    pub allow_following_move: Option<bool>,
    pub show_role: Option<bool>,
    pub skip_thread_containment: Option<bool>,
    /// Profile fields as `(name, value)`.
    pub fields: Option<Vec<(String, String)>>,
    pub is_discoverable: Option<bool>,
    /// `Person` or `Service`.
    pub actor_type: Option<String>,
}

/// An image parameter: `Ok(Some(url))`, `Ok(None)` to remove, `Err(())` when malformed.
fn image_url(value: &Value) -> Result<Option<String>, ()> {
    match value {
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Object(map) if map.is_empty() => Ok(None),
        Value::Object(map) => match map.get("url") {
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(Value::Array(items)) => {
                items.first().and_then(|i| i.get("href")).and_then(Value::as_str).map(|s| Some(s.to_string())).ok_or(())
            }
            _ => Err(()),
        },
        _ => Err(()),
    }
}

/// Ecto's length messages are returned uninterpolated by Pleroma's admin controller (it keeps
/// the changeset's raw message), so the count placeholder is part of the message.
pub const TOO_LONG: &str = "should be at most %{count} character(s)";
const TOO_MANY: &str = "should have at most %{count} item(s)";

/// Check the changes as `User.update_as_admin` does; field → first message.
///
/// The email's uniqueness is checked only when everything else is valid: Pleroma learns of it
/// from the database's unique constraint, which is reached only by a valid changeset.
pub async fn validate_changes<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    user: &user::Model,
    changes: &CredentialChanges,
) -> Result<(), AppError> {
    let mut errors = BTreeMap::new();
    let mut error = |field: &str, message: &str| {
        errors.entry(field.to_string()).or_insert_with(|| message.to_string());
    };
    if let Some(email) = changes.email.as_deref().filter(|e| !e.is_empty() && Some(*e) != user.email.as_deref()) {
        if !users::valid_email(email) {
            error("email", "has invalid format");
        }
    }
    if let Some(password) = &changes.password {
        if password.is_empty() {
            error("password", "can't be blank");
            error("password_confirmation", "can't be blank");
        }
    }
    // The instance's limits (`:instance` `user_name_length`, `user_bio_length`, `max_account_fields`,
    // `account_field_name_length`, `account_field_value_length`).
    let limits = &settings.limits;
    if changes.name.as_deref().is_some_and(|n| n.chars().count() > limits.user_name_length) {
        error("name", TOO_LONG);
    }
    if changes.bio.as_deref().is_some_and(|b| b.chars().count() > limits.user_bio_length) {
        error("bio", TOO_LONG);
    }
    for (field, value) in
        [("avatar", &changes.avatar), ("banner", &changes.banner), ("background", &changes.background)]
    {
        if value.as_ref().is_some_and(|v| image_url(v).is_err()) {
            error(field, "is invalid");
        }
    }
    if changes.default_scope.as_deref().is_some_and(|s| !SCOPES.contains(&s)) {
        error("default_scope", "is invalid");
    }
    if changes.actor_type.as_deref().is_some_and(|t| !ACTOR_TYPES.contains(&t)) {
        error("actor_type", "is invalid");
    }
    if let Some(fields) = &changes.fields {
        if fields.len() > limits.max_account_fields {
            error("fields", TOO_MANY);
        } else if fields.iter().any(|(name, value)| {
            name.chars().count() > limits.account_field_name_length
                || value.chars().count() > limits.account_field_value_length
        }) {
            error("fields", "invalid");
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if let Some(email) = changes.email.as_deref().filter(|e| !e.is_empty() && Some(*e) != user.email.as_deref()) {
        let taken = user::Entity::find()
            .filter(users::same_text(user::Column::Email, email))
            .filter(user::Column::Id.ne(user.id.as_str()))
            .one(conn)
            .await?
            .is_some();
        if taken {
            return Err(AppError::invalid("email", "has already been taken"));
        }
    }
    Ok(())
}

/// `PATCH /admin/users/:nickname/credentials`: change a user's account fields as an admin.
///
/// Logs `updated_users`; a new password also revokes the user's tokens, forces a password reset
/// (the user must pick their own password through a reset link) and logs
/// `force_password_reset` after it, as Pleroma does. Unknown nickname: not found.
pub async fn update_credentials(
    db: &Db,
    settings: &Settings,
    actor: &Actor,
    nickname: &str,
    changes: CredentialChanges,
) -> Result<user::Model, AppError> {
    // Validate and hash before taking the write lock; validate again inside it.
    let user = users::find_by_nickname(&db.read, nickname).await?.ok_or_else(AppError::not_found)?;
    validate_changes(&db.read, settings, &user, &changes).await?;
    let password_hash = match &changes.password {
        Some(p) => Some(password::hash(p.clone()).await?),
        None => None,
    };

    let txn = db.begin().await?;
    let user = users::find_by_nickname(&txn, nickname).await?.ok_or_else(AppError::not_found)?;
    validate_changes(&txn, settings, &user, &changes).await?;
    let mut row = user.clone().into_active_model();
    let c = changes;
    if let Some(email) = c.email {
        row.email = Set(Some(email).filter(|e| !e.is_empty()));
    }
    if let Some(name) = c.name {
        row.name = Set(Some(name).filter(|n| !n.is_empty()));
    }
    if let Some(bio) = c.bio {
        row.bio = Set(bio);
    }
    // Validated above, so every image parses.
    if let Some(url) = c.avatar.as_ref().and_then(|v| image_url(v).ok()) {
        row.avatar = Set(url);
    }
    if let Some(url) = c.banner.as_ref().and_then(|v| image_url(v).ok()) {
        row.banner = Set(url);
    }
    if let Some(url) = c.background.as_ref().and_then(|v| image_url(v).ok()) {
        row.background = Set(url);
    }
    let flags: [(Option<bool>, &mut sea_orm::ActiveValue<bool>); 11] = [
        (c.is_locked, &mut row.is_locked),
        (c.no_rich_text, &mut row.no_rich_text),
        (c.hide_follows, &mut row.hide_follows),
        (c.hide_followers, &mut row.hide_followers),
        (c.hide_followers_count, &mut row.hide_followers_count),
        (c.hide_follows_count, &mut row.hide_follows_count),
        (c.hide_favorites, &mut row.hide_favorites),
        (c.allow_following_move, &mut row.allow_following_move),
        (c.show_role, &mut row.show_role),
        (c.skip_thread_containment, &mut row.skip_thread_containment),
        (c.is_discoverable, &mut row.is_discoverable),
    ];
    for (value, column) in flags {
        if let Some(value) = value {
            *column = Set(value);
        }
    }
    if let Some(scope) = c.default_scope {
        row.default_scope = Set(scope);
    }
    if let Some(actor_type) = c.actor_type {
        row.actor_type = Set(actor_type);
    }
    if let Some(fields) = c.fields {
        // Stored as given, both as typed and for display (Pleroma's admin update keeps
        // them verbatim too).
        let list =
            Value::Array(fields.into_iter().map(|(name, value)| json!({"name": name, "value": value})).collect());
        row.fields = Set(list.clone());
        row.raw_fields = Set(list);
    }
    if let Some(hash) = &password_hash {
        row.password_hash = Set(Some(hash.clone()));
        row.password_reset_pending = Set(true);
    }
    let name = match &row.name {
        sea_orm::ActiveValue::Set(n) | sea_orm::ActiveValue::Unchanged(n) => n.clone(),
        sea_orm::ActiveValue::NotSet => user.name.clone(),
    };
    let email = match &row.email {
        sea_orm::ActiveValue::Set(e) | sea_orm::ActiveValue::Unchanged(e) => e.clone(),
        sea_orm::ActiveValue::NotSet => user.email.clone(),
    };
    row.search_text = Set(users::search_text(&user.nickname, name.as_deref(), email.as_deref()));
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await?;

    let subject = subjects(std::slice::from_ref(&updated));
    moderation_log::record(&txn, actor, &Action::UpdatedUsers { subjects: subject.clone() }).await?;
    if password_hash.is_some() {
        oauth::revoke_user_tokens(&txn, std::slice::from_ref(&updated.id)).await?;
        moderation_log::record(&txn, actor, &Action::ForcePasswordReset { subjects: subject }).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

// ---------------------------------------------------------------------------------------------
// Password resets

/// A fresh single-use reset token for a user (only its digest is stored).
pub async fn create_reset_token<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<String, AppError> {
    let token = random_token();
    password_reset_token::ActiveModel {
        token: Set(digest(&token)),
        user_id: Set(user_id.to_string()),
        used: Set(false),
        inserted_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The page a reset token opens: `<instance>/api/v1/pleroma/password_reset/<token>`.
pub fn reset_link(settings: &Settings, token: &str) -> String {
    format!("{}/api/v1/pleroma/password_reset/{token}", settings.instance_url)
}

/// `GET /admin/users/:nickname/password_reset`: a reset token and its link for a local user
/// (no mail is sent). Unknown or remote user: not found.
pub async fn admin_reset_link(db: &Db, settings: &Settings, nickname: &str) -> Result<(String, String), AppError> {
    let txn = db.begin().await?;
    let user = users::find_by_nickname(&txn, nickname).await?.filter(|u| u.local).ok_or_else(AppError::not_found)?;
    let token = create_reset_token(&txn, &user.id).await?;
    txn.commit().await?;
    let link = reset_link(settings, &token);
    Ok((token, link))
}

/// Delete reset tokens that can no longer be used: spent or past their validity.
pub async fn delete_stale_reset_tokens<C: ConnectionTrait>(conn: &C) -> Result<u64, AppError> {
    let done = password_reset_token::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(password_reset_token::Column::Used.eq(true))
                .add(password_reset_token::Column::InsertedAt.lt(Utc::now() - RESET_TOKEN_VALIDITY)),
        )
        .exec(conn)
        .await?;
    Ok(done.rows_affected)
}

/// Whether a reset token is past its validity (Pleroma: strictly more than 24 hours old).
pub fn expired(token: &password_reset_token::Model) -> bool {
    Utc::now() - token.inserted_at > RESET_TOKEN_VALIDITY
}

/// An unused, unexpired reset token and the user it resets; `None` otherwise.
pub async fn usable_reset_token<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<(password_reset_token::Model, user::Model)>, AppError> {
    let Some(row) = password_reset_token::Entity::find_by_id(digest(token)).one(conn).await? else {
        return Ok(None);
    };
    if row.used || expired(&row) {
        return Ok(None);
    }
    Ok(user::Entity::find_by_id(row.user_id.clone()).one(conn).await?.map(|user| (row, user)))
}

/// Submit the reset form: set the new password, clear `password_reset_pending`, mark the token
/// used and revoke the user's tokens (`PasswordResetToken.reset_password`).
///
/// Fails with `BadRequest` for an unknown, used or expired token, and `Invalid` when the
/// password is blank or its confirmation differs; the token stays usable then.
pub async fn reset_password(
    db: &Db,
    token: &str,
    new_password: &str,
    confirmation: &str,
) -> Result<user::Model, AppError> {
    if usable_reset_token(&db.read, token).await?.is_none() {
        return Err(AppError::BadRequest("Invalid token".into()));
    }
    let mut errors = BTreeMap::new();
    if new_password.is_empty() {
        errors.insert("password".to_string(), "can't be blank".to_string());
    }
    if confirmation.is_empty() {
        errors.insert("password_confirmation".to_string(), "can't be blank".to_string());
    } else if confirmation != new_password {
        errors.insert("password_confirmation".to_string(), "does not match confirmation".to_string());
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let hash = password::hash(new_password.to_string()).await?;

    let txn = db.begin().await?;
    let (row, user) =
        usable_reset_token(&txn, token).await?.ok_or_else(|| AppError::BadRequest("Invalid token".into()))?;
    // Spend the token first: of two concurrent submissions only one may win.
    let spent = password_reset_token::Entity::update_many()
        .col_expr(password_reset_token::Column::Used, Expr::value(true))
        .filter(password_reset_token::Column::Token.eq(row.token.as_str()))
        .filter(password_reset_token::Column::Used.eq(false))
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(AppError::BadRequest("Invalid token".into()));
    }
    let mut active = user.into_active_model();
    active.password_hash = Set(Some(hash));
    active.password_reset_pending = Set(false);
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    oauth::revoke_user_tokens(&txn, std::slice::from_ref(&user.id)).await?;
    txn.commit().await?;
    Ok(user)
}

/// `POST /auth/password` (`TwitterAPI.password_reset`): mail a reset link to an active local
/// user with an email, found by nickname or else by email. Says nothing about who exists:
/// every outcome is `Ok`.
pub async fn request_password_reset(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    nickname_or_email: &str,
) -> Result<(), AppError> {
    let found = match users::find_by_nickname(&db.read, nickname_or_email).await? {
        Some(user) => Some(user),
        None => users::find_by_email(&db.read, nickname_or_email).await?,
    };
    let Some(user) = found.filter(|u| u.local && u.is_active) else { return Ok(()) };
    let Some(address) = user.email.clone() else { return Ok(()) };
    let txn = db.begin().await?;
    let token = create_reset_token(&txn, &user.id).await?;
    txn.commit().await?;
    deliver(mailer, password_reset_email(settings, &address, &token)).await;
    Ok(())
}

/// Pleroma's password-reset mail (`UserEmail.password_reset_email`), as text.
pub fn password_reset_email(settings: &Settings, to: &str, token: &str) -> Email {
    let name = &settings.instance.name;
    Email {
        to: to.to_string(),
        subject: "Password reset".into(),
        text: format!(
            "Reset your password at {name}\n\n\
             Someone has requested password change for your account at {name}.\n\n\
             If it was you, visit the following link to proceed: {link}\n\n\
             If it was someone else, nothing to worry about: your data is secure and your password has not been \
             changed.\n",
            link = reset_link(settings, token)
        ),
    }
}

/// `PATCH /admin/users/force_password_reset`: the users must pick a new password before they
/// can sign in again; their tokens are revoked. Logs `force_password_reset` (when the list is
/// not empty). Any unknown nickname refuses the whole action with `NotFound`: nothing changes,
/// nothing is logged.
pub async fn force_password_reset(db: &Db, actor: &Actor, nicknames: &[String]) -> Result<Vec<user::Model>, AppError> {
    let txn = db.begin().await?;
    let found = users::require_by_nicknames(&txn, nicknames).await?;
    if found.is_empty() {
        return Ok(vec![]);
    }
    let ids = users::user_ids(&found);
    user::Entity::update_many()
        .col_expr(user::Column::PasswordResetPending, Expr::value(true))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    oauth::revoke_user_tokens(&txn, &ids).await?;
    moderation_log::record(&txn, actor, &Action::ForcePasswordReset { subjects: subjects(&found) }).await?;
    txn.commit().await?;
    Ok(found.into_iter().map(|u| user::Model { password_reset_pending: true, ..u }).collect())
}

// ---------------------------------------------------------------------------------------------
// MFA

/// `PUT /admin/users/disable_mfa`: turn off a user's multi-factor authentication (secret and
/// backup codes cleared). Not logged,
/// as in Pleroma. Unknown nickname: not found.
pub async fn disable_mfa(db: &Db, nickname: &str) -> Result<user::Model, AppError> {
    let txn = db.begin().await?;
    let user = users::find_by_nickname(&txn, nickname).await?.ok_or_else(AppError::not_found)?;
    let mut row = user.into_active_model();
    row.mfa_enabled = Set(false);
    row.updated_at = Set(Utc::now());
    let user = row.update(&txn).await?;
    // The TOTP secret and backup codes go too: switching MFA on again starts from a new setup.
    super::mfa::clear(&txn, &user.id).await?;
    txn.commit().await?;
    Ok(user)
}

// ---------------------------------------------------------------------------------------------
// Email confirmation

/// The link that confirms a user's email: `<instance>/api/account/confirm_email/<id>/<token>`.
pub fn confirmation_link(settings: &Settings, user_id: &str, token: &str) -> String {
    format!("{}/api/account/confirm_email/{user_id}/{token}", settings.instance_url)
}

/// A fresh confirmation token for the user, replacing any earlier one. Only its digest is
/// stored, so a pending token cannot be mailed again: each (re)send carries a new link and the
/// previous link stops working (Pleroma, which stores the token in plain text, resends it).
pub async fn confirmation_token<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<String, AppError> {
    use sea_orm::sea_query::OnConflict;
    let token = random_token();
    email_confirmation_token::Entity::insert(email_confirmation_token::ActiveModel {
        user_id: Set(user_id.to_string()),
        token: Set(digest(&token)),
        inserted_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(email_confirmation_token::Column::UserId)
            .update_columns([email_confirmation_token::Column::Token, email_confirmation_token::Column::InsertedAt])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(token)
}

/// Pleroma's account-confirmation mail (`UserEmail.account_confirmation_email`), as text.
pub fn confirmation_email(settings: &Settings, to: &str, user_id: &str, token: &str) -> Email {
    let name = &settings.instance.name;
    Email {
        to: to.to_string(),
        subject: format!("{name} account confirmation"),
        text: format!(
            "Welcome to {name}!\n\n\
             Email confirmation is required to activate the account.\n\n\
             Click the following link to proceed: {link}\n",
            link = confirmation_link(settings, user_id, token)
        ),
    }
}

/// Whether a confirmation mail can go to this user: local, unconfirmed, with an email.
pub fn awaits_confirmation(user: &user::Model) -> bool {
    user.local && !user.is_confirmed && user.email.as_deref().is_some_and(|e| !e.is_empty())
}

/// Mark users confirmed and drop their confirmation tokens (`User.confirm`).
pub(crate) async fn confirm<C: ConnectionTrait>(conn: &C, ids: &[String]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    user::Entity::update_many()
        .col_expr(user::Column::IsConfirmed, Expr::value(true))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .exec(conn)
        .await?;
    email_confirmation_token::Entity::delete_many()
        .filter(email_confirmation_token::Column::UserId.is_in(ids.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}

/// `PATCH /admin/users/confirm_email`: mark the users' emails confirmed. Logs `confirm_email`
/// (when the list is not empty). Any unknown nickname refuses the whole action with
/// `NotFound`: nothing changes, nothing is logged.
pub async fn confirm_emails(db: &Db, actor: &Actor, nicknames: &[String]) -> Result<Vec<user::Model>, AppError> {
    let txn = db.begin().await?;
    let found = users::require_by_nicknames(&txn, nicknames).await?;
    if found.is_empty() {
        return Ok(vec![]);
    }
    let ids = users::user_ids(&found);
    confirm(&txn, &ids).await?;
    moderation_log::record(&txn, actor, &Action::ConfirmEmail { subjects: subjects(&found) }).await?;
    txn.commit().await?;
    Ok(found.into_iter().map(|u| user::Model { is_confirmed: true, ..u }).collect())
}

/// What `resendConfirmationEmails` did.
#[derive(Debug, Clone)]
pub struct Resent {
    /// Every user the nicknames named, in request order (all of them are logged).
    pub users: Vec<user::Model>,
    /// Those a confirmation mail went to: local, unconfirmed, with an email.
    pub mailed: Vec<user::Model>,
}

/// `PATCH /admin/users/resend_confirmation_email`: mail the confirmation link again to every
/// named user awaiting confirmation. Logs `resend_confirmation_email` for every named user
/// (when the list is not empty). Any unknown nickname refuses the whole action with
/// `NotFound`: nothing is mailed, nothing is logged.
pub async fn resend_confirmation_emails(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    actor: &Actor,
    nicknames: &[String],
) -> Result<Resent, AppError> {
    let txn = db.begin().await?;
    let found = users::require_by_nicknames(&txn, nicknames).await?;
    if found.is_empty() {
        return Ok(Resent { users: vec![], mailed: vec![] });
    }
    let mut outgoing = Vec::new();
    for user in found.iter().filter(|u| awaits_confirmation(u)) {
        let token = confirmation_token(&txn, &user.id).await?;
        outgoing.push((user.clone(), token));
    }
    moderation_log::record(&txn, actor, &Action::ResendConfirmationEmail { subjects: subjects(&found) }).await?;
    txn.commit().await?;
    let mut mailed = Vec::new();
    for (user, token) in outgoing {
        let address = user.email.clone().unwrap_or_default();
        if deliver(mailer, confirmation_email(settings, &address, &user.id, &token)).await {
            mailed.push(user);
        }
    }
    Ok(Resent { users: found, mailed })
}

/// Mail the confirmation link again to one user awaiting confirmation, at their own request
/// (`POST /api/v1/pleroma/accounts/confirmation_resend`; not logged: no staff acted).
pub async fn resend_own_confirmation(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    user: &user::Model,
) -> Result<(), AppError> {
    let token = confirmation_token(&db.write, &user.id).await?;
    let address = user.email.clone().unwrap_or_default();
    deliver(mailer, confirmation_email(settings, &address, &user.id, &token)).await;
    Ok(())
}

/// `GET /api/account/confirm_email/:user_id/:token`: the link in the confirmation mail.
/// Fails with `BadRequest` unless the user is local, unconfirmed and the token is theirs.
pub async fn confirm_by_token(db: &Db, user_id: &str, token: &str) -> Result<user::Model, AppError> {
    let invalid = || AppError::BadRequest("Invalid token".into());
    let txn = db.begin().await?;
    let user = user::Entity::find_by_id(user_id.to_string()).one(&txn).await?.ok_or_else(invalid)?;
    let stored = email_confirmation_token::Entity::find_by_id(user.id.clone()).one(&txn).await?;
    let matches = stored.is_some_and(|row| !token.is_empty() && row.token == digest(token));
    if !user.local || user.is_confirmed || !matches {
        return Err(invalid());
    }
    confirm(&txn, std::slice::from_ref(&user.id)).await?;
    txn.commit().await?;
    Ok(user::Model { is_confirmed: true, ..user })
}

/// Send a mail after the change it reports is committed. Delivery failures are logged, not
/// returned: like Pleroma's asynchronous mailer, they never undo or fail the request.
async fn deliver(mailer: &Mailer, email: Email) -> bool {
    let to = email.to.clone();
    match mailer.send(email).await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(%to, error = %err, "mail not sent");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        assert_eq!(image_url(&json!("https://x/a.png")), Ok(Some("https://x/a.png".into())));
        assert_eq!(image_url(&json!("")), Ok(None));
        assert_eq!(image_url(&json!({})), Ok(None));
        assert_eq!(image_url(&json!({"url": "https://x/a.png"})), Ok(Some("https://x/a.png".into())));
        assert_eq!(image_url(&json!({"url": [{"href": "https://x/b.png"}]})), Ok(Some("https://x/b.png".into())));
        assert_eq!(image_url(&json!(3)), Err(()));
        assert_eq!(image_url(&json!({"url": []})), Err(()));
    }

    #[test]
    fn tokens_look_like_pleromas() {
        let token = random_token();
        assert_eq!(token.len(), 44);
        assert!(token.ends_with('='));
        assert_ne!(token, random_token());
    }
}
