//! The user-changing Admin API routes: create, delete, follow/unfollow, activation, approval,
//! suggestions, tags and permission groups, each checked with its moderation-log entry (read
//! back through `GET /moderation_log`), its refusals, and under concurrent admins.
use std::collections::BTreeSet;

use entity::{follow, user_tag};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::common::{assert_no_content, both_prefixes, keys, sign_in, token_count, Reply, TestApp, FORM_URLENCODED};

const V1: &str = "/api/v1/pleroma/admin";

/// Messages of the moderation log, newest first, as `GET /moderation_log` lists them.
pub async fn log_messages(app: &TestApp, token: &str) -> Vec<String> {
    let reply = app.get(&format!("{V1}/moderation_log?page_size=500"), Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap().to_string()).collect()
}

/// The newest log entry.
async fn last_entry(app: &TestApp, token: &str) -> Value {
    let reply = app.get(&format!("{V1}/moderation_log?page_size=1"), Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"][0].clone()
}

/// A request with a form-encoded body (or none) and a raw query string.
async fn form(app: &TestApp, method: Method, path: &str, token: &str, body: &str) -> Reply {
    if body.is_empty() {
        return app.request(method, path, Some(token), None).await;
    }
    app.send_raw(method, path, token, FORM_URLENCODED, body).await
}

async fn user_row(app: &TestApp, nickname: &str) -> Option<entity::user::Model> {
    pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, nickname).await.unwrap()
}

async fn tags_of(app: &TestApp, nickname: &str) -> BTreeSet<String> {
    let user = user_row(app, nickname).await.unwrap();
    user_tag::Entity::find()
        .filter(user_tag::Column::UserId.eq(user.id))
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.tag)
        .collect()
}

async fn add_tag(app: &TestApp, user: &entity::user::Model, tag: &str) {
    use sea_orm::ActiveModelTrait;
    user_tag::ActiveModel { user_id: Set(user.id.clone()), tag: Set(tag.into()) }
        .insert(&app.state.db.write)
        .await
        .unwrap();
}

async fn follows(app: &TestApp, follower: &entity::user::Model, followed: &entity::user::Model) -> bool {
    follow::Entity::find()
        .filter(follow::Column::FollowerId.eq(follower.id.as_str()))
        .filter(follow::Column::FollowingId.eq(followed.id.as_str()))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .is_some()
}

fn not_found() -> (StatusCode, Value) {
    (StatusCode::NOT_FOUND, json!({"error": "Not found"}))
}

fn nicknames_of(body: &Value) -> Vec<&str> {
    body["users"].as_array().unwrap().iter().map(|u| u["nickname"].as_str().unwrap()).collect()
}

// ---- POST /users --------------------------------------------------------------------------

#[tokio::test]
async fn create_users_on_both_prefixes() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for (i, path) in both_prefixes(&format!("{V1}/users")).iter().enumerate() {
        let (a, b) = (format!("lain{i}"), format!("lain{i}b"));
        let body = json!({"users": [
            {"nickname": a, "email": format!("{a}@example.org"), "password": "test"},
            {"nickname": b, "email": format!("{b}@example.org"), "password": "test"},
        ]});
        let reply = app.request(Method::POST, path, Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(
            reply.body,
            json!([
                {"type": "success", "code": 200, "data": {"nickname": a, "email": format!("{a}@example.org")}},
                {"type": "success", "code": 200, "data": {"nickname": b, "email": format!("{b}@example.org")}},
            ])
        );
        let shown = app.get(&format!("{V1}/users/{a}"), Some(&token)).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert_eq!(
            (&shown.body["display_name"], &shown.body["is_confirmed"], &shown.body["is_approved"]),
            (&json!(a), &json!(true), &json!(true))
        );
        let row = user_row(&app, &a).await.unwrap();
        assert_eq!((row.bio.as_str(), row.local, row.is_active), (".", true, true));
        let entry = last_entry(&app, &token).await;
        assert_eq!(entry["message"], format!("@admin created users: @{a}, @{b}"));
        assert_eq!(entry["data"]["action"], "create");
        let subjects: Vec<&str> =
            entry["data"]["subjects"].as_array().unwrap().iter().map(|s| s["nickname"].as_str().unwrap()).collect();
        assert_eq!(subjects, [a.as_str(), b.as_str()]);
        assert_eq!(entry["data"]["subjects"][0]["type"], "user");
        assert_eq!(entry["data"]["subjects"][0]["id"], row.id);
        // The new account can sign in with its password.
        assert_eq!(sign_in(&app, &a, "test").await.body, json!({"error": "User is not a staff member."}));
    }
}

