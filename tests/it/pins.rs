//! Pinned statuses over HTTP: `POST /api/v1/statuses/:id/pin` and `/unpin` with Pleroma's
//! refusals and limit, `pinned` and `pleroma.pinned_at` in status views, `?pinned=true` on an
//! account's statuses, and `max_pinned_statuses` in `/api/v2/instance`.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{common::TestApp, statuses::post};

async fn pin(app: &TestApp, token: &str, id: &str, action: &str) -> crate::common::Reply {
    app.request(Method::POST, &format!("/api/v1/statuses/{id}/{action}"), Some(token), None).await
}

fn id(status: &Value) -> String {
    status["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn pin_and_unpin_show_in_the_status_and_the_pinned_list() {
    let app = TestApp::with_settings(|s| s.limits.max_pinned_statuses = 2).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let first = id(&post(&app, &token, json!({"status": "first"})).await);
    let second = id(&post(&app, &token, json!({"status": "second", "visibility": "unlisted"})).await);
    let _third = id(&post(&app, &token, json!({"status": "third"})).await);

    let reply = pin(&app, &token, &first, "pin").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["id"], first);
    assert_eq!(reply.body["pinned"], true);
    let at = reply.body["pleroma"]["pinned_at"].as_str().unwrap().to_string();
    assert!(at.ends_with('Z') && at.len() == 24, "{at}");
    // Pinning again changes nothing.
    let again = pin(&app, &token, &first, "pin").await;
    assert_eq!((again.status, &again.body["pleroma"]["pinned_at"]), (StatusCode::OK, &json!(at)));
    assert_eq!(pin(&app, &token, &second, "pin").await.status, StatusCode::OK);

    // Anyone reading the status sees it pinned.
    let shown = app.get(&format!("/api/v1/statuses/{first}"), None).await;
    assert_eq!((shown.body["pinned"].clone(), shown.body["pleroma"]["pinned_at"].clone()), (json!(true), json!(at)));

    let pinned = app.get(&format!("/api/v1/accounts/{}/statuses?pinned=true", alice.id), None).await;
    assert_eq!(pinned.status, StatusCode::OK, "{}", pinned.text);
    let ids: Vec<&str> = pinned.body.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    let all = app.get(&format!("/api/v1/accounts/{}/statuses", alice.id), None).await;
    assert_eq!(all.body.as_array().unwrap().len(), 3);
    assert_eq!(all.body[0]["pinned"], false);

    let reply = pin(&app, &token, &first, "unpin").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["pinned"].clone(), reply.body["pleroma"]["pinned_at"].clone()), (json!(false), Value::Null));
    // Unpinning what is not pinned is fine too.
    assert_eq!(pin(&app, &token, &first, "unpin").await.status, StatusCode::OK);
    let pinned = app.get(&format!("/api/v1/accounts/{}/statuses?pinned=true", alice.id), None).await;
    assert_eq!(pinned.body.as_array().unwrap().len(), 1);

    // GraphQL: the same mutation.
    let body = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { pinStatus(input: {id: $id}) { status { id pinned pleroma { pinnedAt } } } }",
            json!({"id": first}),
        )
        .await;
    assert_eq!(body["data"]["pinStatus"]["status"]["pinned"], true, "{body}");
}

#[tokio::test]
async fn pleromas_refusals_and_limit() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    let one = id(&post(&app, &token, json!({"status": "one"})).await);
    let two = id(&post(&app, &token, json!({"status": "two"})).await);
    let private = id(&post(&app, &token, json!({"status": "mine", "visibility": "private"})).await);
    let bobs = id(&post(&app, &bob_token, json!({"status": "bob's"})).await);

    let error = |reply: crate::common::Reply| (reply.status, reply.body);
    assert_eq!(
        error(pin(&app, &token, &bobs, "pin").await),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Someone else's status cannot be pinned"}))
    );
    assert_eq!(
        error(pin(&app, &token, &private, "pin").await),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Non-public status cannot be pinned"}))
    );
    assert_eq!(
        error(pin(&app, &token, "nope", "pin").await),
        (StatusCode::NOT_FOUND, json!({"error": "Record not found"}))
    );
    // Pleroma's default limit is 1.
    assert_eq!(pin(&app, &token, &one, "pin").await.status, StatusCode::OK);
    assert_eq!(
        error(pin(&app, &token, &two, "pin").await),
        (StatusCode::BAD_REQUEST, json!({"error": "You have already pinned the maximum number of statuses"}))
    );
    // A reblog is not a post that can be pinned.
    let reblog = app.request(Method::POST, &format!("/api/v1/statuses/{bobs}/reblog"), Some(&token), None).await;
    let reblog_id = id(&reblog.body);
    assert_eq!(pin(&app, &token, &reblog_id, "pin").await.status, StatusCode::NOT_FOUND);
    // Unpinning a status the caller cannot see does not show it.
    let hidden = id(&post(&app, &bob_token, json!({"status": "psst", "visibility": "direct"})).await);
    assert_eq!(pin(&app, &token, &hidden, "unpin").await.status, StatusCode::NOT_FOUND);
    // The scope is `write:accounts`, as Pleroma's.
    let statuses_only = app.token(&alice, "write:statuses").await;
    assert_eq!(pin(&app, &statuses_only, &one, "unpin").await.status, StatusCode::FORBIDDEN);
    // Deleting a pinned status removes the pin.
    let deleted = app.request(Method::DELETE, &format!("/api/v1/statuses/{one}"), Some(&token), None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(pin(&app, &token, &two, "pin").await.status, StatusCode::OK);
}

#[tokio::test]
async fn instance_v2_reports_the_limit_in_force() {
    let app = TestApp::new().await;
    let v2 = app.get("/api/v2/instance", None).await;
    assert_eq!(v2.body["configuration"]["accounts"]["max_pinned_statuses"], json!(1), "{}", v2.text);
    let zero = TestApp::with_settings(|s| s.limits.max_pinned_statuses = 0).await;
    let v2 = zero.get("/api/v2/instance", None).await;
    assert_eq!(v2.body["configuration"]["accounts"]["max_pinned_statuses"], json!(0));
    let alice = zero.user("alice").await;
    let token = zero.token(&alice, "read write").await;
    let one = id(&post(&zero, &token, json!({"status": "one"})).await);
    assert_eq!(pin(&zero, &token, &one, "pin").await.status, StatusCode::BAD_REQUEST);
}
