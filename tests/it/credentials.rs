//! Admin credentials routes: editing account fields, reset links, forced resets, MFA, email
//! confirmation (and the mails they send), on both prefixes, plus their GraphQL mutations.
use entity::{email_confirmation_token, moderation_log, user};
use reqwest::{header, Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder, Set};
use serde_json::{json, Value};

use crate::common::{assert_no_content, basic, both_prefixes, keys, sign_in, token_count, Reply, TestApp, PASSWORD};

/// One mail from the outbox.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Every `.eml` file in the outbox, oldest first.
pub fn outbox(app: &TestApp) -> Vec<Mail> {
    let dir = app.data_dir.join("outbox");
    let Ok(entries) = std::fs::read_dir(&dir) else { return vec![] };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| (e.metadata().and_then(|m| m.modified()).ok(), e.path()))
        .collect();
    files.sort();
    files.into_iter().map(|(_, path)| parse_mail(&std::fs::read_to_string(path).unwrap())).collect()
}

fn parse_mail(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no {name} header in {head}"))
    };
    let mut body = body.to_string();
    if head.contains("Content-Transfer-Encoding: quoted-printable") {
        body = body.replace("=\n", "").replace("=3D", "=");
    }
    Mail { to: header("To"), subject: header("Subject"), body }
}

/// The moderation log's `(action, message)` pairs, oldest first.
pub async fn log(app: &TestApp) -> Vec<(String, String)> {
    moderation_log::Entity::find()
        .order_by_asc(moderation_log::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.data["action"].as_str().unwrap().to_string(), e.message))
        .collect()
}

/// A user row as stored now.
pub async fn reload(app: &TestApp, nickname: &str) -> user::Model {
    pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, nickname).await.unwrap().unwrap()
}

// ---------------------------------------------------------------------------------------------
// PATCH /users/:nickname/credentials

#[tokio::test]
async fn update_credentials_changes_every_field() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for (i, path) in both_prefixes("/api/v1/pleroma/admin/users/{}/credentials").iter().enumerate() {
        let nickname = format!("bob{i}");
        app.user(&nickname).await;
        let path = path.replace("{}", &nickname);
        let body = json!({
            "email": format!("new{i}@example.com"),
            "name": "New Name",
            "bio": "a new bio",
            "avatar": "https://img.example/avatar.png",
            "banner": {"url": [{"href": "https://img.example/banner.png", "type": "Link"}], "type": "Image"},
            "background": {"url": "https://img.example/bg.png"},
            "is_locked": true,
            "no_rich_text": true,
            "default_scope": "unlisted",
            "hide_follows": true,
            "hide_followers": true,
            "hide_followers_count": true,
            "hide_follows_count": true,
            "hide_favorites": false,
            "allow_following_move": false,
            "show_role": false,
            "skip_thread_containment": true,
            "fields": [{"name": "pronouns", "value": "they/them"}, {"name": "site", "value": "https://x.example"}],
            "is_discoverable": true,
            "actor_type": "Service",
        });
        let reply = app.request(Method::PATCH, &path, Some(&token), Some(body)).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"status": "success"})));

        let shown = app.get(&path, Some(&token)).await;
        assert_eq!(shown.status, StatusCode::OK);
        let expected = json!({
            "id": reload(&app, &nickname).await.id,
            "nickname": nickname,
            "name": "New Name",
            "bio": "a new bio",
            "email": format!("new{i}@example.com"),
            "fields": [{"name": "pronouns", "value": "they/them"}, {"name": "site", "value": "https://x.example"}],
            "raw_fields": [{"name": "pronouns", "value": "they/them"}, {"name": "site", "value": "https://x.example"}],
            "is_locked": true,
            "no_rich_text": true,
            "default_scope": "unlisted",
            "hide_follows": true,
            "hide_followers": true,
            "hide_followers_count": true,
            "hide_follows_count": true,
            "hide_favorites": false,
            "allow_following_move": false,
            "show_role": false,
            "skip_thread_containment": true,
            "pleroma_settings_store": {},
            "is_discoverable": true,
            "actor_type": "Service",
            "avatar": "https://img.example/avatar.png",
            "banner": "https://img.example/banner.png",
            "background": "https://img.example/bg.png",
        });
        assert_eq!(shown.body, expected);
        let row = reload(&app, &nickname).await;
        assert!(!row.password_reset_pending, "no password given, no forced reset");
        assert!(row.search_text.contains(&format!("new{i}@example.com")) && row.search_text.contains("new name"));
    }
    // One `updated_users` entry per request, no forced reset.
    assert_eq!(
        log(&app).await,
        [
            ("updated_users".into(), "@admin updated users: @bob0".into()),
            ("updated_users".into(), "@admin updated users: @bob1".into()),
        ]
    );
}

