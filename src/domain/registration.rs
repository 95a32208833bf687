//! Registration: `POST /api/v1/accounts` and `pleroma-gateway user new`, with Pleroma's
//! `register_changeset` rules for the instance's modes. With `account_activation_required` the
//! account starts unconfirmed and a confirmation mail goes out (the link of
//! [`super::credentials::confirmation_link`]); with `account_approval_required` it starts
//! unapproved, its `reason` kept for the admins. The password grant then refuses it with
//! Pleroma's 403 bodies until it is confirmed and approved.
use std::collections::BTreeMap;

use entity::user;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};

use super::{
    credentials,
    mail::Mailer,
    users::{self, NewUser},
};
use crate::{config::Settings, db::Db, error::AppError};

/// What a registration asks for.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub nickname: String,
    /// Optional unless the instance requires activation.
    pub email: Option<String>,
    pub password: String,
    /// Display name (default: the nickname).
    pub name: Option<String>,
    pub bio: Option<String>,
    /// Why the user wants to join (kept for the admins when approval is required).
    pub reason: Option<String>,
    pub is_admin: bool,
    pub is_moderator: bool,
    /// Registrations are closed: an invite `invite_token` must let the account in (Pleroma's
    /// `create_user_with_invite`); its use is counted in the registration's transaction.
    pub invite_required: bool,
    pub invite_token: Option<String>,
}

/// Where the account starts.
#[derive(Debug, Clone, Copy)]
pub struct StartState {
    pub confirmed: bool,
    pub approved: bool,
}

impl StartState {
    /// The instance's modes (`account_activation_required`, `account_approval_required`).
    pub fn of(settings: &Settings) -> StartState {
        StartState {
            confirmed: !settings.instance.account_activation_required,
            approved: !settings.instance.account_approval_required,
        }
    }
}

/// Pleroma's registration errors, field → messages (`{"email": ["has already been taken"]}`).
pub fn error_map(err: &AppError) -> Option<BTreeMap<String, Vec<String>>> {
    match err {
        AppError::Invalid(fields) => Some(fields.iter().map(|(k, v)| (k.clone(), vec![v.clone()])).collect()),
        _ => None,
    }
}

/// Create the account in `start` state; an unconfirmed one with an email gets the confirmation
/// mail. `password_hash` is the password already hashed (never inside the write transaction).
pub async fn register(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    registration: &Registration,
    password_hash: String,
    start: StartState,
) -> Result<user::Model, AppError> {
    let email = registration.email.clone().filter(|e| !e.is_empty());
    let new = NewUser {
        nickname: registration.nickname.clone(),
        email: email.clone().unwrap_or_default(),
        password: registration.password.clone(),
        name: registration.name.clone(),
        bio: registration.bio.clone(),
        is_admin: registration.is_admin,
        is_moderator: registration.is_moderator,
    };
    let txn = db.begin().await?;
    if registration.invite_required {
        super::invites::take(&txn, registration.invite_token.as_deref()).await?;
    }
    if let Err(AppError::Invalid(mut fields)) = users::validate_new(&txn, &new).await {
        // The email is required only when the instance requires activation.
        if email.is_none() && !settings.instance.account_activation_required {
            fields.remove("email");
        }
        if !fields.is_empty() {
            return Err(AppError::Invalid(fields));
        }
    }
    let created = users::insert_local(&txn, settings, &new, password_hash).await?;
    let mut row = created.into_active_model();
    row.email = Set(email);
    row.is_confirmed = Set(start.confirmed);
    row.is_approved = Set(start.approved);
    row.registration_reason = Set(registration.reason.clone().filter(|r| !r.is_empty()));
    let user = row.update(&txn).await?;
    let token = if credentials::awaits_confirmation(&user) {
        Some(credentials::confirmation_token(&txn, &user.id).await?)
    } else {
        None
    };
    txn.commit().await?;
    if let (Some(token), Some(to)) = (token, user.email.as_deref()) {
        // The account exists either way; a mail failure is logged (it can be resent).
        if let Err(err) = mailer.send(credentials::confirmation_email(settings, to, &user.id, &token)).await {
            tracing::warn!(error = %err, user = %user.nickname, "confirmation mail not sent");
        }
    }
    Ok(user)
}
