//! The HTTP application: GraphQL, the REST facade, the protocol endpoints, fallbacks and the
//! request log.
use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    extract::Request,
    http::{Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::json;
use tower_http::normalize_path::NormalizePath;

use crate::{graphql, rest, state::AppState};

/// The nickname of the authenticated caller, filled in by whoever authenticates the request,
/// so that the request log can name them.
#[derive(Clone, Default)]
pub struct LoggedUser(pub Arc<Mutex<Option<String>>>);

/// The whole application over a state. Tests and `main` build the same router.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/graphql", get(graphql::graphiql).post(graphql::graphql_handler))
        .route("/api/openapi", get(rest::openapi::serve))
        .merge(rest::protocol_routes())
        .merge(state.facade.router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(log_request))
        .with_state(state);
    // Phoenix ignores a trailing slash; so do we.
    Router::new().fallback_service(NormalizePath::trim_trailing_slash(api))
}

async fn not_found(method: Method, request: Request) -> Response {
    let body = if method == Method::GET && request.uri().path().starts_with("/api/") {
        json!({ "error": "Not implemented" })
    } else {
        json!({ "error": "Not found" })
    };
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn method_not_allowed() -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, Json(json!({ "error": "Method not allowed" }))).into_response()
}

/// One log line per request: method, path, status, latency and user.
async fn log_request(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let user = LoggedUser::default();
    request.extensions_mut().insert(user.clone());
    let response = next.run(request).await;
    let nickname = user.0.lock().ok().and_then(|n| n.clone()).unwrap_or_else(|| "-".into());
    tracing::info!(
        target: "pleroma_gateway::request",
        %method,
        path,
        status = response.status().as_u16(),
        latency_ms = format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        user = nickname,
    );
    response
}
