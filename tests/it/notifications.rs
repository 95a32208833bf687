//! Favourites, emoji reactions and notifications over HTTP. Each test names the Pleroma file it
//! follows: `status_controller_test.exs` (favourite), `pleroma_api/account_controller_test.exs`
//! (favourites), `emoji_reaction_controller_test.exs`, `notification_controller_test.exs` (both
//! APIs), `notification_test.exs` (who is notified) and `notification_view_test.exs` (keys).
use reqwest::{Method, StatusCode};
use sea_orm::Set;
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};
use crate::statuses::post;

/// Statements of GET /api/v1/notifications (mentions, favourites, reactions), a page of any length (issue 26: exact on both engines).
const NOTIFICATIONS_PAGE: u64 = 8; // prefetch: the statuses with their marks, the people (issue 26)

async fn call(app: &TestApp, method: Method, path: &str, token: &str) -> crate::common::Reply {
    app.request(method, path, Some(token), None).await
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

// Follows Pleroma's MastodonAPI.StatusControllerTest "favorites" / "unfavorites".
#[tokio::test]
async fn favourite_and_unfavourite_a_status() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let status = post(&app, &a, json!({"status": "cofe"})).await;
    let path = format!("/api/v1/statuses/{}/favourite", id(&status));

    let reply = call(&app, Method::POST, &path, &b).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["favourited"].clone(), reply.body["favourites_count"].clone()), (json!(true), json!(1)));
    assert_eq!(reply.body["id"], status["id"]);
    // Twice is once.
    let reply = call(&app, Method::POST, &path, &b).await;
    assert_eq!(reply.body["favourites_count"], 1);
    // Others see the count, not `favourited`.
    let shown = app.get(&format!("/api/v1/statuses/{}", id(&status)), Some(&a)).await;
    assert_eq!((shown.body["favourited"].clone(), shown.body["favourites_count"].clone()), (json!(false), json!(1)));

    let unfav = format!("/api/v1/statuses/{}/unfavourite", id(&status));
    let reply = call(&app, Method::POST, &unfav, &b).await;
    assert_eq!((reply.status, reply.body["favourited"].clone()), (StatusCode::OK, json!(false)));
    assert_eq!(reply.body["favourites_count"], 0);
    let reply = call(&app, Method::POST, &unfav, &b).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Could not unfavorite"})));

    // Unknown or invisible statuses: 404; scope write:favourites.
    let reply = call(&app, Method::POST, "/api/v1/statuses/nope/favourite", &b).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    let direct = post(&app, &a, json!({"status": "secret", "visibility": "direct"})).await;
    let reply = call(&app, Method::POST, &format!("/api/v1/statuses/{}/favourite", id(&direct)), &b).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let read_only = app.token(&bob, "read").await;
    let reply = call(&app, Method::POST, &path, &read_only).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().starts_with("Insufficient permissions"), "{}", reply.text);
    let reply = app.request(Method::POST, &path, None, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

// Follows Pleroma's PleromaAPI.AccountControllerTest "GET /api/v1/pleroma/accounts/:id/favourites".
#[tokio::test]
async fn an_accounts_favourites_when_shown() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user_with("bob", |u| u.hide_favorites = Set(false)).await;
    let carol = app.user_with("carol", |u| u.hide_favorites = Set(true)).await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let mut ids = vec![];
    for n in 0..3 {
        let s = post(&app, &a, json!({"status": format!("post {n}")})).await;
        assert_eq!(
            call(&app, Method::POST, &format!("/api/v1/statuses/{}/favourite", id(&s)), &b).await.status,
            StatusCode::OK
        );
        ids.push(id(&s));
    }
    let b_follow = app.token(&bob, "follow").await;
    call(&app, Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), &b_follow).await;
    let private = post(&app, &a, json!({"status": "followers", "visibility": "private"})).await;
    let reply = call(&app, Method::POST, &format!("/api/v1/statuses/{}/favourite", id(&private)), &b).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    for path in both_prefixes(&format!("/api/v1/pleroma/accounts/{}/favourites", bob.id)) {
        // Anonymous: public statuses only, newest first, a Link header.
        let reply = app.get(&format!("{path}?limit=2"), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let got: Vec<&str> = reply.body.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(got, [ids[2].as_str(), ids[1].as_str()]);
        let link = reply.headers["link"].to_str().unwrap();
        assert!(link.contains(&format!("max_id={}", ids[1])) && link.contains("rel=\"next\""), "{link}");
    }
    // The author sees the private one too.
    let reply = app.get(&format!("/api/v1/pleroma/accounts/{}/favourites", bob.id), Some(&a)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 4);
    assert_eq!(reply.body[0]["favourites_count"], 1);

    let reply = app.get(&format!("/api/v1/pleroma/accounts/{}/favourites", carol.id), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Can't get favorites"})));
    let reply = app.get("/api/v1/pleroma/accounts/nobody/favourites", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));

    // The caller's own list.
    let reply = app.get("/api/v1/favourites", Some(&b)).await;
    assert_eq!((reply.status, reply.body.as_array().unwrap().len()), (StatusCode::OK, 4));
    assert_eq!(reply.body[0]["favourited"], true);
    let reply = app.get("/api/v1/favourites", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

// Follows Pleroma's EmojiReactionControllerTest (PUT, DELETE, GET with and without the emoji).
#[tokio::test]
async fn emoji_reactions_on_a_status() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let c = app.token(&carol, "read write follow").await;
    let status = post(&app, &a, json!({"status": "react"})).await;
    let sid = id(&status);

    for (i, path) in both_prefixes(&format!("/api/v1/pleroma/statuses/{sid}/reactions/👍")).iter().enumerate() {
        let token = if i == 0 { &b } else { &c };
        let reply = call(&app, Method::PUT, path, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["id"], json!(sid));
    }
    // ⚠ is stored fully qualified.
    let reply = call(&app, Method::PUT, &format!("/api/v1/pleroma/statuses/{sid}/reactions/%E2%9A%A0"), &b).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body["pleroma"]["emoji_reactions"],
        json!([
            {"name": "👍", "count": 2, "me": true, "url": null, "account_ids": [carol.id, bob.id]},
            {"name": "\u{26A0}\u{FE0F}", "count": 1, "me": true, "url": null, "account_ids": [bob.id]}
        ])
    );
    // Every rendered status carries them; the author is not among the reactors.
    let shown = app.get(&format!("/api/v1/statuses/{sid}"), Some(&a)).await;
    assert_eq!(shown.body["pleroma"]["emoji_reactions"][0]["me"], false);
    assert_eq!(shown.body["pleroma"]["emoji_reactions"][0]["count"], 2);

    // Not an emoji, unknown status: 400.
    let reply = call(&app, Method::PUT, &format!("/api/v1/pleroma/statuses/{sid}/reactions/x"), &b).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Could not add reaction emoji"})));
    let reply = call(&app, Method::PUT, "/api/v1/pleroma/statuses/nope/reactions/👍", &b).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // GET: all, one emoji, anonymous; blocked reactors are left out for the blocker.
    for path in both_prefixes(&format!("/api/v1/pleroma/statuses/{sid}/reactions")) {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body.as_array().unwrap().len(), 2);
        assert_eq!(keys(&reply.body[0]), ["accounts", "count", "me", "name", "url"]);
        assert_eq!(reply.body[0]["accounts"][0]["id"], json!(carol.id));
    }
    let reply = app.get(&format!("/api/v1/pleroma/statuses/{sid}/reactions/👍"), Some(&b)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 1);
    assert_eq!((reply.body[0]["me"].clone(), reply.body[0]["count"].clone()), (json!(true), json!(2)));
    let reply = app.get(&format!("/api/v1/pleroma/statuses/{sid}/reactions/🎉"), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!([])));
    let reply = app.get("/api/v1/pleroma/statuses/nope/reactions", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!([])));
    call(&app, Method::POST, &format!("/api/v1/accounts/{}/block", bob.id), &c).await;
    let reply = app.get(&format!("/api/v1/pleroma/statuses/{sid}/reactions"), Some(&c)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 1, "{}", reply.text);
    assert_eq!(reply.body[0]["count"], 1);

    // DELETE.
    let reply = call(&app, Method::DELETE, &format!("/api/pleroma/statuses/{sid}/reactions/👍"), &b).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["pleroma"]["emoji_reactions"][0]["count"], 1);
    let reply = call(&app, Method::DELETE, &format!("/api/v1/pleroma/statuses/{sid}/reactions/👍"), &b).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::BAD_REQUEST, json!({"error": "Could not remove reaction emoji"}))
    );
    let read_only = app.token(&bob, "read").await;
    let reply = call(&app, Method::PUT, &format!("/api/v1/pleroma/statuses/{sid}/reactions/👍"), &read_only).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

