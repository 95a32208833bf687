//! Admin API — the MediaProxy cache (ROUTES.md §16), and the proxy itself (`/proxy/...`).
use async_graphql::{Name, Value as ConstValue};
use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};

use super::{operation, typed, Fields, Opaque, Route, Shape, Wire};
use crate::{auth::Access, domain::media_proxy, state::AppState};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        // {"urls": [string], "count": int, "page_size": int}
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/media_proxy_caches",
            "List banned MediaProxy URLs",
            operation!("media_proxy/list"),
            Shape::FIELD.mapped(typed::<CachedPage>),
        ),
        Route::admin(
            Method::POST,
            "/api/v1/pleroma/admin/media_proxy_caches/delete",
            "Un-ban MediaProxy URLs",
            operation!("media_proxy/delete"),
            Shape::Literal("{}"),
        ),
        Route::admin(
            Method::POST,
            "/api/v1/pleroma/admin/media_proxy_caches/purge",
            "Purge MediaProxy URLs from caches, optionally banning them",
            operation!("media_proxy/purge"),
            Shape::Literal("{}"),
        ),
        Route::native(
            Method::GET,
            "/proxy/{sig}/{url}",
            "Remote media through the media proxy (signed link)",
            Access::Public,
            |m| on(m, proxy),
            PROXY_RESPONSES,
        ),
        Route::native(
            Method::GET,
            "/proxy/{sig}/{url}/{filename}",
            "Remote media through the media proxy (signed link with the file name)",
            Access::Public,
            |m| on(m, proxy_named),
            PROXY_RESPONSES,
        ),
    ]
}

const PROXY_RESPONSES: &[(u16, &str)] = &[
    (200, "The remote media"),
    (302, "The link with the right file name"),
    (403, "Bad signature"),
    (404, "Proxy disabled, or the URL is banned"),
    (413, "Larger than the proxy's limit"),
    (415, "Not a media type the proxy serves"),
    (502, "The remote could not be fetched"),
];

/// A page of cached URLs: `urls: [{url}]`, the rest as it is.
#[derive(serde::Deserialize)]
struct CachedPage {
    urls: Vec<CachedUrl>,
    #[serde(flatten)]
    rest: Fields,
}

#[derive(serde::Deserialize)]
struct CachedUrl {
    url: Opaque,
}

/// `urls: [{url}]` → `urls: [url]`.
impl Wire for CachedPage {
    fn wire(self) -> ConstValue {
        let mut out = self.rest;
        out.insert(Name::new("urls"), ConstValue::List(self.urls.into_iter().map(|u| u.url).collect()));
        ConstValue::Object(out)
    }
}

async fn proxy(State(state): State<AppState>, Path((sig, url)): Path<(String, String)>) -> Response {
    serve(&state, &sig, &url, None).await
}

async fn proxy_named(
    State(state): State<AppState>,
    Path((sig, url, filename)): Path<(String, String, String)>,
) -> Response {
    serve(&state, &sig, &url, Some(&filename)).await
}

fn text(status: StatusCode) -> Response {
    (status, status.canonical_reason().unwrap_or("")).into_response()
}

/// Pleroma's `MediaProxyController.remote`: disabled → 404, bad signature → 403, banned → 404,
/// wrong file name → redirect to the right one; otherwise the (cached) remote body, sandboxed.
async fn serve(state: &AppState, sig: &str, url64: &str, filename: Option<&str>) -> Response {
    let config = &state.settings().media_proxy;
    if !config.enabled {
        return text(StatusCode::NOT_FOUND);
    }
    let secret = match media_proxy::secret(&state.db.write).await {
        Ok(secret) => secret,
        Err(err) => return super::RestError::from(err).into_response(),
    };
    let Some(url) = media_proxy::decode_url(&secret, sig, url64) else { return text(StatusCode::FORBIDDEN) };
    match media_proxy::is_banned(&state.db.read, &url).await {
        Ok(false) => {}
        Ok(true) => return text(StatusCode::NOT_FOUND),
        Err(err) => return super::RestError::from(err).into_response(),
    }
    if let (Some(given), Some(expected)) = (filename, media_proxy::filename(&url)) {
        if given != expected {
            let to = format!("{}/proxy/{sig}/{url64}/{expected}", state.settings().instance_url);
            return (StatusCode::FOUND, [(header::LOCATION, to)]).into_response();
        }
    }
    match media_proxy::fetch(&state.settings(), &url).await {
        Ok((content_type, body)) => {
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox;"));
            headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=1209600"));
            response
        }
        Err(media_proxy::FetchError::Upstream(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            text(if status.is_client_error() || status.is_server_error() { status } else { StatusCode::BAD_GATEWAY })
        }
        Err(media_proxy::FetchError::TooLarge) => text(StatusCode::PAYLOAD_TOO_LARGE),
        Err(media_proxy::FetchError::Unsupported(_)) => text(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        Err(media_proxy::FetchError::Unreachable(_)) => text(StatusCode::BAD_GATEWAY),
    }
}
