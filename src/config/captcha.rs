//! Pleroma's `Pleroma.Captcha` and `Pleroma.Captcha.Kocaptcha` settings: the captcha that
//! `GET /api/pleroma/captcha` hands out and registration checks.
use serde::Deserialize;

/// Which captcha is handed out (Pleroma's `:method` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CaptchaMethod {
    /// An image made here (`Pleroma.Captcha.Native`).
    #[serde(rename = "native", alias = "Pleroma.Captcha.Native")]
    Native,
    /// One fetched from a Kocaptcha service (`Pleroma.Captcha.Kocaptcha`).
    #[serde(rename = "kocaptcha", alias = "Pleroma.Captcha.Kocaptcha")]
    Kocaptcha,
}

impl CaptchaMethod {
    /// Pleroma's module name.
    pub fn module(self) -> &'static str {
        match self {
            CaptchaMethod::Native => "Pleroma.Captcha.Native",
            CaptchaMethod::Kocaptcha => "Pleroma.Captcha.Kocaptcha",
        }
    }

    /// The `type` a captcha of this method is shown with (`native`, `kocaptcha`).
    pub fn name(self) -> &'static str {
        match self {
            CaptchaMethod::Native => "native",
            CaptchaMethod::Kocaptcha => "kocaptcha",
        }
    }

    /// The method named by Pleroma's module name or the short name.
    pub fn parse(name: &str) -> Option<CaptchaMethod> {
        [CaptchaMethod::Native, CaptchaMethod::Kocaptcha].into_iter().find(|m| m.module() == name || m.name() == name)
    }
}

/// `[captcha]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Captcha {
    /// Registration asks for a solved captcha (apps marked trusted are exempt, as in Pleroma).
    /// Off by default here, as in Pleroma's test configuration: an instance turns it on.
    pub enabled: bool,
    /// Seconds a captcha can be answered after it was handed out.
    pub seconds_valid: u64,
    pub method: CaptchaMethod,
    /// The Kocaptcha service (`Pleroma.Captcha.Kocaptcha, :endpoint`), without a trailing slash.
    pub kocaptcha_endpoint: String,
}

impl Default for Captcha {
    fn default() -> Self {
        Captcha {
            enabled: false,
            seconds_valid: 300,
            method: CaptchaMethod::Native,
            kocaptcha_endpoint: "https://captcha.kotobank.ch".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Captcha, CaptchaMethod};

    #[test]
    fn read_from_toml_by_either_name() {
        let parsed: Captcha = toml::from_str("enabled = true\nmethod = \"Pleroma.Captcha.Kocaptcha\"").unwrap();
        assert!(parsed.enabled);
        assert_eq!(parsed.method, CaptchaMethod::Kocaptcha);
        assert_eq!(parsed.seconds_valid, 300);
        let parsed: Captcha = toml::from_str("method = \"native\"").unwrap();
        assert_eq!(parsed.method, CaptchaMethod::Native);
        assert!(toml::from_str::<Captcha>("method = \"Pleroma.Captcha.Mock\"").is_err());
        assert_eq!(CaptchaMethod::parse("Pleroma.Captcha.Native"), Some(CaptchaMethod::Native));
    }
}
