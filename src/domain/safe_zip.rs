//! Zip archives from outside (frontend builds, emoji packs), checked whole before anything is
//! read out of them (Pleroma's `SafeZip`): every entry a plain file or folder whose name stays
//! inside the archive's folder, once, within the count, size and compression-ratio limits.
//! Entries are then read with their sizes capped, so an archive lying in its headers cannot
//! unpack past what was checked.
use std::{
    collections::BTreeSet,
    io::{Cursor, Read},
    path::Component,
};

use crate::error::AppError;

/// Longest entry name, in bytes.
pub const MAX_NAME: usize = 1024;
/// Longest single path segment of a name, in bytes (what file systems take).
pub const MAX_SEGMENT: usize = 255;
/// Most an entry may unpack per compressed byte, once it is past [`RATIO_FLOOR`].
pub const MAX_RATIO: u64 = 100;
/// Entries up to this size may compress as well as they like (small text does).
pub const RATIO_FLOOR: u64 = 1024 * 1024;

/// What one archive may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most entries (folders included).
    pub max_entries: usize,
    /// Most bytes unpacked, all entries together.
    pub max_unpacked: u64,
    /// Largest single file.
    pub max_file: u64,
    /// What a file is, in the message for one over `max_file` ("emoji", "file").
    pub file_label: &'static str,
}

/// One checked entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub index: usize,
    /// Its name, without a folder's trailing `/`.
    pub name: String,
    pub is_dir: bool,
    /// Its size as its header declares it (reads are capped to it).
    pub size: u64,
}

/// An archive whose entries passed [`open`].
pub struct Checked<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    pub entries: Vec<Entry>,
    limits: Limits,
}

fn bad(message: String) -> AppError {
    AppError::BadRequest(message)
}

/// A name as it may appear in a message: escaped, and cut short.
fn shown(name: &str) -> String {
    let escaped = name.escape_debug().to_string();
    match escaped.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped,
    }
}

/// Why `raw` may not be unpacked, if it may not.
fn name_problem(raw: &str, enclosed: bool) -> Option<&'static str> {
    if raw.contains('\0') {
        return Some("a name with a NUL byte");
    }
    if raw.contains('\\') {
        return Some("a name with a backslash");
    }
    let bytes = raw.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if raw.starts_with('/') || drive {
        return Some("an absolute path");
    }
    let name = raw.strip_suffix('/').unwrap_or(raw);
    if name.split('/').any(|s| s == "..") {
        return Some("a path climbing out with \"..\"");
    }
    if name.is_empty() || name.split('/').any(|s| s.is_empty() || s == ".") {
        return Some("an empty or \".\" path segment");
    }
    if raw.len() > MAX_NAME || name.split('/').any(|s| s.len() > MAX_SEGMENT) {
        return Some("a name too long");
    }
    // Whatever the checks above missed, the zip crate's own test of a safe name.
    if !enclosed {
        return Some("a path outside its folder");
    }
    None
}

