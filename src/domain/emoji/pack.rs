//! Local packs (Pleroma's `Emoji.Pack`): a directory with a `pack.json` of `files`
//! (shortcode → file name) and `pack` metadata, the images beside it.
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    sync::Arc,
};

use serde_json::{json, Map, Value};

use super::{archive, check_image, is_safe_file, is_valid_shortcode, BuiltArchive, EmojiIndex};
use crate::error::{AppError, AppResult};

/// A pack as its pack.json describes it.
#[derive(Debug, Clone)]
pub struct Pack {
    pub name: String,
    pub path: PathBuf,
    /// Shortcode → file name (relative to the pack).
    pub files: BTreeMap<String, String>,
    /// The `pack` section: license, homepage, description, fallback-src, fallback-src-sha256,
    /// share-files (and whatever else an admin stored).
    pub metadata: Map<String, Value>,
}

/// What a pack.json holds (other keys are ignored, as Pleroma ignores them).
pub(crate) struct PackJson {
    pub files: BTreeMap<String, String>,
    pub metadata: Map<String, Value>,
}

/// A pack.json's files and metadata; `None` when there is none or it is not JSON.
pub(crate) fn read_pack_json(pack_dir: &Path) -> Option<PackJson> {
    let meta = std::fs::symlink_metadata(pack_dir.join("pack.json")).ok()?;
    if !meta.is_file() {
        return None;
    }
    let value: Value = serde_json::from_slice(&std::fs::read(pack_dir.join("pack.json")).ok()?).ok()?;
    let files = value
        .get("files")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    let metadata = value.get("pack").and_then(Value::as_object).cloned().unwrap_or_default();
    Some(PackJson { files, metadata })
}

/// The pack `name` (already checked by `pack_name`), if it has a pack.json.
pub fn load(index: &EmojiIndex, name: &str) -> Option<Pack> {
    let path = index.dir().join(name);
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
        return None;
    }
    let PackJson { files, metadata } = read_pack_json(&path)?;
    Some(Pack { name: name.to_string(), path, files, metadata })
}

fn io(context: &str) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |e| AppError::internal(format!("{context}: {e}"))
}

/// Write `pack.json` (files, files_count, pack — what Pleroma's `save_pack` writes) through a
/// temporary file, so a reader never sees half of it.
pub fn save(pack: &Pack) -> AppResult<()> {
    let body = json!({ "files": pack.files, "files_count": pack.files.len(), "pack": pack.metadata });
    let text = serde_json::to_vec_pretty(&body).map_err(AppError::internal)?;
    let tmp = pack.path.join(".pack.json.tmp");
    std::fs::write(&tmp, text).map_err(io("write pack.json"))?;
    std::fs::rename(&tmp, pack.path.join("pack.json")).map_err(io("write pack.json"))
}

/// Create an empty pack; 409 when one exists under that name.
pub fn create(index: &EmojiIndex, name: &str) -> AppResult<Pack> {
    std::fs::create_dir_all(index.dir()).map_err(io("create the emoji directory"))?;
    let path = index.dir().join(name);
    match std::fs::create_dir(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(AppError::Conflict {
                message: format!("A pack named \"{name}\" already exists"),
                details: Value::Null,
            })
        }
        Err(e) => return Err(io("create the pack")(e)),
    }
    let pack = Pack { name: name.to_string(), path, files: BTreeMap::new(), metadata: Map::new() };
    save(&pack)?;
    index.reload();
    Ok(pack)
}

/// Delete a pack directory (a symlinked pack loses only its link); 404 when there is none.
pub fn delete(index: &EmojiIndex, name: &str) -> AppResult<()> {
    let path = index.dir().join(name);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return Err(AppError::NotFound(format!("Pack {name} does not exist")));
    };
    if meta.is_dir() {
        std::fs::remove_dir_all(&path).map_err(io("delete the pack"))?;
    } else {
        std::fs::remove_file(&path).map_err(io("delete the pack"))?;
    }
    index.reload();
    Ok(())
}

