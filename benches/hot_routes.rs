//! The hot, cheap routes: `GET /api/v1/instance`, `GET /nodeinfo/2.1.json`, and `{ __typename }`
//! over GraphQL without and with a bearer token, and the admin user list at page 1 and page 1000, by concurrent clients on loopback against an
//! in-process server over a seeded database.
//!
//! cargo bench --bench hot_routes                       # SQLite, 100k users
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench hot_routes
//!
//! Knobs: BENCH_USERS (100000), BENCH_CLIENTS (4), BENCH_REQUESTS (4000 per mode).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use pleroma_gateway::{config::Settings, db::Db, domain, seed, AppState};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `requests` requests from `clients` concurrent clients: (p50, p99, requests per second).
async fn run(
    clients: usize,
    requests: usize,
    make: impl Fn() -> reqwest::RequestBuilder + Clone + Send + 'static,
) -> (Duration, Duration, f64) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let make = make.clone();
        let share = requests / clients + usize::from(c < requests % clients);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for _ in 0..share {
                let t = Instant::now();
                let response = make().send().await.expect("request");
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.expect("body");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    (at(0.5), at(0.99), latencies.len() as f64 / elapsed.as_secs_f64())
}

#[tokio::main]
async fn main() {
    let users = env("BENCH_USERS", 100_000);
    let clients = env("BENCH_CLIENTS", 4);
    let requests = env("BENCH_REQUESTS", 4000);
    let dir = std::env::temp_dir().join("pleroma-gateway-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join(format!("bench-{users}.db")).display()));
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let settings = Settings::for_database(&url, &dir);
    let existing = entity::user::Entity::find().count(&db.read).await.unwrap();
    if existing < users as u64 {
        let started = Instant::now();
        let hash = pleroma_gateway::auth::password::hash_blocking("password").unwrap();
        let opts = seed::SeedOptions {
            users: users - existing as usize,
            remote_share: 0.3,
            seed: 7 + existing,
            instance_host: settings.host(),
            instance_url: settings.instance_url.clone(),
        };
        seed::seed_users(&db.write, &opts, &hash).await.expect("seed");
        println!("seeded {} users in {:.1}s", opts.users, started.elapsed().as_secs_f64());
    }
    let backend = format!("{:?}", db.backend());
    let admin = match domain::users::find_by_nickname(&db.read, "benchadmin").await.unwrap() {
        Some(admin) => admin,
        None => {
            let new = domain::users::NewUser {
                nickname: "benchadmin".into(),
                email: "benchadmin@example.org".into(),
                password: "password".into(),
                is_admin: true,
                ..Default::default()
            };
            let hash = pleroma_gateway::auth::password::hash(new.password.clone()).await.unwrap();
            domain::users::insert_local(&db.write, &settings, &new, hash).await.unwrap()
        }
    };
    let (app, _) = domain::oauth::create_app(
        &db.write,
        domain::oauth::NewApp {
            client_name: "bench".into(),
            redirect_uris: "urn:ietf:wg:oauth:2.0:oob".into(),
            scopes: vec!["admin".into()],
            website: None,
            user_id: None,
        },
    )
    .await
    .unwrap();
    let token =
        domain::oauth::issue_token(&db.write, &app, Some(admin.id), &["admin".into()], 3600).await.unwrap().token;

    let state = AppState::new(db, settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, pleroma_gateway::app(state).into_make_service_with_connect_info::<SocketAddr>())
            .await
            .ok();
    });
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let (client, url) = (client.clone(), format!("http://{addr}{path}"));
        move || client.get(&url)
    };
    let typename = |token: Option<String>| {
        let (client, url) = (client.clone(), format!("http://{addr}/graphql"));
        move || {
            let request = client.post(&url).json(&json!({ "query": "{ __typename }" }));
            match &token {
                Some(token) => request.bearer_auth(token),
                None => request,
            }
        }
    };
    println!("{backend}: {users} users; {clients} clients x {requests} requests per mode");
    println!("| route | p50 ms | p99 ms | req/s |\n| --- | ---: | ---: | ---: |");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut figures = Vec::new();
    for (name, requests) in [
        ("GET /api/v1/instance", requests),
        ("GET /nodeinfo/2.1.json", requests),
        ("{ __typename } anonymous", requests),
        ("{ __typename } with a bearer token", requests),
        ("GET /admin/users?page_size=50&page=1", requests / 10),
        ("GET /admin/users?page_size=50&page=1000", requests / 10),
    ] {
        let (p50, p99, rate) = match name {
            "GET /api/v1/instance" => {
                run(clients, requests / 10, get("/api/v1/instance")).await;
                run(clients, requests, get("/api/v1/instance")).await
            }
            "GET /nodeinfo/2.1.json" => {
                run(clients, requests / 10, get("/nodeinfo/2.1.json")).await;
                run(clients, requests, get("/nodeinfo/2.1.json")).await
            }
            "{ __typename } anonymous" => {
                run(clients, requests / 10, typename(None)).await;
                run(clients, requests, typename(None)).await
            }
            "{ __typename } with a bearer token" => {
                run(clients, requests / 10, typename(Some(token.clone()))).await;
                run(clients, requests, typename(Some(token.clone()))).await
            }
            _ => {
                let page = name.rsplit('=').next().unwrap_or("1");
                let (client, token) = (client.clone(), token.clone());
                let url = format!("http://{addr}/api/v1/pleroma/admin/users?page_size=50&page={page}");
                let list = move || client.get(&url).bearer_auth(&token);
                run(clients, requests / 10, list.clone()).await;
                run(clients, requests, list).await
            }
        };
        println!("| {name} | {:.2} | {:.2} | {rate:.0} |", ms(p50), ms(p99));
        figures.push(rate);
    }
    println!("anonymous / authenticated throughput: {:.2}", figures[2] / figures[3]);
    println!("page 1000 / page 1 p50 cost: {:.2}", figures[4] / figures[5]);
}
