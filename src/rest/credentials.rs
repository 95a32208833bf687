//! Admin API — credentials, password resets, MFA and email confirmation (ROUTES.md §4).
use axum::http::Method;

use super::{operation, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/users/{nickname}/credentials",
            "Show a user's editable account fields",
            operation!("credentials/show"),
            Shape::at("credentials").or_404(),
        ),
        // PATCH /users/:nickname/credentials: Pleroma answers {"status": "success"}.
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/{nickname}/credentials",
            "Change a user's account fields",
            operation!("credentials/update"),
            Shape::Literal(r#"{"status":"success"}"#),
        ),
        // GET /users/:nickname/password_reset: a reset token and its link (a GET that writes).
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/users/{nickname}/password_reset",
            "Create a password-reset token for a local user",
            operation!("credentials/password_reset"),
            Shape::FIELD,
        ),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/force_password_reset",
            "Require users to reset their password",
            operation!("credentials/force_password_reset"),
            Shape::NO_CONTENT,
        ),
        // PATCH /users/:nickname/force_password_reset (legacy, Akkoma doc 003).
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/{nickname}/force_password_reset",
            "Require one user to reset their password (legacy)",
            operation!("credentials/force_password_reset_one"),
            Shape::NO_CONTENT,
        ),
        // PUT /users/disable_mfa: answers the nickname as a JSON string.
        Route::admin(
            M::PUT,
            "/api/v1/pleroma/admin/users/disable_mfa",
            "Disable multi-factor auth for a user",
            operation!("credentials/disable_mfa"),
            Shape::at("nickname"),
        ),
        // PATCH /users/confirm_email and /users/resend_confirmation_email: answer "".
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/confirm_email",
            "Mark users' emails as confirmed",
            operation!("credentials/confirm_email"),
            Shape::Literal("\"\""),
        ),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/resend_confirmation_email",
            "Resend the confirmation email",
            operation!("credentials/resend_confirmation_email"),
            Shape::Literal("\"\""),
        ),
    ]
}
