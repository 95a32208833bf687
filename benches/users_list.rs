//! `GET /admin/users` (filters `local,active`) over a matrix of page sizes (1/50/500), pages
//! (1/100/1000) and search terms (`ali`, `al`, none): through the REST facade, as the same
//! operation sent to `/graphql`, and as the raw SQL the REST request sent — captured from the
//! server's own connections with their bound values ([`Db::record`]) and replayed one after another
//! — in one process, one client, the three in alternating rounds, so each row's ratio to raw is
//! measured within one run.
//!
//! cargo bench --bench users_list                       # SQLite, 100k users
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench users_list
//! BENCH_USERS=1000000 cargo bench --bench users_list   # 1M users (seeded once, kept in $TMPDIR)
//!
//! Knobs: BENCH_USERS (100000), BENCH_REQUESTS (30 per mode and case), BENCH_SQLITE_MMAP (bytes;
//! the gateway's default when unset), BENCH_CASES (`all`, or `quick`: page 1 only), BENCH_TERMS
//! (`ali,al,none`), BENCH_PAGE_SIZES (`1,50,500`).
//!
//! Besides latency it reports CPU time per request (the whole process's threads, from
//! `/proc/self/task/*/schedstat`, so REST and GraphQL include the client's share, and on
//! PostgreSQL the backends serving the database, from `/proc/<pid>/schedstat`) and memory:
//! VmRSS with its anonymous part (RssAnon) and its file-backed part (RssFile: SQLite's mmap).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

mod common;

use common::{env, serve_seeded, BenchServer};

/// Run `one` `n` times one after another, adding each latency to `latencies`; the process CPU
/// they took.
async fn timed<F: std::future::Future<Output = ()>>(
    n: usize,
    one: impl Fn() -> F,
    latencies: &mut Vec<Duration>,
) -> Duration {
    let cpu = cpu_time();
    for _ in 0..n {
        let t = Instant::now();
        one().await;
        latencies.push(t.elapsed());
    }
    cpu_time().saturating_sub(cpu)
}

/// Send one request and read its whole body, which must be an answer.
async fn send(make: &impl Fn() -> reqwest::RequestBuilder) {
    let response = make().send().await.expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.bytes().await.expect("body");
    assert!(body.len() > 20 && !body.starts_with(br#"{"errors""#), "{}", String::from_utf8_lossy(&body));
}

/// A comma-separated knob, or its default.
fn list<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    let text = std::env::var(name).unwrap_or_else(|_| default.to_string());
    text.split(',').map(|item| item.trim().parse().ok().unwrap_or_else(|| panic!("{name}: {item}?"))).collect()
}

fn at(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

/// PostgreSQL's processes serving the benchmark's database (single-threaded backends on this
/// machine), whose CPU [`cpu_time`] adds: the raw statements' work is mostly theirs.
static SERVER_PIDS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// CPU time of the live threads of this process so far (nanosecond counters of the scheduler;
/// a thread that ended takes its share with it, hence the saturating differences), and of the
/// database server's [`SERVER_PIDS`].
fn cpu_time() -> Duration {
    let first = |path: std::path::PathBuf| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| text.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
            .unwrap_or(0)
    };
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        ns += first(task.path().join("schedstat"));
    }
    for pid in SERVER_PIDS.lock().map(|pids| pids.clone()).unwrap_or_default() {
        ns += first(format!("/proc/{pid}/schedstat").into());
    }
    Duration::from_nanos(ns)
}

/// On PostgreSQL, note the processes serving this database now (the pool is warm).
async fn note_server_pids(server: &BenchServer) {
    if server.backend != "Postgres" {
        return;
    }
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()";
    let rows = server
        .db
        .read
        .query_all_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql))
        .await
        .expect("backends");
    let pids = rows.iter().filter_map(|row| row.try_get::<i32>("", "pid").ok()).map(|pid| pid as u32).collect();
    *SERVER_PIDS.lock().expect("pids") = pids;
}

