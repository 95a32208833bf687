//! Accounts and relationships over HTTP: `GET /api/v1/accounts/:id`, `/relationships`, follow,
//! block and mute with their Relationship answers.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{keys, TestApp};

const RELATIONSHIP_KEYS: [&str; 14] = [
    "blocked_by",
    "blocking",
    "domain_blocking",
    "endorsed",
    "followed_by",
    "following",
    "id",
    "muting",
    "muting_notifications",
    "note",
    "notifying",
    "requested",
    "showing_reblogs",
    "subscribing",
];

async fn act(app: &TestApp, token: &str, id: &str, action: &str, body: Option<Value>) -> Value {
    let reply = app.request(Method::POST, &format!("/api/v1/accounts/{id}/{action}"), Some(token), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{action}: {}", reply.text);
    assert_eq!(keys(&reply.body), RELATIONSHIP_KEYS);
    reply.body
}

#[tokio::test]
async fn follow_block_mute_and_relationships() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write follow").await;
    let b = app.token(&bob, "read write follow").await;

    let rel = act(&app, &a, &bob.id, "follow", Some(json!({"reblogs": false, "notify": true}))).await;
    assert_eq!(rel["id"], bob.id);
    assert_eq!(
        (rel["following"].clone(), rel["showing_reblogs"].clone(), rel["notifying"].clone()),
        (json!(true), json!(false), json!(true))
    );
    let rel = act(&app, &b, &alice.id, "follow", None).await;
    assert_eq!(
        (rel["following"].clone(), rel["followed_by"].clone(), rel["showing_reblogs"].clone()),
        (json!(true), json!(true), json!(true))
    );

    let reply = app.get(&format!("/api/v1/accounts/relationships?id[]={}&id[]=nobody", bob.id), Some(&a)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body.as_array().unwrap().len(), 1);
    assert_eq!(reply.body[0]["following"], true);
    assert_eq!(reply.body[0]["followed_by"], true);

    // A block ends follows both ways.
    let rel = act(&app, &a, &bob.id, "block", None).await;
    assert_eq!(
        (rel["blocking"].clone(), rel["following"].clone(), rel["followed_by"].clone()),
        (json!(true), json!(false), json!(false))
    );
    let reply = app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), Some(&b), None).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Could not follow user: alice blocked you."}))
    );
    let rel = act(&app, &a, &bob.id, "unblock", None).await;
    assert_eq!(rel["blocking"], false);

    let rel = act(&app, &a, &bob.id, "mute", Some(json!({"notifications": false}))).await;
    assert_eq!((rel["muting"].clone(), rel["muting_notifications"].clone()), (json!(true), json!(false)));
    // A muted author's statuses show `muted: true` to the muter.
    let status = crate::statuses::post(&app, &b, json!({"status": "noise"})).await;
    let path = format!("/api/v1/statuses/{}", status["id"].as_str().unwrap());
    assert_eq!(app.get(&path, Some(&a)).await.body["muted"], true);
    assert_eq!(app.get(&path, None).await.body["muted"], false);
    let rel = act(&app, &a, "bob", "unmute", None).await;
    assert_eq!(rel["muting"], false);
    let rel = act(&app, &a, &bob.id, "unfollow", None).await;
    assert_eq!(rel["following"], false);

    let reply = app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), Some(&a), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Can not follow yourself"})));
    let reply = app.request(Method::POST, "/api/v1/accounts/nobody/follow", Some(&a), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    // Scopes: a read-only token cannot follow.
    let read_only = app.token(&alice, "read").await;
    let reply = app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", bob.id), Some(&read_only), None).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: follow | write:follows."}))
    );
}

#[tokio::test]
async fn show_account_and_its_statuses() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write follow").await;
    let b = app.token(&bob, "read write follow").await;
    let public = crate::statuses::post(&app, &a, json!({"status": "hello"})).await;
    let private = crate::statuses::post(&app, &a, json!({"status": "friends", "visibility": "private"})).await;
    let direct = crate::statuses::post(&app, &a, json!({"status": "hi @bob", "visibility": "direct"})).await;

    let reply = app.get(&format!("/api/v1/accounts/{}", alice.id), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["acct"], "alice");
    assert_eq!(reply.body["statuses_count"], 1);
    assert!(reply.body["last_status_at"].is_string());
    assert!(reply.body.get("nickname").is_none());
    let reply = app.get("/api/v1/accounts/nobody", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));

    let ids = |v: &Value| v.as_array().unwrap().iter().map(|s| s["id"].clone()).collect::<Vec<_>>();
    let path = format!("/api/v1/accounts/{}/statuses", alice.id);
    // Anonymous: public only. Bob (mentioned): the direct one too. A follower: the private one.
    let anon = app.get(&path, None).await;
    assert_eq!(anon.status, StatusCode::OK, "{}", anon.text);
    assert_eq!(ids(&anon.body), [public["id"].clone()]);
    assert_eq!(ids(&app.get(&path, Some(&b)).await.body), [direct["id"].clone(), public["id"].clone()]);
    act(&app, &b, &alice.id, "follow", None).await;
    let reply = app.get(&format!("{path}?limit=2"), Some(&b)).await;
    assert_eq!(ids(&reply.body), [direct["id"].clone(), private["id"].clone()]);
    let link = reply.headers["link"].to_str().unwrap();
    assert!(link.contains(&format!("max_id={}", private["id"].as_str().unwrap())), "{link}");
    assert!(link.contains("rel=\"next\"") && link.contains("rel=\"prev\""), "{link}");
    // The author sees everything.
    assert_eq!(ids(&app.get(&path, Some(&a)).await.body).len(), 3);
}
