//! Custom emoji (Pleroma's `Emoji`, `Emoji.Loader`, `Emoji.Pack`): packs are directories under
//! `<data_dir>/static/emoji/`, each with a `pack.json` (or an `emoji.txt`, or just image files),
//! served at `/emoji/<pack>/<file>`. Each process keeps an in-memory index of every emoji,
//! loaded at start, by `reload_emoji` and after every pack change.
//!
//! With shared storage (`domain::storage`) the store holds the packs and the directory is this
//! process's working copy: a change pulls the copy ([`EmojiIndex::begin`]), edits it, pushes it
//! back ([`EmojiIndex::publish`]) and counts the change, so every process [`refresh`]es.
//!
//! Safety: pack names, shortcodes and file names are checked to stay inside the emoji
//! directory, archives are checked whole before anything is written, and only images are stored.
pub mod archive;
pub mod pack;
pub mod remote;
pub mod unicode;

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock, RwLock},
};

use crate::{config::Settings, error::AppError};

/// One emoji of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emoji {
    pub shortcode: String,
    /// Its URL path (`/emoji/<pack>/<file>`).
    pub file: String,
    /// `pack:<name>` for packs with a pack.json, else the emoji.txt tags or `Custom`.
    pub tags: Vec<String>,
}

/// A pack archive built for sharing, kept until the pack changes.
#[derive(Debug)]
pub struct BuiltArchive {
    pub bytes: Vec<u8>,
    /// Upper-case hex SHA-256, as Pleroma's `Base.encode16`.
    pub sha256: String,
}

/// A built archive and the fingerprint of the pack state it was built from.
type CachedArchive = ([u8; 32], Arc<BuiltArchive>);

/// The emoji of one emoji directory, as this process last loaded them.
pub struct EmojiIndex {
    dir: PathBuf,
    extensions: Vec<String>,
    emoji: RwLock<Arc<BTreeMap<String, Emoji>>>,
    /// Pack changes run one at a time in a process.
    pub(crate) writes: tokio::sync::Mutex<()>,
    /// Built archives by pack name, with the fingerprint of what they were built from.
    archives: Mutex<HashMap<String, CachedArchive>>,
}

/// The emoji directory under these settings.
pub fn emoji_dir(settings: &Settings) -> PathBuf {
    super::documents::static_dir(settings).join("emoji")
}

/// This process's index of the emoji directory of `settings` (loaded on first use).
pub fn index(settings: &Settings) -> Arc<EmojiIndex> {
    static REGISTRY: OnceLock<Mutex<HashMap<PathBuf, Arc<EmojiIndex>>>> = OnceLock::new();
    let dir = emoji_dir(settings);
    let registry = REGISTRY.get_or_init(Mutex::default);
    let mut registry = registry.lock().unwrap_or_else(|e| e.into_inner());
    registry
        .entry(dir.clone())
        .or_insert_with(|| {
            let index = EmojiIndex {
                emoji: RwLock::new(Arc::new(load(&dir, &settings.emoji.pack_extensions))),
                dir,
                extensions: settings.emoji.pack_extensions.clone(),
                writes: tokio::sync::Mutex::new(()),
                archives: Mutex::default(),
            };
            Arc::new(index)
        })
        .clone()
}

impl EmojiIndex {
    /// The emoji directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every emoji, by shortcode.
    pub fn all(&self) -> Arc<BTreeMap<String, Emoji>> {
        self.emoji.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether `shortcode` (colons trimmed) is an emoji.
    pub fn exists(&self, shortcode: &str) -> bool {
        self.all().contains_key(shortcode.trim_matches(':'))
    }

    /// Load the directory again; returns how many emoji there are.
    pub fn reload(&self) -> usize {
        let loaded = Arc::new(load(&self.dir, &self.extensions));
        let count = loaded.len();
        *self.emoji.write().unwrap_or_else(|e| e.into_inner()) = loaded;
        count
    }

    /// The emoji `:shortcode:`s in `texts` name, by shortcode (Pleroma's
    /// `Emoji.Formatter.get_emoji_map`, against the current index).
    pub fn used_in(&self, texts: &[&str]) -> Vec<Emoji> {
        static PATTERN: OnceLock<Option<regex::Regex>> = OnceLock::new();
        let Some(pattern) = PATTERN.get_or_init(|| regex::Regex::new(r":([A-Za-z0-9_-]+):").ok()) else {
            return Vec::new();
        };
        if !texts.iter().any(|t| t.contains(':')) {
            return Vec::new();
        }
        let all = self.all();
        let mut found = BTreeMap::new();
        for text in texts {
            // Overlapping matches (`:a:b:`) count each shortcode, as Pleroma's scan of `:`-pairs.
            let mut start = 0;
            while let Some(m) = pattern.captures_at(text, start) {
                let (Some(whole), Some(code)) = (m.get(0), m.get(1)) else { break };
                if let Some(emoji) = all.get(code.as_str()) {
                    found.insert(emoji.shortcode.clone(), emoji.clone());
                }
                start = whole.end() - 1;
            }
        }
        found.into_values().collect()
    }

    /// Begin a pack change: one at a time in this process, on a working copy equal to the store.
    pub async fn begin(&self, settings: &Settings) -> Result<tokio::sync::MutexGuard<'_, ()>, AppError> {
        let guard = self.writes.lock().await;
        if !super::storage::store(settings).is_working_copy() {
            super::storage::pull_dir(settings, &self.dir).await?;
            self.reload();
        }
        Ok(guard)
    }

