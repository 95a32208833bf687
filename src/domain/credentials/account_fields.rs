//! The admin's edit of a user's account fields (`User.update_as_admin`).
use std::collections::BTreeMap;

use chrono::Utc;
use entity::user;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{json, Value};

use crate::domain::{
    moderation_log::{self, subjects, Action, Actor},
    oauth, password, users,
};
use crate::{config::Settings, db::Db, error::AppError};

use super::*;

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
pub(super) fn image_url(value: &Value) -> Result<Option<String>, ()> {
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
