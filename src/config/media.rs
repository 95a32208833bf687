//! `[media_proxy]` and `[emoji]`: remote media and custom emoji.

use serde::Deserialize;

/// Pleroma's `:media_proxy` settings: remote media served through signed `/proxy/...` links.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaProxy {
    /// Serve `/proxy/...` (Pleroma: off by default; a disabled proxy answers 404).
    pub enabled: bool,
    /// Largest remote body fetched, in bytes (Pleroma's `proxy_opts: max_body_length`, 25 MB).
    pub max_body_length: u64,
    /// Seconds a remote fetch may take in all.
    pub timeout_secs: u64,
    /// Content-type prefixes served (anything else is refused with 415).
    pub allowed_types: Vec<String>,
    /// Hosts whose media is not proxied (Pleroma's `:media_proxy, :whitelist`): each a host, or
    /// a URL whose host is taken (`https://cdn.example`).
    pub whitelist: Vec<String>,
}

impl Default for MediaProxy {
    fn default() -> Self {
        MediaProxy {
            enabled: false,
            max_body_length: 25 * 1_048_576,
            timeout_secs: 10,
            allowed_types: vec!["image/".into(), "video/".into(), "audio/".into()],
            whitelist: vec![],
        }
    }
}

/// Custom emoji and emoji packs (`<data_dir>/static/emoji/<pack>/`): limits on what uploads,
/// archives and fetches from other instances may bring.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Emoji {
    /// Largest emoji image accepted, in bytes (uploads, URL fetches, archive entries).
    pub max_file_size: u64,
    /// Largest pack archive fetched from another instance or a fallback-src, in bytes.
    pub max_archive_size: u64,
    /// Most bytes one archive may unpack to.
    pub max_unpacked_size: u64,
    /// Most entries one archive may hold.
    pub max_entries: usize,
    /// Seconds a fetch from another instance may take in all.
    pub fetch_timeout_secs: u64,
    /// File extensions taken for emoji in a pack without pack.json or emoji.txt (Pleroma's
    /// `[:emoji, :pack_extensions]`).
    pub pack_extensions: Vec<String>,
}

impl Default for Emoji {
    fn default() -> Self {
        Emoji {
            max_file_size: 1_048_576,
            max_archive_size: 50 * 1_048_576,
            max_unpacked_size: 100 * 1_048_576,
            max_entries: 5_000,
            fetch_timeout_secs: 30,
            pack_extensions: vec![".png".into(), ".gif".into()],
        }
    }
}
