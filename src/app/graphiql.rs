//! GraphiQL served from the binary: the page and its pinned assets (React 18 and GraphiQL 3,
//! `assets/graphiql/`, see its README for versions and licences) are embedded at build time, so
//! the IDE works on an air-gapped host and runs no third-party script on the admin's origin.
use std::{
    hash::{DefaultHasher, Hash, Hasher},
    sync::LazyLock,
};

use axum::{
    extract::Path,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

/// The page: same-origin assets only, enforced by its Content-Security-Policy.
const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// Scripts and styles only from this origin; GraphiQL's components set inline styles and its
/// stylesheet embeds its fonts and icons as data: URLs.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// `(file name, content type, bytes)` of every asset.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    ("graphiql.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.js")),
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.css")),
    ("init.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/init.js")),
    ("page.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/page.css")),
    ("LICENSE.react", "text/plain; charset=utf-8", include_bytes!("../../assets/graphiql/LICENSE.react")),
    ("LICENSE.react-dom", "text/plain; charset=utf-8", include_bytes!("../../assets/graphiql/LICENSE.react-dom")),
    ("LICENSE.graphiql", "text/plain; charset=utf-8", include_bytes!("../../assets/graphiql/LICENSE.graphiql")),
];

/// The page with `?v=<digest of the assets>` on every asset URL: a new build that changes any
/// asset changes the URLs, so the assets can be cached for good.
static PAGE_WITH_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = DefaultHasher::new();
    for (name, _, bytes) in ASSETS {
        name.hash(&mut hasher);
        bytes.hash(&mut hasher);
    }
    PAGE.replace("{version}", &format!("{:016x}", hasher.finish()))
});

/// `GET /graphql`: the IDE.
pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP)),
            // The page is tiny and names the assets; always revalidate it so an upgrade shows at once.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        PAGE_WITH_VERSION.as_str(),
    )
        .into_response()
}

/// `GET /graphql/assets/{file}`. The page names each asset with a digest of them all, so a
/// browser may keep them for good and never reloads the 3.5 MB bundle on a visit.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "error": "Not found" }))).into_response(),
    }
}
