//! The content lists admin-fe opens first: `GET /admin/reports` and `GET /admin/statuses` (page
//! of 50), through the REST facade, as the same GraphQL operation sent to `/graphql`, and as the
//! raw SQL those requests sent — captured from the server's own connections with their bound
//! values and replayed one after another — in one process, on a seeded instance.
//!
//! cargo bench --bench content                          # SQLite
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench content
//!
//! Knobs: BENCH_USERS (100000), BENCH_STATUSES (1000000), BENCH_REPORTS (10000),
//! BENCH_CLIENTS (1), BENCH_REQUESTS (300 per mode).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use pleroma_gateway::seed;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

mod common;

use common::{env, serve_seeded, BenchServer};

/// Latencies of `requests` requests from `clients` concurrent clients, sorted.
async fn run(
    clients: usize,
    requests: usize,
    make: impl Fn() -> reqwest::RequestBuilder + Clone + Send + 'static,
) -> Vec<Duration> {
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
                let body: Value = response.json().await.expect("body");
                assert!(body.get("errors").is_none(), "{body}");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    latencies.sort();
    latencies
}

fn at(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

/// The operation a REST row runs (fragments included), by its path.
fn operation_of(server: &BenchServer, path: &str) -> String {
    let route = server
        .facade
        .routes
        .iter()
        .find(|r| r.route.path == path && r.route.method == axum::http::Method::GET)
        .expect("route");
    route.operation.as_ref().expect("operation row").text.clone()
}

#[tokio::main]
async fn main() {
    let users = env("BENCH_USERS", 100_000);
    let statuses = env("BENCH_STATUSES", 1_000_000);
    let reports = env("BENCH_REPORTS", 10_000);
    let clients = env("BENCH_CLIENTS", 1);
    let requests = env("BENCH_REQUESTS", 300);
    let server = serve_seeded(users).await;
    let existing = entity::status::Entity::find().count(&server.db.read).await.unwrap() as usize;
    if existing < statuses / 2 {
        let started = Instant::now();
        let options =
            seed::ContentOptions { statuses, reports, seed: 11, instance_url: "http://localhost:4000".into() };
        let written = seed::seed_content(&server.db.write, &options).await.expect("seed content");
        println!("seeded {written:?} in {:.1}s", started.elapsed().as_secs_f64());
    }
    let counted = |table: &'static str| {
        let db = server.db.read.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM {table}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    println!(
        "{}: {} users, {} statuses, {} reports; {clients} client(s) x {requests} requests per mode",
        server.backend,
        counted("users").await,
        counted("statuses").await,
        counted("reports").await
    );
    println!("| list | mode | statements | p50 ms | p99 ms | ratio to raw (p50) |\n| --- | --- | ---: | ---: | ---: | ---: |");
    let client = reqwest::Client::new();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (name, path, query, variables) in [
        ("reports", "/api/v1/pleroma/admin/reports", "page_size=50", json!({"page_size": 50})),
        (
            "statuses",
            "/api/v1/pleroma/admin/statuses",
            "page_size=50&godmode=true",
            json!({"page_size": 50, "godmode": true}),
        ),
    ] {
        let url = format!("http://{}{path}?{query}", server.addr);
        let rest = {
            let (client, url, token) = (client.clone(), url.clone(), server.token.clone());
            move || client.get(&url).bearer_auth(&token)
        };
        let graphql = {
            let (client, url, token) =
                (client.clone(), format!("http://{}/graphql", server.addr), server.token.clone());
            let body = json!({ "query": operation_of(&server, path), "variables": variables });
            move || client.post(&url).bearer_auth(&token).json(&body)
        };
        // Warm up, then capture what one REST request sends.
        run(1, 20, rest.clone()).await;
        server.db.record();
        run(1, 1, rest.clone()).await;
        let sent = server.db.recorded();
        let rest_latencies = run(clients, requests, rest).await;
        let graphql_latencies = run(clients, requests, graphql).await;
        let mut raw = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            for statement in &sent {
                server.db.read.query_all_raw(statement.clone()).await.expect("raw statement");
            }
            raw.push(t.elapsed());
        }
        raw.sort();
        let raw_p50 = ms(at(&raw, 0.5));
        // Where the raw time goes: the slowest statements (best of five runs each).
        let mut costs = Vec::new();
        for statement in &sent {
            let mut best = Duration::MAX;
            for _ in 0..5 {
                let t = Instant::now();
                server.db.read.query_all_raw(statement.clone()).await.expect("raw statement");
                best = best.min(t.elapsed());
            }
            costs.push((best, statement.sql.chars().take(160).collect::<String>()));
        }
        costs.sort_by_key(|c| std::cmp::Reverse(c.0));
        for (cost, sql) in costs.iter().take(3) {
            eprintln!("{name}: {:.2} ms  {sql}", ms(*cost));
        }
        for (mode, latencies) in [("raw SQL", &raw), ("REST", &rest_latencies), ("GraphQL", &graphql_latencies)] {
            println!(
                "| {name} | {mode} | {} | {:.2} | {:.2} | {:.2}x |",
                sent.len(),
                ms(at(latencies, 0.5)),
                ms(at(latencies, 0.99)),
                ms(at(latencies, 0.5)) / raw_p50
            );
        }
    }
}
