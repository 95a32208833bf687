//! The content lists: the admin reports and statuses pages (page
//! of 50), through the REST facade, as the same GraphQL operation sent to `/graphql`, and as the
//! raw SQL those requests sent — captured from the server's own connections with their bound
//! values and replayed one after another — in one process, on a seeded instance.
//!
//! cargo bench --bench content                          # SQLite
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench content
//!
//! Knobs: BENCH_USERS (100000), BENCH_STATUSES (1000000), BENCH_REPORTS (10000),
//! BENCH_CLIENTS (1), BENCH_REQUESTS (300 per mode), BENCH_LISTS (comma-separated list names;
//! all when unset), BENCH_GROUPED_ROUNDS (5 whole `grouped_reports` bodies), BENCH_SHOW_SQL (set:
//! print every statement a list's request sent), BENCH_SQL_REQUESTS (raw replays and Pleroma-shape
//! runs, alternating; BENCH_REQUESTS when unset).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

mod common;
#[path = "content/pleroma_shape.rs"]
mod pleroma_shape;

use common::{env, serve_seeded, BenchServer};
use pleroma_shape::Shape;

/// A list measured: its name, the REST path with its query, and the route's path with the
/// GraphQL variables when the GraphQL mode is measured too.
type Case = (&'static str, String, Option<(&'static str, Value)>);

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
    // The account with the most posts, a remote host with many accounts, a status's id.
    let first = |sql: &'static str| {
        let db = server.db.read.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .expect(sql);
            row.try_get_by_index::<String>(0).unwrap()
        }
    };
    let (nickname, account_id) = (
        first("SELECT nickname FROM users WHERE local = TRUE ORDER BY statuses_count DESC LIMIT 1").await,
        first("SELECT id FROM users WHERE local = TRUE ORDER BY statuses_count DESC LIMIT 1").await,
    );
    let host = first(
        "SELECT domain FROM users WHERE domain IS NOT NULL AND domain <> '' GROUP BY domain ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .await;
    let viewer = first("SELECT id FROM users WHERE nickname = 'benchadmin'").await;
    let shape_of = |name: &str| match name {
        "reports" => Some(Shape::Reports),
        "statuses" => Some(Shape::Statuses),
        "user_statuses" => Some(Shape::UserStatuses { nickname: nickname.clone() }),
        "instance_statuses" => Some(Shape::InstanceStatuses { host: host.clone() }),
        "account_timeline" => Some(Shape::AccountTimeline { account_id: account_id.clone() }),
        _ => None,
    };
    let mut summary = Vec::new();
    let lists = std::env::var("BENCH_LISTS").unwrap_or_default();
    let wanted = |name: &str| lists.is_empty() || lists.split(',').any(|l| l == name);
    println!("| list | mode | statements | p50 ms | p99 ms | ratio to raw (p50) |\n| --- | --- | ---: | ---: | ---: | ---: |");
    let client = reqwest::Client::new();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // (name, REST path with its query, the route's path and the GraphQL variables when the
    // GraphQL mode is measured too).
    let cases: Vec<Case> = vec![
        (
            "reports",
            "/api/v1/pleroma/admin/reports?page_size=50".into(),
            Some(("/api/v1/pleroma/admin/reports", json!({"page_size": 50}))),
        ),
        (
            "statuses",
            "/api/v1/pleroma/admin/statuses?page_size=50&godmode=true".into(),
            Some(("/api/v1/pleroma/admin/statuses", json!({"page_size": 50, "godmode": true}))),
        ),
        ("user_statuses", format!("/api/v1/pleroma/admin/users/{nickname}/statuses?page_size=50&godmode=true"), None),
        ("instance_statuses", format!("/api/v1/pleroma/admin/instances/{host}/statuses?page_size=50"), None),
        ("account_timeline", format!("/api/v1/accounts/{account_id}/statuses?limit=40"), None),
        ("moderation_log", "/api/v1/pleroma/admin/moderation_log?page_size=50".into(), None),
        ("chats", format!("/api/v1/pleroma/admin/users/{nickname}/chats"), None),
        ("stats", "/api/v1/pleroma/admin/stats".into(), None),
        ("stats_instance", format!("/api/v1/pleroma/admin/stats?instance={host}"), None),
        ("instance", "/api/v1/instance".into(), None),
        ("verify_credentials", "/api/v1/accounts/verify_credentials".into(), None),
    ];
    for (name, path_and_query, graphql) in cases {
        if !wanted(name) {
            continue;
        }
        let url = format!("http://{}{path_and_query}", server.addr);
        let rest = {
            let (client, url, token) = (client.clone(), url.clone(), server.token.clone());
            move || client.get(&url).bearer_auth(&token)
        };
        // Warm up, then capture what one REST request sends.
        run(1, 20, rest.clone()).await;
        server.db.record();
        run(1, 1, rest.clone()).await;
        let sent = server.db.recorded();
        if std::env::var_os("BENCH_SHOW_SQL").is_some() {
            for statement in &sent {
                eprintln!("{name}: {}", statement.sql);
            }
        }
        let rest_latencies = run(clients, requests, rest).await;
        let graphql_latencies = match graphql {
            Some((path, variables)) => {
                let (client, url, token) =
                    (client.clone(), format!("http://{}/graphql", server.addr), server.token.clone());
                let body = json!({ "query": operation_of(&server, path), "variables": variables });
                Some(run(clients, requests, move || client.post(&url).bearer_auth(&token).json(&body)).await)
            }
            None => None,
        };
        // The raw replay and Pleroma's shape of the same page alternate, so that both see the
        // same load; `BENCH_SQL_REQUESTS` of each (they are cheap beside the REST requests).
        let sql_requests = env("BENCH_SQL_REQUESTS", requests);
        let shape = shape_of(name);
        let size = if name == "account_timeline" { 40 } else { 50 };
        let (mut raw, mut shape_latencies, mut shape_statements) =
            (Vec::with_capacity(sql_requests), Vec::with_capacity(sql_requests), 0);
        for _ in 0..sql_requests {
            let t = Instant::now();
            for statement in &sent {
                server.db.read.query_all_raw(statement.clone()).await.expect("raw statement");
            }
            raw.push(t.elapsed());
            if let Some(shape) = &shape {
                let t = Instant::now();
                shape_statements = pleroma_shape::run(&server.db.read, shape, &viewer, size).await;
                shape_latencies.push(t.elapsed());
            }
        }
        raw.sort();
        let raw_p50 = ms(at(&raw, 0.5)).max(0.001);
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
        shape_latencies.sort();
        let shape = shape.map(|_| (shape_statements, shape_latencies));
        summary.push((
            name,
            sent.len(),
            raw_p50,
            ms(at(&rest_latencies, 0.5)),
            shape.as_ref().map(|(n, l)| (*n, ms(at(l, 0.5)).max(0.001))),
        ));
        let mut rows = vec![("raw SQL", &raw), ("REST", &rest_latencies)];
        if let Some(latencies) = &graphql_latencies {
            rows.push(("GraphQL", latencies));
        }
        for (mode, latencies) in rows {
            println!(
                "| {name} | {mode} | {} | {:.2} | {:.2} | {:.2}x |",
                sent.len(),
                ms(at(latencies, 0.5)),
                ms(at(latencies, 0.99)),
                ms(at(latencies, 0.5)) / raw_p50
            );
        }
    }
    println!(
        "\n| list | REST statements | Pleroma-shape statements | raw p50 ms | Pleroma-shape p50 ms | REST p50 ms | REST/raw | REST/Pleroma-shape |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (name, statements, raw, rest, shape) in summary {
        let (shape_n, shape_p50, ratio) = match shape {
            Some((n, p50)) => (n.to_string(), format!("{p50:.2}"), format!("{:.2}x", rest / p50)),
            None => ("—".into(), "—".into(), "—".into()),
        };
        println!(
            "| {name} | {statements} | {shape_n} | {raw:.2} | {shape_p50} | {rest:.2} | {:.2}x | {ratio} |",
            rest / raw
        );
    }
    if wanted("grouped_reports") {
        grouped_reports(&server, &client).await;
    }
}

