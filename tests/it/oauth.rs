//! OAuth: app registration, the token grants and their errors, revocation, and the caller's own
//! account (`GET /api/v1/accounts/verify_credentials`) reached with Bearer and Basic credentials.
use base64::Engine;
use entity::{follow, oauth_app, user};
use pleroma_gateway::config::Limit;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{json, Value};

use crate::common::{keys, Reply, TestApp, PASSWORD};

const ADMIN_FE_SCOPES: &str = "read write follow push admin";
/// The caller's own account.
const VERIFY_CREDENTIALS: &str = "/api/v1/accounts/verify_credentials";

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Reply {
    let response = app.client.post(format!("{}{}", app.base, path)).form(fields).send().await.unwrap();
    Reply::from(response).await
}

/// `post_form` as a client at `address` behind the (loopback) proxy the tests run through.
async fn post_form_from(app: &TestApp, address: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let request = app.client.post(format!("{}{}", app.base, path)).header("x-forwarded-for", address);
    Reply::from(request.form(fields).send().await.unwrap()).await
}

/// The password grant for `username` from `address`.
async fn password_grant_from(
    app: &TestApp,
    address: &str,
    client: &(String, String),
    username: &str,
    password: &str,
) -> Reply {
    let fields = [
        ("grant_type", "password"),
        ("client_id", client.0.as_str()),
        ("client_secret", client.1.as_str()),
        ("username", username),
        ("password", password),
    ];
    post_form_from(app, address, "/oauth/token", &fields).await
}

/// A GET with an `Authorization` header from `address`.
async fn get_from(app: &TestApp, address: &str, path: &str, authorization: &str) -> Reply {
    let request = app.client.get(format!("{}{}", app.base, path)).header("x-forwarded-for", address);
    Reply::from(request.header("Authorization", authorization).send().await.unwrap()).await
}

/// Register an app the way admin-fe does; returns `(client_id, client_secret)`.
async fn register(app: &TestApp, scopes: &str) -> (String, String) {
    let reply = post_form(
        app,
        "/api/v1/apps",
        &[("client_name", "AdminFE_test"), ("redirect_uris", "http://localhost/oauth-callback"), ("scopes", scopes)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    (reply.body["client_id"].as_str().unwrap().into(), reply.body["client_secret"].as_str().unwrap().into())
}

/// `POST /oauth/token` with `grant_type` and the client credentials in the body, plus `extra` fields.
async fn token_request(app: &TestApp, grant_type: &str, client: &(String, String), extra: &[(&str, &str)]) -> Reply {
    let mut fields =
        vec![("grant_type", grant_type), ("client_id", client.0.as_str()), ("client_secret", client.1.as_str())];
    fields.extend_from_slice(extra);
    post_form(app, "/oauth/token", &fields).await
}

/// The password grant with client credentials in the body, plus `extra` fields.
async fn password_grant(
    app: &TestApp,
    client: &(String, String),
    username: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut fields = vec![("username", username), ("password", password)];
    fields.extend_from_slice(extra);
    token_request(app, "password", client, &fields).await
}

/// The refresh-token grant with client credentials in the body.
async fn refresh_grant(app: &TestApp, client: &(String, String), refresh_token: &str) -> Reply {
    token_request(app, "refresh_token", client, &[("refresh_token", refresh_token)]).await
}

/// `POST /oauth/revoke` with client credentials in the body.
async fn revoke(app: &TestApp, client: &(String, String), token: &str) -> Reply {
    post_form(
        app,
        "/oauth/revoke",
        &[("client_id", client.0.as_str()), ("client_secret", client.1.as_str()), ("token", token)],
    )
    .await
}

/// The access token of a token reply.
fn access_token(reply: &Reply) -> String {
    reply.body["access_token"].as_str().unwrap().to_string()
}

/// An access token for `nickname` through the password grant of a fresh admin-fe app.
async fn login(app: &TestApp, nickname: &str, scope: Option<&str>) -> String {
    let client = register(app, ADMIN_FE_SCOPES).await;
    let extra: Vec<(&str, &str)> = scope.map(|s| vec![("scope", s)]).unwrap_or_default();
    let reply = password_grant(app, &client, nickname, PASSWORD, &extra).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    access_token(&reply)
}

fn basic(user: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}")))
}

/// The password grant for bob, with client credentials sent as `authorization`.
async fn password_grant_with_header(app: &TestApp, authorization: &str) -> Reply {
    let response = app
        .client
        .post(format!("{}/oauth/token", app.base))
        .header("Authorization", authorization)
        .form(&[("grant_type", "password"), ("username", "bob"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    Reply::from(response).await
}

async fn get_with_header(app: &TestApp, path: &str, authorization: &str) -> Reply {
    let response =
        app.client.get(format!("{}{}", app.base, path)).header("Authorization", authorization).send().await.unwrap();
    Reply::from(response).await
}

fn sorted(list: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}

fn assert_token_body(body: &Value, with_me: bool) {
    let mut expected = vec!["access_token", "created_at", "expires_in", "id", "refresh_token", "scope", "token_type"];
    if with_me {
        expected.push("me");
    }
    assert_eq!(keys(body), sorted(&expected), "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["id"].is_i64());
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 32));
    assert!(body["refresh_token"].as_str().is_some_and(|t| t.len() >= 32));
    assert!(body["expires_in"].is_i64());
    assert!(body["scope"].is_string());
    let created = body["created_at"].as_i64().unwrap();
    assert!((chrono::Utc::now().timestamp() - created).abs() < 60, "{created}");
}

// ---------------------------------------------------------------------------------------------
// POST /api/v1/apps

#[tokio::test]
async fn app_registration_with_form_json_and_multipart() {
    let app = TestApp::new().await;
    let expected = sorted(&["client_id", "client_secret", "id", "name", "redirect_uri", "website"]);

    let form = post_form(
        &app,
        "/api/v1/apps",
        &[("client_name", "AdminFE_x"), ("redirect_uris", "http://localhost/cb"), ("scopes", ADMIN_FE_SCOPES)],
    )
    .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert_eq!(keys(&form.body), expected);
    assert!(form.body["id"].is_string());
    assert_eq!(form.body["name"], "AdminFE_x");
    assert_eq!(form.body["redirect_uri"], "http://localhost/cb");
    assert_eq!(form.body["website"], Value::Null);
    assert!(form.body["client_id"].is_string() && form.body["client_secret"].is_string());
    let id: i64 = form.body["id"].as_str().unwrap().parse().unwrap();
    let row = oauth_app::Entity::find_by_id(id).one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.scopes, ADMIN_FE_SCOPES);
    assert_eq!(row.user_id, None);

    // JSON, default scopes, a website, and a list of redirect URIs.
    let json_reply = app
        .request(
            Method::POST,
            "/api/v1/apps",
            None,
            Some(json!({"client_name": "Soapbox", "redirect_uris": ["urn:ietf:wg:oauth:2.0:oob", "https://a.example/cb"], "website": "https://soapbox.pub"})),
        )
        .await;
    assert_eq!(json_reply.status, StatusCode::OK, "{}", json_reply.text);
    assert_eq!(json_reply.body["website"], "https://soapbox.pub");
    assert_eq!(json_reply.body["redirect_uri"], "urn:ietf:wg:oauth:2.0:oob\nhttps://a.example/cb");
    let id: i64 = json_reply.body["id"].as_str().unwrap().parse().unwrap();
    let row = oauth_app::Entity::find_by_id(id).one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.scopes, "read");

    let multipart = reqwest::multipart::Form::new()
        .text("client_name", "Multi")
        .text("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")
        .text("scopes", "read write");
    let response = app.client.post(format!("{}/api/v1/apps", app.base)).multipart(multipart).send().await.unwrap();
    let reply = Reply::from(response).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["name"], "Multi");
}

