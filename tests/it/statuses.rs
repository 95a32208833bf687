//! Statuses over HTTP: posting (Mastodon API), reading what the caller may see, reblogs, media,
//! and the Admin API's status routes with their moderation-log entries.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};

/// The keys of a MastoStatus (Pleroma's `StatusView`).
pub const STATUS_KEYS: [&str; 33] = [
    "account",
    "application",
    "bookmarked",
    "card",
    "content",
    "created_at",
    "edited_at",
    "emojis",
    "favourited",
    "favourites_count",
    "id",
    "in_reply_to_account_id",
    "in_reply_to_id",
    "language",
    "media_attachments",
    "mentions",
    "muted",
    "pinned",
    "pleroma",
    "poll",
    "quotes_count",
    "reblog",
    "reblogged",
    "reblogs_count",
    "replies_count",
    "sensitive",
    "spoiler_text",
    "tags",
    "text",
    "uri",
    "url",
    "visibility",
    "emojis",
];

/// The keys of a status's `pleroma` block.
pub const STATUS_PLEROMA_KEYS: [&str; 20] = [
    "bookmark_folder",
    "content",
    "context",
    "conversation_id",
    "direct_conversation_id",
    "emoji_reactions",
    "expires_at",
    "in_reply_to_account_acct",
    "list_id",
    "local",
    "parent_visible",
    "pinned_at",
    "quote",
    "quote_id",
    "quote_url",
    "quote_visible",
    "quotes_count",
    "spoiler_text",
    "thread_muted",
    "local",
];

fn sorted(list: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    out.sort();
    out.dedup();
    out
}

/// Post a status as `token`; the reply must be 200.
pub async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.request(Method::POST, "/api/v1/statuses", Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

#[tokio::test]
async fn post_and_read_a_status_with_pleromas_keys() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let status =
        post(&app, &token, json!({"status": "hello @bob <script>alert(1)</script>", "spoiler_text": "cw"})).await;
    assert_eq!(keys(&status), sorted(&STATUS_KEYS));
    assert_eq!(keys(&status["pleroma"]), sorted(&STATUS_PLEROMA_KEYS));
    assert!(!status["content"].as_str().unwrap().contains("<script"), "{}", status["content"]);
    assert!(status["content"].as_str().unwrap().contains(&format!("data-user=\"{}\"", bob.id)));
    assert_eq!(status["mentions"], json!([{"id": bob.id, "acct": "bob", "username": "bob", "url": bob.ap_id}]));
    assert_eq!(status["visibility"], "public");
    assert_eq!(status["spoiler_text"], "cw");
    assert_eq!(status["account"]["id"], alice.id);
    assert_eq!(status["account"]["statuses_count"], 1);
    assert_eq!(status["reblog"], Value::Null);
    assert_eq!(status["pleroma"]["quote"], Value::Null);
    assert_eq!(status["pleroma"]["spoiler_text"], json!({"text/plain": "cw"}));
    assert!(status["uri"].as_str().unwrap().starts_with("http://localhost:4000/objects/"));
    assert_eq!(status["url"], format!("http://localhost:4000/notice/{}", status["id"].as_str().unwrap()));
    assert!(status["account"]["pleroma"].get("deactivated").is_none());
    assert!(status["account"].get("admin_user").is_none());

    let id = status["id"].as_str().unwrap();
    let shown = app.get(&format!("/api/v1/statuses/{id}"), None).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert_eq!(shown.body["id"], id);
    let missing = app.get("/api/v1/statuses/nope", None).await;
    assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
}

#[tokio::test]
async fn empty_status_is_refused_with_pleromas_message() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "write").await;
    let reply = app.request(Method::POST, "/api/v1/statuses", Some(&token), Some(json!({"status": "  "}))).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Cannot post an empty status without attachments"}))
    );
}

#[tokio::test]
async fn admin_status_is_an_admin_status() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "write").await;
    let status = post(&app, &token, json!({"status": "secret", "visibility": "direct"})).await;
    let id = status["id"].as_str().unwrap();
    for path in both_prefixes(&format!("/api/v1/pleroma/admin/statuses/{id}")) {
        let reply = app.get(&path, Some(&admin_token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(keys(&reply.body), sorted(&STATUS_KEYS));
        let account = &reply.body["account"];
        // AdminAccount: MastoAccount merged with AdminUser.
        assert_eq!(account["nickname"], "alice");
        assert_eq!(account["acct"], "alice");
        assert_eq!(account["roles"], json!({"admin": false, "moderator": false}));
        assert_eq!(account["is_active"], true);
        assert!(account.get("admin_user").is_none());
        assert_eq!(account["pleroma"]["deactivated"], false);
    }
    let reply = app.get("/api/v1/pleroma/admin/statuses/nope", Some(&admin_token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
}
