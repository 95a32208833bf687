//! `[upload]`: Pleroma's `Pleroma.Upload`, `Pleroma.Uploaders.Local` and
//! `Pleroma.Upload.Filter.AnonymizeFilename` settings (`config/config.exs` defaults).
use serde::Deserialize;

/// Pleroma's prefix of filter modules (admin-fe shows them without it).
pub const FILTER_PREFIX: &str = "Pleroma.Upload.Filter.";

/// How uploads are filtered, named and stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Upload {
    /// Filter modules run on each upload, in order (`Pleroma.Upload.Filter.Dedupe`, …; the
    /// short names without `Pleroma.Upload.Filter.` are taken too).
    pub filters: Vec<String>,
    /// Base URL of upload links (a CDN); default `<instance URL>/media/`.
    pub base_url: Option<String>,
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
            // Pleroma's default is `[Dedupe]`; here none, so an upload's URL carries random bits
            // and cannot be confirmed by whoever holds the same content. Dedupe is one setting away.
            filters: vec![],
            base_url: None,
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
