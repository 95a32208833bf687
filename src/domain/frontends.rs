//! Frontends (Pleroma's `Pleroma.Frontend`): the known list, what is installed under
//! `<static_dir>/frontends/<name>/<ref>`, and installing a build from a zip archive.
//!
//! Installing runs as a durable job ([`InstallFrontend`]). The archive (downloaded from the
//! build URL, or read from a file in the frontend archive directory: [`archive_file`]) is
//! checked as a whole before anything is written ([`safe_zip`]): every entry must be a plain file or directory with a relative name
//! inside the archive (no `..`, no absolute paths, no symlinks, no name twice), and the entries
//! may not exceed [`MAX_ENTRIES`] nor unpack to more than [`MAX_UNPACKED`] bytes (each entry is
//! read with its declared size as cap). It is unpacked into a private temporary directory, and
//! the build directory inside it (`dist` unless told) is then moved into place.
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::safe_zip;
use crate::{
    config::{FrontendEntry, Settings},
    error::{AppError, AppResult},
    jobs::{Attempt, Failure, Job, Queue},
};

pub mod archive_file;

/// The job that installs one frontend build ([`perform_install`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallFrontend {
    pub name: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub build_url: Option<String>,
    pub build_dir: Option<String>,
    /// An archive in the frontend archive directory instead of a download.
    pub file: Option<String>,
}

impl Job for InstallFrontend {
    const NAME: &'static str = "install_frontend";
    const QUEUE: Queue = Queue::Slow;
    /// Pleroma tries an install once; a failure is reported, not retried.
    const MAX_ATTEMPTS: i32 = 1;
    type Context = super::job_kinds::JobContext;

    async fn run(self, ctx: Self::Context, _: Attempt) -> Result<(), Failure> {
        perform_install(&ctx.settings(), self).await.map_err(super::job_kinds::failure)
    }
}
/// Pleroma's error text for a failed install.
pub const INSTALL_FAILED: &str = "Could not download or unzip the frontend";
/// Largest archive downloaded or read.
pub const MAX_ARCHIVE: u64 = 100 * 1024 * 1024;
/// Largest total size of an archive's unpacked entries.
pub const MAX_UNPACKED: u64 = 500 * 1024 * 1024;
/// Most entries in an archive.
pub const MAX_ENTRIES: usize = 20_000;

/// Pleroma's `config/config.exs` `:frontends, :available`, in its (key) order.
fn pleroma_defaults() -> Vec<FrontendEntry> {
    let entry = |name: &str, git: &str, job: &str, git_ref: &str, build_dir: Option<&str>| FrontendEntry {
        name: name.into(),
        git: Some(git.into()),
        build_url: Some(format!("{git}/-/jobs/artifacts/${{ref}}/download?job={job}")),
        git_ref: Some(git_ref.into()),
        build_dir: build_dir.map(str::to_string),
    };
    vec![
        entry("admin-fe", "https://git.pleroma.social/pleroma/admin-fe", "build", "develop", None),
        entry("fedi-fe", "https://git.pleroma.social/pleroma/fedi-fe", "build_release", "master", None),
        entry("glitch-lily", "https://lily-is.land/infra/glitch-lily", "build", "servant", Some("public")),
        entry("kenoma", "https://git.pleroma.social/lambadalambda/kenoma", "build", "master", None),
        entry("pleroma-fe", "https://git.pleroma.social/pleroma/pleroma-fe", "build", "develop", None),
        entry("soapbox", "https://gitlab.com/soapbox-pub/soapbox", "build-production", "v3.0.0-beta.1", Some("static")),
    ]
}

/// The known frontends: the configured list, or Pleroma's defaults.
pub fn available(settings: &Settings) -> Vec<FrontendEntry> {
    settings.frontends.available.clone().unwrap_or_else(pleroma_defaults)
}

/// Where frontends are installed.
pub fn dir(settings: &Settings) -> PathBuf {
    super::documents::static_dir(settings).join("frontends")
}

