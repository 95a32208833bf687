//! Shared storage: one interface ([`Store`]) for every file another process must see —
//! uploads, emoji packs (files and pack.json), installed frontends, backup archives and the
//! media proxy cache. `[storage]` picks the backend:
//! - default: the data directory itself ([`LocalDir`], today's layout, so existing data keeps
//!   working); the files the code works on *are* the stored files.
//! - a shared directory (`backend = "local"`, `root`) or an S3-compatible object store
//!   (`backend = "s3"`), both through Apache Arrow's `object_store` ([`Objects`]). Objects keep
//!   their data-directory paths as keys (`uploads/<file>`, `static/emoji/<pack>/<file>`,
//!   `static/frontends/<name>/<ref>/…`, `uploads/backups/<file>`).
//!
//! Reads (serving `/media/…`, `/emoji/…`, frontends, backup downloads) go to the store. Work that
//! needs a directory tree (emoji packs are edited as files; frontends are unpacked from a zip)
//! runs on the process's data directory as a working copy: [`pull_dir`] makes the copy equal to
//! the store before, [`push_dir`] makes the store equal to the copy after. Both compare size and
//! modification time; the copy's files take their object's time, so unchanged files move once.
use std::{
    collections::{HashMap, HashSet},
    path::{Component, Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
    time::SystemTime,
};

use chrono::{DateTime, Utc};
use futures_util::{future::BoxFuture, FutureExt, TryStreamExt};
use object_store::{path::Path as ObjectPath, ObjectStore, PutPayload};

use crate::{
    config::{storage::Backend, Settings, Storage as StorageConfig},
    error::{AppError, AppResult},
};

/// What the store knows of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Its key: `/`-separated, relative to the data directory.
    pub key: String,
    pub size: u64,
    pub modified: DateTime<Utc>,
}

/// A file body and what the store knows of it.
pub type Object = (Vec<u8>, Meta);

/// The storage interface: files by key (`/`-separated paths relative to the data directory).
/// `get` refuses files over `max` bytes; `delete` of a missing key succeeds; `list` is recursive.
pub trait Store: Send + Sync {
    /// The file at `key`, `None` when there is none.
    fn get(&self, key: String, max: u64) -> BoxFuture<'_, AppResult<Option<Object>>>;
    /// What the store knows of `key`, `None` when there is no such file.
    fn head(&self, key: String) -> BoxFuture<'_, AppResult<Option<Meta>>>;
    /// Store `bytes` at `key` (replacing a file there), atomically.
    fn put(&self, key: String, bytes: Vec<u8>) -> BoxFuture<'_, AppResult<Meta>>;
    /// Remove the file at `key`.
    fn delete(&self, key: String) -> BoxFuture<'_, AppResult<()>>;
    /// Every file whose key starts with the directory `prefix`.
    fn list(&self, prefix: String) -> BoxFuture<'_, AppResult<Vec<Meta>>>;
    /// Whether the files the process works on are the stored files (the data directory itself):
    /// then [`pull_dir`] and [`push_dir`] have nothing to do.
    fn is_working_copy(&self) -> bool;
}

fn storage_error(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("storage: {error}"))
}

fn too_large(key: &str, max: u64) -> AppError {
    AppError::BadRequest(format!("{key} is larger than the limit of {max} bytes"))
}

/// The data directory as the store (the default backend): keys are paths under `data_dir` (a
/// key starting with `/` is an absolute path, as a `static_dir` outside the data directory gives).
pub struct LocalDir {
    pub data_dir: PathBuf,
}

impl LocalDir {
    fn path(&self, key: &str) -> PathBuf {
        self.data_dir.join(key)
    }
}

fn modified_of(meta: &std::fs::Metadata) -> DateTime<Utc> {
    meta.modified().map(DateTime::<Utc>::from).unwrap_or_default()
}

fn missing(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::NotFound
}

