//! Custom emoji (ROUTES.md §23) and emoji packs (§24), Mastodon's custom emoji list, and the
//! emoji images under `/emoji/`. The pack routes take `name` from the query string even on
//! POST/PATCH/DELETE (parameters merge query and body) and answer errors as Pleroma's emoji
//! controllers do (`{"error": msg}`, blank values 422).
use async_graphql::{Name, Value as ConstValue};
use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{object, operation, typed, Fields, Nodes, Opaque, Route, Shape, Wire, UPLOAD_BODY};
use crate::{auth::Access, domain::emoji, state::AppState};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/reload_emoji",
            "Reload custom emoji from disk",
            operation!("emoji/reload"),
            Shape::Literal("\"ok\""),
        ),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/emoji",
            "List custom emoji (Pleroma format)",
            operation!("emoji/list"),
            Shape::FIELD.mapped(typed::<EmojiMap>),
        )
        .plain_errors(),
        Route::admin(
            M::GET,
            "/api/v1/custom_emojis",
            "List custom emoji (Mastodon format)",
            operation!("emoji/mastodon"),
            Shape::FIELD,
        )
        .without_alias()
        .mastodon_errors(),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/emoji/pack",
            "Show one local pack",
            operation!("emoji/show"),
            Shape::FIELD.mapped(typed::<Pack>),
        )
        .plain_errors(),
        Route::admin(
            M::POST,
            "/api/v1/pleroma/emoji/pack",
            "Create an empty pack",
            operation!("emoji/create"),
            Shape::Literal("\"ok\""),
        )
        .plain_errors(),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/emoji/pack",
            "Replace a pack's metadata",
            operation!("emoji/update"),
            Shape::at("pack").mapped(typed::<Metadata>),
        )
        .plain_errors(),
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/emoji/pack",
            "Delete a pack",
            operation!("emoji/delete"),
            Shape::Literal("\"ok\""),
        )
        .plain_errors(),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/emoji/packs/import",
            "Import packs found on the filesystem",
            operation!("emoji/import"),
            Shape::at("names"),
        )
        .plain_errors(),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/emoji/packs/remote",
            "List the packs of another instance",
            operation!("emoji/remote"),
            Shape::FIELD,
        )
        .plain_errors(),
        Route::admin(
            M::POST,
            "/api/v1/pleroma/emoji/packs/download",
            "Download a pack from another instance",
            operation!("emoji/download"),
            Shape::Literal("\"ok\""),
        )
        .plain_errors(),
        Route::admin(
            M::POST,
            "/api/v1/pleroma/emoji/packs/files",
            "Add an emoji file to a pack",
            operation!("emoji/file_add"),
            Shape::at("pack").mapped(typed::<PackFiles>),
        )
        .plain_errors()
        .param_aliases(&[("file", "file_url")])
        .body_limit(UPLOAD_BODY),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/emoji/packs/files",
            "Rename/move an emoji file in a pack",
            operation!("emoji/file_update"),
            Shape::at("pack").mapped(typed::<PackFiles>),
        )
        .plain_errors(),
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/emoji/packs/files",
            "Remove an emoji file from a pack",
            operation!("emoji/file_delete"),
            Shape::at("pack").mapped(typed::<PackFiles>),
        )
        .plain_errors(),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/emoji/packs",
            "List local packs",
            operation!("emoji/packs"),
            Shape::FIELD.mapped(typed::<Packs>),
        )
        .plain_errors(),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/emoji/packs/archive",
            "Download a local pack as a zip",
            operation!("emoji/archive"),
            Shape::Attachment { data: "data", filename: "filename", content_type: "application/zip" },
        )
        .plain_errors(),
        Route::native(
            M::GET,
            "/emoji/{*file}",
            "A custom emoji image",
            Access::Public,
            |m| axum::routing::on(m, serve_image),
            &[(200, "The image"), (404, "No such image")],
        ),
    ]
}

/// A custom emoji: its shortcode, the rest (`image_url`, `tags`) as it is.
#[derive(serde::Deserialize)]
struct CustomEmoji {
    shortcode: String,
    #[serde(flatten)]
    rest: Fields,
}

/// The instance's custom emoji.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct EmojiMap(Vec<CustomEmoji>);

