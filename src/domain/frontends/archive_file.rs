//! The server-side archive an install's `file` names (Pleroma's `mix pleroma.frontend install
//! --file`, also accepted by the admin route). Pleroma reads any path; here only a regular file
//! inside the frontend archive directory (`[frontends] archive_dir`, symlinks resolved) is read,
//! and never one of the database's files, even when that directory holds them: opening and
//! closing a SQLite file from the same process drops SQLite's POSIX locks on it, and writes
//! another connection had acknowledged were lost that way.
use std::{
    io::Read,
    path::{Component, Path, PathBuf},
};

use crate::{
    config::Settings,
    error::{AppError, AppResult},
};

/// Where `file` may name archives: the configured directory, or `<data_dir>/frontend_archives`.
pub fn archive_dir(settings: &Settings) -> PathBuf {
    settings.frontends.archive_dir.clone().unwrap_or_else(|| settings.data_dir.join("frontend_archives"))
}

/// The database's files: the SQLite file of `database_url` (if SQLite) and the data
/// directory's default `gateway.db`, each with its `-wal`, `-shm` and `-journal` companions.
fn database_files(settings: &Settings) -> Vec<PathBuf> {
    let mut bases = vec![settings.data_dir.join("gateway.db")];
    if let Some(rest) = settings.database_url.strip_prefix("sqlite:") {
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        if !path.is_empty() && path != ":memory:" {
            bases.push(PathBuf::from(path));
        }
    }
    let mut out = Vec::new();
    for base in bases {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = base.clone().into_os_string();
            name.push(suffix);
            out.push(PathBuf::from(name));
        }
    }
    out
}

/// Whether `meta` (of the canonical `path`) is one of the database's files: the same inode
/// (a hard link counts) or the same canonical path.
fn is_database_file(settings: &Settings, path: &Path, meta: &std::fs::Metadata) -> bool {
    database_files(settings).iter().any(|db| {
        let Ok(db_meta) = std::fs::metadata(db) else { return false };
        same_file(meta, &db_meta) || std::fs::canonicalize(db).is_ok_and(|c| c == path)
    })
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

fn refuse(file: &str, why: &str) -> AppError {
    AppError::BadRequest(format!("file \"{}\" {why}", file.escape_debug()))
}

const OUTSIDE: &str = "is outside the frontend archive directory ([frontends] archive_dir)";

/// The canonical path of the archive `file` names (relative to the archive directory, or
/// absolute inside it), with its metadata; a 400 naming the problem otherwise.
pub fn resolve(settings: &Settings, file: &str) -> AppResult<(PathBuf, std::fs::Metadata)> {
    if file.is_empty() || file.contains('\0') || file.len() > 4096 {
        return Err(refuse(file, "is not a file name"));
    }
    let dir = archive_dir(settings);
    let Ok(root) = std::fs::canonicalize(&dir) else {
        return Err(refuse(
            file,
            "cannot be read: the frontend archive directory ([frontends] archive_dir) does not exist",
        ));
    };
    // Lexically first, so a path elsewhere is refused without looking at it.
    let asked = Path::new(file);
    let lexically_inside = !asked.is_absolute() || asked.starts_with(&dir) || asked.starts_with(&root);
    if !lexically_inside || asked.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(refuse(file, OUTSIDE));
    }
    // Then with every symlink resolved.
    let path = std::fs::canonicalize(root.join(asked))
        .map_err(|_| refuse(file, "is not in the frontend archive directory ([frontends] archive_dir)"))?;
    if !path.starts_with(&root) {
        return Err(refuse(file, "resolves outside the frontend archive directory ([frontends] archive_dir)"));
    }
    let meta = std::fs::metadata(&path).map_err(|e| refuse(file, &format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(refuse(file, "is not a regular file"));
    }
    if is_database_file(settings, &path, &meta) {
        return Err(refuse(file, "is one of the gateway's database files"));
    }
    Ok((path, meta))
}

/// The bytes of the archive `file` names (checked by [`resolve`]), at most `max` of them.
pub async fn read(settings: &Settings, file: &str, max: u64) -> AppResult<Vec<u8>> {
    let (settings, file) = (settings.clone(), file.to_string());
    tokio::task::spawn_blocking(move || {
        let (path, meta) = resolve(&settings, &file)?;
        if meta.len() > max {
            return Err(refuse(&file, &format!("is larger than the limit of {max} bytes")));
        }
        let opened = std::fs::File::open(&path).map_err(|e| refuse(&file, &format!("cannot be read: {e}")))?;
        // The file checked is the file opened (not swapped in between).
        let opened_meta = opened.metadata().map_err(|e| refuse(&file, &format!("cannot be read: {e}")))?;
        if cfg!(unix) && !same_file(&meta, &opened_meta) {
            return Err(refuse(&file, "changed while it was read"));
        }
        let mut bytes = Vec::new();
        opened.take(max + 1).read_to_end(&mut bytes).map_err(|e| refuse(&file, &format!("cannot be read: {e}")))?;
        if bytes.len() as u64 > max {
            return Err(refuse(&file, &format!("is larger than the limit of {max} bytes")));
        }
        Ok(bytes)
    })
    .await
    .map_err(AppError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_files_of_a_sqlite_url() {
        let mut settings = Settings::for_database("sqlite:///srv/gw/main.db?mode=rwc", Path::new("/data"));
        let files = database_files(&settings);
        for f in ["/data/gateway.db", "/data/gateway.db-wal", "/srv/gw/main.db", "/srv/gw/main.db-shm"] {
            assert!(files.contains(&PathBuf::from(f)), "{f}: {files:?}");
        }
        settings.database_url = "postgres://localhost/gw".into();
        assert_eq!(database_files(&settings).len(), 4);
    }
}
