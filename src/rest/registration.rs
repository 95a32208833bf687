//! Registration as Mastodon clients do it: `POST /api/v1/accounts` (Pleroma's
//! `AccountController.create` with `TwitterAPI.register_user`). An app token (client
//! credentials grant) is required, as in Pleroma, and the new account's token carries the app's
//! scopes; an account that must first confirm its email or wait for approval gets Pleroma's
//! 200 message with an identifier instead of a token.
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};
use serde_json::{json, Map, Value};

use super::{json, params, RestError, Route};
use crate::{
    auth::{Access, Caller, LimitName, Viewer},
    domain::{
        self,
        registration::{Registration, StartState},
    },
    error::AppError,
    state::AppState,
};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![Route::native(
        Method::POST,
        "/api/v1/accounts",
        "Register an account (with an app token)",
        Access::Public,
        |m| on(m, create),
        &[
            (200, "The new account's token, or a message when confirmation or approval is pending"),
            (400, "Missing or invalid parameters, or registrations closed"),
            (403, "No app token"),
        ],
    )]
}

fn error(status: StatusCode, message: &str) -> RestError {
    RestError { status, body: json!({ "error": message }) }
}

fn text(params: &Map<String, Value>, name: &str) -> Option<String> {
    match params.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `POST /api/v1/accounts`.
async fn create(State(state): State<AppState>, viewer: Viewer, request: Request) -> Response {
    match create_inner(&state, viewer, request).await {
        Ok(body) => json(StatusCode::OK, &body),
        Err(err) => err.into_response(),
    }
}

async fn create_inner(state: &AppState, viewer: Viewer, request: Request) -> Result<Value, RestError> {
    // Pleroma: `RateLimiter` `:app_account_creation`, before anything else.
    state.rate_limits.check(LimitName::AppAccountCreation, &Caller::of(&viewer))?;
    // Pleroma assigns `app` only for a token without a user.
    let app_id = match (&viewer.user, viewer.app_id) {
        (None, Some(id)) => id,
        _ => return Err(error(StatusCode::FORBIDDEN, "Invalid credentials")),
    };
    let app = domain::oauth::app_by_id(&state.db.read, app_id)
        .await?
        .ok_or_else(|| error(StatusCode::FORBIDDEN, "Invalid credentials"))?;
    let (_, params) = params::request_params(request).await?;
    // The OpenAPI cast of Pleroma's `AccountOperation.create`.
    for field in ["username", "password", "agreement"] {
        if params.get(field).is_none_or(Value::is_null) {
            return Err(error(StatusCode::BAD_REQUEST, &format!("Missing field: {field}.")));
        }
    }
    let agreement = params.get("agreement");
    if !matches!(agreement, Some(Value::Bool(_)))
        && !matches!(text(&params, "agreement").as_deref(), Some("true" | "false" | "1" | "0"))
    {
        return Err(error(StatusCode::BAD_REQUEST, "Invalid value for field: agreement."));
    }
    let instance = &state.settings().instance;
    let email = text(&params, "email").filter(|e| !e.is_empty());
    if email.is_none() && instance.account_activation_required {
        return Err(error(StatusCode::BAD_REQUEST, "Missing parameter: email"));
    }
    // `TwitterAPI.validate_captcha`: when captchas are on, apps marked trusted are exempt.
    if !app.trusted {
        let answer = domain::captcha::Answer {
            token: text(&params, "captcha_token"),
            solution: text(&params, "captcha_solution"),
            answer_data: text(&params, "captcha_answer_data"),
        };
        domain::captcha::check(&state.db, &state.settings(), &answer).await.map_err(|e| registration_error(&e))?;
    }
    let nickname = text(&params, "username").unwrap_or_default();
    let registration = Registration {
        name: text(&params, "fullname").filter(|n| !n.is_empty()),
        bio: Some(text(&params, "bio").unwrap_or_default()),
        reason: text(&params, "reason"),
        email,
        password: text(&params, "password").unwrap_or_default(),
        nickname,
        // Closed registrations need a valid invite token (checked before the account's fields).
        invite_required: !instance.registrations_open,
        invite_token: text(&params, "token"),
        ..Default::default()
    };
    if registration.password.is_empty() {
        return Err(registration_error(&AppError::Invalid([("password".into(), "can't be blank".into())].into())));
    }
    let hash = crate::auth::password::hash(registration.password.clone()).await?;
    let start = StartState::of(&state.settings());
    let user = domain::registration::register(&state.db, &state.settings(), &state.mailer, &registration, hash, start)
        .await
        .map_err(|e| registration_error(&e))?;
    // `OAuthController.login`: approval is checked before confirmation.
    if !user.is_approved {
        return Ok(json!({
            "message": "You have been registered. You'll be able to log in once your account is approved.",
            "identifier": "awaiting_approval",
        }));
    }
    if !user.is_confirmed {
        return Ok(json!({
            "message": "You have been registered. Please check your email for further instructions.",
            "identifier": "missing_confirmed_email",
        }));
    }
    let scopes = crate::auth::scopes::parse(&app.scopes);
    let expires_in = state.settings().oauth2.token_expires_in;
    let issued = domain::oauth::issue_token(&state.db.write, &app, Some(&user), &scopes, expires_in).await?;
    Ok(super::oauth::token_json(&issued, Some(&user)))
}

/// Pleroma's changeset errors: 400 `{"error": "{\"email\":[\"has already been taken\"]}"}`
/// (the errors map encoded as a string).
fn registration_error(err: &AppError) -> RestError {
    match domain::registration::error_map(err) {
        Some(map) => RestError {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "error": serde_json::to_string(&map).unwrap_or_default() }),
        },
        None => RestError::from(err.clone()),
    }
}
