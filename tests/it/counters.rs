//! Kept counters (issue 26): after a random mix of writes and deletes through the API, every
//! kept counter equals a recount; `counters repair` puts wrong ones right.
use pleroma_gateway::domain::counters::{self, Drift};
use rand::{rngs::StdRng, Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::TestApp;

async fn assert_kept(app: &TestApp, when: &str) {
    let drift = counters::drift(&app.state.db.read).await.unwrap();
    assert_eq!(drift, Drift::default(), "counters differ from a recount {when}");
}

#[tokio::test]
async fn kept_counters_equal_a_recount_after_random_writes() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let mut people = Vec::new();
    for i in 0..5 {
        let user = app.user(&format!("u{i}")).await;
        let token = app.token(&user, "read write follow").await;
        people.push((user, token));
    }
    let mut rng = StdRng::seed_from_u64(26);
    // (id, author index) of the statuses posted so far (deleted ones stay: acting on them fails).
    let mut posted: Vec<(String, usize)> = Vec::new();
    for step in 0..120 {
        let who = rng.random_range(0..people.len());
        let (me, token) = (&people[who].0, people[who].1.as_str());
        let some_status = |rng: &mut StdRng| posted.get(rng.random_range(0..posted.len().max(1))).cloned();
        let other = &people[rng.random_range(0..people.len())].0;
        match rng.random_range(0..12) {
            0..=2 => {
                let visibility = ["public", "unlisted", "private"][rng.random_range(0..3)];
                let mut body = json!({"status": format!("post {step}"), "visibility": visibility});
                if rng.random_bool(0.5) {
                    if let Some((id, _)) = some_status(&mut rng) {
                        body["in_reply_to_id"] = json!(id);
                    }
                }
                if rng.random_bool(0.3) {
                    if let Some((id, _)) = some_status(&mut rng) {
                        body["quote_id"] = json!(id);
                    }
                }
                let reply = app.request(Method::POST, "/api/v1/statuses", Some(token), Some(body)).await;
                if let Some(id) = reply.body["id"].as_str() {
                    posted.push((id.to_string(), who));
                }
            }
            3 | 4 => {
                if let Some((id, _)) = some_status(&mut rng) {
                    let action = if rng.random_bool(0.7) { "reblog" } else { "unreblog" };
                    app.request(Method::POST, &format!("/api/v1/statuses/{id}/{action}"), Some(token), None).await;
                }
            }
            5 | 6 => {
                if let Some((id, _)) = some_status(&mut rng) {
                    let action = if rng.random_bool(0.7) { "favourite" } else { "unfavourite" };
                    app.request(Method::POST, &format!("/api/v1/statuses/{id}/{action}"), Some(token), None).await;
                }
            }
            7 | 8 => {
                if other.id != me.id {
                    let action = ["follow", "follow", "unfollow", "block", "unblock"][rng.random_range(0..5)];
                    let path = format!("/api/v1/accounts/{}/{action}", other.id);
                    app.request(Method::POST, &path, Some(token), None).await;
                }
            }
            9 => {
                if let Some((id, author)) = some_status(&mut rng) {
                    let token = people[author].1.as_str();
                    app.request(Method::DELETE, &format!("/api/v1/statuses/{id}"), Some(token), None).await;
                }
            }
            10 => {
                if let Some((id, _)) = some_status(&mut rng) {
                    let path = format!("/api/v1/pleroma/admin/statuses/{id}");
                    app.request(Method::DELETE, &path, Some(&admin), None).await;
                }
            }
            _ => {
                if let Some((id, _)) = some_status(&mut rng) {
                    let path = format!("/api/v1/pleroma/admin/statuses/{id}");
                    let visibility = ["public", "unlisted", "private"][rng.random_range(0..3)];
                    app.request(Method::PUT, &path, Some(&admin), Some(json!({"visibility": visibility}))).await;
                }
            }
        }
        if step % 30 == 29 {
            assert_kept(&app, &format!("after step {step}")).await;
        }
    }
    // Something was counted.
    let counted = counters::drift(&app.state.db.read).await.unwrap();
    assert_eq!(counted, Drift::default());
    let shown = app.get(&format!("/api/v1/accounts/{}", people[0].0.id), Some(&people[1].1)).await;
    assert!(shown.body["statuses_count"].as_u64().is_some(), "{}", shown.text);

    // A user's deletion takes their statuses, favourites and follows with it.
    let path = format!("/api/v1/pleroma/admin/users?nickname={}", people[2].0.nickname);
    let reply = app.request(Method::DELETE, &path, Some(&admin), None).await;
    assert!(reply.status.is_success(), "{}", reply.text);
    app.run_jobs().await;
    assert_kept(&app, "after a user's deletion").await;
}

