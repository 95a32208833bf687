//! Issue 25's notification tail over HTTP: `status` notifications for subscribers
//! (`Notification.do_create_notifications`, `CommonAPI.Utils.maybe_notify_subscribers`),
//! `pleroma:chat_mention` with its `chat_message` (`NotificationView.put_chat_message`),
//! `DELETE /api/v1/notifications/destroy_multiple` (`NotificationController.destroy_multiple`)
//! and `pleroma.direct_conversation_id` on single statuses (`StatusController`'s
//! `with_direct_conversation_id`).
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{keys, TestApp};
use crate::statuses::post;

const ALL: &str = "read write follow";

fn kinds(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|n| n["type"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn subscribers_hear_of_new_posts() {
    let app = TestApp::new().await;
    let author = app.user("author").await;
    let sub = app.user("sub").await;
    let notifier = app.user("notifier").await;
    let stranger = app.user("stranger").await;
    let t = app.token(&author, ALL).await;
    let (s, n, x) = (app.token(&sub, ALL).await, app.token(&notifier, ALL).await, app.token(&stranger, ALL).await);
    let subscribe = format!("/api/v1/pleroma/accounts/{}/subscribe", author.id);
    assert_eq!(app.request(Method::POST, &subscribe, Some(&s), None).await.status, StatusCode::OK);
    let follow = format!("/api/v1/accounts/{}/follow", author.id);
    app.request(Method::POST, &follow, Some(&n), Some(json!({"notify": true}))).await;

    let public = post(&app, &t, json!({"status": "hello"})).await;
    let list = app.get("/api/v1/notifications?types[]=status", Some(&s)).await.body;
    assert_eq!(kinds(&list), ["status"]);
    assert_eq!(list[0]["status"]["id"], public["id"]);
    assert_eq!(list[0]["account"]["id"], json!(author.id));
    let mut shown = keys(&list[0]);
    shown.sort();
    assert_eq!(shown, ["account", "created_at", "group_key", "id", "pleroma", "status", "type"]);
    assert_eq!(kinds(&app.get("/api/v1/notifications", Some(&n)).await.body), ["status"]);
    assert_eq!(app.get("/api/v1/notifications", Some(&x)).await.body, json!([]));

    // Not for replies; a private post only to subscribers who follow; a mention is a mention.
    post(&app, &t, json!({"status": "a reply", "in_reply_to_id": public["id"]})).await;
    post(&app, &t, json!({"status": "followers only", "visibility": "private"})).await;
    assert_eq!(kinds(&app.get("/api/v1/notifications", Some(&s)).await.body), ["status"]);
    assert_eq!(kinds(&app.get("/api/v1/notifications", Some(&n)).await.body), ["status", "status"]);
    post(&app, &t, json!({"status": "hi @sub"})).await;
    assert_eq!(kinds(&app.get("/api/v1/notifications", Some(&s)).await.body), ["mention", "status"]);
}

#[tokio::test]
async fn chat_messages_notify_their_recipient() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (a, b) = (app.token(&alice, ALL).await, app.token(&bob, ALL).await);
    let chat =
        app.request(Method::POST, &format!("/api/v1/pleroma/chats/by-account-id/{}", bob.id), Some(&a), None).await;
    let chat_id = chat.body["id"].as_str().unwrap().to_string();
    let sent = app
        .request(
            Method::POST,
            &format!("/api/v1/pleroma/chats/{chat_id}/messages"),
            Some(&a),
            Some(json!({"content": "psst"})),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);

    // Asked for by name, as the Mastodon controller's default types leave it out.
    assert_eq!(app.get("/api/v1/notifications", Some(&b)).await.body, json!([]));
    let list = app.get("/api/v1/notifications?types[]=pleroma:chat_mention", Some(&b)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let note = &list.body[0];
    assert_eq!(note["type"], "pleroma:chat_mention");
    assert_eq!(note["account"]["id"], json!(alice.id));
    let message = &note["chat_message"];
    assert_eq!(message["content"], "psst");
    assert_eq!(message["account_id"], json!(alice.id));
    assert_eq!(message["unread"], true, "bob's own reference: {message}");
    assert_ne!(message["chat_id"], json!(chat_id), "bob's chat, not alice's");
    assert!(message.get("idempotency_key").is_none(), "{message}");
    assert!(note.get("status").is_none(), "{note}");
    assert_eq!(app.get("/api/v1/notifications?types[]=pleroma:chat_mention", Some(&a)).await.body, json!([]));

    // Deleting the message takes its notification along.
    let gone = app
        .request(
            Method::DELETE,
            &format!("/api/v1/pleroma/chats/{chat_id}/messages/{}", sent.body["id"].as_str().unwrap()),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.text);
    assert_eq!(app.get("/api/v1/notifications?types[]=pleroma:chat_mention", Some(&b)).await.body, json!([]));
}

#[tokio::test]
async fn destroy_multiple_deletes_only_the_callers() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let (a, b, c) = (app.token(&alice, ALL).await, app.token(&bob, ALL).await, app.token(&carol, ALL).await);
    for text in ["@alice one", "@alice two", "@alice three", "@carol four"] {
        post(&app, &b, json!({"status": text})).await;
    }
    let mine: Vec<String> = app
        .get("/api/v1/notifications", Some(&a))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let carols = app.get("/api/v1/notifications", Some(&c)).await.body[0]["id"].as_str().unwrap().to_string();
    assert_eq!(mine.len(), 3);

    let path =
        format!("/api/v1/notifications/destroy_multiple?ids[]={}&ids[]={}&ids[]={carols}&ids[]=junk", mine[0], mine[1]);
    let reply = app.request(Method::DELETE, &path, Some(&a), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    let left: Vec<Value> = app.get("/api/v1/notifications", Some(&a)).await.body.as_array().unwrap().clone();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], json!(mine[2]));
    assert_eq!(app.get("/api/v1/notifications", Some(&c)).await.body.as_array().unwrap().len(), 1, "carol's stays");

    let reply = app.request(Method::DELETE, "/api/v1/notifications/destroy_multiple", Some(&a), None).await;
    assert_eq!((reply.status, reply.body["error"].clone()), (StatusCode::BAD_REQUEST, json!("Missing field: ids.")));
    let read_only = app.token(&alice, "read").await;
    let reply = app
        .request(
            Method::DELETE,
            &format!("/api/v1/notifications/destroy_multiple?ids[]={}", mine[2]),
            Some(&read_only),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn single_direct_statuses_carry_the_conversation_id() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let (a, b, c) = (app.token(&alice, ALL).await, app.token(&bob, ALL).await, app.token(&carol, ALL).await);
    let dm = post(&app, &a, json!({"status": "@bob secret", "visibility": "direct"})).await;
    let own = dm["pleroma"]["direct_conversation_id"].clone();
    assert!(own.is_i64(), "{}", dm["pleroma"]);
    let conversations = app.get("/api/v1/conversations", Some(&b)).await.body;
    let bobs = conversations[0]["id"].as_str().unwrap().parse::<i64>().unwrap();
    let shown = app.get(&format!("/api/v1/statuses/{}", dm["id"].as_str().unwrap()), Some(&b)).await;
    assert_eq!(shown.body["pleroma"]["direct_conversation_id"], json!(bobs));
    assert_ne!(own, json!(bobs), "each participant has their own");
    // A public status, or a viewer who is no participant: null.
    let open = post(&app, &a, json!({"status": "open"})).await;
    assert_eq!(open["pleroma"]["direct_conversation_id"], Value::Null);
    let shown = app.get(&format!("/api/v1/statuses/{}", open["id"].as_str().unwrap()), Some(&c)).await;
    assert_eq!(shown.body["pleroma"]["direct_conversation_id"], Value::Null);
    // Lists leave it null, as Pleroma's timelines do.
    let listed = app.get(&format!("/api/v1/accounts/{}/statuses", alice.id), Some(&b)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    for status in listed.body.as_array().unwrap() {
        assert_eq!(status["pleroma"]["direct_conversation_id"], Value::Null);
    }
}