#[tokio::test]
async fn app_registered_with_a_user_token_is_owned_by_the_user() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let token = app.token(&bob, "read").await;
    let reply = app
        .request(
            Method::POST,
            "/api/v1/apps",
            Some(&token),
            Some(json!({"client_name": "Mine", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let id: i64 = reply.body["id"].as_str().unwrap().parse().unwrap();
    let row = oauth_app::Entity::find_by_id(id).one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.user_id.as_deref(), Some(bob.id.as_str()));
}

#[tokio::test]
async fn app_registration_errors() {
    let app = TestApp::new().await;
    let reply = post_form(&app, "/api/v1/apps", &[("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({
            "error": "Missing field: client_name.",
            "errors": [{"title": "Invalid value", "source": {"pointer": "/client_name"}, "message": "Missing field: client_name"}],
        })
    );

    let reply = app.request(Method::POST, "/api/v1/apps", None, Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "Missing field: client_name. Missing field: redirect_uris.");
    assert_eq!(reply.body["errors"].as_array().unwrap().len(), 2);

    let reply =
        post_form(&app, "/api/v1/apps", &[("client_name", ""), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body, json!({"error": "can't be blank"}));
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/apps/verify_credentials

#[tokio::test]
async fn apps_verify_credentials_takes_any_token() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let client = register(&app, "read write").await;
    let app_token = token_request(&app, "client_credentials", &client, &[]).await;
    assert_eq!(app_token.status, StatusCode::OK, "{}", app_token.text);
    assert_token_body(&app_token.body, false);
    let app_token = access_token(&app_token);

    let reply = app.get("/api/v1/apps/verify_credentials", Some(&app_token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body, json!({"name": "AdminFE_test", "website": null}));

    let user_token = access_token(&password_grant(&app, &client, "bob", PASSWORD, &[]).await);
    let reply = app.get("/api/v1/apps/verify_credentials", Some(&user_token)).await;
    assert_eq!(reply.body, json!({"name": "AdminFE_test", "website": null}));

    let reply = app.get("/api/v1/apps/verify_credentials", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Invalid credentials."}));
    let reply = app.get("/api/v1/apps/verify_credentials", Some("no-such-token")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Invalid credentials."}));

    // An app-only token never satisfies a user route.
    let reply = app.get(VERIFY_CREDENTIALS, Some(&app_token)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Invalid credentials."}));
}

// ---------------------------------------------------------------------------------------------
// POST /oauth/token — password grant

#[tokio::test]
async fn admin_fe_login_flow() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let client = register(&app, ADMIN_FE_SCOPES).await;
    let reply = password_grant(&app, &client, "admin", PASSWORD, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_token_body(&reply.body, true);
    assert_eq!(reply.body["scope"], ADMIN_FE_SCOPES);
    assert_eq!(reply.body["me"], admin.ap_id.as_str());
    let expires_in = reply.body["expires_in"].as_i64().unwrap();
    let lifetime = app.state.settings().oauth2.token_expires_in;
    assert!(expires_in <= lifetime && expires_in > lifetime - 60, "{expires_in}");
    let token = reply.body["access_token"].as_str().unwrap();

    let me = app.get(VERIFY_CREDENTIALS, Some(token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["pleroma"]["is_admin"], true);
    assert_eq!(me.body["username"], "admin");
    assert_eq!(me.body["id"], admin.id.as_str());

    let users = app.get("/api/v1/pleroma/admin/users", Some(token)).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);

    // JSON bodies work too, and so do email logins and the `name` alias.
    let reply = app
        .request(
            Method::POST,
            "/oauth/token",
            None,
            Some(json!({"grant_type": "password", "client_id": client.0, "client_secret": client.1, "username": "admin@example.org", "password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = token_request(&app, "password", &client, &[("name", "admin"), ("password", PASSWORD)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn client_credentials_by_http_basic() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let client = register(&app, "read").await;
    let reply = password_grant_with_header(&app, &basic(&client.0, &client.1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["scope"], "read");

    let reply = password_grant_with_header(&app, &basic(&client.0, "wrong")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "Invalid credentials"}));
}

#[tokio::test]
async fn password_grant_credential_errors() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let client = register(&app, "read").await;
    let invalid = json!({"error": "Invalid credentials"});
    for (username, password) in [("bob", "wrong"), ("nobody", PASSWORD), ("bob", "")] {
        let reply = password_grant(&app, &client, username, password, &[]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{username}");
        assert_eq!(reply.body, invalid);
    }
    let reply = token_request(&app, "password", &client, &[("username", "bob")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, invalid);
    let wrong_client = (client.0.clone(), "wrong".to_string());
    let reply = password_grant(&app, &wrong_client, "bob", PASSWORD, &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, invalid);
    let reply =
        post_form(&app, "/oauth/token", &[("grant_type", "password"), ("username", "bob"), ("password", PASSWORD)])
            .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, invalid);
}

#[tokio::test]
async fn unknown_or_missing_grant_type() {
    let app = TestApp::new().await;
    let client = register(&app, "read").await;
    let bad = json!({"error": "Bad request"});
    for grant in [Some("implicit"), None] {
        let mut fields = vec![("client_id", client.0.as_str()), ("client_secret", client.1.as_str())];
        if let Some(grant) = grant {
            fields.push(("grant_type", grant));
        }
        let reply = post_form(&app, "/oauth/token", &fields).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.body, bad);
    }
    // refresh_token without the token is a bad request; authorization_code has no valid code.
    let reply = token_request(&app, "refresh_token", &client, &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, bad);
    let reply = token_request(&app, "authorization_code", &client, &[("code", "x")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "Invalid credentials"}));
}

#[tokio::test]
async fn account_states_refuse_the_password_grant() {
    let app = TestApp::with_settings(|s| s.instance.account_activation_required = true).await;
    app.user_with("gone", |u| u.is_active = Set(false)).await;
    app.user_with("unconfirmed", |u| u.is_confirmed = Set(false)).await;
    app.user_with("pending", |u| u.is_approved = Set(false)).await;
    app.user_with("reset", |u| u.password_reset_pending = Set(true)).await;
    let client = register(&app, "read").await;
    for (nickname, error, identifier) in [
        ("gone", "Your account is currently disabled", "account_is_disabled"),
        ("unconfirmed", "Your login is missing a confirmed e-mail address", "missing_confirmed_email"),
        ("pending", "Your account is awaiting approval.", "awaiting_approval"),
        ("reset", "Password reset is required", "password_reset_required"),
    ] {
        let reply = password_grant(&app, &client, nickname, PASSWORD, &[]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{nickname}");
        assert_eq!(reply.body, json!({"error": error, "identifier": identifier}), "{nickname}");
    }
}

#[tokio::test]
async fn unconfirmed_accounts_sign_in_when_confirmation_is_not_required() {
    let app = TestApp::new().await;
    app.user_with("unconfirmed", |u| u.is_confirmed = Set(false)).await;
    let client = register(&app, "read").await;
    let reply = password_grant(&app, &client, "unconfirmed", PASSWORD, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn mfa_users_get_a_challenge_and_basic_auth_is_refused() {
    let app = TestApp::new().await;
    app.user_with("carol", |u| u.mfa_enabled = Set(true)).await;
    let client = register(&app, "read").await;
    let reply = password_grant(&app, &client, "carol", PASSWORD, &[]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(keys(&reply.body), ["error", "mfa_token", "supported_challenge_types"]);
    assert_eq!(reply.body["error"], "mfa_required");
    assert!(reply.body["mfa_token"].as_str().is_some_and(|t| !t.is_empty()));
    // `MFA.supported_methods`: the confirmed methods only; carol has the flag but no TOTP set
    // up (the full life cycle is in `signin`).
    assert_eq!(reply.body["supported_challenge_types"], "");

    let reply = get_with_header(&app, VERIFY_CREDENTIALS, &basic("carol", PASSWORD)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Two-factor authentication enabled, you must use a access token."}));
}

#[tokio::test]
async fn requested_scopes_must_be_covered_by_the_app() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let client = register(&app, "read write").await;
    let reply = password_grant(&app, &client, "bob", PASSWORD, &[("scope", "read admin")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "Invalid credentials"}));
    let reply = password_grant(&app, &client, "bob", PASSWORD, &[("scope", "read:accounts write:statuses")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["scope"], "read:accounts write:statuses");
    let reply = password_grant(&app, &client, "bob", PASSWORD, &[("scopes", "read")]).await;
    assert_eq!(reply.body["scope"], "read");
    let reply = token_request(&app, "client_credentials", &client, &[("scope", "follow")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "Invalid credentials"}));
}

#[tokio::test]
async fn password_attempts_are_throttled() {
    // Without reserved ranges loopback is an ordinary client address, so the limiter applies.
    let app = TestApp::with_settings(|s| {
        s.rate_limit.authentication = Limit::Both([60_000, 3]);
        s.remote_ip.reserved = vec![];
    })
    .await;
    app.user("bob").await;
    let client = register(&app, "read").await;
    for _ in 0..3 {
        let reply = password_grant(&app, &client, "bob", "wrong", &[]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
    let reply = password_grant(&app, &client, "bob", PASSWORD, &[]).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.body, json!({"error": "Throttled"}));
}

/// Issue 13: only failures count, so scripts signing in many times a minute are never throttled.
#[tokio::test]
async fn successful_logins_are_not_throttled() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let client = register(&app, "read").await;
    for n in 0..50 {
        let reply = password_grant_from(&app, "203.0.113.1", &client, "bob", PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "login {n}: {}", reply.text);
    }
}

/// Issue 13: HTTP Basic spends nothing when the password is right (`curl -u` scripts).
#[tokio::test]
async fn basic_requests_are_not_throttled() {
    let app = TestApp::new().await;
    app.user("bob").await;
    for n in 0..100 {
        let reply = get_from(&app, "203.0.113.1", VERIFY_CREDENTIALS, &basic("bob", PASSWORD)).await;
        assert_eq!(reply.status, StatusCode::OK, "request {n}: {}", reply.text);
    }
}

/// Issue 13: failures are counted per client address (Pleroma's `:authentication` limiter,
/// 15 a minute): the failing address gets 429, another address still signs in.
#[tokio::test]
async fn failures_throttle_only_the_failing_address() {
    let app = TestApp::new().await;
    app.admin("admin").await;
    let client = register(&app, "read").await;
    let attacker = "198.51.100.66";
    for n in 0..15 {
        let reply = password_grant_from(&app, attacker, &client, "admin", "guess").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "attempt {n}");
    }
    for reply in [
        password_grant_from(&app, attacker, &client, "admin", PASSWORD).await,
        get_from(&app, attacker, VERIFY_CREDENTIALS, &basic("admin", PASSWORD)).await,
    ] {
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(reply.body, json!({"error": "Throttled"}));
        assert!(reply.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    }
    // The account is not locked: its owner, elsewhere, signs in both ways.
    let reply = password_grant_from(&app, "203.0.113.5", &client, "admin", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = get_from(&app, "203.0.113.5", VERIFY_CREDENTIALS, &basic("admin", PASSWORD)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // Basic failures count too; local tooling (loopback, nothing forwarded) is never limited.
    for _ in 0..15 {
        get_from(&app, "203.0.113.6", VERIFY_CREDENTIALS, &basic("nobody", "x")).await;
    }
    let reply = password_grant_from(&app, "203.0.113.6", &client, "admin", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..20 {
        password_grant(&app, &client, "admin", "guess", &[]).await;
    }
    assert_eq!(password_grant(&app, &client, "admin", PASSWORD, &[]).await.status, StatusCode::OK);
}

/// Pleroma's `:oauth_app_creation` limiter: 5 apps per 15 minutes per address (or user).
#[tokio::test]
async fn app_registration_is_throttled_per_address() {
    let app = TestApp::new().await;
    let fields = [("client_name", "x"), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")];
    for _ in 0..5 {
        assert_eq!(post_form_from(&app, "203.0.113.1", "/api/v1/apps", &fields).await.status, StatusCode::OK);
    }
    let reply = post_form_from(&app, "203.0.113.1", "/api/v1/apps", &fields).await;
    assert_eq!((reply.status, reply.body), (StatusCode::TOO_MANY_REQUESTS, json!({"error": "Throttled"})));
    assert_eq!(post_form_from(&app, "203.0.113.2", "/api/v1/apps", &fields).await.status, StatusCode::OK);
    // A proxy that forwards no address: limiters are off (Pleroma's `remote_ip_found` rule).
    for _ in 0..10 {
        assert_eq!(post_form(&app, "/api/v1/apps", &fields).await.status, StatusCode::OK);
    }
}

/// Issue 13: an unknown nickname costs a (dummy) password verification too.
#[tokio::test]
async fn unknown_nicknames_take_as_long_as_wrong_passwords() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let client = register(&app, "read").await;
    let timings = |user: &'static str| {
        let (app, client) = (&app, &client);
        async move {
            let mut times = Vec::new();
            for _ in 0..5 {
                let started = std::time::Instant::now();
                let reply = password_grant(app, client, user, "wrong", &[]).await;
                times.push(started.elapsed());
                assert_eq!(reply.status, StatusCode::BAD_REQUEST);
            }
            times.sort();
            times[2]
        }
    };
    let known = timings("bob").await;
    let unknown = timings("nobody-here").await;
    assert!(unknown * 3 >= known, "unknown {unknown:?} vs known {known:?}");
}

// ---------------------------------------------------------------------------------------------
// POST /oauth/token — refresh_token grant; POST /oauth/revoke

#[tokio::test]
async fn refresh_issues_a_new_pair_and_drops_the_old() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let client = register(&app, "read write").await;
    let first = password_grant(&app, &client, "bob", PASSWORD, &[("scope", "read")]).await.body;
    let (access, refresh) = (first["access_token"].as_str().unwrap(), first["refresh_token"].as_str().unwrap());

    let reply = refresh_grant(&app, &client, refresh).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_token_body(&reply.body, true);
    assert_eq!(reply.body["me"], bob.ap_id.as_str());
    assert_eq!(reply.body["scope"], "read");
    assert_ne!(reply.body["access_token"], first["access_token"]);
    assert_ne!(reply.body["refresh_token"], first["refresh_token"]);

    let old = app.get(VERIFY_CREDENTIALS, Some(access)).await;
    assert_eq!(old.status, StatusCode::FORBIDDEN);
    let new = app.get(VERIFY_CREDENTIALS, reply.body["access_token"].as_str()).await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.text);

    // The old refresh token is spent; another app cannot use the new one.
    let again = refresh_grant(&app, &client, refresh).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body, json!({"error": "Invalid credentials"}));
    let other = register(&app, "read").await;
    let reply = refresh_grant(&app, &other, reply.body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn revoke_answers_empty_objects() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let client = register(&app, "read").await;
    let token = access_token(&password_grant(&app, &client, "bob", PASSWORD, &[]).await);

    // Another app's credentials cannot revoke it.
    let other = register(&app, "read").await;
    let reply = revoke(&app, &other, &token).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    assert_eq!(app.get(VERIFY_CREDENTIALS, Some(&token)).await.status, StatusCode::OK);

    let reply = revoke(&app, &client, &token).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    let after = app.get(VERIFY_CREDENTIALS, Some(&token)).await;
    assert_eq!(after.status, StatusCode::FORBIDDEN);
    assert_eq!(after.body, json!({"error": "Invalid credentials."}));

    // Unknown tokens: {} (RFC 7009). Without client credentials the token alone suffices.
    let reply = post_form(&app, "/oauth/revoke", &[("token", "unknown")]).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    let second = access_token(&password_grant(&app, &client, "bob", PASSWORD, &[]).await);
    let reply = app.request(Method::POST, "/oauth/revoke", None, Some(json!({"token": second}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    assert_eq!(app.get(VERIFY_CREDENTIALS, Some(&second)).await.status, StatusCode::FORBIDDEN);

    let reply = post_form(&app, "/oauth/revoke", &[("client_id", client.0.as_str())]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "Bad request"}));
}

/// Issue 13: concurrent redemptions of one refresh token yield exactly one new token (it
/// matters on PostgreSQL, where they really run in parallel).
#[tokio::test]
async fn a_refresh_token_is_redeemed_once_under_concurrency() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let client = register(&app, "read").await;
    let first = password_grant(&app, &client, "bob", PASSWORD, &[]).await.body;
    let refresh = first["refresh_token"].as_str().unwrap().to_string();
    let attempts = (0..16).map(|_| refresh_grant(&app, &client, &refresh));
    let replies = futures_util::future::join_all(attempts).await;
    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert_eq!(ok.len(), 1, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!((reply.status, &reply.body), (StatusCode::BAD_REQUEST, &json!({"error": "Invalid credentials"})));
    }
    assert_eq!(crate::common::token_count(&app, &bob).await, 1);
    assert_eq!(app.get(VERIFY_CREDENTIALS, ok[0].body["access_token"].as_str()).await.status, StatusCode::OK);
}

/// Issue 13: tokens and client secrets are stored as SHA-256 digests, shown only when issued.
#[tokio::test]
async fn secrets_are_stored_as_digests() {
    use pleroma_gateway::auth::token_digest::digest;
    let app = TestApp::new().await;
    app.user("bob").await;
    let client = register(&app, "read").await;
    let row = oauth_app::Entity::find().one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.client_secret, digest(&client.1));
    let reply = password_grant(&app, &client, "bob", PASSWORD, &[]).await;
    let token = entity::oauth_token::Entity::find().one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(token.token, digest(reply.body["access_token"].as_str().unwrap()));
    assert_eq!(token.refresh_token, digest(reply.body["refresh_token"].as_str().unwrap()));
    // The digest itself is no credential.
    assert_eq!(app.get(VERIFY_CREDENTIALS, Some(&token.token)).await.status, StatusCode::FORBIDDEN);
    let by_digest = (client.0.clone(), row.client_secret.clone());
    assert_eq!(password_grant(&app, &by_digest, "bob", PASSWORD, &[]).await.status, StatusCode::BAD_REQUEST);
}

/// Issue 13: the migration replaces plain secrets of existing rows by their digests, and the
/// secrets keep working.
#[tokio::test]
async fn existing_plain_secrets_are_migrated_to_digests() {
    use migration::MigratorTrait;
    use pleroma_gateway::{auth::token_digest::digest, db::Db};
    let dir = std::env::temp_dir().join(format!("gw-migrate-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, pg) = crate::common::fresh_database(&dir).await;
    let db = Db::connect(&url).await.unwrap();
    migration::Migrator::up(&db.write, Some(4)).await.unwrap();
    let now = chrono::Utc::now();
    let app_row = oauth_app::ActiveModel {
        client_name: Set("old".into()),
        redirect_uris: Set("urn:ietf:wg:oauth:2.0:oob".into()),
        scopes: Set("read".into()),
        website: Set(None),
        client_id: Set("old-client".into()),
        client_secret: Set("old-secret".into()),
        trusted: Set(false),
        user_id: Set(None),
        inserted_at: Set(now),
        ..Default::default()
    }
    .insert(&db.write)
    .await
    .unwrap();
    entity::oauth_token::ActiveModel {
        token: Set("old-access".into()),
        refresh_token: Set("old-refresh".into()),
        app_id: Set(app_row.id),
        user_id: Set(None),
        scopes: Set("read".into()),
        valid_until: Set(now + chrono::Duration::hours(1)),
        inserted_at: Set(now),
        ..Default::default()
    }
    .insert(&db.write)
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let app = oauth_app::Entity::find().one(&db.read).await.unwrap().unwrap();
    assert_eq!(app.client_secret, digest("old-secret"));
    let found = pleroma_gateway::domain::oauth::find_app(&db.read, "old-client", "old-secret").await.unwrap();
    assert_eq!(found.map(|a| a.id), Some(app.id));
    let (token, _) = pleroma_gateway::domain::oauth::find_token(&db.read, "old-access").await.unwrap().unwrap();
    assert_eq!(token.refresh_token, digest("old-refresh"));
    db.read.close_by_ref().await.ok();
    db.write.close_by_ref().await.ok();
    crate::common::drop_database(pg).await;
    std::fs::remove_dir_all(dir).ok();
}

/// Issue 13: an expired token is refused, and `clean_expired_tokens` deletes it.
#[tokio::test]
async fn expired_tokens_are_refused_and_cleaned_up() {
    let app = TestApp::with_settings(|s| s.oauth2.clean_expired_tokens = true).await;
    let bob = app.user("bob").await;
    let (client, _) = pleroma_gateway::domain::oauth::create_app(
        &app.state.db.write,
        pleroma_gateway::domain::oauth::NewApp {
            client_name: "t".into(),
            redirect_uris: "urn:ietf:wg:oauth:2.0:oob".into(),
            scopes: vec!["read".into()],
            website: None,
            user_id: None,
        },
    )
    .await
    .unwrap();
    let scopes = ["read".to_string()];
    let expired = pleroma_gateway::domain::oauth::issue_token(&app.state.db.write, &client, Some(&bob), &scopes, -1)
        .await
        .unwrap();
    let live = app.token(&bob, "read").await;
    assert_eq!(app.get(VERIFY_CREDENTIALS, Some(&expired.token)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(crate::common::token_count(&app, &bob).await, 2);
    app.state.housekeeping().await.unwrap();
    assert_eq!(crate::common::token_count(&app, &bob).await, 1);
    assert_eq!(app.get(VERIFY_CREDENTIALS, Some(&live)).await.status, StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// Tokens at work: deactivation, scope hierarchy, the enforce toggle

#[tokio::test]
async fn a_deactivated_users_token_stops_working_at_once() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let token = login(&app, "bob", Some("read")).await;
    assert_eq!(app.get(VERIFY_CREDENTIALS, Some(&token)).await.status, StatusCode::OK);
    let bob = user::Entity::find().one(&app.state.db.read).await.unwrap().unwrap();
    let mut row = bob.into_active_model();
    row.is_active = Set(false);
    row.update(&app.state.db.write).await.unwrap();
    let reply = app.get(VERIFY_CREDENTIALS, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Invalid credentials."}));
}

#[tokio::test]
async fn scope_hierarchy_on_admin_routes() {
    let app = TestApp::new().await;
    app.admin("admin").await;
    let admin_read = login(&app, "admin", Some("admin:read")).await;
    let reply = app.get("/api/v1/pleroma/admin/users", Some(&admin_read)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let read = login(&app, "admin", Some("read")).await;
    let reply = app.get("/api/v1/pleroma/admin/users", Some(&read)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: admin:read:accounts."}));
    // `read` covers `read:accounts`; `admin:read` does not.
    assert_eq!(app.get(VERIFY_CREDENTIALS, Some(&read)).await.status, StatusCode::OK);
    let reply = app.get(VERIFY_CREDENTIALS, Some(&admin_read)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: read:accounts."}));
}

#[tokio::test]
async fn enforce_oauth_admin_scope_usage_off_lets_admins_use_plain_scopes() {
    let app = TestApp::with_settings(|s| s.instance.enforce_oauth_admin_scope_usage = false).await;
    app.admin("admin").await;
    app.user("bob").await;
    let read = login(&app, "admin", Some("read")).await;
    let reply = app.get("/api/v1/pleroma/admin/users", Some(&read)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // The staff check still applies.
    let bob_read = login(&app, "bob", Some("read")).await;
    let reply = app.get("/api/v1/pleroma/admin/users", Some(&bob_read)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "User is not a staff member."}));
    // A token without any read scope is still refused.
    let write = login(&app, "admin", Some("write")).await;
    let reply = app.get("/api/v1/pleroma/admin/users", Some(&write)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: admin:read:accounts."}));
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/accounts/verify_credentials

const ACCOUNT_KEYS: &[&str] = &[
    "acct",
    "avatar",
    "avatar_static",
    "bot",
    "created_at",
    "display_name",
    "emojis",
    "fields",
    "follow_requests_count",
    "followers_count",
    "following_count",
    "fqn",
    "header",
    "header_static",
    "id",
    "last_status_at",
    "locked",
    "note",
    "pleroma",
    "source",
    "statuses_count",
    "url",
    "username",
];

const PLEROMA_KEYS: &[&str] = &[
    "accepts_chat_messages",
    "allow_following_move",
    "also_known_as",
    "ap_id",
    "avatar_description",
    "background_image",
    "birthday",
    "email",
    "favicon",
    "header_description",
    "hide_favorites",
    "hide_followers",
    "hide_followers_count",
    "hide_follows",
    "hide_follows_count",
    "is_admin",
    "is_confirmed",
    "is_moderator",
    "is_suggested",
    "notification_settings",
    "privileges",
    "relationship",
    "settings_store",
    "skip_thread_containment",
    "tags",
    "unread_conversation_count",
    "unread_notifications_count",
];

#[tokio::test]
async fn verify_credentials_shape() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    for (follower, following) in [(&bob, &admin), (&carol, &admin), (&admin, &bob)] {
        follow::ActiveModel {
            follower_id: Set(follower.id.clone()),
            following_id: Set(following.id.clone()),
            inserted_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&app.state.db.write)
        .await
        .unwrap();
    }
    let token = login(&app, "admin", None).await;
    let reply = app.get(VERIFY_CREDENTIALS, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let body = &reply.body;
    assert_eq!(keys(body), sorted(ACCOUNT_KEYS), "{body}");
    assert_eq!(keys(&body["pleroma"]), sorted(PLEROMA_KEYS));
    assert_eq!(keys(&body["source"]), ["fields", "note", "pleroma", "privacy", "sensitive"]);
    assert_eq!(
        keys(&body["source"]["pleroma"]),
        ["actor_type", "discoverable", "no_rich_text", "show_birthday", "show_role"]
    );
    assert_eq!(keys(&body["pleroma"]["notification_settings"]), ["block_from_strangers", "hide_notification_contents"]);

    assert_eq!(body["id"], admin.id.as_str());
    assert_eq!(body["username"], "admin");
    assert_eq!(body["acct"], "admin");
    assert_eq!(body["fqn"], "admin@localhost:4000");
    assert_eq!(body["display_name"], "admin");
    assert_eq!(body["url"], admin.ap_id.as_str());
    assert_eq!(body["avatar"], "http://localhost:4000/images/avi.png");
    assert_eq!(body["header"], "http://localhost:4000/images/banner.png");
    assert_eq!(body["followers_count"], 2);
    assert_eq!(body["following_count"], 1);
    assert_eq!(body["statuses_count"], 0);
    assert_eq!(body["follow_requests_count"], 0);
    assert_eq!(body["locked"], false);
    assert_eq!(body["bot"], false);
    assert_eq!(body["emojis"], json!([]));
    assert_eq!(body["fields"], json!([]));
    assert_eq!(body["last_status_at"], Value::Null);
    let created = body["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == 24, "{created}");
    assert_eq!(body["source"]["privacy"], "public");
    assert_eq!(body["source"]["sensitive"], false);
    assert_eq!(body["source"]["pleroma"]["actor_type"], "Person");

    let pleroma = &body["pleroma"];
    assert_eq!(pleroma["is_admin"], true);
    assert_eq!(pleroma["is_moderator"], false);
    assert_eq!(pleroma["email"], "admin@example.org");
    assert_eq!(pleroma["ap_id"], admin.ap_id.as_str());
    assert_eq!(pleroma["tags"], json!([]));
    assert_eq!(pleroma["relationship"], json!({}));
    assert_eq!(pleroma["settings_store"], json!({}));
    assert_eq!(pleroma["also_known_as"], json!([]));
    assert_eq!(pleroma["unread_notifications_count"], 0);
    let privileges: Vec<&str> = pleroma["privileges"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(privileges.len(), 14);
    assert!(privileges.contains(&"users_read") && privileges.contains(&"statistics_read"));

    // A moderator holds the moderator privileges; a plain user none.
    app.moderator("mod").await;
    let token = login(&app, "mod", None).await;
    let reply = app.get(VERIFY_CREDENTIALS, Some(&token)).await;
    assert_eq!(reply.body["pleroma"]["is_moderator"], true);
    assert_eq!(reply.body["pleroma"]["privileges"], json!(["messages_delete", "reports_manage_reports"]));
    let token = login(&app, "bob", None).await;
    let reply = app.get(VERIFY_CREDENTIALS, Some(&token)).await;
    assert_eq!(reply.body["pleroma"]["is_admin"], false);
    assert_eq!(reply.body["pleroma"]["privileges"], json!([]));
    assert_eq!(reply.body["following_count"], 1);
}

#[tokio::test]
async fn verify_credentials_with_bearer_and_basic() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let bearer = login(&app, "bob", Some("read:accounts")).await;
    let by_bearer = app.get(VERIFY_CREDENTIALS, Some(&bearer)).await;
    assert_eq!(by_bearer.status, StatusCode::OK, "{}", by_bearer.text);
    let by_basic = get_with_header(&app, VERIFY_CREDENTIALS, &basic("bob", PASSWORD)).await;
    assert_eq!(by_basic.status, StatusCode::OK, "{}", by_basic.text);
    assert_eq!(by_basic.body, by_bearer.body);
    // `Bearer:` and the access_token parameter work too.
    let reply = get_with_header(&app, VERIFY_CREDENTIALS, &format!("Bearer: {bearer}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    // Schemes are case-insensitive (issue 13).
    for authorization in
        [format!("bearer {bearer}"), format!("BEARER {bearer}"), basic("bob", PASSWORD).replacen("Basic", "basic", 1)]
    {
        let reply = get_with_header(&app, VERIFY_CREDENTIALS, &authorization).await;
        assert_eq!(reply.status, StatusCode::OK, "{authorization}: {}", reply.text);
    }
    let reply = app.get(&format!("{VERIFY_CREDENTIALS}?access_token={bearer}"), None).await;
    assert_eq!(reply.status, StatusCode::OK);

    let reply = get_with_header(&app, VERIFY_CREDENTIALS, &basic("bob", "wrong")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Invalid credentials."}));
    let reply = app.get(VERIFY_CREDENTIALS, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Invalid credentials."}));
    let write = login(&app, "bob", Some("write")).await;
    let reply = app.get(VERIFY_CREDENTIALS, Some(&write)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: read:accounts."}));
}

#[tokio::test]
async fn my_account_in_graphql() {
    let app = TestApp::new().await;
    app.admin("admin").await;
    let token = login(&app, "admin", None).await;
    let body = app
        .graphql(
            Some(&token),
            "{ myAccount { acct pleroma { isAdmin privileges email } source { privacy } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["myAccount"]["acct"], "admin");
    assert_eq!(body["data"]["myAccount"]["pleroma"]["isAdmin"], true);
    assert_eq!(body["data"]["myAccount"]["source"]["privacy"], "public");
    let body = app.graphql(None, "{ myAccount { acct } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("This field needs a user's access token"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

/// Issue 24: an empty request to `/oauth/token` or `/oauth/revoke` — no body, no content type,
/// an empty form, empty or `{}` JSON — is the client's fault: 400 with
/// Pleroma's `{"error": "Bad request"}`, never a 5xx.
#[tokio::test]
async fn empty_token_and_revoke_requests_are_bad_requests() {
    let app = TestApp::new().await;
    let bad = json!({"error": "Bad request"});
    for path in ["/oauth/token", "/oauth/revoke"] {
        let url = format!("{}{}", app.base, path);
        let empty_form = [("", ""); 0];
        let requests = [
            ("no body", app.client.post(&url)),
            ("empty form", app.client.post(&url).form(&empty_form)),
            ("empty json", app.client.post(&url).header("content-type", "application/json")),
            ("json {}", app.client.post(&url).json(&json!({}))),
            ("json []", app.client.post(&url).json(&json!([]))),
        ];
        for (what, request) in requests {
            let reply = Reply::from(request.send().await.unwrap()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} with {what}: {}", reply.text);
            assert_eq!(reply.body, bad, "{path} with {what}");
        }
        // A multipart body with no part at all is not well-formed multipart: 400 all the same.
        let request = app.client.post(&url).multipart(reqwest::multipart::Form::new());
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} with empty multipart: {}", reply.text);
    }
}

/// Issue 24: a non-staff user's token never carries an admin scope, whatever the app allows:
/// clamped at issue by the password grant and again by the refresh grant (a demoted admin's
/// refreshed token loses it); a request for admin scopes only is refused.
#[tokio::test]
async fn admin_scopes_are_clamped_to_the_users_role() {
    let app = TestApp::new().await;
    let client = register(&app, ADMIN_FE_SCOPES).await;
    app.user("bob").await;
    let admin = app.admin("root").await;

    let reply = password_grant(&app, &client, "bob", PASSWORD, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["scope"], "read write follow push");
    let reply = password_grant(&app, &client, "bob", PASSWORD, &[("scope", "read admin:read:accounts")]).await;
    assert_eq!(reply.body["scope"], "read");
    let reply = password_grant(&app, &client, "bob", PASSWORD, &[("scope", "admin")]).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Invalid credentials"})));
    let stored: Vec<String> = entity::oauth_token::Entity::find()
        .all(&app.state.db.write)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.scopes)
        .collect();
    assert!(stored.iter().all(|s| !s.contains("admin")), "{stored:?}");

    // An admin gets them; demoted, the refreshed token does not.
    let reply = password_grant(&app, &client, "root", PASSWORD, &[]).await;
    assert_eq!(reply.body["scope"], ADMIN_FE_SCOPES);
    let refresh = reply.body["refresh_token"].as_str().unwrap().to_string();
    let mut demoted = admin.into_active_model();
    demoted.is_admin = Set(false);
    demoted.update(&app.state.db.write).await.unwrap();
    let reply = refresh_grant(&app, &client, &refresh).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["scope"], "read write follow push");
}