impl Store for LocalDir {
    fn get(&self, key: String, max: u64) -> BoxFuture<'_, AppResult<Option<Object>>> {
        async move {
            let path = self.path(&key);
            let meta = match tokio::fs::metadata(&path).await {
                Ok(meta) if meta.is_file() => meta,
                Ok(_) => return Ok(None),
                Err(e) if missing(&e) => return Ok(None),
                Err(e) => return Err(storage_error(e)),
            };
            if meta.len() > max {
                return Err(too_large(&key, max));
            }
            match tokio::fs::read(&path).await {
                Ok(bytes) => {
                    let meta = Meta { key, size: bytes.len() as u64, modified: modified_of(&meta) };
                    Ok(Some((bytes, meta)))
                }
                Err(e) if missing(&e) => Ok(None),
                Err(e) => Err(storage_error(e)),
            }
        }
        .boxed()
    }

    fn head(&self, key: String) -> BoxFuture<'_, AppResult<Option<Meta>>> {
        async move {
            match tokio::fs::metadata(self.path(&key)).await {
                Ok(meta) if meta.is_file() => Ok(Some(Meta { size: meta.len(), modified: modified_of(&meta), key })),
                Ok(_) => Ok(None),
                Err(e) if missing(&e) => Ok(None),
                Err(e) => Err(storage_error(e)),
            }
        }
        .boxed()
    }

    fn put(&self, key: String, bytes: Vec<u8>) -> BoxFuture<'_, AppResult<Meta>> {
        async move {
            let path = self.path(&key);
            write_atomically(&path, &bytes, None).await?;
            self.head(key.clone()).await?.ok_or_else(|| storage_error(format!("{key} vanished")))
        }
        .boxed()
    }

    fn delete(&self, key: String) -> BoxFuture<'_, AppResult<()>> {
        async move {
            match tokio::fs::remove_file(self.path(&key)).await {
                Err(e) if !missing(&e) => Err(storage_error(e)),
                _ => Ok(()),
            }
        }
        .boxed()
    }

    fn list(&self, prefix: String) -> BoxFuture<'_, AppResult<Vec<Meta>>> {
        async move {
            let root = self.path(&prefix);
            let files = tokio::task::spawn_blocking(move || walk(&root)).await.map_err(storage_error)?;
            Ok(files
                .into_iter()
                .map(|(rel, size, modified)| Meta { key: join_key(&prefix, &rel), size, modified })
                .collect())
        }
        .boxed()
    }

    fn is_working_copy(&self) -> bool {
        true
    }
}

/// An `object_store` backend: a shared directory or an S3-compatible store.
pub struct Objects {
    pub store: Arc<dyn ObjectStore>,
}

fn object_path(key: &str) -> ObjectPath {
    ObjectPath::from_iter(key.split('/').filter(|part| !part.is_empty()))
}

