//! The HTTP application: the GraphQL endpoint, the REST facade's rows, fallbacks, the method
//! override and the request log.
pub mod body_limit;
mod graphiql;
mod graphql;
pub mod server;

use std::time::Duration;

use axum::{
    body::Body,
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde_json::{json, Value};
use tower::{Layer, ServiceBuilder};
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{Any, CorsLayer},
    normalize_path::NormalizePath,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{MakeSpan, OnResponse, TraceLayer},
};

use crate::{rest, state::AppState};

/// The whole application over a state. Tests and `main` build the same router.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/graphql", get(graphql::graphiql).post(graphql::graphql_handler))
        .route("/graphql/assets/{file}", get(graphiql::asset))
        .merge(state.facade.router(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), refresh_settings))
        .with_state(state.clone());
    // Before routing, as Phoenix does: honour `_method` overrides and ignore a trailing slash.
    let api = middleware::from_fn(method_override).layer(api);
    let api = middleware::from_fn(strip_emoji_json).layer(api);
    let api = middleware::from_fn(reject_nul).layer(api);
    // Outermost, before anything may read a body.
    let api = middleware::from_fn(body_limit::cap_body).layer(api);
    let timeout = Duration::from_millis(state.settings().http_server.request_timeout_ms);
    // Outermost first: a panic anywhere answers 500; an `X-Request-Id` is kept from a trusted
    // proxy, made otherwise, and names the request's log span and its answer; a handler that
    // outlives `request_timeout_ms` answers 408.
    let stack = ServiceBuilder::new()
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn_with_state(state, untrusted_request_id))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(RequestSpan)
                .on_request(())
                .on_response(LogResponse)
                .on_body_chunk(())
                .on_eos(())
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(middleware::map_response(timed_out))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(cors());
    Router::new().fallback_service(NormalizePath::trim_trailing_slash(api)).layer(stack)
}

/// `X-Request-Id` from a client that is not a trusted proxy is dropped (a new one is made):
/// only a proxy's id ties the gateway's log to the proxy's.
async fn untrusted_request_id(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let settings = state.settings();
    if request.headers().contains_key(X_REQUEST_ID)
        && !crate::auth::remote_ip::peer_trusted(request.extensions(), &settings.remote_ip)
    {
        request.headers_mut().remove(X_REQUEST_ID);
    }
    next.run(request).await
}

const X_REQUEST_ID: &str = "x-request-id";

/// The span every request's log line is in: method, path, request id, and the user once the
/// request is authenticated (recorded by `auth::viewer`).
#[derive(Clone, Copy)]
struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> tracing::Span {
        let id = request.headers().get(X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = request.uri().path(),
            request_id = id,
            user = tracing::field::Empty,
        )
    }
}

/// One log line per request: status and latency (numbers), in the request's span.
#[derive(Clone, Copy)]
struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &axum::http::Response<B>, latency: Duration, _span: &tracing::Span) {
        tracing::info!(
            target: "pleroma_gateway::request",
            status = response.status().as_u16(),
            latency_ms = (latency.as_secs_f64() * 100_000.0).round() / 100.0,
            "answered"
        );
    }
}

/// The answer to a panicking handler: a JSON 500, as every other error (the panic is logged).
fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let text = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = text, "a request handler panicked");
    rest::json(StatusCode::INTERNAL_SERVER_ERROR, &json!({ "error": "Internal server error" }))
}

/// The timeout layer's bare 408 gets a JSON body like every other error.
async fn timed_out(response: Response) -> Response {
    use hyper::body::Body as _;
    if response.status() == StatusCode::REQUEST_TIMEOUT && response.body().size_hint().exact() == Some(0) {
        return rest::json(StatusCode::REQUEST_TIMEOUT, &json!({ "error": "Request timed out" }));
    }
    response
}

/// Load the saved settings before this process's first request (later changes arrive in the
/// background, without a read per request; see `domain::config_db::live`).
async fn refresh_settings(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    state.live.ready().await;
    next.run(request).await
}

