//! Pleroma's captcha (`Pleroma.Captcha`): `GET /api/pleroma/captcha` hands one out, and
//! registration checks the answer when `Pleroma.Captcha, :enabled` is on.
//!
//! Each captcha is a row of `captchas` (so every process sharing the database agrees): its token,
//! the answer as a digest (native: HMAC-SHA256 under an instance secret; Kocaptcha: the service's
//! MD5), when it was made and when it was used. The client also gets `answer_data`, which it
//! echoes back: as in Pleroma it is bound to the token and cannot be forged (here an HMAC of the
//! time the captcha was made, under a key derived from the instance secret and the token; the
//! answer stays in the database). A check runs Pleroma's steps in its order and with its
//! messages: parameters present, `answer_data` genuine, not expired, not used, answer right.
//! Unlike Pleroma, a wrong answer also uses the captcha up: every captcha gets one try (Pleroma
//! FE fetches a new one after a failed registration anyway).
mod kocaptcha;
mod native;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Duration, Utc};
use entity::captcha;
use hmac::{Hmac, Mac};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::Sha256;

use crate::{
    config::{CaptchaMethod, Settings},
    db::Db,
    error::AppError,
};

/// The instance secret the keys derive from.
const SECRET: &str = "captcha";
/// Longest token or `answer_data` looked at (Kocaptcha's tokens come from the service).
const MAX_TEXT: usize = 512;

/// A captcha handed out, as `GET /api/pleroma/captcha` shows it; only `kind` when captchas are
/// off (Pleroma's `{"type": "none"}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Captcha {
    /// `none`, `native` or `kocaptcha`.
    pub kind: &'static str,
    pub token: Option<String>,
    /// The image: a `data:image/png;base64,…` URI (native) or the service's image URL.
    pub url: Option<String>,
    /// Echoed back by the client with its answer.
    pub answer_data: Option<String>,
    pub seconds_valid: Option<u64>,
}

/// What a registration sends of a captcha (`captcha_token`, `captcha_solution`,
/// `captcha_answer_data`).
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub token: Option<String>,
    pub solution: Option<String>,
    pub answer_data: Option<String>,
}

/// What a method made: the token, the image's URL and the answer's digest.
struct Made {
    token: String,
    url: String,
    digest: String,
}

/// Pleroma's refusals, as registration shows them (`{"captcha": [message]}`).
fn refused(message: &str) -> AppError {
    AppError::Invalid([("captcha".to_string(), message.to_string())].into())
}

/// A new captcha by the configured method, or `none` when captchas are off.
pub async fn new(db: &Db, settings: &Settings) -> Result<Captcha, AppError> {
    let config = &settings.captcha;
    if !config.enabled {
        return Ok(Captcha { kind: "none", token: None, url: None, answer_data: None, seconds_valid: None });
    }
    let secret = secret(db).await?;
    let made = match config.method {
        CaptchaMethod::Native => native::make(&secret).await?,
        CaptchaMethod::Kocaptcha => kocaptcha::make(settings).await?,
    };
    let now = Utc::now();
    // What can no longer be answered goes as new ones come (an indexed delete).
    captcha::Entity::delete_many()
        .filter(captcha::Column::InsertedAt.lt(now - valid_for(settings)))
        .exec(&db.write)
        .await?;
    let row = captcha::ActiveModel {
        token: Set(made.token.clone()),
        method: Set(config.method.name().into()),
        answer_digest: Set(made.digest),
        inserted_at: Set(now),
        used_at: Set(None),
    };
    captcha::Entity::insert(row).exec_without_returning(&db.write).await?;
    Ok(Captcha {
        kind: config.method.name(),
        answer_data: Some(sign(&secret, &made.token, now)?),
        token: Some(made.token),
        url: Some(made.url),
        seconds_valid: Some(config.seconds_valid),
    })
}