/// The key of a listed object (its parts percent-decoded).
fn key_of(location: &ObjectPath) -> String {
    location
        .parts()
        .map(|part| percent_encoding::percent_decode_str(part.as_ref()).decode_utf8_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn meta_of(key: String, meta: &object_store::ObjectMeta) -> Meta {
    Meta { key, size: meta.size, modified: meta.last_modified }
}

impl Store for Objects {
    fn get(&self, key: String, max: u64) -> BoxFuture<'_, AppResult<Option<Object>>> {
        async move {
            let result = match self.store.get(&object_path(&key)).await {
                Ok(result) => result,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(storage_error(e)),
            };
            if result.meta.size > max {
                return Err(too_large(&key, max));
            }
            let meta = meta_of(key, &result.meta);
            let bytes = result.bytes().await.map_err(storage_error)?;
            Ok(Some((bytes.to_vec(), meta)))
        }
        .boxed()
    }

    fn head(&self, key: String) -> BoxFuture<'_, AppResult<Option<Meta>>> {
        async move {
            match self.store.head(&object_path(&key)).await {
                Ok(meta) => Ok(Some(meta_of(key, &meta))),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(storage_error(e)),
            }
        }
        .boxed()
    }

    fn put(&self, key: String, bytes: Vec<u8>) -> BoxFuture<'_, AppResult<Meta>> {
        async move {
            let path = object_path(&key);
            self.store.put(&path, PutPayload::from(bytes)).await.map_err(storage_error)?;
            let meta = self.store.head(&path).await.map_err(storage_error)?;
            Ok(meta_of(key, &meta))
        }
        .boxed()
    }

    fn delete(&self, key: String) -> BoxFuture<'_, AppResult<()>> {
        async move {
            match self.store.delete(&object_path(&key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(storage_error(e)),
            }
        }
        .boxed()
    }

    fn list(&self, prefix: String) -> BoxFuture<'_, AppResult<Vec<Meta>>> {
        async move {
            let path = object_path(&prefix);
            let listed: Vec<object_store::ObjectMeta> =
                self.store.list(Some(&path)).try_collect().await.map_err(storage_error)?;
            Ok(listed.iter().map(|m| meta_of(key_of(&m.location), m)).collect())
        }
        .boxed()
    }

    fn is_working_copy(&self) -> bool {
        false
    }
}

/// Build the store `[storage]` names for `data_dir`.
pub fn open(config: &StorageConfig, data_dir: &Path) -> Result<Arc<dyn Store>, String> {
    config.check()?;
    match (config.backend, &config.root) {
        (Backend::Local, None) => Ok(Arc::new(LocalDir { data_dir: data_dir.to_path_buf() })),
        (Backend::Local, Some(root)) => {
            std::fs::create_dir_all(root).map_err(|e| format!("[storage] root {}: {e}", root.display()))?;
            let store = object_store::local::LocalFileSystem::new_with_prefix(root)
                .map_err(|e| format!("[storage] root {}: {e}", root.display()))?;
            Ok(Arc::new(Objects { store: Arc::new(store) }))
        }
        (Backend::S3, _) => {
            let mut builder = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(config.bucket.clone().unwrap_or_default())
                .with_region(config.region.clone().unwrap_or_else(|| "us-east-1".into()))
                .with_virtual_hosted_style_request(!config.path_style)
                .with_allow_http(config.allow_http);
            if let Some(endpoint) = &config.endpoint {
                builder = builder.with_endpoint(endpoint);
            }
            if let Some(key) = &config.access_key_id {
                builder = builder.with_access_key_id(key);
            }
            if let Some(secret) = &config.secret_access_key {
                builder = builder.with_secret_access_key(secret);
            }
            let s3 = builder.build().map_err(|e| format!("[storage] s3: {e}"))?;
            let store: Arc<dyn ObjectStore> = match config.prefix.as_deref().filter(|p| !p.is_empty()) {
                Some(prefix) => Arc::new(object_store::prefix::PrefixStore::new(s3, prefix)),
                None => Arc::new(s3),
            };
            Ok(Arc::new(Objects { store }))
        }
    }
}

/// The store of `settings` (one per data directory and `[storage]` in a process, built on first
/// use). A configuration that cannot be opened is reported by `check` at start-up; here it
/// falls back to the data directory with an error logged.
pub fn store(settings: &Settings) -> Arc<dyn Store> {
    type Registry = Mutex<HashMap<(PathBuf, String), Arc<dyn Store>>>;
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let id = (settings.data_dir.clone(), format!("{:?}", settings.storage));
    let mut registry = REGISTRY.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner());
    registry
        .entry(id)
        .or_insert_with(|| match open(&settings.storage, &settings.data_dir) {
            Ok(store) => store,
            Err(error) => {
                tracing::error!(%error, "cannot open the configured storage; using the data directory");
                Arc::new(LocalDir { data_dir: settings.data_dir.clone() })
            }
        })
        .clone()
}

