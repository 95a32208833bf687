//! The HTTP application: the GraphQL endpoint, the REST facade's rows, fallbacks, the method
//! override and the request log.
mod graphiql;
mod graphql;

use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    body::Body,
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::{json, Value};
use tower::Layer;
use tower_http::normalize_path::NormalizePath;

use crate::{rest, state::AppState};

/// The nickname of the authenticated caller, filled in by whoever authenticates the request,
/// so that the request log can name them.
#[derive(Clone, Default)]
pub struct LoggedUser(pub Arc<Mutex<Option<String>>>);

/// The whole application over a state. Tests and `main` build the same router.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/graphql", get(graphql::graphiql).post(graphql::graphql_handler))
        .route("/graphql/assets/{file}", get(graphiql::asset))
        .merge(state.facade.router(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(log_request))
        .with_state(state);
    // Before routing, as Phoenix does: honour `_method` overrides and ignore a trailing slash.
    let api = middleware::from_fn(method_override).layer(api);
    Router::new().fallback_service(NormalizePath::trim_trailing_slash(api))
}

/// Phoenix's `Plug.MethodOverride`: a POST whose form or JSON body carries `_method` = PUT,
/// PATCH or DELETE is routed as that method. Only bodies within the ordinary rows' limit are
/// read here (uploads are multipart and never overridden).
async fn method_override(request: Request, next: Next) -> Response {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json");
    if request.method() != Method::POST || !(form || json) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, rest::SMALL_BODY).await else {
        return rest::RestError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            body: json!({ "error": "Request body too large or unreadable" }),
        }
        .into_response();
    };
    let mentioned = bytes.windows(7).any(|w| w == b"_method");
    let wanted = if !mentioned {
        None
    } else if form {
        url::form_urlencoded::parse(&bytes).find(|(k, _)| k == "_method").map(|(_, v)| v.into_owned())
    } else {
        serde_json::from_slice::<Value>(&bytes).ok().and_then(|v| v.get("_method")?.as_str().map(String::from))
    };
    if let Some(method) = wanted.and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok()) {
        if [Method::PUT, Method::PATCH, Method::DELETE].contains(&method) {
            parts.method = method;
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
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
