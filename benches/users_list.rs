//! `GET /admin/users` (filters `local,active`) over a matrix of page sizes (1/50/500), pages
//! (1/100/1000) and search terms (`ali`, `al`, none): through the REST facade, as the same
//! operation sent to `/graphql`, and as the raw SQL the REST request sent — captured from the
//! server's own connections with their bound values ([`Db::record`]) and replayed one after another
//! — in one process, one client. For each term and page, every page size in the three modes runs
//! in alternating rounds, so each row's ratio to raw, and the per-row table's difference between
//! two page sizes, are measured over the same stretch of time.
//!
//! cargo bench --bench users_list                       # SQLite, 100k users
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench users_list
//! BENCH_USERS=1000000 cargo bench --bench users_list   # 1M users (seeded once, kept in $TMPDIR)
//!
//! Knobs: BENCH_USERS (100000), BENCH_REQUESTS (30 per mode and case), BENCH_SQLITE_MMAP (bytes;
//! the gateway's default when unset), BENCH_CASES (`all`, or `quick`: page 1 only), BENCH_TERMS
//! (`ali,al,none`), BENCH_PAGE_SIZES (`1,50,500`), BENCH_MODES (`raw,rest,graphql`; fewer, to profile
//! one: the others' columns are then empty).
//!
//! Besides latency it reports CPU time per request (the median over the rounds; the whole process's threads, from
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
    let last = sorted.len().saturating_sub(1);
    sorted.get(((sorted.len() as f64 * q) as usize).min(last)).copied().unwrap_or_default()
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
    // Client backends only: an autovacuum worker on the freshly seeded table would add its work
    // to whichever mode happened to run.
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'";
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

/// A case's term, page, rows, and CPU per request (ms) of each round in each mode.
type Cost = (String, u64, usize, [Vec<f64>; 3]);