#[tokio::test]
async fn create_users_conflicts_are_all_or_nothing() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("taken").await;
    fn entry(nickname: &str, email: &str, password: &str) -> Value {
        json!({"nickname": nickname, "email": email, "password": password})
    }
    fn error(message: &str, nickname: Value, email: Value) -> Value {
        json!({"type": "error", "code": 409, "error": message, "data": {"nickname": nickname, "email": email}})
    }
    let cases = [
        (
            vec![entry("taken", "someone@example.org", "test")],
            json!([error("nickname has already been taken", json!("taken"), json!("someone@example.org"))]),
        ),
        (
            vec![entry("lain", "taken@example.org", "test")],
            json!([error("email has already been taken", json!("lain"), json!("taken@example.org"))]),
        ),
        // Every account is returned, in Pleroma's (reverse) order; valid ones with "".
        (
            vec![entry("newuser", "newuser@example.org", "test"), entry("lain", "taken@example.org", "test")],
            json!([
                error("email has already been taken", json!("lain"), json!("taken@example.org")),
                error("", json!("newuser"), json!("newuser@example.org")),
            ]),
        ),
        (
            vec![entry("", "lain@example.org", "test")],
            json!([error("nickname can't be blank", Value::Null, json!("lain@example.org"))]),
        ),
        (
            vec![entry("lain", "not-an-email", "test")],
            json!([error("email has invalid format", json!("lain"), json!("not-an-email"))]),
        ),
        (
            vec![entry("bad nick!", "lain@example.org", "test")],
            json!([error("nickname has invalid format", json!("bad nick!"), json!("lain@example.org"))]),
        ),
        (
            vec![entry("lain", "lain@example.org", "")],
            json!([error("password can't be blank", json!("lain"), json!("lain@example.org"))]),
        ),
        // Duplicates inside one batch.
        (
            vec![entry("lain", "lain1@example.org", "test"), entry("lain", "lain2@example.org", "test")],
            json!([
                error("nickname has already been taken", json!("lain"), json!("lain2@example.org")),
                error("", json!("lain"), json!("lain1@example.org")),
            ]),
        ),
    ];
    for path in both_prefixes(&format!("{V1}/users")) {
        for (users, expected) in &cases {
            let reply = app.request(Method::POST, &path, Some(&token), Some(json!({"users": users}))).await;
            assert_eq!((reply.status, &reply.body), (StatusCode::CONFLICT, expected), "{users:?}");
        }
    }
    for nickname in ["lain", "newuser"] {
        assert!(user_row(&app, nickname).await.is_none(), "{nickname} was created");
    }
    // A missing field is a parameter error, before anything runs.
    let reply = app
        .request(
            Method::POST,
            &format!("{V1}/users"),
            Some(&token),
            Some(json!({"users": [{"nickname": "lain", "email": "l@example.org"}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "Missing field: password.");
    let reply = app.request(Method::POST, &format!("{V1}/users"), Some(&token), Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["errors"][0]["source"]["pointer"], "/users");
    assert!(log_messages(&app, &token).await.is_empty());
}

// ---- DELETE /users ------------------------------------------------------------------------

#[tokio::test]
async fn delete_users_with_a_json_body_and_the_deprecated_query_form() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for (i, path) in both_prefixes(&format!("{V1}/users")).iter().enumerate() {
        let one = app.user(&format!("one{i}")).await;
        let two = app.remote_user(&format!("two{i}"), "remote.example").await;
        let friend = app.user(&format!("friend{i}")).await;
        let one_token = app.token(&one, "read").await;
        add_tag(&app, &one, "force_nsfw").await;
        for (a, b) in [(&one, &friend), (&friend, &one), (&two, &friend)] {
            let reply = app
                .request(
                    Method::POST,
                    &format!("{V1}/users/follow"),
                    Some(&token),
                    Some(json!({"follower": a.nickname, "followed": b.nickname})),
                )
                .await;
            assert_eq!(reply.body, json!("ok"));
        }
        let body = json!({"nicknames": [one.nickname, two.nickname]});
        let reply = app.request(Method::DELETE, path, Some(&token), Some(body)).await;
        assert_eq!((reply.status, &reply.body), (StatusCode::OK, &json!([one.nickname, two.nickname])));
        assert_eq!(
            last_entry(&app, &token).await["message"],
            format!("@admin deleted users: @{}, @{}", one.nickname, two.nickname)
        );
        // Pleroma's purge: a tombstone stays at once (id, ap_id and nickname kept, deactivated,
        // profile and email emptied), so the nickname cannot be registered again.
        for gone in [&one, &two] {
            let row = user_row(&app, &gone.nickname).await.expect("tombstone");
            assert_eq!((row.id.as_str(), row.ap_id.as_str()), (gone.id.as_str(), gone.ap_id.as_str()));
            assert!(!row.is_active && !row.is_admin);
            assert_eq!((row.email, row.name, row.password_hash, row.bio), (None, None, None, String::new()));
            let shown = app.get(&format!("{V1}/users/{}", gone.nickname), Some(&token)).await;
            assert_eq!((shown.status, shown.body["is_active"].clone()), (StatusCode::OK, json!(false)));
            assert_eq!(token_count(&app, gone).await, 0);
        }
        // Tokens and tags go at once; follows with the background job.
        let reply = app.get("/api/v1/pleroma/admin/users", Some(&one_token)).await;
        assert_eq!(reply.body, json!({"error": "Invalid credentials."}));
        let tags =
            user_tag::Entity::find().filter(user_tag::Column::UserId.eq(one.id.as_str())).count(&app.state.db.read);
        assert_eq!(tags.await.unwrap(), 0);
        assert!(follows(&app, &friend, &one).await);
        assert_eq!(app.run_jobs().await, 2);
        assert!(!follows(&app, &friend, &one).await && !follows(&app, &one, &friend).await);
        assert!(!follows(&app, &two, &friend).await);
        assert!(user_row(&app, &one.nickname).await.is_some(), "a confirmed local user stays a tombstone");

        // The deprecated single form still answers an array.
        let three = app.user(&format!("three{i}")).await;
        let reply =
            app.request(Method::DELETE, &format!("{path}?nickname={}", three.nickname), Some(&token), None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!([three.nickname])));
        assert_eq!(last_entry(&app, &token).await["message"], format!("@admin deleted users: @{}", three.nickname));
        app.run_jobs().await;
        assert!(!user_row(&app, &three.nickname).await.expect("tombstone").is_active);
    }
    // Local users who never confirmed or were never approved leave the table.
    app.user_with("unconfirmed", |u| u.is_confirmed = Set(false)).await;
    app.user_with("unapproved", |u| u.is_approved = Set(false)).await;
    let body = json!({"nicknames": ["unconfirmed", "unapproved"]});
    let reply = app.request(Method::DELETE, &format!("{V1}/users"), Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(user_row(&app, "unconfirmed").await.is_some());
    assert_eq!(app.run_jobs().await, 2);
    assert!(user_row(&app, "unconfirmed").await.is_none() && user_row(&app, "unapproved").await.is_none());
    // Form-encoded arrays work too.
    app.user("four").await;
    app.user("five").await;
    let reply = form(&app, Method::DELETE, &format!("{V1}/users"), &token, "nicknames[]=four&nicknames[]=five").await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!(["four", "five"])));
    assert_eq!(log_messages(&app, &token).await[0], "@admin deleted users: @four, @five");
}

