//! Multi-factor authentication (ROUTES.md §27, Pleroma's `TwoFactorAuthenticationController`):
//! routes only under `/api/pleroma`. Refusals as that controller renders them: a wrong password
//! or code 422 `{"error": msg}`, an unknown method 400 `{"error": "undefined method"}`.
use async_graphql::{indexmap::IndexMap, Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, typed, Fields, Route, Shape, Wire};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let row = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).without_alias().mastodon_errors()
    };
    vec![
        // GET /api/pleroma/accounts/mfa: {"settings": {"enabled": bool, "totp": bool}}.
        row(
            M::GET,
            "/api/pleroma/accounts/mfa",
            "The caller's MFA settings",
            operation!("mfa/settings"),
            Shape::FIELD.mapped(typed::<Settings>),
        ),
        // GET /api/pleroma/accounts/mfa/backup_codes: {"codes": [...]} (a GET that writes).
        row(
            M::GET,
            "/api/pleroma/accounts/mfa/backup_codes",
            "Fresh MFA backup codes",
            operation!("mfa/backup_codes"),
            Shape::FIELD,
        ),
        // GET /api/pleroma/accounts/mfa/setup/:method: {"key", "provisioning_uri"} (a GET that writes).
        row(
            M::GET,
            "/api/pleroma/accounts/mfa/setup/{method}",
            "Start setting up TOTP",
            operation!("mfa/setup"),
            Shape::FIELD,
        ),
        // POST /api/pleroma/accounts/mfa/confirm/:method: {}.
        row(
            M::POST,
            "/api/pleroma/accounts/mfa/confirm/{method}",
            "Confirm TOTP with a code and switch MFA on",
            operation!("mfa/confirm"),
            Shape::Literal("{}"),
        ),
        // DELETE /api/pleroma/accounts/mfa/:method (totp | mfa): {}.
        row(
            M::DELETE,
            "/api/pleroma/accounts/mfa/{method}",
            "Switch TOTP or all of MFA off",
            operation!("mfa/disable"),
            Shape::Literal("{}"),
        ),
    ]
}

/// The MFA settings (`enabled`, `totp`).
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct Settings(Fields);

/// `{"settings": …}` around the settings.
impl Wire for Settings {
    fn wire(self) -> ConstValue {
        ConstValue::Object(IndexMap::from([(Name::new("settings"), ConstValue::Object(self.0))]))
    }
}
