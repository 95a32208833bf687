//! Statuses over HTTP: posting (Mastodon API), reading what the caller may see, reblogs, media,
//! and the Admin API's status routes with their moderation-log entries.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};

/// Statements of GET /admin/users/:nickname/statuses of reblogs of posts with mentions, any length (issue 26: exact on both engines).
const ADMIN_STATUSES_PAGE: u64 = 7; // prefetch: the statuses with their marks, the people (issue 26)

/// The keys of a MastoStatus (Pleroma's `StatusView`: `quotes_count` is only under `pleroma`).
pub const STATUS_KEYS: [&str; 32] = [
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

/// One of each visibility by `alice`, plus a reblog of the public one by `bob`.
async fn four_statuses(app: &TestApp) -> (String, Vec<String>) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let mut ids = Vec::new();
    for visibility in ["public", "unlisted", "private", "direct"] {
        let status =
            post(app, &token, json!({"status": format!("a {visibility} post"), "visibility": visibility})).await;
        ids.push(status["id"].as_str().unwrap().to_string());
    }
    let bob_token = app.token(&bob, "read write").await;
    let reply = app.request(Method::POST, &format!("/api/v1/statuses/{}/reblog", ids[0]), Some(&bob_token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    (token, ids)
}

fn ids_of(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn admin_lists_hide_private_and_direct_without_godmode() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let (_, ids) = four_statuses(&app).await;
    for path in both_prefixes("/api/v1/pleroma/admin/users/alice/statuses") {
        let reply = app.get(&path, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(keys(&reply.body), ["activities", "total"]);
        assert_eq!(reply.body["total"], 2);
        assert_eq!(ids_of(&reply.body["activities"]), [ids[1].clone(), ids[0].clone()]);
        let account = &reply.body["activities"][0]["account"];
        assert_eq!(account["nickname"], "alice");
        assert_eq!(account["roles"], json!({"admin": false, "moderator": false}));
        let god = app.get(&format!("{path}?godmode=true&page_size=3"), Some(&admin)).await;
        assert_eq!(god.body["total"], 4);
        assert_eq!(ids_of(&god.body["activities"]), [ids[3].clone(), ids[2].clone(), ids[1].clone()]);
        let page2 = app.get(&format!("{path}?godmode=true&page_size=3&page=2"), Some(&admin)).await;
        assert_eq!(ids_of(&page2.body["activities"]), [ids[0].clone()]);
    }
    let reply = app.get("/api/v1/pleroma/admin/users/nobody/statuses", Some(&admin)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));

    for path in both_prefixes("/api/v1/pleroma/admin/statuses") {
        let reply = app.get(&path, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(ids_of(&reply.body), [ids[1].clone(), ids[0].clone()]);
        let reply = app.get(&format!("{path}?godmode=true&with_reblogs=true"), Some(&admin)).await;
        let listed = ids_of(&reply.body);
        assert_eq!(listed.len(), 5);
        let reblog = &reply.body[0];
        assert_eq!(reblog["reblog"]["id"], ids[0]);
        assert!(reblog.get("card").is_none() && reblog.get("text").is_none(), "an Announce's keys");
        assert_eq!(keys(&reblog["pleroma"]), ["bookmark_folder", "local", "pinned_at"]);
        assert_eq!(reblog["reblog"]["account"]["nickname"], "alice");
        let local = app.get(&format!("{path}?local_only=true"), Some(&admin)).await;
        assert_eq!(ids_of(&local.body).len(), 2);
    }
}

#[tokio::test]
async fn instance_statuses_and_stats() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    four_statuses(&app).await;
    let remote = app.remote_user("carol", "remote.example").await;
    for visibility in ["public", "private"] {
        remote_status(&app, &remote, visibility).await;
    }
    for path in both_prefixes("/api/v1/pleroma/admin/instances/remote.example/statuses") {
        let reply = app.get(&format!("{path}?godmode=true"), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["total"], 1, "godmode is ignored here");
        assert_eq!(reply.body["activities"][0]["visibility"], "public");
        assert_eq!(reply.body["activities"][0]["account"]["local"], false);
    }
    let reply = app.get("/api/v1/pleroma/admin/instances/unknown.example/statuses", Some(&admin)).await;
    assert_eq!(reply.body, json!({"total": 0, "activities": []}));
    for path in both_prefixes("/api/v1/pleroma/admin/stats") {
        let reply = app.get(&path, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body, json!({"status_visibility": {"public": 2, "unlisted": 1, "private": 2, "direct": 1}}));
        let reply = app.get(&format!("{path}?instance=remote.example"), Some(&admin)).await;
        assert_eq!(reply.body, json!({"status_visibility": {"public": 1, "unlisted": 0, "private": 1, "direct": 0}}));
    }
}

#[tokio::test]
async fn admin_update_and_delete_are_logged_in_pleromas_words() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let (_, ids) = four_statuses(&app).await;
    let id = &ids[0];
    for (n, path) in both_prefixes(&format!("/api/v1/pleroma/admin/statuses/{id}")).into_iter().enumerate() {
        let sensitive = n == 0;
        let reply = app
            .request(Method::PUT, &path, Some(&admin), Some(json!({"sensitive": sensitive, "visibility": "private"})))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["sensitive"], sensitive);
        assert_eq!(reply.body["visibility"], "private");
        assert!(reply.body["account"].get("nickname").is_none(), "PUT answers a plain MastoStatus");
    }
    let reply = app
        .request(
            Method::PUT,
            &format!("/api/v1/pleroma/admin/statuses/{id}"),
            Some(&admin),
            Some(json!({"visibility": "nope"})),
        )
        .await;
    // Admin.StatusOperation's VisibilityScope enum (status_controller_test.exs: "test - Invalid value for enum.").
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "nope - Invalid value for enum.");
    let reply = app
        .request(Method::PUT, "/api/v1/pleroma/admin/statuses/nope", Some(&admin), Some(json!({"sensitive": true})))
        .await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));

    let reply =
        app.request(Method::DELETE, &format!("/api/pleroma/admin/statuses/{}", ids[1]), Some(&admin), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    let reply =
        app.request(Method::DELETE, &format!("/api/v1/pleroma/admin/statuses/{}", ids[1]), Some(&admin), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));

    let log = app.get("/api/v1/pleroma/admin/moderation_log", Some(&admin)).await;
    let messages: Vec<&str> =
        log.body["items"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(
        messages,
        [
            format!("@admin deleted status #{}", ids[1]),
            format!("@admin updated status #{id}, set sensitive: 'false', visibility: 'private'"),
            format!("@admin updated status #{id}, set sensitive: 'true', visibility: 'private'"),
        ]
    );
    let entry = &log.body["items"][0]["data"];
    assert_eq!(entry["action"], "status_delete");
    assert_eq!(entry["subject_id"], ids[1].as_str());
}

