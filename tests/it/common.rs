//! The test harness: a server per test over a fresh database, and helpers to make users,
//! tokens and requests.
#![allow(dead_code)]

use std::{
    path::PathBuf,
    sync::atomic::{AtomicU64, Ordering},
};

use entity::{oauth_token, user};
use pleroma_gateway::{
    config::Settings,
    db::Db,
    domain::{self, users::NewUser},
    AppState,
};
use reqwest::{header, Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Set,
};
use serde_json::Value;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The argon2 hash of [`PASSWORD`], made once per test process: every test user has the same
/// password, and hashing it again (a blocking argon2 run per user) is most of what making a user
/// costs. Hashing itself is tested through the API (registration, password changes, sign-in).
pub async fn password_hash() -> &'static str {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async { pleroma_gateway::auth::password::hash_blocking(PASSWORD).expect("hash") }).await
}

/// A running gateway over its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub data_dir: PathBuf,
    /// `(admin URL, database name)` of a per-test PostgreSQL database, dropped with the app.
    pg_database: Option<(String, String)>,
}

/// A response: status, headers and JSON body (`Value::Null` for an empty body).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

/// The content type of a form-encoded body.
pub const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";

/// The password every test user gets.
pub const PASSWORD: &str = "test-password";

/// A fresh database: a SQLite file in `data_dir`, or a new PostgreSQL database created through
/// `TEST_DATABASE_URL`. Returns its URL and, for PostgreSQL, what `Drop` needs to remove it.
pub async fn fresh_database(data_dir: &std::path::Path) -> (String, Option<(String, String)>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = format!(
                "gw_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                rand::random::<u32>()
            );
            let admin = Database::connect(&url).await.expect("connect to TEST_DATABASE_URL");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
            admin.close().await.ok();
            let (base, _) = url.rsplit_once('/').expect("database URL has a path");
            (format!("{base}/{name}"), Some((url, name)))
        }
        _ => (format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display()), None),
    }
}

/// The migrated database every test app copies (made once per test process): creating a
/// database from a template, or copying a file, is much cheaper than running every migration
/// for each of the suite's hundreds of apps.
enum Template {
    /// `(admin URL, template database name)`.
    Postgres(String, String),
    /// A migrated SQLite file.
    Sqlite(PathBuf),
}

static TEMPLATE: tokio::sync::OnceCell<Template> = tokio::sync::OnceCell::const_new();

async fn template() -> &'static Template {
    TEMPLATE
        .get_or_init(|| async {
            let dir = std::env::temp_dir().join(format!("gw-test-template-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("template dir");
            let (url, pg_database) = fresh_database(&dir).await;
            let db = Db::connect(&url).await.expect("connect to the template");
            db.migrate().await.expect("migrate the template");
            if pg_database.is_none() {
                db.write.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.expect("checkpoint");
            }
            // Every connection must be gone: PostgreSQL copies only an unused template, and
            // closing SQLite's last connection checkpoints its write-ahead log into the file.
            for pool in [&db.write, &db.read, &db.probe] {
                pool.close_by_ref().await.ok();
            }
            match pg_database {
                Some((admin_url, name)) => {
                    let admin = Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
                    drop_stale_databases(&admin).await;
                    let renamed = format!("gw_test_template_{}", std::process::id());
                    admin
                        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" RENAME TO \"{renamed}\""))
                        .await
                        .expect("name the template");
                    admin.close().await.ok();
                    Template::Postgres(admin_url, renamed)
                }
                None => Template::Sqlite(dir.join("test.db")),
            }
        })
        .await
}

/// Test databases of earlier test processes that are no longer running: the last apps of a
/// process are dropped by threads that the process's exit may cut short (CI drops every
/// `gw_test_%` database at the end anyway).
async fn drop_stale_databases(admin: &sea_orm::DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'gw\\_test\\_%'",
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else { continue };
        let rest = name.trim_start_matches("gw_test_").trim_start_matches("template_");
        let pid = rest.split('_').next().unwrap_or_default();
        if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
        }
    }
}

/// A fresh database with every migration applied: a copy of the process's [`template`].
pub async fn fresh_migrated_database(data_dir: &std::path::Path) -> (String, Option<(String, String)>) {
    match template().await {
        Template::Postgres(admin_url, template) => {
            let name = format!(
                "gw_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                rand::random::<u32>()
            );
            let admin = Database::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (base, _) = admin_url.rsplit_once('/').expect("database URL has a path");
            (format!("{base}/{name}"), Some((admin_url.clone(), name)))
        }
        Template::Sqlite(file) => {
            let path = data_dir.join("test.db");
            std::fs::copy(file, &path).expect("copy the template database");
            (format!("sqlite://{}?mode=rwc", path.display()), None)
        }
    }
}

/// Remove a database made by [`fresh_database`] (PostgreSQL; SQLite files go with their
/// directory).
pub async fn drop_database(pg_database: Option<(String, String)>) {
    if let Some((admin_url, name)) = pg_database {
        if let Ok(admin) = Database::connect(&admin_url).await {
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
            admin.close().await.ok();
        }
    }
}