#[tokio::test]
async fn update_credentials_from_a_form_and_removing_values() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user_with("bob", |u| u.avatar = Set(Some("https://img.example/a.png".into()))).await;
    let reply = app
        .client
        .patch(format!("{}/api/pleroma/admin/users/bob/credentials", app.base))
        .bearer_auth(&token)
        .form(&[("is_locked", "true"), ("hide_favorites", "false"), ("name", ""), ("email", ""), ("bio", "form bio")])
        .send()
        .await
        .unwrap();
    let reply = Reply::from(reply).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"status": "success"})));
    let row = reload(&app, "bob").await;
    assert!(row.is_locked);
    assert!(!row.hide_favorites);
    assert_eq!((row.name, row.email, row.bio.as_str()), (None, None, "form bio"));
    // An empty object removes an image.
    let reply = app.patch("/api/v1/pleroma/admin/users/bob/credentials", &token, json!({"avatar": {}})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reload(&app, "bob").await.avatar, None);
}

#[tokio::test]
async fn password_change_hashes_revokes_and_forces_a_reset() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let carol = app.admin("carol").await;
    let carol_token = app.token(&carol, "read write admin").await;
    assert_eq!(app.get("/api/v1/pleroma/admin/users", Some(&carol_token)).await.status, StatusCode::OK);

    let reply = app
        .patch(
            "/api/pleroma/admin/users/carol/credentials",
            &token,
            json!({"password": "brand-new-password", "email": "carol2@example.com", "name": "Carol"}),
        )
        .await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"status": "success"})));

    let row = reload(&app, "carol").await;
    assert!(row.password_hash.as_deref().unwrap().starts_with("$argon2id$"));
    assert_ne!(row.password_hash, carol.password_hash);
    assert!(row.password_reset_pending);
    assert_eq!(row.email.as_deref(), Some("carol2@example.com"));
    assert_eq!(token_count(&app, &carol).await, 0);
    let reply = app.get("/api/v1/pleroma/admin/users", Some(&carol_token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));
    // The new password is right, but a reset is pending: not signed in.
    let reply = sign_in(&app, "carol", "brand-new-password").await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));

    assert_eq!(
        log(&app).await,
        [
            ("updated_users".into(), "@admin updated users: @carol".into()),
            ("force_password_reset".into(), "@admin forced password reset for users: @carol".into()),
        ]
    );
    let entry = moderation_log::Entity::find()
        .order_by_asc(moderation_log::Column::Id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    let admin = reload(&app, "admin").await;
    assert_eq!(
        entry.data,
        json!({
            "action": "updated_users",
            "actor": {"id": admin.id, "nickname": "admin", "type": "user"},
            "message": "@admin updated users: @carol",
            "subject": [{"id": carol.id, "nickname": "carol", "type": "user"}],
        })
    );
}