/// The median of `values` (a round that a stall of the machine hit weighs no more than another).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The CPU each returned row adds, per term: page 1 with the most rows against page 1 with the
/// fewest, round by round (the two ran in the same round), the median of those differences
/// divided by the difference in rows. What a request costs whatever its size cancels out;
/// deeper pages skip a different number of rows at each page size.
fn per_row_table(costs: &[Cost]) {
    let mut lines: Vec<(String, usize, usize, [f64; 3])> = Vec::new();
    for (term, _, _, _) in costs {
        let same: Vec<_> = costs.iter().filter(|c| &c.0 == term && c.1 == 1).collect();
        let (Some(few), Some(many)) = (same.iter().min_by_key(|c| c.2), same.iter().max_by_key(|c| c.2)) else {
            continue;
        };
        if many.2 < few.2 + 10 || lines.iter().any(|(t, ..)| t == term) {
            continue;
        }
        let per_row = |mode: usize| {
            let differences = many.3[mode].iter().zip(&few.3[mode]).map(|(m, f)| m - f).collect();
            median(differences) * 1000.0 / (many.2 - few.2) as f64
        };
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

/// One request of the matrix: its REST URL, the same operation for `/graphql`, the statements
/// its REST request sent, and what each of the three modes measured.
struct Case {
    page_size: u64,
    rest: String,
    graphql_url: String,
    graphql: Value,
    sent: Vec<sea_orm::Statement>,
    rows: usize,
    count: Value,
    latencies: [Vec<Duration>; 3],
    /// CPU per request (ms) of each round, per mode.
    rounds: [Vec<f64>; 3],
}

/// The three ways a case runs, by mode number.
const MODES: [&str; 3] = ["raw", "rest", "graphql"];

/// Run `case` once in `mode`: 0 replays its statements, 1 sends it to REST, 2 to `/graphql`.
async fn once(server: &BenchServer, client: &reqwest::Client, case: &Case, mode: usize) {
    match mode {
        0 => {
            for statement in &case.sent {
                server.db.read.query_all_raw(statement.clone()).await.expect("raw statement");
            }
        }
        1 => send(&|| client.get(&case.rest).bearer_auth(&server.token)).await,
        _ => send(&|| client.post(&case.graphql_url).bearer_auth(&server.token).json(&case.graphql)).await,
    }
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
    println!("| term | page | page size | matches | rows | statements | raw p50 ms | raw p99 | REST p50 | REST p99 | GraphQL p50 | GraphQL p99 | REST/raw p50 | GraphQL/raw p50 | CPU ms/req raw | REST | GraphQL | REST/raw CPU |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let pages: &[u64] = if quick { &[1] } else { &[1, 100, 1000] };
    let terms: Vec<String> = list("BENCH_TERMS", "ali,al,none");
    let page_sizes: Vec<u64> = list("BENCH_PAGE_SIZES", "1,50,500");
    let modes: Vec<String> = list("BENCH_MODES", &MODES.join(","));
    // (term, page, rows, each round's CPU per request: raw, REST, GraphQL), for the per-row table.
    let mut costs: Vec<Cost> = Vec::new();
    for term in terms.iter().map(|t| if t == "none" { "" } else { t.as_str() }) {
        for &page in pages {
            let mut cases = Vec::new();
            for &page_size in &page_sizes {
                let mut query = format!("filters=local,active&page_size={page_size}&page={page}");
                let mut variables = json!({"filters": ["LOCAL", "ACTIVE"], "page_size": page_size, "page": page});
                if !term.is_empty() {
                    query.push_str(&format!("&query={term}"));
                    variables["query"] = json!(term);
                }
                let rest = format!("http://{}/api/v1/pleroma/admin/users?{query}", server.addr);
                let graphql = json!({ "query": operation, "variables": variables });
                // Same answer both ways.
                let answer: Value =
                    client.get(&rest).bearer_auth(&server.token).send().await.unwrap().json().await.unwrap();
                let graphql_url = format!("http://{}/graphql", server.addr);
                let direct: Value = client
                    .post(&graphql_url)
                    .bearer_auth(&server.token)
                    .json(&graphql)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(answer, direct["data"]["users"], "REST and GraphQL disagree");
                let mut case = Case {
                    page_size,
                    rest,
                    graphql_url,
                    graphql,
                    sent: Vec::new(),
                    rows: answer["users"].as_array().map_or(0, Vec::len),
                    count: answer["count"].clone(),
                    latencies: Default::default(),
                    rounds: Default::default(),
                };
                // Warm up, then capture what one REST request sends.
                for _ in 0..3 {
                    once(&server, &client, &case, 1).await;
                }
                server.db.record();
                once(&server, &client, &case, 1).await;
                case.sent = server.db.recorded();
                once(&server, &client, &case, 0).await;
                cases.push(case);
            }
            note_server_pids(&server).await;
            // Every page size and mode of this term and page in rounds of about ten requests
            // each, their order rotating from round to round, so a drift of the machine's speed
            // reaches them all alike (the per-row table subtracts one page size from another).
            let rounds = requests.div_ceil(10);
            let runs = cases.len() * 3;
            for round in 0..rounds {
                let n = requests / rounds + usize::from(round < requests % rounds);
                for k in 0..runs {
                    let run = (round + k) % runs;
                    let (case, mode) = (&mut cases[run / 3], run % 3);
                    if !modes.contains(&MODES[mode].to_owned()) {
                        continue;
                    }
                    let mut latencies = std::mem::take(&mut case.latencies[mode]);
                    let cpu = timed(n, || once(&server, &client, case, mode), &mut latencies).await;
                    case.latencies[mode] = latencies;
                    case.rounds[mode].push(ms(cpu) / n as f64);
                }
            }
            for case in &mut cases {
                let [raw, r, g] = &mut case.latencies;
                for latencies in [&mut *raw, &mut *r, &mut *g] {
                    latencies.sort();
                }
                let [raw_cpu, r_cpu, g_cpu] = case.rounds.clone().map(median);
                let raw_p50 = ms(at(raw, 0.5));
                costs.push((term.to_owned(), page, case.rows, case.rounds.clone()));
                println!(
                    "| {} | {page} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2}x | {:.2}x | {:.2} | {:.2} | {:.2} | {:.2}x |",
                    if term.is_empty() { "(none)" } else { term },
                    case.page_size,
                    case.count,
                    case.rows,
                    case.sent.len(),
                    raw_p50,
                    ms(at(raw, 0.99)),
                    ms(at(r, 0.5)),
                    ms(at(r, 0.99)),
                    ms(at(g, 0.5)),
                    ms(at(g, 0.99)),
                    ms(at(r, 0.5)) / raw_p50,
                    ms(at(g, 0.5)) / raw_p50,
                    raw_cpu,
                    r_cpu,
                    g_cpu,
                    r_cpu / raw_cpu,
                );
            }
        }
    }
    per_row_table(&costs);
    let (rss, anon, file) = memory();
    println!("memory after the run: VmRSS {rss:.0} MiB, RssAnon {anon:.0} MiB, RssFile {file:.0} MiB");
}