/// One frontend as the admin list shows it.
#[derive(Debug, Clone)]
pub struct Frontend {
    pub name: String,
    pub git: Option<String>,
    pub build_url: Option<String>,
    pub git_ref: Option<String>,
    pub installed: bool,
    pub installed_refs: Vec<String>,
}

fn list_dir(path: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map(|entries| {
            entries.filter_map(|e| e.ok()).filter_map(|e| e.file_name().to_str().map(str::to_string)).collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The installed frontends and their refs, by name: the directories of the data directory, or
/// the `<name>/<ref>/` prefixes of the shared storage.
async fn installed(settings: &Settings) -> AppResult<std::collections::BTreeMap<String, Vec<String>>> {
    let root = dir(settings);
    let store = super::storage::store(settings);
    if store.is_working_copy() {
        return Ok(list_dir(&root).into_iter().map(|name| (name.clone(), list_dir(&root.join(name)))).collect());
    }
    let prefix = super::storage::key(settings, &root);
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for meta in store.list(prefix.clone()).await? {
        let Some(rest) = meta.key.strip_prefix(&prefix) else { continue };
        let mut parts = rest.trim_start_matches('/').split('/');
        if let (Some(name), Some(git_ref), Some(_)) = (parts.next(), parts.next(), parts.next()) {
            let refs = out.entry(name.to_string()).or_default();
            if !refs.iter().any(|r| r == git_ref) {
                refs.push(git_ref.to_string());
                refs.sort();
            }
        }
    }
    Ok(out)
}

/// Pleroma's `FrontendController.index`: the known frontends first, then installed ones not
/// among them.
pub async fn list(settings: &Settings) -> AppResult<Vec<Frontend>> {
    let tree = installed(settings).await?;
    let installed: Vec<String> = tree.keys().cloned().collect();
    let refs = |name: &str| tree.get(name).cloned().unwrap_or_default();
    let known = available(settings);
    let mut out: Vec<Frontend> = known
        .iter()
        .map(|f| Frontend {
            name: f.name.clone(),
            git: f.git.clone(),
            build_url: f.build_url.clone(),
            git_ref: f.git_ref.clone(),
            installed: installed.contains(&f.name),
            installed_refs: refs(&f.name),
        })
        .collect();
    for name in &installed {
        if !known.iter().any(|f| &f.name == name) {
            out.push(Frontend {
                name: name.clone(),
                git: None,
                build_url: None,
                git_ref: None,
                installed: true,
                installed_refs: refs(name),
            });
        }
    }
    Ok(out)
}

/// What an install asks for.
#[derive(Debug, Clone, Default)]
pub struct InstallRequest {
    pub name: String,
    pub git_ref: Option<String>,
    pub file: Option<String>,
    pub build_url: Option<String>,
    pub build_dir: Option<String>,
}

/// One path segment: no separators, not `.`/`..`, not empty.
fn segment_ok(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '\0'])
}

/// A relative path of normal components only.
fn relative_ok(s: &str) -> bool {
    !s.is_empty() && Path::new(s).components().all(|c| matches!(c, Component::Normal(_)))
}

/// Check an install request against the configuration (Pleroma's merge: the request's values
/// win over the configured ones) and enqueue its job on `conn`; returns the job id.
pub async fn enqueue_install<C: sea_orm::ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    request: InstallRequest,
) -> AppResult<i64> {
    let configured = available(settings).into_iter().find(|f| f.name == request.name);
    let git_ref =
        request.git_ref.filter(|s| !s.is_empty()).or_else(|| configured.as_ref().and_then(|f| f.git_ref.clone()));
    let Some(git_ref) = git_ref else { return Err(AppError::BadRequest("No ref given or configured".into())) };
    let build_url = request.build_url.or_else(|| configured.as_ref().and_then(|f| f.build_url.clone()));
    let build_dir = request.build_dir.or_else(|| configured.as_ref().and_then(|f| f.build_dir.clone()));
    if !segment_ok(&request.name) {
        return Err(AppError::BadRequest("Invalid frontend name".into()));
    }
    if !segment_ok(&git_ref) {
        return Err(AppError::BadRequest("Invalid frontend ref".into()));
    }
    if build_dir.as_deref().is_some_and(|d| !relative_ok(d)) {
        return Err(AppError::BadRequest("Invalid build_dir".into()));
    }
    // Checked here for a 400 that names the problem; the job checks again before reading.
    if let Some(file) = &request.file {
        archive_file::resolve(settings, file)?;
    }
    let job = InstallFrontend { name: request.name, git_ref, build_url, build_dir, file: request.file };
    Ok(crate::jobs::enqueue(conn, &job).await?)
}

