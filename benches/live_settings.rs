//! What reading the settings costs a cheap route (issue 31 §4): requests per second of
//! `GET /api/v1/instance` and `GET /nodeinfo/2.1.json` (both read the settings in force) against
//! routes that read none — the gateway's `GET /graphql/assets/page.css` (a static asset behind
//! the same middleware) and a bare axum route in the same process (no gateway at all) — by
//! concurrent clients on loopback, in alternating rounds so that a drift of the machine's speed
//! favours no route. Reports each route's median req/s over the rounds, its ratio to the two
//! references, and the CPU time per request of the whole process (server and clients) with, on
//! PostgreSQL, the backends serving the database, also less the bare route's.
//!
//! cargo bench --bench live_settings                       # SQLite
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/gw_bench cargo bench --bench live_settings
//!
//! Knobs: BENCH_USERS (1000), BENCH_CLIENTS (4), BENCH_REQUESTS (2000 per route and round),
//! BENCH_ROUNDS (5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

mod common;

use common::{env, serve_seeded, BenchServer};

/// PostgreSQL's client backends serving the benchmark's database (noted after the warm-up).
static SERVER_PIDS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// CPU time so far, in ns, of every thread of this process (`/proc/self/task/*/schedstat`) and
/// of the PostgreSQL backends noted (`/proc/<pid>/schedstat`).
fn cpu_ns() -> u64 {
    let first = |path: std::path::PathBuf| {
        let stat = std::fs::read_to_string(path).unwrap_or_default();
        stat.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()).unwrap_or(0)
    };
    let tasks = std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten();
    let own: u64 = tasks.map(|task| first(task.path().join("schedstat"))).sum();
    let pids = SERVER_PIDS.lock().map(|pids| pids.clone()).unwrap_or_default();
    own + pids.iter().map(|pid| first(format!("/proc/{pid}/schedstat").into())).sum::<u64>()
}

/// On PostgreSQL, note the client backends serving this database now (the pools are warm).
async fn note_server_pids(server: &BenchServer) {
    use sea_orm::ConnectionTrait;
    if server.backend != "Postgres" {
        return;
    }
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'";
    let statement = sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql);
    let rows = server.db.read.query_all_raw(statement).await.expect("backends");
    let pids = rows.iter().filter_map(|row| row.try_get::<i32>("", "pid").ok()).map(|pid| pid as u32).collect();
    *SERVER_PIDS.lock().expect("pids") = pids;
}

/// `requests` GETs of `url` from `clients` concurrent clients: (requests per second, CPU µs
/// per request of the whole process, server and clients).
async fn rate(client: &reqwest::Client, clients: usize, requests: usize, url: &str) -> (f64, f64) {
    let (started, cpu) = (Instant::now(), cpu_ns());
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, url) = (client.clone(), url.to_string());
        let share = requests / clients + usize::from(c < requests % clients);
        tasks.push(tokio::spawn(async move {
            for _ in 0..share {
                let response = client.get(&url).send().await.expect("request");
                assert!(response.status().is_success(), "{url}: {}", response.status());
                response.bytes().await.expect("body");
            }
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
    let elapsed = started.elapsed().as_secs_f64();
    (requests as f64 / elapsed, cpu_ns().saturating_sub(cpu) as f64 / 1000.0 / requests as f64)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[tokio::main]
async fn main() {
    let users = env("BENCH_USERS", 1000);
    let clients = env("BENCH_CLIENTS", 4);
    let requests = env("BENCH_REQUESTS", 2000);
    let rounds = env("BENCH_ROUNDS", 5);
    let server = serve_seeded(users).await;
    let (addr, backend) = (server.addr, server.backend.clone());
    // The reference: an axum route in the same process, no gateway middleware, no settings.
    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bare_addr = bare.local_addr().unwrap();
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "{\"ok\":true}" }));
    tokio::spawn(async move { axum::serve(bare, router).await.ok() });
    let routes = [
        ("GET /api/v1/instance", format!("http://{addr}/api/v1/instance")),
        ("GET /nodeinfo/2.1.json", format!("http://{addr}/nodeinfo/2.1.json")),
        ("GET /graphql/assets/page.css (no settings)", format!("http://{addr}/graphql/assets/page.css")),
        ("bare axum GET / (no gateway)", format!("http://{bare_addr}/")),
    ];
    let client = reqwest::Client::new();
    for (_, url) in &routes {
        rate(&client, clients, requests / 10, url).await;
    }
    note_server_pids(&server).await;
    let (mut rates, mut cpus) = (vec![Vec::new(); routes.len()], vec![Vec::new(); routes.len()]);
    for round in 0..rounds {
        // The order rotates from round to round.
        for i in 0..routes.len() {
            let at = (i + round) % routes.len();
            let (rate, cpu) = rate(&client, clients, requests, &routes[at].1).await;
            rates[at].push(rate);
            cpus[at].push(cpu);
        }
    }
    let rates: Vec<f64> = rates.iter_mut().map(|f| median(f)).collect();
    let cpus: Vec<f64> = cpus.iter_mut().map(|f| median(f)).collect();
    println!(
        "{backend}: {clients} clients, {rounds} rounds of {requests} requests per route (medians over the rounds)"
    );
    println!(
        "| route | req/s | / asset route | / bare axum | CPU µs/req | − bare axum |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for (i, (name, _)) in routes.iter().enumerate() {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0} |",
            rates[i],
            rates[i] / rates[2],
            rates[i] / rates[3],
            cpus[i],
            cpus[i] - cpus[3]
        );
    }
}
