//! Registration: `POST /api/v1/accounts` in each of the instance's modes, the password grant's
//! 403 bodies for accounts still waiting, and `user new --unconfirmed / --unapproved`.
use std::process::Command;

use entity::user;
use pleroma_gateway::domain;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    common::{keys, TestApp},
    credentials::outbox,
};

/// An app and an app-only token (what the client credentials grant gives).
pub async fn app_token(app: &TestApp) -> (entity::oauth_app::Model, String, String) {
    let (client, secret) = domain::oauth::create_app(
        &app.state.db.write,
        domain::oauth::NewApp {
            client_name: "client".into(),
            redirect_uris: "urn:ietf:wg:oauth:2.0:oob".into(),
            scopes: pleroma_gateway::auth::scopes::parse("read write follow"),
            website: None,
            user_id: None,
        },
    )
    .await
    .unwrap();
    let scopes = pleroma_gateway::auth::scopes::parse("read write follow");
    let token = domain::oauth::issue_token(&app.state.db.write, &client, None, &scopes, 600).await.unwrap().token;
    (client, secret, token)
}

pub fn body(nickname: &str) -> Value {
    json!({
        "username": nickname,
        "email": format!("{nickname}@example.org"),
        "password": "secret-pw",
        "agreement": true,
        "locale": "en",
    })
}

async fn register(app: &TestApp, token: Option<&str>, body: Value) -> crate::common::Reply {
    app.request(Method::POST, "/api/v1/accounts", token, Some(body)).await
}

async fn row(app: &TestApp, nickname: &str) -> user::Model {
    domain::users::find_by_nickname(&app.state.db.read, nickname).await.unwrap().unwrap()
}

async fn password_grant(
    app: &TestApp,
    client: &entity::oauth_app::Model,
    secret: &str,
    nickname: &str,
) -> crate::common::Reply {
    let body = json!({
        "grant_type": "password",
        "username": nickname,
        "password": "secret-pw",
        "client_id": client.client_id,
        "client_secret": secret,
    });
    app.request(Method::POST, "/oauth/token", None, Some(body)).await
}

#[tokio::test]
async fn open_registration_answers_a_token() {
    let app = TestApp::new().await;
    let (_, _, token) = app_token(&app).await;
    let reply = register(&app, Some(&token), body("alice")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        keys(&reply.body),
        ["access_token", "created_at", "expires_in", "id", "me", "refresh_token", "scope", "token_type"]
    );
    assert_eq!(reply.body["scope"], "read write follow");
    let user_token = reply.body["access_token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/accounts/verify_credentials", Some(&user_token)).await;
    assert_eq!((me.status, me.body["username"].clone()), (StatusCode::OK, json!("alice")));
    let alice = row(&app, "alice").await;
    assert!(alice.is_confirmed && alice.is_approved && alice.local);

    // Pleroma's errors: no app token, a user's token, missing fields, taken names.
    let reply = register(&app, None, body("bob")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials"})));
    let reply = register(&app, Some(&user_token), body("bob")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    for field in ["username", "password", "agreement"] {
        let mut partial = body("bob");
        partial.as_object_mut().unwrap().remove(field);
        let reply = register(&app, Some(&token), partial).await;
        let expected = json!({"error": format!("Missing field: {field}.")});
        assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, expected));
    }
    let reply = register(&app, Some(&token), body("alice")).await;
    assert_eq!(
        (reply.status, reply.body),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "{\"email\":[\"has already been taken\"],\"nickname\":[\"has already been taken\"]}"})
        )
    );
    let mut bad = body("bad nick");
    bad["email"] = json!("nope");
    let reply = register(&app, Some(&token), bad).await;
    assert_eq!(
        reply.body,
        json!({"error": "{\"email\":[\"has invalid format\"],\"nickname\":[\"has invalid format\"]}"})
    );
    // Without activation the email may be left out.
    let mut no_email = body("carol");
    no_email.as_object_mut().unwrap().remove("email");
    let reply = register(&app, Some(&token), no_email).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(row(&app, "carol").await.email, None);
}