#[tokio::test]
async fn update_credentials_validation_errors() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    app.user("taken").await;
    let long = |n: usize| "x".repeat(n);
    let too_many: Vec<Value> = (0..11).map(|i| json!({"name": format!("f{i}"), "value": "v"})).collect();
    let cases = [
        (json!({"actor_type": "Application"}), json!({"actor_type": "is invalid"})),
        (json!({"email": "not-an-email"}), json!({"email": "has invalid format"})),
        (json!({"email": "taken@example.org"}), json!({"email": "has already been taken"})),
        (
            json!({"actor_type": "Group", "email": "bad@"}),
            json!({"actor_type": "is invalid", "email": "has invalid format"}),
        ),
        // The uniqueness check comes only after every other check passed, as in Pleroma.
        (json!({"actor_type": "Group", "email": "taken@example.org"}), json!({"actor_type": "is invalid"})),
        (json!({"default_scope": "everyone"}), json!({"default_scope": "is invalid"})),
        (json!({"name": long(101)}), json!({"name": "should be at most %{count} character(s)"})),
        (json!({"bio": long(5001)}), json!({"bio": "should be at most %{count} character(s)"})),
        (json!({"fields": too_many}), json!({"fields": "should have at most %{count} item(s)"})),
        (json!({"fields": [{"name": long(513), "value": "v"}]}), json!({"fields": "invalid"})),
        (json!({"password": ""}), json!({"password": "can't be blank", "password_confirmation": "can't be blank"})),
        (json!({"avatar": 42}), json!({"avatar": "is invalid"})),
        (json!({"banner": {"url": []}}), json!({"banner": "is invalid"})),
    ];
    for path in both_prefixes("/api/v1/pleroma/admin/users/bob/credentials") {
        for (body, errors) in &cases {
            let reply = app.request(Method::PATCH, &path, Some(&token), Some(body.clone())).await;
            assert_eq!((reply.status, &reply.body), (StatusCode::BAD_REQUEST, &json!({"errors": errors})), "{body}");
        }
    }
    // Nothing changed, nothing logged.
    let row = reload(&app, "bob").await;
    assert_eq!((row.actor_type.as_str(), row.email.as_deref()), ("Person", Some("bob@example.org")));
    assert!(log(&app).await.is_empty());
    // Keeping one's own email is no conflict; limits are inclusive.
    let reply = app
        .patch(
            "/api/v1/pleroma/admin/users/bob/credentials",
            &token,
            json!({"email": "bob@example.org", "name": long(100), "bio": long(5000)}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn update_credentials_unknown_user() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for path in both_prefixes("/api/v1/pleroma/admin/users/non-existing/credentials") {
        let reply = app.request(Method::PATCH, &path, Some(&token), Some(json!({"password": "new_password"}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals

/// Every route of the area with a body that would succeed, and the scope it needs.
fn routes() -> Vec<(Method, &'static str, Value, &'static str)> {
    vec![
        (Method::PATCH, "/api/v1/pleroma/admin/users/bob/credentials", json!({"name": "x"}), "admin:write:accounts"),
        (Method::GET, "/api/v1/pleroma/admin/users/bob/password_reset", Value::Null, "admin:write:accounts"),
        (
            Method::PATCH,
            "/api/v1/pleroma/admin/users/force_password_reset",
            json!({"nicknames": ["bob"]}),
            "admin:write:accounts",
        ),
        (Method::PATCH, "/api/v1/pleroma/admin/users/bob/force_password_reset", Value::Null, "admin:write:accounts"),
        (Method::PUT, "/api/v1/pleroma/admin/users/disable_mfa", json!({"nickname": "bob"}), "admin:write:accounts"),
        (Method::PATCH, "/api/v1/pleroma/admin/users/confirm_email", json!({"nicknames": ["bob"]}), "admin:write"),
        (
            Method::PATCH,
            "/api/v1/pleroma/admin/users/resend_confirmation_email",
            json!({"nicknames": ["bob"]}),
            "admin:write",
        ),
    ]
}

#[tokio::test]
async fn refusals_by_role_privilege_and_scope() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    app.user("bob").await;
    let plain = app.user("plain").await;
    let moderator = app.moderator("mod").await;
    let plain_token = app.token(&plain, "read write admin").await;
    let mod_token = app.token(&moderator, "read write admin").await;
    let read_only = app.token(&admin, "read write admin:read").await;
    for (method, path, body, scope) in routes() {
        let body = (!body.is_null()).then_some(body);
        for path in both_prefixes(path) {
            let cases = [
                (None, "Invalid credentials.".to_string()),
                (Some(&plain_token), "User is not a staff member.".to_string()),
                // Moderators lack users_manage_credentials by default.
                (Some(&mod_token), "User isn't privileged.".to_string()),
                (Some(&read_only), format!("Insufficient permissions: {scope}.")),
            ];
            for (token, message) in cases {
                let reply = app.request(method.clone(), &path, token.map(String::as_str), body.clone()).await;
                assert_eq!(
                    (reply.status, reply.body),
                    (StatusCode::FORBIDDEN, json!({ "error": message })),
                    "{method} {path}"
                );
            }
        }
    }
    assert!(log(&app).await.is_empty());
    assert!(!reload(&app, "bob").await.password_reset_pending);
}

#[tokio::test]
async fn privilege_comes_from_settings() {
    use pleroma_gateway::auth::Privilege;
    let app = TestApp::with_settings(|s| {
        s.instance.moderator_privileges.push(Privilege::UsersManageCredentials);
        s.instance.admin_privileges.retain(|p| *p != Privilege::UsersManageCredentials);
    })
    .await;
    let admin_token = app.admin_token().await;
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    app.user("bob").await;
    for (method, path, body, _) in routes() {
        let body = (!body.is_null()).then_some(body);
        let reply = app.request(method.clone(), path, Some(&admin_token), body.clone()).await;
        assert_eq!(
            (reply.status, reply.body),
            (StatusCode::FORBIDDEN, json!({"error": "User isn't privileged."})),
            "{path}"
        );
        let reply = app.request(method, path, Some(&mod_token), body).await;
        assert!(reply.status.is_success(), "{path}: {}", reply.text);
    }
    // HTTP Basic skips scope checks.
    let reply = basic(&app, Method::PUT, "/api/v1/pleroma/admin/users/disable_mfa?nickname=bob", "mod", PASSWORD).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("bob")));
}

// ---------------------------------------------------------------------------------------------
// Reset links, forced resets, MFA

#[tokio::test]
async fn password_reset_link() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.user("bob").await;
    for path in both_prefixes("/api/v1/pleroma/admin/users/bob/password_reset") {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(keys(&reply.body), ["link", "token"]);
        let reset = reply.body["token"].as_str().unwrap();
        assert_eq!(reset.len(), 44);
        assert_eq!(reply.body["link"], format!("http://localhost:4000/api/v1/pleroma/password_reset/{reset}"));
        let row = entity::password_reset_token::Entity::find_by_id(pleroma_gateway::auth::token_digest::digest(reset))
            .one(&app.state.db.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((row.user_id.as_str(), row.used), (bob.id.as_str(), false));
    }
    app.remote_user("alice", "remote.example").await;
    for nickname in ["nobody", "alice@remote.example"] {
        for path in both_prefixes(&format!("/api/v1/pleroma/admin/users/{nickname}/password_reset")) {
            let reply = app.get(&path, Some(&token)).await;
            assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})), "{path}");
        }
    }
    // No mail, no log entry.
    assert!(outbox(&app).is_empty());
    assert!(log(&app).await.is_empty());
}