#[tokio::test]
async fn delete_users_unknown_nickname_changes_nothing() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    for path in both_prefixes(&format!("{V1}/users")) {
        let reply =
            app.request(Method::DELETE, &path, Some(&token), Some(json!({"nicknames": ["bob", "nobody"]}))).await;
        assert_eq!((reply.status, reply.body), not_found());
        let reply = app.request(Method::DELETE, &format!("{path}?nickname=nobody"), Some(&token), None).await;
        assert_eq!((reply.status, reply.body), not_found());
        let reply = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(
            (reply.status, reply.body),
            (StatusCode::BAD_REQUEST, json!({"error": "Missing field: nicknames."}))
        );
    }
    assert!(user_row(&app, "bob").await.is_some());
    assert!(log_messages(&app, &token).await.is_empty());
}

// ---- POST /users/follow, /users/unfollow ----------------------------------------------------

#[tokio::test]
async fn follow_and_unfollow_always_answer_ok() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    for prefix in both_prefixes(V1) {
        let body = json!({"follower": "carol", "followed": "bob"});
        let reply =
            app.request(Method::POST, &format!("{prefix}/users/follow"), Some(&token), Some(body.clone())).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
        assert!(follows(&app, &carol, &bob).await);
        let entry = last_entry(&app, &token).await;
        assert_eq!(entry["message"], "@admin made @carol follow @bob");
        assert_eq!(entry["data"]["follower"], json!({"id": carol.id, "nickname": "carol", "type": "user"}));
        assert_eq!(entry["data"]["followed"], json!({"id": bob.id, "nickname": "bob", "type": "user"}));
        // Following twice is harmless.
        let reply =
            app.request(Method::POST, &format!("{prefix}/users/follow"), Some(&token), Some(body.clone())).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));

        let reply = app.request(Method::POST, &format!("{prefix}/users/unfollow"), Some(&token), Some(body)).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
        assert!(!follows(&app, &carol, &bob).await);
        assert_eq!(last_entry(&app, &token).await["message"], "@admin made @carol unfollow @bob");
    }
    // Form bodies.
    let reply = form(&app, Method::POST, &format!("{V1}/users/follow"), &token, "follower=bob&followed=carol").await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
    assert!(follows(&app, &bob, &carol).await);
    // A deactivated account is not followed, but the attempt is logged, as in Pleroma.
    let reply = app.request(Method::PATCH, &format!("{V1}/users/bob/toggle_activation"), Some(&token), None).await;
    assert_eq!(reply.body["is_active"], false);
    let body = json!({"follower": "carol", "followed": "bob"});
    let reply = app.request(Method::POST, &format!("{V1}/users/follow"), Some(&token), Some(body)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
    assert!(!follows(&app, &carol, &bob).await);
    assert_eq!(last_entry(&app, &token).await["message"], "@admin made @carol follow @bob");
    let logged = log_messages(&app, &token).await.len();
    // Unknown nicknames: "ok", nothing happens, nothing is logged.
    for route in ["follow", "unfollow"] {
        for body in [json!({"follower": "nobody", "followed": "bob"}), json!({"follower": "bob", "followed": "nobody"})]
        {
            let reply = app.request(Method::POST, &format!("{V1}/users/{route}"), Some(&token), Some(body)).await;
            assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
        }
    }
    assert_eq!(log_messages(&app, &token).await.len(), logged);
    // A missing parameter is refused before anything runs.
    let reply =
        app.request(Method::POST, &format!("{V1}/users/follow"), Some(&token), Some(json!({"follower": "bob"}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "Missing field: followed.");
}

// ---- Activation ----------------------------------------------------------------------------

#[tokio::test]
async fn toggle_activation_returns_the_user_and_logs_the_direction() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.user("bob").await;
    for prefix in both_prefixes(V1) {
        let bob_token = app.token(&bob, "read").await;
        let path = format!("{prefix}/users/bob/toggle_activation");
        let reply = app.request(Method::PATCH, &path, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["nickname"], "bob");
        assert_eq!(reply.body["id"], bob.id);
        assert_eq!(reply.body["is_active"], false);
        // The whole AdminUser, exactly as GET /users/:nickname renders it.
        let shown = app.get(&format!("{prefix}/users/bob"), Some(&token)).await;
        assert_eq!(reply.body, shown.body);
        assert!(keys(&reply.body).contains(&"roles".to_string()) && keys(&reply.body).contains(&"tags".to_string()));
        assert_eq!(last_entry(&app, &token).await["message"], "@admin deactivated users: @bob");
        // Deactivation revoked the user's tokens.
        assert_eq!(token_count(&app, &bob).await, 0);
        let reply = app.get(&format!("{V1}/users"), Some(&bob_token)).await;
        assert_eq!(reply.body, json!({"error": "Invalid credentials."}));

        let reply = app.request(Method::PATCH, &path, Some(&token), None).await;
        assert_eq!((reply.status, &reply.body["is_active"]), (StatusCode::OK, &json!(true)));
        assert_eq!(last_entry(&app, &token).await["message"], "@admin activated users: @bob");

        let reply =
            app.request(Method::PATCH, &format!("{prefix}/users/nobody/toggle_activation"), Some(&token), None).await;
        assert_eq!((reply.status, reply.body), not_found());
    }
}

#[tokio::test]
async fn bulk_activation_approval_and_suggestions() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.user_with("bob", |u| u.is_approved = Set(false)).await;
    app.remote_user("carol", "remote.example").await;
    let carol = "carol@remote.example";
    // (route, flag, value after, log message)
    let steps = [
        ("deactivate", "is_active", false, "deactivated users: @bob, @carol@remote.example"),
        ("activate", "is_active", true, "activated users: @bob, @carol@remote.example"),
        ("approve", "is_approved", true, "approved users: @bob, @carol@remote.example"),
        ("suggest", "is_suggested", true, "added suggested users: @bob, @carol@remote.example"),
        ("unsuggest", "is_suggested", false, "removed suggested users: @bob, @carol@remote.example"),
    ];
    for prefix in both_prefixes(V1) {
        let bob_token = app.token(&bob, "read").await;
        for (route, flag, value, message) in steps {
            let body = json!({"nicknames": ["bob", carol]});
            let reply = app.request(Method::PATCH, &format!("{prefix}/users/{route}"), Some(&token), Some(body)).await;
            assert_eq!(reply.status, StatusCode::OK, "{route}: {}", reply.text);
            assert_eq!(keys(&reply.body), ["users"]);
            assert_eq!(nicknames_of(&reply.body), ["bob", carol], "{route}");
            for user in reply.body["users"].as_array().unwrap() {
                assert_eq!(user[flag], value, "{route}");
            }
            let shown = app.get(&format!("{prefix}/users/bob"), Some(&token)).await;
            assert_eq!(reply.body["users"][0], shown.body, "{route}");
            let entry = last_entry(&app, &token).await;
            assert_eq!(entry["message"], format!("@admin {message}"), "{route}");
            assert_eq!(entry["data"]["subject"][0]["nickname"], "bob");
            if route == "deactivate" {
                assert_eq!(token_count(&app, &bob).await, 0);
                assert_eq!(
                    app.get(&format!("{V1}/users"), Some(&bob_token)).await.body["error"],
                    "Invalid credentials."
                );
            }
        }
    }
    // Query-string and form arrays.
    let reply =
        form(&app, Method::PATCH, &format!("{V1}/users/suggest?nicknames[]=bob&nicknames[]={carol}"), &token, "").await;
    assert_eq!((reply.status, nicknames_of(&reply.body)), (StatusCode::OK, vec!["bob", carol]));
    assert_eq!(reply.body["users"][1]["is_suggested"], true);
    let reply = form(&app, Method::PATCH, &format!("{V1}/users/deactivate"), &token, "nicknames[]=bob").await;
    assert_eq!((reply.status, nicknames_of(&reply.body)), (StatusCode::OK, vec!["bob"]));
    assert_eq!(reply.body["users"][0]["is_active"], false);
    assert_eq!(log_messages(&app, &token).await[0], "@admin deactivated users: @bob");
    // An unknown nickname refuses the whole batch.
    let before = log_messages(&app, &token).await.len();
    for route in ["activate", "deactivate", "approve", "suggest", "unsuggest"] {
        let body = json!({"nicknames": [carol, "nobody"]});
        let reply = app.request(Method::PATCH, &format!("{V1}/users/{route}"), Some(&token), Some(body)).await;
        assert_eq!((reply.status, reply.body), not_found(), "{route}");
    }
    let carol_row = user_row(&app, carol).await.unwrap();
    assert!(carol_row.is_active && carol_row.is_suggested);
    assert_eq!(log_messages(&app, &token).await.len(), before);
    let reply = app.request(Method::PATCH, &format!("{V1}/users/activate"), Some(&token), Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({
            "error": "Missing field: nicknames.",
            "errors": [{
                "title": "Invalid value",
                "source": {"pointer": "/nicknames"},
                "message": "Missing field: nicknames",
            }],
        })
    );
}

