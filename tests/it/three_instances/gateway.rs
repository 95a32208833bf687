//! One real `pleroma-gateway serve` process for the three-instance suite: its own loopback
//! address (so each is its own host to the policies and the reachability marks), data directory,
//! database, config file and JSON log; users made with the CLI, driven over HTTP, killed on drop.
use std::{
    future::Future,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use reqwest::{Method, StatusCode};
use sea_orm::{Database, DatabaseConnection};
use serde_json::{json, Value};

use crate::common::{fresh_migrated_database, Reply, PASSWORD};

/// Every rate limit off: the suite sends more than a person would, all from loopback. Fewer job
/// workers than the default: each holds a database connection while it polls, and four
/// processes share one PostgreSQL server (and its connection limit) with the other tests.
const CONFIG: &str = "[rate_limit]\nauthentication = false\ntimeline = false\nsearch = false\n\
app_account_creation = false\noauth_app_creation = false\nrelations_actions = false\n\
relation_id_action = false\nstatuses_actions = false\nstatus_id_action = false\nap_routes = false\n\
[jobs]\nfederation = 2\ndefault = 1\nslow = 1\npurge = 1\n";

/// Wait until `check` gives `Some`, polling; fail naming `what` after `secs` seconds.
pub async fn until<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "gave up after {secs} s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A running gateway process.
pub struct Gateway {
    /// Where this process listens (`http://IP:PORT`).
    pub base: String,
    /// The instance's URL (a replica's is its original's).
    pub instance_url: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    listen: String,
    log: PathBuf,
    child: Option<Child>,
    /// `(admin URL, database name)` of the PostgreSQL database this process made.
    pg_database: Option<(String, String)>,
    /// The OAuth app's `(client_id, client_secret)`.
    app: (String, String),
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gw-three-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn free_port(ip: &str) -> u16 {
    std::net::TcpListener::bind((ip, 0)).expect("bind").local_addr().unwrap().port()
}

impl Gateway {
    /// A new instance on `ip` (a 127.0.0.0/8 address) over a fresh database.
    pub async fn start(ip: &str) -> Gateway {
        let data_dir = temp_dir();
        let (database_url, pg_database) = fresh_migrated_database(&data_dir).await;
        let listen = format!("{ip}:{}", free_port(ip));
        let instance_url = format!("http://{listen}");
        Gateway::launch(data_dir, database_url, pg_database, listen, instance_url).await
    }

    /// A second process of this instance: same database and instance URL, its own port and
    /// data directory (a replica behind a load balancer).
    pub async fn replica(&self) -> Gateway {
        let ip = self.listen.rsplit_once(':').unwrap().0.to_string();
        let listen = format!("{ip}:{}", free_port(&ip));
        Gateway::launch(temp_dir(), self.database_url.clone(), None, listen, self.instance_url.clone()).await
    }

    async fn launch(
        data_dir: PathBuf,
        database_url: String,
        pg_database: Option<(String, String)>,
        listen: String,
        instance_url: String,
    ) -> Gateway {
        std::fs::write(data_dir.join("config.toml"), CONFIG).unwrap();
        let mut gateway = Gateway {
            base: format!("http://{listen}"),
            instance_url,
            database_url,
            log: data_dir.join("log.jsonl"),
            data_dir,
            // No idle connections kept: the server may close one just as it is reused.
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            listen,
            child: None,
            pg_database,
            app: Default::default(),
        };
        gateway.spawn();
        let health = format!("{}/api/v1/pleroma/healthcheck", gateway.base);
        let client = gateway.client.clone();
        until("the server to come up", 30, || {
            let (client, health) = (client.clone(), health.clone());
            async move { client.get(&health).send().await.ok().filter(|r| r.status().is_success()) }
        })
        .await;
        let form = [
            ("client_name", "three"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ("scopes", "read write follow push admin"),
        ];
        let reply =
            Reply::from(gateway.client.post(format!("{}/api/v1/apps", gateway.base)).form(&form).send().await.unwrap())
                .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        gateway.app = (
            reply.body["client_id"].as_str().unwrap().to_string(),
            reply.body["client_secret"].as_str().unwrap().to_string(),
        );
        gateway
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"));
        command
            .args(["--database-url", &self.database_url, "--data-dir"])
            .arg(&self.data_dir)
            .args(["--instance-url", &self.instance_url, "--listen", &self.listen])
            .args(["--http-allow-private-addresses", "true", "--config"])
            .arg(self.data_dir.join("config.toml"))
            .stdin(Stdio::null());
        command
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = self
            .command()
            .args(["--log-format", "json", "serve"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the gateway");
        self.child = Some(child);
    }

    /// Stop the process at once (SIGKILL: a crash or a pulled cable, not a clean shutdown).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// This instance's host, as policies and reachability marks name it.
    pub fn host(&self) -> String {
        self.listen.rsplit_once(':').unwrap().0.to_string()
    }

    /// `nickname@host:port`, as a mention or a search names a user of this instance.
    pub fn acct(&self, nickname: &str) -> String {
        format!("{nickname}@{}", self.instance_url.trim_start_matches("http://"))
    }

    /// Create a user with the CLI and sign in over OAuth (password grant); its token.
    pub async fn user(&self, nickname: &str, admin: bool) -> String {
        let mut command = self.command();
        command.args(["user", "new", nickname, &format!("{nickname}@example.org"), "--password", PASSWORD]);
        if admin {
            command.arg("--admin");
        }
        let out = command.env("RUST_LOG", "warn").output().unwrap();
        assert!(out.status.success(), "user new: {}", String::from_utf8_lossy(&out.stderr));
        self.sign_in(nickname).await
    }

    /// A fresh token for an existing user.
    pub async fn sign_in(&self, nickname: &str) -> String {
        let fields = [
            ("grant_type", "password"),
            ("client_id", self.app.0.as_str()),
            ("client_secret", self.app.1.as_str()),
            ("username", nickname),
            ("password", PASSWORD),
            ("scope", "read write follow push admin"),
        ];
        let response = self.client.post(format!("{}/oauth/token", self.base)).form(&fields).send().await.unwrap();
        let reply = Reply::from(response).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn request(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    /// `request`, asserting a 200; its body.
    pub async fn ok(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
        let reply = self.request(method.clone(), path, token, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{method} {path}: {}", reply.text);
        reply.body
    }

    /// The local id of `acct` (a user of another instance), resolved by WebFinger.
    pub async fn resolve(&self, token: &str, acct: &str) -> String {
        let found = self.ok(Method::GET, &format!("/api/v1/accounts/search?q={acct}&resolve=true"), token, None).await;
        let account = found.as_array().and_then(|a| a.first()).unwrap_or_else(|| panic!("{acct} not found: {found}"));
        account["id"].as_str().unwrap().to_string()
    }

    /// Follow `acct` and wait until the follow is accepted.
    pub async fn follow(&self, token: &str, acct: &str) -> String {
        let id = self.resolve(token, acct).await;
        self.ok(Method::POST, &format!("/api/v1/accounts/{id}/follow"), token, None).await;
        let path = format!("/api/v1/accounts/relationships?id[]={id}");
        until(&format!("{acct} to accept the follow"), 20, || async {
            let reply = self.get(&path, token).await;
            (reply.body[0]["following"] == true).then_some(())
        })
        .await;
        id
    }

    /// Post a status; its body.
    pub async fn post(&self, token: &str, body: Value) -> Value {
        self.ok(Method::POST, "/api/v1/statuses", token, Some(body)).await
    }

    /// The statuses of account `id` as this instance has them, newest first.
    pub async fn statuses_of(&self, token: &str, id: &str) -> Vec<Value> {
        let reply = self.get(&format!("/api/v1/accounts/{id}/statuses?limit=40"), token).await;
        reply.body.as_array().cloned().unwrap_or_default()
    }

    /// Wait until account `id`'s status whose text contains `text` is here; it.
    pub async fn arrived(&self, token: &str, id: &str, text: &str) -> Value {
        until(&format!("{text:?} to arrive on {}", self.base), 20, || async {
            self.statuses_of(token, id).await.into_iter().find(|s| s["content"].as_str().unwrap_or("").contains(text))
        })
        .await
    }

    /// Upload a small PNG; the media id.
    pub async fn upload(&self, token: &str) -> String {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        png.extend_from_slice(&[0; 64]);
        let part = reqwest::multipart::Part::bytes(png).file_name("dot.png").mime_str("image/png").unwrap();
        let form = reqwest::multipart::Form::new().part("file", part).text("description", "a dot");
        let response =
            self.client.post(format!("{}/api/v1/media", self.base)).bearer_auth(token).multipart(form).send().await;
        let reply = Reply::from(response.unwrap()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body["id"].as_str().unwrap().to_string()
    }

    /// Save settings through the admin config API.
    pub async fn configure(&self, admin: &str, configs: Value) {
        self.ok(Method::POST, "/api/v1/pleroma/admin/config", admin, Some(json!({ "configs": configs }))).await;
    }

    /// POSTs this process answered on an inbox (its log's request lines).
    pub fn inbox_posts(&self) -> usize {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|l| l["message"] == "answered" && l["span"]["method"] == "POST")
            .filter(|l| l["span"]["path"].as_str().is_some_and(|p| p.ends_with("/inbox")))
            .count()
    }

    /// A connection to the database, for moving times and reading job rows.
    pub async fn db(&self) -> DatabaseConnection {
        let mut options = sea_orm::ConnectOptions::new(&self.database_url);
        options.max_connections(1).sqlx_logging(false);
        Database::connect(options).await.expect("connect to the gateway's database")
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            // What went wrong on this side: its warnings and errors.
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            let lines: Vec<&str> = text
                .lines()
                .filter(|l| {
                    l.contains("\"WARN\"")
                        || l.contains("\"ERROR\"")
                        || l.contains("refused")
                        || l.contains("ignored")
                        || l.contains("\"status\":5")
                })
                .collect();
            eprintln!("--- {} ({}) warnings:\n{}", self.base, self.instance_url, lines.join("\n"));
            let kept = std::env::temp_dir().join(format!("gw-three-{}.jsonl", self.listen.replace(':', "-")));
            if std::fs::copy(&self.log, &kept).is_ok() {
                eprintln!("--- its whole log: {}", kept.display());
            }
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((admin_url, name)) = self.pg_database.take() {
            // As `TestApp`'s drop: from a thread with its own runtime (drop cannot await).
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await.ok()?;
                    let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    sea_orm::ConnectionTrait::execute_unprepared(&admin, &drop).await.ok()?;
                    admin.close().await.ok()
                })
            });
        }
    }
}
