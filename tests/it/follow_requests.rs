//! Follow requests to locked accounts over HTTP, as Pleroma's `FollowRequestControllerTest`
//! and `CommonAPI.follow` (a `follow_request` notification; the Accept side effect turns it
//! into `follow`; the Reject one dismisses it).
use reqwest::{Method, StatusCode};
use sea_orm::Set;
use serde_json::{json, Value};

use crate::common::{keys, TestApp};

const ALL: &str = "read write follow push";

fn kinds(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|n| n["type"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn locked_accounts_answer_follow_requests() {
    let app = TestApp::new().await;
    let carol = app.user_with("carol", |u| u.is_locked = Set(true)).await;
    let bob = app.user("bob").await;
    let dave = app.user("dave").await;
    let (c, b, d) = (app.token(&carol, ALL).await, app.token(&bob, ALL).await, app.token(&dave, ALL).await);

    // A follow of a locked account is a pending request.
    let reply = app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", carol.id), Some(&b), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["requested"].clone(), reply.body["following"].clone()), (json!(true), json!(false)));
    app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", carol.id), Some(&d), None).await;
    let reply = app.get(&format!("/api/v1/accounts/relationships?id[]={}", carol.id), Some(&b)).await;
    assert_eq!(reply.body[0]["requested"], true);
    assert_eq!(app.get("/api/v1/accounts/verify_credentials", Some(&c)).await.body["follow_requests_count"], 2);
    let notes = app.get("/api/v1/notifications", Some(&c)).await.body;
    assert_eq!(kinds(&notes), ["follow_request", "follow_request"]);

    // The list: accounts, newest request first.
    let reply = app.get("/api/v1/follow_requests", Some(&c)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let listed: Vec<&str> = reply.body.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [dave.id.as_str(), bob.id.as_str()]);
    assert!(keys(&reply.body[0]).contains(&"acct".to_string()), "{}", reply.body[0]);
    assert_eq!(app.get("/api/v1/follow_requests", Some(&b)).await.body, json!([]));

    // Authorize: the caller's relationship with the follower; the notification becomes `follow`.
    let reply =
        app.request(Method::POST, &format!("/api/v1/follow_requests/{}/authorize", bob.id), Some(&c), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["id"], bob.id);
    assert_eq!(reply.body["followed_by"], true);
    let reply = app.get(&format!("/api/v1/accounts/relationships?id[]={}", carol.id), Some(&b)).await;
    assert_eq!((reply.body[0]["following"].clone(), reply.body[0]["requested"].clone()), (json!(true), json!(false)));
    let notes = app.get("/api/v1/notifications", Some(&c)).await.body;
    assert_eq!(kinds(&notes), ["follow_request", "follow"]);

    // Reject: the request and its notification go.
    let reply = app.request(Method::POST, &format!("/api/v1/follow_requests/{}/reject", dave.id), Some(&c), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["id"].clone(), reply.body["followed_by"].clone()), (json!(dave.id), json!(false)));
    let reply = app.get(&format!("/api/v1/accounts/relationships?id[]={}", carol.id), Some(&d)).await;
    assert_eq!((reply.body[0]["following"].clone(), reply.body[0]["requested"].clone()), (json!(false), json!(false)));
    assert_eq!(kinds(&app.get("/api/v1/notifications", Some(&c)).await.body), ["follow"]);
    assert_eq!(app.get("/api/v1/follow_requests", Some(&c)).await.body, json!([]));
    assert_eq!(app.get("/api/v1/accounts/verify_credentials", Some(&c)).await.body["follow_requests_count"], 0);

    // Unknown accounts, and ones that never asked: Pleroma's 404.
    for id in ["nobody", dave.id.as_str()] {
        let reply = app.request(Method::POST, &format!("/api/v1/follow_requests/{id}/authorize"), Some(&c), None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    }
    // Unfollowing cancels a pending request.
    app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", carol.id), Some(&d), None).await;
    let reply = app.request(Method::POST, &format!("/api/v1/accounts/{}/unfollow", carol.id), Some(&d), None).await;
    assert_eq!(reply.body["requested"], false);
    // Scopes: read:follows to list, write:follows to answer.
    let weak = app.token(&carol, "read:statuses").await;
    assert_eq!(app.get("/api/v1/follow_requests", Some(&weak)).await.status, StatusCode::FORBIDDEN);
    let reply =
        app.request(Method::POST, &format!("/api/v1/follow_requests/{}/reject", bob.id), Some(&weak), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/follow_requests", None).await.status, StatusCode::FORBIDDEN);
}

/// Unlocked accounts are followed at once, with a `follow` notification.
#[tokio::test]
async fn unlocked_accounts_are_followed_at_once() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (a, b) = (app.token(&alice, ALL).await, app.token(&bob, ALL).await);
    let reply = app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), Some(&b), None).await;
    assert_eq!((reply.body["requested"].clone(), reply.body["following"].clone()), (json!(false), json!(true)));
    assert_eq!(kinds(&app.get("/api/v1/notifications", Some(&a)).await.body), ["follow"]);
    assert_eq!(app.get("/api/v1/follow_requests", Some(&a)).await.body, json!([]));
}