#[tokio::test]
async fn force_password_reset() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.admin("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let remote = app.remote_user("erin", "remote.example").await;
    let bob_token = app.token(&bob, "read admin").await;
    app.token(&carol, "read").await;

    let [v1, legacy] = both_prefixes("/api/v1/pleroma/admin/users/force_password_reset");
    let reply = app.request(Method::PATCH, &v1, Some(&token), Some(json!({"nicknames": ["carol", "bob"]}))).await;
    assert_no_content(&reply);
    for user in [&bob, &carol] {
        assert!(reload(&app, &user.nickname).await.password_reset_pending);
        assert_eq!(token_count(&app, user).await, 0);
    }
    assert!(!reload(&app, "dave").await.password_reset_pending);
    let reply = app.get("/api/v1/pleroma/admin/users", Some(&bob_token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));
    let reply = sign_in(&app, "bob", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // Query-string list form, on the legacy prefix; remote users too.
    let reply =
        app.request(Method::PATCH, &format!("{legacy}?nicknames[]=erin@remote.example"), Some(&token), None).await;
    assert_no_content(&reply);
    assert!(reload(&app, &remote.nickname).await.password_reset_pending);
    // An unknown nickname refuses the whole list (see `bulk_routes_refuse_unknown_nicknames`).
    let reply = app.request(Method::PATCH, &v1, Some(&token), Some(json!({"nicknames": ["ghost"]}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));

    // The legacy single-user route (Akkoma doc 003), on both prefixes.
    for path in both_prefixes("/api/v1/pleroma/admin/users/dave/force_password_reset") {
        assert_no_content(&app.request(Method::PATCH, &path, Some(&token), None).await);
    }
    assert!(reload(&app, &dave.nickname).await.password_reset_pending);

    let reply = app.request(Method::PATCH, &v1, Some(&token), Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "Missing field: nicknames.");

    assert_eq!(
        log(&app).await,
        [
            ("force_password_reset".into(), "@admin forced password reset for users: @carol, @bob".into()),
            ("force_password_reset".into(), "@admin forced password reset for users: @erin@remote.example".into()),
            ("force_password_reset".into(), "@admin forced password reset for users: @dave".into()),
            ("force_password_reset".into(), "@admin forced password reset for users: @dave".into()),
        ]
    );
}

#[tokio::test]
async fn disable_mfa() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user_with("bob", |u| u.mfa_enabled = Set(true)).await;
    for path in both_prefixes("/api/v1/pleroma/admin/users/disable_mfa") {
        let reply = app.request(Method::PUT, &path, Some(&token), Some(json!({"nickname": "bob"}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("bob")));
        assert!(!reload(&app, "bob").await.mfa_enabled);
        let reply = app.request(Method::PUT, &path, Some(&token), Some(json!({"nickname": "nickname"}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
    }
    assert!(log(&app).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Email confirmation

#[tokio::test]
async fn confirm_email() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for path in both_prefixes("/api/v1/pleroma/admin/users/confirm_email") {
        let first = app.user_with(&format!("first{}", path.len()), |u| u.is_confirmed = Set(false)).await;
        let second = app.user_with(&format!("second{}", path.len()), |u| u.is_confirmed = Set(false)).await;
        let reply = app
            .request(Method::PATCH, &path, Some(&token), Some(json!({"nicknames": [first.nickname, second.nickname]})))
            .await;
        assert_eq!((reply.status, reply.text.as_str()), (StatusCode::OK, "\"\""));
        assert!(reload(&app, &first.nickname).await.is_confirmed);
        assert!(reload(&app, &second.nickname).await.is_confirmed);
        let (action, message) = log(&app).await.pop().unwrap();
        assert_eq!(action, "confirm_email");
        assert_eq!(message, format!("@admin confirmed email for users: @{}, @{}", first.nickname, second.nickname));
    }
}

#[tokio::test]
async fn resend_confirmation_email_and_the_link_it_mails() {
    let app = TestApp::with_settings(|s| s.instance.name = "Gateway Test".into()).await;
    let token = app.admin_token().await;
    let first = app.user_with("first", |u| u.is_confirmed = Set(false)).await;
    app.user_with("second", |u| u.is_confirmed = Set(false)).await;
    app.user("confirmed").await;
    app.user_with("noemail", |u| {
        u.is_confirmed = Set(false);
        u.email = Set(None);
    })
    .await;
    app.remote_user("remote", "remote.example").await;
    let everyone = json!({"nicknames": ["first", "second", "confirmed", "noemail", "remote@remote.example"]});

    let [v1, legacy] = both_prefixes("/api/v1/pleroma/admin/users/resend_confirmation_email");
    let reply = app.request(Method::PATCH, &v1, Some(&token), Some(everyone.clone())).await;
    assert_eq!((reply.status, reply.text.as_str()), (StatusCode::OK, "\"\""));
    assert_eq!(
        log(&app).await,
        [(
            "resend_confirmation_email".into(),
            "@admin re-sent confirmation email for users: @first, @second, @confirmed, @noemail, @remote@remote.example"
                .into()
        )]
    );
    let mails = outbox(&app);
    let mut to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["first@example.org", "second@example.org"]);
    let mail = mails.iter().find(|m| m.to == "first@example.org").unwrap();
    assert_eq!(mail.subject, "Gateway Test account confirmation");
    assert!(mail.body.starts_with("Welcome to Gateway Test!"), "{}", mail.body);
    let link = mail.body.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
    let prefix = format!("http://localhost:4000/api/account/confirm_email/{}/", first.id);
    assert!(link.starts_with(&prefix), "{link}");

    // Resending mails a fresh link (only a digest of the token is stored, issue 13); the
    // earlier link stops working.
    let reply = app.request(Method::PATCH, &legacy, Some(&token), Some(json!({"nicknames": ["first"]}))).await;
    assert_eq!((reply.status, reply.text.as_str()), (StatusCode::OK, "\"\""));
    let again = outbox(&app);
    assert_eq!(again.len(), 3);
    let stale = link.replacen("http://localhost:4000", "", 1);
    let link = again
        .iter()
        .filter(|m| m.to == "first@example.org")
        .flat_map(|m| m.body.split_whitespace())
        .find(|w| w.starts_with(&prefix) && *w != link)
        .unwrap()
        .to_string();
    let reply = app.get(&stale, None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Invalid token"})));

    // Following the link confirms the account and redirects home; the link works once.
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let path = link.replacen("http://localhost:4000", "", 1);
    let reply = no_redirect.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::FOUND);
    assert_eq!(reply.headers()[header::LOCATION], "/");
    assert!(reload(&app, "first").await.is_confirmed);
    let reply = app.get(&path, None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "Invalid token"})));
    // A wrong token or another user's id does not confirm.
    let second = reload(&app, "second").await;
    let token_of_first = path.rsplit('/').next().unwrap();
    let reply = app.get(&format!("/api/account/confirm_email/{}/{token_of_first}", second.id), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!reload(&app, "second").await.is_confirmed);
    // Confirmed by an admin: the mailed link is dead too.
    let second_link = outbox(&app)
        .into_iter()
        .find(|m| m.to == "second@example.org")
        .unwrap()
        .body
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .replacen("http://localhost:4000", "", 1);
    let reply = app.patch("/api/v1/pleroma/admin/users/confirm_email", &token, json!({"nicknames": ["second"]})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(app.get(&second_link, None).await.status, StatusCode::BAD_REQUEST);
}

/// Pleroma crashes (500) on an unknown nickname in these lists and rolls back; the gateway
/// refuses the whole list with 404, as the user-changing bulk routes do: nothing changes, no
/// mail goes out, nothing is logged.
#[tokio::test]
async fn bulk_routes_refuse_unknown_nicknames() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.user_with("bob", |u| u.is_confirmed = Set(false)).await;
    app.token(&bob, "read").await;
    let unchanged = || async {
        let row = reload(&app, "bob").await;
        assert!(!row.password_reset_pending);
        assert!(!row.is_confirmed);
        assert_eq!(row.updated_at, bob.updated_at);
        assert_eq!(token_count(&app, &bob).await, 1);
        assert_eq!(email_confirmation_token::Entity::find().count(&app.state.db.read).await.unwrap(), 0);
        assert!(outbox(&app).is_empty());
        assert!(log(&app).await.is_empty());
    };
    let routes = ["force_password_reset", "confirm_email", "resend_confirmation_email"];
    for route in routes {
        for path in both_prefixes(&format!("/api/v1/pleroma/admin/users/{route}")) {
            for nicknames in [json!(["bob", "ghost"]), json!(["ghost"])] {
                let reply =
                    app.request(Method::PATCH, &path, Some(&token), Some(json!({ "nicknames": nicknames }))).await;
                assert_eq!(
                    (reply.status, reply.body),
                    (StatusCode::NOT_FOUND, json!({"error": "Not found"})),
                    "{path}"
                );
            }
            // The query-string list form too.
            let reply = app
                .request(Method::PATCH, &format!("{path}?nicknames[]=bob&nicknames[]=ghost"), Some(&token), None)
                .await;
            assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})), "{path}");
            unchanged().await;
        }
    }
    // The legacy single-user form.
    for path in both_prefixes("/api/v1/pleroma/admin/users/ghost/force_password_reset") {
        let reply = app.request(Method::PATCH, &path, Some(&token), None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})), "{path}");
    }
    // The GraphQL mutations: a typed NOT_FOUND.
    for field in ["forcePasswordReset", "confirmEmails", "resendConfirmationEmails"] {
        let query =
            format!(r#"mutation {{ {field}(input: {{nicknames: ["bob", "ghost"]}}) {{ users {{ nickname }} }} }}"#);
        let data = app.graphql(Some(&token), &query, json!({})).await;
        assert_eq!(data["data"], Value::Null, "{data}");
        assert_eq!(data["errors"][0]["extensions"]["code"], "NOT_FOUND", "{data}");
    }
    unchanged().await;

    // Without the unknown nickname, the same lists go through.
    let reply = app.patch("/api/pleroma/admin/users/confirm_email", &token, json!({"nicknames": ["bob"]})).await;
    assert_eq!((reply.status, reply.text.as_str()), (StatusCode::OK, "\"\""));
    assert!(reload(&app, "bob").await.is_confirmed);
}

