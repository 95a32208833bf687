//! `GET /admin/users` with a search and two filters, through the REST facade and as the
//! equivalent direct GraphQL request, by concurrent clients on loopback.
//!
//! cargo bench --bench users_list                       # SQLite, 100k users
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench users_list
//!
//! Knobs: BENCH_USERS (100000), BENCH_CLIENTS (4), BENCH_REQUESTS (2000 per mode).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::json;

mod common;

use common::{env, serve_seeded, BenchServer};

const QUERY: &str = "query=ali&filters=local,active&page_size=50";

const GRAPHQL: &str = r#"query { users(pageSize: 50, filter: {query: "ali", states: [LOCAL, ACTIVE]}) {
  page_size: pageSize count: totalCount
  users: nodes { id email avatar nickname display_name: displayName is_active: isActive local
    roles { admin moderator } tags is_confirmed: isConfirmed
    is_approved: isApproved is_suggested: isSuggested url
    registration_reason: registrationReason actor_type: actorType created_at: createdAt } } }"#;

/// Latencies and wall time of one or more runs of one mode.
#[derive(Default)]
struct Samples {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Samples {
    fn at(&self, q: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
    }

    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
}

/// `requests` requests from `clients` concurrent clients, added to `samples`.
async fn run(
    samples: &mut Samples,
    clients: usize,
    requests: usize,
    make: impl Fn() -> reqwest::RequestBuilder + Clone + Send + 'static,
) {
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
                let body = response.bytes().await.expect("body");
                assert!(body.len() > 100);
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    for task in tasks {
        samples.latencies.extend(task.await.expect("client"));
    }
    samples.elapsed += started.elapsed();
}

#[tokio::main]
async fn main() {
    let users = env("BENCH_USERS", 100_000);
    let clients = env("BENCH_CLIENTS", 4);
    let requests = env("BENCH_REQUESTS", 2000);
    let BenchServer { addr, token, backend, .. } = serve_seeded(users).await;
    let client = reqwest::Client::new();
    let rest_url = format!("http://{addr}/api/v1/pleroma/admin/users?{QUERY}");
    let graphql_url = format!("http://{addr}/graphql");
    let rest = {
        let (client, token, url) = (client.clone(), token.clone(), rest_url.clone());
        move || client.get(&url).bearer_auth(&token)
    };
    let graphql = {
        let (client, token, url) = (client.clone(), token.clone(), graphql_url.clone());
        move || client.post(&url).bearer_auth(&token).json(&json!({ "query": GRAPHQL }))
    };
    // Same answer both ways.
    let mut a: serde_json::Value = rest().send().await.unwrap().json().await.unwrap();
    let rest_body = a.clone();
    // The facade adds the inverse flags older clients read; the rest is the same selection.
    for user in a["users"].as_array_mut().into_iter().flatten() {
        if let Some(user) = user.as_object_mut() {
            for key in ["deactivated", "confirmation_pending", "approval_pending"] {
                user.remove(key);
            }
        }
    }
    let b: serde_json::Value = graphql().send().await.unwrap().json().await.unwrap();
    assert_eq!(a, b["data"]["users"], "REST and GraphQL disagree");
    println!(
        "{backend}: {users} users, {} matches for `{QUERY}`; {clients} clients x {requests} requests",
        rest_body["count"]
    );
    let mut warm_up = Samples::default();
    run(&mut warm_up, clients, requests / 10, rest.clone()).await;
    run(&mut warm_up, clients, requests / 10, graphql.clone()).await;
    // ABBA order, each mode's halves pooled, so that drift (caches warming, other load) favours neither.
    let (mut r, mut g) = (Samples::default(), Samples::default());
    run(&mut r, clients, requests / 2, rest.clone()).await;
    run(&mut g, clients, requests / 2, graphql.clone()).await;
    run(&mut g, clients, requests / 2, graphql).await;
    run(&mut r, clients, requests / 2, rest).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("| mode | p50 ms | p99 ms | req/s |\n| --- | ---: | ---: | ---: |");
    println!("| REST facade | {:.2} | {:.2} | {:.0} |", ms(r.at(0.5)), ms(r.at(0.99)), r.throughput());
    println!("| direct GraphQL | {:.2} | {:.2} | {:.0} |", ms(g.at(0.5)), ms(g.at(0.99)), g.throughput());
    println!(
        "REST/GraphQL: p50 {:.3}, p99 {:.3}, throughput {:.3}",
        ms(r.at(0.5)) / ms(g.at(0.5)),
        ms(r.at(0.99)) / ms(g.at(0.99)),
        r.throughput() / g.throughput()
    );
}
