//! Reports over HTTP: filing (`POST /api/v1/reports`), the Admin API's reports (list, grouped,
//! show, batch state change, notes, respond), the user's own reports (`/api/v0/pleroma/reports`),
//! their moderation-log entries, refusals, and the statement count of a page.
use chrono::{Duration, Utc};
use entity::{moderation_log, report, status, user};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use serde_json::{json, Value};

use crate::common::{assert_no_content, both_prefixes, keys, TestApp};

/// Statements of GET /admin/reports with statuses, notes and rules, a page of any length (issue 26: exact on both engines).
const REPORTS_PAGE: u64 = 9; // prefetch: the statuses with their marks, the people (issue 26)

const REPORTS: &str = "/api/v1/pleroma/admin/reports";
const ALL: &str = "read write follow push admin";

/// A status by `author`, inserted directly (`minutes_ago` sets its time).
async fn status_of(app: &TestApp, author: &user::Model, content: &str, minutes_ago: i64) -> status::Model {
    let id = pleroma_gateway::ids::flake_id();
    status::ActiveModel {
        id: Set(id.clone()),
        ap_id: Set(format!("{}/objects/{id}", app.state.settings().instance_url)),
        user_id: Set(author.id.clone()),
        content: Set(format!("<p>{content}</p>")),
        source: Set(Some(content.into())),
        content_type: Set("text/plain".into()),
        visibility: Set("public".into()),
        sensitive: Set(false),
        spoiler_text: Set(String::new()),
        in_reply_to_id: Set(None),
        in_reply_to_user_id: Set(None),
        reblog_of_id: Set(None),
        quote_of_id: Set(None),
        context: Set(format!("{}/contexts/{id}", app.state.settings().instance_url)),
        language: Set(None),
        local: Set(true),
        idempotency_key: Set(None),
        created_at: Set(Utc::now() - Duration::minutes(minutes_ago)),
        edited_at: Set(None),
        replies_count: sea_orm::NotSet,
        reblogs_count: sea_orm::NotSet,
        quotes_count: sea_orm::NotSet,
        favourites_count: sea_orm::NotSet,
    }
    .insert(&app.state.db.write)
    .await
    .expect("insert status")
}