/// `VmRSS`, `RssAnon` and `VmHWM` (the peak) of this process, in MiB.
fn memory() -> (f64, f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kib("VmRSS:"), kib("RssAnon:"), kib("VmHWM:"))
}

/// `GET /admin/grouped_reports`: the whole list in one streamed body. Reports the time to the
/// last byte, the body's size and groups, the statements sent, and the process's peak RSS
/// during the request (the peak is reset first: `/proc/self/clear_refs`).
async fn grouped_reports(server: &BenchServer, client: &reqwest::Client) {
    let url = format!("http://{}/api/v1/pleroma/admin/grouped_reports", server.addr);
    let rounds = env("BENCH_GROUPED_ROUNDS", 5);
    println!("\n| grouped_reports round | groups | body MiB | statements | headers s | time s | VmRSS before MiB | peak VmHWM MiB | RssAnon after MiB |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for round in 0..rounds {
        let (before, _, _) = memory();
        // Writing 5 resets the peak resident set size (VmHWM) to the current one.
        std::fs::write("/proc/self/clear_refs", "5").ok();
        let statements = server.db.statements();
        let t = Instant::now();
        let mut response = client.get(&url).bearer_auth(&server.token).send().await.expect("request");
        let headers = t.elapsed();
        assert!(response.status().is_success(), "{}", response.status());
        // The body is taken a chunk at a time and dropped (the client shares the process):
        // its size, and the groups counted by their one `"actors":` key each.
        let (mut size, mut groups, mut tail) = (0usize, 0usize, Vec::new());
        while let Some(chunk) = response.chunk().await.expect("body") {
            size += chunk.len();
            tail.extend_from_slice(&chunk);
            groups += tail.windows(9).filter(|w| w == b"\"actors\":").count();
            tail = tail.split_off(tail.len().saturating_sub(8));
        }
        let elapsed = t.elapsed();
        let sent = server.db.statements() - statements;
        let (_, anon, peak) = memory();
        println!(
            "| {round} | {groups} | {:.1} | {sent} | {:.3} | {:.3} | {before:.0} | {peak:.0} | {anon:.0} |",
            size as f64 / 1048576.0,
            headers.as_secs_f64(),
            elapsed.as_secs_f64()
        );
    }
}
