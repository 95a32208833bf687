//! Database connections. PostgreSQL: one pool. SQLite: WAL, foreign keys and a busy timeout, a
//! pool of readers and a single-connection writer pool whose transactions begin IMMEDIATE, so
//! concurrent writers queue instead of failing with "database is locked".
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use migration::MigratorTrait;
use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

/// The gateway's database handles.
#[derive(Clone)]
pub struct Db {
    /// For reads.
    pub read: DatabaseConnection,
    /// For writes; the same pool as `read` on PostgreSQL.
    pub write: DatabaseConnection,
    /// One connection outside the statement count, for the background settings checks
    /// (`domain::config_db::live`).
    pub probe: DatabaseConnection,
    statements: Arc<AtomicU64>,
    recorder: Arc<Recorder>,
    /// This process's job runs ending over this database (`jobs::wait` listens here).
    job_events: tokio::sync::broadcast::Sender<crate::jobs::Finished>,
}

/// SQLite's `mmap_size`: reads come from shared memory-mapped pages rather than a `read()` per page.
pub const SQLITE_MMAP_SIZE: u64 = 1 << 30;

/// Statements captured while recording (benchmarks replay what a request sent, as raw SQL).
#[derive(Default)]
struct Recorder {
    on: AtomicBool,
    statements: Mutex<Vec<Statement>>,
}

impl Db {
    /// Connect to `url`, creating a SQLite file (and its directory) when missing.
    pub async fn connect(url: &str) -> Result<Db, DbErr> {
        Db::connect_with_mmap(url, SQLITE_MMAP_SIZE).await
    }

    /// [`Db::connect`] with SQLite's `mmap_size` set to `mmap_size` bytes (0: no memory map;
    /// benchmarks compare sizes).
    pub async fn connect_with_mmap(url: &str, mmap_size: u64) -> Result<Db, DbErr> {
        let statements = Arc::new(AtomicU64::new(0));
        let recorder = Arc::new(Recorder::default());
        if url.starts_with("sqlite:") {
            // Errors name the path: SQLite's own say only "unable to open database file".
            if let Some(dir) = sqlite_dir(url) {
                std::fs::create_dir_all(&dir).map_err(|e| {
                    message(format!(
                        "cannot create the data directory {}: {} (see --data-dir)",
                        dir.display(),
                        io_text(&e)
                    ))
                })?;
                // SQLite writes its journal beside the database: an existing directory the
                // process cannot write to is named here, not as "unable to open database file".
                if let Err(e) = tempfile::tempfile_in(&dir) {
                    return Err(message(format!(
                        "cannot write to the data directory {}: {} (see --data-dir)",
                        dir.display(),
                        io_text(&e)
                    )));
                }
            }
            let cannot_open =
                |e: DbErr| message(format!("cannot open the SQLite database {}: {}", sqlite_path(url), error_text(&e)));
            let mut read = Database::connect(sqlite_options(url, 8, mmap_size)).await.map_err(cannot_open)?;
            let mut write = Database::connect(sqlite_options(url, 1, mmap_size)).await.map_err(cannot_open)?;
            let probe = Database::connect(sqlite_options(url, 1, mmap_size)).await.map_err(cannot_open)?;
            count_statements(&mut read, &statements, &recorder);
            count_statements(&mut write, &statements, &recorder);
            Ok(Db { read, write, probe, statements, recorder, job_events: job_events() })
        } else {
            check_scheme(url)?;
            probe_server(url).await?;
            let mut options = ConnectOptions::new(url);
            options
                .max_connections(16)
                .connect_timeout(Duration::from_secs(5))
                .acquire_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            let mut pool = Database::connect(options)
                .await
                .map_err(|e| message(format!("database {}: {}", server_address(url), error_text(&e))))?;
            let mut probe_options = ConnectOptions::new(url);
            probe_options
                .max_connections(1)
                .min_connections(0)
                .connect_timeout(Duration::from_secs(5))
                .acquire_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            let probe = Database::connect(probe_options)
                .await
                .map_err(|e| message(format!("database {}: {}", server_address(url), error_text(&e))))?;
            count_statements(&mut pool, &statements, &recorder);
            Ok(Db { read: pool.clone(), write: pool, probe, statements, recorder, job_events: job_events() })
        }
    }

    /// Names of the migrations not applied yet (`migrate` says what it ran).
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        let pending = migration::Migrator::get_pending_migrations(&self.write).await?;
        Ok(pending.iter().map(|m| m.name().to_string()).collect())
    }

    /// Apply pending migrations.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        migration::Migrator::up(&self.write, None).await
    }

    /// Begin a write transaction (IMMEDIATE on SQLite).
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        let mut options = TransactionOptions::default();
        if self.write.get_database_backend() == DbBackend::Sqlite {
            options.sqlite_transaction_mode = Some(SqliteTransactionMode::Immediate);
        } else {
            options.access_mode = Some(AccessMode::ReadWrite);
        }
        self.write.begin_with_options(options).await
    }

    /// Statements executed since start (tests use it to prove there is no N+1).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Start capturing every statement sent (with its bound values), dropping earlier ones.
    pub fn record(&self) {
        self.recorder.statements.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.recorder.on.store(true, Ordering::SeqCst);
    }

    /// Stop capturing; the statements sent since [`Db::record`], in order.
    pub fn recorded(&self) -> Vec<Statement> {
        self.recorder.on.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.recorder.statements.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Hear of every job run that ends in this process from now on.
    pub fn job_events(&self) -> tokio::sync::broadcast::Receiver<crate::jobs::Finished> {
        self.job_events.subscribe()
    }

    /// Tell [`Db::job_events`] subscribers that a run ended.
    pub fn announce_job(&self, finished: crate::jobs::Finished) {
        // An error means no one is subscribed: no one waits for it.
        let _ = self.job_events.send(finished);
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.read.ping().await.is_ok()
    }

    /// The backend in use.
    pub fn backend(&self) -> DbBackend {
        self.read.get_database_backend()
    }
}