#[tokio::test]
async fn repair_recomputes_wrong_counters() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (a, b) = (app.token(&alice, "read write follow").await, app.token(&bob, "read write follow").await);
    let post = app.request(Method::POST, "/api/v1/statuses", Some(&a), Some(json!({"status": "hi"}))).await;
    let id = post.body["id"].as_str().unwrap().to_string();
    app.request(Method::POST, &format!("/api/v1/statuses/{id}/favourite"), Some(&b), None).await;
    app.request(Method::POST, &format!("/api/v1/statuses/{id}/reblog"), Some(&b), None).await;
    let reply = json!({"status": "re", "in_reply_to_id": id});
    app.request(Method::POST, "/api/v1/statuses", Some(&b), Some(reply)).await;
    app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), Some(&b), None).await;
    assert_kept(&app, "after the writes").await;

    let shown = app.get(&format!("/api/v1/statuses/{id}"), Some(&a)).await;
    let counts = |v: &Value| (v["replies_count"].clone(), v["reblogs_count"].clone(), v["favourites_count"].clone());
    assert_eq!(counts(&shown.body), (json!(1), json!(1), json!(1)), "{}", shown.text);
    let account = app.get(&format!("/api/v1/accounts/{}", alice.id), Some(&a)).await;
    assert_eq!((account.body["statuses_count"].clone(), account.body["followers_count"].clone()), (json!(1), json!(1)));

    let db = &app.state.db.write;
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE statuses SET replies_count = 7, favourites_count = 0").await.unwrap();
    db.execute_unprepared("UPDATE users SET followers_count = 3, last_status_at = NULL").await.unwrap();
    let drift = counters::drift(&app.state.db.read).await.unwrap();
    assert_eq!(drift, Drift { statuses: 3, users: 2, instances: 0, report_groups: 0 });
    assert_eq!(counters::repair(db).await.unwrap(), drift);
    assert_kept(&app, "after the repair").await;
    assert_eq!(counters::repair(db).await.unwrap(), Drift::default(), "a second repair finds nothing");
    let shown = app.get(&format!("/api/v1/statuses/{id}"), Some(&a)).await;
    assert_eq!(counts(&shown.body), (json!(1), json!(1), json!(1)), "{}", shown.text);
}

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the CLI")
}

#[tokio::test]
async fn the_cli_checks_and_repairs_the_counters() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let a = app.token(&alice, "read write").await;
    app.request(Method::POST, "/api/v1/statuses", Some(&a), Some(json!({"status": "hi"}))).await;
    let out = cli(&app, &["counters", "check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0 statuses, 0 users, 0 instances and 0 report groups have wrong counters\n"
    );

    use sea_orm::ConnectionTrait;
    app.state.db.write.execute_unprepared("UPDATE users SET statuses_count = 5").await.unwrap();
    let out = cli(&app, &["counters", "check"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("counters repair"));
    let out = cli(&app, &["counters", "repair"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "repaired the counters of 0 statuses, 1 users, 0 instances and 0 report groups\n"
    );
    assert_kept(&app, "after `counters repair`").await;
}

/// `stats` sums the local users' kept post counts (Pleroma's `Stats`): public and unlisted
/// posts, reblogs excluded.
#[tokio::test]
async fn stats_count_local_posts_from_the_kept_counters() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let a = app.token(&alice, "read write").await;
    for visibility in ["public", "unlisted", "private"] {
        let body = json!({"status": visibility, "visibility": visibility});
        app.request(Method::POST, "/api/v1/statuses", Some(&a), Some(body)).await;
    }
    let instance = app.get("/api/v1/instance", None).await;
    assert_eq!(instance.body["stats"]["status_count"], 2, "{}", instance.text);
    assert_eq!(instance.body["stats"]["user_count"], 1, "{}", instance.text);
}