/// Wait (up to `timeout`) for job `id` to end; `Some(Ok(()))` completed, `Some(Err(why))`
/// failed (Pleroma's [`INSTALL_FAILED`] and the reason), `None` still queued or running. It
/// listens to this process's runner ([`crate::jobs::wait`]), not to the database.
pub async fn wait_for(
    db: &crate::db::Db,
    id: i64,
    timeout: std::time::Duration,
) -> AppResult<Option<Result<(), String>>> {
    use crate::jobs::Ended;
    Ok(crate::jobs::wait(db, id, timeout).await?.map(|ended| match ended {
        Ended::Completed => Ok(()),
        Ended::Failed(Some(reason)) if !reason.is_empty() => Err(format!("{INSTALL_FAILED}: {reason}")),
        Ended::Failed(_) => Err(INSTALL_FAILED.to_string()),
    }))
}

/// Run an install job.
pub async fn perform_install(settings: &Settings, job: InstallFrontend) -> AppResult<()> {
    let InstallFrontend { name, git_ref, build_url, build_dir, file } = job;
    if !segment_ok(&name) || !segment_ok(&git_ref) {
        return Err(AppError::Internal("install_frontend: invalid name or ref".into()));
    }
    let archive = match file {
        Some(file) => archive_file::read(settings, &file, MAX_ARCHIVE).await?,
        None => {
            let url = build_url.ok_or_else(|| AppError::BadRequest("No build_url given or configured".into()))?;
            download(settings, &url.replace("${ref}", &git_ref)).await?
        }
    };
    let build_dir = build_dir.unwrap_or_else(|| "dist".into());
    if !relative_ok(&build_dir) {
        return Err(AppError::BadRequest("Invalid build_dir".into()));
    }
    let root = dir(settings);
    let tmp_parent = settings.data_dir.join("tmp");
    let installed = root.join(&name).join(&git_ref);
    tokio::task::spawn_blocking(move || {
        let target =
            Target { tmp_parent: &tmp_parent, root: &root, name: &name, git_ref: &git_ref, build_dir: &build_dir };
        install_archive(&archive, &target, MAX_UNPACKED)
    })
    .await
    .map_err(AppError::internal)??;
    // Into the storage every process serves from.
    super::storage::push_dir(settings, &installed).await
}

/// `GET /pleroma/admin/…` (Pleroma's `FrontendStatic` with `frontend_type: :admin`): a file of
/// the configured admin frontend's installed build, from the storage; `index.html` for the
/// directory itself. `None` when no admin frontend is configured, the path is unsafe, or there
/// is no such file.
pub async fn admin_file(settings: &Settings, file: &str) -> AppResult<Option<Vec<u8>>> {
    let Some(admin) = &settings.frontends.admin else { return Ok(None) };
    let file = if file.is_empty() || file.ends_with('/') { format!("{file}index.html") } else { file.to_string() };
    // Pleroma's `invalid_path?`: no empty, `.` or `..` segment, no backslash, `:` or NUL.
    let invalid = |s: &str| s.is_empty() || s == "." || s == ".." || s.contains(['\\', ':', '\0']);
    if file.split('/').any(invalid) || !segment_ok(&admin.name) || !segment_ok(&admin.git_ref) {
        return Ok(None);
    }
    let path = dir(settings).join(&admin.name).join(&admin.git_ref).join(&file);
    super::storage::read(settings, &path).await
}

