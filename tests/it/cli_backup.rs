//! `backup` and `restore` (issue 28): a backup taken while the server writes holds every row
//! acknowledged before it began, restores into a new data directory, and `restore` refuses a
//! database a server is using.
use std::{
    process::{Command, Output},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
};

use pleroma_gateway::domain::moderation_log::{record, Action, Actor};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use crate::common::TestApp;

fn run(database_url: &str, data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", database_url, "--data-dir"])
        .arg(data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the CLI")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The relay targets logged in the SQLite database `path`.
async fn targets(path: &std::path::Path) -> std::collections::HashSet<String> {
    let conn = Database::connect(format!("sqlite://{}?mode=ro", path.display())).await.unwrap();
    let rows = conn
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, "SELECT message FROM moderation_log"))
        .await
        .unwrap();
    let out = rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect();
    conn.close().await.unwrap();
    out
}

fn message(i: usize) -> String {
    let target = format!("https://relay{i}.example/actor");
    Action::RelayFollow { target }.message(&Actor::operator())
}

#[tokio::test]
async fn a_backup_under_concurrent_writes_restores_every_acknowledged_row() {
    let app = TestApp::new().await;
    let url = app.state.settings().database_url.clone();
    let file = app.data_dir.join("backup.db");
    let file_arg = file.to_str().unwrap();
    if !url.starts_with("sqlite:") {
        // PostgreSQL: the pg_dump command, without the password, and a failure exit.
        let out = run(&url, &app.data_dir, &["backup", file_arg]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("pg_dump --format=custom"), "{}", stderr(&out));
        assert!(!file.exists());
        return;
    }
    // A writer acknowledges each row once its transaction committed.
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (acked_tx, mut acked_rx) = tokio::sync::watch::channel(0);
    let writer = {
        let (db, acked, stop) = (app.state.db.clone(), acked.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let action = Action::RelayFollow { target: format!("https://relay{i}.example/actor") };
                record(&db.write, &Actor::operator(), &action).await.unwrap();
                acked.store(i, Ordering::SeqCst);
                acked_tx.send_replace(i);
            }
        })
    };
    acked_rx.wait_for(|&n| n >= 50).await.unwrap();
    let before = acked.load(Ordering::SeqCst);
    let (url2, dir, arg) = (url.clone(), app.data_dir.clone(), file_arg.to_string());
    let out = tokio::task::spawn_blocking(move || run(&url2, &dir, &["backup", &arg])).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("backup written to"));
    let during = acked.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(during > before, "the writer kept writing during the backup ({before} → {during})");

    let saved = targets(&file).await;
    for i in 1..=before {
        assert!(saved.contains(&message(i)), "row {i} of {before} acknowledged before the backup is missing");
    }

    // A backup never overwrites.
    let out = run(&url, &app.data_dir, &["backup", file_arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("exists already"), "{}", stderr(&out));

    // Restored into a new data directory, the copy holds the same rows and serves commands.
    let other = tempfile::tempdir().unwrap();
    let restored = other.path().join("gateway.db");
    let other_url = format!("sqlite://{}?mode=rwc", restored.display());
    let out = run(&other_url, other.path(), &["restore", file_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(targets(&restored).await, saved);
    let out = run(&other_url, other.path(), &["user", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Not a backup: refused, nothing replaced.
    let junk = other.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let out = run(&other_url, other.path(), &["restore", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not a usable backup"), "{}", stderr(&out));
    assert_eq!(targets(&restored).await, saved);

    // A running server holds the database: restore refuses.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &other_url, "--data-dir"])
        .arg(other.path())
        .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/api/v1/pleroma/healthcheck");
    crate::common::eventually("the server to come up", 60, || async { app.client.get(&health).send().await.ok() })
        .await;
    let out = run(&other_url, other.path(), &["restore", file_arg]);
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    tokio::task::spawn_blocking(move || server.wait()).await.unwrap().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("in use by a running server"), "{}", stderr(&out));
}
