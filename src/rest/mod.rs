//! The REST compatibility facade: a table of Pleroma routes, each running one GraphQL
//! operation, plus the protocol endpoints that are not GraphQL (OAuth, discovery).
mod error;
mod facade;
pub mod openapi;
pub mod params;
mod routes;
mod schema_index;

pub use error::{ErrorStyle, RestError};
pub use facade::{Facade, Success};
pub use routes::{route_table, Route};
pub use schema_index::SchemaIndex;
mod bootstrap;
mod oauth;
mod password_reset;

/// Route `path` (an `/api/v1/pleroma/...` path) and its legacy `/api/pleroma/...` alias, as the
/// facade does for its rows.
pub(crate) fn route_with_alias(
    router: axum::Router<crate::state::AppState>,
    path: &str,
    method_router: axum::routing::MethodRouter<crate::state::AppState>,
) -> axum::Router<crate::state::AppState> {
    let legacy = path.replacen("/api/v1/pleroma/", "/api/pleroma/", 1);
    router.route(path, method_router.clone()).route(&legacy, method_router)
}

/// The protocol endpoints that are not GraphQL operations: OAuth and client bootstrap.
pub fn protocol_routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new().merge(oauth::routes()).merge(bootstrap::routes()).merge(password_reset::routes())
}