/// A page of 50 admin statuses costs as many SQL statements as a small page.
#[tokio::test]
async fn admin_status_pages_cost_a_constant_number_of_statements() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let users = [app.user("u1").await, app.user("u2").await, app.user("u3").await];
    // The quoted status's author lists nothing itself, so no page finds its account cached.
    let quoted_author = app.user("u0").await;
    let base_token = app.token(&quoted_author, "write").await;
    let base = post(&app, &base_token, json!({"status": "base"})).await;
    // Every listed item has the same shape: u0's reblog of a post that mentions two users.
    // (Items of mixed shapes resolve in more loader rounds, whose batches may merge or split
    // with timing: still no statement per item, but no exact count either.)
    let _ = &base;
    for i in 0..55 {
        let user = &users[i % 3];
        let token = app.token(user, "write").await;
        let body = json!({"status": format!("post {i} @u1 @u2")});
        let status = post(&app, &token, body).await;
        let path = format!("/api/v1/statuses/{}/reblog", status["id"].as_str().unwrap());
        let reply = app.request(Method::POST, &path, Some(&base_token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let run = |size: usize| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let url = format!("/api/v1/pleroma/admin/users/u0/statuses?with_reblogs=true&page_size={size}");
            app.get(&url, Some(&admin)).await;
            // The page is prefetched (`statuses::prefetch`): every run costs the same.
            let mut costs = vec![];
            for _ in 0..3 {
                let before = app.statements();
                let reply = app.get(&url, Some(&admin)).await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
                assert_eq!(reply.body["activities"].as_array().unwrap().len(), size);
                costs.push(app.statements() - before);
            }
            assert!(costs.iter().all(|c| *c == costs[0]), "page of {size}: {costs:?}");
            costs[0]
        }
    };
    // Pages holding the same kinds of rows cost the same, whatever their length.
    let three = run(3).await;
    let fifty = run(50).await;
    let one = run(1).await;
    eprintln!("GET /admin/users/:nickname/statuses: page of 1: {one}, of 3: {three}, of 50: {fifty}");
    assert_eq!((one, three, fifty), (ADMIN_STATUSES_PAGE, ADMIN_STATUSES_PAGE, ADMIN_STATUSES_PAGE));
}

