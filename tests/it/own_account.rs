//! The caller's own account over HTTP (`/api/pleroma/...` only): refusals are HTTP 200 with
//! `{"error": ...}` as in Pleroma, credentials and parameters fail with 4xx, and each change
//! really happens (tokens revoked, follows moved, mail sent).
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, Set};
use serde_json::{json, Value};

use crate::{
    common::{sign_in, Reply, TestApp, PASSWORD},
    credentials::outbox,
};

fn success() -> Value {
    json!({"status": "success"})
}

#[tokio::test]
async fn password_and_email_changes() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let post = |path: &'static str, body: Value, token: String| {
        let app = &app;
        async move { app.request(Method::POST, path, Some(&token), Some(body)).await }
    };

    let refusals = [
        (
            json!({"password": "nope", "new_password": "a", "new_password_confirmation": "b"}),
            "New password does not match confirmation.",
        ),
        (json!({"password": "nope", "new_password": "a", "new_password_confirmation": "a"}), "Invalid password."),
        (
            json!({"password": PASSWORD, "new_password": "", "new_password_confirmation": ""}),
            "New password can't be blank.",
        ),
    ];
    for (body, error) in refusals {
        let reply = post("/api/pleroma/change_password", body, token.clone()).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({ "error": error })));
    }
    let missing = post("/api/pleroma/change_password", json!({"password": PASSWORD}), token.clone()).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.text);
    // Every missing field is named (Pleroma.Web.ApiSpec.RenderError joins them).
    assert_eq!(missing.body["error"], "Missing field: new_password. Missing field: new_password_confirmation.");

    // Email: the password first, then the address.
    for (body, error) in [
        (json!({"password": "nope", "email": "a@b.c"}), "Invalid password."),
        (json!({"password": PASSWORD, "email": "not an email"}), "Email has invalid format."),
        (json!({"password": PASSWORD, "email": "BOB@example.org"}), "Email has already been taken."),
    ] {
        let reply = post("/api/pleroma/change_email", body, token.clone()).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({ "error": error })));
    }
    let changed =
        post("/api/pleroma/change_email", json!({"password": PASSWORD, "email": "new@example.org"}), token.clone())
            .await;
    assert_eq!((changed.status, changed.body), (StatusCode::OK, success()));
    let row = entity::user::Entity::find_by_id(alice.id.as_str()).one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.email.as_deref(), Some("new@example.org"));
    let missing = post("/api/pleroma/change_email", json!({"password": PASSWORD}), token.clone()).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["error"], "Missing field: email.");

    // The new password works, the old one does not, and every token is revoked.
    let body = json!({"password": PASSWORD, "new_password": "fresh pw", "new_password_confirmation": "fresh pw"});
    let changed = post("/api/pleroma/change_password", body, token.clone()).await;
    assert_eq!((changed.status, changed.body), (StatusCode::OK, success()));
    assert_eq!(app.get("/api/pleroma/aliases", Some(&token)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(sign_in(&app, "alice", PASSWORD).await.status, StatusCode::FORBIDDEN);

    // Only under /api/pleroma; a read-only token may not change anything.
    let fresh = app.token(&alice, "read").await;
    let scoped =
        post("/api/pleroma/change_email", json!({"password": "fresh pw", "email": "x@example.org"}), fresh.clone())
            .await;
    assert_eq!(scoped.status, StatusCode::FORBIDDEN);
    assert_eq!(scoped.body, json!({"error": "Insufficient permissions: write:accounts."}));
    let v1 = post("/api/v1/pleroma/change_email", json!({}), fresh).await;
    assert_eq!(v1.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn disable_and_delete_need_the_password() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (a, b) = (app.token(&alice, "read write").await, app.token(&bob, "read write").await);

    let wrong = app.request(Method::POST, "/api/pleroma/disable_account?password=nope", Some(&a), None).await;
    assert_eq!((wrong.status, wrong.body), (StatusCode::OK, json!({"error": "Invalid password."})));
    let path = format!("/api/pleroma/disable_account?password={}", PASSWORD.replace(' ', "%20"));
    let disabled = app.request(Method::POST, &path, Some(&a), None).await;
    assert_eq!((disabled.status, disabled.body), (StatusCode::OK, success()));
    let row = entity::user::Entity::find_by_id(alice.id.as_str()).one(&app.state.db.read).await.unwrap().unwrap();
    assert!(!row.is_active);
    assert_eq!(app.get("/api/pleroma/aliases", Some(&a)).await.status, StatusCode::FORBIDDEN);

    let wrong =
        app.request(Method::POST, "/api/pleroma/delete_account", Some(&b), Some(json!({"password": "x"}))).await;
    assert_eq!((wrong.status, wrong.body), (StatusCode::OK, json!({"error": "Invalid password."})));
    let deleted =
        app.request(Method::POST, "/api/pleroma/delete_account", Some(&b), Some(json!({"password": PASSWORD}))).await;
    assert_eq!((deleted.status, deleted.body), (StatusCode::OK, success()));
    app.run_jobs().await;
    let row = entity::user::Entity::find_by_id(bob.id.as_str()).one(&app.state.db.read).await.unwrap();
    assert!(row.is_none_or(|u| !u.is_active), "deleted accounts are gone or tombstones");
}

#[tokio::test]
async fn aliases_and_moving_followers() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let new_alice = app.user("alice2").await;
    let carol = app.user("carol").await;
    let dave = app.user_with("dave", |u| u.allow_following_move = Set(false)).await;
    let (a, a2) = (app.token(&alice, "read write follow").await, app.token(&new_alice, "read write").await);
    for follower in [&carol, &dave] {
        let token = app.token(follower, "follow").await;
        let reply =
            app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    assert_eq!(app.get("/api/pleroma/aliases", Some(&a2)).await.body, json!({"aliases": []}));
    let unknown = app.request(Method::PUT, "/api/pleroma/aliases", Some(&a2), Some(json!({"alias": "nobody"}))).await;
    assert_eq!((unknown.status, unknown.body), (StatusCode::OK, json!({"error": "not_found"})));
    let not_one = app.request(Method::DELETE, "/api/pleroma/aliases", Some(&a2), Some(json!({"alias": "carol"}))).await;
    assert_eq!((not_one.status, not_one.body), (StatusCode::NOT_FOUND, json!({"error": "Account has no such alias."})));
    let missing = app.request(Method::PUT, "/api/pleroma/aliases", Some(&a2), Some(json!({}))).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["error"], "Missing field: alias.");

    // Moving needs the target to name the origin.
    let body = json!({"password": PASSWORD, "target_account": "alice2"});
    let refused = app.request(Method::POST, "/api/pleroma/move_account", Some(&a), Some(body.clone())).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::OK, json!({"error": "Target account must have the origin in `alsoKnownAs`"}))
    );
    for _ in 0..2 {
        let added = app.request(Method::PUT, "/api/pleroma/aliases", Some(&a2), Some(json!({"alias": "@alice"}))).await;
        assert_eq!((added.status, added.body), (StatusCode::OK, success()));
    }
    assert_eq!(app.get("/api/pleroma/aliases", Some(&a2)).await.body, json!({"aliases": ["alice@localhost:4000"]}));
    let nowhere = json!({"password": PASSWORD, "target_account": "ghost@nowhere.example"});
    let lost = app.request(Method::POST, "/api/pleroma/move_account", Some(&a), Some(nowhere)).await;
    assert_eq!((lost.status, lost.body), (StatusCode::NOT_FOUND, json!({"error": "Target account not found."})));
    let moved = app.request(Method::POST, "/api/pleroma/move_account", Some(&a), Some(body)).await;
    assert_eq!((moved.status, moved.body), (StatusCode::OK, success()));
    let follows = |follower: String, followed: String| {
        let app = &app;
        async move {
            entity::follow::Entity::find_by_id((follower, followed)).one(&app.state.db.read).await.unwrap().is_some()
        }
    };
    assert!(follows(carol.id.clone(), new_alice.id.clone()).await);
    assert!(!follows(carol.id.clone(), alice.id.clone()).await);
    assert!(follows(dave.id.clone(), alice.id.clone()).await, "dave does not allow moves");
    assert!(!follows(dave.id.clone(), new_alice.id.clone()).await);

    let removed = app.request(Method::DELETE, "/api/pleroma/aliases", Some(&a2), Some(json!({"alias": "alice"}))).await;
    assert_eq!((removed.status, removed.body), (StatusCode::OK, success()));
    assert_eq!(app.get("/api/pleroma/aliases", Some(&a2)).await.body, json!({"aliases": []}));
}

