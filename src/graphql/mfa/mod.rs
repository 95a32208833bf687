//! The caller's multi-factor authentication (ROUTES.md §27, Pleroma's
//! `TwoFactorAuthenticationController`): the settings, TOTP set up, confirmed and switched off
//! (each change but the setup asks for the current password), and fresh backup codes. A wrong
//! password or code is `VALIDATION_FAILED` on the `password` or `code` field; an unknown method
//! is `BAD_REQUEST` ("undefined method" / "undefined mfa method").
use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::{ContextExt, FieldRule};
use crate::{
    auth::Access,
    domain::mfa::{self as domain, DisableMethod},
    error::AppError,
};

const READ: &[&str] = &["read:security"];
const WRITE: &[&str] = &["write:security"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "ownMfaSettings", Access::User(READ)),
    ("Mutation", "setupOwnTotp", Access::User(WRITE)),
    ("Mutation", "confirmOwnTotp", Access::User(WRITE)),
    ("Mutation", "disableOwnMfa", Access::User(WRITE)),
    ("Mutation", "generateOwnBackupCodes", Access::User(WRITE)),
];

/// Which multi-factor methods the caller has on.
#[derive(SimpleObject)]
pub struct MfaSettings {
    /// Multi-factor authentication is on: a password login needs a second step.
    pub enabled: bool,
    /// TOTP (an authenticator app) is set up and confirmed.
    pub totp: bool,
}

/// Reads of the caller's MFA settings.
#[derive(Default)]
pub struct MfaQuery;

#[Object]
impl MfaQuery {
    /// The caller's multi-factor settings.
    async fn own_mfa_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<MfaSettings> {
        let user = ctx.viewer().require_user()?;
        let found = domain::settings(&ctx.db().read, user).await?;
        Ok(MfaSettings { enabled: found.enabled, totp: found.totp })
    }
}

/// Which method to set up or confirm.
#[derive(InputObject)]
pub struct SetupOwnTotpInput {
    /// Only `totp` exists; anything else is refused with "undefined method".
    pub method: Option<String>,
}

/// A TOTP secret to load into an authenticator app.
#[derive(SimpleObject)]
pub struct SetupOwnTotpPayload {
    /// The secret, base32.
    pub key: String,
    /// `otpauth://totp/<email>?digits=…&issuer=…&period=…&secret=…`.
    pub provisioning_uri: String,
}

/// The code that proves the authenticator app holds the secret.
#[derive(InputObject)]
pub struct ConfirmOwnTotpInput {
    /// Only `totp`; anything else (or a missing password or code) is "undefined mfa method".
    pub method: Option<String>,
    /// The current password.
    pub password: Option<String>,
    /// The app's current code.
    pub code: Option<String>,
}

/// Which method to switch off.
#[derive(InputObject)]
pub struct DisableOwnMfaInput {
    /// `totp`, or `mfa` for everything; anything else is "undefined mfa method".
    pub method: Option<String>,
    /// The current password.
    pub password: Option<String>,
}

/// The caller's MFA settings after a change.
#[derive(SimpleObject)]
pub struct OwnMfaPayload {
    /// The settings now.
    pub settings: MfaSettings,
}

/// Fresh backup codes.
#[derive(SimpleObject)]
pub struct BackupCodesPayload {
    /// Each code works once, in place of a TOTP code; shown this once.
    pub codes: Vec<String>,
}

/// Changes to the caller's MFA settings.
#[derive(Default)]
pub struct MfaMutation;

fn payload(user: &entity::user::Model, totp: bool) -> OwnMfaPayload {
    OwnMfaPayload { settings: MfaSettings { enabled: user.mfa_enabled, totp } }
}

#[Object]
impl MfaMutation {
    /// Set up TOTP: a fresh secret, confirmed later with a code (replaces any earlier one).
    async fn setup_own_totp(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: SetupOwnTotpInput,
    ) -> async_graphql::Result<SetupOwnTotpPayload> {
        let user = ctx.viewer().require_user()?;
        if input.method.as_deref() != Some("totp") {
            return Err(AppError::BadRequest("undefined method".into()).into());
        }
        let setup = domain::setup_totp(ctx.db(), ctx.settings(), user).await?;
        Ok(SetupOwnTotpPayload { key: setup.key, provisioning_uri: setup.provisioning_uri })
    }

    /// Confirm TOTP with the current password and a code; MFA goes on.
    async fn confirm_own_totp(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ConfirmOwnTotpInput,
    ) -> async_graphql::Result<OwnMfaPayload> {
        let user = ctx.viewer().require_user()?;
        let (Some("totp"), Some(password), Some(code)) = (input.method.as_deref(), input.password, input.code) else {
            return Err(AppError::BadRequest("undefined mfa method".into()).into());
        };
        let user = domain::confirm_totp(ctx.db(), ctx.settings(), user, &password, &code).await?;
        Ok(payload(&user, true))
    }

    /// Switch TOTP (`totp`) or all of MFA (`mfa`) off, with the current password.
    async fn disable_own_mfa(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DisableOwnMfaInput,
    ) -> async_graphql::Result<OwnMfaPayload> {
        let user = ctx.viewer().require_user()?;
        let method = match input.method.as_deref() {
            Some("totp") => DisableMethod::Totp,
            Some("mfa") => DisableMethod::Mfa,
            _ => return Err(AppError::BadRequest("undefined mfa method".into()).into()),
        };
        let password = input.password.unwrap_or_default();
        let user = domain::disable(ctx.db(), user, &password, method).await?;
        Ok(payload(&user, false))
    }

    /// Fresh backup codes, replacing the earlier ones.
    async fn generate_own_backup_codes(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<BackupCodesPayload> {
        let user = ctx.viewer().require_user()?;
        let codes = domain::generate_backup_codes(ctx.db(), ctx.settings(), user).await?;
        Ok(BackupCodesPayload { codes })
    }
}
