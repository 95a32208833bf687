//! The command line, run as a real process against the database a running server uses.
use std::{process::Command, time::Duration};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings.database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the CLI")
}

#[tokio::test]
async fn user_new_and_set_while_the_server_runs() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let out = cli(
        &app,
        &[
            "user",
            "new",
            "carol",
            "carol@example.org",
            "--password",
            "pw-carol",
            "--name",
            "Carol",
            "--moderator",
            "-y",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("User carol created"));

    // The running server sees the new user at once, and the password works.
    let reply = app.get("/api/v1/pleroma/admin/users/carol", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["roles"], json!({"admin": false, "moderator": true}));
    assert_eq!(reply.body["display_name"], "Carol");
    let basic = app
        .client
        .get(format!("{}/api/v1/accounts/verify_credentials", app.base))
        .basic_auth("carol", Some("pw-carol"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::OK);

    // Duplicates and bad input: a clear message and exit code 1.
    for (args, message) in [
        (vec!["user", "new", "carol", "other@example.org", "--password", "x"], "nickname has already been taken"),
        (vec!["user", "new", "dave", "carol@example.org", "--password", "x"], "email has already been taken"),
        (vec!["user", "new", "bad nick", "bad@example.org", "--password", "x"], "nickname has invalid format"),
        (vec!["user", "new", "erin", "not-an-email", "--password", "x"], "email has invalid format"),
        (vec!["user", "new", "relay", "relay@example.org", "--password", "x"], "nickname is reserved"),
        (vec!["user", "set", "nobody", "--admin"], "No local user nobody"),
    ] {
        let out = cli(&app, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // `user set` changes roles and activation; deactivation ends the user's sessions at once.
    let carol_token = app
        .token(
            &pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, "carol").await.unwrap().unwrap(),
            "read",
        )
        .await;
    let out = cli(&app, &["user", "set", "carol", "--admin", "--no-moderator", "--no-active"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reply = app.get("/api/v1/pleroma/admin/users/carol", Some(&token)).await;
    assert_eq!(reply.body["roles"], json!({"admin": true, "moderator": false}));
    assert_eq!(reply.body["is_active"], false);
    let reply = app.get("/api/v1/accounts/verify_credentials", Some(&carol_token)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn concurrent_cli_and_server_writes_do_not_lock_up() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let mut children = Vec::new();
    for i in 0..4 {
        let nickname = format!("cli{i}");
        let email = format!("cli{i}@example.org");
        children.push(
            Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
                .args(["--database-url", &app.state.settings.database_url, "--data-dir"])
                .arg(&app.data_dir)
                .args(["user", "new", &nickname, &email, "--password", "pw"])
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    // Meanwhile the server writes too.
    for i in 0..4 {
        let reply = app
            .request(
                reqwest::Method::POST,
                "/api/v1/pleroma/admin/users",
                Some(&token),
                Some(json!({"users": [{"nickname": format!("web{i}"), "email": format!("web{i}@example.org"), "password": "pw"}]})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let reply = app.get("/api/v1/pleroma/admin/users?query=cli", Some(&token)).await;
    assert_eq!(reply.body["count"], 4);
}

#[tokio::test]
async fn serve_migrates_listens_and_stops_on_sigterm() {
    let app = TestApp::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings.database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/pleroma/healthcheck");
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(response) = app.client.get(&url).send().await {
            healthy = response.status() == StatusCode::OK;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "the server did not come up");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
}

#[test]
fn export_schema_prints_the_sdl() {
    let out = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway")).arg("export-schema").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), pleroma_gateway::graphql::sdl());
}
