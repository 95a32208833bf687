//! The user-reading Admin API routes: list/search, show, permission groups, credentials.
use reqwest::{Method, StatusCode};
use sea_orm::Set;
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp, FORM_URLENCODED};

const ADMIN_USER_KEYS: &[&str] = &[
    "actor_type",
    "approval_pending",
    "avatar",
    "confirmation_pending",
    "created_at",
    "deactivated",
    "display_name",
    "email",
    "id",
    "is_active",
    "is_approved",
    "is_confirmed",
    "is_suggested",
    "local",
    "nickname",
    "registration_reason",
    "roles",
    "tags",
    "url",
];

fn assert_admin_user(user: &Value) {
    assert_eq!(keys(user), ADMIN_USER_KEYS, "{user}");
    assert!(user["id"].is_string());
    assert!(user["nickname"].is_string());
    assert!(user["avatar"].is_string());
    assert!(user["display_name"].is_string());
    assert!(user["url"].is_string());
    assert!(user["actor_type"].is_string());
    for flag in [
        "is_active",
        "deactivated",
        "local",
        "is_confirmed",
        "confirmation_pending",
        "is_approved",
        "approval_pending",
        "is_suggested",
    ] {
        assert!(user[flag].is_boolean(), "{flag}");
    }
    assert_eq!(user["is_active"], !user["deactivated"].as_bool().unwrap());
    assert_eq!(user["is_confirmed"], !user["confirmation_pending"].as_bool().unwrap());
    assert_eq!(user["is_approved"], !user["approval_pending"].as_bool().unwrap());
    assert_eq!(keys(&user["roles"]), ["admin", "moderator"]);
    assert!(user["tags"].is_array());
    let created = user["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == 24, "{created}");
}

/// A varied population: local, remote, staff, deactivated, unconfirmed, unapproved, tagged.
async fn population(app: &TestApp) -> String {
    let token = app.admin_token().await;
    app.moderator("mod").await;
    app.user_with("alice", |u| u.name = Set(Some("Alice Liddell".into()))).await;
    app.user_with("sleepy", |u| u.is_active = Set(false)).await;
    app.user_with("fresh", |u| u.is_confirmed = Set(false)).await;
    app.user_with("waiting", |u| {
        u.is_approved = Set(false);
        u.registration_reason = Set(Some("I like it".into()));
    })
    .await;
    app.user_with("robot", |u| u.actor_type = Set("Service".into())).await;
    app.remote_user("bob", "remote.example").await;
    app.remote_user("carol", "other.example").await;
    for (nickname, tag) in [("alice", "force_nsfw"), ("robot", "sandbox"), ("bob@remote.example", "force_nsfw")] {
        let user =
            pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, nickname).await.unwrap().unwrap();
        use sea_orm::ActiveModelTrait;
        entity::user_tag::ActiveModel { user_id: Set(user.id), tag: Set(tag.into()) }
            .insert(&app.state.db.write)
            .await
            .unwrap();
    }
    token
}