/// Open `bytes` as a zip and check every entry: names (no NUL, backslash, absolute path, `..`,
/// empty or overlong segment), no symbolic links, no name twice (nor a name both a file and a
/// folder), at most `max_entries` entries, `max_file` bytes per file and `max_unpacked` in
/// all as declared, and no entry over 1 MiB compressed more than 100 to 1. A refusal is a 400
/// naming the entry and the problem.
pub fn open(bytes: &[u8], limits: Limits) -> Result<Checked<'_>, AppError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("Not a zip archive: {e}")))?;
    if zip.len() > limits.max_entries {
        return Err(bad(format!(
            "The archive has {} entries, more than the limit of {}",
            zip.len(),
            limits.max_entries
        )));
    }
    // The zip crate keeps one entry per name; an archive naming one twice is refused, as
    // other tools would unpack the other copy.
    if zip.has_duplicate_names() {
        return Err(bad("The archive holds a name twice".into()));
    }
    let mut entries = Vec::with_capacity(zip.len());
    let mut names = BTreeSet::new();
    let mut declared: u64 = 0;
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(|e| bad(format!("Unreadable archive entry: {e}")))?;
        let raw = entry.name().map_err(|e| bad(format!("Unreadable archive entry name: {e}")))?.to_string();
        if entry.name_raw().contains(&0) {
            return Err(bad(format!("The archive holds a name with a NUL byte: {}", shown(&raw))));
        }
        if entry.is_symlink() {
            return Err(bad(format!("The archive holds a symbolic link: {}", shown(&raw))));
        }
        let enclosed = entry.enclosed_name().is_some_and(|p| p.components().all(|c| matches!(c, Component::Normal(_))));
        if let Some(problem) = name_problem(&raw, enclosed) {
            return Err(bad(format!("The archive holds {problem}: {}", shown(&raw))));
        }
        let name = raw.strip_suffix('/').unwrap_or(&raw).to_string();
        let is_dir = entry.is_dir();
        if !names.insert(name.clone()) {
            return Err(bad(format!("The archive holds {} twice", shown(&name))));
        }
        let size = if is_dir { 0 } else { entry.size() };
        if size > limits.max_file {
            return Err(bad(format!(
                "Archive entry {} is larger than the {} size limit of {} bytes",
                shown(&name),
                limits.file_label,
                limits.max_file
            )));
        }
        if size > RATIO_FLOOR && size / entry.compressed_size().max(1) > MAX_RATIO {
            return Err(bad(format!(
                "Archive entry {} is compressed more than {MAX_RATIO} to 1 (a zip bomb?)",
                shown(&name)
            )));
        }
        declared = declared.saturating_add(size);
        if declared > limits.max_unpacked {
            return Err(bad(format!("The archive unpacks to more than the limit of {} bytes", limits.max_unpacked)));
        }
        entries.push(Entry { index, name, is_dir, size });
    }
    // A file may not also be a folder other entries are in.
    for entry in entries.iter().filter(|e| !e.is_dir) {
        let folder = format!("{}/", entry.name);
        if names.range(folder.clone()..).next().is_some_and(|n| n.starts_with(&folder)) {
            return Err(bad(format!("The archive holds {} both as a file and as a folder", shown(&entry.name))));
        }
    }
    Ok(Checked { zip, entries, limits })
}

impl Checked<'_> {
    /// The bytes of the checked file entry `entry`: never more than its header declared.
    pub fn read(&mut self, entry: &Entry) -> Result<Vec<u8>, AppError> {
        let mut out = Vec::with_capacity(usize::try_from(entry.size.min(1 << 20)).unwrap_or(0));
        self.copy(entry, &mut out)?;
        Ok(out)
    }

    /// Copy the checked file entry `entry` to `out`; returns the bytes copied.
    pub fn copy(&mut self, entry: &Entry, out: &mut impl std::io::Write) -> Result<u64, AppError> {
        let name = shown(&entry.name);
        let file = self.zip.by_index(entry.index).map_err(|e| bad(format!("Unreadable archive entry {name}: {e}")))?;
        let cap = entry.size.min(self.limits.max_file);
        let copied = std::io::copy(&mut file.take(cap + 1), out)
            .map_err(|e| bad(format!("Archive entry {name} cannot be unpacked: {e}")))?;
        if copied > cap {
            return Err(bad(format!("Archive entry {name} unpacks to more than its header says")));
        }
        Ok(copied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_or_mislead_are_refused() {
        for (name, problem) in [
            ("../x", "climbing"),
            ("a/../../x", "climbing"),
            ("a/../x", "climbing"),
            ("/etc/x", "absolute"),
            ("C:/x", "absolute"),
            ("a\\..\\x", "backslash"),
            ("a//b", "empty"),
            ("./a", "empty"),
            ("a\0b", "NUL"),
        ] {
            let found = name_problem(name, true).unwrap_or_default();
            assert!(found.contains(problem), "{name:?}: {found}");
        }
        assert!(name_problem(&"a".repeat(300), true).is_some_and(|p| p.contains("too long")));
        assert_eq!(name_problem("dist/static/app.js", true), None);
        assert_eq!(name_problem("dist/", true), None);
    }
}
