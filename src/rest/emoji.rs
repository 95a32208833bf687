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
use serde_json::{json, Map, Value};

use super::{operation, Route, Shape, UPLOAD_BODY};
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
            Shape::FIELD.mapped(emoji_map),
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
            Shape::FIELD.mapped(pack_body),
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
            Shape::at("pack").mapped(metadata),
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
            Shape::at("pack").mapped(files_body),
        )
        .plain_errors()
        .param_aliases(&[("file", "file_url")])
        .body_limit(UPLOAD_BODY),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/emoji/packs/files",
            "Rename/move an emoji file in a pack",
            operation!("emoji/file_update"),
            Shape::at("pack").mapped(files_body),
        )
        .plain_errors(),
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/emoji/packs/files",
            "Remove an emoji file from a pack",
            operation!("emoji/file_delete"),
            Shape::at("pack").mapped(files_body),
        )
        .plain_errors(),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/emoji/packs",
            "List local packs",
            operation!("emoji/packs"),
            Shape::FIELD.mapped(packs_body),
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

fn to_json(value: ConstValue) -> Value {
    value.into_json().unwrap_or(Value::Null)
}

fn from_json(value: Value) -> ConstValue {
    ConstValue::from_json(value).unwrap_or(ConstValue::Null)
}

/// `[{shortcode, image_url, tags}]` → `{"<shortcode>": {"image_url", "tags"}}`.
pub fn emoji_map(value: ConstValue) -> ConstValue {
    let ConstValue::List(items) = value else { return value };
    let mut out = async_graphql::indexmap::IndexMap::new();
    for item in items {
        let ConstValue::Object(mut item) = item else { continue };
        let Some(ConstValue::String(code)) = item.shift_remove("shortcode") else { continue };
        out.insert(Name::new(code), ConstValue::Object(item));
    }
    ConstValue::Object(out)
}

/// `{nodes: [{shortcode, filename}]}` → `{"<shortcode>": "<filename>"}`.
fn files_map(files: &Value) -> Value {
    let mut out = Map::new();
    for node in files.get("nodes").and_then(Value::as_array).into_iter().flatten() {
        if let (Some(code), Some(file)) = (node["shortcode"].as_str(), node["filename"].as_str()) {
            out.insert(code.to_string(), json!(file));
        }
    }
    Value::Object(out)
}

/// A pack as Pleroma shows it: `files`, `files_count`, and `pack` = the metadata with
/// `can-download` (and `download-sha256` when it can).
fn pack_json(pack: &Value) -> Value {
    let mut meta = pack.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    let can = pack.get("can_download").and_then(Value::as_bool).unwrap_or(false);
    meta.insert("can-download".into(), json!(can));
    if can {
        if let Some(sha) = pack.get("download_sha256").filter(|v| v.is_string()) {
            meta.insert("download-sha256".into(), sha.clone());
        }
    }
    json!({
        "files": files_map(&pack["files"]),
        "files_count": pack.get("files_count").cloned().unwrap_or(json!(0)),
        "pack": meta,
    })
}

/// One pack's body.
pub fn pack_body(value: ConstValue) -> ConstValue {
    from_json(pack_json(&to_json(value)))
}

/// `{"packs": {"<name>": EmojiPack}, "count": n}`.
pub fn packs_body(value: ConstValue) -> ConstValue {
    let value = to_json(value);
    let mut packs = Map::new();
    for node in value.get("nodes").and_then(Value::as_array).into_iter().flatten() {
        if let Some(name) = node["name"].as_str() {
            packs.insert(name.to_string(), pack_json(node));
        }
    }
    from_json(json!({ "packs": packs, "count": value.get("count").cloned().unwrap_or(json!(0)) }))
}

/// The pack's `files` map.
pub fn files_body(value: ConstValue) -> ConstValue {
    from_json(files_map(&to_json(value)["files"]))
}

/// The pack's stored metadata.
pub fn metadata(value: ConstValue) -> ConstValue {
    from_json(to_json(value)["metadata"].clone())
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