impl TestApp {
    /// A gateway with default settings.
    pub async fn new() -> TestApp {
        TestApp::with_settings(|_| {}).await
    }

    /// A gateway whose settings `adjust` changes first.
    pub async fn with_settings(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::build(adjust, None).await
    }

    /// A gateway serving another route table (the engine's own tests).
    pub async fn with_facade(facade: pleroma_gateway::rest::Facade) -> TestApp {
        TestApp::build(|_| {}, Some(facade)).await
    }

    /// A gateway whose instance URL is the address it listens on (links in its nodeinfo work,
    /// for tests where another gateway talks to it).
    pub async fn self_addressed(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::build_at(adjust, None, true, None).await
    }

    /// A second gateway process over this one's database (its own data directory, pools,
    /// caches and settings handle), as another replica would be.
    pub async fn sharing(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::build_at(adjust, None, false, Some(self.state.settings().database_url.clone())).await
    }

    async fn build(adjust: impl FnOnce(&mut Settings), facade: Option<pleroma_gateway::rest::Facade>) -> TestApp {
        TestApp::build_at(adjust, facade, false, None).await
    }

    async fn build_at(
        adjust: impl FnOnce(&mut Settings),
        facade: Option<pleroma_gateway::rest::Facade>,
        own_url: bool,
        database: Option<String>,
    ) -> TestApp {
        let data_dir = std::env::temp_dir().join(format!(
            "gw-test-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let (url, pg_database) = match database {
            Some(url) => (url, None),
            None => fresh_migrated_database(&data_dir).await,
        };
        let mut settings = Settings::for_database(&url, &data_dir);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        if own_url {
            settings.instance_url = format!("http://{addr}");
        }
        adjust(&mut settings);
        let db = Db::connect(&url).await.expect("connect");
        let mut state = AppState::new(db, settings).expect("state");
        // Statement counts must not depend on how slow the machine is: a cached token serves
        // until a revoke or user change moves the auth generation, not for 10 s.
        state.token_cache =
            std::sync::Arc::new(pleroma_gateway::auth::TokenCache::with_ttl(std::time::Duration::from_secs(3600)));
        if let Some(facade) = facade {
            state.facade = std::sync::Arc::new(facade);
        }
        let app = pleroma_gateway::app(state.clone());
        // The server loop `main` serves with (timeouts, connection caps).
        let (server, proxies) = (state.settings().http_server.clone(), state.settings().remote_ip.proxies.clone());
        tokio::spawn(pleroma_gateway::app::server::serve(listener, app, server, proxies, std::future::pending()));
        TestApp { base: format!("http://{addr}"), client: reqwest::Client::new(), state, data_dir, pg_database }
    }

    /// Run every due background job to the end, in this task; returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        let runner = self.state.job_runner(pleroma_gateway::jobs::RunnerOptions::default());
        let mut ran = 0;
        while runner.run_once().await.expect("run a job") {
            ran += 1;
        }
        ran
    }

    /// Statements run so far (see `Db::statements`).
    pub fn statements(&self) -> u64 {
        self.state.db.statements()
    }

    /// Create a local user directly; `adjust` may change the row (roles, states) before saving.
    pub async fn user_with(&self, nickname: &str, adjust: impl FnOnce(&mut user::ActiveModel)) -> user::Model {
        let new = NewUser {
            nickname: nickname.into(),
            email: format!("{nickname}@example.org"),
            password: PASSWORD.into(),
            ..Default::default()
        };
        let hash = password_hash().await.to_string();
        let created = domain::users::insert_local(&self.state.db.write, &self.state.settings(), &new, hash)
            .await
            .expect("insert user");
        let mut row = created.into_active_model();
        adjust(&mut row);
        row.update(&self.state.db.write).await.expect("update user")
    }

    /// A plain local user.
    pub async fn user(&self, nickname: &str) -> user::Model {
        self.user_with(nickname, |_| {}).await
    }

    /// An admin.
    pub async fn admin(&self, nickname: &str) -> user::Model {
        self.user_with(nickname, |u| u.is_admin = Set(true)).await
    }

    /// A moderator.
    pub async fn moderator(&self, nickname: &str) -> user::Model {
        self.user_with(nickname, |u| u.is_moderator = Set(true)).await
    }

    /// A remote user on `domain`.
    pub async fn remote_user(&self, name: &str, domain: &str) -> user::Model {
        let nickname = format!("{name}@{domain}");
        self.user_with(&format!("tmp{}", rand::random::<u32>()), |u| {
            u.nickname = Set(nickname.clone());
            u.email = Set(None);
            u.local = Set(false);
            u.domain = Set(Some(domain.into()));
            u.password_hash = Set(None);
            u.ap_id = Set(format!("https://{domain}/users/{name}"));
        })
        .await
    }

