//! Issue 27's tail: a deactivated account is not found by its public reads (Pleroma's
//! `User.visible_for`), the media proxy whitelist, the federation queue's concurrency.
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn a_deactivated_account_is_not_found_except_by_admins() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let carol_token = app.token(&carol, "read").await;
    let admin = app.admin_token().await;
    let posted = app.token(&bob, "write").await;
    let reply =
        app.request(reqwest::Method::POST, "/api/v1/statuses", Some(&posted), Some(json!({"status": "before"}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let mut row = bob.clone().into_active_model();
    row.is_active = Set(false);
    row.update(&app.state.db.write).await.unwrap();

    let unknown = app.get("/api/v1/accounts/nobody", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let reply = app.get("/api/v1/accounts/nobody/statuses", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Can't find user"})));
    for key in [bob.id.as_str(), "bob"] {
        let show = format!("/api/v1/accounts/{key}");
        let statuses = format!("/api/v1/accounts/{key}/statuses");
        for token in [None, Some(carol_token.as_str())] {
            let reply = app.get(&show, token).await;
            assert_eq!((reply.status, &reply.body), (StatusCode::NOT_FOUND, &unknown.body), "{show}");
            let reply = app.get(&statuses, token).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{statuses}: {}", reply.text);
            assert_eq!(reply.body, json!({"error": "Can't find user"}), "{statuses}");
        }
        let reply = app.get(&show, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(
            (reply.body["id"].as_str(), reply.body["pleroma"]["deactivated"].as_bool()),
            (Some(bob.id.as_str()), Some(true))
        );
        let reply = app.get(&statuses, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body[0]["content"], "before");
    }
    // Active again: anyone reads it.
    let mut row = bob.clone().into_active_model();
    row.is_active = Set(true);
    row.update(&app.state.db.write).await.unwrap();
    assert_eq!(app.get(&format!("/api/v1/accounts/{}", bob.id), None).await.status, StatusCode::OK);
}

/// Pleroma's `:media_proxy, :whitelist`: hosts whose media is not proxied, saved through admin
/// config (both prefixes) and in force at once; an entry is a host or a URL with scheme.
#[tokio::test]
async fn media_proxy_whitelist_hosts_are_not_proxied() {
    let app = TestApp::with_settings(|s| s.media_proxy.enabled = true).await;
    let admin = app.admin_token().await;
    let viewer = app.user("alice").await;
    let token = app.token(&viewer, "read").await;
    let mut avatars = vec![];
    for (name, host) in [("bob", "cdn.example"), ("carol", "media.example"), ("dave", "other.example")] {
        let user = app.remote_user(name, host).await;
        let mut row = user.clone().into_active_model();
        row.avatar = Set(Some(format!("https://{host}/a/{name}.png")));
        row.update(&app.state.db.write).await.unwrap();
        avatars.push(user.id);
    }
    let avatar = |id: String| {
        let (app, token) = (&app, token.clone());
        async move { app.get(&format!("/api/v1/accounts/{id}"), Some(&token)).await.body["avatar"].clone() }
    };
    let instance = app.state.settings().instance_url.clone();
    let proxied = |v: &serde_json::Value| v.as_str().unwrap().starts_with(&format!("{instance}/proxy/"));
    for id in &avatars {
        let shown = avatar(id.clone()).await;
        assert!(proxied(&shown), "no whitelist: all proxied: {shown}");
    }
    for (path, whitelist) in crate::common::both_prefixes("/api/v1/pleroma/admin/config")
        .iter()
        .zip([json!(["https://cdn.example"]), json!(["https://cdn.example", "media.example"])])
    {
        let configs = json!([{"group": ":pleroma", "key": ":media_proxy", "value": [
            {"tuple": [":enabled", true]}, {"tuple": [":whitelist", whitelist]}]}]);
        let reply = app.request(reqwest::Method::POST, path, Some(&admin), Some(json!({"configs": configs}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    }
    assert_eq!(app.state.live.current().media_proxy.whitelist, ["https://cdn.example", "media.example"]);
    assert_eq!(avatar(avatars[0].clone()).await, json!("https://cdn.example/a/bob.png"));
    assert_eq!(avatar(avatars[1].clone()).await, json!("https://media.example/a/carol.png"));
    assert!(proxied(&avatar(avatars[2].clone()).await));
    // Described like Pleroma's key.
    let described = app.get("/api/v1/pleroma/admin/config/descriptions", Some(&admin)).await;
    let group = described.body.as_array().unwrap().iter().find(|g| g["key"] == ":media_proxy").unwrap();
    let key = group["children"].as_array().unwrap().iter().find(|c| c["key"] == ":whitelist").unwrap();
    assert_eq!(key["type"], json!(["list", "string"]), "{key}");
}