/// MastoStatus keys, sorted (the statuses area's list).
fn status_keys() -> Vec<String> {
    let mut keys: Vec<String> = crate::statuses::STATUS_KEYS.iter().map(|k| k.to_string()).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// File a report over HTTP; returns its id.
async fn file(app: &TestApp, token: &str, body: Value) -> String {
    let reply = app.request(Method::POST, "/api/v1/reports", Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["id"].as_str().expect("report id").to_string()
}

/// The newest moderation-log messages, newest first.
async fn log_messages(app: &TestApp) -> Vec<String> {
    moderation_log::Entity::find()
        .order_by_desc(moderation_log::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect()
}

async fn state_of(app: &TestApp, id: &str) -> String {
    report::Entity::find_by_id(id.to_string()).one(&app.state.db.read).await.unwrap().unwrap().state
}

/// A reporter (carol), a reported account (bob) with two statuses, an admin and their token.
struct Scene {
    app: TestApp,
    admin: user::Model,
    token: String,
    carol: user::Model,
    carol_token: String,
    bob: user::Model,
    statuses: Vec<status::Model>,
}

async fn scene() -> Scene {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let token = app.token(&admin, ALL).await;
    let carol = app.user("carol").await;
    let carol_token = app.token(&carol, ALL).await;
    let bob = app.user("bob").await;
    let statuses = vec![status_of(&app, &bob, "first", 10).await, status_of(&app, &bob, "second", 5).await];
    Scene { app, admin, token, carol, carol_token, bob, statuses }
}

#[tokio::test]
async fn filing_answers_the_id_and_shows_up_open() {
    let s = scene().await;
    let other = status_of(&s.app, &s.carol, "not bob's", 1).await;
    let reply = s
        .app
        .request(
            Method::POST,
            "/api/v1/reports",
            Some(&s.carol_token),
            Some(json!({
                "account_id": s.bob.id,
                "status_ids": [s.statuses[1].id, other.id, "nope", s.statuses[0].id],
                "comment": "spam <b>here</b>\nreally",
                "forward": "false",
                "rule_ids": ["1"],
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(keys(&reply.body), ["action_taken", "id"]);
    assert_eq!(reply.body["action_taken"], false);
    let id = reply.body["id"].as_str().unwrap();
    assert_eq!(id.len(), 18);

    let list = s.app.get(REPORTS, Some(&s.token)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["total"], 1);
    let report = &list.body["reports"][0];
    assert_eq!(report["id"], id);
    assert_eq!(report["state"], "open");
    assert_eq!(report["content"], "spam &lt;b&gt;here&lt;/b&gt;<br>really");
    assert_eq!(report["account"]["id"], s.bob.id.as_str());
    assert_eq!(report["actor"]["id"], s.carol.id.as_str());
    // Only bob's statuses, in the reporter's order; others are dropped, as Pleroma does.
    let ids: Vec<&str> = report["statuses"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [s.statuses[1].id.as_str(), s.statuses[0].id.as_str()]);
    assert_eq!(report["notes"], json!([]));
    assert_eq!(report["rules"], json!([]));
    // Filing is the user's act, not a moderation action.
    assert!(log_messages(&s.app).await.is_empty());
}

/// The Report shape (ROUTES.md §2.8): its keys and their types; AdminAccounts for the accounts
/// (MastoAccount merged with AdminUser), MastoStatuses for the statuses.
#[tokio::test]
async fn report_shape_has_exact_keys_and_types() {
    let s = scene().await;
    let id = file(
        &s.app,
        &s.carol_token,
        json!({"account_id": s.bob.id, "status_ids": [s.statuses[0].id], "comment": "why"}),
    )
    .await;
    let note = json!({"content": "seen"});
    s.app.request(Method::POST, &format!("{REPORTS}/{id}/notes"), Some(&s.token), Some(note)).await;
    let report = s.app.get(&format!("{REPORTS}/{id}"), Some(&s.token)).await.body;
    assert_eq!(
        keys(&report),
        ["account", "actor", "content", "created_at", "id", "notes", "rules", "state", "statuses"]
    );
    assert!(report["id"].is_string() && report["content"].is_string() && report["state"].is_string());
    let created = report["created_at"].as_str().unwrap();
    assert!(created.len() == 24 && created.ends_with('Z'), "{created}");
    // AdminAccount: the AdminUser keys win over the Mastodon account's.
    let admin_user_keys = [
        "id",
        "email",
        "avatar",
        "nickname",
        "display_name",
        "is_active",
        "local",
        "roles",
        "tags",
        "is_confirmed",
        "is_approved",
        "is_suggested",
        "url",
        "registration_reason",
        "actor_type",
        "created_at",
    ];
    let masto_keys = [
        "username",
        "acct",
        "locked",
        "followers_count",
        "note",
        "header",
        "emojis",
        "fields",
        "bot",
        "source",
        "fqn",
        "pleroma",
    ];
    for account in [&report["account"], &report["actor"], &report["notes"][0]["user"]] {
        let have = keys(account);
        for key in admin_user_keys.iter().chain(masto_keys.iter()) {
            assert!(have.contains(&key.to_string()), "{key} missing from {have:?}");
        }
        assert!(!have.contains(&"admin_user".to_string()));
        assert!(account["roles"]["admin"].is_boolean() && account["is_active"].is_boolean());
        assert!(account["tags"].is_array() && account["pleroma"].is_object());
    }
    assert_eq!(report["account"]["nickname"], "bob");
    assert_eq!(report["actor"]["nickname"], "carol");
    assert_eq!(report["actor"]["email"], "carol@example.org");
    assert_eq!(report["notes"][0]["user"]["roles"], json!({"admin": true, "moderator": false}));
    // MastoStatus, with its author as a Mastodon account (no AdminUser keys).
    let status = &report["statuses"][0];
    assert_eq!(keys(status), status_keys());
    assert_eq!(status["id"], s.statuses[0].id.as_str());
    assert_eq!(status["visibility"], "public");
    assert_eq!(status["account"]["id"], s.bob.id.as_str());
    assert!(!keys(&status["account"]).contains(&"roles".to_string()));
    let note = &report["notes"][0];
    assert!(note["id"].is_i64() && note["content"] == "seen" && note["created_at"].is_string());
}

#[tokio::test]
async fn respond_posts_a_direct_status_to_the_reporter() {
    let s = scene().await;
    let id = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id})).await;
    for (i, path) in both_prefixes(&format!("{REPORTS}/{id}/respond")).iter().enumerate() {
        let text = format!("we looked {i}");
        let reply = s.app.request(Method::POST, path, Some(&s.token), Some(json!({"status": text}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(keys(&reply.body), status_keys());
        assert_eq!(reply.body["visibility"], "direct");
        assert_eq!(reply.body["account"]["id"], s.admin.id.as_str());
        assert!(reply.body["content"].as_str().unwrap().contains(&text));
        // The reporter can read it.
        let status_id = reply.body["id"].as_str().unwrap();
        let seen = s.app.get(&format!("/api/v1/statuses/{status_id}"), Some(&s.carol_token)).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    }
    assert_eq!(
        log_messages(&s.app).await,
        [
            format!("@admin responded with 'we looked 1' to report #{id}"),
            format!("@admin responded with 'we looked 0' to report #{id}"),
        ]
    );
    let entry = moderation_log::Entity::find().one(&s.app.state.db.read).await.unwrap().unwrap();
    assert_eq!(entry.data["action"], "report_response");
    assert_eq!(entry.data["subject"], json!({"type": "report", "id": id, "state": "open"}));
    assert_eq!(entry.data["text"], "we looked 0");
    // Legacy bare-string errors.
    let missing =
        s.app.request(Method::POST, &format!("{REPORTS}/{id}/respond"), Some(&s.token), Some(json!({}))).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body, json!("Invalid parameters"));
    let unknown = s
        .app
        .request(Method::POST, &format!("{REPORTS}/nope/respond"), Some(&s.token), Some(json!({"status": "x"})))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body, json!("Not found"));
    let carol = s
        .app
        .request(Method::POST, &format!("{REPORTS}/{id}/respond"), Some(&s.carol_token), Some(json!({"status": "x"})))
        .await;
    assert_eq!(carol.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn filing_errors() {
    let s = scene().await;
    let post = |body: Value| s.app.request(Method::POST, "/api/v1/reports", Some(&s.carol_token), Some(body));
    let unknown = post(json!({"account_id": "nobody"})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body, json!({"error": "Account not found"}));

    let missing = post(json!({"comment": "x"})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["error"], "Missing field: account_id.");
    assert_eq!(missing.body["errors"][0]["source"]["pointer"], "/account_id");

    let long = post(json!({"account_id": s.bob.id, "comment": "x".repeat(1001)})).await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert_eq!(long.body, json!({"error": "Comment must be up to 1000 characters"}));

    // A token without write:reports.
    let read_only = s.app.token(&s.carol, "read").await;
    let refused =
        s.app.request(Method::POST, "/api/v1/reports", Some(&read_only), Some(json!({"account_id": s.bob.id}))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, json!({"error": "Insufficient permissions: write:reports."}));
    let anonymous = s.app.request(Method::POST, "/api/v1/reports", None, Some(json!({"account_id": s.bob.id}))).await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN);
    // The Mastodon path has no /api/pleroma alias.
    let alias = s
        .app
        .request(Method::POST, "/api/pleroma/reports", Some(&s.carol_token), Some(json!({"account_id": s.bob.id})))
        .await;
    assert_ne!(alias.status, StatusCode::OK);
}

#[tokio::test]
async fn list_filters_pages_and_validates_state_on_both_prefixes() {
    let s = scene().await;
    rules_up_to(&s.app, 17).await;
    let first = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id, "rule_ids": ["7"]})).await;
    let second = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id, "comment": "again"})).await;
    let third = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id, "rule_ids": ["17", "3"]})).await;
    let reply = s.app.patch(REPORTS, &s.token, json!({"reports": [{"id": second, "state": "closed"}]})).await;
    assert_no_content(&reply);
    let ids = |body: &Value| -> Vec<String> {
        body["reports"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
    };
    for base in both_prefixes(REPORTS) {
        let all = s.app.get(&base, Some(&s.token)).await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.text);
        assert_eq!(keys(&all.body), ["reports", "total"]);
        assert_eq!(ids(&all.body), [third.clone(), second.clone(), first.clone()], "newest first");
        let open = s.app.get(&format!("{base}?state=open"), Some(&s.token)).await;
        assert_eq!(open.body["total"], 2);
        assert_eq!(ids(&open.body), [third.clone(), first.clone()]);
        let closed = s.app.get(&format!("{base}?state=closed"), Some(&s.token)).await;
        assert_eq!(ids(&closed.body), [second.as_str()]);
        let resolved = s.app.get(&format!("{base}?state=resolved"), Some(&s.token)).await;
        assert_eq!(resolved.body, json!({"total": 0, "reports": []}));
        let page = s.app.get(&format!("{base}?page=2&page_size=1"), Some(&s.token)).await;
        assert_eq!(page.body["total"], 3);
        assert_eq!(ids(&page.body), [second.as_str()]);
        // The largest page runs (the facade's documents have a larger complexity budget).
        let largest = s.app.get(&format!("{base}?page_size=500"), Some(&s.token)).await;
        assert_eq!(largest.status, StatusCode::OK, "{}", largest.text);
        assert_eq!(ids(&largest.body).len(), 3);
        // `limit` is ignored, as Pleroma overrides it with page_size.
        let limited = s.app.get(&format!("{base}?limit=1"), Some(&s.token)).await;
        assert_eq!(ids(&limited.body).len(), 3);
        let by_rule = s.app.get(&format!("{base}?rule_id=7"), Some(&s.token)).await;
        assert_eq!(ids(&by_rule.body), [first.as_str()]);
        let by_rule = s.app.get(&format!("{base}?rule_id=3"), Some(&s.token)).await;
        assert_eq!(ids(&by_rule.body), [third.as_str()]);
        let bad = s.app.get(&format!("{base}?state=archived"), Some(&s.token)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
        assert_eq!(keys(&bad.body), ["error", "errors"]);
        assert_eq!(bad.body["errors"][0]["source"]["pointer"], "/state");
        assert_eq!(bad.body["errors"][0]["title"], "Invalid value");
    }
}

