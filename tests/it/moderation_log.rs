//! `GET /api/v1/pleroma/admin/moderation_log` and the `moderationLog` GraphQL field: shape,
//! order, paging, filters and refusals.
use chrono::{Duration, Utc};
use entity::moderation_log;
use pleroma_gateway::domain::moderation_log::{record, Action, Actor, Permission, Subject};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};

const PATH: &str = "/api/v1/pleroma/admin/moderation_log";

fn messages(body: &Value) -> Vec<&str> {
    body["items"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect()
}

/// Three entries by two actors, the oldest backdated to 2020-01-01 12:00 UTC.
async fn history(app: &TestApp) -> (String, entity::user::Model, entity::user::Model) {
    let admin = app.admin("admin").await;
    let token = app.token(&admin, "admin:read").await;
    let other = app.admin("other").await;
    let bob = app.user("bob").await;
    let as_actor = |u: &entity::user::Model| Actor::from(u);
    let db = &app.state.db.write;
    let bob_subject = Subject::new(bob.id.clone(), "bob");
    record(db, &as_actor(&admin), &Action::Deactivate { subjects: vec![bob_subject.clone()] }).await.unwrap();
    let oldest = moderation_log::Entity::find().one(db).await.unwrap().unwrap();
    let mut row = oldest.into_active_model();
    row.inserted_at = Set("2020-01-01T12:00:00Z".parse().unwrap());
    row.update(db).await.unwrap();
    record(db, &as_actor(&other), &Action::Grant { subjects: vec![bob_subject], permission: Permission::Moderator })
        .await
        .unwrap();
    record(db, &as_actor(&admin), &Action::Tag { nicknames: vec!["bob".into()], tags: vec!["100%_sure".into()] })
        .await
        .unwrap();
    (token, admin, other)
}

#[tokio::test]
async fn lists_newest_first_with_pleroma_keys_on_both_prefixes() {
    let app = TestApp::new().await;
    let (token, admin, _) = history(&app).await;
    for path in both_prefixes(PATH) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(keys(&reply.body), ["items", "total"]);
        assert_eq!(reply.body["total"], 3);
        assert_eq!(
            messages(&reply.body),
            [
                "@admin added tags: 100%_sure to users: @bob",
                "@other made @bob moderator",
                "@admin deactivated users: @bob"
            ]
        );
        let items = reply.body["items"].as_array().unwrap();
        for entry in items {
            assert_eq!(keys(entry), ["data", "id", "message", "time"]);
            assert!(entry["id"].is_i64() && entry["time"].is_i64());
            assert_eq!(entry["data"]["message"], entry["message"]);
        }
        let ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert!(ids[0] > ids[1] && ids[1] > ids[2]);
        assert_eq!(items[2]["time"], 1_577_880_000);
        assert!((items[0]["time"].as_i64().unwrap() - Utc::now().timestamp()).abs() < 60);
        assert_eq!(
            items[0]["data"],
            json!({
                "actor": {"id": admin.id, "nickname": "admin", "type": "user"},
                "action": "tag",
                "message": "@admin added tags: 100%_sure to users: @bob",
                "nicknames": ["bob"],
                "tags": ["100%_sure"],
            })
        );
    }
}

#[tokio::test]
async fn pages_and_filters() {
    let app = TestApp::new().await;
    let (token, admin, other) = history(&app).await;
    let get = |query: String| {
        let (app, token) = (&app, &token);
        async move {
            let reply = app.get(&format!("{PATH}?{query}"), Some(token)).await;
            assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
            reply.body
        }
    };
    let body = get("page=2&page_size=2".into()).await;
    assert_eq!((messages(&body), &body["total"]), (vec!["@admin deactivated users: @bob"], &json!(3)));
    let body = get("page_size=1".into()).await;
    assert_eq!(messages(&body).len(), 1);
    let body = get(format!("user_id={}", other.id)).await;
    assert_eq!((messages(&body), &body["total"]), (vec!["@other made @bob moderator"], &json!(1)));
    let body = get(format!("user_id={}", admin.id)).await;
    assert_eq!(body["total"], 2);
    // Search is a case-insensitive substring; LIKE wildcards match themselves.
    assert_eq!(get("search=MADE".into()).await["total"], 1);
    assert_eq!(get("search=100%25_".into()).await["total"], 1);
    assert_eq!(get("search=_".into()).await["total"], 1);
    assert_eq!(get("search=".into()).await["total"], 3);
    // Dates: with or without an offset (UTC), or a plain date.
    assert_eq!(get("start_date=2020-01-02T00:00:00".into()).await["total"], 2);
    assert_eq!(get("end_date=2020-01-02T00:00:00Z".into()).await["total"], 1);
    assert_eq!(get("start_date=2019-12-31&end_date=2020-01-01T12:00:00%2B00:00".into()).await["total"], 1);
    let tomorrow = (Utc::now() + Duration::days(1)).format("%Y-%m-%dT%H:%M:%S").to_string();
    assert_eq!(get(format!("start_date={tomorrow}")).await["total"], 0);
    let body = get(format!("start_date=2020-01-02&search=bob&user_id={}&page_size=5", admin.id)).await;
    assert_eq!(messages(&body), ["@admin added tags: 100%_sure to users: @bob"]);
    // A bad date is a 400, not a crash.
    let reply = app.get(&format!("{PATH}?start_date=yesterday"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].is_string());
}

