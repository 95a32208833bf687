//! `[upload]`: Pleroma's `Pleroma.Upload`, `Pleroma.Uploaders.Local` and
//! `Pleroma.Upload.Filter.AnonymizeFilename` settings (`config/config.exs` defaults).
use serde::Deserialize;

/// The only uploader the gateway has.
pub const LOCAL_UPLOADER: &str = "Pleroma.Uploaders.Local";
/// Pleroma's prefix of filter modules (admin-fe shows them without it).
pub const FILTER_PREFIX: &str = "Pleroma.Upload.Filter.";

/// How uploads are filtered, named and stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Upload {
    /// `Pleroma.Uploaders.Local` (the only one here).
    pub uploader: String,
    /// Filter modules run on each upload, in order (`Pleroma.Upload.Filter.Dedupe`, …; the
    /// short names without `Pleroma.Upload.Filter.` are taken too).
    pub filters: Vec<String>,
    /// Add `?name=<original name>` to upload URLs.
    pub link_name: bool,
    /// Base URL of upload links (a CDN); default `<instance URL>/media/`.
    pub base_url: Option<String>,
    /// Proxy requests to a remote uploader (no remote uploader here: kept).
    pub proxy_remote: bool,
    /// Longest file name shown in attachment links; 0 is no limit.
    pub filename_display_max_length: usize,
    /// The directory of uploads (`Pleroma.Uploaders.Local, :uploads`); a relative path is
    /// under the data directory.
    pub uploads: String,
    /// `Pleroma.Upload.Filter.AnonymizeFilename, :text`: the name given to uploads, with
    /// `{extension}` replaced; without it a random name.
    pub anonymize_text: Option<String>,
}

impl Default for Upload {
    fn default() -> Self {
        Upload {
            uploader: LOCAL_UPLOADER.into(),
            // Pleroma's default is `[Dedupe]`; here none, so an upload's URL carries random bits
            // and cannot be confirmed by whoever holds the same content. Dedupe is one setting away.
            filters: vec![],
            link_name: false,
            base_url: None,
            proxy_remote: false,
            filename_display_max_length: 30,
            uploads: "uploads".into(),
            anonymize_text: None,
        }
    }
}

impl Upload {
    /// Whether the filter `short` (`Dedupe`, `Exiftool.StripLocation`, …) is on.
    pub fn has_filter(&self, short: &str) -> bool {
        self.filters.iter().any(|f| f.strip_prefix(FILTER_PREFIX).unwrap_or(f) == short)
    }
}
