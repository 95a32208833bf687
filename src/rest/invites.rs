//! Registration invites (§7), in the docs' order.
use axum::http::Method;

use super::{operation, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // POST /admin/users/invite_token: the Invite (its type from max_use / expires_at).
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/users/invite_token",
            "Create a registration invite",
            operation!("invites/create"),
            Shape::at("invite"),
        ),
        // GET /admin/users/invites: {"invites": [Invite]}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/users/invites",
            "List invites",
            operation!("invites/list"),
            Shape::FIELD,
        ),
        // POST /admin/users/revoke_invite: the Invite, used; 404 {"error": "Not found"}.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/users/revoke_invite",
            "Revoke an invite by token",
            operation!("invites/revoke"),
            Shape::at("invite"),
        ),
        // POST /admin/users/email_invite: 204; 400 {"error": …} with Pleroma's texts.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/users/email_invite",
            "Email a registration invite",
            operation!("invites/email"),
            Shape::NO_CONTENT,
        ),
    ]
}