/// Download a build through the outbound client (`[http] frontend_timeout_secs`, at most
/// `MAX_ARCHIVE` bytes).
async fn download(settings: &Settings, url: &str) -> AppResult<Vec<u8>> {
    let failed = |e: crate::outbound::Error| match e {
        crate::outbound::Error::TooLarge { .. } => AppError::BadRequest("The archive is too large".into()),
        other => AppError::BadRequest(format!("download: {other}")),
    };
    let limits = crate::outbound::Limits::new(settings.http.frontend_timeout_secs, MAX_ARCHIVE);
    let client = crate::outbound::Client::new(settings.http.policy(), limits).map_err(failed)?;
    let response = client.get(client.url(url).map_err(failed)?).send().await.map_err(failed)?;
    if response.status() != 200 {
        return Err(AppError::BadRequest(format!("download: HTTP {}", response.status())));
    }
    response.bytes().await.map_err(failed)
}

/// Where an archive goes.
pub struct Target<'a> {
    /// Parent of the private temporary directory.
    pub tmp_parent: &'a Path,
    /// The frontends directory.
    pub root: &'a Path,
    pub name: &'a str,
    pub git_ref: &'a str,
    /// The directory inside the archive to install.
    pub build_dir: &'a str,
}

/// Check the whole archive ([`safe_zip::open`]: at most `max_unpacked` bytes unpacked), unpack
/// it into a temporary directory under `tmp_parent` (removed on any error), and move its
/// `build_dir` to `<root>/<name>/<ref>`; a ref installed before is replaced only once the new
/// one is in place.
pub fn install_archive(archive: &[u8], target: &Target<'_>, max_unpacked: u64) -> AppResult<()> {
    let Target { tmp_parent, root, name, git_ref, build_dir } = *target;
    let limits =
        safe_zip::Limits { max_entries: MAX_ENTRIES, max_unpacked, max_file: max_unpacked, file_label: "file" };
    let mut zip = safe_zip::open(archive, limits)?;
    std::fs::create_dir_all(tmp_parent).map_err(AppError::internal)?;
    let tmp = tempfile::Builder::new().prefix("frontend-").tempdir_in(tmp_parent).map_err(AppError::internal)?;
    let entries = std::mem::take(&mut zip.entries);
    let mut written: u64 = 0;
    for entry in &entries {
        let path = tmp.path().join(&entry.name);
        if entry.is_dir {
            std::fs::create_dir_all(&path).map_err(AppError::internal)?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(AppError::internal)?;
        }
        // `create_new`: the checks made every name unique, so nothing is ever overwritten.
        let mut out = std::fs::File::create_new(&path).map_err(AppError::internal)?;
        written += zip.copy(entry, &mut out)?;
        if written > max_unpacked {
            return Err(AppError::BadRequest(format!(
                "The archive unpacks to more than the limit of {max_unpacked} bytes"
            )));
        }
    }
    let source = tmp.path().join(build_dir);
    if !std::fs::symlink_metadata(&source).is_ok_and(|m| m.is_dir()) {
        return Err(AppError::BadRequest(format!("The archive has no {build_dir} folder")));
    }
    let dest = root.join(name).join(git_ref);
    std::fs::create_dir_all(root.join(name)).map_err(AppError::internal)?;
    // The old build is moved aside (into the temporary directory, removed with it) and put back
    // if the new one cannot take its place.
    let old = tmp.path().join(".previous");
    let had_old = std::fs::symlink_metadata(&dest).is_ok();
    if had_old {
        std::fs::rename(&dest, &old).map_err(AppError::internal)?;
    }
    if let Err(e) = std::fs::rename(&source, &dest) {
        if had_old {
            if let Err(error) = std::fs::rename(&old, &dest) {
                tracing::warn!(%error, dest = %dest.display(), "the previous frontend build could not be put back");
            }
        }
        return Err(AppError::internal(e));
    }
    Ok(())
}