#[tokio::test]
async fn legacy_activation_status_route() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    for prefix in both_prefixes(V1) {
        let path = format!("{prefix}/users/bob/activation_status");
        let reply = app.request(Method::PUT, &path, Some(&token), Some(json!({"status": false}))).await;
        assert_no_content(&reply);
        assert!(!user_row(&app, "bob").await.unwrap().is_active);
        assert_eq!(last_entry(&app, &token).await["message"], "@admin deactivated users: @bob");
        // Boolean-like strings, from a form.
        let reply = form(&app, Method::PUT, &path, &token, "status=true").await;
        assert_no_content(&reply);
        assert!(user_row(&app, "bob").await.unwrap().is_active);
        assert_eq!(last_entry(&app, &token).await["message"], "@admin activated users: @bob");
        let reply = form(&app, Method::PUT, &path, &token, "status=off").await;
        assert_no_content(&reply);
        assert!(!user_row(&app, "bob").await.unwrap().is_active);
        // Legacy errors are bare strings.
        let reply = app.request(Method::PUT, &path, Some(&token), Some(json!({}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!("Invalid parameters")));
        let reply = app
            .request(
                Method::PUT,
                &format!("{prefix}/users/nobody/activation_status"),
                Some(&token),
                Some(json!({"status": true})),
            )
            .await;
        assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!("Not found")));
        let reply = app.request(Method::PUT, &path, None, Some(json!({"status": true}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));
    }
}

// ---- Tags ----------------------------------------------------------------------------------

