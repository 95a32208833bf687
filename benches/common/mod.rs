//! What every benchmark shares: knobs from the environment, and an in-process gateway over a
//! seeded database (SQLite by default, `BENCH_DATABASE_URL` for PostgreSQL) with an admin token.
#![allow(dead_code)]

use std::{net::SocketAddr, time::Instant};

use pleroma_gateway::{config::Settings, db::Db, domain, AppState};
use sea_orm::{EntityTrait, PaginatorTrait};

/// The server binary's allocator (`src/main.rs`), so the benchmarks measure what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A numeric knob from the environment.
pub fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A running gateway for a benchmark.
pub struct BenchServer {
    pub addr: SocketAddr,
    /// An admin's bearer token.
    pub token: String,
    /// `Sqlite` or `Postgres`.
    pub backend: String,
    /// The server's own database handles (statement recording sees the server's statements).
    pub db: Db,
    /// The server's compiled route table (benchmarks send a row's operation to `/graphql`).
    pub facade: std::sync::Arc<pleroma_gateway::rest::Facade>,
}

/// Seed `users` users (once; the database is kept between runs) and serve on loopback.
pub async fn serve_seeded(users: usize) -> BenchServer {
    let dir = std::env::temp_dir().join("pleroma-gateway-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join(format!("bench-{users}.db")).display()));
    let mmap = std::env::var("BENCH_SQLITE_MMAP").ok().and_then(|v| v.parse().ok());
    let db = Db::connect_with_mmap(&url, mmap.unwrap_or(pleroma_gateway::db::SQLITE_MMAP_SIZE)).await.expect("connect");
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
            scopes: vec!["read".into(), "admin".into()],
            website: None,
            user_id: None,
        },
    )
    .await
    .unwrap();
    let token = domain::oauth::issue_token(&db.write, &app, Some(&admin), &["read".into(), "admin".into()], 3600)
        .await
        .unwrap()
        .token;

    let server_db = db.clone();
    let state = AppState::new(db, settings).unwrap();
    let facade = state.facade.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, pleroma_gateway::app(state).into_make_service_with_connect_info::<SocketAddr>())
            .await
            .ok();
    });
    BenchServer { addr, token, backend, db: server_db, facade }
}
