//! `[mailer]`: how mail leaves.

use serde::Deserialize;

/// How mail leaves: SMTP when `smtp_url` is set, otherwise `.eml` files in `<data_dir>/outbox`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mailer {
    pub enabled: bool,
    /// e.g. `smtps://user:pass@mail.example.org:465`.
    pub smtp_url: Option<String>,
    pub from: String,
}

impl Default for Mailer {
    fn default() -> Self {
        Mailer { enabled: true, smtp_url: None, from: "noreply@localhost".into() }
    }
}
