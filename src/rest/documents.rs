//! Admin API — instance documents (ROUTES.md §18), and the documents' public URLs.
use axum::{
    extract::{OriginalUri, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};

use super::{operation, RestError, Route, Shape, UPLOAD_BODY};
use crate::{auth::Access, domain::documents, state::AppState};

/// Pleroma answers the document with `put_resp_content_type("text/html")`.
const HTML: &str = "text/html; charset=utf-8";

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/instance_document/{name}",
            "Read an instance document (HTML)",
            operation!("documents/show"),
            Shape::Text { at: Some("content"), content_type: HTML },
        ),
        Route::admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/instance_document/{name}",
            "Upload an instance document",
            operation!("documents/update"),
            Shape::at("document"),
        )
        .body_limit(UPLOAD_BODY + 1024 * 1024),
        Route::admin(
            Method::DELETE,
            "/api/v1/pleroma/admin/instance_document/{name}",
            "Delete an instance document (back to the default)",
            operation!("documents/delete"),
            Shape::Literal("{}"),
        ),
        // The documents where the public reads them (Pleroma's InstanceStatic plug).
        Route::native(
            Method::GET,
            "/static/terms-of-service.html",
            "The terms of service",
            Access::Public,
            |m| axum::routing::on(m, serve_document),
            &[(200, "The HTML document")],
        ),
        Route::native(
            Method::GET,
            "/instance/panel.html",
            "The instance panel",
            Access::Public,
            |m| axum::routing::on(m, serve_document),
            &[(200, "The HTML document")],
        ),
    ]
}

async fn serve_document(State(state): State<AppState>, OriginalUri(uri): OriginalUri) -> Response {
    let Some(name) = documents::name_at(uri.path()) else {
        return RestError { status: StatusCode::NOT_FOUND, body: serde_json::json!({"error": "Not found"}) }
            .into_response();
    };
    match documents::get(&state.settings(), name).await {
        Ok(doc) => {
            let mut response = (StatusCode::OK, doc.content).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(HTML));
            response
        }
        Err(err) => RestError::from(err).into_response(),
    }
}
