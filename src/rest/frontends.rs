//! Admin API — frontends (ROUTES.md §19), and the installed admin frontend's files.
use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};

use super::{operation, Route, Shape};
use crate::{auth::Access, domain::frontends, state::AppState};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/frontends",
            "List available and installed frontends",
            operation!("frontends/list"),
            Shape::FIELD,
        ),
        Route::admin(
            Method::POST,
            "/api/v1/pleroma/admin/frontends/install",
            "Install a frontend",
            operation!("frontends/install"),
            Shape::at("frontends"),
        ),
        // Pleroma's `FrontendStatic` at `/pleroma/admin` (`:frontends, :admin`), read from the
        // storage, so a build installed through any process is served by every one.
        Route::native(
            Method::GET,
            "/pleroma/admin",
            "The admin frontend's index.html",
            Access::Public,
            |m| axum::routing::on(m, serve_admin_index),
            &[(200, "index.html of the configured admin frontend"), (404, "No admin frontend configured or installed")],
        ),
        Route::native(
            Method::GET,
            "/pleroma/admin/{*file}",
            "A file of the admin frontend",
            Access::Public,
            |m| axum::routing::on(m, serve_admin_file),
            &[(200, "The file"), (404, "No such file, or no admin frontend configured")],
        ),
    ]
}

async fn serve_admin_index(state: State<AppState>) -> Response {
    serve_admin_file(state, Path(String::new())).await
}

async fn serve_admin_file(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let not_found = || super::json(StatusCode::NOT_FOUND, &serde_json::json!({"error": "Not found"}));
    let bytes = match frontends::admin_file(&state.settings(), &file).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return not_found(),
        Err(err) => return super::RestError::from(err).into_response(),
    };
    let name = if file.is_empty() || file.ends_with('/') { "index.html" } else { file.as_str() };
    let kind = mime_guess::from_path(name).first_or_octet_stream();
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(kind.essence_str()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Pleroma's `@static_cache_disabled` for the admin frontend.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