/// CORS as Pleroma's `cors_plug` settings give it (methods, allowed and exposed headers, a day's
/// max age); preflights are answered here, before routing. Any origin, without credentials:
/// clients authenticate with an explicit `Authorization` header, and a foreign page must not
/// ride on credentials the browser keeps (HTTP Basic) — Pleroma's `credentials: true` would echo
/// any origin with them allowed.
fn cors() -> CorsLayer {
    use axum::http::HeaderName;
    let idempotency = HeaderName::from_static("idempotency-key");
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST, Method::PUT, Method::DELETE, Method::GET, Method::PATCH, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, idempotency.clone()])
        .expose_headers([
            header::LINK,
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-request-id"),
            idempotency,
        ])
        .max_age(Duration::from_secs(86_400))
}

/// The 400 for a NUL character, in the route's error style.
fn nul_refused(path: &str) -> Response {
    // The one legacy-style facade route answers bare strings.
    if path.ends_with("/activation_status") {
        return rest::json(StatusCode::BAD_REQUEST, &json!("Invalid parameters"));
    }
    rest::RestError::bad_request(rest::params::NUL_MESSAGE).into_response()
}

/// Whether HTTP Basic credentials decode to text with a NUL.
fn basic_has_nul(request: &Request) -> bool {
    use base64::Engine;
    let Some(encoded) = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // Auth schemes are case-insensitive.
    let Some((scheme, encoded)) = encoded.split_once(' ') else { return false };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    base64::engine::general_purpose::STANDARD.decode(encoded.trim()).is_ok_and(|bytes| bytes.contains(&0))
}

/// NUL characters are refused where parameters enter: PostgreSQL cannot store them in text
/// (every such query would fail with a 500) and SQLite's FTS5 rejects them. Checked here: the
/// path and query string (`%00`; a raw NUL cannot appear in a URI) and HTTP Basic credentials.
/// Bodies are checked where they are decoded (`rest::params` for every row, the GraphQL input
/// guard for `/graphql`), within each row's own body limit.
async fn reject_nul(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let percent_nul = |s: &str| s.contains("%00");
    if percent_nul(&path) || request.uri().query().is_some_and(percent_nul) || basic_has_nul(&request) {
        return nul_refused(&path);
    }
    next.run(request).await
}

/// Pleroma's `:pleroma_api` routes under `/emoji` take a trailing `.json` (Phoenix's
/// `trailing_format_plug`): `/api/pleroma/emoji.json` is `/api/pleroma/emoji`; so do
/// `/api/oauth_tokens` and `/api/oauth_tokens/:id`.
async fn strip_emoji_json(mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // `/api/oauth_tokens` is a `:api` scope with the same plug (ROUTES.md §2.1).
    let emoji = path.starts_with("/api/pleroma/emoji")
        || path.starts_with("/api/v1/pleroma/emoji")
        || path.starts_with("/api/oauth_tokens");
    if let Some(stripped) = path.strip_suffix(".json").filter(|_| emoji) {
        let rebuilt = match request.uri().query() {
            Some(query) => format!("{stripped}?{query}"),
            None => stripped.to_string(),
        };
        if let Ok(uri) = rebuilt.parse() {
            *request.uri_mut() = uri;
        }
    }
    next.run(request).await
}

/// Phoenix's `Plug.MethodOverride`: a POST whose form or JSON body carries `_method` = PUT,
/// PATCH or DELETE is routed as that method. Only bodies of a declared length within the
/// ordinary rows' limit are read here; larger ones go on untouched to their row's own limit.
async fn method_override(request: Request, next: Next) -> Response {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json");
    let length = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if request.method() != Method::POST || !(form || json) || length.is_none_or(|n| n > rest::SMALL_BODY) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, rest::SMALL_BODY).await else {
        return rest::RestError::bad_request("Request body unreadable").into_response();
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
    rest::json(StatusCode::NOT_FOUND, &body)
}

async fn method_not_allowed() -> Response {
    rest::json(StatusCode::METHOD_NOT_ALLOWED, &json!({ "error": "Method not allowed" }))
}