/// A status of a remote account, stored as an import would store it.
pub async fn remote_status(app: &TestApp, author: &entity::user::Model, visibility: &str) -> entity::status::Model {
    let id = pleroma_gateway::ids::flake_id();
    let domain = author.domain.clone().unwrap_or_default();
    let row = entity::status::ActiveModel {
        id: sea_orm::Set(id.clone()),
        ap_id: sea_orm::Set(format!("https://{domain}/objects/{id}")),
        user_id: sea_orm::Set(author.id.clone()),
        content: sea_orm::Set("remote".into()),
        source: sea_orm::Set(None),
        content_type: sea_orm::Set("text/html".into()),
        visibility: sea_orm::Set(visibility.into()),
        sensitive: sea_orm::Set(false),
        spoiler_text: sea_orm::Set(String::new()),
        in_reply_to_id: sea_orm::Set(None),
        in_reply_to_user_id: sea_orm::Set(None),
        reblog_of_id: sea_orm::Set(None),
        quote_of_id: sea_orm::Set(None),
        context: sea_orm::Set(format!("https://{domain}/contexts/{id}")),
        language: sea_orm::Set(None),
        local: sea_orm::Set(false),
        idempotency_key: sea_orm::Set(None),
        created_at: sea_orm::Set(chrono::Utc::now()),
        edited_at: sea_orm::Set(None),
        replies_count: sea_orm::NotSet,
        reblogs_count: sea_orm::NotSet,
        quotes_count: sea_orm::NotSet,
        favourites_count: sea_orm::NotSet,
    };
    sea_orm::ActiveModelTrait::insert(row, &app.state.db.write).await.unwrap()
}