/// Every pack with a pack.json, by name (Pleroma's `list_local`).
pub fn list(index: &EmojiIndex) -> AppResult<Vec<Pack>> {
    std::fs::create_dir_all(index.dir()).map_err(|e| {
        AppError::internal(format!("Failed to create the emoji pack directory at {}: {e}", index.dir().display()))
    })?;
    let entries = std::fs::read_dir(index.dir()).map_err(|e| {
        AppError::internal(format!(
            "Failed to get the contents of the emoji pack directory at {}: {e}",
            index.dir().display()
        ))
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| super::is_safe_component(n))
        .collect();
    names.sort();
    Ok(names.iter().filter_map(|n| load(index, n)).collect())
}

/// The file of `file_name` in the pack, if it is a regular file inside it (never a symlink).
fn regular_file(pack: &Pack, file_name: &str) -> Option<PathBuf> {
    if !is_safe_file(file_name) {
        return None;
    }
    let path = pack.path.join(file_name);
    std::fs::symlink_metadata(&path).ok().filter(|m| m.is_file()).map(|_| path)
}

/// Elixir truthiness of a metadata value (anything but null and false).
fn truthy(value: Option<&Value>) -> bool {
    !matches!(value, None | Some(Value::Null) | Some(Value::Bool(false)))
}

/// Whether the pack may be downloaded: `share-files` set and every file present.
pub fn downloadable(pack: &Pack) -> bool {
    truthy(pack.metadata.get("share-files")) && pack.files.values().all(|f| regular_file(pack, f).is_some())
}

/// The pack's archive (pack.json and every file), built once per state of the pack; 403 as
/// Pleroma words it when it may not be shared.
pub fn archive(index: &EmojiIndex, pack: &Pack) -> AppResult<Arc<BuiltArchive>> {
    use sha2::Digest;
    if !downloadable(pack) {
        return Err(AppError::Forbidden(format!(
            "Pack {} cannot be downloaded from this instance, either pack sharing was disabled for this pack or some files are missing",
            pack.name
        )));
    }
    let pack_json = std::fs::read(pack.path.join("pack.json")).map_err(io("read pack.json"))?;
    let mut hasher = sha2::Sha256::new();
    hasher.update(&pack_json);
    let names: BTreeSet<&String> = pack.files.values().collect();
    for name in &names {
        let meta = std::fs::metadata(pack.path.join(name)).map_err(io("read an emoji file"))?;
        let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        hasher.update(format!("{name}\0{}\0{modified:?}\0", meta.len()).as_bytes());
    }
    let fingerprint: [u8; 32] = hasher.finalize().into();
    if let Some(built) = index.cached_archive(&pack.name, &fingerprint) {
        return Ok(built);
    }
    let mut files = BTreeMap::from([("pack.json".to_string(), pack_json)]);
    for name in names {
        files.insert(name.clone(), std::fs::read(pack.path.join(name)).map_err(io("read an emoji file"))?);
    }
    let bytes = archive::build(&files)?;
    let built = Arc::new(BuiltArchive { sha256: super::sha256_hex(&bytes), bytes });
    index.keep_archive(&pack.name, fingerprint, built.clone());
    Ok(built)
}

fn not_found(name: &str) -> AppError {
    AppError::NotFound(format!("pack \"{name}\" is not found"))
}

/// A pack for the file routes (`pack "<name>" is not found`).
pub fn load_for_files(index: &EmojiIndex, name: &str) -> AppResult<Pack> {
    load(index, name).ok_or_else(|| not_found(name))
}

/// Refuse a `file_name` (already a safe relative name) whose way into the pack passes a
/// symbolic link, or a file where a folder is needed: writing through either would land
/// outside the pack or fail half-way.
fn check_way(pack: &Pack, file_name: &str) -> AppResult<()> {
    let segments: Vec<&str> = file_name.split('/').collect();
    let mut path = pack.path.clone();
    for (i, segment) in segments.iter().enumerate() {
        path.push(segment);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { return Ok(()) };
        let last = i + 1 == segments.len();
        if meta.file_type().is_symlink() {
            return Err(AppError::BadRequest(format!(
                "Invalid file name \"{file_name}\": \"{segment}\" in the pack is a symbolic link"
            )));
        }
        if !last && !meta.is_dir() {
            return Err(conflict(format!("Invalid file name \"{file_name}\": \"{segment}\" in the pack is a file")));
        }
        if last && meta.is_dir() {
            return Err(conflict(format!("Invalid file name \"{file_name}\": it is a folder in the pack")));
        }
    }
    Ok(())
}

fn write_file(pack: &Pack, file_name: &str, bytes: &[u8]) -> AppResult<()> {
    check_way(pack, file_name)?;
    let path = pack.path.join(file_name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create a pack subdirectory"))?;
    }
    let tmp = pack.path.join(format!(".upload-{}", rand::random::<u64>()));
    std::fs::write(&tmp, bytes).map_err(io("write an emoji file"))?;
    std::fs::rename(&tmp, &path).map_err(io("write an emoji file"))
}

fn conflict(message: String) -> AppError {
    AppError::Conflict { message, details: Value::Null }
}

/// Add one image under `shortcode` as `file_name` (Pleroma's `add_file`).
pub fn add_file(
    index: &EmojiIndex,
    mut pack: Pack,
    shortcode: &str,
    file_name: &str,
    bytes: &[u8],
    max_file: u64,
) -> AppResult<Pack> {
    if shortcode.is_empty() || file_name.is_empty() {
        return Err(AppError::invalid("shortcode", "pack name, shortcode or filename cannot be empty"));
    }
    if index.exists(shortcode) || pack.files.contains_key(shortcode) {
        return Err(conflict(format!("An emoji with the \"{shortcode}\" shortcode already exists")));
    }
    check_new(shortcode, file_name)?;
    if pack.files.values().any(|f| f == file_name) {
        return Err(conflict(format!("A file named \"{file_name}\" is already in the pack")));
    }
    check_image(file_name, bytes, max_file)?;
    write_file(&pack, file_name, bytes)?;
    pack.files.insert(shortcode.to_string(), file_name.to_string());
    save(&pack)?;
    index.reload();
    Ok(pack)
}

/// Add every image of a zip upload whose shortcode (its file name without extension) is not
/// taken yet, under its path in the archive (Pleroma's `add_file` with an
/// `application/zip` upload). Every entry is checked before any is written.
pub fn add_zip(index: &EmojiIndex, mut pack: Pack, zip: &[u8], limits: archive::Limits) -> AppResult<Pack> {
    let entries = archive::read(zip, None, limits)?;
    let mut adding = Vec::new();
    for (path, bytes) in &entries {
        let base = path.rsplit('/').next().unwrap_or(path);
        let shortcode = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
        if index.exists(shortcode)
            || pack.files.contains_key(shortcode)
            || adding.iter().any(|(s, _, _)| s == shortcode)
        {
            continue;
        }
        check_new(shortcode, path)?;
        check_image(path, bytes, limits.max_file)?;
        adding.push((shortcode.to_string(), path.clone(), bytes));
    }
    for (_, path, _) in &adding {
        if pack.files.values().any(|f| f == path) {
            return Err(conflict(format!("A file named \"{path}\" is already in the pack")));
        }
        check_way(&pack, path)?;
    }
    // Staged in a hidden folder of the pack (never loaded or served), then moved into place;
    // on any error what was moved is taken back and the staging folder removed.
    let staging =
        tempfile::Builder::new().prefix(".zip-").tempdir_in(&pack.path).map_err(io("stage the zip's files"))?;
    for (i, (_, _, bytes)) in adding.iter().enumerate() {
        std::fs::write(staging.path().join(i.to_string()), bytes).map_err(io("stage the zip's files"))?;
    }
    let mut placed: Vec<PathBuf> = Vec::new();
    let mut created: Vec<PathBuf> = Vec::new();
    let mut place = || -> AppResult<()> {
        for (i, (_, path, _)) in adding.iter().enumerate() {
            let target = pack.path.join(path);
            let mut missing: Vec<PathBuf> =
                target.ancestors().skip(1).take_while(|a| !a.exists()).map(Path::to_path_buf).collect();
            missing.reverse();
            for dir in missing {
                std::fs::create_dir(&dir).map_err(io("create a pack subdirectory"))?;
                created.push(dir);
            }
            std::fs::rename(staging.path().join(i.to_string()), &target).map_err(io("write an emoji file"))?;
            placed.push(target);
        }
        let mut updated = pack.clone();
        for (shortcode, path, _) in &adding {
            updated.files.insert(shortcode.clone(), path.clone());
        }
        save(&updated)
    };
    if let Err(e) = place() {
        // Undo what was placed; what cannot be undone is left, and said.
        for file in &placed {
            if let Err(error) = std::fs::remove_file(file) {
                tracing::warn!(%error, file = %file.display(), "emoji file left after a failed add");
            }
        }
        for dir in created.iter().rev() {
            if let Err(error) = std::fs::remove_dir(dir) {
                tracing::warn!(%error, dir = %dir.display(), "emoji directory left after a failed add");
            }
        }
        return Err(e);
    }
    for (shortcode, path, _) in adding {
        pack.files.insert(shortcode, path);
    }
    index.reload();
    Ok(pack)
}

fn check_new(shortcode: &str, file_name: &str) -> AppResult<()> {
    if !is_valid_shortcode(shortcode) {
        return Err(AppError::BadRequest(format!(
            "Invalid shortcode \"{shortcode}\": use letters, digits, \"_\" and \"-\""
        )));
    }
    if !is_safe_file(file_name) {
        return Err(AppError::BadRequest(format!(
            "Invalid file name \"{file_name}\": it must stay inside the pack (no \"..\", absolute paths or hidden files)"
        )));
    }
    Ok(())
}

/// The file of an existing shortcode (`Emoji "<shortcode>" does not exist` otherwise).
fn existing_file(pack: &Pack, shortcode: &str) -> AppResult<String> {
    pack.files
        .get(shortcode)
        .filter(|f| regular_file(pack, f).is_some())
        .cloned()
        .ok_or_else(|| AppError::BadRequest(format!("Emoji \"{shortcode}\" does not exist")))
}

fn remove_dir_if_empty(pack: &Pack, file_name: &str) {
    if let Some((dir, _)) = file_name.rsplit_once('/') {
        // Fails while other files remain in it: then it stays, as it should.
        if std::fs::remove_dir(pack.path.join(dir)).is_err() {
            tracing::debug!(dir, "emoji directory not empty; kept");
        }
    }
}

/// Rename an emoji and/or move its file (Pleroma's `update_file`).
pub fn update_file(
    index: &EmojiIndex,
    mut pack: Pack,
    shortcode: &str,
    new_shortcode: &str,
    new_file_name: &str,
    force: bool,
) -> AppResult<Pack> {
    if shortcode.is_empty() || new_shortcode.is_empty() || new_file_name.is_empty() {
        return Err(AppError::invalid("new_shortcode", "new_shortcode or new_filename cannot be empty"));
    }
    let file_name = existing_file(&pack, shortcode)?;
    if !force && new_shortcode != shortcode && index.exists(new_shortcode) {
        return Err(conflict(format!(
            "New shortcode \"{new_shortcode}\" is already used. If you want to override emoji use 'force' option"
        )));
    }
    check_new(new_shortcode, new_file_name)?;
    if file_name != new_file_name {
        check_way(&pack, new_file_name)?;
        let target = pack.path.join(new_file_name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io("create a pack subdirectory"))?;
        }
        std::fs::rename(pack.path.join(&file_name), &target).map_err(io("move an emoji file"))?;
        remove_dir_if_empty(&pack, &file_name);
    }
    pack.files.remove(shortcode);
    pack.files.insert(new_shortcode.to_string(), new_file_name.to_string());
    save(&pack)?;
    index.reload();
    Ok(pack)
}