#[tokio::test]
async fn closed_registrations_refuse() {
    let app = TestApp::with_settings(|s| s.instance.registrations_open = false).await;
    let (_, _, token) = app_token(&app).await;
    let reply = register(&app, Some(&token), body("alice")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Invalid token"})));
    assert!(domain::users::find_by_nickname(&app.state.db.read, "alice").await.unwrap().is_none());
}

#[tokio::test]
async fn activation_required_mails_a_link_and_the_password_grant_waits() {
    let app = TestApp::with_settings(|s| s.instance.account_activation_required = true).await;
    let (client, secret, token) = app_token(&app).await;
    let mut no_email = body("alice");
    no_email.as_object_mut().unwrap().remove("email");
    let reply = register(&app, Some(&token), no_email).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Missing parameter: email"})));

    let reply = register(&app, Some(&token), body("alice")).await;
    assert_eq!(
        (reply.status, reply.body),
        (
            StatusCode::OK,
            json!({
                "message": "You have been registered. Please check your email for further instructions.",
                "identifier": "missing_confirmed_email",
            })
        )
    );
    let alice = row(&app, "alice").await;
    assert!(!alice.is_confirmed && alice.is_approved);
    let mails = outbox(&app);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "alice@example.org");
    assert!(mails[0].body.contains(&format!("/api/account/confirm_email/{}/", alice.id)), "{}", mails[0].body);

    let reply = password_grant(&app, &client, &secret, "alice").await;
    assert_eq!(
        (reply.status, reply.body),
        (
            StatusCode::FORBIDDEN,
            json!({"error": "Your login is missing a confirmed e-mail address", "identifier": "missing_confirmed_email"})
        )
    );
}

#[tokio::test]
async fn approval_required_keeps_the_reason_and_the_password_grant_waits() {
    let app = TestApp::with_settings(|s| {
        s.instance.account_approval_required = true;
        s.instance.account_activation_required = true;
    })
    .await;
    let (client, secret, token) = app_token(&app).await;
    let mut with_reason = body("alice");
    with_reason["reason"] = json!("I like the rules");
    let reply = register(&app, Some(&token), with_reason).await;
    assert_eq!(
        (reply.status, reply.body),
        (
            StatusCode::OK,
            json!({
                "message": "You have been registered. You'll be able to log in once your account is approved.",
                "identifier": "awaiting_approval",
            })
        )
    );
    let alice = row(&app, "alice").await;
    assert!(!alice.is_approved && !alice.is_confirmed);
    assert_eq!(alice.registration_reason.as_deref(), Some("I like the rules"));
    let reply = password_grant(&app, &client, &secret, "alice").await;
    assert_eq!(
        (reply.status, reply.body),
        (
            StatusCode::FORBIDDEN,
            json!({"error": "Your account is awaiting approval.", "identifier": "awaiting_approval"})
        )
    );
    // The admin list shows the reason.
    let admin_token = app.admin_token().await;
    let shown = app.get("/api/v1/pleroma/admin/users/alice", Some(&admin_token)).await;
    assert_eq!(shown.body["registration_reason"], "I like the rules");
    assert_eq!(shown.body["is_approved"], false);
}

#[tokio::test]
async fn user_new_unconfirmed_and_unapproved() {
    let app = TestApp::new().await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
            .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
            .arg(&app.data_dir)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&["user", "new", "dana", "dana@example.org", "--password", "secret-pw", "--unconfirmed"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dana = row(&app, "dana").await;
    assert!(!dana.is_confirmed && dana.is_approved);
    let out = run(&[
        "user",
        "new",
        "erin",
        "erin@example.org",
        "--password",
        "secret-pw",
        "--unapproved",
        "--reason",
        "a friend",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let erin = row(&app, "erin").await;
    assert!(erin.is_confirmed && !erin.is_approved);
    assert_eq!(erin.registration_reason.as_deref(), Some("a friend"));
    // --reason goes with --unapproved.
    let out = run(&["user", "new", "finn", "finn@example.org", "--password", "x", "--reason", "why"]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn registration_is_throttled_per_address() {
    let app = TestApp::with_settings(|s| {
        s.rate_limit.app_account_creation = pleroma_gateway::config::Limit::Both([60_000, 2]);
    })
    .await;
    let (_, _, token) = app_token(&app).await;
    let send = |nickname: &'static str, address: &'static str| {
        let request = app
            .client
            .post(format!("{}/api/v1/accounts", app.base))
            .bearer_auth(&token)
            .header("x-forwarded-for", address)
            .json(&body(nickname));
        async move { crate::common::Reply::from(request.send().await.unwrap()).await }
    };
    assert_eq!(send("a1", "203.0.113.1").await.status, StatusCode::OK);
    assert_eq!(send("a2", "203.0.113.1").await.status, StatusCode::OK);
    let reply = send("a3", "203.0.113.1").await;
    assert_eq!((reply.status, reply.body), (StatusCode::TOO_MANY_REQUESTS, json!({"error": "Throttled"})));
    assert_eq!(send("a4", "203.0.113.2").await.status, StatusCode::OK);
}
