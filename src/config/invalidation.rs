//! `[media_proxy_invalidation]`: Pleroma's `:media_proxy, :invalidation` and its providers'
//! settings (`Pleroma.Web.MediaProxy.Invalidation.Http` / `.Script`).
use serde::Deserialize;

/// The HTTP provider.
pub const HTTP: &str = "Pleroma.Web.MediaProxy.Invalidation.Http";
/// The script provider (Pleroma's default).
pub const SCRIPT: &str = "Pleroma.Web.MediaProxy.Invalidation.Script";

/// Purge proxied URLs from a cache in front of the media proxy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Invalidation {
    pub enabled: bool,
    /// [`HTTP`] or [`SCRIPT`].
    pub provider: String,
}

impl Default for Invalidation {
    fn default() -> Self {
        Invalidation { enabled: false, provider: SCRIPT.into() }
    }
}

/// Invalidation's settings and its providers'.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaProxyInvalidation {
    pub invalidation: Invalidation,
    /// The HTTP provider's request method (Pleroma's `:purge`), upper-cased when sent.
    pub http_method: String,
    /// The HTTP provider's request headers.
    pub http_headers: Vec<(String, String)>,
    /// The script provider's executable, run with the URLs as one space-separated argument.
    pub script_path: Option<String>,
    /// `:htcacheclean` rewrites URLs as Apache's htcacheclean wants them.
    pub script_url_format: Option<String>,
}

impl Default for MediaProxyInvalidation {
    fn default() -> Self {
        MediaProxyInvalidation {
            invalidation: Invalidation::default(),
            http_method: "purge".into(),
            http_headers: vec![],
            script_path: None,
            script_url_format: None,
        }
    }
}
