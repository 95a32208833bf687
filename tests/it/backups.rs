//! Backups (ROUTES.md §22): the user's own archives, an admin's request, the archive's content,
//! the download, the mail, the limit and privileges.
use std::io::Read;

use chrono::{Duration, Utc};
use entity::{backup, follow, moderation_log};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};

const OWN: &str = "/api/v1/pleroma/backups";
const ADMIN: &str = "/api/v1/pleroma/admin/backups";

fn backup_keys() -> Vec<String> {
    let mut k: Vec<String> =
        ["content_type", "file_size", "id", "inserted_at", "processed", "url"].iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

/// Open an archive and read its JSON files.
fn open(bytes: &[u8]) -> std::collections::BTreeMap<String, Value> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        let name = entry.name().unwrap().to_string();
        out.insert(name, serde_json::from_str(&text).expect("JSON"));
    }
    out
}

async fn last_log(app: &TestApp) -> String {
    moderation_log::Entity::find()
        .order_by_desc(moderation_log::Column::Id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap()
        .message
}

#[tokio::test]
async fn backup_requested_built_downloaded_and_mailed() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    for text in ["first post", "second post"] {
        let reply = app.request(Method::POST, "/api/v1/statuses", Some(&token), Some(json!({"status": text}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    follow::ActiveModel {
        follower_id: Set(alice.id.clone()),
        following_id: Set(bob.id.clone()),
        inserted_at: Set(Utc::now()),
        show_reblogs: Set(true),
        notify: Set(false),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();

    let [v1, legacy] = both_prefixes(OWN);
    // Nothing yet.
    let reply = app.get(&legacy, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!([]));
    // Request one: the list, newest first, not processed yet.
    let reply = app.request(Method::POST, &v1, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let list = reply.body.as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(keys(&list[0]), backup_keys());
    assert_eq!(list[0]["processed"], json!(false));
    assert_eq!(list[0]["file_size"], json!(0));
    assert_eq!(list[0]["content_type"], json!("application/zip"));
    assert!(list[0]["id"].is_i64());
    let url = list[0]["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("http://localhost:4000/media/backups/archive-alice-"), "{url}");
    // Pleroma's path, with a signed link for a browser that sends no token (issue 24).
    let (bare, signature) = url.split_once('?').unwrap();
    assert!(bare.ends_with(".zip"));
    assert!(signature.starts_with("expires=") && signature.contains("&sig="), "{url}");
    assert!(list[0]["inserted_at"].as_str().unwrap().ends_with(".000Z"));
    let state = app.graphql(Some(&token), "{ myBackups { state processed } }", json!({})).await;
    assert_eq!(state["data"]["myBackups"], json!([{"state": "pending", "processed": false}]));
    // A second request within limit_days (7) is refused with Pleroma's text, on both prefixes.
    for path in [&v1, &legacy] {
        let reply = app.request(Method::POST, path, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.body, json!({"error": "Last export was less than 7 days ago"}));
    }

    // The job builds it.
    assert!(app.run_jobs().await >= 1);
    let reply = app.get(&v1, Some(&token)).await;
    let row = &reply.body[0];
    assert_eq!(row["processed"], json!(true));
    assert!(row["file_size"].as_i64().unwrap() > 0);
    let state = app.graphql(Some(&token), "{ myBackups { state processedNumber } }", json!({})).await;
    assert_eq!(state["data"]["myBackups"], json!([{"state": "complete", "processedNumber": 2}]));

    // Download with the signed link (no token) and open it.
    let path = url.trim_start_matches("http://localhost:4000");
    let response = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len() as i64, row["file_size"].as_i64().unwrap());
    let files = open(&bytes);
    assert_eq!(
        files.keys().cloned().collect::<Vec<_>>(),
        ["actor.json", "bookmarks.json", "followers.json", "following.json", "likes.json", "outbox.json"]
    );
    let actor = &files["actor.json"];
    assert_eq!(actor["id"], json!(alice.ap_id));
    assert_eq!(actor["preferredUsername"], json!("alice"));
    assert_eq!(actor["outbox"], json!("outbox.json"));
    assert_eq!(actor["likes"], json!("likes.json"));
    assert_eq!(actor["bookmarks"], json!("bookmarks.json"));
    let outbox = &files["outbox.json"];
    assert_eq!(outbox["type"], json!("OrderedCollection"));
    assert_eq!(outbox["id"], json!("outbox.json"));
    assert_eq!(outbox["totalItems"], json!(2));
    let items = outbox["orderedItems"].as_array().unwrap();
    assert_eq!(items[0]["type"], json!("Create"));
    assert_eq!(items[0]["actor"], json!(alice.ap_id));
    assert!(items[0]["object"]["content"].as_str().unwrap().contains("first post"));
    assert!(items[1]["object"]["content"].as_str().unwrap().contains("second post"));
    assert_eq!(items[0]["to"], json!(["https://www.w3.org/ns/activitystreams#Public"]));
    assert_eq!(files["following.json"]["orderedItems"], json!([bob.ap_id]));
    assert_eq!(files["following.json"]["totalItems"], json!(1));
    assert_eq!(files["followers.json"]["totalItems"], json!(0));
    assert_eq!(files["likes.json"]["orderedItems"], json!([]));
    assert_eq!(files["bookmarks.json"]["totalItems"], json!(0));

    // The mail.
    let mails = crate::credentials::outbox(&app);
    let mail = mails.iter().find(|m| m.subject == "Your account archive is ready").expect("backup mail");
    assert!(mail.to.contains("alice@example.org"));
    assert!(mail.body.contains(&format!("{bare}?expires=")), "{}", mail.body);

    // Unknown archives are 404.
    let reply = app.get("/media/backups/archive-nobody.zip", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Past the limit (whole days since the last one must exceed limit_days), a new one is allowed.
    let last = backup::Entity::find().filter(backup::Column::UserId.eq(&alice.id)).one(&app.state.db.write).await;
    let mut last: backup::ActiveModel = last.unwrap().unwrap().into();
    last.inserted_at = Set(Utc::now() - Duration::days(7) - Duration::hours(1));
    last.update(&app.state.db.write).await.unwrap();
    let reply = app.request(Method::POST, &legacy, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "7 whole days is not more than 7");
    let mut last: backup::ActiveModel = backup::Entity::find().one(&app.state.db.write).await.unwrap().unwrap().into();
    last.inserted_at = Set(Utc::now() - Duration::days(8) - Duration::hours(1));
    last.update(&app.state.db.write).await.unwrap();
    let reply = app.request(Method::POST, &legacy, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body.as_array().unwrap().len(), 2);
    assert!(reply.body[0]["id"].as_i64() > reply.body[1]["id"].as_i64());
}

#[tokio::test]
async fn backup_limit_of_one_day_uses_the_singular() {
    let app = TestApp::with_settings(|s| s.backup.limit_days = 1).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    assert_eq!(app.request(Method::POST, OWN, Some(&token), None).await.status, StatusCode::OK);
    let reply = app.request(Method::POST, OWN, Some(&token), None).await;
    assert_eq!(reply.body, json!({"error": "Last export was less than a day ago"}));
}

#[tokio::test]
async fn backup_scopes_and_authentication() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let write_only = app.token(&alice, "write").await;
    for path in both_prefixes(OWN) {
        for method in [Method::GET, Method::POST] {
            let reply = app.request(method.clone(), &path, Some(&write_only), None).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN);
            assert_eq!(reply.body, json!({"error": "Insufficient permissions: read:backups."}));
            let reply = app.request(method, &path, None, None).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN);
        }
    }
    let narrow = app.token(&alice, "read:backups").await;
    assert_eq!(app.request(Method::POST, OWN, Some(&narrow), None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn admin_backup_for_a_user_is_logged_unlimited_and_refused_to_others() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.user("bob").await;
    for path in both_prefixes(ADMIN) {
        let reply = app.request(Method::POST, &path, Some(&token), Some(json!({"nickname": "bob"}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.text, "\"\"");
        assert_eq!(last_log(&app).await, "@admin requested account backup for @bob");
        let reply = app.request(Method::POST, &path, Some(&token), Some(json!({"nickname": "nobody"}))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.body, json!({"error": "Not found"}));
    }
    let rows = backup::Entity::find().filter(backup::Column::UserId.eq(&bob.id)).all(&app.state.db.read).await.unwrap();
    assert_eq!(rows.len(), 2, "admins are not limited");
    app.run_jobs().await;
    let bob_token = app.token(&bob, "read").await;
    let reply = app.get(OWN, Some(&bob_token)).await;
    assert!(reply.body.as_array().unwrap().iter().all(|b| b["processed"] == json!(true)));
    // Missing nickname: validation.
    let reply = app.request(Method::POST, ADMIN, Some(&token), Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // A moderator is not an admin; the scope is admin:read:accounts.
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let reply = app.request(Method::POST, ADMIN, Some(&mod_token), Some(json!({"nickname": "bob"}))).await;
    assert_eq!(reply.body, json!({"error": "User is not an admin."}));
    let admin = app.admin("boss").await;
    let narrow = app.token(&admin, "admin:read:accounts").await;
    let reply = app.request(Method::POST, ADMIN, Some(&narrow), Some(json!({"nickname": "bob"}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let wrong = app.token(&admin, "admin:write").await;
    let reply = app.request(Method::POST, ADMIN, Some(&wrong), Some(json!({"nickname": "bob"}))).await;
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: admin:read:accounts."}));
}

#[tokio::test]
async fn archives_past_purge_after_days_are_deleted_by_housekeeping() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    let reply = app.request(Method::POST, OWN, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    app.run_jobs().await;
    let row = backup::Entity::find().one(&app.state.db.write).await.unwrap().unwrap();
    let file = app.data_dir.join("uploads/backups").join(&row.file_name);
    assert!(file.exists());
    app.state.housekeeping().await.unwrap();
    assert!(file.exists(), "a fresh archive stays");
    let mut old: backup::ActiveModel = row.into();
    old.inserted_at = Set(Utc::now() - Duration::days(31));
    old.update(&app.state.db.write).await.unwrap();
    app.state.housekeeping().await.unwrap();
    assert!(!file.exists());
    assert_eq!(app.get(OWN, Some(&token)).await.body, json!([]));
}

#[tokio::test]
async fn listing_backups_costs_the_same_statements_for_one_or_many() {
    let app = TestApp::with_settings(|s| s.backup.limit_days = -1).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    let mut costs = Vec::new();
    for n in [1, 6] {
        while app.get(OWN, Some(&token)).await.body.as_array().unwrap().len() < n {
            assert_eq!(app.request(Method::POST, OWN, Some(&token), None).await.status, StatusCode::OK);
        }
        app.get(OWN, Some(&token)).await; // warm the token cache
        let before = app.statements();
        let reply = app.get(OWN, Some(&token)).await;
        assert_eq!(reply.body.as_array().unwrap().len(), n);
        costs.push(app.statements() - before);
    }
    assert_eq!(costs[0], costs[1], "{costs:?}");
    assert!(costs[0] <= 2, "{costs:?}");
}

/// Issue 24: an archive is served only to its owner and admins — by token, or by the signed
/// link their listing gave them — and goes (rows and files) with its owner's account.
#[tokio::test]
async fn archives_are_private_to_their_owner_and_go_with_the_account() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    let eve = app.user("eve").await;
    let eve_token = app.token(&eve, "read").await;
    let admin_token = app.admin_token().await;
    let reply = app.request(Method::POST, OWN, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(app.run_jobs().await >= 1);
    let listed = app.get(OWN, Some(&token)).await.body[0]["url"].as_str().unwrap().to_string();
    let signed = listed.trim_start_matches("http://localhost:4000").to_string();
    let (bare, _) = signed.split_once('?').unwrap();
    let bare = bare.to_string();
    let get = |path: String, token: Option<String>| {
        let request = app.client.get(format!("{}{path}", app.base));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        async move { request.send().await.unwrap().status() }
    };

    assert_eq!(get(bare.clone(), None).await, StatusCode::FORBIDDEN);
    assert_eq!(get(bare.clone(), Some(eve_token.clone())).await, StatusCode::FORBIDDEN);
    assert_eq!(get(bare.clone(), Some(token.clone())).await, StatusCode::OK);
    assert_eq!(get(bare.clone(), Some(admin_token.clone())).await, StatusCode::OK);
    assert_eq!(get(signed.clone(), None).await, StatusCode::OK);
    // A link for another archive, a tampered one or an expired one opens nothing.
    let tampered = format!("{}x", signed);
    assert_eq!(get(tampered, None).await, StatusCode::FORBIDDEN);
    let file = bare.trim_start_matches("/media/backups/");
    let settings = app.state.settings();
    let secret = pleroma_gateway::domain::backups::link_secret(&app.state.db.write, &settings).await.unwrap();
    let expired = pleroma_gateway::domain::backups::signed_url(&settings, &secret, file, Utc::now().timestamp() - 1);
    assert_eq!(get(expired.trim_start_matches("http://localhost:4000").into(), None).await, StatusCode::FORBIDDEN);

    // Deleted: gone at once for everyone, then files and rows are removed.
    let path = app.state.uploads_dir().join("backups").join(file);
    assert!(path.exists());
    let reply =
        app.request(Method::DELETE, "/api/v1/pleroma/admin/users?nickname=alice", Some(&admin_token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(get(signed.clone(), None).await, StatusCode::NOT_FOUND);
    assert_eq!(get(bare.clone(), Some(admin_token.clone())).await, StatusCode::NOT_FOUND);
    app.run_jobs().await;
    assert!(!path.exists(), "the archive file stays");
    let rows = backup::Entity::find().filter(backup::Column::UserId.eq(&alice.id)).all(&app.state.db.write).await;
    assert!(rows.unwrap().is_empty());
}
