//! Settings changes reach every gateway process (issue 31 §4): two gateways over one database,
//! as two processes would be. A save through one is in force on the other within a second, a
//! restart through one applies on both, requests read no settings from the database, and on
//! PostgreSQL the listener comes back after its connection is killed and catches up.
use std::time::{Duration, Instant};

use pleroma_gateway::domain::config_db::live::{LISTENER_NAME, SQLITE_POLL};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};

use crate::common::{both_prefixes, TestApp};

const CONFIG: &str = "/api/v1/pleroma/admin/config";
/// How soon another process must apply a change.
const WITHIN: Duration = Duration::from_secs(1);

async fn save(app: &TestApp, token: &str, configs: Value) {
    let reply = app.request(Method::POST, CONFIG, Some(token), Some(json!({ "configs": configs }))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

fn instance_name(name: &str) -> Value {
    json!([{"group": ":pleroma", "key": ":instance", "value": [{"tuple": [":name", name]}]}])
}

async fn title(app: &TestApp) -> Value {
    app.get("/api/v1/instance", None).await.body["title"].clone()
}

/// Wait (up to 10 s: start-up under load) until `second` follows changes saved through `app`:
/// afterwards each process's first check is behind it, and timings start from a listening state.
async fn following(app: &TestApp, second: &TestApp, token: &str) {
    save(app, token, instance_name("Following")).await;
    until_title(second, "Following", Duration::from_secs(10)).await;
}

/// How long until `app`'s instance title is `want` (panics after `limit`).
async fn until_title(app: &TestApp, want: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if title(app).await == want {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "title still {} after {limit:?}, want {want}", title(app).await);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Wait until `check` holds (panics after `limit`).
async fn until<F: std::future::Future<Output = bool>>(limit: Duration, what: &str, mut check: impl FnMut() -> F) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_change_on_one_process_is_in_force_on_another_within_a_second() {
    let app = TestApp::new().await;
    let second = app.sharing(|_| {}).await;
    let token = app.admin_token().await;
    for gateway in [&app, &second] {
        assert_eq!(title(gateway).await, json!("Pleroma Gateway"));
    }
    for (from, to, name) in [(&app, &second, "Changed on one"), (&second, &app, "Changed on two")] {
        save(from, &token, instance_name(name)).await;
        // The saving process: from its next request on.
        assert_eq!(title(from).await, json!(name));
        let took = until_title(to, name, WITHIN).await;
        println!("{name}: in force on the other process after {took:?}");
    }
    // Removing the saved value too.
    let delete = json!([{"group": ":pleroma", "key": ":instance", "delete": true, "subkeys": [":name"]}]);
    save(&app, &token, delete).await;
    until_title(&second, "Pleroma Gateway", WITHIN).await;
}

#[tokio::test]
async fn requests_read_no_settings_from_the_database() {
    let app = TestApp::new().await;
    let second = app.sharing(|_| {}).await;
    let token = app.admin_token().await;
    save(&second, &token, instance_name("Saved before")).await;
    until_title(&app, "Saved before", WITHIN).await;
    let live = &app.state.live;
    let cheap = ["/api/v1/instance", "/nodeinfo/2.1.json", "/api/pleroma/frontend_configurations"];
    app.state.db.record();
    let (checks, started) = (live.checks(), Instant::now());
    let requests = 300;
    for i in 0..requests {
        let reply = app.get(cheap[i % cheap.len()], None).await;
        assert!(reply.status.is_success(), "{}", reply.text);
    }
    let (checks, elapsed) = (live.checks() - checks, started.elapsed());
    let statements = app.state.db.recorded();
    // Nothing a request sent reads the saved settings or their version.
    let settings_reads: Vec<&str> =
        statements.iter().map(|s| s.sql.as_str()).filter(|sql| sql.contains("config")).collect();
    assert_eq!(settings_reads, Vec::<&str>::new());
    // The version row is read in the background only: on PostgreSQL when notified (nothing was
    // saved meanwhile), on SQLite every 250 ms whatever the request rate.
    let most = match app.state.db.backend() {
        DbBackend::Postgres => 0,
        _ => (elapsed.as_millis() / SQLITE_POLL.as_millis()) as u64 + 2,
    };
    println!("{requests} requests in {elapsed:?}: {checks} version checks, {} statements", statements.len());
    assert!(checks <= most, "{checks} version checks during {requests} requests in {elapsed:?}");
    assert_eq!(title(&app).await, json!("Saved before"));
}

async fn new_app_from(app: &TestApp, address: &str) -> StatusCode {
    let fields = [("client_name", "x"), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")];
    let request = app.client.post(format!("{}/api/v1/apps", app.base)).header("x-forwarded-for", address);
    request.form(&fields).send().await.unwrap().status()
}

async fn need_reboot(app: &TestApp, token: &str) -> bool {
    let reply = app.get("/api/v1/pleroma/admin/need_reboot", Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["need_reboot"] == json!(true)
}

#[tokio::test]
async fn a_restart_through_one_process_applies_on_every_process() {
    let app = TestApp::new().await;
    let second = app.sharing(|_| {}).await;
    let token = app.admin_token().await;
    following(&app, &second, &token).await;
    // A reboot-time setting: one app per minute and address.
    let limit = json!([{"group": ":pleroma", "key": ":rate_limit",
        "value": [{"tuple": [":oauth_app_creation", {"tuple": [60000, 1]}]}]}]);
    save(&app, &token, limit).await;
    for gateway in [&app, &second] {
        until(WITHIN, "need_reboot", || need_reboot(gateway, &token)).await;
        // Still the old limiter (5 per 15 minutes) on both.
        for _ in 0..2 {
            assert_eq!(new_app_from(gateway, "203.0.113.7").await, StatusCode::OK);
        }
    }
    let [restart, legacy] = both_prefixes("/api/v1/pleroma/admin/restart");
    let reply = app.get(&restart, Some(&token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    assert!(!need_reboot(&app, &token).await, "the restarting process is done when it answers");
    until(WITHIN, "need_reboot cleared on the other process", || async { !need_reboot(&second, &token).await }).await;
    for (gateway, address) in [(&app, "203.0.113.8"), (&second, "203.0.113.9")] {
        assert_eq!(new_app_from(gateway, address).await, StatusCode::OK);
        assert_eq!(new_app_from(gateway, address).await, StatusCode::TOO_MANY_REQUESTS);
    }
    // The legacy path, through the other process: both rebuild again (fresh limiter windows).
    let reply = second.get(&legacy, Some(&token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    until(WITHIN, "the first process rebuilt its limiters", || async {
        new_app_from(&app, "203.0.113.8").await == StatusCode::OK
    })
    .await;
    assert_eq!(new_app_from(&second, "203.0.113.9").await, StatusCode::OK);
}

/// The settings listeners' backends on `app`'s database.
async fn listeners(app: &TestApp) -> Vec<i32> {
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 \
               ORDER BY pid";
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, [LISTENER_NAME.into()]);
    let rows = app.state.db.write.query_all_raw(statement).await.unwrap();
    rows.iter().map(|row| row.try_get::<i32>("", "pid").unwrap()).collect()
}

#[tokio::test]
async fn the_listener_reconnects_after_its_connection_is_killed_and_catches_up() {
    let app = TestApp::new().await;
    if app.state.db.backend() != DbBackend::Postgres {
        return;
    }
    let second = app.sharing(|_| {}).await;
    let token = app.admin_token().await;
    until(Duration::from_secs(5), "both processes listen", || async { listeners(&app).await.len() == 2 }).await;
    following(&app, &second, &token).await;
    let before = listeners(&app).await;
    // A change whose notification never comes: the other process keeps its settings (nothing
    // reads them per request)...
    let db = &app.state.db.write;
    db.execute_unprepared("ALTER TABLE config_version DISABLE TRIGGER config_version_notify").await.unwrap();
    save(&app, &token, instance_name("Unannounced")).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(title(&second).await, json!("Following"));
    db.execute_unprepared("ALTER TABLE config_version ENABLE TRIGGER config_version_notify").await.unwrap();
    // ...until its listener's connection is killed: it reconnects and checks once.
    let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                WHERE datname = current_database() AND application_name = $1";
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, kill, [LISTENER_NAME.into()])).await.unwrap();
    let took = until_title(&second, "Unannounced", Duration::from_secs(2)).await;
    println!("caught up {took:?} after the kill");
    until(Duration::from_secs(5), "both listen again", || async {
        let now = listeners(&app).await;
        now.len() == 2 && now.iter().all(|pid| !before.contains(pid))
    })
    .await;
    // And the new connections hear the next change.
    save(&second, &token, instance_name("Heard again")).await;
    until_title(&app, "Heard again", WITHIN).await;
}

/// A `pleroma-gateway serve` process, stopped when dropped.
struct Served(std::process::Child, String);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The built binary serving `app`'s database, once it answers.
async fn serve_binary(app: &TestApp) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(app.data_dir.join("served"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let served = Served(child, format!("http://127.0.0.1:{port}"));
    until(Duration::from_secs(20), "the server came up", || async {
        app.client.get(format!("{}/api/v1/instance", served.1)).send().await.is_ok()
    })
    .await;
    served
}

#[tokio::test]
async fn a_real_second_process_follows_changes_and_restarts() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let served = serve_binary(&app).await;
    let get = |path: &str| {
        let request = app.client.get(format!("{}{path}", served.1)).bearer_auth(&token);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(get("/api/v1/instance").await["title"], json!("Pleroma Gateway"));
    save(&app, &token, instance_name("Seen by the binary")).await;
    let started = Instant::now();
    until(WITHIN, "the binary applied the change", || async {
        get("/api/v1/instance").await["title"] == json!("Seen by the binary")
    })
    .await;
    println!("the binary applied the change after {:?}", started.elapsed());
    // A reboot-time change needs a restart there too; a restart through the binary clears both.
    let limit = json!([{"group": ":pleroma", "key": ":rate_limit",
        "value": [{"tuple": [":oauth_app_creation", {"tuple": [60000, 1]}]}]}]);
    save(&app, &token, limit).await;
    until(WITHIN, "the binary needs a reboot", || async {
        get("/api/v1/pleroma/admin/need_reboot").await == json!({"need_reboot": true})
    })
    .await;
    assert_eq!(get("/api/pleroma/admin/restart").await, json!({}));
    assert_eq!(get("/api/v1/pleroma/admin/need_reboot").await, json!({"need_reboot": false}));
    until(WITHIN, "need_reboot cleared here", || async { !need_reboot(&app, &token).await }).await;
}