/// `[{shortcode, image_url, tags}]` → `{"<shortcode>": {"image_url", "tags"}}`.
impl Wire for EmojiMap {
    fn wire(self) -> ConstValue {
        ConstValue::Object(self.0.into_iter().map(|e| (Name::new(e.shortcode), ConstValue::Object(e.rest))).collect())
    }
}

/// One file of a pack.
#[derive(serde::Deserialize)]
struct PackFile {
    shortcode: String,
    filename: String,
}

/// A pack's (page of) files.
#[derive(serde::Deserialize)]
pub struct PackFiles {
    files: Nodes<PackFile>,
}

/// `{nodes: [{shortcode, filename}]}` → `{"<shortcode>": "<filename>"}`.
impl Wire for PackFiles {
    fn wire(self) -> ConstValue {
        let files = self.files.nodes.into_iter();
        ConstValue::Object(files.map(|f| (Name::new(f.shortcode), ConstValue::String(f.filename))).collect())
    }
}

/// A pack as `emoji/show` and `emoji/packs` read it.
#[derive(serde::Deserialize)]
pub struct Pack {
    files: Nodes<PackFile>,
    files_count: i64,
    metadata: Fields,
    can_download: bool,
    download_sha256: Option<String>,
}

/// A pack as Pleroma shows it: `files`, `files_count`, and `pack` = the metadata with
/// `can-download` (and `download-sha256` when it can).
impl Wire for Pack {
    fn wire(self) -> ConstValue {
        let mut meta = self.metadata;
        meta.insert(Name::new("can-download"), ConstValue::Boolean(self.can_download));
        if let (true, Some(sha)) = (self.can_download, self.download_sha256) {
            meta.insert(Name::new("download-sha256"), ConstValue::String(sha));
        }
        object([
            ("files", PackFiles { files: self.files }.wire()),
            ("files_count", ConstValue::from(self.files_count)),
            ("pack", ConstValue::Object(meta)),
        ])
    }
}

/// A page of packs and their total.
#[derive(serde::Deserialize)]
pub struct Packs {
    count: i64,
    nodes: Vec<NamedPack>,
}

#[derive(serde::Deserialize)]
struct NamedPack {
    name: String,
    #[serde(flatten)]
    pack: Pack,
}

/// `{"packs": {"<name>": EmojiPack}, "count": n}`.
impl Wire for Packs {
    fn wire(self) -> ConstValue {
        let packs = self.nodes.into_iter().map(|p| (Name::new(p.name), p.pack.wire())).collect();
        object([("packs", ConstValue::Object(packs)), ("count", ConstValue::from(self.count))])
    }
}

/// A pack's stored metadata.
#[derive(serde::Deserialize)]
pub struct Metadata {
    metadata: Opaque,
}

impl Wire for Metadata {
    fn wire(self) -> ConstValue {
        self.metadata
    }
}

/// `GET /emoji/<pack>/<file>`: an image of the emoji directory. Every path segment must be a
/// plain name (no `..`, no hidden files) and no segment may be a symlink; only images are
/// served, with their sniffed type (SVG from hand-made packs with a sandboxing policy).
async fn serve_image(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let not_found = || super::json(StatusCode::NOT_FOUND, &json!({"error": "Not found"}));
    if file.is_empty() || !file.split('/').all(emoji::is_safe_component) {
        return not_found();
    }
    let settings = state.settings();
    let dir = emoji::emoji_dir(&settings);
    let mut path = dir.clone();
    let working_copy = crate::domain::storage::store(&settings).is_working_copy();
    for segment in file.split('/') {
        path.push(segment);
        // In the data directory itself, no segment may be a symlink (a shared store has none).
        if working_copy {
            match tokio::fs::symlink_metadata(&path).await {
                Ok(meta) if !meta.file_type().is_symlink() => {}
                _ => return not_found(),
            }
        }
    }
    let Ok(Some(bytes)) = crate::domain::storage::read(&settings, &path).await else { return not_found() };
    let (kind, svg) = match emoji::image_type(&bytes) {
        Some(kind) => (kind, false),
        None if file.to_ascii_lowercase().ends_with(".svg") => ("image/svg+xml", true),
        None => return not_found(),
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=1209600"));
    if svg {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    }
    response
}