    /// After a pack change (holding [`EmojiIndex::begin`]'s guard): store the working copy.
    pub async fn publish(&self, settings: &Settings) -> Result<(), AppError> {
        super::storage::push_dir(settings, &self.dir).await
    }

    pub(crate) fn cached_archive(&self, name: &str, fingerprint: &[u8; 32]) -> Option<Arc<BuiltArchive>> {
        let archives = self.archives.lock().unwrap_or_else(|e| e.into_inner());
        archives.get(name).filter(|(f, _)| f == fingerprint).map(|(_, a)| a.clone())
    }

    pub(crate) fn keep_archive(&self, name: &str, fingerprint: [u8; 32], archive: Arc<BuiltArchive>) {
        let mut archives = self.archives.lock().unwrap_or_else(|e| e.into_inner());
        archives.insert(name.to_string(), (fingerprint, archive));
    }
}

/// Make this process's emoji directory equal to the store and load the index again (another
/// process changed a pack, or `reload_emoji`); returns how many emoji there are.
pub async fn refresh(settings: &Settings) -> Result<usize, AppError> {
    let index = index(settings);
    let _guard = index.writes.lock().await;
    super::storage::pull_dir(settings, &index.dir).await?;
    let work = index.clone();
    tokio::task::spawn_blocking(move || work.reload()).await.map_err(AppError::internal)
}

/// Pleroma's `Emoji.Loader.load`: every pack directory, by name; a later pack's shortcode wins.
fn load(dir: &Path, extensions: &[String]) -> BTreeMap<String, Emoji> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    let mut packs: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| is_safe_component(name))
        .collect();
    packs.sort();
    for name in packs {
        for emoji in load_pack(&dir.join(&name), &name, extensions) {
            out.insert(emoji.shortcode.clone(), emoji);
        }
    }
    out
}

fn load_pack(path: &Path, name: &str, extensions: &[String]) -> Vec<Emoji> {
    if let Some(pack) = pack::read_pack_json(path) {
        return pack
            .files
            .into_iter()
            .map(|(shortcode, file)| Emoji {
                shortcode,
                file: format!("/emoji/{name}/{file}"),
                tags: vec![format!("pack:{name}")],
            })
            .collect();
    }
    if let Some(lines) = read_emoji_txt(path) {
        return lines
            .into_iter()
            .map(|(shortcode, file, tags)| Emoji {
                shortcode,
                file,
                tags: if tags.is_empty() { vec!["Custom".into()] } else { tags },
            })
            .collect();
    }
    files_by_extension(path, extensions)
        .into_iter()
        .map(|(shortcode, file)| Emoji {
            shortcode,
            file: format!("/emoji/{name}/{file}"),
            tags: vec!["Custom".into()],
        })
        .collect()
}

/// An `emoji.txt`'s lines: `shortcode, file[, tag…]`.
pub(crate) fn read_emoji_txt(pack_dir: &Path) -> Option<Vec<(String, String, Vec<String>)>> {
    let text = std::fs::read_to_string(pack_dir.join("emoji.txt")).ok()?;
    let separator = regex::Regex::new(r",\s*").ok()?;
    Some(
        text.lines()
            .filter_map(|line| {
                let parts: Vec<&str> = separator.split(line.trim()).collect();
                match parts.as_slice() {
                    [name, file, tags @ ..] if !name.is_empty() && !file.is_empty() => {
                        Some((name.to_string(), file.to_string(), tags.iter().map(|t| t.to_string()).collect()))
                    }
                    _ => None,
                }
            })
            .collect(),
    )
}

