//! Admin API — instance purge (`shared/spec/ROUTES.md` §9, second route).
use axum::http::Method;

use super::{operation, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        // DELETE /instances/:instance: queues the purge, answers the host as a JSON string.
        Route::admin(
            Method::DELETE,
            "/api/v1/pleroma/admin/instances/{instance}",
            "Delete all users and statuses of a remote instance",
            operation!("purge/delete_instance"),
            Shape::at("instance"),
        ),
    ]
}
