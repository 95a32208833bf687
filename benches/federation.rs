//! Federation throughput (issue 27 §4), against a local stand-in for the rest of the fediverse
//! (an axum server on loopback that serves actor documents and counts the signed POSTs it gets):
//!
//! (a) delivery: one public status of a local user with `BENCH_FOLLOWERS` (1,000) remote
//!     followers, each on its own host (`127.0.x.y`: every loopback address reaches the
//!     stand-in) with its own inbox and no shared inbox. Measured from the `POST /api/v1/statuses`
//!     to the last signed delivery counted by the stand-in, with the gateway's own job runner
//!     (its default workers) doing the work: deliveries per second.
//! (b) inbox: `BENCH_ACTIVITIES` (10,000) signed `Create` activities of public notes from
//!     `BENCH_ACTORS` (5) remote actors served by the stand-in, posted to the shared inbox by
//!     `BENCH_CLIENTS` (8) concurrent clients (signed beforehand, outside the clock). Measured
//!     until every note is stored (the inbox handles an activity before it answers; the count is
//!     polled until then): activities per second.
//!
//! Each run makes a fresh database: a SQLite file in $TMPDIR, or, with `BENCH_DATABASE_URL`
//! (a PostgreSQL server's URL), a new database beside that one, dropped at the end.
//!
//! cargo bench --bench federation                                                      # SQLite
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench federation
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

mod common;

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
    Json, Router,
};
use common::env;
use pleroma_gateway::{
    config::Settings,
    db::Db,
    domain::{
        self,
        federation::signature,
        remote_import::{Actor, Document, Follow},
    },
    AppState,
};
use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The stand-in's state: the actors it serves (path name → public key PEM) and what it counted.
#[derive(Default)]
struct StandIn {
    keys: Mutex<HashMap<String, String>>,
    signed_posts: AtomicUsize,
    unsigned_posts: AtomicUsize,
    /// When the `expected`-th signed POST arrived.
    last: Mutex<Option<Instant>>,
    expected: AtomicUsize,
}

async fn actor(
    State(s): State<Arc<StandIn>>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> (StatusCode, Json<Value>) {
    let Some(pem) = s.keys.lock().unwrap().get(&name).cloned() else { return (StatusCode::NOT_FOUND, Json(json!({}))) };
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    let id = format!("http://{host}/users/{name}");
    let doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id, "type": "Person", "preferredUsername": name,
        "inbox": format!("{id}/inbox"), "outbox": format!("{id}/outbox"), "followers": format!("{id}/followers"),
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
    });
    (StatusCode::OK, Json(doc))
}

async fn inbox(State(s): State<Arc<StandIn>>, headers: HeaderMap) -> StatusCode {
    if headers.contains_key("signature") && headers.contains_key("digest") {
        let n = s.signed_posts.fetch_add(1, Ordering::SeqCst) + 1;
        if n == s.expected.load(Ordering::SeqCst) {
            *s.last.lock().unwrap() = Some(Instant::now());
        }
    } else {
        s.unsigned_posts.fetch_add(1, Ordering::SeqCst);
    }
    StatusCode::ACCEPTED
}

/// The stand-in on every loopback address (`0.0.0.0`), so `127.0.x.y:PORT` are distinct hosts.
async fn stand_in() -> (Arc<StandIn>, u16) {
    let state = Arc::new(StandIn::default());
    let router = Router::new()
        .route("/users/{name}", get(actor))
        .route("/users/{name}/inbox", post(inbox))
        .route("/inbox", post(inbox))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (state, port)
}

/// A fresh database for one run: its URL and, for PostgreSQL, (admin URL, name) to drop.
async fn fresh_database(tag: &str) -> (String, Option<(String, String)>) {
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = format!("gw_bench_federation_{tag}_{}", std::process::id());
            let admin = Database::connect(&url).await.unwrap();
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\"")).await.unwrap();
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            admin.close().await.ok();
            let (base, _) = url.rsplit_once('/').unwrap();
            (format!("{base}/{name}"), Some((url, name)))
        }
        _ => {
            let path = std::env::temp_dir().join(format!("gw-bench-federation-{tag}.db"));
            for suffix in ["", "-wal", "-shm"] {
                std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
            }
            (format!("sqlite://{}?mode=rwc", path.display()), None)
        }
    }
}

async fn drop_database(pg: Option<(String, String)>) {
    if let Some((admin_url, name)) = pg {
        let admin = Database::connect(&admin_url).await.unwrap();
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
        admin.close().await.ok();
    }
}