/// Pleroma's `make_shortcode_to_file_map`: every file with one of `extensions` under the pack
/// (symlinks skipped), shortcode = file name without extension.
pub(crate) fn files_by_extension(pack_dir: &Path, extensions: &[String]) -> BTreeMap<String, String> {
    fn walk(base: &Path, rel: &str, extensions: &[String], out: &mut BTreeMap<String, String>, depth: usize) {
        let Ok(entries) = std::fs::read_dir(base.join(rel)) else { return };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let Ok(name) = entry.file_name().into_string() else { continue };
            let Ok(kind) = entry.file_type() else { continue };
            let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            if kind.is_dir() && depth < 8 && is_safe_component(&name) {
                walk(base, &path, extensions, out, depth + 1);
            } else if kind.is_file() {
                let lower = name.to_ascii_lowercase();
                if let Some(ext) = extensions.iter().find(|e| lower.ends_with(e.to_ascii_lowercase().as_str())) {
                    let stem = &name[..name.len() - ext.len()];
                    if !stem.is_empty() {
                        out.insert(stem.to_string(), path);
                    }
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(pack_dir, "", extensions, &mut out, 0);
    out
}

/// A name usable as one path component inside the emoji directory.
pub fn is_safe_component(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.chars().any(|c| matches!(c, '/' | '\\' | ':' | '\0') || c.is_control())
}

/// A relative file path inside a pack: safe components joined by `/`, not the pack's own
/// `pack.json`.
pub fn is_safe_file(path: &str) -> bool {
    path.len() <= 1024 && path != "pack.json" && path.split('/').all(is_safe_component)
}

/// A pack name from a request: trimmed, not blank (Pleroma's `pack name cannot be empty`), one
/// safe directory name.
pub fn pack_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::BadRequest("pack name cannot be empty".into()));
    }
    if !is_safe_component(name) {
        return Err(AppError::BadRequest(format!(
            "Invalid pack name \"{name}\": a pack name is one directory name (no \"/\", \"\\\", \":\" or leading \".\")"
        )));
    }
    Ok(name.to_string())
}

/// A shortcode usable in statuses (Pleroma's custom emoji pattern `[A-Za-z0-9_-]+`).
pub fn is_valid_shortcode(shortcode: &str) -> bool {
    !shortcode.is_empty()
        && shortcode.len() <= 128
        && shortcode.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The image types accepted for emoji, by their magic bytes.
pub const IMAGE_TYPES: &[&str] = &["image/png", "image/apng", "image/gif", "image/jpeg", "image/webp", "image/avif"];

/// The sniffed image type of `bytes`, if it is one accepted for emoji.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    infer::get(bytes).map(|t| t.mime_type()).filter(|mime| IMAGE_TYPES.contains(mime))
}

/// Refuse what is not an accepted image, or is too large.
pub fn check_image(label: &str, bytes: &[u8], max: u64) -> Result<(), AppError> {
    if bytes.len() as u64 > max {
        return Err(AppError::BadRequest(format!("\"{label}\" is larger than the emoji size limit of {max} bytes")));
    }
    if image_type(bytes).is_none() {
        return Err(AppError::BadRequest(format!(
            "\"{label}\" is not an accepted image (PNG, APNG, GIF, JPEG, WebP or AVIF)"
        )));
    }
    Ok(())
}

/// Upper-case hex SHA-256 (Pleroma's `:crypto.hash(:sha256, x) |> Base.encode16()`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside() {
        for bad in ["", "..", ".", "a/b", "..\\x", "/abs", ".hidden", "a:b", "x\0"] {
            assert!(!is_safe_component(bad), "{bad:?}");
        }
        assert!(is_safe_file("sub/dir/x.png"));
        for bad in ["../x.png", "/x.png", "a//b.png", "pack.json", "a/../b.png", "a\\b.png"] {
            assert!(!is_safe_file(bad), "{bad:?}");
        }
        assert!(pack_name("  ").is_err());
        assert_eq!(pack_name(" cofe ").ok().as_deref(), Some("cofe"));
        assert!(is_valid_shortcode("blank_2-x") && !is_valid_shortcode("a b") && !is_valid_shortcode("a/b"));
    }

    #[test]
    fn hex_is_upper_case() {
        assert_eq!(sha256_hex(b""), "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
    }
}
