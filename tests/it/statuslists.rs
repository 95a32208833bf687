//! Issue 26: the status and report lists cost an exact number of statements per page, the same
//! for page 1 and a later page, on both engines (`statuses::prefetch` reads a page's statuses
//! with their authors, what hangs off them, and the viewer's marks in a fixed set of batched
//! statements).
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{common::TestApp, statuses::post};

/// Statements of a page, whatever the list and the page: the auth generation, the account (user
/// statuses, account statuses), the page, its total (user, instance statuses, reports), the
/// reports' cited statuses (their links, then the live rows) and notes (three), then `statuses::prefetch`'s two: the statuses with
/// their mentions, pins and the viewer's marks, and the people with their tags and mutes (media,
/// reactions and polls cost one each on a page that has some; none here).
const ADMIN_STATUSES: usize = 4;
const USER_STATUSES: usize = 6;
const INSTANCE_STATUSES: usize = 5;
const ACCOUNT_TIMELINE: usize = 6;
const REPORTS: usize = 8;

/// The SQL `app` sends while one GET of `url` runs, with the reply.
async fn page(app: &TestApp, url: &str, token: &str) -> (Value, Vec<String>) {
    app.state.db.record();
    let reply = app.get(url, Some(token)).await;
    let statements: Vec<String> = app.state.db.recorded().into_iter().map(|s| s.sql).collect();
    assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.text);
    (reply.body, statements)
}

struct Scene {
    app: TestApp,
    admin: String,
    /// The author of the local posts.
    author: entity::user::Model,
    host: String,
}

/// 60 local posts by one author, each mentioning two users (one reblogged by the admin, so the
/// viewer's marks are not all empty); 60 posts of a remote account; 60 reports, each citing
/// one of the author's posts, with a note.
async fn scene() -> Scene {
    let app = TestApp::new().await;
    let admin_user = app.admin("admin").await;
    let admin = app.token(&admin_user, "read write follow push admin").await;
    let author = app.user("u0").await;
    app.user("u1").await;
    app.user("u2").await;
    let token = app.token(&author, "write").await;
    let mut ids = Vec::new();
    for i in 0..60 {
        let status = post(&app, &token, json!({"status": format!("post {i} @u1 @u2")})).await;
        ids.push(status["id"].as_str().unwrap().to_string());
    }
    let reblog = app.request(Method::POST, &format!("/api/v1/statuses/{}/reblog", ids[0]), Some(&admin), None).await;
    assert_eq!(reblog.status, StatusCode::OK, "{}", reblog.text);
    let host = "remote.example".to_string();
    let remote = app.remote_user("far", &host).await;
    for _ in 0..60 {
        crate::statuses::remote_status(&app, &remote, "public").await;
    }
    for (i, id) in ids.iter().enumerate() {
        let reporter = app.user(&format!("reporter{i}")).await;
        let reporter_token = app.token(&reporter, "read write").await;
        let body = json!({"account_id": author.id, "status_ids": [id], "comment": "spam"});
        let reply = app.request(Method::POST, "/api/v1/reports", Some(&reporter_token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let id = reply.body["id"].as_str().unwrap().to_string();
        let note = app
            .request(
                Method::POST,
                &format!("/api/v1/pleroma/admin/reports/{id}/notes"),
                Some(&admin),
                Some(json!({"content": "seen"})),
            )
            .await;
        assert!(note.status.is_success(), "{}", note.text);
    }
    // Warm the token cache: every measured request pays the same for authentication.
    app.get("/api/v1/pleroma/admin/statuses?page_size=1", Some(&admin)).await;
    Scene { app, admin, author, host }
}

/// Page 1 and page 2 of a list (20 items each): the statements each sent, with what `expected`
/// says they must be.
async fn costs(
    s: &Scene,
    name: &str,
    first: &str,
    later: &dyn Fn(&Value) -> String,
    items: &str,
    expected: usize,
) -> (String, usize, Vec<String>, Vec<String>) {
    let (body, one) = page(&s.app, first, &s.admin).await;
    let list = |body: &Value| if items.is_empty() { body.clone() } else { body[items].clone() };
    assert_eq!(list(&body).as_array().unwrap().len(), 20, "{name}: {body}");
    let next = later(&body);
    let (body2, two) = page(&s.app, &next, &s.admin).await;
    assert_eq!(list(&body2).as_array().unwrap().len(), 20, "{name}: {body2}");
    assert_ne!(list(&body)[0]["id"], list(&body2)[0]["id"], "{name}: page 2 is another page");
    eprintln!("{name}: page 1 {}, page 2 {} statements (expected {expected})", one.len(), two.len());
    (format!("{name} ({first})"), expected, one, two)
}

#[tokio::test]
async fn every_status_and_report_list_costs_an_exact_number_of_statements_per_page() {
    let s = scene().await;
    let mut seen = Vec::new();
    for prefix in ["/api/v1/pleroma", "/api/pleroma"] {
        let url = format!("{prefix}/admin/statuses?page_size=20&godmode=true");
        let next = |_: &Value| format!("{prefix}/admin/statuses?page_size=20&godmode=true&page=2");
        seen.push(costs(&s, "admin statuses", &url, &next, "", ADMIN_STATUSES).await);

        let url = format!("{prefix}/admin/users/u0/statuses?page_size=20&godmode=true");
        let next = |_: &Value| format!("{prefix}/admin/users/u0/statuses?page_size=20&godmode=true&page=2");
        seen.push(costs(&s, "user statuses", &url, &next, "activities", USER_STATUSES).await);

        let url = format!("{prefix}/admin/instances/{}/statuses?page_size=20", s.host);
        let next = |_: &Value| format!("{prefix}/admin/instances/{}/statuses?page_size=20&page=2", s.host);
        seen.push(costs(&s, "instance statuses", &url, &next, "activities", INSTANCE_STATUSES).await);

        let url = format!("{prefix}/admin/reports?page_size=20");
        let next = |_: &Value| format!("{prefix}/admin/reports?page_size=20&page=2");
        seen.push(costs(&s, "reports", &url, &next, "reports", REPORTS).await);
    }
    let url = format!("/api/v1/accounts/{}/statuses?limit=20", s.author.id);
    let next = |body: &Value| {
        let last = body.as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_string();
        format!("/api/v1/accounts/{}/statuses?limit=20&max_id={last}", s.author.id)
    };
    seen.push(costs(&s, "account statuses", &url, &next, "", ACCOUNT_TIMELINE).await);
    for (name, expected, one, two) in seen {
        assert_eq!(one.len(), expected, "{name} page 1: {one:#?}");
        assert_eq!(two.len(), expected, "{name} page 2: {two:#?}");
    }
}
