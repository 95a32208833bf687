//! Admin API — the moderation log (ROUTES.md §13).
use axum::http::Method;

use super::{operation, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    // {"items": [LogEntry], "total": int}, newest first.
    vec![Route::admin(
        Method::GET,
        "/api/v1/pleroma/admin/moderation_log",
        "Moderation log",
        operation!("moderation_log/list"),
        Shape::FIELD,
    )]
}