const NOTIFICATION_KEYS: [&str; 6] = ["account", "created_at", "group_key", "id", "pleroma", "type"];

fn with(extra: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = NOTIFICATION_KEYS.iter().chain(extra).map(|s| s.to_string()).collect();
    all.sort();
    all
}

// Follows Pleroma's NotificationTest ("create_notifications") and NotificationViewTest (keys).
#[tokio::test]
async fn actions_notify_as_pleroma_does() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mallory = app.user("mallory").await;
    let admin = app.admin("root").await;
    let a = app.token(&alice, "read write follow").await;
    let b = app.token(&bob, "read write follow").await;
    let m = app.token(&mallory, "read write follow").await;
    let r = app.token(&admin, "read write").await;

    call(&app, Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), &b).await;
    let status = post(&app, &a, json!({"status": "hello"})).await;
    let sid = id(&status);
    post(&app, &b, json!({"status": "hey @alice"})).await;
    call(&app, Method::POST, &format!("/api/v1/statuses/{sid}/reblog"), &b).await;
    call(&app, Method::POST, &format!("/api/v1/statuses/{sid}/favourite"), &b).await;
    call(&app, Method::PUT, &format!("/api/v1/pleroma/statuses/{sid}/reactions/👍"), &b).await;
    // Own actions notify no one; a blocked account's do not reach the blocker.
    call(&app, Method::POST, &format!("/api/v1/statuses/{sid}/favourite"), &a).await;
    call(&app, Method::POST, &format!("/api/v1/accounts/{}/block", mallory.id), &a).await;
    call(&app, Method::POST, &format!("/api/v1/statuses/{sid}/favourite"), &m).await;

    let reply = app.get("/api/v1/notifications", Some(&a)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let list = reply.body.as_array().unwrap().clone();
    let types: Vec<&str> = list.iter().map(|n| n["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["pleroma:emoji_reaction", "favourite", "reblog", "mention", "follow"]);
    assert_eq!(keys(&list[0]), with(&["emoji", "emoji_url", "status"]));
    assert_eq!((list[0]["emoji"].clone(), list[0]["emoji_url"].clone()), (json!("👍"), Value::Null));
    assert_eq!(keys(&list[1]), with(&["status"]));
    assert_eq!(list[1]["status"]["id"], json!(sid));
    assert_eq!(list[1]["status"]["favourited"], true);
    assert_eq!(list[2]["status"]["id"], json!(sid), "a reblog notification shows the reblogged status");
    assert_eq!(keys(&list[4]), with(&[]));
    assert_eq!(list[4]["account"]["id"], json!(bob.id));
    assert_eq!(list[4]["pleroma"], json!({"is_muted": false, "is_seen": false}));
    let nid = list[4]["id"].as_str().unwrap();
    assert_eq!(list[4]["group_key"], json!(format!("ungrouped-{nid}")));
    assert!(nid.parse::<i64>().is_ok());

    // types[] / exclude_types[] and the Link header.
    let reply = app.get("/api/v1/notifications?types[]=mention&types[]=follow", Some(&a)).await;
    let types: Vec<&str> = reply.body.as_array().unwrap().iter().map(|n| n["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["mention", "follow"]);
    let reply = app.get("/api/v1/notifications?exclude_types[]=favourite&limit=2", Some(&a)).await;
    let types: Vec<&str> = reply.body.as_array().unwrap().iter().map(|n| n["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["pleroma:emoji_reaction", "reblog"]);
    let link = reply.headers["link"].to_str().unwrap().to_string();
    assert!(link.contains("exclude_types") && link.contains("rel=\"prev\""), "{link}");
    let last = reply.body[1]["id"].as_str().unwrap().to_string();
    let reply = app.get(&format!("/api/v1/notifications?max_id={last}"), Some(&a)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 2);
    let reply = app.get("/api/v1/notifications?max_id=notanumber", Some(&a)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);

    // A report notifies staff who handle reports; they list it by name.
    let reply = app
        .request(Method::POST, "/api/v1/reports", Some(&b), Some(json!({"account_id": alice.id, "comment": "spam"})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = app.get("/api/v1/notifications", Some(&r)).await;
    assert_eq!(reply.body, json!([]));
    let reply = app.get("/api/v1/notifications?types[]=pleroma:report", Some(&r)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 1, "{}", reply.text);
    assert_eq!(keys(&reply.body[0]), with(&["report"]));
    assert_eq!(reply.body[0]["report"]["content"], "spam");

    // Unfavouriting withdraws its notification; a mute hides the account's notifications.
    call(&app, Method::POST, &format!("/api/v1/statuses/{sid}/unfavourite"), &b).await;
    let reply = app.get("/api/v1/notifications?types[]=favourite", Some(&a)).await;
    assert_eq!(reply.body, json!([]));
    call(&app, Method::POST, &format!("/api/v1/accounts/{}/mute", bob.id), &a).await;
    assert_eq!(app.get("/api/v1/notifications", Some(&a)).await.body, json!([]));
    let reply = app.get("/api/v1/notifications?with_muted=true", Some(&a)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 4);
    assert_eq!(reply.body[0]["pleroma"]["is_muted"], true);

    // Scopes: read:notifications.
    let no_scope = app.token(&alice, "write").await;
    let reply = app.get("/api/v1/notifications", Some(&no_scope)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(app.get("/api/v1/notifications", None).await.status, StatusCode::FORBIDDEN);
}

// Follows Pleroma's MastodonAPI.NotificationControllerTest (show, dismiss, clear) and
// PleromaAPI.NotificationControllerTest (mark as read).
#[tokio::test]
async fn show_dismiss_clear_and_read() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    for n in 0..3 {
        post(&app, &b, json!({"status": format!("@alice {n}")})).await;
    }
    let list = app.get("/api/v1/notifications", Some(&a)).await.body;
    let ids: Vec<String> = list.as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids.len(), 3);

    let reply = app.get(&format!("/api/v1/notifications/{}", ids[0]), Some(&a)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["type"].clone(), keys(&reply.body)), (json!("mention"), with(&["status"])));
    let reply = app.get(&format!("/api/v1/notifications/{}", ids[0]), Some(&b)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Cannot get notification"})));

    // Mark read: one, then up to an id; "ok".
    for path in both_prefixes("/api/v1/pleroma/notifications/read") {
        let reply = app.request(Method::POST, &path, Some(&a), Some(json!({"id": ids[2]}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")), "{}", reply.text);
    }
    let reply =
        app.request(Method::POST, "/api/v1/pleroma/notifications/read", Some(&b), Some(json!({"id": ids[2]}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Cannot get notification"})));
    let list = app.get("/api/v1/notifications", Some(&a)).await.body;
    let seen: Vec<bool> = list.as_array().unwrap().iter().map(|n| n["pleroma"]["is_seen"].as_bool().unwrap()).collect();
    assert_eq!(seen, [false, false, true]);
    let reply = app
        .request(Method::POST, "/api/v1/pleroma/notifications/read", Some(&a), Some(json!({"max_id": ids[1]})))
        .await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
    let me = app.get("/api/v1/accounts/verify_credentials", Some(&a)).await;
    assert_eq!(me.body["pleroma"]["unread_notifications_count"], 1, "{}", me.text);

    // Dismiss.
    let reply = call(&app, Method::POST, &format!("/api/v1/notifications/{}/dismiss", ids[0]), &b).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Cannot dismiss notification"})));
    let reply = call(&app, Method::POST, &format!("/api/v1/notifications/{}/dismiss", ids[0]), &a).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    assert_eq!(app.get("/api/v1/notifications", Some(&a)).await.body.as_array().unwrap().len(), 2);

    // Clear.
    let reply = call(&app, Method::POST, "/api/v1/notifications/clear", &a).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    assert_eq!(app.get("/api/v1/notifications", Some(&a)).await.body, json!([]));
}

// Follows Pleroma's UtilControllerTest "PUT /api/pleroma/notification_settings" and
// NotificationTest "it disables notifications from strangers".
#[tokio::test]
async fn notification_settings_block_strangers() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let friend = app.user("friend").await;
    let a = app.token(&alice, "read write follow").await;
    let b = app.token(&bob, "read write").await;
    let f = app.token(&friend, "read write").await;
    call(&app, Method::POST, &format!("/api/v1/accounts/{}/follow", friend.id), &a).await;

    let reply =
        app.request(Method::PUT, "/api/pleroma/notification_settings?block_from_strangers=true", Some(&a), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"status": "success"})), "{}", reply.text);
    let reply = app
        .request(
            Method::PUT,
            "/api/pleroma/notification_settings",
            Some(&a),
            Some(json!({"hide_notification_contents": "1"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let me = app.get("/api/v1/accounts/verify_credentials", Some(&a)).await;
    assert_eq!(
        me.body["pleroma"]["notification_settings"],
        json!({"block_from_strangers": true, "hide_notification_contents": true})
    );
    // No /api/v1/pleroma form.
    let reply = app.request(Method::PUT, "/api/v1/pleroma/notification_settings", Some(&a), None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    post(&app, &b, json!({"status": "@alice stranger"})).await;
    post(&app, &f, json!({"status": "@alice friend"})).await;
    let list = app.get("/api/v1/notifications", Some(&a)).await.body;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["account"]["id"], json!(friend.id));

    let read_only = app.token(&alice, "read").await;
    let reply = app.request(Method::PUT, "/api/pleroma/notification_settings", Some(&read_only), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

// The list costs the same statements for 2 notifications as for 12 (ARCHITECTURE.md).
#[tokio::test]
async fn listing_notifications_costs_constant_statements() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let a = app.token(&alice, "read write").await;
    let mut costs = vec![];
    let mut made = 0;
    for target in [2, 12] {
        while made < target {
            let other = app.user(&format!("u{made}")).await;
            let t = app.token(&other, "read write").await;
            let s = post(&app, &a, json!({"status": format!("s{made}")})).await;
            call(&app, Method::POST, &format!("/api/v1/statuses/{}/favourite", id(&s)), &t).await;
            call(&app, Method::PUT, &format!("/api/v1/pleroma/statuses/{}/reactions/👍", id(&s)), &t).await;
            post(&app, &t, json!({"status": "@alice hi"})).await;
            made += 1;
        }
        app.get("/api/v1/notifications?limit=40", Some(&a)).await; // warm-up
        let before = app.statements();
        let reply = app.get("/api/v1/notifications?limit=40", Some(&a)).await;
        costs.push(app.statements() - before);
        assert_eq!(reply.body.as_array().unwrap().len(), target * 3);
    }
    // The page is prefetched (statuses, accounts and what a status renders): exact on both
    // engines, however resolution batches.
    eprintln!("GET /api/v1/notifications: statements per page: {costs:?}");
    assert_eq!(costs, [NOTIFICATIONS_PAGE, NOTIFICATIONS_PAGE], "statements per page");
}

// Follows Pleroma's NotificationTest "move" (followers hear of a move, `target` is the new
// account) and NotificationViewTest "Move notification".
#[tokio::test]
async fn followers_hear_of_a_move() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let new_alice = app.user("alice2").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, "read write follow").await;
    let a2 = app.token(&new_alice, "read write").await;
    let c = app.token(&carol, "read write follow").await;
    call(&app, Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), &c).await;
    let added = app.request(Method::PUT, "/api/pleroma/aliases", Some(&a2), Some(json!({"alias": "@alice"}))).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let body = json!({"password": crate::common::PASSWORD, "target_account": "alice2"});
    let moved = app.request(Method::POST, "/api/pleroma/move_account", Some(&a), Some(body)).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);

    let list = app.get("/api/v1/notifications?types[]=move", Some(&c)).await.body;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(keys(&list[0]), with(&["target"]));
    assert_eq!(
        (list[0]["account"]["id"].clone(), list[0]["target"]["id"].clone()),
        (json!(alice.id), json!(new_alice.id))
    );
}

// GraphQL first: the caller's notifications connection and the mutations behind the routes.
#[tokio::test]
async fn graphql_notifications_and_reactions() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let status = post(&app, &a, json!({"status": "hi"})).await;
    let body = app
        .graphql(
            Some(&b),
            "mutation($id: ID!) { reactToStatus(input: {id: $id, emoji: \"🎉\"}) { status { pleroma { emojiReactions { name count me } } } } \
             favouriteStatus(input: {id: $id}) { status { favourited favouritesCount } } }",
            json!({"id": id(&status)}),
        )
        .await;
    assert_eq!(
        body["data"]["reactToStatus"]["status"]["pleroma"]["emojiReactions"],
        json!([{"name": "🎉", "count": 1, "me": true}]),
        "{body}"
    );
    assert_eq!(body["data"]["favouriteStatus"]["status"], json!({"favourited": true, "favouritesCount": 1}));
    let body = app
        .graphql(
            Some(&a),
            "{ notifications(filter: {types: [\"favourite\", \"pleroma:emoji_reaction\"]}) { nodes { type emoji account { id } status { id } pleroma { isSeen } } } }",
            json!({}),
        )
        .await;
    let nodes = body["data"]["notifications"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{body}");
    assert_eq!(nodes[0]["type"], "favourite");
    assert_eq!(nodes[1]["emoji"], "🎉");
    assert_eq!(nodes[1]["account"]["id"], json!(bob.id));
    // Someone else's notification is null; anonymous callers are refused.
    let nid = app.get("/api/v1/notifications", Some(&a)).await.body[0]["id"].as_str().unwrap().to_string();
    let body = app.graphql(Some(&b), "query($id: ID!) { notification(id: $id) { id } }", json!({"id": nid})).await;
    assert_eq!(body["data"]["notification"], Value::Null, "{body}");
    let body = app.graphql(None, "{ notifications { nodes { id } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
}