/// `VmRSS`, `RssAnon` and `RssFile` of this process, in MiB.
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
    (kib("VmRSS:"), kib("RssAnon:"), kib("RssFile:"))
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

/// The REST answer with the three inverse flags the facade adds removed (the rest is the
/// operation's own selection).
fn without_inverse_flags(mut body: Value) -> Value {
    for user in body["users"].as_array_mut().into_iter().flatten() {
        if let Some(user) = user.as_object_mut() {
            for key in ["deactivated", "confirmation_pending", "approval_pending"] {
                user.remove(key);
            }
        }
    }
    body
}

/// The CPU each returned row adds, per term: the difference between page 1 with the most rows
/// and page 1 with the fewest, divided by the difference in rows (what a request costs whatever
/// its size cancels out; deeper pages skip a different number of rows at each page size).
fn per_row_table(costs: &[(String, u64, usize, [f64; 3])]) {
    let mut lines: Vec<(String, usize, usize, [f64; 3])> = Vec::new();
    for (term, _, _, _) in costs {
        let same: Vec<_> = costs.iter().filter(|c| &c.0 == term && c.1 == 1).collect();
        let (Some(few), Some(many)) = (same.iter().min_by_key(|c| c.2), same.iter().max_by_key(|c| c.2)) else {
            continue;
        };
        if many.2 < few.2 + 10 || lines.iter().any(|(t, ..)| t == term) {
            continue;
        }
        let per_row = |i: usize| (many.3[i] - few.3[i]) * 1000.0 / (many.2 - few.2) as f64;
        lines.push((term.clone(), few.2, many.2, [per_row(0), per_row(1), per_row(2)]));
    }
    if lines.is_empty() {
        return;
    }
    println!();
    println!("CPU per returned row (µs; page 1 with the fewest and the most rows of each term):");
    println!();
    println!("| term | rows | raw µs/row | REST µs/row | GraphQL µs/row | REST/raw | GraphQL/raw |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (term, few, many, [raw, rest, graphql]) in lines {
        let term = if term.is_empty() { "(none)".to_owned() } else { term };
        println!(
            "| {term} | {few}→{many} | {raw:.2} | {rest:.2} | {graphql:.2} | {:.2}x | {:.2}x |",
            rest / raw,
            graphql / raw
        );
    }
    println!();
}

