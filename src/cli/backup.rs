//! `backup FILE` and `restore FILE` (issue 28), and the lock a serving process holds so that a
//! restore cannot pull the database from under it.
//!
//! SQLite: `VACUUM INTO` copies the database inside one read transaction, so the copy is
//! consistent while the server writes (a plain file copy misses what is still in the
//! write-ahead log). PostgreSQL: `pg_dump`/`pg_restore` do it better than we could; the
//! commands are printed.
use std::{
    fs::File,
    path::{Path, PathBuf},
};

use pleroma_gateway::{config::Settings, db};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

/// The lock file beside a SQLite database: serving processes hold it shared, `restore` takes it
/// exclusively, so a restore never runs under a live server (nor a server over a restore).
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn sqlite_file(settings: &Settings) -> Option<PathBuf> {
    let url = &settings.database_url;
    url.starts_with("sqlite:").then(|| PathBuf::from(db::sqlite_path(url)))
}

/// Held by `serve` for its whole life (a shared lock; several servers may share a database).
pub struct ServeLock(#[allow(dead_code)] Option<File>);

pub fn serve_lock(settings: &Settings) -> Result<ServeLock, String> {
    let Some(database) = sqlite_file(settings) else { return Ok(ServeLock(None)) };
    let path = lock_path(&database);
    let file = File::create(&path).map_err(|e| format!("cannot create the lock file {}: {e}", path.display()))?;
    file.try_lock_shared().map_err(|_| {
        format!(
            "the database {} is being restored (lock {} is held); start the server when it is done",
            database.display(),
            path.display()
        )
    })?;
    Ok(ServeLock(Some(file)))
}

/// The URL without its password, for messages and printed commands.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

fn postgres_hint(settings: &Settings, file: &str, restore: bool) -> String {
    let url = without_password(&settings.database_url);
    let command = if restore {
        format!("pg_restore --clean --if-exists --no-owner --dbname '{url}' '{file}'")
    } else {
        format!("pg_dump --format=custom --file '{file}' '{url}'")
    };
    let what = if restore { "restore" } else { "backup" };
    format!(
        "`{what}` copies SQLite databases only; for PostgreSQL run (with the password in PGPASSWORD or ~/.pgpass):\n  {command}"
    )
}

/// `backup FILE`: a consistent copy of the SQLite database, taken while the server runs.
pub async fn backup(settings: &Settings, file: &Path) -> Result<(), String> {
    if sqlite_file(settings).is_none() {
        return Err(postgres_hint(settings, &file.display().to_string(), false));
    }
    if file.exists() {
        return Err(format!("{} exists already; choose a new file (a backup never overwrites)", file.display()));
    }
    let target = file.to_str().ok_or_else(|| format!("{}: the path is not valid UTF-8", file.display()))?;
    let db = db::Db::connect(&settings.database_url).await.map_err(|e| db::error_text(&e))?;
    let started = std::time::Instant::now();
    // One read transaction: every write acknowledged before it began is in the copy.
    let sql = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
    let bar = super::progress::spinner(format!("writing the backup to {}", file.display()));
    let done = db.read.execute_raw(Statement::from_string(DbBackend::Sqlite, sql)).await;
    bar.finish_and_clear();
    done.map_err(|e| format!("backup to {}: {}", file.display(), db::error_text(&e)))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup written to {} ({:.1} MB in {:.1}s)",
        file.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `restore FILE`: put a backup in place of the SQLite database; refused while a server holds
/// the database (its lock file) and for a file that is not a sound gateway database.
pub async fn restore(settings: &Settings, file: &Path) -> Result<(), String> {
    let Some(database) = sqlite_file(settings) else {
        return Err(postgres_hint(settings, &file.display().to_string(), true));
    };
    if !file.is_file() {
        return Err(format!("{}: no such backup file", file.display()));
    }
    check_backup(file).await?;
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let path = lock_path(&database);
    let lock = File::create(&path).map_err(|e| format!("cannot create the lock file {}: {e}", path.display()))?;
    lock.try_lock().map_err(|_| {
        format!(
            "the database {} is in use by a running server (it holds {}); stop every server first, then restore",
            database.display(),
            path.display()
        )
    })?;
    // Copy beside the database, then rename: a crash leaves either the old or the new one.
    let mut staging = database.as_os_str().to_owned();
    staging.push(".restoring");
    let staging = PathBuf::from(staging);
    let bar = super::progress::spinner(format!("copying {}", file.display()));
    let copied = std::fs::copy(file, &staging);
    bar.finish_and_clear();
    copied.map_err(|e| format!("copying {} to {}: {e}", file.display(), staging.display()))?;
    File::open(&staging).and_then(|f| f.sync_all()).map_err(|e| format!("{}: {e}", staging.display()))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = database.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("removing the old write-ahead log: {e}")),
        }
    }
    std::fs::rename(&staging, &database).map_err(|e| format!("moving the backup into {}: {e}", database.display()))?;
    drop(lock);
    println!("restored {} from {}; the next start applies any newer migrations", database.display(), file.display());
    Ok(())
}

/// The file opens as SQLite, passes `quick_check` and holds the gateway's migrations table.
async fn check_backup(file: &Path) -> Result<(), String> {
    let bad = |why: String| format!("{} is not a usable backup: {why}", file.display());
    let url = format!("sqlite://{}?mode=ro", file.display());
    let conn = Database::connect(url.as_str()).await.map_err(|e| bad(db::error_text(&e)))?;
    let row = conn
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA quick_check"))
        .await
        .map_err(|e| bad(db::error_text(&e)))?;
    let verdict: String = row.and_then(|r| r.try_get_by_index(0).ok()).unwrap_or_default();
    if verdict != "ok" {
        return Err(bad(format!("quick_check says {verdict}")));
    }
    let migrations = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT count(*) FROM sqlite_master WHERE name = 'seaql_migrations'",
        ))
        .await
        .map_err(|e| bad(db::error_text(&e)))?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0);
    if migrations == 0 {
        return Err(bad("it holds no pleroma-gateway migrations".into()));
    }
    conn.close().await.map_err(|e| bad(db::error_text(&e)))?;
    Ok(())
}