#[tokio::test]
async fn show_one_report_or_404() {
    let s = scene().await;
    let id = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id, "status_ids": [s.statuses[0].id]})).await;
    for base in both_prefixes(REPORTS) {
        let reply = s.app.get(&format!("{base}/{id}"), Some(&s.token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["id"], id.as_str());
        assert_eq!(reply.body["statuses"][0]["id"], s.statuses[0].id.as_str());
        let missing = s.app.get(&format!("{base}/test"), Some(&s.token)).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.body, json!({"error": "Not found"}));
    }
}

#[tokio::test]
async fn a_deleted_status_is_still_shown_in_its_report() {
    let s = scene().await;
    let id = file(
        &s.app,
        &s.carol_token,
        json!({"account_id": s.bob.id, "status_ids": [s.statuses[0].id, s.statuses[1].id]}),
    )
    .await;
    status::Entity::delete_by_id(s.statuses[0].id.clone()).exec(&s.app.state.db.write).await.unwrap();
    let reply = s.app.get(&format!("{REPORTS}/{id}"), Some(&s.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let statuses = reply.body["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0]["id"], s.statuses[0].id.as_str());
    assert_eq!(statuses[0]["uri"], s.statuses[0].ap_id.as_str());
    assert_eq!(statuses[0]["content"], "<p>first</p>");
    assert_eq!(statuses[0]["account"]["id"], s.bob.id.as_str());
    assert_eq!(statuses[1]["content"], "<p>second</p>");

    // Grouped: the deleted status's group says so.
    for path in both_prefixes("/api/v1/pleroma/admin/grouped_reports") {
        let grouped = s.app.get(&path, Some(&s.token)).await;
        assert_eq!(grouped.status, StatusCode::OK, "{}", grouped.text);
        assert_eq!(keys(&grouped.body), ["reports"]);
        let groups = grouped.body["reports"].as_array().unwrap();
        assert_eq!(groups.len(), 2, "{}", grouped.text);
        for group in groups {
            assert_eq!(keys(group), ["account", "actors", "date", "reports", "status"]);
            assert_eq!(group["account"]["id"], s.bob.id.as_str());
            assert_eq!(group["actors"][0]["id"], s.carol.id.as_str());
            assert_eq!(group["reports"][0]["id"], id.as_str());
            let deleted = group["status"]["id"] == s.statuses[0].id.as_str();
            assert_eq!(group["status"]["deleted"], deleted);
        }
    }
}

#[tokio::test]
async fn batch_update_applies_the_good_entries_and_reports_the_others() {
    let s = scene().await;
    let a = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id})).await;
    let b = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id})).await;
    let c = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id})).await;
    for (i, path) in both_prefixes(REPORTS).iter().enumerate() {
        let resolved = if i == 0 { "resolved" } else { "open" };
        let reply = s
            .app
            .patch(
                path,
                &s.token,
                json!({"reports": [
                    {"id": a, "state": resolved},
                    {"id": b, "state": "test"},
                    {"id": "test", "state": "closed"},
                    {"id": c, "state": "closed"},
                ]}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(reply.body, json!([{"id": b, "error": "Unsupported state"}, {"id": "test", "error": "not_found"}]));
        assert_eq!(state_of(&s.app, &a).await, resolved);
        assert_eq!(state_of(&s.app, &b).await, "open", "a failing entry changes nothing");
        assert_eq!(state_of(&s.app, &c).await, "closed");
    }
    let messages = log_messages(&s.app).await;
    assert_eq!(
        messages,
        [
            format!("@admin updated report #{c} (on user @carol) with 'closed' state"),
            format!("@admin updated report #{a} (on user @carol) with 'open' state"),
            format!("@admin updated report #{c} (on user @carol) with 'closed' state"),
            format!("@admin updated report #{a} (on user @carol) with 'resolved' state"),
        ]
    );
    let entry = moderation_log::Entity::find().order_by_asc(moderation_log::Column::Id).one(&s.app.state.db.read).await;
    let data = entry.unwrap().unwrap().data;
    assert_eq!(data["action"], "report_update");
    assert_eq!(data["subject"], json!({"type": "report", "id": a, "state": "resolved"}));
    assert_eq!(data["subject_actor"], json!({"type": "user", "id": s.carol.id, "nickname": "carol"}));
    assert_eq!(data["actor"], json!({"type": "user", "id": s.admin.id, "nickname": "admin"}));

    // All good: 204.
    let reply = s.app.patch(REPORTS, &s.token, json!({"reports": [{"id": b, "state": "resolved"}]})).await;
    assert_no_content(&reply);
    // The list is required.
    let reply = s.app.patch(REPORTS, &s.token, json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "Missing field: reports.");
}

#[tokio::test]
async fn notes_are_added_listed_and_deleted_with_their_log_entries() {
    let s = scene().await;
    let id = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id})).await;
    for path in both_prefixes(&format!("{REPORTS}/{id}/notes")) {
        let reply = s.app.request(Method::POST, &path, Some(&s.token), Some(json!({"content": "look at this"}))).await;
        assert_no_content(&reply);
    }
    let report = s.app.get(&format!("{REPORTS}/{id}"), Some(&s.token)).await.body;
    let notes = report["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(keys(&notes[0]), ["content", "created_at", "id", "user"]);
    assert!(notes[0]["id"].is_i64());
    assert_eq!(notes[0]["content"], "look at this");
    assert_eq!(notes[0]["user"]["id"], s.admin.id.as_str());
    assert!(notes[0]["created_at"].as_str().unwrap().ends_with(".000Z"));

    let (n1, n2) = (notes[0]["id"].as_i64().unwrap(), notes[1]["id"].as_i64().unwrap());
    let paths = both_prefixes(&format!("{REPORTS}/{id}/notes/{n1}"));
    assert_no_content(&s.app.request(Method::DELETE, &paths[0], Some(&s.token), None).await);
    let paths2 = both_prefixes(&format!("{REPORTS}/{id}/notes/{n2}"));
    assert_no_content(&s.app.request(Method::DELETE, &paths2[1], Some(&s.token), None).await);
    let report = s.app.get(&format!("{REPORTS}/{id}"), Some(&s.token)).await.body;
    assert_eq!(report["notes"], json!([]));

    // Refusals: 400 "".
    for (method, path, body) in [
        (Method::POST, format!("{REPORTS}/nope/notes"), Some(json!({"content": "x"}))),
        (Method::POST, format!("{REPORTS}/{id}/notes"), Some(json!({"content": "  "}))),
        (Method::DELETE, format!("{REPORTS}/{id}/notes/{n1}"), None),
        (Method::DELETE, format!("{REPORTS}/nope/notes/{n1}"), None),
    ] {
        for path in both_prefixes(&path) {
            let reply = s.app.request(method.clone(), &path, Some(&s.token), body.clone()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.text);
            assert_eq!(reply.text, "\"\"");
        }
    }
    assert_eq!(
        log_messages(&s.app).await,
        [
            format!("@admin deleted note 'look at this' from report #{id} on user @carol"),
            format!("@admin deleted note 'look at this' from report #{id} on user @carol"),
            format!("@admin added note 'look at this' to report #{id} on user @carol"),
            format!("@admin added note 'look at this' to report #{id} on user @carol"),
        ]
    );
    let entries = moderation_log::Entity::find().order_by_asc(moderation_log::Column::Id).all(&s.app.state.db.read);
    let entries = entries.await.unwrap();
    assert_eq!(entries[0].data["action"], "report_note");
    assert_eq!(entries[0].data["text"], "look at this");
    assert_eq!(entries[0].data["subject"], json!({"type": "report", "id": id, "state": "open"}));
    assert_eq!(entries[3].data["action"], "report_note_delete");
}