#[tokio::test]
async fn refusals() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let moderator = app.moderator("mod").await;
    let plain = app.user("plain").await;
    let refused = |m: &str| (StatusCode::FORBIDDEN, json!({"error": m}));
    let cases = [
        (None, "Invalid credentials."),
        (Some(app.token(&plain, "read write follow push admin").await), "User is not a staff member."),
        (Some(app.token(&moderator, "admin").await), "User isn't privileged."),
        (Some(app.token(&admin, "read write admin:write").await), "Insufficient permissions: admin:read."),
    ];
    for path in both_prefixes(PATH) {
        for (token, message) in &cases {
            let reply = app.get(&path, token.as_deref()).await;
            assert_eq!((reply.status, reply.body), refused(message), "{path}");
        }
        // admin:read and everything above it are enough.
        for scopes in ["admin:read", "admin"] {
            let reply = app.get(&path, Some(&app.token(&admin, scopes).await)).await;
            assert_eq!(reply.status, StatusCode::OK, "{scopes}");
        }
    }
    // A moderator granted the privilege may read it.
    let app = TestApp::with_settings(|s| {
        s.instance.moderator_privileges.push(pleroma_gateway::auth::Privilege::ModerationLogRead);
    })
    .await;
    let moderator = app.moderator("mod").await;
    let reply = app.get(PATH, Some(&app.token(&moderator, "admin:read").await)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"items": [], "total": 0})));
}

#[tokio::test]
async fn graphql_moderation_log_with_actors() {
    let app = TestApp::new().await;
    let (token, admin, _) = history(&app).await;
    // An entry whose actor was deleted afterwards keeps its data but has no actor. (Deleting
    // keeps a tombstone; the row itself goes only for an account that was never confirmed.)
    let gone = app
        .user_with("gone", |u| {
            u.is_admin = sea_orm::Set(true);
            u.is_confirmed = sea_orm::Set(false);
        })
        .await;
    let gone_token = app.token(&gone, "admin").await;
    let reply = app.patch("/api/v1/pleroma/admin/users/suggest", &gone_token, json!({"nicknames": ["bob"]})).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app
        .request(
            Method::DELETE,
            "/api/v1/pleroma/admin/users",
            Some(&app.token(&admin, "admin").await),
            Some(json!({"nicknames": ["gone"]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    app.run_jobs().await;

    let query = "query($filter: ModerationLogFilter, $first: Int) {
      moderationLog(filter: $filter, first: $first) {
        totalCount
        nodes { id time message action data actor { nickname roles { admin } } }
      }
    }";
    let reply = app.graphql(Some(&token), query, json!({})).await;
    let log = &reply["data"]["moderationLog"];
    assert_eq!(log["totalCount"], 5, "{reply}");
    let nodes = log["nodes"].as_array().unwrap();
    let actors: Vec<&Value> = nodes.iter().map(|n| &n["actor"]).collect();
    assert_eq!(
        actors,
        [
            &json!({"nickname": "admin", "roles": {"admin": true}}),
            &Value::Null,
            &json!({"nickname": "admin", "roles": {"admin": true}}),
            &json!({"nickname": "other", "roles": {"admin": true}}),
            &json!({"nickname": "admin", "roles": {"admin": true}}),
        ]
    );
    assert_eq!(nodes[1]["message"], "@gone added suggested users: @bob");
    assert_eq!(nodes[1]["action"], "add_suggestion");
    assert_eq!(nodes[0]["data"]["subject"][0]["nickname"], "gone");

    // Actors load in one batch: the statement count does not grow with the page.
    let count = |first: i64| {
        let (app, token) = (&app, &token);
        async move {
            let before = app.statements();
            let reply = app.graphql(Some(token), query, json!({"first": first})).await;
            assert!(reply["errors"].is_null(), "{reply}");
            app.statements() - before
        }
    };
    let (one, all) = (count(1).await, count(5).await);
    assert_eq!(one, all);

    let reply = app
        .graphql(
            Some(&token),
            query,
            json!({"filter": {"userId": admin.id, "search": "TAGS", "startDate": "2020-01-02"}}),
        )
        .await;
    assert_eq!(reply["data"]["moderationLog"]["totalCount"], 1);

    let moderator = app.moderator("mod").await;
    let reply = app.graphql(Some(&app.token(&moderator, "admin").await), query, json!({})).await;
    assert_eq!(reply["errors"][0]["message"], "User isn't privileged.");
    assert_eq!(reply["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

/// A whole log entry as Pleroma's `ModerationLogView` renders it (ids and times redacted).
#[tokio::test]
async fn log_entry_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    let reply = app
        .request(
            reqwest::Method::PATCH,
            "/api/v1/pleroma/admin/users/deactivate",
            Some(&token),
            Some(json!({"nicknames": ["bob"]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app.get("/api/v1/pleroma/admin/moderation_log", Some(&token)).await;
    insta::assert_json_snapshot!(
        reply.body,
        {
            ".items[].id" => "[id]",
            ".items[].time" => "[time]",
            ".items[].data.actor.id" => "[id]",
            ".items[].data.subject[].id" => "[id]",
        },
        @r#"
    {
      "items": [
        {
          "data": {
            "action": "deactivate",
            "actor": {
              "id": "[id]",
              "nickname": "admin",
              "type": "user"
            },
            "message": "@admin deactivated users: @bob",
            "subject": [
              {
                "id": "[id]",
                "nickname": "bob",
                "type": "user"
              }
            ]
          },
          "id": "[id]",
          "message": "@admin deactivated users: @bob",
          "time": "[time]"
        }
      ],
      "total": 1
    }
    "#
    );
}
