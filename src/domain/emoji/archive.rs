//! Pack archives: built deterministically for sharing (the same files give the same bytes, so
//! the SHA-256 a listing shows is the one a download gets), and read back with every entry
//! checked before anything is written.
use std::{
    collections::{BTreeMap, BTreeSet},
    io::{Cursor, Read, Write},
    path::Component,
};

use crate::error::AppError;

/// What one archive may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file.
    pub max_file: u64,
    /// Most bytes unpacked in all.
    pub max_unpacked: u64,
    /// Most entries.
    pub max_entries: usize,
}

impl Limits {
    /// The limits of the `[emoji]` settings.
    pub fn of(config: &crate::config::Emoji) -> Limits {
        Limits {
            max_file: config.max_file_size,
            max_unpacked: config.max_unpacked_size,
            max_entries: config.max_entries,
        }
    }
}

/// A zip of `files` (name → bytes), in name order, with a fixed timestamp.
pub fn build(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, AppError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).map_err(AppError::internal)?;
        zip.write_all(bytes).map_err(AppError::internal)?;
    }
    Ok(zip.finish().map_err(AppError::internal)?.into_inner())
}

fn bad(message: String) -> AppError {
    AppError::BadRequest(message)
}

/// The entries named in `wanted` (all regular files when `None`), read into memory. The whole
/// archive is checked first: entry count, symlinks, names that would leave the pack (absolute,
/// `..`, backslashes), declared sizes; then each entry is read with its size capped, so an
/// archive lying about its sizes cannot unpack past the limits.
pub fn read(
    bytes: &[u8],
    wanted: Option<&BTreeSet<String>>,
    limits: Limits,
) -> Result<BTreeMap<String, Vec<u8>>, AppError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("Not a zip archive: {e}")))?;
    if zip.len() > limits.max_entries {
        return Err(bad(format!(
            "The archive has {} entries, more than the limit of {}",
            zip.len(),
            limits.max_entries
        )));
    }
    let mut declared: u64 = 0;
    let mut take = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| bad(format!("Unreadable archive entry: {e}")))?;
        let raw = entry.name().map_err(|e| bad(format!("Unreadable archive entry name: {e}")))?.to_string();
        if entry.is_symlink() {
            return Err(bad(format!("The archive holds a symbolic link: {raw}")));
        }
        let inside = entry.enclosed_name().is_some_and(|p| p.components().all(|c| matches!(c, Component::Normal(_))));
        if raw.starts_with('/')
            || raw.contains('\\')
            || raw.contains('\0')
            || raw.split('/').any(|s| s == "..")
            || !inside
        {
            return Err(bad(format!("The archive holds a path outside the pack: {raw}")));
        }
        if entry.is_dir() {
            continue;
        }
        if entry.size() > limits.max_file {
            return Err(bad(format!(
                "Archive entry {raw} is larger than the emoji size limit of {} bytes",
                limits.max_file
            )));
        }
        declared = declared.saturating_add(entry.size());
        if declared > limits.max_unpacked {
            return Err(bad(format!("The archive unpacks to more than the limit of {} bytes", limits.max_unpacked)));
        }
        if wanted.is_none_or(|w| w.contains(&raw)) {
            take.push((i, raw));
        }
    }
    let mut out = BTreeMap::new();
    let mut total: u64 = 0;
    for (i, name) in take {
        let entry = zip.by_index(i).map_err(|e| bad(format!("Unreadable archive entry: {e}")))?;
        let mut data = Vec::new();
        entry
            .take(limits.max_file + 1)
            .read_to_end(&mut data)
            .map_err(|e| bad(format!("Archive entry {name} cannot be unpacked: {e}")))?;
        if data.len() as u64 > limits.max_file {
            return Err(bad(format!(
                "Archive entry {name} is larger than the emoji size limit of {} bytes",
                limits.max_file
            )));
        }
        total += data.len() as u64;
        if total > limits.max_unpacked {
            return Err(bad(format!("The archive unpacks to more than the limit of {} bytes", limits.max_unpacked)));
        }
        out.insert(name, data);
    }
    Ok(out)
}

/// The names of the archive's regular files (for the fallback-src check), with the same checks.
pub fn names(bytes: &[u8], limits: Limits) -> Result<BTreeSet<String>, AppError> {
    let none = BTreeSet::new();
    read(bytes, Some(&none), limits)?;
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("Not a zip archive: {e}")))?;
    Ok(zip.file_names().filter_map(Result::ok).filter(|n| !n.ends_with('/')).map(|n| n.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_file: 1024, max_unpacked: 4096, max_entries: 10 };

    #[test]
    fn round_trip_is_deterministic() {
        let files = BTreeMap::from([("a.png".to_string(), b"a".to_vec()), ("pack.json".to_string(), b"{}".to_vec())]);
        let one = build(&files).unwrap_or_default();
        assert_eq!(one, build(&files).unwrap_or_default());
        assert_eq!(read(&one, None, LIMITS).ok(), Some(files));
    }

    #[test]
    fn bombs_and_escapes_are_refused() {
        let big = BTreeMap::from([("a.png".to_string(), vec![0u8; 2048])]);
        assert!(read(&build(&big).unwrap_or_default(), None, LIMITS).is_err());
        let escape = BTreeMap::from([("../x.png".to_string(), b"x".to_vec())]);
        assert!(read(&build(&escape).unwrap_or_default(), None, LIMITS).is_err());
    }
}