#[tokio::test]
async fn users_see_their_own_reports_only() {
    let s = scene().await;
    let mine = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id, "status_ids": [s.statuses[0].id]})).await;
    let dave = s.app.user("dave").await;
    let dave_token = s.app.token(&dave, ALL).await;
    let theirs = file(&s.app, &dave_token, json!({"account_id": s.bob.id})).await;
    s.app
        .request(Method::POST, &format!("{REPORTS}/{mine}/notes"), Some(&s.token), Some(json!({"content": "n"})))
        .await;

    let list = s.app.get("/api/v0/pleroma/reports", Some(&s.carol_token)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(keys(&list.body), ["reports", "total"]);
    assert_eq!(list.body["total"], 1);
    let report = &list.body["reports"][0];
    assert_eq!(keys(report), ["account", "actor", "content", "created_at", "id", "state", "statuses"]);
    assert_eq!(report["id"], mine.as_str());
    assert_eq!(report["statuses"][0]["id"], s.statuses[0].id.as_str());
    let closed = s.app.get("/api/v0/pleroma/reports?state=closed", Some(&s.carol_token)).await;
    assert_eq!(closed.body, json!({"total": 0, "reports": []}));
    let sized = s.app.get("/api/v0/pleroma/reports?size=1&page=2", Some(&s.carol_token)).await;
    assert_eq!(sized.body["reports"], json!([]));

    let one = s.app.get(&format!("/api/v0/pleroma/reports/{mine}"), Some(&s.carol_token)).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(one.body["id"], mine.as_str());
    for id in [theirs.as_str(), "nope"] {
        let other = s.app.get(&format!("/api/v0/pleroma/reports/{id}"), Some(&s.carol_token)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        assert_eq!(other.body, json!({"error": "Record not found"}));
    }
    // No alias under /api/pleroma, and read:reports is needed.
    assert_eq!(s.app.get("/api/pleroma/v0/reports", Some(&s.carol_token)).await.status, StatusCode::NOT_FOUND);
    let no_scope = s.app.token(&s.carol, "write").await;
    let refused = s.app.get("/api/v0/pleroma/reports", Some(&no_scope)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, json!({"error": "Insufficient permissions: read:reports."}));
}

#[tokio::test]
async fn moderators_manage_reports_and_others_are_refused() {
    let app = TestApp::with_settings(|s| s.instance.admin_privileges.clear()).await;
    let admin = app.admin("admin").await;
    let admin_token = app.token(&admin, ALL).await;
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, ALL).await;
    let carol = app.user("carol").await;
    let carol_token = app.token(&carol, ALL).await;
    let bob = app.user("bob").await;
    let id = file(&app, &carol_token, json!({"account_id": bob.id})).await;

    // Moderators hold reports_manage_reports by default.
    assert_eq!(app.get(REPORTS, Some(&mod_token)).await.status, StatusCode::OK);
    assert_no_content(&app.patch(REPORTS, &mod_token, json!({"reports": [{"id": id, "state": "closed"}]})).await);
    // An admin whose privileges were configured away.
    let refused = app.get(REPORTS, Some(&admin_token)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, json!({"error": "User isn't privileged."}));
    // Not staff; anonymous.
    let refused = app.get(REPORTS, Some(&carol_token)).await;
    assert_eq!(refused.body, json!({"error": "User is not a staff member."}));
    let refused = app.get(REPORTS, None).await;
    assert_eq!(refused.body, json!({"error": "Invalid credentials."}));
    // Scopes: reads need admin:read:reports, writes admin:write:reports.
    let read_only = app.token(&moderator, "admin:read").await;
    let refused = app.patch(REPORTS, &read_only, json!({"reports": [{"id": id, "state": "resolved"}]})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, json!({"error": "Insufficient permissions: admin:write:reports."}));
    assert_eq!(state_of(&app, &id).await, "closed");
    let refused = app
        .request(Method::POST, &format!("{REPORTS}/{id}/notes"), Some(&read_only), Some(json!({"content": "x"})))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let write_only = app.token(&moderator, "admin:write").await;
    let refused = app.get(&format!("{REPORTS}/{id}"), Some(&write_only)).await;
    assert_eq!(refused.body, json!({"error": "Insufficient permissions: admin:read:reports."}));
}

