//! Multi-factor authentication, as Pleroma's `Pleroma.MFA`, `MFA.TOTP`, `MFA.BackupCodes` and
//! `MFA.Token`: a TOTP secret set up and then confirmed with a code, backup codes that each work
//! once (stored as digests, like tokens), and the short-lived token that carries a password
//! login on to its second factor. Whether MFA is on is `users.mfa_enabled` (Pleroma's
//! `settings.enabled`); the rest lives in `user_mfa`.
use chrono::{Duration, Utc};
use entity::{mfa_token, user, user_mfa};
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};

use super::{oauth::random_secret, own_account::confirm_password, token_digest::digest};
use crate::{
    config::{MultiFactorAuthentication, Settings},
    db::Db,
    error::{AppError, AppResult},
};

/// How long an MFA token lives (`MFA.Token`'s `@expires`, 300 seconds).
pub const TOKEN_LIFETIME_SECS: i64 = 300;

/// Pleroma's refusal of a wrong TOTP code (`{:error, :invalid_token}` rendered as JSON).
pub const INVALID_TOKEN: &str = "invalid_token";

/// A user's MFA settings as `GET /api/pleroma/accounts/mfa` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaSettings {
    /// MFA is on (`users.mfa_enabled`).
    pub enabled: bool,
    /// TOTP is set up and confirmed.
    pub totp: bool,
}

/// A secret just set up: the base32 key and the `otpauth://` URI an authenticator app reads.
#[derive(Debug, Clone)]
pub struct TotpSetup {
    pub key: String,
    pub provisioning_uri: String,
}

/// The settings row, if any, with the TOTP secret opened. The secret is stored sealed
/// (`sealed`); a row written before sealing is rewritten sealed on this first read.
pub async fn row<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<Option<user_mfa::Model>> {
    let Some(mut found) = user_mfa::Entity::find_by_id(user_id).one(conn).await? else { return Ok(None) };
    if let Some(stored) = found.totp_secret.take() {
        let key = super::sealed::key(conn).await?;
        let plain = super::sealed::open(&key, &stored)?;
        found.totp_secret = Some(plain);
        if !super::sealed::is_sealed(&stored) {
            save(conn, found.clone()).await?;
        }
    }
    Ok(Some(found))
}

/// `MFA.mfa_settings`.
pub async fn settings<C: ConnectionTrait>(conn: &C, user: &user::Model) -> AppResult<MfaSettings> {
    // Only whether a secret is there: nothing to open.
    let found = user_mfa::Entity::find_by_id(user.id.as_str()).one(conn).await?;
    let totp = found.is_some_and(|r| r.totp_confirmed && r.totp_secret.is_some());
    Ok(MfaSettings { enabled: user.mfa_enabled, totp })
}

/// `MFA.supported_methods`: the confirmed methods, comma-joined (`"totp"` or `""`).
pub async fn supported_methods<C: ConnectionTrait>(conn: &C, user: &user::Model) -> AppResult<String> {
    Ok(if settings(conn, user).await?.totp { "totp".into() } else { String::new() })
}

