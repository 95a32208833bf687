//! Signing in through the browser and the second factor, as Pleroma's `OAuthController`
//! (`authorize`, `create_authorization`, the `authorization_code` grant) and `MFAController`
//! (`show`, `verify`, `challenge`) serve them: the HTML login form, the TOTP or recovery-code
//! step when the account has MFA on, the redirect with a single-use code (or the code shown
//! in a page for `urn:ietf:wg:oauth:2.0:oob`), the code redeemed at `/oauth/token` (with PKCE
//! when the form was given a challenge), and `POST /oauth/mfa/challenge` after a password
//! grant answered `mfa_required`. These are protocol endpoints and HTML forms, not GraphQL
//! operations.
use axum::{
    extract::{Request, State},
    http::{request::Parts, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};
use entity::{oauth_app, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Map, Value};

use super::{
    escape_html as escape,
    oauth::{
        account_status_error, error, fetch_app, grant_scopes, invalid_credentials, requested_scopes, respond, text,
        token_json,
    },
    params, Answer, RestError, Route,
};
use crate::{
    auth::{self, scopes, Access, Caller, LimitName},
    domain::{self, mfa, oauth::NewAuthorization},
    error::AppError,
    state::AppState,
};

/// The redirect URI that asks for the code in a page instead of a redirect.
const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
/// `FallbackController`'s flash for every failed login (bad password, unknown app, unlisted
/// redirect URI).
const INVALID_LOGIN: &str = "Invalid Username/Password";
const OUTSIDE_SCOPES: &str = "This action is outside the authorized scopes";
const MFA_FAILED: &str = "Two-factor authentication failed.";

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        Route::native(
            Method::GET,
            "/oauth/authorize",
            "The login form (HTML)",
            Access::Public,
            |m| on(m, authorize),
            &[(200, "The form (HTML)")],
        ),
        Route::native(
            Method::POST,
            "/oauth/authorize",
            "Submit the login form: a redirect with a code, the code in a page, or the MFA step",
            Access::Public,
            |m| on(m, create_authorization),
            &[
                (200, "The MFA step, or the code in a page (HTML)"),
                (302, "To redirect_uri with code and state"),
                (401, "The form again: invalid credentials, unknown app, unlisted redirect_uri or scopes"),
                (403, "The form again: the account may not sign in"),
                (429, "Throttled"),
            ],
        ),
        Route::native(
            Method::GET,
            "/oauth/mfa",
            "The MFA step of the login form (HTML)",
            Access::Public,
            |m| on(m, mfa_show),
            &[(200, "The TOTP or recovery-code form (HTML)")],
        ),
        Route::native(
            Method::POST,
            "/oauth/mfa/verify",
            "Submit the MFA step of the login form",
            Access::Public,
            |m| on(m, mfa_verify),
            &[
                (200, "The code in a page (HTML)"),
                (302, "To redirect_uri with code and state"),
                (401, "The MFA form again: wrong code"),
            ],
        ),
        Route::native(
            Method::POST,
            "/oauth/mfa/challenge",
            "Obtain a token with an MFA token and a TOTP or recovery code",
            Access::Public,
            |m| on(m, challenge),
            &[(200, "The token"), (400, "Invalid code")],
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Form fields

/// A form field sent as `prefix[name]`, inside a `prefix` object, or as plain `name`.
fn field(params: &Map<String, Value>, prefix: &str, name: &str) -> Option<String> {
    let nested = params.get(&format!("{prefix}[{name}]")).or_else(|| params.get(prefix).and_then(|o| o.get(name)));
    match nested {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => text(params, name),
    }
}

/// The login form's parameters, flat (`authorization[scope][]` and `scope`/`scopes` alike).
fn authorization_params(params: &Map<String, Value>) -> Map<String, Value> {
    let mut flat = params.clone();
    for (key, value) in params {
        if let Some(name) = key.strip_prefix("authorization[").and_then(|k| k.strip_suffix(']')) {
            flat.insert(name.to_string(), value.clone());
        }
    }
    if let Some(Value::Object(inner)) = params.get("authorization") {
        for (key, value) in inner {
            flat.insert(key.clone(), value.clone());
        }
    }
    flat
}

/// The form's state between requests: what the client asked for.
#[derive(Debug, Clone, Default)]
struct ClientRequest {
    client_id: String,
    redirect_uri: String,
    response_type: String,
    state: String,
    scopes: Vec<String>,
    code_challenge: String,
    code_challenge_method: String,
}

impl ClientRequest {
    fn from(params: &Map<String, Value>, app: Option<&oauth_app::Model>) -> ClientRequest {
        let get = |name: &str| text(params, name).unwrap_or_default();
        let available = app.map(|a| scopes::parse(&a.scopes)).unwrap_or_default();
        ClientRequest {
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            response_type: get("response_type"),
            state: get("state"),
            scopes: requested_scopes(params, &available),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

/// A page in a minimal version of Pleroma's static-page layout.
fn page(state: &AppState, status: StatusCode, content: &str) -> Response {
    let title = escape(&state.settings().instance.name);
    let page = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1,minimal-ui\" />\n\
         <title>{title}</title>\n</head>\n<body>\n<div class=\"instance-header\"><h1>{title}</h1></div>\n\
         <div class=\"container\">\n{content}\n</div>\n</body>\n</html>\n"
    );
    Answer::bytes("text/html; charset=utf-8", page.into_bytes()).status(status).into_response()
}

fn flash(message: Option<&str>) -> String {
    message.map(|m| format!("<p class=\"alert alert-danger\" role=\"alert\">{}</p>\n", escape(m))).unwrap_or_default()
}

fn hidden(name: &str, value: &str) -> String {
    format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n", escape(value))
}

/// `o_auth/show.html`: the app's name, the requested scopes, the login fields and the
/// client's request carried along in hidden fields.
fn login_form(
    state: &AppState,
    status: StatusCode,
    app: Option<&oauth_app::Model>,
    request: &ClientRequest,
    message: Option<&str>,
) -> Response {
    let mut body = flash(message);
    body.push_str("<form action=\"/oauth/authorize\" method=\"post\">\n<div class=\"container__content\">\n");
    if let Some(app) = app {
        body.push_str(&format!(
            "<p>Application <strong>{}</strong> is requesting access to your account.</p>\n<div class=\"scopes-input\">\n\
             <label>The following permissions will be granted</label>\n<div class=\"scopes\">\n",
            escape(&app.client_name)
        ));
        for scope in scopes::parse(&app.scopes) {
            let checked = if request.scopes.contains(&scope) { " checked" } else { "" };
            let scope = escape(&scope);
            body.push_str(&format!(
                "<div class=\"scope\"><input type=\"checkbox\" name=\"authorization[scope][]\" id=\"authorization_scope_{scope}\" \
                 value=\"{scope}\"{checked}><label for=\"authorization_scope_{scope}\">{scope}</label></div>\n"
            ));
        }
        body.push_str("</div>\n</div>\n");
    }
    body.push_str(
        "<div class=\"input\"><label for=\"authorization_name\">Username</label>\
         <input type=\"text\" id=\"authorization_name\" name=\"authorization[name]\" autocomplete=\"username\"></div>\n\
         <div class=\"input\"><label for=\"authorization_password\">Password</label>\
         <input type=\"password\" id=\"authorization_password\" name=\"authorization[password]\" \
         autocomplete=\"current-password\"></div>\n<button type=\"submit\">Log In</button>\n</div>\n",
    );
    for (name, value) in [
        ("client_id", &request.client_id),
        ("response_type", &request.response_type),
        ("redirect_uri", &request.redirect_uri),
        ("state", &request.state),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", &request.code_challenge_method),
    ] {
        body.push_str(&hidden(&format!("authorization[{name}]"), value));
    }
    body.push_str("</form>");
    page(state, status, &body)
}

/// `o_auth/mfa/totp.html` and `recovery.html`: the second step of the login form.
fn mfa_form(
    state: &AppState,
    status: StatusCode,
    challenge_type: &str,
    mfa_token: &str,
    redirect_uri: &str,
    client_state: &str,
    message: Option<&str>,
) -> Response {
    let recovery = challenge_type == "recovery";
    let (label, other, other_label) = if recovery {
        ("Recovery code", "totp", "Enter a two-factor code")
    } else {
        ("Authentication code", "recovery", "Enter a two-factor recovery code")
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("challenge_type", other)
        .append_pair("mfa_token", mfa_token)
        .append_pair("state", client_state)
        .append_pair("redirect_uri", redirect_uri)
        .finish();
    let mut body = flash(message);
    body.push_str(&format!(
        "<h2>Two-factor {}</h2>\n<form action=\"/oauth/mfa/verify\" method=\"post\">\n<div class=\"input\">\
         <label for=\"mfa_code\">{label}</label><input type=\"text\" id=\"mfa_code\" name=\"mfa[code]\" \
         autocomplete=\"one-time-code\" autofocus>\n",
        if recovery { "recovery" } else { "authentication" }
    ));
    body.push_str(&hidden("mfa[mfa_token]", mfa_token));
    body.push_str(&hidden("mfa[state]", client_state));
    body.push_str(&hidden("mfa[redirect_uri]", redirect_uri));
    body.push_str(&hidden("mfa[challenge_type]", if recovery { "recovery" } else { "totp" }));
    body.push_str(&format!(
        "</div>\n<button type=\"submit\">Verify</button>\n</form>\n<a href=\"/oauth/mfa?{}\">{other_label}</a>",
        escape(&query)
    ));
    page(state, status, &body)
}

/// `after_create_authorization`: the code in a page (`oob`), or a redirect to the registered
/// URI with `code` and `state`.
fn after_authorization(
    state: &AppState,
    app: &oauth_app::Model,
    code: &str,
    redirect_uri: &str,
    client_state: &str,
) -> Response {
    if redirect_uri == OOB {
        let body = format!("<h1>Successfully authorized</h1>\n<h2>Token code is <br>{}</h2>", escape(code));
        return page(state, StatusCode::OK, &body);
    }
    if !app.redirect_uris.split_whitespace().any(|u| u == redirect_uri) {
        return login_form(state, StatusCode::UNAUTHORIZED, Some(app), &ClientRequest::default(), Some(INVALID_LOGIN));
    }
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => {
            return login_form(
                state,
                StatusCode::UNAUTHORIZED,
                Some(app),
                &ClientRequest::default(),
                Some(INVALID_LOGIN),
            )
        }
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("code", code);
        if !client_state.is_empty() {
            query.append_pair("state", client_state);
        }
    }
    Answer::redirect(url.as_str()).into_response()
}

// ---------------------------------------------------------------------------------------------
// GET /oauth/authorize

/// `GET /oauth/authorize` — the login form for `client_id`, with the scopes it asks for.
async fn authorize(State(state): State<AppState>, request: Request) -> Response {
    let result: Result<Response, RestError> = async {
        let (_, params) = params::request_params(request).await?;
        let params = authorization_params(&params);
        let client_id = text(&params, "client_id").unwrap_or_default();
        let app = domain::oauth::app_by_client_id(&state.db.read, &client_id).await?;
        let request = ClientRequest::from(&params, app.as_ref());
        Ok(login_form(&state, StatusCode::OK, app.as_ref(), &request, None))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

// ---------------------------------------------------------------------------------------------
// POST /oauth/authorize

/// `POST /oauth/authorize` — check the credentials and authorize the app. Throttled per client
/// address by the `authentication` limiter (every attempt counts, as Pleroma's plug counts).
async fn create_authorization(State(state): State<AppState>, request: Request) -> Response {
    create_authorization_inner(&state, request).await.unwrap_or_else(IntoResponse::into_response)
}

async fn create_authorization_inner(state: &AppState, request: Request) -> Result<Response, RestError> {
    let (parts, params) = params::request_params(request).await?;
    let address = auth::remote_ip::client_address(&parts, &state.settings().remote_ip);
    state.rate_limits.check(LimitName::Authentication, &Caller::address(address))?;
    let params = authorization_params(&params);
    let client_id = text(&params, "client_id").unwrap_or_default();
    let app = domain::oauth::app_by_client_id(&state.db.read, &client_id).await?;
    let request = ClientRequest::from(&params, app.as_ref());
    let refuse = |status, message| Ok(login_form(state, status, app.as_ref(), &request, Some(message)));
    // Pleroma's `Authenticator.get_user`: `name` (nickname or email) and `password`.
    let login = text(&params, "name").or_else(|| text(&params, "username")).unwrap_or_default();
    let secret = text(&params, "password").unwrap_or_default();
    let account = domain::users::find_by_login(&state.db.read, &login).await?.filter(|u| u.local);
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let verified = auth::password::verify_or_dummy(secret, stored).await;
    let (Some(account), true) = (account, verified) else { return refuse(StatusCode::UNAUTHORIZED, INVALID_LOGIN) };
    let Some(app) = app.clone() else { return refuse(StatusCode::UNAUTHORIZED, INVALID_LOGIN) };
    if !app.redirect_uris.split_whitespace().any(|u| u == request.redirect_uri) {
        return refuse(StatusCode::UNAUTHORIZED, INVALID_LOGIN);
    }
    if let Some(refusal) = account_status_error(&account, state) {
        let message = refusal.body["error"].as_str().unwrap_or(INVALID_LOGIN).to_string();
        return Ok(login_form(state, StatusCode::FORBIDDEN, Some(&app), &request, Some(&message)));
    }
    let Some(scopes) = grant_scopes(&app, &params) else { return refuse(StatusCode::UNAUTHORIZED, OUTSIDE_SCOPES) };
    let method = match request.code_challenge_method.as_str() {
        "" => "plain",
        m if m.eq_ignore_ascii_case("S256") => "S256",
        "plain" => "plain",
        _ => return refuse(StatusCode::UNAUTHORIZED, OUTSIDE_SCOPES),
    };
    let challenge = Some(request.code_challenge.clone()).filter(|c| !c.is_empty());
    let new = NewAuthorization {
        scopes,
        redirect_uri: Some(request.redirect_uri.clone()),
        code_challenge_method: challenge.as_ref().map(|_| method.to_string()),
        code_challenge: challenge,
    };
    let (row, code) = domain::oauth::create_authorization(&state.db.write, &app, &account, new).await?;
    if account.mfa_enabled {
        let token = mfa::create_token(&state.db.write, &account, Some(row.id)).await?;
        return Ok(mfa_form(state, StatusCode::OK, "totp", &token, &request.redirect_uri, &request.state, None));
    }
    Ok(after_authorization(state, &app, &code, &request.redirect_uri, &request.state))
}

// ---------------------------------------------------------------------------------------------
// GET /oauth/mfa, POST /oauth/mfa/verify

/// `GET /oauth/mfa` — the MFA step (`challenge_type` `totp` or `recovery`).
async fn mfa_show(State(state): State<AppState>, request: Request) -> Response {
    match params::request_params(request).await {
        Ok((_, params)) => {
            let get = |name: &str| text(&params, name).unwrap_or_default();
            let kind = text(&params, "challenge_type").unwrap_or_else(|| "totp".into());
            mfa_form(&state, StatusCode::OK, &kind, &get("mfa_token"), &get("redirect_uri"), &get("state"), None)
        }
        Err(err) => err.into_response(),
    }
}

/// `POST /oauth/mfa/verify` — check the code and finish the login form's authorization.
async fn mfa_verify(State(state): State<AppState>, request: Request) -> Response {
    mfa_verify_inner(&state, request).await.unwrap_or_else(IntoResponse::into_response)
}

async fn mfa_verify_inner(state: &AppState, request: Request) -> Result<Response, RestError> {
    let (_, params) = params::request_params(request).await?;
    let get = |name: &str| field(&params, "mfa", name).unwrap_or_default();
    let (token, kind, redirect_uri, client_state) =
        (get("mfa_token"), get("challenge_type"), get("redirect_uri"), get("state"));
    let failed = || {
        let kind = if kind.is_empty() { "totp" } else { kind.as_str() };
        Ok(mfa_form(state, StatusCode::UNAUTHORIZED, kind, &token, &redirect_uri, &client_state, Some(MFA_FAILED)))
    };
    let Some((mfa_token, user)) = mfa::find_token(&state.db.read, &token).await? else { return failed() };
    if !challenge_passes(state, &user, &kind, &get("code")).await? {
        return failed();
    }
    let Some(auth_id) = mfa_token.authorization_id else { return failed() };
    let Some(auth) =
        entity::oauth_authorization::Entity::find_by_id(auth_id).one(&state.db.read).await.map_err(AppError::from)?
    else {
        return failed();
    };
    let Some(app) = domain::oauth::app_by_id(&state.db.read, auth.app_id).await? else { return failed() };
    mfa::delete_token(&state.db.write, mfa_token.id).await?;
    // A fresh code for the same authorization: the first one was never shown.
    let new = NewAuthorization {
        scopes: scopes::parse(&auth.scopes),
        redirect_uri: auth.redirect_uri.clone(),
        code_challenge: auth.code_challenge.clone(),
        code_challenge_method: auth.code_challenge_method.clone(),
    };
    let txn = state.db.begin().await.map_err(AppError::from)?;
    entity::oauth_authorization::Entity::delete_by_id(auth.id).exec(&txn).await.map_err(AppError::from)?;
    let (_, code) = domain::oauth::create_authorization(&txn, &app, &user, new).await?;
    txn.commit().await.map_err(AppError::from)?;
    let redirect_uri = if redirect_uri.is_empty() { auth.redirect_uri.unwrap_or_default() } else { redirect_uri };
    Ok(after_authorization(state, &app, &code, &redirect_uri, &client_state))
}

/// `MFAController.validates_challenge`: a TOTP code, or a recovery code (used up).
async fn challenge_passes(state: &AppState, user: &user::Model, kind: &str, code: &str) -> Result<bool, AppError> {
    let config = &state.settings().instance.multi_factor_authentication;
    match kind {
        // The write connection: a secret stored before sealing is rewritten on this read.
        "totp" => mfa::verify_totp(&state.db.write, config, user, code).await,
        "recovery" => mfa::use_backup_code(&state.db.write, user, code).await,
        _ => Ok(false),
    }
}

// ---------------------------------------------------------------------------------------------
// The password grant's MFA answer, POST /oauth/mfa/challenge

/// The password grant's answer for an account with MFA on: 403 `mfa_required` with a stored
/// MFA token (five minutes) bound to an authorization of the requested scopes.
pub(super) async fn mfa_required(
    state: &AppState,
    app: &oauth_app::Model,
    account: &user::Model,
    scopes: &[String],
) -> Result<RestError, AppError> {
    let new = NewAuthorization { scopes: scopes.to_vec(), ..Default::default() };
    let txn = state.db.begin().await?;
    let (row, _) = domain::oauth::create_authorization(&txn, app, account, new).await?;
    let token = mfa::create_token(&txn, account, Some(row.id)).await?;
    txn.commit().await?;
    Ok(RestError {
        status: StatusCode::FORBIDDEN,
        body: json!({
            "error": "mfa_required",
            "mfa_token": token,
            "supported_challenge_types": mfa::supported_methods(&state.db.read, account).await?,
        }),
    })
}

/// `POST /oauth/mfa/challenge` — the second step after `mfa_required`: client credentials,
/// `mfa_token`, `challenge_type` (`totp` or `recovery`) and `code`. Any failure: 400
/// `{"error": "Invalid code"}`.
async fn challenge(State(state): State<AppState>, request: Request) -> Response {
    respond(challenge_inner(&state, request).await)
}

async fn challenge_inner(state: &AppState, request: Request) -> Result<Value, RestError> {
    let (parts, params) = params::request_params(request).await?;
    let invalid = || error(StatusCode::BAD_REQUEST, "Invalid code");
    let app = fetch_app(state, &parts, &params).await?.ok_or_else(invalid)?;
    let token = text(&params, "mfa_token").ok_or_else(invalid)?;
    let (mfa_token, user) = mfa::find_token(&state.db.read, &token).await?.ok_or_else(invalid)?;
    let kind = text(&params, "challenge_type").unwrap_or_default();
    let code = text(&params, "code").unwrap_or_default();
    if !challenge_passes(state, &user, &kind, &code).await? {
        return Err(invalid());
    }
    let auth_id = mfa_token.authorization_id.ok_or_else(invalid)?;
    let txn = state.db.begin().await.map_err(AppError::from)?;
    let auth = domain::oauth::use_authorization(&txn, &app, auth_id).await?.ok_or_else(invalid)?;
    let expires_in = state.settings().oauth2.token_expires_in;
    let issued = domain::oauth::issue_token(&txn, &app, Some(&user), &scopes::parse(&auth.scopes), expires_in).await?;
    mfa::delete_token(&txn, mfa_token.id).await?;
    domain::oauth::claim_app(&txn, app.id, &user.id).await?;
    txn.commit().await.map_err(AppError::from)?;
    Ok(token_json(&issued, Some(&user)))
}

// ---------------------------------------------------------------------------------------------
// grant_type=authorization_code

/// The `authorization_code` grant: the app's code, once, before it expires, with the PKCE
/// verifier when the form was given a challenge. Any failure: 400 "Invalid credentials".
pub(super) async fn authorization_code_grant(
    state: &AppState,
    parts: &Parts,
    params: &Map<String, Value>,
) -> Result<Value, RestError> {
    let app = fetch_app(state, parts, params).await?.ok_or_else(invalid_credentials)?;
    let code = text(params, "code").ok_or_else(invalid_credentials)?;
    let found =
        domain::oauth::authorization_by_code(&state.db.read, &app, &code).await?.ok_or_else(invalid_credentials)?;
    let txn = state.db.begin().await.map_err(AppError::from)?;
    // Used up first, atomically: a second redemption (or a concurrent one) finds it used.
    let auth = domain::oauth::use_authorization(&txn, &app, found.id).await?.ok_or_else(invalid_credentials)?;
    // A code waiting for its MFA step is not redeemable.
    let pending = entity::mfa_token::Entity::find()
        .filter(entity::mfa_token::Column::AuthorizationId.eq(auth.id))
        .one(&txn)
        .await
        .map_err(AppError::from)?;
    let verifier = text(params, "code_verifier");
    let redirect_ok = match (text(params, "redirect_uri"), &auth.redirect_uri) {
        (Some(given), Some(issued)) => given == *issued,
        _ => true,
    };
    let pkce_ok = domain::oauth::pkce_matches(
        auth.code_challenge.as_deref(),
        auth.code_challenge_method.as_deref(),
        verifier.as_deref(),
    );
    let account = user::Entity::find_by_id(auth.user_id.as_str()).one(&txn).await.map_err(AppError::from)?;
    let account = account.filter(|u| account_status_error(u, state).is_none());
    let (Some(account), None, true, true) = (account, pending, redirect_ok, pkce_ok) else {
        // The code stays used: a wrong verifier burns it (RFC 7636 §4.6, RFC 6749 §4.1.2).
        txn.commit().await.map_err(AppError::from)?;
        return Err(invalid_credentials());
    };
    let expires_in = state.settings().oauth2.token_expires_in;
    let issued =
        domain::oauth::issue_token(&txn, &app, Some(&account), &scopes::parse(&auth.scopes), expires_in).await?;
    domain::oauth::claim_app(&txn, app.id, &account.id).await?;
    txn.commit().await.map_err(AppError::from)?;
    Ok(token_json(&issued, Some(&account)))
}
