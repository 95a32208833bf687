//! `Pleroma.Captcha.Native`: a PNG of 4 to 6 distorted characters (the `captcha` crate), shown as
//! a data URI; the answer is kept only as a keyed digest.
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};

use super::{hex, mac, Made};
use crate::error::AppError;

/// A new image and its answer's digest; the token is Pleroma's (10 random bytes, base64url).
pub(super) async fn make(secret: &[u8]) -> Result<Made, AppError> {
    // Drawing and filtering the image is CPU work: off the async threads.
    let drawn = tokio::task::spawn_blocking(|| ::captcha::generate(::captcha::Difficulty::Medium).as_tuple())
        .await
        .map_err(AppError::internal)?;
    let (answer, png) = drawn.ok_or_else(|| AppError::Internal("the captcha image could not be made".into()))?;
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 10]>());
    Ok(Made {
        digest: digest(secret, &token, &answer)?,
        url: format!("data:image/png;base64,{}", STANDARD.encode(png)),
        token,
    })
}

/// The stored form of `answer` to the captcha `token` (Pleroma compares the answer exactly).
pub(super) fn digest(secret: &[u8], token: &str, answer: &str) -> Result<String, AppError> {
    Ok(hex(&mac(secret, &[b"answer", token.as_bytes(), answer.as_bytes()])?))
}
