//! The captcha's settings (`Pleroma.Captcha`, `Pleroma.Captcha.Kocaptcha`), applied: each
//! captcha handed out and each registration reads the settings in force.
use serde_json::Value;

use super::{
    encoding::Codec,
    model::{setting, Declared},
};
use crate::config::CaptchaMethod;

/// Pleroma writes the method as its module name.
impl Codec for CaptchaMethod {
    fn pleroma_type() -> Value {
        Value::String("module".into())
    }
    fn encode(&self) -> Value {
        Value::String(self.module().into())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        value
            .as_str()
            .map(str::trim)
            .and_then(CaptchaMethod::parse)
            .ok_or_else(|| format!("expected Pleroma.Captcha.Native or Pleroma.Captcha.Kocaptcha, got {value}"))
    }
}

/// The captcha's settings, in Pleroma's order (`config/description.exs`).
pub fn declared() -> Vec<Declared> {
    vec![
        setting!(
            ":pleroma",
            "Pleroma.Captcha",
            ":enabled",
            captcha.enabled,
            "Whether the captcha should be shown on registration",
            "[]"
        ),
        setting!(
            ":pleroma",
            "Pleroma.Captcha",
            ":method",
            captcha.method,
            "The method/service to use for captcha",
            r#"["Pleroma.Captcha.Kocaptcha", "Pleroma.Captcha.Native"]"#
        ),
        // Pleroma reads it at boot (its used-captcha cache's TTL); here each check reads it.
        setting!(
            ":pleroma",
            "Pleroma.Captcha",
            ":seconds_valid",
            captcha.seconds_valid,
            "The time in seconds for which the captcha is valid",
            "[60]"
        ),
        setting!(
            ":pleroma",
            "Pleroma.Captcha.Kocaptcha",
            ":endpoint",
            captcha.kocaptcha_endpoint,
            "The kocaptcha endpoint to use",
            r#"["https://captcha.kotobank.ch"]"#
        ),
    ]
}