/// Check a registration's captcha (when captchas are on), using it up. Refusals are Pleroma's:
/// `Invalid CAPTCHA (Missing parameter: captcha_solution)`, `Invalid answer data`,
/// `CAPTCHA expired`, `CAPTCHA already used`, `Invalid CAPTCHA`.
pub async fn check(db: &Db, settings: &Settings, answer: &Answer) -> Result<(), AppError> {
    if !settings.captcha.enabled {
        return Ok(());
    }
    let present = [
        ("captcha_solution", &answer.solution),
        ("captcha_token", &answer.token),
        ("captcha_answer_data", &answer.answer_data),
    ];
    if let Some((name, _)) = present.iter().find(|(_, value)| value.is_none()) {
        return Err(refused(&format!("Invalid CAPTCHA (Missing parameter: {name})")));
    }
    let (Some(solution), Some(token), Some(answer_data)) = (&answer.solution, &answer.token, &answer.answer_data)
    else {
        return Err(refused("Invalid CAPTCHA"));
    };
    let secret = secret(db).await?;
    let made_at = verify(&secret, token, answer_data).ok_or_else(|| refused("Invalid answer data"))?;
    let now = Utc::now();
    if made_at < now - valid_for(settings) {
        return Err(refused("CAPTCHA expired"));
    }
    // One use, whichever process sees it first: the conditional update is the test.
    let used = captcha::Entity::update_many()
        .col_expr(captcha::Column::UsedAt, Expr::value(Some(now)))
        .filter(captcha::Column::Token.eq(token.as_str()))
        .filter(captcha::Column::UsedAt.is_null())
        .exec(&db.write)
        .await?;
    let row = captcha::Entity::find_by_id(token.clone()).one(&db.write).await?;
    let Some(row) = row else {
        // Deleted once it could no longer be answered.
        return Err(refused("CAPTCHA expired"));
    };
    if used.rows_affected == 0 {
        return Err(refused("CAPTCHA already used"));
    }
    let right = match CaptchaMethod::parse(&row.method) {
        Some(CaptchaMethod::Native) => native::digest(&secret, token, solution)? == row.answer_digest,
        Some(CaptchaMethod::Kocaptcha) => kocaptcha::digest(solution).eq_ignore_ascii_case(&row.answer_digest),
        None => false,
    };
    if right {
        Ok(())
    } else {
        Err(refused("Invalid CAPTCHA"))
    }
}

/// The stored digest of `answer` to the native captcha `token` (tests plant a known answer with
/// it: the image's characters are not kept anywhere).
pub async fn native_digest(db: &Db, token: &str, answer: &str) -> Result<String, AppError> {
    native::digest(&secret(db).await?, token, answer)
}

/// How long a captcha can be answered (`seconds_valid`, as it is now).
fn valid_for(settings: &Settings) -> Duration {
    // At most ten years, so that `now - valid_for` stays a date.
    Duration::seconds(i64::try_from(settings.captcha.seconds_valid.min(315_360_000)).unwrap_or(315_360_000))
}

/// The instance's captcha secret, made on first use.
async fn secret(db: &Db) -> Result<Vec<u8>, AppError> {
    let make = || Ok(URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()));
    Ok(super::instance_secrets::get_or_create(&db.write, SECRET, make).await?.into_bytes())
}

/// HMAC-SHA256 of `parts` under `key`.
fn mac(key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, AppError> {
    // HMAC takes keys of any length: this never fails.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(AppError::internal)?;
    for part in parts {
        mac.update(part);
        // A separator no part contains, so the parts cannot be shifted into each other.
        mac.update(&[0]);
    }
    Ok(mac.finalize().into_bytes().to_vec())
}

/// `answer_data` for `token`: when it was made, signed with a key of its own (Pleroma derives
/// one per token too: `secret_pair/1`).
fn sign(secret: &[u8], token: &str, made_at: DateTime<Utc>) -> Result<String, AppError> {
    let key = mac(secret, &[b"sign", token.as_bytes()])?;
    let payload = made_at.timestamp().to_string();
    let signature = mac(&key, &[payload.as_bytes()])?;
    Ok(format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(signature)))
}

/// When the captcha of `token` was made, if `answer_data` is genuine.
fn verify(secret: &[u8], token: &str, answer_data: &str) -> Option<DateTime<Utc>> {
    if token.len() > MAX_TEXT || answer_data.len() > MAX_TEXT {
        return None;
    }
    let (payload, signature) = answer_data.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let key = mac(secret, &[b"sign", token.as_bytes()]).ok()?;
    let mut check = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    check.update(&payload);
    check.update(&[0]);
    check.verify_slice(&signature).ok()?;
    let seconds: i64 = std::str::from_utf8(&payload).ok()?.parse().ok()?;
    DateTime::from_timestamp(seconds, 0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_data_is_bound_to_its_token_and_unforgeable() {
        let secret = b"secret".to_vec();
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let data = sign(&secret, "tok", at).unwrap();
        assert_eq!(verify(&secret, "tok", &data), Some(at));
        assert_eq!(verify(&secret, "other", &data), None);
        assert_eq!(verify(b"other secret", "tok", &data), None);
        let (_, signature) = data.split_once('.').unwrap();
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode("1800000000"));
        assert_eq!(verify(&secret, "tok", &forged), None);
        assert_eq!(verify(&secret, "tok", "garbage"), None);
    }
}
