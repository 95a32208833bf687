//! Instance documents (Pleroma's `Pleroma.Web.InstanceDocument`): the terms of service and the
//! instance panel, HTML files an admin uploads into the static directory
//! (`<data_dir>/static`, Pleroma's `[:instance, :static_dir]`) and the public reads at their
//! URL. Without an uploaded file the built-in default is served (Pleroma's `priv/static` copy).
use std::path::PathBuf;

use crate::{
    config::Settings,
    error::{AppError, AppResult},
};

/// The documents: name, public path under the static directory, default content.
const DOCUMENTS: &[(&str, &str, &str)] = &[
    (
        "terms-of-service",
        "/static/terms-of-service.html",
        "<h4>Terms of Service</h4>\n<p>This is the default placeholder for the terms of service. \
         An administrator can replace it.</p>\n",
    ),
    (
        "instance-panel",
        "/instance/panel.html",
        "<p>Welcome to <a href=\"https://pleroma.social\" target=\"_blank\">Pleroma!</a></p>\n",
    ),
];

/// The static directory (Pleroma's `[:instance, :static_dir]`): `<data_dir>/static` unless set;
/// a relative setting is under the data directory.
pub fn static_dir(settings: &Settings) -> PathBuf {
    match &settings.limits.static_dir {
        Some(dir) => settings.data_dir.join(dir),
        None => settings.data_dir.join("static"),
    }
}

/// A known document's public path (`/instance/panel.html`).
pub fn public_path(name: &str) -> Option<&'static str> {
    DOCUMENTS.iter().find(|(n, ..)| *n == name).map(|(_, path, _)| *path)
}

/// The document served at a public path, if any.
pub fn name_at(path: &str) -> Option<&'static str> {
    DOCUMENTS.iter().find(|(_, p, _)| *p == path).map(|(name, ..)| *name)
}

fn known(name: &str) -> AppResult<(&'static str, &'static str)> {
    DOCUMENTS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, path, default)| (*path, *default))
        .ok_or_else(|| AppError::NotFound("Not found".into()))
}

fn file_of(settings: &Settings, path: &str) -> PathBuf {
    static_dir(settings).join(path.trim_start_matches('/'))
}

/// One document as it is served.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: &'static str,
    /// Absolute public URL.
    pub url: String,
    pub content: String,
    /// An uploaded file (not the built-in default).
    pub custom: bool,
}

/// Read a document (the uploaded file, or the default); unknown names are `NotFound`.
pub async fn get(settings: &Settings, name: &str) -> AppResult<Document> {
    let (path, default) = known(name)?;
    let name = name_at(path).unwrap_or_default();
    let url = format!("{}{path}", settings.instance_url);
    match tokio::fs::read(file_of(settings, path)).await {
        Ok(bytes) => Ok(Document { name, url, content: String::from_utf8_lossy(&bytes).into_owned(), custom: true }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Ok(Document { name, url, content: default.to_string(), custom: false })
        }
        Err(err) => Err(AppError::internal(err)),
    }
}

/// Store an uploaded document; answers it.
pub async fn put(settings: &Settings, name: &str, content: &[u8]) -> AppResult<Document> {
    let (path, _) = known(name)?;
    let file = file_of(settings, path);
    if let Some(dir) = file.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(AppError::internal)?;
    }
    // Write beside it and rename, so readers never see half a file.
    let tmp = file.with_extension("html.part");
    tokio::fs::write(&tmp, content).await.map_err(AppError::internal)?;
    tokio::fs::rename(&tmp, &file).await.map_err(AppError::internal)?;
    get(settings, name).await
}

/// Remove an uploaded document (back to the default); `NotFound` when none was uploaded.
pub async fn delete(settings: &Settings, name: &str) -> AppResult<Document> {
    let (path, _) = known(name)?;
    match tokio::fs::remove_file(file_of(settings, path)).await {
        Ok(()) => get(settings, name).await,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(AppError::NotFound("Not found".into())),
        Err(err) => Err(AppError::internal(err)),
    }
}