/// Remove an emoji and its file (Pleroma's `delete_file`).
pub fn delete_file(index: &EmojiIndex, mut pack: Pack, shortcode: &str) -> AppResult<Pack> {
    if shortcode.is_empty() {
        return Err(AppError::invalid("shortcode", "pack name or shortcode cannot be empty"));
    }
    let file_name = existing_file(&pack, shortcode)?;
    std::fs::remove_file(pack.path.join(&file_name)).map_err(io("delete an emoji file"))?;
    remove_dir_if_empty(&pack, &file_name);
    pack.files.remove(shortcode);
    save(&pack)?;
    index.reload();
    Ok(pack)
}

/// Replace the metadata (the caller has checked a new fallback-src and set its SHA-256).
pub fn save_metadata(index: &EmojiIndex, mut pack: Pack, metadata: Map<String, Value>) -> AppResult<Pack> {
    pack.metadata = metadata;
    save(&pack)?;
    index.reload();
    Ok(pack)
}

/// Write a pack.json for every pack directory without one, from its emoji.txt or its files
/// (Pleroma's `import_from_filesystem`); returns their names.
pub fn import_from_filesystem(index: &EmojiIndex, extensions: &[String]) -> AppResult<Vec<String>> {
    std::fs::create_dir_all(index.dir()).map_err(|_| AppError::internal("Error accessing emoji pack directory"))?;
    let meta =
        std::fs::metadata(index.dir()).map_err(|_| AppError::internal("Error accessing emoji pack directory"))?;
    if meta.permissions().readonly() {
        return Err(AppError::internal("Error: emoji pack directory must be writable"));
    }
    let entries =
        std::fs::read_dir(index.dir()).map_err(|_| AppError::internal("Error accessing emoji pack directory"))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| super::is_safe_component(n))
        .filter(|n| !index.dir().join(n).join("pack.json").exists())
        .collect();
    names.sort();
    let mut imported = Vec::new();
    for name in names {
        let path = index.dir().join(&name);
        let files: BTreeMap<String, String> = match super::read_emoji_txt(&path) {
            Some(lines) => lines
                .into_iter()
                .map(|(code, file, _)| {
                    // "/emoji/<pack>/x.png" names a file of this pack: keep its base name.
                    let in_this_pack = file
                        .rsplit_once('/')
                        .is_some_and(|(dir, _)| path.to_string_lossy().ends_with(dir.trim_end_matches('/')));
                    let file = if in_this_pack { file.rsplit('/').next().unwrap_or(&file).to_string() } else { file };
                    (code, file)
                })
                .collect(),
            None => super::files_by_extension(&path, extensions),
        };
        let files = files.into_iter().filter(|(_, f)| is_safe_file(f)).collect();
        let pack = Pack { name: name.clone(), path, files, metadata: Map::new() };
        if save(&pack).is_ok() {
            imported.push(name);
        }
    }
    index.reload();
    Ok(imported)
}