/// Write the settings row (insert or replace), the TOTP secret sealed.
async fn save<C: ConnectionTrait>(conn: &C, model: user_mfa::Model) -> AppResult<()> {
    let secret = match &model.totp_secret {
        Some(plain) => Some(super::sealed::seal(&super::sealed::key(conn).await?, plain)?),
        None => None,
    };
    let active = user_mfa::ActiveModel {
        user_id: Set(model.user_id),
        totp_secret: Set(secret),
        totp_confirmed: Set(model.totp_confirmed),
        backup_codes: Set(model.backup_codes),
        updated_at: Set(Utc::now()),
    };
    user_mfa::Entity::insert(active)
        .on_conflict(
            OnConflict::column(user_mfa::Column::UserId)
                .update_columns([
                    user_mfa::Column::TotpSecret,
                    user_mfa::Column::TotpConfirmed,
                    user_mfa::Column::BackupCodes,
                    user_mfa::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn blank(user_id: &str) -> user_mfa::Model {
    user_mfa::Model {
        user_id: user_id.into(),
        totp_secret: None,
        totp_confirmed: false,
        backup_codes: "[]".into(),
        updated_at: Utc::now(),
    }
}

/// `MFA.setup_totp`: a fresh secret (10 random bytes, base32), not yet confirmed; Pleroma's
/// setup replaces any earlier TOTP settings, confirmed or not.
pub async fn setup_totp(db: &Db, settings: &Settings, user: &user::Model) -> AppResult<TotpSetup> {
    let bytes: [u8; 10] = rand::random();
    let key = totp_rs::Secret::Raw(bytes.to_vec()).to_encoded().to_string();
    let mut current = row(&db.write, &user.id).await?.unwrap_or_else(|| blank(&user.id));
    current.totp_secret = Some(key.clone());
    current.totp_confirmed = false;
    save(&db.write, current).await?;
    let label = user.email.clone().unwrap_or_default();
    Ok(TotpSetup { provisioning_uri: provisioning_uri(settings, &key, &label), key })
}

/// `MFA.TOTP.provisioning_uri`: `otpauth://totp/<label>?digits=…&issuer=…&period=…&secret=…`
/// (the query keys sorted, as Elixir encodes a map).
pub fn provisioning_uri(settings: &Settings, secret: &str, label: &str) -> String {
    let totp = settings.instance.multi_factor_authentication.totp;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("digits", &totp.digits.to_string())
        .append_pair("issuer", &settings.instance.name)
        .append_pair("period", &totp.period.to_string())
        .append_pair("secret", secret)
        .finish();
    format!("otpauth://totp/{label}?{query}")
}

/// Whether `code` is the current TOTP code of `secret` (`:pot.valid_totp` with Pleroma's
/// options: the configured digits and period, no window).
pub fn valid_code(config: &MultiFactorAuthentication, secret: &str, code: &str) -> bool {
    let Ok(bytes) = totp_rs::Secret::Encoded(secret.to_string()).to_bytes() else { return false };
    let totp =
        totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, config.totp.digits, 0, config.totp.period.max(1), bytes);
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    !code.is_empty() && totp.check(code.trim(), now)
}

/// `POST /api/pleroma/accounts/mfa/confirm/totp`: the current password, then the code against
/// the secret set up; TOTP is confirmed and MFA switched on.
pub async fn confirm_totp(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    password: &str,
    code: &str,
) -> AppResult<user::Model> {
    let user = confirm_password(db, user, password).await.map_err(invalid_password)?;
    let current = row(&db.write, &user.id).await?;
    let secret = current.as_ref().and_then(|r| r.totp_secret.clone()).unwrap_or_default();
    if !valid_code(&settings.instance.multi_factor_authentication, &secret, code) {
        return Err(AppError::invalid("code", INVALID_TOKEN));
    }
    let txn = db.begin().await?;
    let mut current = current.unwrap_or_else(|| blank(&user.id));
    current.totp_confirmed = true;
    save(&txn, current).await?;
    let updated = set_enabled(&txn, user, true).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Which MFA method `DELETE /api/pleroma/accounts/mfa/:method` switches off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableMethod {
    /// TOTP; MFA goes off with it when no other method is left (`MFA.disable_totp`).
    Totp,
    /// Everything (`MFA.disable`).
    Mfa,
}

/// `DELETE /api/pleroma/accounts/mfa/:method`: the current password, then the method off.
/// TOTP being the only method, both forms end the same (`MFA.disable_totp` switches MFA off
/// once no method is left, `MFA.disable` always); backup codes stay, as in Pleroma.
pub async fn disable(db: &Db, user: &user::Model, password: &str, method: DisableMethod) -> AppResult<user::Model> {
    let user = confirm_password(db, user, password).await.map_err(invalid_password)?;
    let (DisableMethod::Totp | DisableMethod::Mfa) = method;
    let txn = db.begin().await?;
    let mut current = row(&txn, &user.id).await?.unwrap_or_else(|| blank(&user.id));
    current.totp_secret = None;
    current.totp_confirmed = false;
    save(&txn, current).await?;
    let updated = set_enabled(&txn, user, false).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The admin's `disable_mfa`: MFA off, and the TOTP secret and backup codes gone with it.
pub async fn clear<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<()> {
    user_mfa::Entity::delete_by_id(user_id).exec(conn).await?;
    mfa_token::Entity::delete_many().filter(mfa_token::Column::UserId.eq(user_id)).exec(conn).await?;
    Ok(())
}

fn invalid_password(err: AppError) -> AppError {
    match err {
        AppError::BadRequest(message) => AppError::invalid("password", &message),
        other => other,
    }
}

async fn set_enabled<C: ConnectionTrait>(conn: &C, user: user::Model, enabled: bool) -> AppResult<user::Model> {
    if user.mfa_enabled == enabled {
        return Ok(user);
    }
    let mut active = user.into_active_model();
    active.mfa_enabled = Set(enabled);
    active.updated_at = Set(Utc::now());
    Ok(active.update(conn).await?)
}

/// `GET /api/pleroma/accounts/mfa/backup_codes` (`MFA.generate_backup_codes`): fresh codes
/// (random hex), replacing the earlier ones; only their digests are kept.
pub async fn generate_backup_codes(db: &Db, settings: &Settings, user: &user::Model) -> AppResult<Vec<String>> {
    let config = settings.instance.multi_factor_authentication.backup_codes;
    let codes: Vec<String> = (0..config.number)
        .map(|_| {
            let bytes: Vec<u8> = (0..(config.length / 2).max(1)).map(|_| rand::random::<u8>()).collect();
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect();
    let digests: Vec<String> = codes.iter().map(|c| digest(c)).collect();
    let mut current = row(&db.write, &user.id).await?.unwrap_or_else(|| blank(&user.id));
    current.backup_codes = serde_json::to_string(&digests).map_err(AppError::internal)?;
    save(&db.write, current).await?;
    Ok(codes)
}

/// `TOTPAuthenticator.verify`: the code against a confirmed secret, MFA on.
pub async fn verify_totp<C: ConnectionTrait>(
    conn: &C,
    config: &MultiFactorAuthentication,
    user: &user::Model,
    code: &str,
) -> AppResult<bool> {
    if !user.mfa_enabled {
        return Ok(false);
    }
    let found = row(conn, &user.id).await?.filter(|r| r.totp_confirmed);
    Ok(found.and_then(|r| r.totp_secret).is_some_and(|secret| valid_code(config, &secret, code)))
}

/// `TOTPAuthenticator.verify_recovery_code`: a backup code, used up by this very call. The
/// list is swapped only if nobody changed it meanwhile, so of two concurrent uses of one code
/// exactly one succeeds.
pub async fn use_backup_code<C: ConnectionTrait>(conn: &C, user: &user::Model, code: &str) -> AppResult<bool> {
    if !user.mfa_enabled || code.is_empty() {
        return Ok(false);
    }
    let Some(current) = row(conn, &user.id).await? else { return Ok(false) };
    let mut codes: Vec<String> = serde_json::from_str(&current.backup_codes).unwrap_or_default();
    let wanted = digest(code.trim());
    let Some(at) = codes.iter().position(|c| *c == wanted) else { return Ok(false) };
    codes.remove(at);
    let left = serde_json::to_string(&codes).map_err(AppError::internal)?;
    let done = user_mfa::Entity::update_many()
        .col_expr(user_mfa::Column::BackupCodes, sea_orm::sea_query::Expr::value(left))
        .col_expr(user_mfa::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(user_mfa::Column::UserId.eq(user.id.as_str()))
        .filter(user_mfa::Column::BackupCodes.eq(current.backup_codes))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// `MFA.Token.create`: a token for the second step of `user`'s login, bound to the
/// authorization the first step made. Returns the token, shown once (its digest is stored).
pub async fn create_token<C: ConnectionTrait>(
    conn: &C,
    user: &user::Model,
    authorization_id: Option<i64>,
) -> AppResult<String> {
    let token = random_secret();
    let now = Utc::now();
    mfa_token::ActiveModel {
        token: Set(digest(&token)),
        user_id: Set(user.id.clone()),
        authorization_id: Set(authorization_id),
        valid_until: Set(now + Duration::seconds(TOKEN_LIFETIME_SECS)),
        inserted_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// `MFA.Token.validate`: the unexpired MFA token and its user.
pub async fn find_token<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> AppResult<Option<(mfa_token::Model, user::Model)>> {
    let found = mfa_token::Entity::find().filter(mfa_token::Column::Token.eq(digest(token))).one(conn).await?;
    let Some(found) = found.filter(|t| t.valid_until > Utc::now()) else { return Ok(None) };
    let user = user::Entity::find_by_id(found.user_id.as_str()).one(conn).await?;
    Ok(user.map(|u| (found, u)))
}

/// Delete an MFA token once its login went through.
pub async fn delete_token<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<()> {
    mfa_token::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// Delete expired MFA tokens and authorization codes.
pub async fn delete_expired<C: ConnectionTrait>(conn: &C) -> AppResult<u64> {
    let now = Utc::now();
    let tokens = mfa_token::Entity::delete_many().filter(mfa_token::Column::ValidUntil.lte(now)).exec(conn).await?;
    let codes = entity::oauth_authorization::Entity::delete_many()
        .filter(entity::oauth_authorization::Column::ValidUntil.lte(now))
        .exec(conn)
        .await?;
    Ok(tokens.rows_affected + codes.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_current_period_only() {
        let config = MultiFactorAuthentication::default();
        let secret = "JBSWY3DPEHPK3PXP";
        let bytes = totp_rs::Secret::Encoded(secret.into()).to_bytes().unwrap_or_default();
        let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes);
        let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
        if now % 30 < 28 {
            assert!(valid_code(&config, secret, &totp.generate(now)));
            assert!(!valid_code(&config, secret, &totp.generate(now - 60)));
        }
        assert!(!valid_code(&config, secret, ""));
        assert!(!valid_code(&config, "not base32!", "123456"));
    }

    #[test]
    fn provisioning_uri_as_pleroma() {
        let settings = Settings::for_database("sqlite::memory:", std::path::Path::new("/tmp"));
        let uri = provisioning_uri(&settings, "ABC", "bob@example.org");
        assert_eq!(uri, "otpauth://totp/bob@example.org?digits=6&issuer=Pleroma+Gateway&period=30&secret=ABC");
    }
}