#[tokio::test]
async fn graphql_reports_with_total_count_and_per_entry_errors() {
    let s = scene().await;
    let id = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id, "status_ids": [s.statuses[0].id]})).await;
    let body = s
        .app
        .graphql(
            Some(&s.token),
            "{ reports(filter: {state: OPEN}, first: 10) { totalCount nodes { id state actor { acct } \
             statuses { id } notes { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["reports"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["reports"]["nodes"][0]["id"], id.as_str());
    assert_eq!(body["data"]["reports"]["nodes"][0]["actor"]["acct"], "carol");
    assert_eq!(body["data"]["reports"]["nodes"][0]["statuses"][0]["id"], s.statuses[0].id.as_str());
    let body = s
        .app
        .graphql(
            Some(&s.token),
            "mutation($id: ID!) { updateReports(input: {reports: [{id: $id, state: RESOLVED}, \
             {id: \"x\", state: OPEN}]}) { reports { id state } errors { id error } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        body["data"]["updateReports"],
        json!({"reports": [{"id": id, "state": "resolved"}], "errors": [{"id": "x", "error": "not_found"}]})
    );
    let body = s
        .app
        .graphql(
            Some(&s.token),
            "mutation { addReportNote(input: {reportId: \"nope\", content: \"x\"}) { note { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    // Notes are staff-only, even on the caller's own reports.
    let body = s.app.graphql(Some(&s.carol_token), "{ myReports { nodes { id notes { id } } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
}

/// A page of 50 reports (each with account, actor, three statuses and two notes) costs the same
/// statements as a page of 1.
#[tokio::test]
async fn a_page_of_50_reports_costs_the_same_statements_as_a_page_of_1() {
    let app = TestApp::new().await;
    rules_up_to(&app, 2).await;
    let admin = app.admin("admin").await;
    let token = app.token(&admin, ALL).await;
    for i in 0..50 {
        let reporter = app.user(&format!("reporter{i}")).await;
        let reporter_token = app.token(&reporter, ALL).await;
        let target = app.user(&format!("target{i}")).await;
        let mut ids = Vec::new();
        for j in 0..3 {
            ids.push(status_of(&app, &target, &format!("s{j}"), 3 - j).await.id);
        }
        let id =
            file(&app, &reporter_token, json!({"account_id": target.id, "status_ids": ids, "rule_ids": ["2", "1"]}))
                .await;
        for n in 0..2 {
            let reply = app
                .request(Method::POST, &format!("{REPORTS}/{id}/notes"), Some(&token), Some(json!({"content": n})))
                .await;
            assert_no_content(&reply);
        }
    }
    // Warm the token cache so both requests pay the same for authentication.
    app.get(&format!("{REPORTS}?page_size=1"), Some(&token)).await;
    let count = |size: u32| {
        let app = &app;
        let token = &token;
        async move {
            let before = app.statements();
            let reply = app.get(&format!("{REPORTS}?page_size={size}"), Some(token)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            let reports = reply.body["reports"].as_array().unwrap();
            assert_eq!(reports.len(), size as usize);
            for report in reports {
                assert_eq!(report["statuses"].as_array().unwrap().len(), 3);
                assert_eq!(report["notes"].as_array().unwrap().len(), 2);
                let rules: Vec<&str> =
                    report["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
                assert_eq!(rules, ["2", "1"], "the cited rules, in the order cited");
                assert!(report["account"]["id"].is_string() && report["actor"]["id"].is_string());
                assert!(report["notes"][0]["user"]["id"].is_string());
            }
            app.statements() - before
        }
    };
    // Several rounds: the count must not depend on how resolution happens to batch.
    let one = count(1).await;
    for _ in 0..3 {
        let fifty = count(50).await;
        assert_eq!(one, fifty, "a page of 50 costs {fifty} statements, a page of 1 costs {one}");
        assert_eq!(count(1).await, one);
    }
    eprintln!("GET /admin/reports: {one} statements for a page of 1 and for a page of 50");
    assert_eq!(one, REPORTS_PAGE);
}

#[tokio::test]
async fn graphql_file_read_note_and_respond() {
    let s = scene().await;
    rules_up_to(&s.app, 2).await;
    let body = s
        .app
        .graphql(
            Some(&s.carol_token),
            "mutation($a: ID!, $s: [ID!]) { fileReport(input: {accountId: $a, statusIds: $s, comment: \"hm\", \
             ruleIds: [\"2\"]}) { actionTaken report { id state content ruleIds forwarded account { acct } } } }",
            json!({"a": s.bob.id, "s": [s.statuses[1].id]}),
        )
        .await;
    let filed = &body["data"]["fileReport"];
    assert_eq!(filed["actionTaken"], false, "{body}");
    assert_eq!(filed["report"]["state"], "open");
    assert_eq!(filed["report"]["content"], "hm");
    assert_eq!(filed["report"]["ruleIds"], json!(["2"]));
    assert_eq!(filed["report"]["forwarded"], false);
    assert_eq!(filed["report"]["account"]["acct"], "bob");
    let id = filed["report"]["id"].as_str().unwrap().to_string();

    let body = s
        .app
        .graphql(
            Some(&s.carol_token),
            "query($id: ID!) { myReport(id: $id) { id statuses { id } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(body["data"]["myReport"]["statuses"][0]["id"], s.statuses[1].id.as_str(), "{body}");
    let body = s.app.graphql(Some(&s.token), "query($id: ID!) { myReport(id: $id) { id } }", json!({"id": id})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");

    let body = s
        .app
        .graphql(
            Some(&s.token),
            "mutation($id: ID!) { addReportNote(input: {reportId: $id, content: \"ok\"}) { note { id content reportId user { acct } } } }",
            json!({"id": id}),
        )
        .await;
    let note = &body["data"]["addReportNote"]["note"];
    assert_eq!(note["content"], "ok", "{body}");
    assert_eq!(note["user"]["acct"], "admin");
    let body = s
        .app
        .graphql(
            Some(&s.token),
            "mutation($r: ID!, $n: Int!) { deleteReportNote(input: {reportId: $r, id: $n}) { report { id notes { id } } } }",
            json!({"r": id, "n": note["id"]}),
        )
        .await;
    assert_eq!(body["data"]["deleteReportNote"]["report"], json!({"id": id, "notes": []}), "{body}");

    let body = s
        .app
        .graphql(
            Some(&s.token),
            "mutation($id: ID!) { respondToReport(input: {reportId: $id, status: \"thanks\"}) { status { visibility } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(body["data"]["respondToReport"]["status"]["visibility"], "direct", "{body}");
    let body = s
        .app
        .graphql(Some(&s.token), "{ groupedReports { nodes { deleted status { id } reports { id } } } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["groupedReports"]["nodes"],
        json!([{"deleted": false, "status": {"id": s.statuses[1].id}, "reports": [{"id": id}]}])
    );
}

/// Rules 1..=n (ids from 1 on a fresh database).
pub async fn rules_up_to(app: &TestApp, n: i32) {
    for i in 1..=n {
        let new = pleroma_gateway::domain::rules::NewRule { text: format!("rule {i}"), ..Default::default() };
        pleroma_gateway::domain::rules::create(&app.state.db.write, &new).await.unwrap();
    }
}

/// The whole report body of `GET /admin/reports/:id` as Pleroma's `AdminAPI.ReportView` renders
/// it, a reader's view of the wire shape (ids, times and URLs redacted).
#[tokio::test]
async fn report_body() {
    let s = scene().await;
    let id = file(&s.app, &s.carol_token, json!({"account_id": s.bob.id, "comment": "why"})).await;
    let report = s.app.get(&format!("{REPORTS}/{id}"), Some(&s.token)).await.body;
    insta::assert_json_snapshot!(
        report,
        {
            ".**.id" => "[id]", ".**.created_at" => "[time]", ".**.avatar" => "[url]",
            ".**.avatar_static" => "[url]", ".**.header" => "[url]", ".**.header_static" => "[url]",
            ".**.url" => "[url]", ".**.last_status_at" => "[time]", ".**.ap_id" => "[url]",
        },
        @r#"
    {
      "account": {
        "acct": "bob",
        "actor_type": "Person",
        "avatar": "[url]",
        "avatar_static": "[url]",
        "bot": false,
        "created_at": "[time]",
        "display_name": "bob",
        "email": "bob@example.org",
        "emojis": [],
        "fields": [],
        "followers_count": 0,
        "following_count": 0,
        "fqn": "bob@localhost:4000",
        "header": "[url]",
        "header_static": "[url]",
        "id": "[id]",
        "is_active": true,
        "is_approved": true,
        "is_confirmed": true,
        "is_suggested": false,
        "last_status_at": "[time]",
        "local": true,
        "locked": false,
        "nickname": "bob",
        "note": ".",
        "pleroma": {
          "accepts_chat_messages": true,
          "also_known_as": [],
          "ap_id": "[url]",
          "avatar_description": "",
          "background_image": null,
          "deactivated": false,
          "favicon": null,
          "header_description": "",
          "hide_favorites": true,
          "hide_followers": false,
          "hide_followers_count": false,
          "hide_follows": false,
          "hide_follows_count": false,
          "is_admin": false,
          "is_confirmed": true,
          "is_moderator": false,
          "is_suggested": false,
          "privileges": [],
          "relationship": {},
          "skip_thread_containment": false,
          "tags": []
        },
        "registration_reason": null,
        "roles": {
          "admin": false,
          "moderator": false
        },
        "source": {
          "fields": [],
          "note": ".",
          "pleroma": {
            "actor_type": "Person",
            "discoverable": false
          },
          "sensitive": false
        },
        "statuses_count": 2,
        "tags": [],
        "url": "[url]",
        "username": "bob"
      },
      "actor": {
        "acct": "carol",
        "actor_type": "Person",
        "avatar": "[url]",
        "avatar_static": "[url]",
        "bot": false,
        "created_at": "[time]",
        "display_name": "carol",
        "email": "carol@example.org",
        "emojis": [],
        "fields": [],
        "followers_count": 0,
        "following_count": 0,
        "fqn": "carol@localhost:4000",
        "header": "[url]",
        "header_static": "[url]",
        "id": "[id]",
        "is_active": true,
        "is_approved": true,
        "is_confirmed": true,
        "is_suggested": false,
        "last_status_at": "[time]",
        "local": true,
        "locked": false,
        "nickname": "carol",
        "note": ".",
        "pleroma": {
          "accepts_chat_messages": true,
          "also_known_as": [],
          "ap_id": "[url]",
          "avatar_description": "",
          "background_image": null,
          "deactivated": false,
          "favicon": null,
          "header_description": "",
          "hide_favorites": true,
          "hide_followers": false,
          "hide_followers_count": false,
          "hide_follows": false,
          "hide_follows_count": false,
          "is_admin": false,
          "is_confirmed": true,
          "is_moderator": false,
          "is_suggested": false,
          "privileges": [],
          "relationship": {},
          "skip_thread_containment": false,
          "tags": []
        },
        "registration_reason": null,
        "roles": {
          "admin": false,
          "moderator": false
        },
        "source": {
          "fields": [],
          "note": ".",
          "pleroma": {
            "actor_type": "Person",
            "discoverable": false
          },
          "sensitive": false
        },
        "statuses_count": 0,
        "tags": [],
        "url": "[url]",
        "username": "carol"
      },
      "content": "why",
      "created_at": "[time]",
      "id": "[id]",
      "notes": [],
      "rules": [],
      "state": "open",
      "statuses": []
    }
    "#
    );
}
