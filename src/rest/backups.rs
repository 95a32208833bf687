//! Backups (ROUTES.md §22): the admin's request for a user, the user's own archives, and the
//! archives' downloads.
use axum::{
    extract::{Path, Query, Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};

use super::{operation, RestError, Route, Shape};
use sea_orm::EntityTrait;

use crate::{
    auth::{Access, Viewer},
    domain::backups,
    error::AppError,
    state::AppState,
};

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
        // The archive itself, Pleroma's path. Pleroma serves it to anyone with its name; here only
        // to its owner and admins: by token, or by the signed link their listing gave them.
        Route::native(
            Method::GET,
            "/media/backups/{file}",
            "A backup archive",
            Access::Public,
            |m| axum::routing::on(m, serve_archive),
            &[
                (200, "The zip archive"),
                (403, "Neither the owner's nor an admin's token, nor a valid signed link"),
                (404, "No such archive, not processed yet, or its owner is deleted"),
            ],
        ),
    ]
}

/// The signed link's parameters (see `domain::backups::signed_url`).
#[derive(serde::Deserialize)]
struct Link {
    expires: Option<i64>,
    sig: Option<String>,
}

async fn serve_archive(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(link): Query<Link>,
    request: Request,
) -> Response {
    let not_found = || RestError { status: StatusCode::NOT_FOUND, body: serde_json::json!({"error": "Not found"}) };
    if file.contains('/') || file.contains("..") || file.contains('\\') {
        return not_found().into_response();
    }
    let row = match backups::by_file_name(&state.db.read, &file).await {
        Ok(Some(row)) if row.processed => row,
        Ok(_) => return not_found().into_response(),
        Err(err) => return RestError::from(err).into_response(),
    };
    match allowed(&state, &row, &link, request).await {
        Ok(true) => {}
        Ok(false) => return not_found().into_response(),
        Err(err) => return err.into_response(),
    }
    let settings = state.settings();
    let path = backups::dir(&settings).join(&row.file_name);
    let Ok(Some(bytes)) = crate::domain::storage::read(&settings, &path).await else {
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

/// Whether the caller may download `row`: its owner must still be an active account (a deleted
/// user's archives are gone for everyone, `Ok(false)`); then the owner's or an admin's token,
/// or a valid signed link. Anyone else is refused with 403.
async fn allowed(
    state: &AppState,
    row: &entity::backup::Model,
    link: &Link,
    request: Request,
) -> Result<bool, RestError> {
    let owner =
        entity::user::Entity::find_by_id(row.user_id.clone()).one(&state.db.read).await.map_err(AppError::from)?;
    if !owner.is_some_and(|u| u.is_active) {
        return Ok(false);
    }
    if let (Some(expires), Some(sig)) = (link.expires, link.sig.as_deref()) {
        let secret = backups::link_secret(&state.db.write, &state.settings()).await?;
        if backups::link_valid(&secret, &row.file_name, expires, sig) {
            return Ok(true);
        }
    }
    let (parts, _) = request.into_parts();
    let viewer = Viewer::from_request(&parts, &state.auth()).await.map_err(RestError::from)?;
    // The scopes the listing asks (`read:backups`), or an admin's read scope; Basic skips scopes.
    let may = |scope: &str| viewer.scopes.as_ref().is_none_or(|granted| crate::auth::scopes::covers(granted, scope));
    match &viewer.user {
        Some(user) if user.id == row.user_id && may("read:backups") => Ok(true),
        Some(user) if user.is_admin && may("admin:read:accounts") => Ok(true),
        _ => Err(RestError::from(AppError::Forbidden("Access denied".into()))),
    }
}
