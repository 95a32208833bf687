//! Issue 26, bounded costs: `verify_credentials` and the other reads of the viewer cost an exact
//! number of statements; `stats` reads kept counts.
use serde_json::Value;

use crate::common::TestApp;

/// The SQL `app` sends while `f` runs.
async fn sent<F: std::future::Future<Output = T>, T>(app: &TestApp, f: F) -> (T, Vec<String>) {
    app.state.db.record();
    let out = f.await;
    let statements = app.state.db.recorded().into_iter().map(|s| s.sql).collect();
    (out, statements)
}

#[tokio::test]
async fn verify_credentials_costs_an_exact_number_of_statements() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write follow").await;
    // The first request fills the token cache.
    let first = app.get("/api/v1/accounts/verify_credentials", Some(&token)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let (reply, statements) = sent(&app, app.get("/api/v1/accounts/verify_credentials", Some(&token))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["username"], Value::from("alice"));
    eprintln!("{statements:#?}");
    // The auth generation (the token cache's check) and the account with its owner-only figures.
    assert_eq!(statements.len(), 2, "{statements:#?}");
}

/// A status row by `author`, inserted directly (as inbound federation writes them).
async fn insert_status(
    app: &TestApp,
    author: &entity::user::Model,
    visibility: &str,
    reblog_of: Option<&str>,
) -> String {
    use sea_orm::EntityTrait;
    let id = pleroma_gateway::ids::flake_id();
    let url = app.state.settings().instance_url.clone();
    let row = entity::status::Model {
        id: id.clone(),
        ap_id: format!("{url}/objects/{id}"),
        user_id: author.id.clone(),
        content: "<p>x</p>".into(),
        source: None,
        content_type: "text/plain".into(),
        visibility: visibility.into(),
        sensitive: false,
        spoiler_text: String::new(),
        in_reply_to_id: None,
        in_reply_to_user_id: None,
        reblog_of_id: reblog_of.map(String::from),
        quote_of_id: None,
        context: format!("{url}/contexts/{id}"),
        language: None,
        local: author.local,
        idempotency_key: None,
        created_at: chrono::Utc::now(),
        edited_at: None,
        replies_count: 0,
        reblogs_count: 0,
        quotes_count: 0,
        favourites_count: 0,
    };
    entity::status::Entity::insert(entity::status::ActiveModel::from(row)).exec(&app.state.db.write).await.unwrap();
    id
}

/// `GET /admin/stats` (both prefixes, with and without `instance`) reads the counts kept per
/// instance and visibility in one statement; they equal a recount after posts, reblogs,
/// visibility changes, deletions and an account deleted with its statuses (a cascade).
#[tokio::test]
async fn status_visibility_counts_are_kept_per_instance() {
    use pleroma_gateway::domain::counters;
    use rand::{rngs::StdRng, Rng, SeedableRng};
    use sea_orm::{ConnectionTrait, EntityTrait};
    use serde_json::json;

    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let locals = [app.user("l0").await, app.user("l1").await];
    let remotes = [
        app.remote_user("r0", "one.example").await,
        app.remote_user("r1", "one.example").await,
        app.remote_user("r2", "two.example").await,
    ];
    let authors: Vec<&entity::user::Model> = locals.iter().chain(remotes.iter()).collect();
    let mut rng = StdRng::seed_from_u64(17);
    let mut ids: Vec<String> = Vec::new();
    for step in 0..150 {
        let author = authors[rng.random_range(0..authors.len())];
        match rng.random_range(0..10) {
            0..=5 => {
                let visibility = ["public", "unlisted", "private", "direct"][rng.random_range(0..4)];
                ids.push(insert_status(&app, author, visibility, None).await);
            }
            6 if !ids.is_empty() => {
                let of = ids[rng.random_range(0..ids.len())].clone();
                insert_status(&app, author, "public", Some(&of)).await;
            }
            7 if !ids.is_empty() => {
                let id = &ids[rng.random_range(0..ids.len())];
                let visibility = ["public", "unlisted", "private", "direct"][rng.random_range(0..4)];
                let path = format!("/api/v1/pleroma/admin/statuses/{id}");
                app.request(reqwest::Method::PUT, &path, Some(&admin), Some(json!({"visibility": visibility}))).await;
            }
            8 if !ids.is_empty() => {
                let id = ids.swap_remove(rng.random_range(0..ids.len()));
                entity::status::Entity::delete_by_id(id).exec(&app.state.db.write).await.unwrap();
            }
            _ => {
                let token = app.token(&locals[step % 2], "read write").await;
                let visibility = ["public", "unlisted", "private"][rng.random_range(0..3)];
                let reply = app
                    .request(
                        reqwest::Method::POST,
                        "/api/v1/statuses",
                        Some(&token),
                        Some(json!({"status": format!("post {step}"), "visibility": visibility})),
                    )
                    .await;
                assert_eq!(reply.status, 200, "{}", reply.text);
                ids.push(reply.body["id"].as_str().unwrap().to_string());
            }
        }
    }
    assert_eq!(counters::drift(&app.state.db.read).await.unwrap(), counters::Drift::default());
    // An account deleted with its statuses (the foreign key's cascade).
    entity::user::Entity::delete_by_id(remotes[0].id.clone()).exec(&app.state.db.write).await.unwrap();
    assert_eq!(counters::drift(&app.state.db.read).await.unwrap(), counters::Drift::default(), "after a cascade");

    // What the endpoint answers is the recount of the rows.
    let recount = |instance: Option<&str>| {
        let filter = match instance {
            Some(host) => format!("AND u.domain = '{host}'"),
            None => String::new(),
        };
        let sql = format!(
            "SELECT s.visibility, COUNT(*) FROM statuses s JOIN users u ON u.id = s.user_id \
             WHERE s.reblog_of_id IS NULL {filter} GROUP BY s.visibility"
        );
        let db = app.state.db.read.clone();
        async move {
            let rows = db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
            let mut out = json!({"public": 0, "unlisted": 0, "private": 0, "direct": 0});
            for row in rows {
                let (v, n): (String, i64) = (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap());
                out[v] = json!(n);
            }
            out
        }
    };
    for path in crate::common::both_prefixes("/api/v1/pleroma/admin/stats") {
        for instance in [None, Some("one.example"), Some("two.example"), Some("none.example")] {
            let url = match instance {
                Some(host) => format!("{path}?instance={host}"),
                None => path.clone(),
            };
            app.get(&url, Some(&admin)).await;
            let (reply, statements) = sent(&app, app.get(&url, Some(&admin))).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            assert_eq!(reply.body, json!({"status_visibility": recount(instance).await}), "{url}");
            // The auth generation (the token cache's check) and the kept counts.
            assert_eq!(statements.len(), 2, "{url}: {statements:#?}");
            assert!(statements[1].contains("status_visibility_counts"), "{statements:#?}");
        }
    }
}