/// Room for announcements a slow waiter has not read yet (it re-reads the row when it lags).
fn job_events() -> tokio::sync::broadcast::Sender<crate::jobs::Finished> {
    tokio::sync::broadcast::channel(256).0
}

fn count_statements(conn: &mut DatabaseConnection, counter: &Arc<AtomicU64>, recorder: &Arc<Recorder>) {
    let (counter, recorder) = (counter.clone(), recorder.clone());
    conn.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::Relaxed);
        if recorder.on.load(Ordering::Relaxed) {
            recorder.statements.lock().unwrap_or_else(|e| e.into_inner()).push(info.statement.clone());
        }
    });
}

fn sqlite_options(url: &str, connections: u32, mmap_size: u64) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .create_if_missing(true)
                .pragma("mmap_size", mmap_size.to_string())
                .pragma("cache_size", "-16384")
                .optimize_on_close(true, None)
        });
    options
}

/// A database error for people: without the wrapper's and the driver's prefixes, the driver's
/// source locations (`(sqlx_postgres::connection::tls:95)`) and PostgreSQL's own source line
/// (`... does not exist at line 768`), none of which helps whoever reads it.
pub fn error_text(err: &DbErr) -> String {
    static NOISE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r" at line \d+\b| \([a-z0-9_]+(?:::[a-z0-9_]+)+:\d+\)|Connection Error: |Execution Error: |Query Error: |error returned from database: ").ok()
    });
    let text = err.to_string();
    match NOISE.as_ref() {
        Some(noise) => noise.replace_all(&text, "").into_owned(),
        None => text,
    }
}

/// `host:port` of a server URL, for messages.
fn server_address(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{h}:{}", u.port().unwrap_or(5432))))
        .unwrap_or_else(|| "(from the URL)".into())
}

/// The database URL for logs: a PostgreSQL password is replaced by `***`.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// An I/O error as a person reads it: "permission denied" first, then the system's words.
fn io_text(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => format!("permission denied ({err})"),
        _ => err.to_string(),
    }
}

/// Only SQLite and PostgreSQL URLs are served: another scheme is named, not taken for a host.
fn check_scheme(url: &str) -> Result<(), DbErr> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme).or_else(|| url.split_once(':').map(|(s, _)| s));
    match scheme {
        Some("postgres" | "postgresql") => Ok(()),
        Some(other) => Err(message(format!(
            "unsupported database scheme \"{other}\" in the database URL: use sqlite://PATH?mode=rwc or \
             postgres://USER@HOST/DATABASE (see --database-url)"
        ))),
        None => Err(message(
            "the database URL has no scheme: use sqlite://PATH?mode=rwc or postgres://USER@HOST/DATABASE \
             (see --database-url)"
                .into(),
        )),
    }
}

/// A connection error whose text is the whole message (`DbErr::Custom` would prefix "Custom Error").
fn message(text: String) -> DbErr {
    DbErr::Conn(sea_orm::RuntimeErr::Internal(text))
}

/// Try a TCP connection to the server's host and port first, so that a server that is down is
/// reported at once as "connection refused at host:port" rather than after the pool's timeout.
/// URLs without a TCP host (a Unix socket in `?host=`) are left to the driver.
async fn probe_server(url: &str) -> Result<(), DbErr> {
    let Ok(parsed) = url::Url::parse(url) else { return Ok(()) };
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else { return Ok(()) };
    let port = parsed.port().unwrap_or(5432);
    let at = format!("{host}:{port}");
    match tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(message(format!("cannot connect to the database: connection refused at {at} (is the server running?)")))
        }
        Ok(Err(e)) => Err(message(format!("cannot connect to the database at {at}: {e}"))),
        Err(_) => Err(message(format!("cannot connect to the database: no answer from {at} within 5 seconds"))),
    }
}

/// The file named by a SQLite URL, for messages.
/// The file path of a `sqlite:` URL (without its `?options`).
pub fn sqlite_path(url: &str) -> &str {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    path.split('?').next().unwrap_or(path)
}

fn sqlite_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = sqlite_path(url);
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    std::path::Path::new(path).parent().map(|p| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_drops_source_locations_and_prefixes() {
        let err = DbErr::Conn(sea_orm::RuntimeErr::Internal(
            "error returned from database: role \"nouser\" does not exist at line 768".into(),
        ));
        assert_eq!(error_text(&err), "role \"nouser\" does not exist");
        let err = DbErr::Conn(sea_orm::RuntimeErr::Internal(
            "encountered unexpected or invalid data: unexpected response from SSLRequest: 0x48 (sqlx_postgres::connection::tls:95)".into(),
        ));
        assert_eq!(
            error_text(&err),
            "encountered unexpected or invalid data: unexpected response from SSLRequest: 0x48"
        );
    }
}