    /// A token for `user` with `scopes`, issued directly (OAuth flows have their own tests).
    pub async fn token(&self, user: &user::Model, scopes: &str) -> String {
        let (app, _) = domain::oauth::create_app(
            &self.state.db.write,
            domain::oauth::NewApp {
                client_name: "test".into(),
                redirect_uris: "urn:ietf:wg:oauth:2.0:oob".into(),
                scopes: pleroma_gateway::auth::scopes::parse("read write follow push admin"),
                website: None,
                user_id: None,
            },
        )
        .await
        .expect("app");
        // Written directly, not through `issue_token` (which clamps scopes to the role): tests
        // also need the tokens issued before that clamp, such as a plain user's admin scope.
        let token = domain::oauth::random_secret();
        let now = chrono::Utc::now();
        oauth_token::ActiveModel {
            token: Set(domain::token_digest::digest(&token)),
            refresh_token: Set(domain::token_digest::digest(&domain::oauth::random_secret())),
            app_id: Set(app.id),
            user_id: Set(Some(user.id.clone())),
            scopes: Set(pleroma_gateway::auth::scopes::parse(scopes).join(" ")),
            valid_until: Set(now + chrono::Duration::seconds(3600)),
            inserted_at: Set(now),
            ..Default::default()
        }
        .insert(&self.state.db.write)
        .await
        .expect("token");
        token
    }

    /// An admin and an all-scopes token for them.
    pub async fn admin_token(&self) -> String {
        let admin = self.admin("admin").await;
        self.token(&admin, "read write follow push admin").await
    }

    /// Send a request; `body` is sent as JSON when given.
    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        Reply::from(req.send().await.expect("request")).await
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    /// Send a raw body of `content_type` with a token.
    pub async fn send_raw(&self, method: Method, path: &str, token: &str, content_type: &str, body: &str) -> Reply {
        let req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.to_string());
        Reply::from(req.send().await.expect("request")).await
    }

    /// PATCH with a token and a JSON body.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(token), Some(body)).await
    }

    /// A GraphQL request with a token.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let reply = self
            .request(
                Method::POST,
                "/graphql",
                token,
                Some(serde_json::json!({ "query": query, "variables": variables })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body
    }
}

/// Poll `check` until it gives `Some` (every 10 ms), failing naming `what` after `secs` seconds:
/// for what another task or process does in its own time. Tests wait for such an event, never
/// for a fixed time.
pub async fn eventually<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(std::time::Instant::now() < deadline, "gave up after {secs} s waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Send a request with HTTP Basic credentials.
pub async fn basic(app: &TestApp, method: Method, path: &str, user: &str, password: &str) -> Reply {
    let req = app.client.request(method, format!("{}{path}", app.base)).basic_auth(user, Some(password));
    Reply::from(req.send().await.expect("request")).await
}

/// List users with HTTP Basic credentials: whether `password` signs `nickname` in.
pub async fn sign_in(app: &TestApp, nickname: &str, password: &str) -> Reply {
    basic(app, Method::GET, "/api/v1/pleroma/admin/users", nickname, password).await
}

/// How many OAuth tokens a user holds.
pub async fn token_count(app: &TestApp, user: &user::Model) -> u64 {
    oauth_token::Entity::find()
        .filter(oauth_token::Column::UserId.eq(user.id.as_str()))
        .count(&app.state.db.read)
        .await
        .expect("count tokens")
}

/// A 204 with an empty body and a JSON content type.
pub fn assert_no_content(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_eq!(reply.text, "");
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
}

impl Reply {
    /// Read a response.
    pub async fn from(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text.clone()))
        };
        Reply { status, headers, body, text }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((admin_url, name)) = self.pg_database.take() {
            // Drop cannot await: remove the database from a thread with a runtime of its own,
            // not waited for (a drop takes seconds; the next test need not wait). FORCE ends the
            // connections the app's pools still hold. What the process's exit cuts short is
            // removed by the next run (`drop_stale_databases`).
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await.ok()?;
                    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok()?;
                    admin.close().await.ok()
                })
            });
        }
    }
}

/// Both prefixes of an `/api/v1/pleroma/...` path.
pub fn both_prefixes(v1_path: &str) -> [String; 2] {
    [v1_path.to_string(), v1_path.replacen("/api/v1/pleroma/", "/api/pleroma/", 1)]
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

/// Every path under `root`, folders as `name/` prefixes of their entries, sorted: for
/// "nothing written" checks.
pub fn paths_under(root: &std::path::Path) -> Vec<String> {
    fn walk(dir: &std::path::Path, prefix: &str, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &format!("{name}/"), out);
            }
            out.push(name);
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out.sort();
    out
}

/// A deflated zip of `(name, bytes)` entries; `patch` replaces a name's bytes after writing
/// (same length), so an archive can hold what the zip writer refuses to write.
pub fn zip_patched(entries: &[(&str, &[u8])], patch: Option<(&str, &str)>) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    if let Some((from, to)) = patch {
        assert_eq!(from.len(), to.len());
        let (from, to) = (from.as_bytes(), to.as_bytes());
        for i in 0..=bytes.len() - from.len() {
            if &bytes[i..i + from.len()] == from {
                bytes[i..i + from.len()].copy_from_slice(to);
            }
        }
    }
    bytes
}
