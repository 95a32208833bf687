//! The test harness: a server per test over a fresh database, and helpers to make users,
//! tokens and requests.
#![allow(dead_code)]

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::atomic::{AtomicU64, Ordering},
};

use entity::user;
use pleroma_gateway::{
    config::Settings,
    db::Db,
    domain::{self, users::NewUser},
    AppState,
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, IntoActiveModel, Set};
use serde_json::Value;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A running gateway over its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub data_dir: PathBuf,
}

/// A response: status, headers and JSON body (`Value::Null` for an empty body).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

/// The password every test user gets.
pub const PASSWORD: &str = "test-password";

async fn database_url(data_dir: &std::path::Path) -> String {
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
            let (base, _) = url.rsplit_once('/').expect("database URL has a path");
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display()),
    }
}

impl TestApp {
    /// A gateway with default settings.
    pub async fn new() -> TestApp {
        TestApp::with_settings(|_| {}).await
    }

    /// A gateway whose settings `adjust` changes first.
    pub async fn with_settings(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = std::env::temp_dir().join(format!(
            "gw-test-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let url = database_url(&data_dir).await;
        let mut settings = Settings::for_database(&url, &data_dir);
        settings.instance.login_attempts_per_minute = 1000;
        adjust(&mut settings);
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        let state = AppState::new(db, settings).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = pleroma_gateway::app(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.ok();
        });
        TestApp { base: format!("http://{addr}"), client: reqwest::Client::new(), state, data_dir }
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
        let hash = pleroma_gateway::auth::password::hash(new.password.clone()).await.expect("hash");
        let created = domain::users::insert_local(&self.state.db.write, &self.state.settings, &new, hash)
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
        let app = domain::oauth::create_app(
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
        let scopes = pleroma_gateway::auth::scopes::parse(scopes);
        domain::oauth::issue_token(&self.state.db.write, &app, Some(user.id.clone()), &scopes, 3600)
            .await
            .expect("token")
            .token
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
