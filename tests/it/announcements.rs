//! Announcements (§20): admin CRUD with offset/limit, rendering, dates, and the Mastodon side
//! (current announcements with `read`, dismissal).
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};

const ADMIN: &str = "/api/v1/pleroma/admin/announcements";

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[tokio::test]
async fn admin_crud_on_both_prefixes() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:read admin:write").await;
    for base in &both_prefixes(ADMIN) {
        let created =
            app.request(Method::POST, base, Some(&token), Some(json!({"content": "Hello <b>all</b>\nbye"}))).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
        let a = created.body;
        assert_eq!(
            keys(&a),
            [
                "all_day",
                "content",
                "emojis",
                "ends_at",
                "id",
                "mentions",
                "pleroma",
                "published_at",
                "reactions",
                "starts_at",
                "statuses",
                "tags",
                "updated_at"
            ]
        );
        // Pleroma.Announcement.add_rendered_properties: format_input's `<br>`, not scrubbed.
        assert_eq!(a["content"], "Hello &lt;b&gt;all&lt;/b&gt;<br>bye");
        // `timestamps(type: :utc_datetime)`: whole seconds.
        let published = a["published_at"].as_str().unwrap();
        assert!(published.len() == 20 && published.ends_with('Z'), "{published}");
        assert_eq!(a["pleroma"], json!({"raw_content": "Hello <b>all</b>\nbye"}));
        assert_eq!(
            (a["starts_at"].clone(), a["ends_at"].clone(), a["all_day"].clone()),
            (Value::Null, Value::Null, json!(false))
        );
        assert_eq!(a["mentions"], json!([]));
        let id = a["id"].as_str().unwrap();
        let path = format!("{base}/{id}");
        let shown = app.get(&path, Some(&token)).await;
        assert_eq!((shown.status, shown.body.clone()), (StatusCode::OK, a.clone()));
        // PATCH: missing params keep their value.
        let start = iso(Utc::now() - Duration::hours(1));
        let changed = app.patch(&path, &token, json!({"starts_at": start, "all_day": true})).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        assert_eq!(changed.body["starts_at"], start.as_str());
        assert_eq!(changed.body["all_day"], true);
        assert_eq!(changed.body["pleroma"]["raw_content"], "Hello <b>all</b>\nbye");
        let changed = app.patch(&path, &token, json!({"content": "new"})).await;
        assert_eq!((changed.body["content"].clone(), changed.body["starts_at"].clone()), (json!("new"), json!(start)));
        // A null clears the date (AnnouncementController.change_params keeps present keys).
        let cleared = app.patch(&path, &token, json!({"starts_at": null})).await;
        assert_eq!(cleared.body["starts_at"], Value::Null, "{}", cleared.text);
        assert_eq!(cleared.body["all_day"], true);
        let missing = app.patch(&format!("{base}/nope"), &token, json!({"content": "x"})).await;
        assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
        let missing = app.get(&format!("{base}/nope"), Some(&token)).await;
        assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
        let no_content = app.request(Method::POST, base, Some(&token), Some(json!({}))).await;
        assert_eq!(no_content.status, StatusCode::BAD_REQUEST);
        assert_eq!(no_content.body["error"], "Missing field: content.");
        let deleted = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!((deleted.status, deleted.body), (StatusCode::OK, json!({})));
        let again = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!((again.status, again.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
    }
    // offset/limit (0/20), oldest first; every announcement, current or not.
    let past = iso(Utc::now() - Duration::days(2));
    for i in 0..25 {
        let ends = if i == 0 { json!(past) } else { Value::Null };
        app.request(Method::POST, ADMIN, Some(&token), Some(json!({"content": format!("n{i}"), "ends_at": ends})))
            .await;
    }
    let page = app.get(ADMIN, Some(&token)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.body.as_array().unwrap().len(), 20);
    assert_eq!(page.body[0]["pleroma"]["raw_content"], "n0");
    let page = app.get(&format!("{ADMIN}?offset=22&limit=5"), Some(&token)).await;
    let raws: Vec<&str> =
        page.body.as_array().unwrap().iter().map(|a| a["pleroma"]["raw_content"].as_str().unwrap()).collect();
    assert_eq!(raws, ["n22", "n23", "n24"]);
    let bad = app.get(&format!("{ADMIN}?offset=-1"), Some(&token)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Privilege and scopes: announcements_manage_announcements (moderators lack it).
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let refused = app.get(ADMIN, Some(&mod_token)).await;
    assert_eq!((refused.status, refused.body), (StatusCode::FORBIDDEN, json!({"error": "User isn't privileged."})));
    let read_only = app.token(&admin, "admin:read").await;
    let refused = app.request(Method::POST, ADMIN, Some(&read_only), Some(json!({"content": "x"}))).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: admin:write."}))
    );
}

#[tokio::test]
async fn users_see_current_announcements_and_dismiss_them() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:write").await;
    let make = |body: Value| {
        let (app, token) = (&app, &token);
        async move {
            app.request(Method::POST, ADMIN, Some(token), Some(body)).await.body["id"].as_str().unwrap().to_string()
        }
    };
    let now_id = make(json!({"content": "now"})).await;
    let _ended = make(json!({"content": "ended", "ends_at": iso(Utc::now() - Duration::hours(1))})).await;
    let _later = make(json!({"content": "later", "starts_at": iso(Utc::now() + Duration::hours(1))})).await;
    let window = make(json!({
        "content": "window",
        "starts_at": iso(Utc::now() - Duration::hours(1)),
        "ends_at": iso(Utc::now() + Duration::hours(1)),
    }))
    .await;

    let anonymous = app.get("/api/v1/announcements", None).await;
    assert_eq!(anonymous.status, StatusCode::OK, "{}", anonymous.text);
    let list = anonymous.body.as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [now_id.as_str(), window.as_str()]);
    assert_eq!(
        keys(&list[0]),
        [
            "all_day",
            "content",
            "emojis",
            "ends_at",
            "id",
            "mentions",
            "published_at",
            "reactions",
            "starts_at",
            "statuses",
            "tags",
            "updated_at"
        ]
    );

    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write:accounts").await;
    let list = app.get("/api/v1/announcements", Some(&alice_token)).await.body;
    assert_eq!((list[0]["read"].clone(), list[1]["read"].clone()), (json!(false), json!(false)));
    for _ in 0..2 {
        let dismissed = app
            .request(Method::POST, &format!("/api/v1/announcements/{now_id}/dismiss"), Some(&alice_token), None)
            .await;
        assert_eq!((dismissed.status, dismissed.body), (StatusCode::OK, json!({})), "idempotent");
    }
    let list = app.get("/api/v1/announcements", Some(&alice_token)).await.body;
    assert_eq!((list[0]["read"].clone(), list[1]["read"].clone()), (json!(true), json!(false)));
    let missing = app.request(Method::POST, "/api/v1/announcements/nope/dismiss", Some(&alice_token), None).await;
    assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    let anonymous = app.request(Method::POST, &format!("/api/v1/announcements/{now_id}/dismiss"), None, None).await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN);
    let read_only = app.token(&alice, "read").await;
    let refused =
        app.request(Method::POST, &format!("/api/v1/announcements/{now_id}/dismiss"), Some(&read_only), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/pleroma/announcements", None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn graphql_announcements() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:read admin:write").await;
    let created = app
        .graphql(
            Some(&token),
            "mutation { createAnnouncement(input: {content: \"a & b\"}) { announcement { id content rawContent allDay } } }",
            json!({}),
        )
        .await;
    assert_eq!(created["data"]["createAnnouncement"]["announcement"]["content"], "a &amp; b", "{created}");
    let listed = app.graphql(Some(&token), "{ announcements { totalCount nodes { id } } }", json!({})).await;
    assert_eq!(listed["data"]["announcements"]["totalCount"], 1, "{listed}");
    let anonymous = app.graphql(None, "{ currentAnnouncements { id read } }", json!({})).await;
    assert_eq!(anonymous["data"]["currentAnnouncements"][0]["read"], Value::Null, "{anonymous}");
    let id = created["data"]["createAnnouncement"]["announcement"]["id"].clone();
    let dated = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { updateAnnouncement(input: {id: $id, endsAt: \"2999-01-01T00:00:00Z\"}) { announcement { endsAt } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(dated["data"]["updateAnnouncement"]["announcement"]["endsAt"], "2999-01-01T00:00:00.000Z", "{dated}");
    let cleared = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { updateAnnouncement(input: {id: $id, clearEndsAt: true}) { announcement { endsAt } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(cleared["data"]["updateAnnouncement"]["announcement"]["endsAt"], Value::Null, "{cleared}");
    let raw = app.graphql(None, "{ currentAnnouncements { rawContent } }", json!({})).await;
    assert!(raw["errors"].is_array(), "raw content is staff only: {raw}");
}
