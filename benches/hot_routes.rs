//! The hot, cheap routes: `GET /api/v1/instance`, `GET /nodeinfo/2.1.json`, and `{ __typename }`
//! over GraphQL without and with a bearer token, and the admin user list at page 1 and page 1000, by concurrent clients on loopback against an
//! in-process server over a seeded database.
//!
//! cargo bench --bench hot_routes                       # SQLite, 100k users
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench hot_routes
//!
//! Knobs: BENCH_USERS (100000), BENCH_CLIENTS (4), BENCH_REQUESTS (4000 per mode).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::json;

mod common;

use common::{env, serve_seeded, BenchServer};

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
    let BenchServer { addr, token, backend, .. } = serve_seeded(users).await;
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
