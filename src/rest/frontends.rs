//! Admin API — frontends (ROUTES.md §19).
use axum::http::Method;

use super::{operation, Route, Shape};

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
    ]
}
