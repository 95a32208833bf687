//! Issue 28 §1, §3, §5: running it for real — `seed` on a non-empty database, the request id
//! and the log lines, the rest of `pleroma_ctl`'s commands (each change in the moderation log)
//! and messages a person can act on. Drives the real binary, as `cli.rs` does.
use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{zip_patched, TestApp};

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the CLI")
}

/// Without a database or data directory from the environment.
fn bare(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("GATEWAY_DATA_DIR")
        .env_remove("GATEWAY_LISTEN")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the CLI")
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "stdout: {}\nstderr: {}", stdout(out), stderr(out));
    stdout(out)
}

/// The moderation log's messages, newest first.
async fn log_messages(app: &TestApp) -> Vec<String> {
    let token = app.admin_token().await;
    let reply = app.get("/api/v1/pleroma/admin/moderation_log?page_size=100", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"].as_array().unwrap().iter().map(|i| i["message"].as_str().unwrap().to_string()).collect()
}

async fn staff_count(app: &TestApp) -> u64 {
    use entity::user;
    use sea_orm::{sea_query::ExprTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    user::Entity::find()
        .filter(user::Column::IsAdmin.eq(true).or(user::Column::IsModerator.eq(true)))
        .count(&app.state.db.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn seed_refuses_a_database_with_users_unless_forced() {
    let app = TestApp::new().await;
    // An empty database: seeded, no admin without --admins, the password printed.
    let out = ok(&cli(&app, &["seed", "--users", "30"]));
    assert!(out.contains("seeded 30 users"), "{out}");
    assert!(out.contains("password is \"password\""), "{out}");
    assert_eq!(staff_count(&app).await, 0);

    // Now it holds users: refused, nothing added, the way out named.
    let refused = cli(&app, &["seed", "--users", "30"]);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(message.contains("already holds 30 user(s)") && message.contains("--force"), "{message}");

    // --force adds; --admins lets some be staff; --password sets (and prints) theirs.
    let out = ok(&cli(&app, &["seed", "--users", "30", "--force", "--admins", "--password", "s3cret pw"]));
    assert!(out.contains("password is \"s3cret pw\""), "{out}");
    assert!(out.contains("staff (admins and moderators)"), "{out}");
    assert!(staff_count(&app).await >= 1);
}

#[test]
fn version_names_the_commit() {
    let out = bare(&["--version"]);
    let text = ok(&out);
    assert!(text.starts_with("pleroma-gateway 0."), "{text}");
    assert!(text.contains("(commit "), "{text}");
}

#[test]
fn completions_for_a_shell() {
    let text = ok(&bare(&["completions", "bash"]));
    assert!(text.contains("pleroma-gateway") && text.contains("complete"), "{text}");
    assert!(text.contains("migrate_to_db") && text.contains("get-packs"), "subcommands are completed");
}

#[tokio::test]
async fn request_ids_are_kept_from_trusted_proxies_and_made_otherwise() {
    let app = TestApp::new().await;
    let get = |id: Option<&'static str>| {
        let mut request = app.client.get(format!("{}/api/v1/pleroma/healthcheck", app.base));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };
    // Loopback is a trusted proxy by default (`[remote_ip] reserved`): its id is kept.
    let kept = get(Some("proxy-id-1")).await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "proxy-id-1");
    // Without one, an id is made (a UUID), different for each request.
    let made = get(None).await.unwrap().headers()["x-request-id"].to_str().unwrap().to_string();
    let again = get(None).await.unwrap().headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(made.len(), 36, "{made}");
    assert_ne!(made, again);

    // A client that is no trusted proxy cannot choose the id.
    let open = TestApp::with_settings(|s| s.remote_ip.reserved = vec![]).await;
    let reply = open
        .client
        .get(format!("{}/api/v1/pleroma/healthcheck", open.base))
        .header("x-request-id", "chosen-by-client")
        .send()
        .await
        .unwrap();
    let id = reply.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "chosen-by-client");
    assert_eq!(id.len(), 36);
}

/// Serve with JSON logs, send a healthcheck with each of `ids` and an admin request with
/// `token` (id `as-admin`), stop; the log's lines.
async fn served_json_log(app: &TestApp, ids: &[&str], token: &str) -> Vec<Value> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = app.data_dir.join(format!("ops-log-{port}.txt"));
    let child = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--log-format", "json", "serve"])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let health = format!("{base}/api/v1/pleroma/healthcheck");
    crate::common::eventually("the server to come up", 60, || async { app.client.get(&health).send().await.ok() })
        .await;
    for id in ids {
        app.client.get(format!("{base}/api/v1/pleroma/healthcheck")).header("x-request-id", *id).send().await.unwrap();
    }
    let admin = app
        .client
        .get(format!("{base}/api/v1/pleroma/admin/users"))
        .bearer_auth(token)
        .header("x-request-id", "as-admin")
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), StatusCode::OK);
    // Two app creations from loopback without X-Forwarded-For: the limiter's note, once.
    for _ in 0..2 {
        app.client
            .post(format!("{base}/api/v1/apps"))
            .form(&[("client_name", "ops"), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")])
            .send()
            .await
            .unwrap();
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let mut child = child;
    tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    let text = std::fs::read_to_string(log).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

#[tokio::test]
async fn the_log_names_the_start_and_each_request_with_its_id() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let lines = served_json_log(&app, &["trace-me-7"], &token).await;
    let start = lines.iter().find(|l| l["message"] == "pleroma-gateway listening").expect("a start-up line");
    assert!(start["version"].as_str().unwrap().contains("(commit "), "{start}");
    assert_eq!(start["data_dir"], app.data_dir.display().to_string());
    assert!(start["instance_url"].as_str().unwrap().starts_with("http"), "{start}");
    let database = start["database"].as_str().unwrap();
    assert!(database.starts_with("sqlite:") || database.starts_with("postgres"), "{start}");
    assert!(!database.contains("password@"), "{start}");

    let request = lines.iter().find(|l| l["span"]["request_id"] == "trace-me-7").expect("the request's line");
    assert_eq!(request["span"]["path"], "/api/v1/pleroma/healthcheck");
    assert_eq!(request["status"], 200, "numbers are numbers: {request}");
    assert!(request["latency_ms"].is_f64(), "{request}");
    assert!(request["span"].get("user").is_none(), "anonymous: {request}");
    let admin = lines.iter().find(|l| l["span"]["request_id"] == "as-admin").expect("the admin request's line");
    assert_eq!(admin["span"]["user"], "admin", "the caller is named: {admin}");

    let notes: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"].as_str().is_some_and(|m| m.contains("rate limits do not apply")))
        .collect();
    assert_eq!(notes.len(), 1, "said once: {notes:?}");
    assert_eq!(notes[0]["level"], "INFO", "no alarm");
    assert!(notes[0]["message"].as_str().unwrap().contains("X-Forwarded-For"), "says why");
}

#[tokio::test]
async fn config_commands_keep_the_moderation_log() {
    let app = TestApp::new().await;
    let export = app.data_dir.join("export.json");
    let export = export.to_str().unwrap();
    // Nothing saved yet.
    let empty = cli(&app, &["config", "dump"]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(stderr(&empty).contains("No settings in ConfigDB."), "{}", stderr(&empty));

    let out = ok(&cli(&app, &["config", "migrate_to_db"]));
    assert!(out.contains("Settings for :pleroma, :instance migrated."), "{out}");
    let dump = ok(&cli(&app, &["config", "dump", "pleroma", "instance"]));
    assert!(dump.starts_with("config :pleroma, :instance, ["), "{dump}");
    assert!(!dump.contains(":rate_limit"), "only the key asked for: {dump}");

    let out = ok(&cli(&app, &["config", "migrate_from_db", "--path", export, "-d"]));
    assert!(out.contains("exported to") && out.contains("was deleted from the ConfigDB."), "{out}");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(export).unwrap()).unwrap();
    assert!(saved["configs"].as_array().unwrap().iter().any(|c| c["group"] == ":pleroma" && c["key"] == ":instance"));
    assert_eq!(cli(&app, &["config", "dump"]).status.code(), Some(1), "removed");

    // The export goes back in.
    ok(&cli(&app, &["config", "migrate_to_db", "--file", export]));
    assert!(ok(&cli(&app, &["config", "dump"])).contains("config :pleroma, :instance,"));

    let messages = log_messages(&app).await;
    let by_operator: Vec<&String> =
        messages.iter().filter(|m| m.starts_with("The operator (command line) updated configuration")).collect();
    assert_eq!(by_operator.len(), 3, "{messages:?}");
    assert!(by_operator.iter().any(|m| m.contains(":pleroma, :instance removed")), "{messages:?}");
}

/// A tiny PNG (what image sniffing reads).
fn png(tag: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00".to_vec();
    bytes.push(tag);
    bytes
}

#[tokio::test]
async fn emoji_packs_come_from_a_manifest() {
    let app = TestApp::new().await;
    let dir = app.data_dir.join("manifest");
    std::fs::create_dir_all(&dir).unwrap();
    let (blob, cat) = (png(1), png(2));
    let extra = png(3);
    let archive = zip_patched(
        &[("blob.png", blob.as_slice()), ("cat.png", cat.as_slice()), ("extra.png", extra.as_slice())],
        None,
    );
    std::fs::write(dir.join("blobs.zip"), &archive).unwrap();
    std::fs::write(dir.join("blobs.json"), json!({"blob": "blob.png", "cat": "cat.png"}).to_string()).unwrap();
    let sha = pleroma_gateway::domain::emoji::sha256_hex(&archive);
    let manifest = json!({
        "blobs": {"src": dir.join("blobs.zip"), "src_sha256": sha.to_uppercase(), "files": "blobs.json",
                  "homepage": "https://blobs.example", "description": "Blob emoji", "license": "Apache 2.0"},
        "broken": {"src": dir.join("blobs.zip"), "src_sha256": "00", "files": "blobs.json"},
    });
    std::fs::write(dir.join("index.json"), manifest.to_string()).unwrap();
    let index = dir.join("index.json");
    let index = index.to_str().unwrap();

    let listed = ok(&cli(&app, &["emoji", "ls-packs", "-m", index]));
    assert!(
        listed.contains("Name: blobs\nHomepage: https://blobs.example\nDescription: Blob emoji\nLicense: Apache 2.0")
    );

    let out = ok(&cli(&app, &["emoji", "get-packs", "-m", index, "blobs"]));
    assert!(out.contains("SHA256 of blobs source file is OK"), "{out}");
    let pack = pleroma_gateway::domain::emoji::emoji_dir(app.state.settings().as_ref()).join("blobs");
    assert_eq!(std::fs::read(pack.join("blob.png")).unwrap(), blob);
    assert!(!pack.join("extra.png").exists(), "only the listed files");
    let pack_json: Value = serde_json::from_slice(&std::fs::read(pack.join("pack.json")).unwrap()).unwrap();
    assert_eq!(pack_json["files"], json!({"blob": "blob.png", "cat": "cat.png"}));
    assert_eq!(pack_json["pack"]["share-files"], true);
    assert_eq!(pack_json["pack"]["license"], "Apache 2.0");

    // A bad checksum and an unknown pack are refused, nothing written.
    let bad = cli(&app, &["emoji", "get-packs", "-m", index, "broken"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("BAD"), "{}", stderr(&bad));
    assert!(!pack.with_file_name("broken").exists());
    let unknown = cli(&app, &["emoji", "get-packs", "-m", index, "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("No pack named \"nope\" found"));
    // An existing pack is not overwritten.
    assert_eq!(cli(&app, &["emoji", "get-packs", "-m", index, "blobs"]).status.code(), Some(1));

    let messages = log_messages(&app).await;
    assert_eq!(
        messages.iter().filter(|m| m.contains("downloaded emoji packs")).collect::<Vec<_>>(),
        ["The operator (command line) downloaded emoji packs: blobs"]
    );
}

#[tokio::test]
async fn database_vacuum() {
    let app = TestApp::new().await;
    app.user("alice").await;
    for mode in ["analyze", "full"] {
        let out = ok(&cli(&app, &["database", "vacuum", mode]));
        assert!(out.contains("done in"), "{out}");
    }
    let bad = cli(&app, &["database", "vacuum", "everything"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn instance_gen_writes_a_config_the_server_reads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    let file = file.to_str().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let out = ok(&bare(&[
        "instance",
        "gen",
        "-o",
        file,
        "--domain",
        "social.example",
        "--instance-name",
        "Ops \"test\"",
        "--admin-email",
        "admin@social.example",
        "--data-dir",
        data,
        "--listen-port",
        "4555",
    ]));
    assert!(out.contains("Writing config to"), "{out}");
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("instance_url = \"https://social.example\""), "{text}");
    assert!(text.lines().filter(|l| l.starts_with('#')).count() >= 5, "commented: {text}");
    // The server reads it (migrations run on the SQLite file in its data directory).
    ok(&bare(&["--config", file, "migrate"]));
    assert!(std::path::Path::new(data).join("gateway.db").exists());
    // Not overwritten without --force.
    let again = bare(&["instance", "gen", "-o", file]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"));
    // PostgreSQL answers: a postgres URL and the reminder to create the database.
    ok(&bare(&["instance", "gen", "-o", file, "-f", "--dbname", "gw", "--dbuser", "gw", "--dbpass", "p@ss"]));
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("database_url = \"postgres://gw:p%40ss@localhost/gw\""), "{text}");
    assert!(text.contains("createdb"), "{text}");
}

#[test]
fn messages_a_person_can_act_on() {
    let listen = bare(&["--listen", "localhost:4402", "migrate"]);
    assert_eq!(listen.status.code(), Some(2));
    let message = stderr(&listen);
    assert!(message.contains("IP:PORT") && message.contains("127.0.0.1:4402"), "{message}");

    let scheme = bare(&["--database-url", "mysql://u@db.example/gw", "migrate"]);
    assert_eq!(scheme.status.code(), Some(1));
    let message = stderr(&scheme);
    assert!(message.contains("unsupported database scheme \"mysql\""), "{message}");
    assert!(!message.contains("db.example"), "the scheme, not the host: {message}");

    // An existing directory nobody may write to (as root too).
    let unwritable = bare(&["--data-dir", "/sys", "migrate"]);
    assert_eq!(unwritable.status.code(), Some(1));
    let message = stderr(&unwritable);
    assert!(message.contains("permission denied") && message.contains("/sys"), "{message}");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("limits.toml");
    std::fs::write(&config, "[rate_limit]\nauthentication = [60000, 15]\nsearch = \"ten a second\"\n").unwrap();
    let data = dir.path().join("data");
    let bad = bare(&["--config", config.to_str().unwrap(), "--data-dir", data.to_str().unwrap(), "migrate"]);
    assert_eq!(bad.status.code(), Some(1));
    let message = stderr(&bad);
    assert!(message.contains("setting rate_limit.search"), "{message}");
    assert!(message.contains("false, [scale_ms, limit] or [[scale_ms, limit], [scale_ms, limit]]"), "{message}");
}

#[tokio::test]
async fn an_anonymous_graphql_caller_is_told_to_send_a_token() {
    let app = TestApp::new().await;
    let reply = app.graphql(None, "{ users { totalCount } }", json!({})).await;
    let message = reply["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("needs a staff member's access token") && message.contains("Authorization"), "{reply}");
    assert_eq!(reply["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // REST keeps Pleroma's body.
    let rest = app.get("/api/v1/pleroma/admin/users", None).await;
    assert_eq!((rest.status, rest.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));
}

#[tokio::test]
async fn a_handler_past_the_request_timeout_answers_408_in_json() {
    // The handler waits for a body that never ends, so it is still running at the limit
    // whatever the machine's speed.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::with_settings(|s| s.http_server.request_timeout_ms = 200).await;
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let head = "POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\
                Connection: close\r\n\r\n{\"query\": ";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_string(&mut answer))
        .await
        .expect("an answer before the test's own limit")
        .unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 408"), "{answer}");
    let id = head.lines().find_map(|l| l.strip_prefix("x-request-id: ")).expect("the id is on every answer");
    assert_eq!(id.len(), 36);
    assert_eq!(serde_json::from_str::<Value>(body).unwrap(), json!({"error": "Request timed out"}));
}