// ---------------------------------------------------------------------------------------------
// GraphQL

#[tokio::test]
async fn graphql_mutations() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user_with("bob", |u| u.is_confirmed = Set(false)).await;

    let data = app
        .graphql(
            Some(&token),
            r#"mutation($input: UpdateUserCredentialsInput!) {
                updateUserCredentials(input: $input) { user { nickname actorType } }
            }"#,
            json!({"input": {"nickname": "bob", "actorType": "Service", "isLocked": true}}),
        )
        .await;
    assert_eq!(data, json!({"data": {"updateUserCredentials": {"user": {"nickname": "bob", "actorType": "Service"}}}}));

    let data = app
        .graphql(
            Some(&token),
            r#"mutation { updateUserCredentials(input: {nickname: "bob", actorType: "Group", email: "x"}) { user { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["data"], Value::Null);
    assert_eq!(data["errors"][0]["extensions"]["code"], "VALIDATION_FAILED");
    assert_eq!(
        data["errors"][0]["extensions"]["fields"],
        json!({"actor_type": "is invalid", "email": "has invalid format"})
    );

    let data = app
        .graphql(
            Some(&token),
            r#"mutation {
                link: createPasswordResetToken(input: {nickname: "bob"}) { token link }
                mfa: disableMfa(input: {nickname: "bob"}) { nickname user { nickname } }
                confirm: confirmEmails(input: {nicknames: ["bob", "bob"]}) { users { nickname isConfirmed } }
                resend: resendConfirmationEmails(input: {nicknames: ["bob"]}) { users { nickname } mailed { nickname } }
                reset: forcePasswordReset(input: {nicknames: ["bob"]}) { users { nickname passwordResetPending } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["errors"], Value::Null, "{data}");
    let d = &data["data"];
    assert!(d["link"]["link"].as_str().unwrap().ends_with(d["link"]["token"].as_str().unwrap()));
    assert_eq!(d["mfa"], json!({"nickname": "bob", "user": {"nickname": "bob"}}));
    assert_eq!(d["confirm"], json!({"users": [{"nickname": "bob", "isConfirmed": true}]}));
    // Confirmed just before: no mail.
    assert_eq!(d["resend"], json!({"users": [{"nickname": "bob"}], "mailed": []}));
    assert_eq!(d["reset"], json!({"users": [{"nickname": "bob", "passwordResetPending": true}]}));

    let data = app
        .graphql(
            Some(&token),
            r#"mutation { updateUserCredentials(input: {nickname: "ghost"}) { user { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["errors"][0]["extensions"]["code"], "NOT_FOUND");

    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let data = app
        .graphql(Some(&mod_token), r#"mutation { disableMfa(input: {nickname: "bob"}) { nickname } }"#, json!({}))
        .await;
    assert_eq!(data["errors"][0]["message"], "User isn't privileged.");
    assert_eq!(data["errors"][0]["extensions"]["code"], "FORBIDDEN");
}