#[tokio::test]
async fn media_upload_round_trip_and_attach() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let png: Vec<u8> = [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[7u8; 100][..]].concat();
    let upload = |bytes: Vec<u8>, name: &str, mime: &str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).unwrap();
        let form = reqwest::multipart::Form::new().part("file", part).text("description", "a dot");
        app.client.post(format!("{}/api/v1/media", app.base)).bearer_auth(&token).multipart(form).send()
    };
    let reply = crate::common::Reply::from(upload(png.clone(), "dot.png", "image/png").await.unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        keys(&reply.body),
        ["blurhash", "description", "id", "pleroma", "preview_url", "remote_url", "text_url", "type", "url"]
    );
    assert_eq!(reply.body["type"], "image");
    assert_eq!(reply.body["description"], "a dot");
    assert_eq!(reply.body["pleroma"], json!({"mime_type": "image/png"}));
    let url = reply.body["url"].as_str().unwrap().replace("http://localhost:4000", &app.base);
    let served = app.client.get(&url).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);

    // Attached to a status, with no text.
    let media_id = reply.body["id"].as_str().unwrap().to_string();
    let status = post(&app, &token, json!({"media_ids": [media_id]})).await;
    assert_eq!(status["media_attachments"][0]["id"], media_id.as_str());
    // Refusals: pages that would run script here, empty files.
    let reply =
        crate::common::Reply::from(upload(b"<script>x</script>".to_vec(), "x.html", "text/html").await.unwrap()).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Unsupported file type: text/html"}))
    );
    let reply = crate::common::Reply::from(upload(vec![], "e.png", "image/png").await.unwrap()).await;
    assert_eq!((reply.status, reply.body), (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Empty file"})));
    let missing = app.client.get(format!("{}/media/nope.png", app.base)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn idempotency_markdown_replies_and_visibility() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let c = app.token(&carol, "read write").await;
    // The same Idempotency-Key gives the same status.
    let send = |key: &str| {
        app.client
            .post(format!("{}/api/v1/statuses", app.base))
            .bearer_auth(&a)
            .header("Idempotency-Key", key)
            .json(&json!({"status": "once"}))
            .send()
    };
    let first = crate::common::Reply::from(send("k1").await.unwrap()).await;
    let again = crate::common::Reply::from(send("k1").await.unwrap()).await;
    assert_eq!(first.body["id"], again.body["id"]);
    let other = crate::common::Reply::from(send("k2").await.unwrap()).await;
    assert_ne!(first.body["id"], other.body["id"]);

    let md = post(
        &app,
        &a,
        json!({"status": "**bold** @bob@localhost:4000 <script>x()</script>", "content_type": "text/markdown"}),
    )
    .await;
    let html = md["content"].as_str().unwrap();
    assert!(html.contains("<strong>bold</strong>") && !html.contains("script"), "{html}");
    assert_eq!(md["mentions"][0]["acct"], "bob");
    assert_eq!(md["pleroma"]["content"]["text/plain"], "bold @bob ");

    // A direct message: its author and the mentioned see it; nobody else does.
    let dm = post(&app, &a, json!({"status": "psst @bob", "visibility": "direct"})).await;
    let path = format!("/api/v1/statuses/{}", dm["id"].as_str().unwrap());
    assert_eq!(app.get(&path, Some(&b)).await.status, StatusCode::OK);
    assert_eq!(app.get(&path, Some(&a)).await.status, StatusCode::OK);
    let hidden = app.get(&path, Some(&c)).await;
    assert_eq!((hidden.status, hidden.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);
    // A reply joins the thread, mentions the author and defaults to the parent's visibility;
    // a reply to a direct message must be direct.
    let reply = post(&app, &b, json!({"status": "ok", "in_reply_to_id": dm["id"]})).await;
    assert_eq!(reply["visibility"], "direct");
    assert_eq!(reply["in_reply_to_account_id"], alice.id);
    assert_eq!(reply["pleroma"]["context"], dm["pleroma"]["context"]);
    assert_eq!(reply["pleroma"]["in_reply_to_account_acct"], "alice");
    assert_eq!(reply["pleroma"]["parent_visible"], true);
    let refused = app
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&b),
            Some(json!({"status": "x", "in_reply_to_id": dm["id"], "visibility": "public"})),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "The message visibility must be direct"}))
    );
    let refused = app
        .request(Method::POST, "/api/v1/statuses", Some(&c), Some(json!({"status": "x", "in_reply_to_id": dm["id"]})))
        .await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "The post being replied to was deleted"}))
    );
    let refused = app
        .request(Method::POST, "/api/v1/statuses", Some(&c), Some(json!({"status": "x", "visibility": "nope"})))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reblog_unreblog_delete_and_quotes() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let original = post(&app, &a, json!({"status": "original"})).await;
    let id = original["id"].as_str().unwrap();
    let reblog = app.request(Method::POST, &format!("/api/v1/statuses/{id}/reblog"), Some(&b), None).await;
    assert_eq!(reblog.status, StatusCode::OK, "{}", reblog.text);
    assert_eq!(reblog.body["reblog"]["id"], id);
    assert_eq!(reblog.body["reblog"]["reblogged"], true);
    assert_eq!(reblog.body["reblogged"], true);
    assert_eq!(reblog.body["mentions"][0]["id"], alice.id);
    let again = app.request(Method::POST, &format!("/api/v1/statuses/{id}/reblog"), Some(&b), None).await;
    assert_eq!(again.body["id"], reblog.body["id"]);
    assert_eq!(app.get(&format!("/api/v1/statuses/{id}"), None).await.body["reblogs_count"], 1);
    let undone = app.request(Method::POST, &format!("/api/v1/statuses/{id}/unreblog"), Some(&b), None).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text);
    assert_eq!(
        (undone.body["id"].clone(), undone.body["reblogs_count"].clone(), undone.body["reblogged"].clone()),
        (json!(id), json!(0), json!(false))
    );

    // Quotes, with Link pagination, on both prefixes.
    let mut quotes = Vec::new();
    for i in 0..3 {
        quotes.push(post(&app, &b, json!({"status": format!("quote {i}"), "quote_id": id})).await);
    }
    assert_eq!(quotes[0]["pleroma"]["quote"]["id"], id);
    assert_eq!(quotes[0]["pleroma"]["quote"]["pleroma"]["quote"], Value::Null);
    assert_eq!(quotes[0]["pleroma"]["quote_id"], id);
    assert_eq!(quotes[0]["pleroma"]["quote_visible"], true);
    for path in both_prefixes(&format!("/api/v1/pleroma/statuses/{id}/quotes")) {
        let reply = app.get(&format!("{path}?limit=2"), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(ids_of(&reply.body), [quotes[2]["id"].as_str().unwrap(), quotes[1]["id"].as_str().unwrap()]);
        let link = reply.headers["link"].to_str().unwrap();
        assert!(link.contains(&format!("max_id={}", quotes[1]["id"].as_str().unwrap())), "{link}");
        let rest = app.get(&format!("{path}?max_id={}", quotes[1]["id"].as_str().unwrap()), None).await;
        assert_eq!(ids_of(&rest.body), [quotes[0]["id"].as_str().unwrap()]);
        let missing = app.get(&path.replace(id, "nope"), None).await;
        assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    }

    // Only the author deletes through the Mastodon API; the answer carries the source text.
    let denied = app.request(Method::DELETE, &format!("/api/v1/statuses/{id}"), Some(&b), None).await;
    assert_eq!((denied.status, denied.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    let deleted = app.request(Method::DELETE, &format!("/api/v1/statuses/{id}"), Some(&a), None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.body["text"], "original");
    assert_eq!(app.get(&format!("/api/v1/statuses/{id}"), None).await.status, StatusCode::NOT_FOUND);
    // The quotes remain; the quoted status is gone from them.
    let quote = app.get(&format!("/api/v1/statuses/{}", quotes[0]["id"].as_str().unwrap()), None).await;
    assert_eq!(quote.body["pleroma"]["quote"], Value::Null);
    assert_eq!(quote.body["pleroma"]["quote_visible"], false);
}

/// GraphQL first: the staff connection pages with keyset cursors and counts; the admin side
/// of an account shows to staff who read statuses or handle reports, to no one else.
#[tokio::test]
async fn graphql_statuses_connection_and_admin_user_rule() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let (alice_token, ids) = four_statuses(&app).await;
    let query = "query($after: String) { statuses(first: 1, after: $after, filter: {account: \"alice\", godmode: true}) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id visibility account { acct adminUser { nickname isActive } } } } }";
    let first = app.graphql(Some(&admin), query, json!({})).await;
    assert!(first["errors"].is_null(), "{first}");
    let page = &first["data"]["statuses"];
    assert_eq!(page["totalCount"], 4);
    assert_eq!(page["nodes"][0]["id"], ids[3].as_str());
    assert_eq!(page["nodes"][0]["account"]["adminUser"], json!({"nickname": "alice", "isActive": true}));
    let next = app.graphql(Some(&admin), query, json!({"after": page["pageInfo"]["endCursor"]})).await;
    assert_eq!(next["data"]["statuses"]["nodes"][0]["id"], ids[2].as_str());

    // Outside the staff status and report lists the admin side is what
    // `GET /api/v1/pleroma/admin/users/:nickname` shows: an admin sees it, a default moderator
    // (no `users_read`) does not, nor does a user.
    let show = format!("{{ status(id: \"{}\") {{ account {{ adminUser {{ nickname }} }} }} }}", ids[0]);
    let reply = app.graphql(Some(&admin), &show, json!({})).await;
    assert_eq!(reply["data"]["status"]["account"]["adminUser"]["nickname"], "alice", "{reply}");
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "read write admin").await;
    let reply = app.graphql(Some(&mod_token), &show, json!({})).await;
    assert_eq!(reply["errors"][0]["message"], "User isn't privileged.", "{reply}");
    let reply = app.graphql(Some(&alice_token), &show, json!({})).await;
    assert_eq!(reply["errors"][0]["message"], "User is not a staff member.", "{reply}");
    // Plain users cannot list statuses as staff.
    let reply = app.graphql(Some(&alice_token), "{ statuses { totalCount } }", json!({})).await;
    assert_eq!(reply["errors"][0]["extensions"]["code"], "FORBIDDEN", "{reply}");
    // Mutations with inputs and payloads.
    let reply = app
        .graphql(
            Some(&alice_token),
            "mutation($s: String) { createStatus(input: {status: $s, visibility: UNLISTED}) { status { visibility content } } }",
            json!({"s": "from graphql"}),
        )
        .await;
    assert_eq!(reply["data"]["createStatus"]["status"], json!({"visibility": "unlisted", "content": "from graphql"}));
    let counts =
        app.graphql(Some(&admin), "{ statusVisibilityCounts { public unlisted private direct } }", json!({})).await;
    assert_eq!(
        counts["data"]["statusVisibilityCounts"],
        json!({"public": 1, "unlisted": 2, "private": 1, "direct": 1})
    );
}

