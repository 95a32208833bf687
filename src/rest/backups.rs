//! Backups (ROUTES.md §22): the admin's request for a user, the user's own archives, and the
//! archives' downloads.
use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};

use super::{operation, RestError, Route, Shape};
use crate::{auth::Access, domain::backups, state::AppState};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        // Router-only (no seed doc): answers the JSON string "".
        Route::admin(
            Method::POST,
            "/api/v1/pleroma/admin/backups",
            "Create a data-export backup for a user",
            operation!("backups/create"),
            Shape::Literal("\"\""),
        ),
        Route::admin(
            Method::POST,
            "/api/v1/pleroma/backups",
            "Request a data-export archive",
            operation!("backups/request"),
            Shape::at("backups"),
        )
        .mastodon_errors(),
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/backups",
            "List the caller's backups",
            operation!("backups/list"),
            Shape::FIELD,
        )
        .mastodon_errors(),
        // The archive itself: its random name is the capability (Pleroma serves uploads publicly).
        Route::native(
            Method::GET,
            "/media/backups/{file}",
            "A backup archive",
            Access::Public,
            |m| axum::routing::on(m, serve_archive),
            &[(200, "The zip archive"), (404, "No such archive, or not processed yet")],
        ),
    ]
}

async fn serve_archive(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let not_found = || RestError { status: StatusCode::NOT_FOUND, body: serde_json::json!({"error": "Not found"}) };
    if file.contains('/') || file.contains("..") || file.contains('\\') {
        return not_found().into_response();
    }
    let row = match backups::by_file_name(&state.db.read, &file).await {
        Ok(Some(row)) if row.processed => row,
        Ok(_) => return not_found().into_response(),
        Err(err) => return RestError::from(err).into_response(),
    };
    let Ok(bytes) = tokio::fs::read(backups::dir(&state.settings()).join(&row.file_name)).await else {
        return not_found().into_response();
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&row.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
