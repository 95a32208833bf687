//! Issue 13: nicknames and emails are case-insensitive, as in Pleroma (`citext` columns): one
//! account per nickname and per email whatever the case, found in any case.
use entity::user;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde_json::json;

use crate::common::{sign_in, TestApp, PASSWORD};

const USERS: &str = "/api/v1/pleroma/admin/users";

#[tokio::test]
async fn nicknames_and_emails_differing_in_case_are_taken() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    let create = |nickname: &str, email: &str| {
        let body = json!({"users": [{"nickname": nickname, "email": email, "password": "pw"}]});
        app.request(Method::POST, USERS, Some(&token), Some(body))
    };
    let error = |message: &str, nickname: &str, email: &str| json!([{"type": "error", "code": 409, "error": message, "data": {"nickname": nickname, "email": email}}]);
    // The same message as for an exact duplicate.
    for nickname in ["admin", "ADMIN", "Admin"] {
        let reply = create(nickname, "new@example.org").await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{nickname}");
        assert_eq!(reply.body, error("nickname has already been taken", nickname, "new@example.org"));
    }
    let reply = create("robert", "BOB@Example.org").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body, error("email has already been taken", "robert", "BOB@Example.org"));
    // Admin edits cannot take another account's email in another case either.
    let reply = app.patch(&format!("{USERS}/admin/credentials"), &token, json!({"email": "Bob@EXAMPLE.org"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.body, json!({"errors": {"email": "has already been taken"}}));
}

/// The database refuses a case variant too, on both engines (the unique `lower()` indexes), so
/// no path around the validation can create one.
#[tokio::test]
async fn the_database_refuses_case_variants() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let mut row: user::ActiveModel = carol.clone().into_active_model();
    row.nickname = Set("BOB".into());
    assert!(row.update(&app.state.db.write).await.is_err());
    let mut row: user::ActiveModel = carol.into_active_model();
    row.email = Set(Some(bob.email.clone().unwrap().to_uppercase()));
    assert!(row.update(&app.state.db.write).await.is_err());
}

#[tokio::test]
async fn lookups_ignore_case() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let bob = app.user("bob").await;
    let reply = app.get(&format!("{USERS}/BoB"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["id"], bob.id.as_str());
    // Bulk actions naming one account in two cases act on it once.
    let reply = app.patch(&format!("{USERS}/deactivate"), &token, json!({"nicknames": ["bob", "BOB"]})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["users"].as_array().map(Vec::len), Some(1), "{}", reply.text);
    let reply = app.patch(&format!("{USERS}/activate"), &token, json!({"nicknames": ["Bob"]})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // Sign-in by nickname or email, in any case.
    for login in ["BOB", "bob@EXAMPLE.ORG"] {
        let reply = sign_in(&app, login, PASSWORD).await;
        assert_eq!(reply.body, json!({"error": "User is not a staff member."}), "{login}");
    }
}

/// A database already holding case variants is refused by the migration, naming them, instead
/// of failing on the index with an opaque error.
#[tokio::test]
async fn existing_case_duplicates_stop_the_migration() {
    use migration::MigratorTrait;
    use pleroma_gateway::db::Db;
    use sea_orm::ConnectionTrait;
    let dir = std::env::temp_dir().join(format!("gw-case-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, pg) = crate::common::fresh_database(&dir).await;
    let db = Db::connect(&url).await.unwrap();
    migration::Migrator::up(&db.write, Some(5)).await.unwrap();
    // Rows as the schema of migration 5 has them (today's entity has columns it lacks).
    for (id, nickname, email) in [("1", "admin", "a@example.org"), ("2", "ADMIN", "b@example.org")] {
        let sql = format!(
            "INSERT INTO users (id, nickname, email, ap_id, fields, raw_fields, settings_store, also_known_as, \
             inserted_at, updated_at) VALUES ('{id}', '{nickname}', '{email}', 'http://localhost/users/{nickname}', \
             '[]', '[]', '{{}}', '[]', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
        );
        db.write.execute_unprepared(&sql).await.unwrap();
    }
    let err = db.migrate().await.unwrap_err().to_string();
    assert!(err.contains("differ only in the case of their nickname: admin"), "{err}");
    db.read.close_by_ref().await.ok();
    db.write.close_by_ref().await.ok();
    crate::common::drop_database(pg).await;
    std::fs::remove_dir_all(dir).ok();
}