async fn nicknames(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let reply = app.get(&format!("/api/v1/pleroma/admin/users?{query}"), Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    let mut names: Vec<String> =
        reply.body["users"].as_array().unwrap().iter().map(|u| u["nickname"].as_str().unwrap().to_string()).collect();
    assert!(reply.body["count"].as_u64().unwrap() as usize >= names.len());
    names.sort();
    names
}

#[tokio::test]
async fn list_users_shape_on_both_prefixes() {
    let app = TestApp::new().await;
    let token = population(&app).await;
    for path in both_prefixes("/api/v1/pleroma/admin/users") {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(keys(&reply.body), ["count", "page_size", "users"]);
        assert_eq!(reply.body["count"], 9);
        assert_eq!(reply.body["page_size"], 50);
        let users = reply.body["users"].as_array().unwrap();
        assert_eq!(users.len(), 9);
        users.iter().for_each(assert_admin_user);
        // Newest first.
        let ids: Vec<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(ids, sorted);
        assert_eq!(users[0]["nickname"], "carol@other.example");
        assert_eq!(users[0]["local"], false);
        assert_eq!(users[0]["email"], Value::Null);
    }
}

#[tokio::test]
async fn list_users_filters() {
    let app = TestApp::new().await;
    let token = population(&app).await;
    let cases: &[(&str, &[&str])] = &[
        ("filters=external", &["bob@remote.example", "carol@other.example"]),
        ("filters=local,is_admin", &["admin"]),
        ("filters=is_moderator", &["mod"]),
        ("filters=is_admin,is_moderator", &["admin", "mod"]),
        ("filters=deactivated", &["sleepy"]),
        ("filters=unconfirmed", &["fresh"]),
        ("filters=need_approval", &["waiting"]),
        ("filters=local,active,no_such_filter&query=a", &["admin", "alice", "mod", "robot"]),
        ("query=remote.example", &["bob@remote.example"]),
        ("query=bob@remote", &["bob@remote.example"]),
        ("query=LIDDELL", &["alice"]),
        ("query=waiting%40example.org", &["waiting"]),
        ("name=alice", &["alice"]),
        ("email=fresh%40example.org", &["fresh"]),
        ("tags[]=force_nsfw", &["alice", "bob@remote.example"]),
        ("tags[]=sandbox&tags[]=force_nsfw&filters=local", &["alice", "robot"]),
        ("actor_types[]=Service", &["robot"]),
        ("query=%25", &[]),
        ("query=ali%22ce%20or%20x", &[]),
        ("name=li", &["alice"]),
    ];
    for (query, expected) in cases {
        assert_eq!(nicknames(&app, &token, query).await, *expected, "{query}");
    }
}

#[tokio::test]
async fn list_users_pages() {
    let app = TestApp::new().await;
    let token = population(&app).await;
    let first = app.get("/api/v1/pleroma/admin/users?page=1&page_size=4", Some(&token)).await;
    let third = app.get("/api/v1/pleroma/admin/users?page=3&page_size=4", Some(&token)).await;
    assert_eq!(first.body["page_size"], 4);
    assert_eq!(first.body["count"], 9);
    assert_eq!(first.body["users"].as_array().unwrap().len(), 4);
    assert_eq!(third.body["users"].as_array().unwrap().len(), 1);
    assert_eq!(third.body["users"][0]["nickname"], "admin");
}

#[tokio::test]
async fn list_users_reads_every_parameter_source() {
    let app = TestApp::new().await;
    let token = population(&app).await;
    let path = "/api/v1/pleroma/admin/users";
    let expect = |reply: &crate::common::Reply| {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let names: Vec<&str> =
            reply.body["users"].as_array().unwrap().iter().map(|u| u["nickname"].as_str().unwrap()).collect();
        assert_eq!(names, ["alice"]);
    };
    // Query string with a comma list and an array.
    expect(&app.get(&format!("{path}?filters=local&tags[]=force_nsfw"), Some(&token)).await);
    // JSON body.
    expect(
        &app.request(Method::GET, path, Some(&token), Some(json!({"filters": "local", "tags": ["force_nsfw"]}))).await,
    );
    // Form body.
    expect(&app.send_raw(Method::GET, path, &token, FORM_URLENCODED, "filters=local&tags%5B%5D=force_nsfw").await);
    // Multipart body.
    let multipart = reqwest::multipart::Form::new().text("filters", "local").text("tags[]", "force_nsfw");
    let reply =
        app.client.get(format!("{}{path}", app.base)).bearer_auth(&token).multipart(multipart).send().await.unwrap();
    expect(&crate::common::Reply::from(reply).await);
}

#[tokio::test]
async fn bad_parameters_are_400_not_500() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let reply = app.get("/api/v1/pleroma/admin/users?page=abc", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        // Pleroma.Web.ApiSpec.RenderError: `name - message.` over OpenApiSpex's cast message.
        json!({"error": "page - Invalid integer. Got: string.", "errors": [{"title": "Invalid value", "source": {"pointer": "/page"}, "message": "Invalid integer. Got: string"}]})
    );
    let reply = app.get("/api/v1/pleroma/admin/users?page_size=-5", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app.send_raw(Method::GET, "/api/v1/pleroma/admin/users", &token, "application/json", "{not json").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body["error"].as_str().unwrap().starts_with("Malformed JSON body"));
}

#[tokio::test]
async fn show_user_by_nickname_or_id() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.remote_user("bob", "remote.example").await;
    for path in both_prefixes("/api/v1/pleroma/admin/users/bob@remote.example")
        .into_iter()
        .chain(both_prefixes(&format!("/api/v1/pleroma/admin/users/{}", bob.id)))
    {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_admin_user(&reply.body);
        assert_eq!(reply.body["id"], bob.id);
    }
    for path in both_prefixes("/api/v1/pleroma/admin/users/nobody") {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.body, json!({"error": "Not found"}));
    }
}