#[tokio::main]
async fn main() {
    let users = env("BENCH_USERS", 100_000);
    let requests = env("BENCH_REQUESTS", 30).max(2);
    let quick = std::env::var("BENCH_CASES").is_ok_and(|v| v == "quick");
    let before_open = memory();
    let server = serve_seeded(users).await;
    let client = reqwest::Client::new();
    let operation = operation_of(&server, "/api/v1/pleroma/admin/users");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (rss, anon, file) = memory();
    println!(
        "{}: {users} users; {requests} requests per mode and case, one client; memory after opening: VmRSS {rss:.0} MiB, RssAnon {anon:.0} MiB, RssFile {file:.0} MiB (before: {:.0}/{:.0}/{:.0})",
        server.backend, before_open.0, before_open.1, before_open.2
    );
    println!("| term | page size | page | matches | rows | statements | raw p50 ms | raw p99 | REST p50 | REST p99 | GraphQL p50 | GraphQL p99 | REST/raw p50 | GraphQL/raw p50 | CPU ms/req raw | REST | GraphQL | REST/raw CPU |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let pages: &[u64] = if quick { &[1] } else { &[1, 100, 1000] };
    let terms: Vec<String> = list("BENCH_TERMS", "ali,al,none");
    let page_sizes: Vec<u64> = list("BENCH_PAGE_SIZES", "1,50,500");
    // (term, page, rows, CPU per request: raw, REST, GraphQL), for the per-row table.
    let mut costs: Vec<(String, u64, usize, [f64; 3])> = Vec::new();
    for term in terms.iter().map(|t| if t == "none" { "" } else { t.as_str() }) {
        for &page_size in &page_sizes {
            for &page in pages {
                let mut query = format!("filters=local,active&page_size={page_size}&page={page}");
                let mut variables = json!({"filters": ["LOCAL", "ACTIVE"], "page_size": page_size, "page": page});
                if !term.is_empty() {
                    query.push_str(&format!("&query={term}"));
                    variables["query"] = json!(term);
                }
                let url = format!("http://{}/api/v1/pleroma/admin/users?{query}", server.addr);
                let rest = {
                    let (client, token) = (client.clone(), server.token.clone());
                    move || client.get(&url).bearer_auth(&token)
                };
                let graphql = {
                    let (client, url, token) =
                        (client.clone(), format!("http://{}/graphql", server.addr), server.token.clone());
                    let body = json!({ "query": operation, "variables": variables });
                    move || client.post(&url).bearer_auth(&token).json(&body)
                };
                // Same answer both ways.
                let answer: Value = rest().send().await.unwrap().json().await.unwrap();
                let direct: Value = graphql().send().await.unwrap().json().await.unwrap();
                assert_eq!(without_inverse_flags(answer.clone()), direct["data"]["users"], "REST and GraphQL disagree");
                let rows = answer["users"].as_array().map_or(0, Vec::len);
                // Warm up, then capture what one REST request sends.
                for _ in 0..3 {
                    send(&rest).await;
                }
                server.db.record();
                send(&rest).await;
                let sent = server.db.recorded();
                let replay = || {
                    let (db, sent) = (server.db.read.clone(), sent.clone());
                    async move {
                        for statement in sent {
                            db.query_all_raw(statement).await.expect("raw statement");
                        }
                    }
                };
                replay().await;
                note_server_pids(&server).await;
                // The three modes in rounds of about ten requests each, their order rotating from
                // round to round, so a drift of the machine's speed reaches all three alike.
                let rounds = requests.div_ceil(10);
                let (mut raw, mut r, mut g) = (Vec::new(), Vec::new(), Vec::new());
                let mut cpu = [Duration::ZERO; 3];
                for round in 0..rounds {
                    let n = requests / rounds + usize::from(round < requests % rounds);
                    for k in 0..3 {
                        let mode = (round + k) % 3;
                        cpu[mode] += match mode {
                            0 => timed(n, &replay, &mut raw).await,
                            1 => timed(n, || send(&rest), &mut r).await,
                            _ => timed(n, || send(&graphql), &mut g).await,
                        };
                    }
                }
                let [raw_cpu, r_cpu, g_cpu] = cpu;
                for latencies in [&mut raw, &mut r, &mut g] {
                    latencies.sort();
                }
                let per = |cpu: Duration| ms(cpu) / requests as f64;
                let raw_p50 = ms(at(&raw, 0.5));
                costs.push((term.to_owned(), page, rows, [per(raw_cpu), per(r_cpu), per(g_cpu)]));
                println!(
                    "| {} | {page_size} | {page} | {} | {rows} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2}x | {:.2}x | {:.2} | {:.2} | {:.2} | {:.2}x |",
                    if term.is_empty() { "(none)" } else { term },
                    answer["count"],
                    sent.len(),
                    raw_p50,
                    ms(at(&raw, 0.99)),
                    ms(at(&r, 0.5)),
                    ms(at(&r, 0.99)),
                    ms(at(&g, 0.5)),
                    ms(at(&g, 0.99)),
                    ms(at(&r, 0.5)) / raw_p50,
                    ms(at(&g, 0.5)) / raw_p50,
                    per(raw_cpu),
                    per(r_cpu),
                    per(g_cpu),
                    per(r_cpu) / per(raw_cpu),
                );
            }
        }
    }
    per_row_table(&costs);
    let (rss, anon, file) = memory();
    println!("memory after the run: VmRSS {rss:.0} MiB, RssAnon {anon:.0} MiB, RssFile {file:.0} MiB");
}