#[tokio::test]
async fn confirmation_mail_again_without_telling_who_exists() {
    let app = TestApp::new().await;
    app.user_with("alice", |u| u.is_confirmed = Set(false)).await;
    app.user("bob").await;
    for path in ["/api/v1/pleroma/accounts/confirmation_resend", "/api/pleroma/accounts/confirmation_resend"] {
        let reply = app.request(Method::POST, &format!("{path}?email=alice@example.org"), None, None).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    }
    let mails = outbox(&app);
    assert_eq!(mails.len(), 2);
    assert!(mails[0].body.contains("/api/account/confirm_email/"), "{}", mails[0].body);
    // A confirmed or unknown account: the same answer, no mail.
    for query in ["nickname=bob", "email=nobody@example.org"] {
        let reply = app
            .request(Method::POST, &format!("/api/v1/pleroma/accounts/confirmation_resend?{query}"), None, None)
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(outbox(&app).len(), 2);
    let missing = app.request(Method::POST, "/api/v1/pleroma/accounts/confirmation_resend", None, None).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    // `account_confirmation_resend`: five per client address in Pleroma's window (loopback
    // without a forwarded address is not limited, as in Pleroma).
    let ask = || {
        let request = app
            .client
            .post(format!("{}/api/v1/pleroma/accounts/confirmation_resend?nickname=bob", app.base))
            .header("x-forwarded-for", "203.0.113.9");
        async move { Reply::from(request.send().await.unwrap()).await }
    };
    for _ in 0..5 {
        assert_eq!(ask().await.status, StatusCode::NO_CONTENT);
    }
    let throttled = ask().await;
    assert_eq!((throttled.status, throttled.body), (StatusCode::TOO_MANY_REQUESTS, json!({"error": "Throttled"})));
}

#[tokio::test]
async fn sessions_are_listed_and_revoked() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let first = app.token(&alice, "read").await;
    let second = app.token(&alice, "write").await;
    let bobs = app.token(&bob, "read").await;
    let list = app.get("/api/oauth_tokens", Some(&first)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let sessions = list.body.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(crate::common::keys(&sessions[0]), ["app_name", "id", "valid_until"]);
    assert!(sessions[0]["id"].is_i64());
    assert_eq!(sessions[0]["app_name"], "test");
    let until = sessions[0]["valid_until"].as_str().unwrap();
    assert!(until.len() == 26 && !until.ends_with('Z'), "naive with microseconds: {until}");

    // Another user's token is left alone; the answer is the same 201.
    let bob_id = app.get("/api/oauth_tokens", Some(&bobs)).await.body[0]["id"].as_i64().unwrap();
    let other = app.request(Method::DELETE, &format!("/api/oauth_tokens/{bob_id}"), Some(&first), None).await;
    assert_eq!((other.status, other.text.as_str()), (StatusCode::CREATED, ""));
    assert_eq!(app.get("/api/oauth_tokens", Some(&bobs)).await.status, StatusCode::OK);
    let own = sessions.iter().map(|s| s["id"].as_i64().unwrap()).max().unwrap();
    let revoked = app.request(Method::DELETE, &format!("/api/oauth_tokens/{own}"), Some(&first), None).await;
    assert_eq!(revoked.status, StatusCode::CREATED);
    assert_eq!(app.get("/api/oauth_tokens", Some(&second)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/oauth_tokens", Some(&first)).await.body.as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/oauth_tokens", None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn frontend_settings_merge_deeply() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    assert_eq!(app.get("/api/v1/pleroma/settings/pleroma-fe", Some(&token)).await.body, json!({}));
    let first = json!({"theme": "dark", "nested": {"a": 1, "b": 2}, "gone": true});
    let reply = app.patch("/api/v1/pleroma/settings/pleroma-fe", &token, first.clone()).await;
    assert_eq!((reply.status, &reply.body), (StatusCode::OK, &first));
    let reply = app
        .patch("/api/pleroma/settings/pleroma-fe", &token, json!({"nested": {"b": null, "c": 3}, "gone": null}))
        .await;
    assert_eq!(reply.body, json!({"theme": "dark", "nested": {"a": 1, "c": 3}}));
    let stored = app.get("/api/pleroma/settings/pleroma-fe", Some(&token)).await;
    assert_eq!(stored.body, reply.body);
    // Another app's settings are its own.
    assert_eq!(app.get("/api/v1/pleroma/settings/soapbox", Some(&token)).await.body, json!({}));
    let read_only = app.token(&alice, "read").await;
    let refused = app.patch("/api/v1/pleroma/settings/pleroma-fe", &read_only, json!({"x": 1})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let huge = json!({"blob": "x".repeat(300 * 1024)});
    let refused = app.patch("/api/v1/pleroma/settings/pleroma-fe", &token, huge).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
}

#[tokio::test]
async fn mascots_and_default_images() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    for path in ["/api/v1/pleroma/mascot", "/api/pleroma/mascot"] {
        let reply = app.get(path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(
            reply.body,
            json!({"id": "default-mascot", "url": "/images/pleroma-fox-tan-smol.png",
                   "preview_url": "/images/pleroma-fox-tan-smol.png", "pleroma": {"mime_type": "image/png"}})
        );
    }
    for image in ["pleroma-fox-tan-smol.png", "avi.png", "banner.png"] {
        let served = app.client.get(format!("{}/images/{image}", app.base)).send().await.unwrap();
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(served.headers()["content-type"], "image/png");
        assert_eq!(&served.bytes().await.unwrap()[..4], b"\x89PNG");
    }
    assert_eq!(app.get("/images/nope.png", None).await.status, StatusCode::NOT_FOUND);

    let put = |bytes: Vec<u8>, mime: &'static str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("m.png").mime_str(mime).unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        let request = app.client.put(format!("{}/api/v1/pleroma/mascot", app.base)).bearer_auth(&token).multipart(form);
        async move { Reply::from(request.send().await.unwrap()).await }
    };
    // Judged by content: a declared image/png that is text is refused, and nothing is stored.
    let refused = put(b"<script>alert(1)</script>".to_vec(), "image/png").await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, json!({"error": "mascots can only be images"}))
    );
    assert!(std::fs::read_dir(app.data_dir.join("uploads")).map_or(true, |d| d.count() == 0));
    let png: Vec<u8> = [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[7u8; 64][..]].concat();
    let set = put(png, "application/octet-stream").await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["type"], "image");
    assert_eq!(set.body["pleroma"]["mime_type"], "image/png");
    let shown = app.get("/api/v1/pleroma/mascot", Some(&token)).await;
    assert_eq!(shown.body["id"], set.body["id"]);
}

