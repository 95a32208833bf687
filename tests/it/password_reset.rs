//! The password-reset pages (`GET /api/v1/pleroma/password_reset/:token`, `POST
//! /api/v1/pleroma/password_reset`) and the reset-mail request `POST /auth/password`.
use chrono::{Duration, Utc};
use entity::password_reset_token;
use pleroma_gateway::auth::token_digest::digest;
use reqwest::{header, Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;

use crate::{
    common::{both_prefixes, sign_in, token_count, Reply, TestApp, PASSWORD},
    credentials::{outbox, reload},
};

/// The reset form's path (the one the page posts to).
const FORM: &str = "/api/v1/pleroma/password_reset";

/// Ask the admin API for a reset token for `nickname`.
async fn reset_token(app: &TestApp, admin_token: &str, nickname: &str) -> String {
    let reply = app.get(&format!("/api/v1/pleroma/admin/users/{nickname}/password_reset"), Some(admin_token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["token"].as_str().unwrap().to_string()
}

/// Submit the reset form as a browser does (form-encoded `data[...]` fields).
async fn submit(app: &TestApp, path: &str, token: &str, password: &str, confirmation: &str) -> Reply {
    let reply = app
        .client
        .post(format!("{}{path}", app.base))
        .form(&[("data[token]", token), ("data[password]", password), ("data[password_confirmation]", confirmation)])
        .send()
        .await
        .unwrap();
    Reply::from(reply).await
}

/// Submit the reset form at `FORM` with the same new password typed twice.
async fn reset_to(app: &TestApp, token: &str, password: &str) -> Reply {
    submit(app, FORM, token, password, password).await
}

/// Move a reset token's creation `hours` into the past.
async fn age_token(app: &TestApp, token: &str, hours: i64) {
    let row = password_reset_token::Entity::find_by_id(digest(token)).one(&app.state.db.read).await.unwrap().unwrap();
    let mut old = row.into_active_model();
    old.inserted_at = Set(Utc::now() - Duration::hours(hours));
    old.update(&app.state.db.write).await.unwrap();
}

/// Force a password reset for `nickname` through the admin API.
async fn force_reset(app: &TestApp, admin_token: &str, nickname: &str) -> Reply {
    app.patch("/api/v1/pleroma/admin/users/force_password_reset", admin_token, json!({"nicknames": [nickname]})).await
}

fn assert_html(reply: &Reply, contains: &str) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(reply.text.starts_with("<!DOCTYPE html>"), "{}", reply.text);
    assert!(reply.text.contains(contains), "{contains:?} not in {}", reply.text);
}

const SUCCESS: &str = "<h2>Password changed!</h2>";
const FAILED: &str = "<h2>Password reset failed</h2>";
const INVALID: &str = "<h2>Invalid Token</h2>";

#[tokio::test]
async fn full_round_trip_on_both_prefixes() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    for (i, prefix) in ["/api/v1/pleroma", "/api/pleroma"].into_iter().enumerate() {
        let (page, form) = (format!("{prefix}/password_reset/"), format!("{prefix}/password_reset"));
        let nickname = format!("carol{i}");
        let carol = app.admin(&nickname).await;
        let carol_token = app.token(&carol, "read write admin").await;
        let token = reset_token(&app, &admin_token, &nickname).await;

        // The page shows a form for this user carrying the token.
        let reply = app.get(&format!("{page}{token}"), None).await;
        assert_html(&reply, &format!("<h2>Password Reset for {nickname}</h2>"));
        assert!(reply.text.contains("<form action=\"/api/v1/pleroma/password_reset\" method=\"post\">"));
        assert!(reply.text.contains(&format!("name=\"data[token]\" type=\"hidden\" value=\"{token}\"")));
        assert!(
            reply.text.contains("name=\"data[password]\"")
                && reply.text.contains("name=\"data[password_confirmation]\"")
        );

        let new_password = format!("new-password-{i}");
        let reply = submit(&app, &form, &token, &new_password, &new_password).await;
        assert_html(&reply, SUCCESS);
        assert!(reply.text.contains("<a href=\"http://localhost:4000\">Homepage</a>"));

        // Old tokens are dead; the new password signs in, the old one does not.
        assert_eq!(token_count(&app, &carol).await, 0);
        let reply = app.get("/api/v1/pleroma/admin/users", Some(&carol_token)).await;
        assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));
        let reply = sign_in(&app, &nickname, &new_password).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let reply = sign_in(&app, &nickname, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let row = reload(&app, &nickname).await;
        assert!(row.password_hash.as_deref().unwrap().starts_with("$argon2id$"));

        // The token is spent: the page says so and a second submission fails.
        let stored =
            password_reset_token::Entity::find_by_id(digest(&token)).one(&app.state.db.read).await.unwrap().unwrap();
        assert!(stored.used);
        assert_html(&app.get(&format!("{page}{token}"), None).await, INVALID);
        assert_html(&submit(&app, &form, &token, "third-password", "third-password").await, FAILED);
        let reply = sign_in(&app, &nickname, &new_password).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn expired_and_unknown_tokens() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let bob = app.admin("bob").await;
    let token = reset_token(&app, &admin_token, "bob").await;
    age_token(&app, &token, 25).await;

    for path in both_prefixes(&format!("/api/v1/pleroma/password_reset/{token}")) {
        assert_html(&app.get(&path, None).await, INVALID);
    }
    assert_html(&reset_to(&app, &token, "new-password").await, FAILED);
    assert_eq!(reload(&app, "bob").await.password_hash, bob.password_hash);
    let reply = sign_in(&app, "bob", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);

    // Just inside the 24 hours it still works.
    let token = reset_token(&app, &admin_token, "bob").await;
    age_token(&app, &token, 23).await;
    assert_html(&app.get(&format!("/api/pleroma/password_reset/{token}"), None).await, "Password Reset for bob");

    for path in both_prefixes("/api/v1/pleroma/password_reset/no-such-token") {
        assert_html(&app.get(&path, None).await, INVALID);
    }
    assert_html(&submit(&app, "/api/pleroma/password_reset", "no-such-token", "x", "x").await, FAILED);
}

#[tokio::test]
async fn bad_passwords_keep_the_token_usable() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let bob = app.admin("bob").await;
    let token = reset_token(&app, &admin_token, "bob").await;
    assert_html(&submit(&app, FORM, &token, "one-password", "another").await, FAILED);
    assert_html(&reset_to(&app, &token, "").await, FAILED);
    assert_eq!(reload(&app, "bob").await.password_hash, bob.password_hash);

    // JSON bodies work too, nested under `data` or flat.
    let reply = app
        .request(
            Method::POST,
            FORM,
            None,
            Some(json!({"data": {"token": token, "password": "json-password", "password_confirmation": "json-password"}})),
        )
        .await;
    assert_html(&reply, SUCCESS);
    assert_eq!(sign_in(&app, "bob", "json-password").await.status, StatusCode::OK);
    let token = reset_token(&app, &admin_token, "bob").await;
    let reply = app
        .request(
            Method::POST,
            "/api/pleroma/password_reset",
            None,
            Some(json!({"token": token, "password": "flat-password", "password_confirmation": "flat-password"})),
        )
        .await;
    assert_html(&reply, SUCCESS);
    assert_eq!(sign_in(&app, "bob", "flat-password").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_reset_clears_a_forced_reset() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    app.admin("bob").await;
    let reply = force_reset(&app, &admin_token, "bob").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(sign_in(&app, "bob", PASSWORD).await.status, StatusCode::FORBIDDEN);

    let token = reset_token(&app, &admin_token, "bob").await;
    assert_html(&reset_to(&app, &token, "fresh-password").await, SUCCESS);
    assert!(!reload(&app, "bob").await.password_reset_pending);
    assert_eq!(sign_in(&app, "bob", "fresh-password").await.status, StatusCode::OK);
}

#[tokio::test]
async fn reset_mail_request() {
    let app = TestApp::with_settings(|s| s.instance.name = "Gateway Test".into()).await;
    app.admin("bob").await;
    app.user_with("sleepy", |u| u.is_active = Set(false)).await;
    app.user_with("nomail", |u| u.email = Set(None)).await;
    app.remote_user("remote", "remote.example").await;

    let post = |params: Vec<(&'static str, String)>| {
        let request = app.client.post(format!("{}/auth/password", app.base)).form(&params);
        async move { Reply::from(request.send().await.unwrap()).await }
    };
    for params in [
        vec![("email", "bob@example.org".to_string())],
        vec![("nickname", "bob".to_string())],
        vec![("nickname", "nobody".to_string())],
        vec![("email", "nobody@example.org".to_string())],
        vec![("nickname", "sleepy".to_string())],
        vec![("nickname", "nomail".to_string())],
        vec![("nickname", "remote@remote.example".to_string())],
        vec![],
    ] {
        let reply = post(params.clone()).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{params:?}: {}", reply.text);
        assert_eq!(reply.text, "");
    }
    // JSON works too.
    let reply = app.request(Method::POST, "/auth/password", None, Some(json!({"email": "bob@example.org"}))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    let mails = outbox(&app);
    assert_eq!(mails.len(), 3, "{mails:?}");
    assert!(mails.iter().all(|m| m.to == "bob@example.org" && m.subject == "Password reset"));
    let body = &mails[0].body;
    assert!(body.starts_with("Reset your password at Gateway Test"), "{body}");
    let link = body.split_whitespace().find(|w| w.starts_with("http://")).unwrap();
    let token = link.strip_prefix("http://localhost:4000/api/v1/pleroma/password_reset/").unwrap();

    assert_html(&app.get(&format!("/api/v1/pleroma/password_reset/{token}"), None).await, "Password Reset for bob");
    assert_html(&reset_to(&app, token, "mailed-password").await, SUCCESS);
    assert_eq!(sign_in(&app, "bob", "mailed-password").await.status, StatusCode::OK);
}

#[tokio::test]
async fn password_grant_after_a_reset() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    app.admin("bob").await;
    let reply = app
        .request(
            Method::POST,
            "/api/v1/apps",
            None,
            Some(json!({"client_name": "AdminFE_test", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write follow push admin"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let (client_id, client_secret) = (reply.body["client_id"].clone(), reply.body["client_secret"].clone());
    let grant = |password: &str| {
        let body = json!({
            "grant_type": "password", "client_id": client_id, "client_secret": client_secret,
            "username": "bob", "password": password,
        });
        let app = &app;
        async move { app.request(Method::POST, "/oauth/token", None, Some(body)).await }
    };

    let reply = force_reset(&app, &admin_token, "bob").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = grant(PASSWORD).await;
    assert_eq!(
        (reply.status, reply.body),
        (
            StatusCode::FORBIDDEN,
            json!({"error": "Password reset is required", "identifier": "password_reset_required"})
        )
    );

    let token = reset_token(&app, &admin_token, "bob").await;
    assert_html(&reset_to(&app, &token, "granted-password").await, SUCCESS);
    let reply = grant("granted-password").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let access = reply.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/pleroma/admin/users", Some(&access)).await.status, StatusCode::OK);
    assert_eq!(grant(PASSWORD).await.status, StatusCode::BAD_REQUEST);
}

/// Issue 13: `POST /auth/password` is throttled per client address as Pleroma's
/// `:password_reset` limiter does (5 per 30 minutes); throttled requests write no mail.
#[tokio::test]
async fn reset_requests_are_throttled_per_address() {
    let app = TestApp::new().await;
    app.user("bob").await;
    let ask = |address: &'static str| {
        let request = app.client.post(format!("{}/auth/password", app.base)).header("x-forwarded-for", address);
        async move { Reply::from(request.form(&[("nickname", "bob")]).send().await.unwrap()).await }
    };
    for _ in 0..5 {
        assert_eq!(ask("203.0.113.1").await.status, StatusCode::NO_CONTENT);
    }
    for _ in 0..25 {
        let reply = ask("203.0.113.1").await;
        assert_eq!((reply.status, reply.body), (StatusCode::TOO_MANY_REQUESTS, json!({"error": "Throttled"})));
    }
    assert_eq!(outbox(&app).len(), 5);
    assert_eq!(ask("203.0.113.2").await.status, StatusCode::NO_CONTENT);
    assert_eq!(outbox(&app).len(), 6);
}