/// Check at start-up that `[storage]` can be opened.
pub fn check(settings: &Settings) -> Result<(), String> {
    open(&settings.storage, &settings.data_dir).map(|_| ())
}

fn normal(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The key of a file (or directory) of the working copy: its path under the data directory,
/// or its absolute path when it lies outside.
pub fn key(settings: &Settings, path: &Path) -> String {
    let (path, data) = (normal(path), normal(&settings.data_dir));
    match path.strip_prefix(&data) {
        Ok(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        Err(_) => path.to_string_lossy().into_owned(),
    }
}

fn join_key(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{}/{rel}", prefix.trim_end_matches('/'))
    }
}

/// The file at `path` (of the working copy's layout), from the store, at most
/// `[storage] max_object_size` bytes.
pub async fn read(settings: &Settings, path: &Path) -> AppResult<Option<Vec<u8>>> {
    let max = settings.storage.max_object_size;
    Ok(store(settings).get(key(settings, path), max).await?.map(|(bytes, _)| bytes))
}

/// Store `bytes` at `path` (of the working copy's layout).
pub async fn write(settings: &Settings, path: &Path, bytes: Vec<u8>) -> AppResult<()> {
    store(settings).put(key(settings, path), bytes).await.map(|_| ())
}

/// Remove the file at `path` from the store (and from the working copy).
pub async fn remove(settings: &Settings, path: &Path) -> AppResult<()> {
    let store = store(settings);
    store.delete(key(settings, path)).await?;
    if !store.is_working_copy() {
        if let Err(error) = tokio::fs::remove_file(path).await {
            if !missing(&error) {
                tracing::warn!(%error, path = %path.display(), "cannot remove the local copy");
            }
        }
    }
    Ok(())
}

/// Store the working copy's file at `path` (after the process wrote it there).
pub async fn push_file(settings: &Settings, path: &Path) -> AppResult<()> {
    let store = store(settings);
    if store.is_working_copy() {
        return Ok(());
    }
    let bytes = tokio::fs::read(path).await.map_err(storage_error)?;
    let meta = store.put(key(settings, path), bytes).await?;
    set_modified(path, meta.modified).await
}

/// The names directly under the directory `path` (files and directories), sorted.
pub async fn names(settings: &Settings, path: &Path) -> AppResult<Vec<String>> {
    let prefix = key(settings, path);
    let mut names: Vec<String> = store(settings)
        .list(prefix.clone())
        .await?
        .into_iter()
        .filter_map(|m| {
            let rest = m.key.strip_prefix(&prefix)?.trim_start_matches('/');
            rest.split('/').next().filter(|n| !n.is_empty()).map(str::to_string)
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    names.sort();
    Ok(names)
}

async fn set_modified(path: &Path, modified: DateTime<Utc>) -> AppResult<()> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let file = std::fs::File::options().write(true).open(&path)?;
        file.set_modified(SystemTime::from(modified))
    })
    .await
    .map_err(storage_error)?
    .map_err(storage_error)
}

/// Write `bytes` to `path` through a temporary file beside it; then give it `modified`.
async fn write_atomically(path: &Path, bytes: &[u8], modified: Option<DateTime<Utc>>) -> AppResult<()> {
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(storage_error)?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.part", rand::random::<u32>()));
    tokio::fs::write(&tmp, bytes).await.map_err(storage_error)?;
    if let Some(modified) = modified {
        set_modified(&tmp, modified).await?;
    }
    if let Err(error) = tokio::fs::rename(&tmp, path).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(storage_error(error));
    }
    Ok(())
}

/// Every regular file under `root` (symlinks are not followed): relative path, size, time.
fn walk(root: &Path) -> Vec<(String, u64, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else { continue };
            let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            if meta.is_dir() {
                stack.push((entry.path(), child));
            } else if meta.is_file() {
                out.push((child, meta.len(), modified_of(&meta)));
            }
        }
    }
    out
}