#[tokio::test]
async fn tag_and_untag_users() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.user("bob").await;
    app.user("carol").await;
    add_tag(&app, &bob, "foo").await;
    for prefix in both_prefixes(V1) {
        let path = format!("{prefix}/users/tag");
        let body = json!({"nicknames": ["bob", "carol"], "tags": ["foo", "Force_NSFW"]});
        assert_no_content(&app.request(Method::PUT, &path, Some(&token), Some(body)).await);
        for nickname in ["bob", "carol"] {
            assert_eq!(tags_of(&app, nickname).await, BTreeSet::from(["foo".into(), "force_nsfw".into()]));
        }
        let entry = last_entry(&app, &token).await;
        assert_eq!(entry["message"], "@admin added tags: foo, Force_NSFW to users: @bob, @carol");
        assert_eq!(entry["data"]["nicknames"], json!(["bob", "carol"]));
        assert_eq!(entry["data"]["tags"], json!(["foo", "Force_NSFW"]));
        let shown = app.get(&format!("{V1}/users/carol"), Some(&token)).await;
        assert_eq!(shown.body["tags"], json!(["foo", "force_nsfw"]));

        // DELETE with a JSON body.
        let body = json!({"nicknames": ["bob", "carol"], "tags": ["force_nsfw"]});
        assert_no_content(&app.request(Method::DELETE, &path, Some(&token), Some(body)).await);
        assert_eq!(tags_of(&app, "bob").await, BTreeSet::from(["foo".into()]));
        assert_eq!(
            last_entry(&app, &token).await["message"],
            "@admin removed tags: force_nsfw from users: @bob, @carol"
        );

        // Query-string arrays.
        let query = format!("{path}?nicknames[]=carol&tags[]=mrf_tag:disable-any-subscription&tags[]=x");
        assert_no_content(&form(&app, Method::PUT, &query, &token, "").await);
        assert!(tags_of(&app, "carol").await.contains("mrf_tag:disable-any-subscription"));
        assert_no_content(&form(&app, Method::DELETE, &query, &token, "").await);
        assert_eq!(tags_of(&app, "carol").await, BTreeSet::from(["foo".into()]));
        // Form bodies.
        assert_no_content(&form(&app, Method::PUT, &path, &token, "nicknames[]=carol&tags[]=y").await);
        assert!(tags_of(&app, "carol").await.contains("y"));
        assert_no_content(&form(&app, Method::DELETE, &path, &token, "nicknames[]=carol&tags[]=y").await);
        assert!(!tags_of(&app, "carol").await.contains("y"));

        // Unknown nickname: nothing changes.
        let before = log_messages(&app, &token).await.len();
        let body = json!({"nicknames": ["carol", "nobody"], "tags": ["zzz"]});
        let reply = app.request(Method::PUT, &path, Some(&token), Some(body.clone())).await;
        assert_eq!((reply.status, reply.body), not_found());
        let reply = app.request(Method::DELETE, &path, Some(&token), Some(body)).await;
        assert_eq!((reply.status, reply.body), not_found());
        assert!(!tags_of(&app, "carol").await.contains("zzz"));
        assert_eq!(log_messages(&app, &token).await.len(), before);
        let reply = app.request(Method::PUT, &path, Some(&token), Some(json!({"nicknames": ["carol"]}))).await;
        assert_eq!((reply.status, &reply.body["error"]), (StatusCode::BAD_REQUEST, &json!("Missing field: tags.")));
    }
}

// ---- Permission groups ---------------------------------------------------------------------

#[tokio::test]
async fn grant_and_revoke_many() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    app.user("carol").await;
    for prefix in both_prefixes(V1) {
        for group in ["admin", "moderator"] {
            let path = format!("{prefix}/users/permission_group/{group}");
            let flag = format!("is_{group}");
            let body = json!({"nicknames": ["bob", "carol"]});
            let reply = app.request(Method::POST, &path, Some(&token), Some(body.clone())).await;
            assert_eq!((reply.status, &reply.body), (StatusCode::OK, &json!({flag.clone(): true})));
            for nickname in ["bob", "carol"] {
                let shown = app.get(&format!("{V1}/users/{nickname}/permission_group"), Some(&token)).await;
                assert_eq!(shown.body[&flag], true);
            }
            let entry = last_entry(&app, &token).await;
            assert_eq!(entry["message"], format!("@admin made @bob, @carol {group}"));
            assert_eq!(entry["data"]["permission"], group);

            let reply = app.request(Method::DELETE, &path, Some(&token), Some(body)).await;
            assert_eq!((reply.status, &reply.body), (StatusCode::OK, &json!({flag.clone(): false})));
            assert_eq!(
                last_entry(&app, &token).await["message"],
                format!("@admin revoked {group} role from @bob, @carol")
            );
            assert!(!user_row(&app, "carol").await.unwrap().is_admin);
        }
        // Form bodies.
        let reply =
            form(&app, Method::POST, &format!("{prefix}/users/permission_group/moderator"), &token, "nicknames[]=bob")
                .await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"is_moderator": true})));
        let reply = form(
            &app,
            Method::DELETE,
            &format!("{prefix}/users/permission_group/moderator"),
            &token,
            "nicknames[]=bob",
        )
        .await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"is_moderator": false})));
    }
}

#[tokio::test]
async fn permission_group_errors() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    let no_group = (StatusCode::NOT_FOUND, json!({"error": "No such permission_group"}));
    let single = (StatusCode::FORBIDDEN, json!({"error": "You can't revoke your own admin status."}));
    let multi = (StatusCode::FORBIDDEN, json!({"error": "You can't revoke your own admin/moderator status."}));
    for prefix in both_prefixes(V1) {
        let bob = json!({"nicknames": ["bob"]});
        let me = json!({"nicknames": ["bob", "admin"]});
        let cases = [
            (Method::POST, format!("{prefix}/users/permission_group/owner"), Some(bob.clone()), &no_group),
            (Method::DELETE, format!("{prefix}/users/permission_group/owner"), Some(bob.clone()), &no_group),
            // The multi form checks the group first, then the caller.
            (Method::DELETE, format!("{prefix}/users/permission_group/owner"), Some(me.clone()), &no_group),
            (Method::DELETE, format!("{prefix}/users/permission_group/admin"), Some(me.clone()), &multi),
            (Method::DELETE, format!("{prefix}/users/permission_group/moderator"), Some(me), &multi),
            (Method::POST, format!("{prefix}/users/bob/permission_group/owner"), None, &no_group),
            (Method::DELETE, format!("{prefix}/users/bob/permission_group/owner"), None, &no_group),
            // The single form refuses the caller whatever the group.
            (Method::DELETE, format!("{prefix}/users/admin/permission_group/admin"), None, &single),
            (Method::DELETE, format!("{prefix}/users/admin/permission_group/moderator"), None, &single),
            (Method::DELETE, format!("{prefix}/users/admin/permission_group/owner"), None, &single),
        ];
        for (method, path, body, expected) in cases {
            let reply = app.request(method.clone(), &path, Some(&token), body).await;
            assert_eq!((reply.status, &reply.body), (expected.0, &expected.1), "{method} {path}");
        }
        // Unknown users.
        let reply = app
            .request(
                Method::POST,
                &format!("{prefix}/users/permission_group/admin"),
                Some(&token),
                Some(json!({"nicknames": ["bob", "nobody"]})),
            )
            .await;
        assert_eq!((reply.status, reply.body), not_found());
        let reply = app
            .request(Method::POST, &format!("{prefix}/users/nobody/permission_group/admin"), Some(&token), None)
            .await;
        assert_eq!((reply.status, reply.body), not_found());
    }
    let admin = user_row(&app, "admin").await.unwrap();
    assert!(admin.is_admin);
    assert!(!user_row(&app, "bob").await.unwrap().is_admin);
    assert!(log_messages(&app, &token).await.is_empty());
}

