//! Mastodon accounts API routes that admin clients need.
use axum::http::Method;

use super::{operation, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    // The caller's own account (admin-fe checks pleroma.is_admin before it signs in). A Mastodon
    // path: no /api/pleroma alias.
    vec![Route::admin(
        Method::GET,
        "/api/v1/accounts/verify_credentials",
        "The authenticated user's own account",
        operation!("accounts/verify_credentials"),
        Shape::FIELD,
    )]
}
