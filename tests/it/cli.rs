//! The command line, run as a real process against the database a running server uses.
use std::{process::Command, time::Duration};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
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
                .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
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
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/pleroma/healthcheck");
    let status = crate::common::eventually("the server to come up", 60, || async {
        app.client.get(&url).send().await.ok().map(|response| response.status())
    })
    .await;
    assert_eq!(status, StatusCode::OK, "the server is not healthy");
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

/// Run the binary with `args` only (no database flags), standard input closed.
fn bare(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("GATEWAY_DATA_DIR")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the CLI")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn signs_in(app: &TestApp, nickname: &str, password: &str) -> bool {
    let reply = app
        .client
        .get(format!("{}/api/v1/accounts/verify_credentials", app.base))
        .basic_auth(nickname, Some(password))
        .send()
        .await
        .unwrap();
    reply.status() == StatusCode::OK
}

#[tokio::test]
async fn user_new_reads_the_password_from_stdin_and_refuses_to_guess_without_a_terminal() {
    let app = TestApp::new().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(["user", "new", "dave", "dave@example.org", "--password-stdin"])
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        // One line is read; what follows it is not part of the password.
        child.stdin.take().unwrap().write_all(b"pw dave\nignored\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(signs_in(&app, "dave", "pw dave").await);

    // Empty standard input: no password, a message, nothing created.
    let out = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(["user", "new", "erin", "erin@example.org", "--password-stdin"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("standard input held no password"), "{}", stderr(&out));

    // Neither flag and no terminal to prompt on: a clear error naming the way out, at once.
    let started = std::time::Instant::now();
    let out = cli(&app, &["user", "new", "erin", "erin@example.org"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("no password given and standard input is not a terminal"), "{message}");
    assert!(message.contains("--password-stdin"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let reply = app.get("/api/v1/pleroma/admin/users/erin", Some(&app.admin_token().await)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Both at once is a usage error.
    let out = cli(&app, &["user", "new", "erin", "erin@example.org", "--password", "x", "--password-stdin"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// On a terminal (a pseudo-terminal from util-linux `script`), `user new` asks twice and does
/// not echo what is typed.
#[tokio::test]
async fn user_new_prompts_on_a_terminal_without_echo() {
    use std::io::{Read, Write};
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let app = TestApp::new().await;
    let command = format!(
        "{} --database-url '{}' --data-dir '{}' user new tina tina@example.org",
        env!("CARGO_BIN_EXE_pleroma-gateway"),
        app.state.settings().database_url,
        app.data_dir.display()
    );
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (seen_tx, seen_rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut byte = [0u8; 1];
        while let Ok(1) = stdout.read(&mut byte) {
            all.push(byte[0]);
            let _ = seen_tx.send(String::from_utf8_lossy(&all).into_owned());
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    let wait_for = |needle: &str| loop {
        let text = seen_rx.recv_timeout(Duration::from_secs(20)).expect("prompt");
        if text.contains(needle) {
            break;
        }
    };
    // rpassword prints the prompt and then turns echo off: typing ahead of that is echoed by the
    // terminal itself (in any program), so type as a person would, a moment after the prompt.
    let pause = || std::thread::sleep(Duration::from_secs(1));
    wait_for("Password for tina: ");
    pause();
    stdin.write_all(b"pw-tina\n").unwrap();
    wait_for("Repeat it: ");
    pause();
    stdin.write_all(b"pw-tina\n").unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    let output = reader.join().unwrap();
    assert!(status.success(), "{output}");
    assert!(output.contains("User tina created"), "{output}");
    assert!(!output.contains("pw-tina"), "the password was echoed: {output}");
    assert!(signs_in(&app, "tina", "pw-tina").await);
}

#[test]
fn help_lists_subcommand_options_apart_from_the_global_ones() {
    let out = bare(&["user", "new", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let (own, global) = help.split_once("Global options:").expect("a Global options heading");
    assert!(own.contains("--password-stdin") && own.contains("--admin"), "{help}");
    assert!(!own.contains("--database-url"), "{help}");
    assert!(global.contains("--database-url") && global.contains("--log-format"), "{help}");
    assert!(!global.contains("--password"), "{help}");
}

#[test]
fn errors_name_the_path_that_could_not_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    // --data-dir is a file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let data_dir = file.join("data");
    let out = bare(&["--data-dir", data_dir.to_str().unwrap(), "migrate"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains(&format!("cannot create the data directory {}", data_dir.display())), "{message}");
    assert!(message.contains("--data-dir"), "{message}");

    // The SQLite file is not a database.
    let garbage = dir.path().join("gateway.db");
    std::fs::write(&garbage, vec![7u8; 4096]).unwrap();
    let out = bare(&["--data-dir", dir.path().to_str().unwrap(), "migrate"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains(&format!("cannot open the SQLite database {}", garbage.display())), "{message}");
    assert!(message.contains("file is not a database"), "{message}");
}

#[test]
fn a_database_server_that_is_down_is_named_at_once() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = std::time::Instant::now();
    let out = bare(&["--database-url", &format!("postgres://postgres@127.0.0.1:{port}/gateway"), "migrate"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains(&format!("connection refused at 127.0.0.1:{port}")), "{message}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

/// PostgreSQL's messages carry the server's own source line ("does not exist at line 768");
/// the CLI drops it and names the server instead. Needs a PostgreSQL server (`TEST_DATABASE_URL`).
#[test]
fn postgres_errors_carry_no_internal_line_numbers() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else { return };
    if !url.starts_with("postgres") {
        return;
    }
    let (base, _) = url.rsplit_once('/').unwrap();
    let out = bare(&["--database-url", &format!("{base}/gw_no_such_database_{}", std::process::id()), "migrate"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("does not exist"), "{message}");
    assert!(!message.contains("at line"), "{message}");
    assert!(!message.contains("Connection Error"), "{message}");
}

/// Serve, answer one request, stop; return what was logged.
async fn serve_log(app: &TestApp, extra: &[&str]) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = app.data_dir.join(format!("log-{port}.txt"));
    let child = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .arg("serve")
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/pleroma/healthcheck");
    crate::common::eventually("the server to come up", 60, || async { app.client.get(&url).send().await.ok() }).await;
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let mut child = child;
    tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    std::fs::read_to_string(log).unwrap()
}

#[tokio::test]
async fn logs_are_plain_text_in_a_file_and_json_on_request() {
    let app = TestApp::new().await;
    let text = serve_log(&app, &[]).await;
    assert!(text.contains("pleroma-gateway listening"), "{text}");
    assert!(text.contains("/api/v1/pleroma/healthcheck"), "{text}");
    assert!(!text.contains('\u{1b}'), "colour codes in a file: {text:?}");

    let json = serve_log(&app, &["--log-format", "json"]).await;
    let lines: Vec<serde_json::Value> =
        json.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect();
    assert!(lines.iter().any(|l| l["message"] == "pleroma-gateway listening" && l["level"] == "INFO"), "{json}");
    // The request's fields are its span's (tower-http's trace layer); numbers are numbers.
    assert!(lines.iter().any(|l| l["span"]["path"] == "/api/v1/pleroma/healthcheck" && l["status"] == 200), "{json}");
}

async fn ap_id(app: &TestApp, nickname: &str) -> String {
    pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, nickname).await.unwrap().unwrap().ap_id
}

/// Issue 28: the instance URL is stored at first start; a command run without `--listen` makes
/// the same addresses as the server, and an explicitly different URL is refused unless changed.
#[tokio::test]
async fn the_instance_url_is_stored_at_first_start_and_shared() {
    let app = TestApp::new().await;
    let new = |nickname: &str| {
        ["user", "new", nickname, &format!("{nickname}@example.org"), "--password", "pw"].map(String::from).to_vec()
    };
    let run = |extra: &[&str], args: Vec<String>| {
        let mut all: Vec<&str> = extra.to_vec();
        all.extend(args.iter().map(String::as_str));
        cli(&app, &all)
    };
    // The first start stores the URL derived from --listen.
    let out = run(&["--listen", "127.0.0.1:4401"], new("alice"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ap_id(&app, "alice").await, "http://127.0.0.1:4401/users/alice");
    // Without --listen (derived URL http://127.0.0.1:4000), the stored one is used.
    let out = run(&[], new("bob"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ap_id(&app, "bob").await, "http://127.0.0.1:4401/users/bob");

    // A different URL given explicitly is refused, naming both and the way to change it.
    let out = run(&["--instance-url", "https://social.example"], new("carol"));
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    for needle in ["https://social.example", "http://127.0.0.1:4401", "--change-instance-url"] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
    assert!(pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, "carol").await.unwrap().is_none());
    // The same URL given explicitly is fine.
    let out = run(&["--instance-url", "http://127.0.0.1:4401/"], new("carol"));
    assert!(out.status.success(), "{}", stderr(&out));

    // --change-instance-url stores the new one; later commands use it.
    let out = run(&["--instance-url", "https://social.example", "--change-instance-url"], new("dave"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ap_id(&app, "dave").await, "https://social.example/users/dave");
    let out = run(&[], new("erin"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ap_id(&app, "erin").await, "https://social.example/users/erin");
    // Accounts made before keep their address.
    assert_eq!(ap_id(&app, "alice").await, "http://127.0.0.1:4401/users/alice");
}

#[test]
fn migrate_says_whether_anything_ran() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().to_str().unwrap();
    let first = bare(&["--data-dir", dir, "migrate"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let text = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(text.starts_with("applied ") && text.contains("m20261208_05_events"), "{text}");
    let again = bare(&["--data-dir", dir, "migrate"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), "no pending migrations: the schema is up to date\n");
}