#[tokio::test]
async fn permission_groups() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.moderator("mod").await;
    for path in both_prefixes("/api/v1/pleroma/admin/users/mod/permission_group")
        .into_iter()
        .chain(both_prefixes("/api/v1/pleroma/admin/users/mod/permission_group/"))
        .chain(both_prefixes("/api/v1/pleroma/admin/users/mod/permission_group/moderator"))
        .chain(both_prefixes("/api/v1/pleroma/admin/users/mod/permission_group/admin"))
        // AdminAPIController.right_get reads only the nickname: an unknown group answers alike.
        .chain(both_prefixes("/api/v1/pleroma/admin/users/mod/permission_group/owner"))
    {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.body, json!({"is_admin": false, "is_moderator": true}));
    }
    for path in [
        "/api/pleroma/admin/users/nobody/permission_group",
        "/api/v1/pleroma/admin/users/nobody/permission_group/admin",
    ] {
        let reply = app.get(path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body, json!({"error": "Not found"}));
    }
}

#[tokio::test]
async fn credentials_shape() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let alice = app.user_with("alice", |u| u.name = Set(Some("Alice".into()))).await;
    for path in both_prefixes("/api/v1/pleroma/admin/users/alice/credentials") {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        let body = &reply.body;
        assert_eq!(
            keys(body),
            [
                "actor_type",
                "allow_following_move",
                "avatar",
                "background",
                "banner",
                "bio",
                "default_scope",
                "email",
                "fields",
                "hide_favorites",
                "hide_followers",
                "hide_followers_count",
                "hide_follows",
                "hide_follows_count",
                "id",
                "is_discoverable",
                "is_locked",
                "name",
                "nickname",
                "no_rich_text",
                "pleroma_settings_store",
                "raw_fields",
                "show_role",
                "skip_thread_containment"
            ]
        );
        assert_eq!(body["id"], alice.id);
        assert_eq!(body["name"], "Alice");
        assert_eq!(body["email"], "alice@example.org");
        assert_eq!(body["default_scope"], "public");
        assert_eq!(body["actor_type"], "Person");
        assert_eq!(body["fields"], json!([]));
        assert_eq!(body["pleroma_settings_store"], json!({}));
        assert_eq!(body["background"], Value::Null);
        for flag in [
            "is_locked",
            "no_rich_text",
            "hide_follows",
            "hide_followers",
            "hide_followers_count",
            "hide_follows_count",
            "hide_favorites",
            "allow_following_move",
            "show_role",
            "skip_thread_containment",
            "is_discoverable",
        ] {
            assert!(body[flag].is_boolean(), "{flag}");
        }
    }
    let reply = app.get("/api/pleroma/admin/users/nobody/credentials", Some(&token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
}

/// Every user-reading route refuses anonymous callers, plain users, unprivileged moderators
/// and tokens without the scope, with Pleroma's bodies.
#[tokio::test]
async fn refusals() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let user = app.user("plain").await;
    let moderator = app.moderator("mod").await;
    let user_token = app.token(&user, "read write admin").await;
    let mod_token = app.token(&moderator, "read write admin").await;
    let read_only = app.token(&admin, "read write").await;
    let routes: &[(&str, Option<&str>, &str)] = &[
        // (path, message for an unprivileged moderator, scope)
        ("/api/v1/pleroma/admin/users", Some("User isn't privileged."), "admin:read:accounts"),
        ("/api/v1/pleroma/admin/users/plain", Some("User isn't privileged."), "admin:read:accounts"),
        ("/api/v1/pleroma/admin/users/plain/permission_group", Some("User is not an admin."), "admin:read:accounts"),
        (
            "/api/v1/pleroma/admin/users/plain/permission_group/admin",
            Some("User is not an admin."),
            "admin:read:accounts",
        ),
        ("/api/v1/pleroma/admin/users/plain/credentials", Some("User isn't privileged."), "admin:read:accounts"),
    ];
    for (v1, mod_message, scope) in routes {
        for path in both_prefixes(v1) {
            let check = |reply: crate::common::Reply, message: &str| {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
                assert_eq!(reply.body, json!({ "error": message }), "{path}");
            };
            check(app.get(&path, None).await, "Invalid credentials.");
            check(app.get(&path, Some("not-a-token")).await, "Invalid credentials.");
            check(app.get(&path, Some(&user_token)).await, "User is not a staff member.");
            if let Some(message) = mod_message {
                check(app.get(&path, Some(&mod_token)).await, message);
            }
            check(app.get(&path, Some(&read_only)).await, &format!("Insufficient permissions: {scope}."));
        }
    }
    // A moderator granted users_read may list users.
    let app =
        TestApp::with_settings(|s| s.instance.moderator_privileges.push(pleroma_gateway::auth::Privilege::UsersRead))
            .await;
    let moderator = app.moderator("mod").await;
    let token = app.token(&moderator, "admin:read").await;
    assert_eq!(app.get("/api/v1/pleroma/admin/users", Some(&token)).await.status, StatusCode::OK);
    // An admin can lose a privilege through configuration.
    let app = TestApp::with_settings(|s| {
        s.instance.admin_privileges.retain(|p| *p != pleroma_gateway::auth::Privilege::UsersRead)
    })
    .await;
    let token = app.admin_token().await;
    let reply = app.get("/api/v1/pleroma/admin/users", Some(&token)).await;
    assert_eq!(reply.body, json!({"error": "User isn't privileged."}));
}

