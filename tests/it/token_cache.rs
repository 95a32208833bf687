//! Token lookups cached per process, and never past a revoke: two gateway processes (two
//! states with their own pools and caches) on one database; what one revokes, the other refuses
//! on the next request.
use std::net::SocketAddr;

use pleroma_gateway::{db::Db, AppState};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestApp;

/// A second gateway over the same database as `app`: its base URL and state.
async fn second_process(app: &TestApp) -> (String, AppState) {
    let settings = (*app.state.settings()).clone();
    let db = Db::connect(&settings.database_url).await.expect("connect");
    let state = AppState::new(db, settings).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = pleroma_gateway::app(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.ok();
    });
    (format!("http://{addr}"), state)
}

async fn status(client: &reqwest::Client, base: &str, token: &str) -> StatusCode {
    client
        .get(format!("{base}/api/v1/pleroma/admin/users?page_size=1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
}

/// A cached lookup costs one statement (the generation); revoking on the first process is
/// refused at once on the second.
#[tokio::test]
async fn a_revoke_on_one_process_is_refused_at_once_on_another() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let (other, state) = second_process(&app).await;
    let client = reqwest::Client::new();
    assert_eq!(status(&client, &other, &token).await, StatusCode::OK);
    assert_eq!(state.token_cache.len(), 1, "the lookup is cached");
    // A cheap authenticated request: the generation read is the only auth statement.
    let before = state.db.statements();
    let reply = client
        .post(format!("{other}/graphql"))
        .bearer_auth(&token)
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(state.db.statements() - before, 1, "one generation read, no token lookup");

    let reply = app.request(Method::POST, "/oauth/revoke", None, Some(json!({"token": token}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_ne!(status(&client, &other, &token).await, StatusCode::OK, "revoked on the other process");
    assert_ne!(app.get("/api/v1/pleroma/admin/users?page_size=1", Some(&token)).await.status, StatusCode::OK);
}

/// Deactivating the user on one process refuses their token at once on the other, and so
/// does taking away their admin role (the cached user changed).
#[tokio::test]
async fn deactivation_and_role_changes_reach_every_process_at_once() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let boss = app.admin("boss").await;
    let boss_token = app.token(&boss, "read write follow push admin").await;
    let (other, _state) = second_process(&app).await;
    let client = reqwest::Client::new();
    assert_eq!(status(&client, &other, &boss_token).await, StatusCode::OK);
    assert_eq!(status(&client, &other, &token).await, StatusCode::OK);

    let reply = app
        .request(
            Method::DELETE,
            "/api/v1/pleroma/admin/users/permission_group/admin",
            Some(&token),
            Some(json!({"nicknames": ["boss"]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(status(&client, &other, &boss_token).await, StatusCode::FORBIDDEN, "no longer an admin");

    let reply = app
        .request(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/deactivate",
            Some(&token),
            Some(json!({"nicknames": ["boss"]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(status(&client, &other, &token).await, StatusCode::OK);
    let refused = status(&client, &other, &boss_token).await;
    assert!(refused == StatusCode::FORBIDDEN || refused == StatusCode::UNAUTHORIZED, "{refused}");
}