/// Make the working copy's directory `dir` equal to the store: fetch what is missing or differs,
/// remove files the store no longer has (and directories left empty).
pub async fn pull_dir(settings: &Settings, dir: &Path) -> AppResult<()> {
    let store = store(settings);
    if store.is_working_copy() {
        return Ok(());
    }
    let prefix = key(settings, dir);
    let remote = store.list(prefix.clone()).await?;
    let local_root = dir.to_path_buf();
    let local = tokio::task::spawn_blocking(move || walk(&local_root)).await.map_err(storage_error)?;
    let local: HashMap<String, (u64, DateTime<Utc>)> = local.into_iter().map(|(k, s, m)| (k, (s, m))).collect();
    let mut kept = HashSet::new();
    for meta in remote {
        let Some(rel) = meta.key.strip_prefix(&prefix).map(|r| r.trim_start_matches('/').to_string()) else {
            continue;
        };
        if rel.is_empty() || !rel.split('/').all(|part| !part.is_empty() && part != "." && part != "..") {
            continue;
        }
        kept.insert(rel.clone());
        if local.get(&rel) == Some(&(meta.size, meta.modified)) {
            continue;
        }
        let Some((bytes, meta)) = store.get(meta.key.clone(), settings.storage.max_object_size).await? else {
            continue;
        };
        write_atomically(&dir.join(&rel), &bytes, Some(meta.modified)).await?;
    }
    for rel in local.keys().filter(|rel| !kept.contains(*rel)) {
        let path = dir.join(rel);
        if let Err(error) = tokio::fs::remove_file(&path).await {
            if !missing(&error) {
                return Err(storage_error(error));
            }
        }
        // Directories the removal left empty go too (up to `dir`).
        let mut parent = path.parent();
        while let Some(p) = parent.filter(|p| *p != dir && p.starts_with(dir)) {
            if tokio::fs::remove_dir(p).await.is_err() {
                break;
            }
            parent = p.parent();
        }
    }
    Ok(())
}

/// Make the store equal to the working copy's directory `dir`: store what is new or changed,
/// delete what the copy no longer has.
pub async fn push_dir(settings: &Settings, dir: &Path) -> AppResult<()> {
    let store = store(settings);
    if store.is_working_copy() {
        return Ok(());
    }
    let prefix = key(settings, dir);
    let remote: HashMap<String, Meta> = store
        .list(prefix.clone())
        .await?
        .into_iter()
        .filter_map(|m| Some((m.key.strip_prefix(&prefix)?.trim_start_matches('/').to_string(), m)))
        .collect();
    let local_root = dir.to_path_buf();
    let local = tokio::task::spawn_blocking(move || walk(&local_root)).await.map_err(storage_error)?;
    let mut kept = HashSet::new();
    for (rel, size, modified) in local {
        kept.insert(rel.clone());
        if remote.get(&rel).is_some_and(|m| m.size == size && m.modified == modified) {
            continue;
        }
        let path = dir.join(&rel);
        let bytes = tokio::fs::read(&path).await.map_err(storage_error)?;
        let meta = store.put(join_key(&prefix, &rel), bytes).await?;
        set_modified(&path, meta.modified).await?;
    }
    for (rel, meta) in remote {
        if !kept.contains(&rel) {
            store.delete(meta.key).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_keys_are_data_directory_paths() {
        let settings = Settings::for_database("sqlite::memory:", Path::new("/srv/data"));
        assert_eq!(key(&settings, Path::new("/srv/data/static/emoji/a/b.png")), "static/emoji/a/b.png");
        assert_eq!(key(&settings, Path::new("/srv/data/uploads/../uploads/x")), "uploads/x");
        assert_eq!(key(&settings, Path::new("/elsewhere/static")), "/elsewhere/static");
        let parts = object_path("static/emoji/a b%[x].png");
        assert_eq!(key_of(&parts), "static/emoji/a b%[x].png");
    }
}