/// The admin status list reads the newest page by walking the primary key backwards, whatever
/// the filters, instead of sorting every match (SQLite with bound parameters would otherwise
/// pick the visibility or reblog index and sort in a temporary B-tree).
#[tokio::test]
async fn the_status_list_plan_walks_the_primary_key() {
    use pleroma_gateway::domain::statuses::StatusSearch;
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::new().await;
    let db = &app.state.db.read;
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    db.execute_unprepared("ANALYZE").await.unwrap();
    let searches = [
        StatusSearch::default(),
        StatusSearch { godmode: true, ..Default::default() },
        StatusSearch { local_only: true, with_reblogs: true, ..Default::default() },
        StatusSearch { godmode: true, with_reblogs: true, ..Default::default() },
        StatusSearch { before_id: Some("A".repeat(18)), ..Default::default() },
    ];
    for search in searches {
        let page = search.page_statement(DbBackend::Sqlite, 100, 50);
        let explain = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {}", page.sql),
            page.values.map(|v| v.0).unwrap_or_default(),
        );
        let plan: Vec<String> = db
            .query_all_raw(explain)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "detail").unwrap())
            .collect();
        assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{search:?}: {plan:?}");
    }
}

/// Issue 24: scripts, XML, feeds and text are stored but never served as what they claim:
/// an attachment typed `application/octet-stream`; Pleroma's inline types stay inline; every
/// upload is `nosniff` and sandboxed.
#[tokio::test]
async fn uploads_are_inline_only_for_pleromas_inline_types() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let served = |name: &'static str, mime: &'static str, bytes: &'static [u8]| {
        let (app, token) = (&app, &token);
        async move {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name).mime_str(mime).unwrap();
            let form = reqwest::multipart::Form::new().part("file", part);
            let reply = app.client.post(format!("{}/api/v1/media", app.base)).bearer_auth(token).multipart(form);
            let reply = crate::common::Reply::from(reply.send().await.unwrap()).await;
            assert_eq!(reply.status, StatusCode::OK, "{mime}: {}", reply.text);
            let url = reply.body["url"].as_str().unwrap().replace("http://localhost:4000", &app.base);
            let response = app.client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let header = |h: &str| response.headers().get(h).map(|v| v.to_str().unwrap().to_string());
            assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{mime}");
            assert_eq!(header("content-security-policy").as_deref(), Some("sandbox"), "{mime}");
            (header("content-type").unwrap(), header("content-disposition"))
        }
    };
    for (name, mime, bytes) in [
        ("x.js", "text/javascript", &b"alert(document.domain)"[..]),
        ("x.xml", "text/xml", b"<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert(1)</x:script>"),
        ("feed.rss", "application/rss+xml", b"<rss version=\"2.0\"><channel/></rss>"),
        ("notes.txt", "text/plain", b"hello"),
    ] {
        let (content_type, disposition) = served(name, mime, bytes).await;
        assert_eq!(content_type, "application/octet-stream", "{mime}");
        let disposition = disposition.unwrap_or_default();
        assert!(disposition.starts_with("attachment; filename=\""), "{mime}: {disposition}");
    }
    let png = &[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0][..];
    assert_eq!(served("dot.png", "image/png", png).await, ("image/png".to_string(), None));
    let webp = &b"RIFF\0\0\0\0WEBPVP8 "[..];
    let (content_type, disposition) = served("dot.webp", "image/webp", webp).await;
    assert_eq!(content_type, "image/webp");
    assert!(disposition.unwrap_or_default().starts_with("attachment"));
}

