//! What reloading the settings saved in the database costs (`LiveSettings::refresh`), formerly
//! two ignored tests in `tests/it/config.rs`:
//!
//! - **overhead**: with `configurable_from_database` on and off (alternating, two rounds each),
//!   the time per `GET /api/v1/pleroma/healthcheck` over loopback (1,000 after 50 to warm up)
//!   and per `refresh()` called directly (1,000);
//! - **concurrent**: 64 tasks calling `refresh()` 100 times each at once: the whole time.
//!
//! cargo bench --bench settings_refresh                       # SQLite (a fresh file in $TMPDIR)
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/gw_bench cargo bench --bench settings_refresh
//!
//! Knobs: BENCH_REQUESTS (1000 requests and refreshes per round), BENCH_TASKS (64).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{net::SocketAddr, time::Instant};

use pleroma_gateway::{config::Settings, db::Db, AppState};

mod common;

use common::env;

/// A gateway over a migrated database, served on loopback: its state and its address.
async fn serve(from_database: bool) -> (AppState, SocketAddr) {
    let dir = std::env::temp_dir().join("pleroma-gateway-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join("settings-refresh.db").display()));
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let mut settings = Settings::for_database(&url, &dir);
    settings.configurable_from_database = from_database;
    let state = AppState::new(db, settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = pleroma_gateway::app(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.ok();
    });
    (state, addr)
}

#[tokio::main]
async fn main() {
    let requests = env("BENCH_REQUESTS", 1000);
    let tasks = env("BENCH_TASKS", 64);
    let client = reqwest::Client::new();
    println!("| configurable_from_database | per healthcheck µs | per refresh µs |");
    println!("| --- | ---: | ---: |");
    for on in [true, false, true, false] {
        let (state, addr) = serve(on).await;
        let url = format!("http://{addr}/api/v1/pleroma/healthcheck");
        for _ in 0..50 {
            client.get(&url).send().await.expect("request");
        }
        let started = Instant::now();
        for _ in 0..requests {
            let response = client.get(&url).send().await.expect("request");
            assert!(response.status().is_success(), "{}", response.status());
        }
        let per_request = started.elapsed() / requests as u32;
        let started = Instant::now();
        for _ in 0..requests {
            state.live.refresh().await;
        }
        let per_refresh = started.elapsed() / requests as u32;
        println!("| {on} | {:.1} | {:.1} |", per_request.as_secs_f64() * 1e6, per_refresh.as_secs_f64() * 1e6);
    }

    let (state, _) = serve(true).await;
    state.live.refresh().await;
    let started = Instant::now();
    let mut running = Vec::new();
    for _ in 0..tasks {
        let live = state.live.clone();
        running.push(tokio::spawn(async move {
            for _ in 0..100 {
                live.refresh().await;
            }
        }));
    }
    for task in running {
        task.await.unwrap();
    }
    println!("\n{} concurrent refreshes ({tasks} tasks × 100): {:?}", tasks * 100, started.elapsed());
}