#[tokio::test]
async fn imports_follow_block_and_mute_in_the_background() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let remote = app.remote_user("dave", "remote.example").await;
    let token = app.token(&alice, "follow").await;

    let csv = "Account address,Show boosts\n@bob,true\ndave@remote.example,false\nghost@nowhere.example,true\n";
    let reply = app.request(Method::POST, "/api/pleroma/follow_import", Some(&token), Some(json!({"list": csv}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("jobs started")));
    // The list as a file works the same (Pleroma takes either).
    let part =
        reqwest::multipart::Part::bytes(b"@carol\n".to_vec()).file_name("mutes.txt").mime_str("text/plain").unwrap();
    let form = reqwest::multipart::Form::new().part("list", part);
    let request = app.client.post(format!("{}/api/pleroma/mutes_import", app.base)).bearer_auth(&token).multipart(form);
    let reply = Reply::from(request.send().await.unwrap()).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("jobs started")),);
    let reply =
        app.request(Method::POST, "/api/pleroma/blocks_import", Some(&token), Some(json!({"list": "carol"}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    // Three imports, and the federation of the follow of the remote dave (Pleroma's import
    // follows through `CommonAPI.follow`, which federates).
    assert_eq!(app.run_jobs().await, 4);

    let follows = |followed: &entity::user::Model| {
        let key = (alice.id.clone(), followed.id.clone());
        let app = &app;
        async move { entity::follow::Entity::find_by_id(key).one(&app.state.db.read).await.unwrap().is_some() }
    };
    assert!(follows(&bob).await && follows(&remote).await);
    let muted =
        entity::mute::Entity::find_by_id((alice.id.clone(), carol.id.clone())).one(&app.state.db.read).await.unwrap();
    assert!(muted.is_some());
    let blocked =
        entity::block::Entity::find_by_id((alice.id.clone(), carol.id.clone())).one(&app.state.db.read).await.unwrap();
    assert!(blocked.is_some());

    let missing = app.request(Method::POST, "/api/pleroma/follow_import", Some(&token), Some(json!({}))).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let read_only = app.token(&alice, "read").await;
    let refused =
        app.request(Method::POST, "/api/pleroma/blocks_import", Some(&read_only), Some(json!({"list": "x"}))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