/// A gateway serving on loopback over a fresh, migrated database (outbound private addresses
/// allowed: the stand-in is on loopback).
async fn gateway(tag: &str) -> (AppState, SocketAddr, Option<(String, String)>) {
    let (url, pg) = fresh_database(tag).await;
    let dir = std::env::temp_dir().join(format!("gw-bench-federation-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut settings = Settings::for_database(&url, &dir);
    settings.instance_url = format!("http://{addr}");
    settings.http.allow_private_addresses = true;
    let state = AppState::new(db, settings).unwrap();
    let app = pleroma_gateway::app(state.clone());
    tokio::spawn(async move { axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await });
    (state, addr, pg)
}

fn backend(state: &AppState) -> String {
    format!("{:?}", state.db.backend())
}

/// (a): one public status to `followers` remote inboxes on distinct hosts.
async fn delivery(followers: usize) {
    let (stand_in, port) = stand_in().await;
    let (state, addr, pg) = gateway("delivery").await;
    let settings = state.settings();
    let poster = domain::users::NewUser {
        nickname: "poster".into(),
        email: "poster@example.org".into(),
        password: "password".into(),
        ..Default::default()
    };
    let hash = pleroma_gateway::auth::password::hash(poster.password.clone()).await.unwrap();
    let poster = domain::users::insert_local(&state.db.write, &settings, &poster, hash).await.unwrap();

    // The followers: imported as remote accounts following the poster, their inboxes known.
    let started = Instant::now();
    let hosts: Vec<String> = (0..followers).map(|i| format!("127.0.{}.{}:{port}", i / 250, i % 250 + 1)).collect();
    let mut doc = Document::default();
    for (i, host) in hosts.iter().enumerate() {
        let ap_id = format!("http://{host}/users/f{i}");
        doc.actors.push(Actor {
            ap_id: ap_id.clone(),
            nickname: format!("f{i}@{host}"),
            name: None,
            actor_type: None,
            avatar: None,
            banner: None,
            bio: None,
            created_at: None,
        });
        doc.follows.push(Follow { follower: ap_id, followed: poster.ap_id.clone() });
    }
    domain::remote_import::import(&state.db, &settings, &doc).await.unwrap();
    for (i, host) in hosts.iter().enumerate() {
        let id = format!("http://{host}/users/f{i}");
        let document = json!({"id": id, "inbox": format!("{id}/inbox")});
        domain::federation::publisher::remember_inbox(&state.db.write, &document).await.unwrap();
    }
    println!("{followers} remote followers on {followers} hosts set up in {:.1}s", started.elapsed().as_secs_f64());

    let (app, _) = domain::oauth::create_app(
        &state.db.write,
        domain::oauth::NewApp {
            client_name: "bench".into(),
            redirect_uris: "urn:ietf:wg:oauth:2.0:oob".into(),
            scopes: vec!["write".into()],
            website: None,
            user_id: None,
        },
    )
    .await
    .unwrap();
    let token =
        domain::oauth::issue_token(&state.db.write, &app, Some(&poster), &["write".into()], 3600).await.unwrap().token;

    stand_in.expected.store(followers, Ordering::SeqCst);
    let options = pleroma_gateway::jobs::RunnerOptions::default();
    let workers = options.workers(pleroma_gateway::jobs::Queue::Federation);
    let runner = state.spawn_jobs(options);
    let client = reqwest::Client::new();
    let posted = Instant::now();
    let reply = client
        .post(format!("http://{addr}/api/v1/statuses"))
        .bearer_auth(&token)
        .json(&json!({"status": "to a thousand inboxes", "visibility": "public"}))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{}", reply.text().await.unwrap_or_default());
    let answered = posted.elapsed();
    let deadline = Instant::now() + Duration::from_secs(env("BENCH_TIMEOUT_SECS", 900) as u64);
    while stand_in.last.lock().unwrap().is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last = *stand_in.last.lock().unwrap();
    let counted = stand_in.signed_posts.load(Ordering::SeqCst);
    runner.stop().await;
    match last {
        Some(last) => {
            let secs = (last - posted).as_secs_f64();
            println!(
                "delivery ({}): {followers} signed deliveries in {secs:.2}s from the post ({:.0} deliveries/s; the post answered in {:.0} ms; {workers} federation workers; {} unsigned POSTs)",
                backend(&state),
                followers as f64 / secs,
                answered.as_secs_f64() * 1000.0,
                stand_in.unsigned_posts.load(Ordering::SeqCst),
            );
        }
        None => {
            println!("delivery ({}): only {counted} of {followers} deliveries before the deadline", backend(&state))
        }
    }
    drop_database(pg).await;
}

/// (b): `activities` signed Create activities from `actors` remote actors to the shared inbox.
async fn inbox_processing(activities: usize, actors: usize, clients: usize) {
    let (stand_in, port) = stand_in().await;
    let (state, addr, pg) = gateway("inbox").await;
    let started = Instant::now();
    let mut keys = Vec::new();
    for a in 0..actors {
        // 1024-bit keys: the client's signing (outside the clock) takes a quarter of the time;
        // the gateway's verification costs about the same for any size.
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
        stand_in.keys.lock().unwrap().insert(format!("a{a}"), signature::public_pem(&key).unwrap());
        keys.push((format!("http://127.0.0.1:{port}/users/a{a}"), key));
    }
    // Signed beforehand: the clock measures the gateway, not the client's RSA signing.
    let inbox_url = url::Url::parse(&format!("http://{addr}/inbox")).unwrap();
    let keys = Arc::new(keys);
    let sign_url = inbox_url.clone();
    let sign_one = move |i: usize| {
        let (actor_id, key) = &keys[i % keys.len()];
        let body = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("http://127.0.0.1:{port}/activities/{i}"),
            "type": "Create",
            "actor": actor_id,
            "to": [PUBLIC],
            "cc": [format!("{actor_id}/followers")],
            "object": {
                "id": format!("http://127.0.0.1:{port}/notes/{i}"),
                "type": "Note",
                "attributedTo": actor_id,
                "content": format!("<p>note number {i}</p>"),
                "to": [PUBLIC],
                "cc": [format!("{actor_id}/followers")],
                "published": chrono::Utc::now().to_rfc3339(),
            },
        });
        let body = serde_json::to_vec(&body).unwrap();
        let headers = signature::sign(key, &format!("{actor_id}#main-key"), "POST", &sign_url, Some(&body));
        (body, headers)
    };
    // Signed on every core, in slices.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut slices = Vec::new();
    for t in 0..threads {
        let sign_one = sign_one.clone();
        slices.push(tokio::task::spawn_blocking(move || {
            (t..activities).step_by(threads).map(|i| (i, sign_one(i))).collect::<Vec<_>>()
        }));
    }
    let mut requests = Vec::with_capacity(activities);
    for slice in slices {
        requests.extend(slice.await.unwrap());
    }
    // Popped from the end: activity 0 first. One of each actor first, one at a time, outside
    // the clock: the first activities of an actor fetch its key, and the gateway answers 503
    // to others of the same actor while that fetch is under way.
    requests.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
    let mut requests: Vec<_> = requests.into_iter().map(|(_, r)| r).collect();
    let client = reqwest::Client::new();
    for _ in 0..actors.min(requests.len()) {
        let (body, headers) = requests.pop().unwrap();
        let mut request = client.post(inbox_url.clone()).header("content-type", "application/activity+json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let reply = request.body(body).send().await.unwrap();
        assert!(reply.status().is_success(), "{}", reply.text().await.unwrap_or_default());
    }
    println!("{activities} activities of {actors} actors signed in {:.1}s", started.elapsed().as_secs_f64());

    let queue = Arc::new(Mutex::new(requests));
    let failures = Arc::new(AtomicUsize::new(0));
    let begun = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (queue, client, url, failures) = (queue.clone(), client.clone(), inbox_url.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Some((body, headers)) = queue.lock().unwrap().pop() else { break };
                let mut request = client.post(url.clone()).header("content-type", "application/activity+json");
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                match request.body(body).send().await {
                    Ok(reply) if reply.status().is_success() => {}
                    Ok(reply) => {
                        if failures.fetch_add(1, Ordering::SeqCst) < 3 {
                            eprintln!("inbox answered {}: {}", reply.status(), reply.text().await.unwrap_or_default());
                        }
                    }
                    Err(e) => {
                        failures.fetch_add(1, Ordering::SeqCst);
                        eprintln!("inbox request failed: {e}");
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let answered = begun.elapsed();
    let prefix = format!("http://127.0.0.1:{port}/notes/%");
    let stored = || async {
        entity::status::Entity::find()
            .filter(entity::status::Column::ApId.like(prefix.as_str()))
            .count(&state.db.read)
            .await
            .unwrap() as usize
    };
    let deadline = Instant::now() + Duration::from_secs(env("BENCH_TIMEOUT_SECS", 900) as u64);
    let mut count = stored().await;
    while count < activities && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        count = stored().await;
    }
    let secs = begun.elapsed().as_secs_f64();
    let warm = actors.min(activities);
    println!(
        "inbox ({}): {count} of {activities} notes stored, the last {} in {secs:.2}s ({:.0} activities/s; every request answered after {:.2}s; {clients} clients; {} refused)",
        backend(&state),
        activities - warm,
        count.saturating_sub(warm) as f64 / secs,
        answered.as_secs_f64(),
        failures.load(Ordering::SeqCst),
    );
    drop_database(pg).await;
}

#[tokio::main]
async fn main() {
    let which = std::env::var("BENCH_CASES").unwrap_or_else(|_| "delivery,inbox".into());
    if which.contains("delivery") {
        delivery(env("BENCH_FOLLOWERS", 1000)).await;
    }
    if which.contains("inbox") {
        inbox_processing(env("BENCH_ACTIVITIES", 10_000), env("BENCH_ACTORS", 5), env("BENCH_CLIENTS", 8)).await;
    }
}
