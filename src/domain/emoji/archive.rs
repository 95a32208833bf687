//! Pack archives: built deterministically for sharing (the same files give the same bytes, so
//! the SHA-256 a listing shows is the one a download gets), and read back with every entry
//! checked before anything is written.
use std::{
    collections::{BTreeMap, BTreeSet},
    io::{Cursor, Write},
};

use crate::{domain::safe_zip, error::AppError};

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

impl Limits {
    fn safe(self) -> safe_zip::Limits {
        safe_zip::Limits {
            max_entries: self.max_entries,
            max_unpacked: self.max_unpacked,
            max_file: self.max_file,
            file_label: "emoji",
        }
    }
}

/// The entries named in `wanted` (all regular files when `None`), read into memory. The whole
/// archive is checked first ([`safe_zip::open`]: entry count, symlinks, names that would leave
/// the pack, names twice, declared sizes and compression ratios); then each entry is read with
/// its size capped, so an archive lying about its sizes cannot unpack past the limits.
pub fn read(
    bytes: &[u8],
    wanted: Option<&BTreeSet<String>>,
    limits: Limits,
) -> Result<BTreeMap<String, Vec<u8>>, AppError> {
    let mut zip = safe_zip::open(bytes, limits.safe())?;
    let entries = std::mem::take(&mut zip.entries);
    let mut out = BTreeMap::new();
    for entry in entries.iter().filter(|e| !e.is_dir && wanted.is_none_or(|w| w.contains(&e.name))) {
        out.insert(entry.name.clone(), zip.read(entry)?);
    }
    Ok(out)
}

/// The names of the archive's regular files (for the fallback-src check), with the same checks.
pub fn names(bytes: &[u8], limits: Limits) -> Result<BTreeSet<String>, AppError> {
    let zip = safe_zip::open(bytes, limits.safe())?;
    Ok(zip.entries.iter().filter(|e| !e.is_dir).map(|e| e.name.clone()).collect())
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
