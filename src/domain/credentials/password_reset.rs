//! Passwords: admin reset links, forced resets, the single-use reset tokens and the reset form's
//! submission (`PasswordResetToken`, `TwitterAPI.PasswordController`).
use std::collections::BTreeMap;

use chrono::Utc;
use entity::{password_reset_token, user};
use sea_orm::{
    prelude::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

use crate::domain::{
    mail::{Email, Mailer},
    moderation_log::{self, subjects, Action, Actor},
    oauth, password,
    token_digest::digest,
    users,
};
use crate::{config::Settings, db::Db, error::AppError};

use super::*;

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
