//! Credentials: the admin's edit of a user's account fields, passwords (admin reset links,
//! forced resets, the single-use reset tokens and the reset form's submission), MFA, and email
//! confirmation — with the mails they send.
//!
//! Pleroma's sources: `AdminAPIController.update_user_credentials/get_password_reset/
//! force_password_reset/disable_mfa/confirm_email/resend_confirmation_email`,
//! `User.update_as_admin/reset_password/confirm`, `PasswordResetToken`,
//! `TwitterAPI.PasswordController`, `TwitterAPI.Controller.confirm_email` and
//! `Emails.UserEmail`.
mod account_fields;
mod email_confirmation;
mod password_reset;

pub use account_fields::{update_credentials, validate_changes, CredentialChanges, TOO_LONG};
pub(crate) use email_confirmation::confirm;
pub use email_confirmation::{
    awaits_confirmation, confirm_by_token, confirm_emails, confirmation_email, confirmation_link, confirmation_token,
    resend_confirmation_emails, resend_own_confirmation, Resent,
};
pub use password_reset::{
    admin_reset_link, create_reset_token, delete_stale_reset_tokens, expired, force_password_reset,
    password_reset_email, request_password_reset, reset_link, reset_password, usable_reset_token,
};

use base64::Engine;
use chrono::{Duration, Utc};
use entity::user;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};

use super::{
    mail::{Email, Mailer},
    users,
};
use crate::{db::Db, error::AppError};

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
    use serde_json::json;

    use super::account_fields::image_url;
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
