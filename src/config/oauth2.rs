//! `[oauth2]`: Pleroma's `:oauth2` settings.

use serde::Deserialize;

/// Pleroma's `:oauth2` settings (`config/config.exs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuth2 {
    /// Access-token lifetime in seconds (Pleroma: 100 years). A refresh token lives as long as
    /// its token row: Pleroma has no separate refresh lifetime.
    pub token_expires_in: i64,
    /// Delete tokens once they expire (Pleroma's `PurgeExpiredToken`; off by default there).
    pub clean_expired_tokens: bool,
}

impl Default for OAuth2 {
    fn default() -> Self {
        OAuth2 { token_expires_in: 3600 * 24 * 365 * 100, clean_expired_tokens: false }
    }
}