/// Install a downloaded pack under `name`: its images (checked), then its pack.json, in a
/// temporary directory renamed into place, so a failure leaves nothing behind.
pub fn install(
    index: &EmojiIndex,
    name: &str,
    files: BTreeMap<String, String>,
    metadata: Map<String, Value>,
    contents: &BTreeMap<String, Vec<u8>>,
    max_file: u64,
) -> AppResult<Pack> {
    let path = index.dir().join(name);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(conflict(format!("A pack named \"{name}\" already exists")));
    }
    for (shortcode, file) in &files {
        check_new(shortcode, file)?;
        let bytes = contents.get(file).ok_or_else(|| {
            AppError::Upstream(format!("The archive does not have the file {file} specified in pack.json"))
        })?;
        check_image(file, bytes, max_file)?;
    }
    std::fs::create_dir_all(index.dir()).map_err(io("create the emoji directory"))?;
    let tmp =
        tempfile::Builder::new().prefix(".download-").tempdir_in(index.dir()).map_err(io("create a directory"))?;
    let staged = Pack { name: name.to_string(), path: tmp.path().to_path_buf(), files, metadata };
    for file in staged.files.values().collect::<BTreeSet<_>>() {
        write_file(&staged, file, &contents[file])?;
    }
    save(&staged)?;
    let tmp_path = tmp.keep();
    if let Err(e) = std::fs::rename(&tmp_path, &path) {
        if let Err(error) = std::fs::remove_dir_all(&tmp_path) {
            tracing::warn!(%error, dir = %tmp_path.display(), "staged emoji pack left behind");
        }
        return Err(io("install the pack")(e));
    }
    index.reload();
    Ok(Pack { path, ..staged })
}
