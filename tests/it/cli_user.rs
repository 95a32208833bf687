//! `pleroma-gateway user …` (issue 28): each command as a real process against the running
//! server's database, and the moderation-log entry it writes with the operator as actor.
use std::process::{Command, Output};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::TestApp;

fn cli(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the CLI")
}

/// Run, expect success, return standard output.
fn ok(app: &TestApp, args: &[&str]) -> String {
    let out = cli(app, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The moderation log, newest first, through the admin API.
async fn log(app: &TestApp, token: &str) -> (u64, Vec<Value>) {
    let reply = app.get("/api/v1/pleroma/admin/moderation_log?page_size=50", Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    (reply.body["total"].as_u64().unwrap(), reply.body["items"].as_array().unwrap().clone())
}

/// The newest entry: its action and message, after checking the operator is its actor.
async fn last(app: &TestApp, token: &str) -> (String, String) {
    let (_, items) = log(app, token).await;
    let entry = &items[0];
    assert_eq!(entry["data"]["actor"], json!({"id": null, "nickname": "operator", "type": "operator"}), "{entry}");
    (entry["data"]["action"].as_str().unwrap().to_string(), entry["message"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn every_user_command_works_and_logs_as_the_admin_api_does() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let start = log(&app, &token).await.0;

    ok(&app, &["user", "new", "carol", "carol@example.org", "--password", "pw"]);
    assert_eq!(last(&app, &token).await, ("create".into(), "The operator (command line) created users: @carol".into()));

    let listed = ok(&app, &["user", "list"]);
    assert!(listed.contains("carol moderator: false, admin: false, locked: false, is_active: true"), "{listed}");

    ok(&app, &["user", "set", "carol", "--admin", "--moderator"]);
    let (_, items) = log(&app, &token).await;
    let messages: Vec<&str> = items[..2].iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(
        messages,
        ["The operator (command line) made @carol moderator", "The operator (command line) made @carol admin"]
    );
    ok(&app, &["user", "set", "carol", "--no-admin"]);
    assert_eq!(last(&app, &token).await.0, "revoke");
    let reply = app.get("/api/v1/pleroma/admin/users/carol", Some(&token)).await;
    assert_eq!(reply.body["roles"], json!({"admin": false, "moderator": true}));

    ok(&app, &["user", "deactivate", "carol"]);
    assert_eq!(last(&app, &token).await.0, "deactivate");
    // Nothing to do: said, not logged.
    let before = log(&app, &token).await.0;
    assert!(ok(&app, &["user", "deactivate", "carol"]).contains("User carol already deactivated"));
    assert_eq!(log(&app, &token).await.0, before);
    assert!(ok(&app, &["user", "activate", "carol"]).contains("Successfully activated carol"));
    assert_eq!(last(&app, &token).await.0, "activate");

    assert!(ok(&app, &["user", "tag", "carol", "foo", "bar"]).contains("Tags of carol:"));
    assert_eq!(
        last(&app, &token).await,
        ("tag".into(), "The operator (command line) added tags: foo, bar to users: @carol".into())
    );
    ok(&app, &["user", "untag", "carol", "foo"]);
    assert_eq!(last(&app, &token).await.0, "untag");

    assert!(ok(&app, &["user", "unconfirm", "carol"]).contains("carol needs confirmation."));
    assert_eq!(last(&app, &token).await.0, "unconfirm_email");
    assert!(ok(&app, &["user", "confirm", "carol"]).contains("carol doesn't need confirmation."));
    assert_eq!(last(&app, &token).await.0, "confirm_email");

    // What the admin API does not log is not logged here either.
    let before = log(&app, &token).await.0;
    let reset = ok(&app, &["user", "reset_password", "carol"]);
    assert!(reset.contains("URL: http") && reset.contains("/api/v1/pleroma/password_reset/"), "{reset}");
    assert!(ok(&app, &["user", "reset_mfa", "carol"]).contains("Multi-Factor Authentication disabled for carol"));
    let carol = pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, "carol").await.unwrap().unwrap();
    let carol_token = app.token(&carol, "read").await;
    assert!(ok(&app, &["user", "sign_out", "carol"]).contains("carol signed out from all apps."));
    let reply = app.get("/api/v1/accounts/verify_credentials", Some(&carol_token)).await;
    assert_ne!(reply.status, StatusCode::OK);
    let invite = ok(&app, &["user", "invite", "--max-use", "3"]);
    assert!(invite.contains("Generated user invite token reusable") && invite.contains("/registration/"), "{invite}");
    assert_eq!(log(&app, &token).await.0, before);

    ok(&app, &["user", "delete", "carol"]);
    assert_eq!(last(&app, &token).await, ("delete".into(), "The operator (command line) deleted users: @carol".into()));
    assert_eq!(log(&app, &token).await.0, start + 11);
}

#[tokio::test]
async fn user_set_refuses_remote_accounts_and_contradictory_flags() {
    let app = TestApp::new().await;
    app.remote_user("bob", "remote.example").await;
    app.user("alice").await;
    let out = cli(&app, &["user", "set", "bob@remote.example", "--admin"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No local user bob@remote.example"));
    for flags in [["--active", "--no-active"], ["--admin", "--no-admin"], ["--confirmed", "--no-confirmed"]] {
        let out = cli(&app, &[&["user", "set", "alice"][..], &flags[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"), "{flags:?}");
    }
    // Nothing was logged.
    let token = app.admin_token().await;
    let reply = app.get("/api/v1/pleroma/admin/moderation_log", Some(&token)).await;
    assert_eq!(reply.body["total"], 0, "{}", reply.text);
}
