//! Chats over HTTP: the user's chat API (both prefixes, v2 paging with Link headers, unread
//! flags, deletion for one or both parties, refusals) and the staff view (privileges, scopes,
//! moderation log).
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, Reply, TestApp};

const CHAT_KEYS: [&str; 5] = ["account", "id", "last_message", "unread", "updated_at"];
const MESSAGE_KEYS: [&str; 9] =
    ["account_id", "attachment", "card", "chat_id", "content", "created_at", "emojis", "id", "unread"];

async fn post_message(app: &TestApp, token: &str, chat: &str, body: Value, key: Option<&str>) -> Reply {
    let mut req =
        app.client.post(format!("{}/api/v1/pleroma/chats/{chat}/messages", app.base)).bearer_auth(token).json(&body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    Reply::from(req.send().await.unwrap()).await
}

async fn open_chat(app: &TestApp, token: &str, with: &str) -> String {
    let reply =
        app.request(Method::POST, &format!("/api/v1/pleroma/chats/by-account-id/{with}"), Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_conversation_between_two_users() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (a, b) = (app.token(&alice, "read write").await, app.token(&bob, "read write").await);

    // Creating is idempotent, on both prefixes.
    let mut ids = vec![];
    for path in both_prefixes(&format!("/api/v1/pleroma/chats/by-account-id/{}", bob.id)) {
        let reply = app.request(Method::POST, &path, Some(&a), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(keys(&reply.body), CHAT_KEYS);
        assert_eq!(reply.body["account"]["id"], bob.id.as_str());
        assert_eq!(reply.body["unread"], 0);
        assert_eq!(reply.body["last_message"], Value::Null);
        ids.push(reply.body["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids[0], ids[1]);
    let chat = ids[0].clone();

    // A message: escaped, line breaks kept, the key echoed; the same key gives the same message.
    let sent = post_message(&app, &a, &chat, json!({"content": "Hi <b>\nthere"}), Some("k1")).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let mut expected: Vec<&str> = MESSAGE_KEYS.to_vec();
    expected.push("idempotency_key");
    expected.sort();
    assert_eq!(keys(&sent.body), expected);
    assert_eq!(sent.body["content"], "Hi &lt;b&gt;<br>there");
    assert_eq!(sent.body["chat_id"], chat.as_str());
    assert_eq!(sent.body["account_id"], alice.id.as_str());
    assert_eq!(sent.body["unread"], false);
    assert_eq!(sent.body["idempotency_key"], "k1");
    assert_eq!(sent.body["attachment"], Value::Null);
    assert_eq!(sent.body["emojis"], json!([]));
    let again = post_message(&app, &a, &chat, json!({"content": "Hi <b>\nthere"}), Some("k1")).await;
    assert_eq!(again.body["id"], sent.body["id"]);
    // Without a key, `idempotency_key` is absent (Pleroma writes it only when there is one).
    let second = post_message(&app, &a, &chat, json!({"content": "second"}), None).await;
    assert_eq!(keys(&second.body), MESSAGE_KEYS);

    // Bob has a chat with Alice now: two unread messages, under ids of his own.
    for path in both_prefixes("/api/v1/pleroma/chats") {
        let list = app.get(&path, Some(&b)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        let chats = list.body.as_array().unwrap();
        assert_eq!(chats.len(), 1);
        assert_eq!(chats[0]["account"]["id"], alice.id.as_str());
        assert_eq!(chats[0]["unread"], 2);
        assert_eq!(chats[0]["last_message"]["content"], "second");
        assert_eq!(chats[0]["last_message"]["unread"], true);
    }
    let bob_chat = app.get("/api/v1/pleroma/chats", Some(&b)).await.body[0]["id"].as_str().unwrap().to_string();
    assert_ne!(bob_chat, chat);
    let messages = app.get(&format!("/api/v1/pleroma/chats/{bob_chat}/messages"), Some(&b)).await;
    assert_eq!(messages.status, StatusCode::OK);
    let list = messages.body.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["content"], "second"); // newest first
    assert_ne!(list[1]["id"], sent.body["id"]);

    // One message read, then all up to the newest.
    let first_id = list[1]["id"].as_str().unwrap();
    let read = app
        .request(Method::POST, &format!("/api/pleroma/chats/{bob_chat}/messages/{first_id}/read"), Some(&b), None)
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body["unread"], false);
    assert_eq!(app.get(&format!("/api/v1/pleroma/chats/{bob_chat}"), Some(&b)).await.body["unread"], 1);
    let newest = list[0]["id"].as_str().unwrap();
    let all = app
        .request(
            Method::POST,
            &format!("/api/v1/pleroma/chats/{bob_chat}/read"),
            Some(&b),
            Some(json!({"last_read_id": newest})),
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(keys(&all.body), CHAT_KEYS);
    assert_eq!(all.body["unread"], 0);

    // Bob removes Alice's message from his chat only; Alice deletes her own for both.
    let second_for_bob = list[0]["id"].as_str().unwrap();
    let path = format!("/api/v1/pleroma/chats/{bob_chat}/messages/{second_for_bob}");
    let removed = app.request(Method::DELETE, &path, Some(&b), None).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(removed.body["content"], "second");
    assert_eq!(
        app.get(&format!("/api/v1/pleroma/chats/{bob_chat}/messages"), Some(&b)).await.body.as_array().unwrap().len(),
        1
    );
    assert_eq!(
        app.get(&format!("/api/v1/pleroma/chats/{chat}/messages"), Some(&a)).await.body.as_array().unwrap().len(),
        2
    );
    let mine = sent.body["id"].as_str().unwrap();
    let deleted =
        app.request(Method::DELETE, &format!("/api/pleroma/chats/{chat}/messages/{mine}"), Some(&a), None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(app.get(&format!("/api/v1/pleroma/chats/{bob_chat}/messages"), Some(&b)).await.body, json!([]));
    let again =
        app.request(Method::DELETE, &format!("/api/pleroma/chats/{chat}/messages/{mine}"), Some(&a), None).await;
    assert_eq!((again.status, again.body), (StatusCode::BAD_REQUEST, json!({"error": "could_not_delete"})));
}

#[tokio::test]
async fn refusals_in_pleromas_words() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let (a, b, c) = (
        app.token(&alice, "read write").await,
        app.token(&bob, "read write").await,
        app.token(&carol, "read write").await,
    );
    let chat = open_chat(&app, &a, &bob.id).await;

    let empty = post_message(&app, &a, &chat, json!({}), None).await;
    assert_eq!((empty.status, empty.body), (StatusCode::BAD_REQUEST, json!({"error": "no_content"})));
    let long = post_message(&app, &a, &chat, json!({"content": "x".repeat(5001)}), None).await;
    assert_eq!((long.status, long.body), (StatusCode::BAD_REQUEST, json!({"error": "content_too_long"})));
    // NUL bytes and a megabyte are refused before anything is stored.
    let nul = post_message(&app, &a, &chat, json!({"content": "a\u{0}b"}), None).await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST, "{}", nul.text);

    // Someone else's chat is not found, whatever the route.
    let not_found = json!({"error": "Record not found"});
    for (method, path) in [
        (Method::GET, format!("/api/v1/pleroma/chats/{chat}")),
        (Method::GET, format!("/api/v1/pleroma/chats/{chat}/messages")),
        (Method::POST, format!("/api/v1/pleroma/chats/{chat}/messages")),
    ] {
        let reply = app.request(method, &path, Some(&c), Some(json!({"content": "hi"}))).await;
        assert_eq!((reply.status, &reply.body), (StatusCode::NOT_FOUND, &not_found), "{path}");
    }
    let unknown = app.request(Method::POST, "/api/v1/pleroma/chats/by-account-id/nobody", Some(&a), None).await;
    assert_eq!((unknown.status, unknown.body), (StatusCode::NOT_FOUND, not_found));

    // A recipient who blocks the author refuses the message.
    let blocked = app.request(Method::POST, &format!("/api/v1/accounts/{}/block", alice.id), Some(&b), None).await;
    assert_eq!(blocked.status, StatusCode::OK, "{}", blocked.text);
    let refused = post_message(&app, &a, &chat, json!({"content": "hi"}), None).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::BAD_REQUEST, json!({"error": "actor is blocked by recipient"}))
    );

    // Scopes: reading needs read:chats, writing write:chats.
    let read_only = app.token(&alice, "read").await;
    let reply = post_message(&app, &read_only, &chat, json!({"content": "hi"}), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: write:chats."}));
    let anonymous = app.get("/api/v1/pleroma/chats", None).await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN, "{}", anonymous.text);
    let gql = app.graphql(None, "{ chats { nodes { id } } }", json!({})).await;
    assert_eq!(gql["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn muted_and_blocked_parties_leave_the_list() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, "read write follow").await;
    open_chat(&app, &a, &bob.id).await;
    open_chat(&app, &a, &carol.id).await;
    let count = |query: &'static str| {
        let app = &app;
        let a = a.clone();
        async move { app.get(&format!("/api/v1/pleroma/chats{query}"), Some(&a)).await.body.as_array().unwrap().len() }
    };
    assert_eq!(count("").await, 2);
    app.request(Method::POST, &format!("/api/v1/accounts/{}/mute", bob.id), Some(&a), None).await;
    assert_eq!(count("").await, 1);
    assert_eq!(count("?with_muted=true").await, 2);
    app.request(Method::POST, &format!("/api/v1/accounts/{}/block", carol.id), Some(&a), None).await;
    assert_eq!(count("?with_muted=true").await, 1);
}

#[tokio::test]
async fn pages_of_messages_and_chats_with_link_headers() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write").await;
    let chat = open_chat(&app, &a, &bob.id).await;
    for i in 0..25 {
        let reply = post_message(&app, &a, &chat, json!({"content": format!("m{i}")}), None).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let page = app.get(&format!("/api/v1/pleroma/chats/{chat}/messages"), Some(&a)).await;
    let items = page.body.as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert_eq!(items[0]["content"], "m24");
    let link = page.headers["link"].to_str().unwrap();
    let last = items[19]["id"].as_str().unwrap();
    assert!(link.contains(&format!("max_id={last}>; rel=\"next\"")), "{link}");
    assert!(link.contains("rel=\"prev\""), "{link}");
    let rest = app.get(&format!("/api/v1/pleroma/chats/{chat}/messages?max_id={last}"), Some(&a)).await;
    assert_eq!(rest.body.as_array().unwrap().len(), 5);
    let newest = items[0]["id"].as_str().unwrap();
    let newer = app.get(&format!("/api/v1/pleroma/chats/{chat}/messages?min_id={last}&limit=3"), Some(&a)).await;
    let newer: Vec<&str> = newer.body.as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(newer, ["m8", "m7", "m6"]); // just above min_id (m5), newest first
    assert_ne!(newest, last);

    // v2: chats a page at a time (no legacy alias).
    for i in 0..3 {
        let other = app.user(&format!("u{i}")).await;
        open_chat(&app, &a, &other.id).await;
    }
    let v2 = app.get("/api/v2/pleroma/chats?limit=2", Some(&a)).await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body.as_array().unwrap().len(), 2);
    assert!(v2.headers["link"].to_str().unwrap().contains("/api/v2/pleroma/chats?limit=2&max_id="));
    assert_eq!(app.get("/api/pleroma/v2/chats", Some(&a)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn attachments_and_remote_parties() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let remote = app.remote_user("carol", "remote.example").await;
    let (a, b) = (app.token(&alice, "read write").await, app.token(&bob, "read write").await);
    let png: Vec<u8> = [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[7u8; 64][..]].concat();
    let part = reqwest::multipart::Part::bytes(png).file_name("dot.png").mime_str("image/png").unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let upload = app.client.post(format!("{}/api/v1/media", app.base)).bearer_auth(&a).multipart(form).send();
    let upload = Reply::from(upload.await.unwrap()).await;
    assert_eq!(upload.status, StatusCode::OK, "{}", upload.text);
    let media = upload.body["id"].as_str().unwrap();

    let chat = open_chat(&app, &a, &bob.id).await;
    let sent = post_message(&app, &a, &chat, json!({"media_id": media}), None).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.body["content"], Value::Null);
    assert_eq!(sent.body["attachment"]["id"], media);
    assert_eq!(sent.body["attachment"]["type"], "image");
    // Someone else's upload cannot be attached.
    let bobs = open_chat(&app, &b, &alice.id).await;
    let refused = post_message(&app, &b, &bobs, json!({"media_id": media}), None).await;
    assert_eq!((refused.status, refused.body), (StatusCode::BAD_REQUEST, json!({"error": "forbidden"})));

    // A remote party: the message is kept in the local author's chat only.
    let remote_chat = open_chat(&app, &a, &remote.id).await;
    let sent = post_message(&app, &a, &remote_chat, json!({"content": "hello there"}), None).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let chats = app.get("/api/v1/pleroma/chats", Some(&a)).await;
    assert_eq!(chats.body[0]["account"]["acct"], "carol@remote.example");
}

#[tokio::test]
async fn staff_read_and_delete_anyones_chats() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let root = app.token(&admin, "read write admin").await;
    let moderator = app.moderator("mod").await;
    let m = app.token(&moderator, "read write admin").await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write admin").await;
    let chat = open_chat(&app, &a, &bob.id).await;
    let sent = post_message(&app, &a, &chat, json!({"content": "spam"}), None).await;
    let message = sent.body["id"].as_str().unwrap();

    for path in both_prefixes("/api/v1/pleroma/admin/users/alice/chats") {
        let reply = app.get(&path, Some(&root)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        let chats = reply.body.as_array().unwrap();
        assert_eq!(chats.len(), 1);
        assert_eq!(keys(&chats[0]), ["id", "last_message", "receiver", "sender", "unread", "updated_at"]);
        assert_eq!(chats[0]["sender"]["id"], alice.id.as_str());
        assert_eq!(chats[0]["receiver"]["id"], bob.id.as_str());
    }
    let unknown = app.get("/api/v1/pleroma/admin/users/nobody/chats", Some(&root)).await;
    assert_eq!((unknown.status, unknown.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));

    let shown = app.get(&format!("/api/pleroma/admin/chats/{chat}"), Some(&root)).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert_eq!(shown.body["sender"]["id"], alice.id.as_str());
    let missing = app.get("/api/v1/pleroma/admin/chats/nochat", Some(&root)).await;
    assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
    let messages = app.get(&format!("/api/v1/pleroma/admin/chats/{chat}/messages"), Some(&root)).await;
    assert_eq!(messages.body.as_array().unwrap().len(), 1);
    let missing = app.get("/api/v1/pleroma/admin/chats/nochat/messages", Some(&root)).await;
    assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "not found"})));

    // Refusals: a user, a moderator without messages_read, a token without the admin scope.
    let user = app.get("/api/v1/pleroma/admin/users/alice/chats", Some(&a)).await;
    assert_eq!((user.status, user.body), (StatusCode::FORBIDDEN, json!({"error": "User is not a staff member."})));
    let unprivileged = app.get(&format!("/api/v1/pleroma/admin/chats/{chat}"), Some(&m)).await;
    assert_eq!(
        (unprivileged.status, unprivileged.body),
        (StatusCode::FORBIDDEN, json!({"error": "User isn't privileged."}))
    );
    let narrow = app.token(&admin, "admin:read").await;
    let path = format!("/api/v1/pleroma/admin/chats/{chat}/messages/{message}");
    let scoped = app.request(Method::DELETE, &path, Some(&narrow), None).await;
    assert_eq!(scoped.status, StatusCode::FORBIDDEN, "{}", scoped.text);
    assert_eq!(scoped.body, json!({"error": "Insufficient permissions: admin:write:chats."}));

    // A moderator holding messages_delete deletes it for both parties, logged.
    let wrong = app
        .request(Method::DELETE, &format!("/api/v1/pleroma/admin/chats/{chat}/messages/nomsg"), Some(&m), None)
        .await;
    assert_eq!((wrong.status, wrong.body), (StatusCode::BAD_REQUEST, json!({"error": "could_not_delete"})));
    let deleted = app.request(Method::DELETE, &path, Some(&m), None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.body["content"], "spam");
    assert_eq!(app.get(&format!("/api/v1/pleroma/chats/{chat}/messages"), Some(&a)).await.body, json!([]));
    let bob_token = app.token(&bob, "read").await;
    let bobs = app.get("/api/v1/pleroma/chats", Some(&bob_token)).await;
    assert_eq!(bobs.body[0]["last_message"], Value::Null);
    let log = app.get("/api/v1/pleroma/admin/moderation_log", Some(&root)).await;
    assert_eq!(log.body["items"][0]["message"], format!("@mod deleted chat message #{message}"));
}