#[tokio::test]
async fn grant_and_revoke_one_deprecated_form() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    for prefix in both_prefixes(V1) {
        for group in ["admin", "moderator"] {
            let path = format!("{prefix}/users/bob/permission_group/{group}");
            let flag = format!("is_{group}");
            let reply = app.request(Method::POST, &path, Some(&token), None).await;
            assert_eq!((reply.status, &reply.body), (StatusCode::OK, &json!({flag.clone(): true})));
            assert_eq!(last_entry(&app, &token).await["message"], format!("@admin made @bob {group}"));
            // The per-group GET still reports both flags.
            let shown = app.get(&path, Some(&token)).await;
            assert_eq!(shown.body[&flag], true);
            let reply = app.request(Method::DELETE, &path, Some(&token), None).await;
            assert_eq!((reply.status, &reply.body), (StatusCode::OK, &json!({flag.clone(): false})));
            assert_eq!(last_entry(&app, &token).await["message"], format!("@admin revoked {group} role from @bob"));
        }
    }
    // A second admin may revoke the first.
    let other = app.admin("other").await;
    let other_token = app.token(&other, "admin").await;
    let reply = app
        .request(Method::DELETE, &format!("{V1}/users/admin/permission_group/admin"), Some(&other_token), None)
        .await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"is_admin": false})));
    assert!(!user_row(&app, "admin").await.unwrap().is_admin);
    assert_eq!(log_messages(&app, &other_token).await[0], "@other revoked admin role from @admin");
}

// ---- Refusals ------------------------------------------------------------------------------

/// Every route of this area with a valid body, the privilege it needs (`None` = admin only)
/// and its scope.
fn routes() -> Vec<(Method, String, Value, Option<&'static str>, &'static str)> {
    let nicknames = json!({"nicknames": ["bob"]});
    let accounts = "admin:write:accounts";
    vec![
        (
            Method::POST,
            "/users".into(),
            json!({"users": [{"nickname": "x", "email": "x@example.org", "password": "p"}]}),
            None,
            accounts,
        ),
        (Method::DELETE, "/users".into(), nicknames.clone(), Some("users_delete"), accounts),
        (
            Method::POST,
            "/users/follow".into(),
            json!({"follower": "bob", "followed": "carol"}),
            None,
            "admin:write:follows",
        ),
        (
            Method::POST,
            "/users/unfollow".into(),
            json!({"follower": "bob", "followed": "carol"}),
            None,
            "admin:write:follows",
        ),
        (
            Method::PATCH,
            "/users/bob/toggle_activation".into(),
            json!({}),
            Some("users_manage_activation_state"),
            accounts,
        ),
        (
            Method::PUT,
            "/users/tag".into(),
            json!({"nicknames": ["bob"], "tags": ["x"]}),
            Some("users_manage_tags"),
            accounts,
        ),
        (
            Method::DELETE,
            "/users/tag".into(),
            json!({"nicknames": ["bob"], "tags": ["x"]}),
            Some("users_manage_tags"),
            accounts,
        ),
        (Method::PATCH, "/users/activate".into(), nicknames.clone(), Some("users_manage_activation_state"), accounts),
        (Method::PATCH, "/users/deactivate".into(), nicknames.clone(), Some("users_manage_activation_state"), accounts),
        (Method::PATCH, "/users/approve".into(), nicknames.clone(), Some("users_manage_invites"), accounts),
        (Method::PATCH, "/users/suggest".into(), nicknames.clone(), None, accounts),
        (Method::PATCH, "/users/unsuggest".into(), nicknames.clone(), None, accounts),
        (
            Method::PUT,
            "/users/bob/activation_status".into(),
            json!({"status": false}),
            Some("users_manage_activation_state"),
            accounts,
        ),
        (Method::POST, "/users/permission_group/moderator".into(), nicknames.clone(), None, accounts),
        (Method::DELETE, "/users/permission_group/moderator".into(), nicknames.clone(), None, accounts),
        (Method::POST, "/users/bob/permission_group/moderator".into(), json!({}), None, accounts),
        (Method::DELETE, "/users/bob/permission_group/moderator".into(), json!({}), None, accounts),
    ]
}

#[tokio::test]
async fn refusals_by_role_privilege_and_scope() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let token = app.token(&admin, "admin").await;
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let plain = app.user("plain").await;
    let plain_token = app.token(&plain, "read write follow push admin").await;
    let narrow = app.token(&admin, "read write follow push admin:read").await;
    app.user("bob").await;
    app.user("carol").await;
    let refused = |m: &str| (StatusCode::FORBIDDEN, json!({"error": m}));
    for (method, route, body, privilege, scope) in routes() {
        for prefix in both_prefixes(V1) {
            let path = format!("{prefix}{route}");
            let call = |token: Option<String>| {
                let (method, path, body) = (method.clone(), path.clone(), body.clone());
                let app = &app;
                async move { app.request(method, &path, token.as_deref(), Some(body)).await }
            };
            let reply = call(None).await;
            assert_eq!((reply.status, reply.body), refused("Invalid credentials."), "{method} {path}");
            let reply = call(Some(plain_token.clone())).await;
            assert_eq!((reply.status, reply.body), refused("User is not a staff member."), "{method} {path}");
            let reply = call(Some(mod_token.clone())).await;
            let expected = if privilege.is_some() { "User isn't privileged." } else { "User is not an admin." };
            assert_eq!((reply.status, reply.body), refused(expected), "{method} {path}");
            let reply = call(Some(narrow.clone())).await;
            assert_eq!(
                (reply.status, reply.body),
                refused(&format!("Insufficient permissions: {scope}.")),
                "{method} {path}"
            );
        }
    }
    // Nothing happened.
    assert!(log_messages(&app, &token).await.is_empty());
    let bob = user_row(&app, "bob").await.unwrap();
    assert!(bob.is_active && !bob.is_moderator);
    assert!(user_row(&app, "x").await.is_none());
}