/// No N+1: a page of 50 users costs as many statements as a page of 1.
#[tokio::test]
async fn statement_count_does_not_grow_with_page_size() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for i in 0..60 {
        app.user_with(&format!("user{i}"), |u| u.is_suggested = Set(i % 2 == 0)).await;
    }
    let count = |path: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            app.get(path, Some(&token)).await; // warm-up
            let before = app.statements();
            let reply = app.get(path, Some(&token)).await;
            assert_eq!(reply.status, StatusCode::OK);
            (app.statements() - before, reply.body["users"].as_array().map_or(0, Vec::len))
        }
    };
    let (fifty, len50) = count("/api/v1/pleroma/admin/users?page_size=50").await;
    let (one, len1) = count("/api/v1/pleroma/admin/users?page_size=1").await;
    assert_eq!((len50, len1), (50, 1));
    assert_eq!(fifty, one, "statements for 50 users vs 1 user");
    assert!(fifty <= 4, "token lookup, page, count, tags: {fifty}");
}

/// The whole AdminUser body as Pleroma's `AdminAPI.AccountView` renders it (id and time redacted).
#[tokio::test]
async fn admin_user_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user_with("bob", |u| u.is_confirmed = Set(false)).await;
    let tag = json!({"nicknames": ["bob"], "tags": ["force_nsfw"]});
    app.request(reqwest::Method::PUT, "/api/v1/pleroma/admin/users/tag", Some(&token), Some(tag)).await;
    let reply = app.get("/api/v1/pleroma/admin/users/bob", Some(&token)).await;
    insta::assert_json_snapshot!(
        reply.body,
        { ".id" => "[id]", ".created_at" => "[time]", ".avatar" => "[url]", ".url" => "[url]" },
        @r#"
    {
      "actor_type": "Person",
      "approval_pending": false,
      "avatar": "[url]",
      "confirmation_pending": true,
      "created_at": "[time]",
      "deactivated": false,
      "display_name": "bob",
      "email": "bob@example.org",
      "id": "[id]",
      "is_active": true,
      "is_approved": true,
      "is_confirmed": false,
      "is_suggested": false,
      "local": true,
      "nickname": "bob",
      "registration_reason": null,
      "roles": {
        "admin": false,
        "moderator": false
      },
      "tags": [
        "force_nsfw"
      ],
      "url": "[url]"
    }
    "#
    );
}

/// The whole credentials body of `GET /users/:nickname/credentials` (id and URLs redacted).
#[tokio::test]
async fn credentials_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user_with("alice", |u| u.name = Set(Some("Alice".into()))).await;
    let reply = app.get("/api/pleroma/admin/users/alice/credentials", Some(&token)).await;
    insta::assert_json_snapshot!(
        reply.body,
        { ".id" => "[id]", ".avatar" => "[url]", ".banner" => "[url]" },
        @r#"
    {
      "actor_type": "Person",
      "allow_following_move": true,
      "avatar": "[url]",
      "background": null,
      "banner": "[url]",
      "bio": ".",
      "default_scope": "public",
      "email": "alice@example.org",
      "fields": [],
      "hide_favorites": true,
      "hide_followers": false,
      "hide_followers_count": false,
      "hide_follows": false,
      "hide_follows_count": false,
      "id": "[id]",
      "is_discoverable": false,
      "is_locked": false,
      "name": "Alice",
      "nickname": "alice",
      "no_rich_text": false,
      "pleroma_settings_store": {},
      "raw_fields": [],
      "show_role": true,
      "skip_thread_containment": false
    }
    "#
    );
}

