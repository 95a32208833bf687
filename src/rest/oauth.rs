//! OAuth protocol endpoints, as Pleroma serves them to admin-fe, Soapbox and PleromaFE:
//! app registration (`POST /api/v1/apps`), app verification, the token grants
//! (`POST /oauth/token`: password, client_credentials, refresh_token) and revocation.
//! These are protocol endpoints, not GraphQL operations: they issue the credentials GraphQL runs
//! with. Parameters come from the query string, form, JSON or multipart bodies alike.
use axum::{
    extract::{Request, State},
    http::{request::Parts, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};
use chrono::Utc;
use entity::{oauth_app, user};
use sea_orm::EntityTrait;
use serde_json::{json, Map, Value};

use super::{json, params, RestError, Route};
use crate::{
    auth::{self, scopes, Access, Caller, LimitName, Viewer},
    domain::{self, oauth::NewApp},
    error::AppError,
    state::AppState,
};

/// The OAuth rows.
pub fn routes() -> Vec<Route> {
    vec![
        Route::native(
            Method::POST,
            "/api/v1/apps",
            "Register a client app",
            Access::Public,
            |m| on(m, create_app),
            &[
                (200, "The app with its client id and secret"),
                (400, "Missing client_name or redirect_uris"),
                (422, "Blank client_name or redirect_uris"),
            ],
        ),
        Route::native(
            Method::GET,
            "/api/v1/apps/verify_credentials",
            "The app behind the caller's token",
            Access::App,
            |m| on(m, verify_app),
            &[(200, "The app's name and website"), (403, "No token")],
        ),
        Route::native(
            Method::POST,
            "/oauth/token",
            "Obtain a token (password, client_credentials or refresh_token grant)",
            Access::Public,
            |m| on(m, token),
            &[
                (200, "The token"),
                (400, "Invalid credentials, an unknown grant or missing parameters"),
                (403, "The account may not sign in"),
                (429, "Throttled"),
            ],
        ),
        Route::native(
            Method::POST,
            "/oauth/revoke",
            "Revoke a token",
            Access::Public,
            |m| on(m, revoke),
            &[(200, "Always {}"), (400, "No token given")],
        ),
    ]
}

/// A parameter as a string (numbers and booleans are stringified; `null` is absent).
pub(super) fn text(params: &Map<String, Value>, name: &str) -> Option<String> {
    match params.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Pleroma's `Scopes.fetch_scopes`: `scope`, else `scopes`, as a string (space/comma
/// separated) or a list; `default` when absent or empty.
pub(super) fn requested_scopes(params: &Map<String, Value>, default: &[String]) -> Vec<String> {
    let found = match params.get("scope").or_else(|| params.get("scopes")) {
        Some(Value::String(s)) => scopes::parse(s),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).flat_map(scopes::parse).collect(),
        _ => vec![],
    };
    if found.is_empty() {
        default.to_vec()
    } else {
        found
    }
}

/// `{"error": message}` with a status.
pub(super) fn error(status: StatusCode, message: &str) -> RestError {
    RestError { status, body: json!({ "error": message }) }
}

pub(super) fn invalid_credentials() -> RestError {
    error(StatusCode::BAD_REQUEST, "Invalid credentials")
}

/// The answer to an unknown grant or missing parameters: Pleroma's body (`OAuthController`'s
/// `bad_request/2`), but 400 rather than its 500 — the client's request is at fault (issue 24).
fn bad_request() -> RestError {
    error(StatusCode::BAD_REQUEST, "Bad request")
}

pub(super) fn respond(result: Result<Value, RestError>) -> Response {
    match result {
        Ok(body) => json(StatusCode::OK, &body),
        Err(err) => err.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// POST /api/v1/apps

/// `POST /api/v1/apps` — register a client app (ROUTES.md, "Supporting endpoints"). No
/// authentication; when a user token comes along, the app is owned by that user.
async fn create_app(State(state): State<AppState>, request: Request) -> Response {
    respond(create_app_inner(&state, request).await)
}

async fn create_app_inner(state: &AppState, request: Request) -> Result<Value, RestError> {
    let (parts, params) = params::request_params(request).await?;
    let viewer = Viewer::from_request(&parts, &state.auth()).await.ok();
    // Pleroma: `RateLimiter` `:oauth_app_creation` on `AppController.create`, per user or address.
    let caller = match &viewer {
        Some(viewer) => Caller::of(viewer),
        None => Caller::address(auth::remote_ip::client_address(&parts, &state.settings().remote_ip)),
    };
    state.rate_limits.check(LimitName::OauthAppCreation, &caller)?;
    let client_name = text(&params, "client_name");
    let redirect_uris = match params.get("redirect_uris") {
        // Pleroma joins a list of URIs with newlines.
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => text(&params, "redirect_uris"),
    };
    let missing: Vec<&str> = [("client_name", client_name.is_none()), ("redirect_uris", redirect_uris.is_none())]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect();
    if !missing.is_empty() {
        return Err(missing_fields(&missing));
    }
    let (client_name, redirect_uris) = (client_name.unwrap_or_default(), redirect_uris.unwrap_or_default());
    // The changeset's `validate_required`: blank values fail with 422 (Mastodon fallback).
    let blank = [&client_name, &redirect_uris].iter().filter(|v| v.trim().is_empty()).count();
    if blank > 0 {
        return Err(error(StatusCode::UNPROCESSABLE_ENTITY, &vec!["can't be blank"; blank].join(", ")));
    }
    let owner = viewer.and_then(|v| v.user).map(|u| u.id);
    let new = NewApp {
        client_name,
        redirect_uris,
        scopes: requested_scopes(&params, &["read".to_string()]),
        website: text(&params, "website"),
        user_id: owner,
    };
    let (app, client_secret) = domain::oauth::create_app(&state.db.write, new).await?;
    Ok(json!({
        "id": app.id.to_string(),
        "name": app.client_name,
        "client_id": app.client_id,
        "client_secret": client_secret,
        "redirect_uri": app.redirect_uris,
        "website": app.website,
    }))
}

/// OpenApiSpex's 400 for missing required fields: every message, joined by spaces.
fn missing_fields(fields: &[&str]) -> RestError {
    let errors: Vec<_> = fields.iter().map(|f| super::engine::params::ParamError::missing(f)).collect();
    RestError::params(&errors)
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/apps/verify_credentials

/// `GET /api/v1/apps/verify_credentials` — the app behind the caller's token (any token, even
/// an app-only one).
/// The row's guard has authenticated the caller and checked `Access::App`.
async fn verify_app(State(state): State<AppState>, viewer: Viewer) -> Response {
    respond(verify_app_inner(&state, viewer).await)
}

async fn verify_app_inner(state: &AppState, viewer: Viewer) -> Result<Value, RestError> {
    // HTTP Basic carries no app (Pleroma crashes here); refuse like an anonymous call.
    let app_id = viewer.app_id.ok_or_else(|| AppError::Unauthenticated("Invalid credentials.".into()))?;
    let app = domain::oauth::app_by_id(&state.db.read, app_id)
        .await?
        .ok_or_else(|| AppError::Unauthenticated("Invalid credentials.".into()))?;
    Ok(json!({ "name": app.client_name, "website": app.website }))
}

// ---------------------------------------------------------------------------------------------
// POST /oauth/token

/// Client credentials: HTTP Basic `client_id:client_secret` (preferred by RFC 6749), else the
/// `client_id` and `client_secret` parameters.
fn client_credentials(parts: &Parts, params: &Map<String, Value>) -> Option<(String, String)> {
    let basic = auth::authorization(parts).into_iter().find_map(|found| {
        let auth::Authorization::Basic(decoded) = found else { return None };
        let mut pieces = decoded.split(':');
        let (id, secret) = (pieces.next()?, pieces.next()?);
        if pieces.next().is_some() {
            return None;
        }
        let unescape =
            |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
        Some((unescape(id)?, unescape(secret)?))
    });
    basic.or_else(|| Some((text(params, "client_id")?, text(params, "client_secret")?)))
}

/// The app the request authenticates as.
pub(super) async fn fetch_app(
    state: &AppState,
    parts: &Parts,
    params: &Map<String, Value>,
) -> Result<Option<oauth_app::Model>, AppError> {
    match client_credentials(parts, params) {
        Some((id, secret)) => domain::oauth::find_app(&state.db.read, &id, &secret).await,
        None => Ok(None),
    }
}

/// `POST /oauth/token` — obtain a token with the `password`, `client_credentials` or
/// `refresh_token` grant.
async fn token(State(state): State<AppState>, request: Request) -> Response {
    respond(token_inner(&state, request).await)
}

async fn token_inner(state: &AppState, request: Request) -> Result<Value, RestError> {
    let (parts, params) = params::request_params(request).await?;
    match text(&params, "grant_type").as_deref() {
        Some("password") => password_grant(state, &parts, &params).await,
        Some("client_credentials") => client_credentials_grant(state, &parts, &params).await,
        Some("refresh_token") if params.get("refresh_token").is_some_and(|v| !v.is_null()) => {
            refresh_grant(state, &parts, &params).await
        }
        Some("authorization_code") => super::signin::authorization_code_grant(state, &parts, &params).await,
        _ => Err(bad_request()),
    }
}

/// The token body of Pleroma's `OAuthView`.
pub(super) fn token_json(issued: &domain::oauth::Issued, user: Option<&user::Model>) -> Value {
    let token = &issued.row;
    let mut body = json!({
        "id": token.id,
        "token_type": "Bearer",
        "access_token": issued.token,
        "refresh_token": issued.refresh_token,
        "expires_in": (token.valid_until - Utc::now()).num_seconds().max(0),
        "scope": token.scopes,
        "created_at": token.inserted_at.timestamp(),
    });
    if let (Some(user), Some(map)) = (user, body.as_object_mut()) {
        map.insert("me".into(), Value::String(user.ap_id.clone()));
    }
    body
}

/// Scopes the token will carry: the requested ones (default: all of the app's), each covered
/// by the app's scopes; `None` when the request asks for more than the app has.
pub(super) fn grant_scopes(app: &oauth_app::Model, params: &Map<String, Value>) -> Option<Vec<String>> {
    let allowed = scopes::parse(&app.scopes);
    let requested = requested_scopes(params, &allowed);
    (!requested.is_empty() && scopes::all_covered(&allowed, &requested)).then_some(requested)
}

/// Why an account may not sign in, as `/oauth/token` reports it (403 with an identifier).
pub(super) fn account_status_error(account: &user::Model, state: &AppState) -> Option<RestError> {
    let refuse = |message: &str, identifier: &str| RestError {
        status: StatusCode::FORBIDDEN,
        body: json!({ "error": message, "identifier": identifier }),
    };
    use crate::domain::users::AccountStatus;
    match AccountStatus::of(account, &state.settings().instance) {
        AccountStatus::Active => None,
        AccountStatus::Deactivated => Some(refuse("Your account is currently disabled", "account_is_disabled")),
        AccountStatus::PasswordResetPending => Some(refuse("Password reset is required", "password_reset_required")),
        AccountStatus::ApprovalPending => Some(refuse("Your account is awaiting approval.", "awaiting_approval")),
        AccountStatus::ConfirmationPending => {
            Some(refuse("Your login is missing a confirmed e-mail address", "missing_confirmed_email"))
        }
    }
}

async fn password_grant(state: &AppState, parts: &Parts, params: &Map<String, Value>) -> Result<Value, RestError> {
    let (Some(login), Some(secret)) =
        (text(params, "username").or_else(|| text(params, "name")), text(params, "password"))
    else {
        return Err(invalid_credentials());
    };
    let address = auth::remote_ip::client_address(parts, &state.settings().remote_ip);
    let Some(account) = auth::viewer_login(&state.auth(), address, &login, secret).await? else {
        return Err(invalid_credentials());
    };
    let app = fetch_app(state, parts, params).await?.ok_or_else(invalid_credentials)?;
    if let Some(refusal) = account_status_error(&account, state) {
        return Err(refusal);
    }
    let scopes = grant_scopes(&app, params).ok_or_else(invalid_credentials)?;
    if account.mfa_enabled {
        // Pleroma's `login/3`: the authorization is made, then held back behind an MFA token
        // that `POST /oauth/mfa/challenge` redeems with a code.
        return Err(super::signin::mfa_required(state, &app, &account, &scopes).await?);
    }
    let expires_in = state.settings().oauth2.token_expires_in;
    let token = domain::oauth::issue_token(&state.db.write, &app, Some(&account), &scopes, expires_in).await?;
    domain::oauth::claim_app(&state.db.write, app.id, &account.id).await?;
    Ok(token_json(&token, Some(&account)))
}

async fn client_credentials_grant(
    state: &AppState,
    parts: &Parts,
    params: &Map<String, Value>,
) -> Result<Value, RestError> {
    let app = fetch_app(state, parts, params).await?.ok_or_else(invalid_credentials)?;
    let scopes = grant_scopes(&app, params).ok_or_else(invalid_credentials)?;
    let expires_in = state.settings().oauth2.token_expires_in;
    let token = domain::oauth::issue_token(&state.db.write, &app, None, &scopes, expires_in).await?;
    Ok(token_json(&token, None))
}

async fn refresh_grant(state: &AppState, parts: &Parts, params: &Map<String, Value>) -> Result<Value, RestError> {
    let refresh_token = text(params, "refresh_token").ok_or_else(invalid_credentials)?;
    let app = fetch_app(state, parts, params).await?.ok_or_else(invalid_credentials)?;
    let txn = state.db.begin().await.map_err(AppError::from)?;
    // Redeemed first, atomically: a concurrent redemption finds nothing and is refused.
    let old = domain::oauth::redeem_refresh(&txn, &app, &refresh_token).await?.ok_or_else(invalid_credentials)?;
    let account = match &old.user_id {
        Some(id) => {
            let found = user::Entity::find_by_id(id.clone()).one(&txn).await.map_err(AppError::from)?;
            // A deactivated (or otherwise barred) account gets no fresh token.
            Some(found.filter(|u| account_status_error(u, state).is_none()).ok_or_else(invalid_credentials)?)
        }
        None => None,
    };
    let scopes = scopes::parse(&old.scopes);
    let expires_in = state.settings().oauth2.token_expires_in;
    let token = domain::oauth::issue_token(&txn, &app, account.as_ref(), &scopes, expires_in).await?;
    txn.commit().await.map_err(AppError::from)?;
    Ok(token_json(&token, account.as_ref()))
}

// ---------------------------------------------------------------------------------------------
// POST /oauth/revoke

/// `POST /oauth/revoke` — revoke an access token. Answers `{}` whatever happens (RFC 7009).
/// With client credentials, only that app's tokens are revoked (as Pleroma does); without
/// any, holding the token is enough to revoke it.
async fn revoke(State(state): State<AppState>, request: Request) -> Response {
    respond(revoke_inner(&state, request).await)
}

async fn revoke_inner(state: &AppState, request: Request) -> Result<Value, RestError> {
    let (parts, params) = params::request_params(request).await?;
    let token = text(&params, "token").ok_or_else(bad_request)?;
    let Some((found, _)) = domain::oauth::find_token(&state.db.read, &token).await? else {
        return Ok(json!({}));
    };
    let allowed = match client_credentials(&parts, &params) {
        Some((id, secret)) => {
            domain::oauth::find_app(&state.db.read, &id, &secret).await?.is_some_and(|app| app.id == found.app_id)
        }
        None => true,
    };
    if allowed {
        domain::oauth::delete_token(&state.db.write, found.id).await?;
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_to_the_given_list() {
        let params = params::decode_form("scope=read+admin:read");
        assert_eq!(requested_scopes(&params, &[]), vec!["read", "admin:read"]);
        let params = params::decode_form("scopes=read,write");
        assert_eq!(requested_scopes(&params, &[]), vec!["read", "write"]);
        assert_eq!(requested_scopes(&Map::new(), &["read".to_string()]), vec!["read"]);
    }

    #[test]
    fn missing_fields_body() {
        let err = missing_fields(&["client_name", "redirect_uris"]);
        assert_eq!(err.body["error"], "Missing field: client_name. Missing field: redirect_uris.");
        assert_eq!(err.body["errors"][1]["source"]["pointer"], "/redirect_uris");
    }
}