#[tokio::test]
async fn moderators_act_with_privileges_from_settings() {
    use pleroma_gateway::auth::Privilege;
    let app = TestApp::with_settings(|s| {
        s.instance.moderator_privileges = vec![
            Privilege::UsersManageTags,
            Privilege::UsersManageActivationState,
            Privilege::UsersManageInvites,
            Privilege::UsersDelete,
            Privilege::ModerationLogRead,
        ];
        s.instance.admin_privileges = vec![];
    })
    .await;
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let admin = app.admin("admin").await;
    let admin_token = app.token(&admin, "admin").await;
    app.user("bob").await;
    let tag = json!({"nicknames": ["bob"], "tags": ["x"]});
    assert_no_content(&app.request(Method::PUT, &format!("{V1}/users/tag"), Some(&mod_token), Some(tag.clone())).await);
    let reply = app.request(Method::PATCH, &format!("{V1}/users/bob/toggle_activation"), Some(&mod_token), None).await;
    assert_eq!((reply.status, &reply.body["is_active"]), (StatusCode::OK, &json!(false)));
    let reply = app
        .request(Method::PATCH, &format!("{V1}/users/approve"), Some(&mod_token), Some(json!({"nicknames": ["bob"]})))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        log_messages(&app, &mod_token).await,
        ["@mod approved users: @bob", "@mod deactivated users: @bob", "@mod added tags: x to users: @bob"]
    );
    // An admin without the privilege is refused, yet keeps the admin-only routes.
    let reply = app.request(Method::PUT, &format!("{V1}/users/tag"), Some(&admin_token), Some(tag)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "User isn't privileged."})));
    let reply = app
        .request(Method::PATCH, &format!("{V1}/users/suggest"), Some(&admin_token), Some(json!({"nicknames": ["bob"]})))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app.get(&format!("{V1}/moderation_log"), Some(&admin_token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "User isn't privileged."})));
    let reply = app
        .request(Method::DELETE, &format!("{V1}/users"), Some(&mod_token), Some(json!({"nicknames": ["bob"]})))
        .await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!(["bob"])));
}

// ---- GraphQL -------------------------------------------------------------------------------

#[tokio::test]
async fn graphql_mutations() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    let tag = "mutation($input: TagUsersInput!) { tagUsers(input: $input) { users { nickname tags } } }";
    let reply = app.graphql(Some(&token), tag, json!({"input": {"nicknames": ["bob"], "tags": ["a", "B"]}})).await;
    assert_eq!(reply["data"]["tagUsers"]["users"], json!([{"nickname": "bob", "tags": ["a", "b"]}]));

    let grant = "mutation($input: PermissionGroupInput!) { grantPermissionGroup(input: $input) {
        __typename users { nickname roles { moderator } }
        ... on ModeratorGroupPayload { isModerator } } }";
    let reply = app.graphql(Some(&token), grant, json!({"input": {"group": "moderator", "nicknames": ["bob"]}})).await;
    assert_eq!(
        reply["data"]["grantPermissionGroup"],
        json!({
            "__typename": "ModeratorGroupPayload",
            "users": [{"nickname": "bob", "roles": {"moderator": true}}],
            "isModerator": true,
        })
    );
    let reply = app.graphql(Some(&token), grant, json!({"input": {"group": "owner", "nicknames": ["bob"]}})).await;
    assert_eq!(reply["errors"][0]["message"], "No such permission_group");
    assert_eq!(reply["errors"][0]["extensions"]["code"], "NOT_FOUND");

    let create = "mutation($input: CreateUsersInput!) {
        createUsers(input: $input) { users { nickname isConfirmed } }
    }";
    let input = json!({"input": {"users": [{"nickname": "new", "email": "new@example.org", "password": "pw"}]}});
    let reply = app.graphql(Some(&token), create, input.clone()).await;
    assert_eq!(reply["data"]["createUsers"], json!({"users": [{"nickname": "new", "isConfirmed": true}]}));
    let reply = app.graphql(Some(&token), create, input).await;
    assert_eq!(reply["errors"][0]["extensions"]["code"], "CONFLICT");
    assert_eq!(reply["errors"][0]["message"], "nickname has already been taken");
    assert_eq!(reply["errors"][0]["extensions"]["details"][0]["error"], "nickname has already been taken");

    let follow =
        "mutation { followUser(input: {follower: \"new\", followed: \"bob\"}) { applied follower { nickname } } }";
    let reply = app.graphql(Some(&token), follow, json!({})).await;
    assert_eq!(reply["data"]["followUser"], json!({"applied": true, "follower": {"nickname": "new"}}));

    // A moderator without the privilege is refused with a typed error.
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let reply = app.graphql(Some(&mod_token), tag, json!({"input": {"nicknames": ["bob"], "tags": ["c"]}})).await;
    assert_eq!(reply["errors"][0]["message"], "User isn't privileged.");
    assert_eq!(reply["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        log_messages(&app, &token).await,
        [
            "@admin made @new follow @bob",
            "@admin created users: @new",
            "@admin made @bob moderator",
            "@admin added tags: a, B to users: @bob",
        ]
    );
}