/// The whole status body of `GET /admin/statuses/:id`, as Pleroma's `StatusView` renders it for an
/// admin, a reader's view of the wire shape (ids, times and URLs redacted; the account's own
/// keys are the admin account view's, shown whole in `reports::report_body`).
#[tokio::test]
async fn admin_status_body() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "write").await;
    let status = post(&app, &token, json!({"status": "hello #world", "spoiler_text": "cw"})).await;
    let id = status["id"].as_str().unwrap();
    let mut body = app.get(&format!("/api/v1/pleroma/admin/statuses/{id}"), Some(&admin_token)).await.body;
    body["account"] = json!(body["account"]["acct"]);
    insta::assert_json_snapshot!(
        body,
        {
            ".**.id" => "[id]", ".**.created_at" => "[time]", ".**.uri" => "[url]", ".**.url" => "[url]",
            ".pleroma.conversation_id" => "[id]", ".pleroma.context" => "[url]",
        },
        @r#"
    {
      "account": "alice",
      "application": null,
      "bookmarked": false,
      "card": null,
      "content": "hello <a class=\"hashtag\" data-tag=\"world\" href=\"http://localhost:4000/tag/world\" rel=\"tag ugc\">#world</a>",
      "created_at": "[time]",
      "edited_at": null,
      "emojis": [],
      "favourited": false,
      "favourites_count": 0,
      "id": "[id]",
      "in_reply_to_account_id": null,
      "in_reply_to_id": null,
      "language": null,
      "media_attachments": [],
      "mentions": [],
      "muted": false,
      "pinned": false,
      "pleroma": {
        "bookmark_folder": null,
        "content": {
          "text/plain": "hello #world"
        },
        "context": "[url]",
        "conversation_id": "[id]",
        "direct_conversation_id": null,
        "emoji_reactions": [],
        "expires_at": null,
        "in_reply_to_account_acct": null,
        "list_id": null,
        "local": true,
        "parent_visible": false,
        "pinned_at": null,
        "quote": null,
        "quote_id": null,
        "quote_url": null,
        "quote_visible": false,
        "quotes_count": 0,
        "spoiler_text": {
          "text/plain": "cw"
        },
        "thread_muted": false
      },
      "poll": null,
      "reblog": null,
      "reblogged": false,
      "reblogs_count": 0,
      "replies_count": 0,
      "sensitive": false,
      "spoiler_text": "cw",
      "tags": [
        {
          "name": "world",
          "url": "[url]"
        }
      ],
      "text": null,
      "uri": "[url]",
      "url": "[url]",
      "visibility": "public"
    }
    "#
    );
    // Tags are lower-cased; their URL is percent-encoded as Elixir's `URI.encode` does.
    let status = post(&app, &token, json!({"status": "#Café and #café, #2024 #x_y"})).await;
    assert_eq!(
        status["tags"],
        json!([
            {"name": "café", "url": "http://localhost:4000/tag/caf%C3%A9"},
            {"name": "x_y", "url": "http://localhost:4000/tag/x_y"}
        ])
    );
}