/// GraphQL `users` counts only when `totalCount` is selected; without it, one more row than the
/// page tells `hasNextPage`.
#[tokio::test]
async fn total_count_runs_only_when_selected() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for i in 0..3 {
        app.user(&format!("user{i}")).await;
    }
    let run = |query: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            app.graphql(Some(&token), query, json!({})).await; // warm-up
            let before = app.statements();
            let body = app.graphql(Some(&token), query, json!({})).await;
            assert!(body["errors"].is_null(), "{body}");
            (app.statements() - before, body["data"]["users"].clone())
        }
    };
    let (counted, with) = run("{ users(pageSize: 2) { totalCount pageInfo { hasNextPage } nodes { id } } }").await;
    let (uncounted, without) = run("{ users(pageSize: 2) { pageInfo { hasNextPage } nodes { id } } }").await;
    assert_eq!(uncounted + 1, counted, "no count statement");
    assert_eq!(with["totalCount"], 4);
    assert_eq!(with["nodes"], without["nodes"]);
    assert_eq!(without["pageInfo"]["hasNextPage"], true);
    let (_, last) = run("{ users(page: 2, pageSize: 2) { pageInfo { hasNextPage } nodes { id } } }").await;
    assert_eq!(last["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(last["pageInfo"]["hasNextPage"], false);
}

/// On SQLite the list query walks the covering `(id, nickname)` index backwards for the default
/// order, whatever the filters, then reads the page's rows by id (a deferred join): no temporary
/// B-tree sort (which costs in proportion to the matches).
/// A REST page costs four statements: the token's auth generation, the page, the count and
/// the tags.
#[tokio::test]
async fn the_list_query_plan_walks_the_id_index() {
    use pleroma_gateway::domain::users::{UserSearch, UserState, SQLITE_ID_INDEX, SQLITE_LIST_INDEX};
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for i in 0..5 {
        app.user(&format!("alice{i}")).await;
    }
    app.get("/api/v1/pleroma/admin/users?query=ali&filters=local,active&page_size=2", Some(&token)).await;
    let before = app.statements();
    let reply = app.get("/api/v1/pleroma/admin/users?query=ali&filters=local,active&page_size=2", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(app.statements() - before, 4, "generation, page, count, tags");
    let db = &app.state.db.read;
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    db.execute_unprepared("ANALYZE").await.unwrap();
    let search = |f: &dyn Fn(&mut UserSearch)| {
        let mut s = UserSearch::default();
        f(&mut s);
        s
    };
    let searches = [
        search(&|_| {}),
        search(&|s| s.query = Some("al".into())),
        search(&|s| s.query = Some("alice".into())),
        search(&|s| s.states = vec![UserState::Local, UserState::Active]),
        search(&|s| {
            s.query = Some("ali".into());
            s.states = vec![UserState::Local, UserState::Active];
        }),
        search(&|s| s.states = vec![UserState::IsAdmin]),
        search(&|s| s.states = vec![UserState::External, UserState::Deactivated]),
        search(&|s| s.tags = vec!["x".into()]),
        search(&|s| s.actor_types = vec!["Person".into()]),
        search(&|s| s.name = Some("ali".into())),
    ];
    for s in searches {
        let page = s.page_statement(DbBackend::Sqlite, 100, 50);
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
        assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{s:?}: {plan:?}");
        assert!(plan.iter().any(|d| d.contains(&format!("users USING INDEX {SQLITE_ID_INDEX}"))), "{s:?}: {plan:?}");
        assert!(plan.iter().any(|d| d.contains(SQLITE_LIST_INDEX)), "ids first: {s:?}: {plan:?}");
    }
}

/// GraphQL cursors carry the last user's id (keyset pagination): a user created between two
/// pages does not shift the next page, as an offset would.
#[tokio::test]
async fn cursors_are_keyset() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for i in 0..5 {
        app.user(&format!("user{i}")).await;
    }
    let query = "query($after: String) { users(first: 2, after: $after, filter: {query: \"user\"}) {
        pageInfo { hasNextPage hasPreviousPage endCursor } nodes { nickname } } }";
    let mut after = Value::Null;
    let mut seen = Vec::new();
    for round in 0..3 {
        let body = app.graphql(Some(&token), query, json!({"after": after})).await;
        assert!(body["errors"].is_null(), "{body}");
        let users = &body["data"]["users"];
        seen.extend(users["nodes"].as_array().unwrap().iter().map(|n| n["nickname"].as_str().unwrap().to_string()));
        assert_eq!(users["pageInfo"]["hasPreviousPage"], round > 0);
        assert_eq!(users["pageInfo"]["hasNextPage"], round < 2);
        after = users["pageInfo"]["endCursor"].clone();
        if round == 0 {
            app.user("user9").await; // newest: before the cursor, so not on later pages
        }
    }
    assert_eq!(seen, ["user4", "user3", "user2", "user1", "user0"]);
    let body = app.graphql(Some(&token), query, json!({"after": "not a cursor"})).await;
    assert!(!body["errors"].is_null(), "{body}");
}
