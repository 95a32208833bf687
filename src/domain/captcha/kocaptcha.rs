//! `Pleroma.Captcha.Kocaptcha`: the captcha comes from a Kocaptcha service
//! (`GET <endpoint>/new` → `{"token", "url", "md5"}`), fetched through the outbound client; the
//! answer is checked against the service's MD5 of it.
use md5::{Digest, Md5};

use super::{hex, Made, MAX_TEXT};
use crate::{config::Settings, error::AppError, outbound};

/// Largest answer read from the service.
const MAX_BODY: u64 = 64 * 1024;

/// Pleroma's message when the service cannot be reached or answers nonsense.
const UNAVAILABLE: &str = "Kocaptcha service unavailable";

pub(super) async fn make(settings: &Settings) -> Result<Made, AppError> {
    let endpoint = settings.captcha.kocaptcha_endpoint.trim_end_matches('/');
    let unavailable = |detail: String| {
        tracing::warn!(%endpoint, %detail, "kocaptcha");
        AppError::Upstream(UNAVAILABLE.into())
    };
    let limits = outbound::Limits::new(settings.http.timeout_secs, MAX_BODY);
    let client = outbound::Client::new(settings.http.policy(), limits).map_err(|e| unavailable(e.to_string()))?;
    let url = client.url(&format!("{endpoint}/new")).map_err(|e| unavailable(e.to_string()))?;
    let response = client.get(url).send().await.map_err(|e| unavailable(e.to_string()))?;
    if !(200..300).contains(&response.status()) {
        return Err(unavailable(format!("status {}", response.status())));
    }
    let body = response.json().await.map_err(|e| unavailable(e.to_string()))?;
    let field = |name: &str| {
        body.get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty() && s.len() <= MAX_TEXT)
            .map(str::to_string)
            .ok_or_else(|| unavailable(format!("no {name} in the answer")))
    };
    Ok(Made { token: field("token")?, url: format!("{endpoint}{}", field("url")?), digest: field("md5")? })
}

/// The MD5 of an answer, as the service gives it (hex).
pub(super) fn digest(answer: &str) -> String {
    hex(&Md5::digest(answer.as_bytes()))
}
