//! The caller's own account (§26): `TwitterAPI.UtilController`'s routes, which exist only under
//! `/api/pleroma` and answer a refused change with HTTP 200 `{"error": msg}`, and the confirmation
//! mail asked for again.
use async_graphql::{indexmap::IndexMap, Name, Value as ConstValue};
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};
use serde_json::Value;

use super::{operation, params, Answer, RestError, Route, Shape};
use crate::{
    auth::{remote_ip::client_address, Access, Caller, LimitName, Viewer},
    domain::own_account,
    state::AppState,
};

const SUCCESS: &str = r#"{"status": "success"}"#;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let util = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).without_alias().refusal_is_ok()
    };
    vec![
        // POST /api/pleroma/delete_account: {"status": "success"}; 200 {"error": "Invalid password."}.
        util(
            M::POST,
            "/api/pleroma/delete_account",
            "Delete the caller's own account",
            operation!("own_account/delete"),
            Shape::Literal(SUCCESS),
        ),
        // POST /api/pleroma/disable_account (password in the query string).
        util(
            M::POST,
            "/api/pleroma/disable_account",
            "Deactivate the caller's own account",
            operation!("own_account/disable"),
            Shape::Literal(SUCCESS),
        ),
        // POST /api/pleroma/change_email: 200 {"error": "Email has invalid format."}, ….
        util(
            M::POST,
            "/api/pleroma/change_email",
            "Change the caller's email",
            operation!("own_account/change_email"),
            Shape::Literal(SUCCESS),
        ),
        // POST /api/pleroma/change_password: 200 {"error": "New password does not match confirmation."}, ….
        util(
            M::POST,
            "/api/pleroma/change_password",
            "Change the caller's password",
            operation!("own_account/change_password"),
            Shape::Literal(SUCCESS),
        ),
        // POST /api/pleroma/move_account: 404 {"error": "Target account not found."}.
        util(
            M::POST,
            "/api/pleroma/move_account",
            "Move followers to another account",
            operation!("own_account/move"),
            Shape::Literal(SUCCESS),
        ),
        // GET /api/pleroma/aliases: {"aliases": ["nick@host", ...]}.
        util(
            M::GET,
            "/api/pleroma/aliases",
            "The caller's aliases",
            operation!("own_account/aliases"),
            Shape::FIELD.mapped(aliases),
        ),
        // PUT /api/pleroma/aliases: 200 {"error": "not_found"} for an unknown account.
        util(
            M::PUT,
            "/api/pleroma/aliases",
            "Add an alias",
            operation!("own_account/add_alias"),
            Shape::Literal(SUCCESS),
        ),
        // DELETE /api/pleroma/aliases: 404 {"error": "Account has no such alias."}.
        util(
            M::DELETE,
            "/api/pleroma/aliases",
            "Remove an alias",
            operation!("own_account/remove_alias"),
            Shape::Literal(SUCCESS),
        ),
        Route::native(
            M::POST,
            "/api/v1/pleroma/accounts/confirmation_resend",
            "Mail the account confirmation link again",
            Access::Public,
            |m| on(m, confirmation_resend),
            &[(204, "Always, whether or not such an account exists"), (429, "Throttled")],
        ),
    ]
}

/// `{"aliases": [...]}`.
fn aliases(value: ConstValue) -> ConstValue {
    ConstValue::Object(IndexMap::from([(Name::new("aliases"), value)]))
}

/// `POST /accounts/confirmation_resend` (`email` or `nickname`): 204 with an empty body, whether
/// or not the account exists or awaits confirmation; limited by `account_confirmation_resend`,
/// per signed-in user or client address, as Pleroma's `RateLimiter`.
async fn confirmation_resend(State(state): State<AppState>, request: Request) -> Response {
    let (parts, merged) = match params::request_params(request).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let caller = match Viewer::from_request(&parts, &state.auth()).await {
        Ok(viewer) => Caller::of(&viewer),
        Err(_) => Caller::address(client_address(&parts, &state.settings.remote_ip)),
    };
    if let Err(err) = state.rate_limits.check(LimitName::AccountConfirmationResend, &caller) {
        return RestError::from(err).into_response();
    }
    let field = |key: &str| merged.get(key).and_then(Value::as_str).map(str::to_string);
    let (email, nickname) = (field("email"), field("nickname"));
    if email.is_none() && nickname.is_none() {
        return RestError::validation("email", "Missing field: email.").into_response();
    }
    let sent = own_account::resend_confirmation(
        &state.db,
        &state.settings,
        &state.mailer,
        email.as_deref(),
        nickname.as_deref(),
    )
    .await;
    match sent {
        Ok(()) => Answer::empty(StatusCode::NO_CONTENT).into_response(),
        Err(err) => RestError::from(err).into_response(),
    }
}