/// The mutations whose REST body is one key of their payload (`Success::At`): the payload in
/// GraphQL, the bare value over REST, and the key named in the OpenAPI document.
#[tokio::test]
async fn graphql_payload_objects() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    app.user("carol").await;

    let toggle = "mutation { toggleUserActivation(input: {nickname: \"bob\"}) { user { nickname isActive } } }";
    let reply = app.graphql(Some(&token), toggle, json!({})).await;
    assert_eq!(reply["data"]["toggleUserActivation"], json!({"user": {"nickname": "bob", "isActive": false}}));

    let set = "mutation { setUserActivation(input: {nickname: \"bob\", active: true}) { user { nickname isActive } } }";
    let reply = app.graphql(Some(&token), set, json!({})).await;
    assert_eq!(reply["data"]["setUserActivation"], json!({"user": {"nickname": "bob", "isActive": true}}));

    let delete = "mutation { deleteUsers(input: {nicknames: [\"carol\"]}) { nicknames } }";
    let reply = app.graphql(Some(&token), delete, json!({})).await;
    assert_eq!(reply["data"]["deleteUsers"], json!({"nicknames": ["carol"]}));
    let missing = "mutation { deleteUsers(input: {nicknames: [\"nobody\"]}) { nicknames } }";
    let reply = app.graphql(Some(&token), missing, json!({})).await;
    assert_eq!(reply["errors"][0]["extensions"]["code"], "NOT_FOUND");

    // Over REST the body is the payload's key, unwrapped.
    let reply = app.request(Method::PATCH, &format!("{V1}/users/bob/toggle_activation"), Some(&token), None).await;
    assert_eq!((reply.status, reply.body["nickname"].clone()), (StatusCode::OK, json!("bob")));
    assert_eq!(reply.body["is_active"], false);

    let doc = app.get("/api/openapi", None).await.body;
    let result = |path: &str, method: &str| doc["paths"][path][method]["x-graphql-result"].clone();
    assert_eq!(
        result("/api/v1/pleroma/admin/users/{nickname}/toggle_activation", "patch"),
        "toggleUserActivation.user"
    );
    assert_eq!(result("/api/pleroma/admin/users", "post"), "createUsers.users");
    assert_eq!(result("/api/v1/pleroma/admin/users", "delete"), "deleteUsers.nicknames");
    assert_eq!(result("/api/v1/pleroma/admin/users/disable_mfa", "put"), "disableMfa.nickname");
    assert_eq!(result("/api/v1/pleroma/admin/users", "get"), "users");
    assert_eq!(result("/api/v1/pleroma/admin/users/tag", "put"), Value::Null);
}

// ---- Concurrency ---------------------------------------------------------------------------

/// Two admins fire 16 requests at once at the same users: tags from both all land, toggles
/// never lose each other, nothing answers 500, and the final state matches the log.
#[tokio::test]
async fn concurrent_admins_lose_no_update() {
    let app = TestApp::new().await;
    let first = app.admin("admin").await;
    let second = app.admin("admin2").await;
    let tokens = [app.token(&first, "admin").await, app.token(&second, "admin").await];
    for nickname in ["u0", "u1", "u2", "flip"] {
        app.user(nickname).await;
    }
    let mut requests: Vec<(Method, String, Value)> = Vec::new();
    for i in 0..6 {
        // Each request adds its own tag to the three users, in a different order each time.
        let mut users = vec!["u0", "u1", "u2"];
        users.rotate_left(i % 3);
        requests.push((Method::PUT, format!("{V1}/users/tag"), json!({"nicknames": users, "tags": [format!("t{i}")]})));
    }
    for _ in 0..6 {
        requests.push((Method::PATCH, format!("{V1}/users/flip/toggle_activation"), json!({})));
    }
    requests.push((Method::PATCH, format!("{V1}/users/deactivate"), json!({"nicknames": ["u2", "u0", "u1"]})));
    requests.push((Method::PATCH, format!("{V1}/users/activate"), json!({"nicknames": ["u1", "u2", "u0"]})));
    requests.push((
        Method::DELETE,
        format!("{V1}/users/tag"),
        json!({"nicknames": ["u0", "u1", "u2"], "tags": ["absent"]}),
    ));
    requests.push((Method::PATCH, format!("{V1}/users/suggest"), json!({"nicknames": ["u1", "u0"]})));
    let replies =
        futures_util::future::join_all(requests.iter().enumerate().map(|(i, (method, path, body))| {
            app.request(method.clone(), path, Some(&tokens[i % 2]), Some(body.clone()))
        }))
        .await;
    for (reply, (method, path, _)) in replies.iter().zip(&requests) {
        assert!(reply.status.is_success(), "{method} {path}: {} {}", reply.status, reply.text);
    }
    let expected_tags: BTreeSet<String> = (0..6).map(|i| format!("t{i}")).collect();
    for nickname in ["u0", "u1", "u2"] {
        assert_eq!(tags_of(&app, nickname).await, expected_tags, "{nickname}");
    }
    // Six toggles: back where it started, and the log holds three of each direction.
    assert!(user_row(&app, "flip").await.unwrap().is_active);
    let messages = log_messages(&app, &tokens[0]).await;
    assert_eq!(messages.len(), requests.len());
    let count = |m: &str| messages.iter().filter(|x| x.contains(m)).count();
    assert_eq!((count(" deactivated users: @flip"), count(" activated users: @flip")), (3, 3));
    // u0's final activation is what the newest activation entry about it says.
    let newest = messages.iter().find(|m| m.contains("activated users: @u")).unwrap();
    let active = !newest.contains("deactivated");
    for nickname in ["u0", "u1", "u2"] {
        assert_eq!(user_row(&app, nickname).await.unwrap().is_active, active, "{newest}");
    }
    assert!(user_row(&app, "u0").await.unwrap().is_suggested);
}

/// Eight admins' requests create the same nickname at once: exactly one wins, the others get
/// Pleroma's 409 (never a 500), and one `create` entry is logged.
#[tokio::test]
async fn concurrent_creates_of_one_nickname() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let path = format!("{V1}/users");
    let replies = futures_util::future::join_all((0..8).map(|i| {
        let body = json!({"users": [{"nickname": "dup", "email": format!("dup{i}@example.org"), "password": "pw"}]});
        app.request(Method::POST, &path, Some(&token), Some(body))
    }))
    .await;
    let winners = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(winners, 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
        assert_eq!(reply.body[0]["error"], "nickname has already been taken");
        assert_eq!(reply.body[0]["data"]["nickname"], "dup");
    }
    assert_eq!(log_messages(&app, &token).await, ["@admin created users: @dup"]);
}
