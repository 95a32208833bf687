//! Database connections. PostgreSQL: one pool. SQLite: WAL, foreign keys and a busy timeout, a
//! pool of readers and a single-connection writer pool whose transactions begin IMMEDIATE, so
//! concurrent writers queue instead of failing with "database is locked".
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use migration::MigratorTrait;
use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// The gateway's database handles.
#[derive(Clone)]
pub struct Db {
    /// For reads.
    pub read: DatabaseConnection,
    /// For writes; the same pool as `read` on PostgreSQL.
    pub write: DatabaseConnection,
    statements: Arc<AtomicU64>,
}

impl Db {
    /// Connect to `url`, creating a SQLite file (and its directory) when missing.
    pub async fn connect(url: &str) -> Result<Db, DbErr> {
        let statements = Arc::new(AtomicU64::new(0));
        if url.starts_with("sqlite:") {
            if let Some(dir) = sqlite_dir(url) {
                std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            let mut read = Database::connect(sqlite_options(url, 8)).await?;
            let mut write = Database::connect(sqlite_options(url, 1)).await?;
            count_statements(&mut read, &statements);
            count_statements(&mut write, &statements);
            Ok(Db { read, write, statements })
        } else {
            let mut options = ConnectOptions::new(url);
            options.max_connections(16).acquire_timeout(Duration::from_secs(10)).sqlx_logging(false);
            let mut pool = Database::connect(options).await?;
            count_statements(&mut pool, &statements);
            Ok(Db { read: pool.clone(), write: pool, statements })
        }
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

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.read.ping().await.is_ok()
    }

    /// The backend in use.
    pub fn backend(&self) -> DbBackend {
        self.read.get_database_backend()
    }
}

fn count_statements(conn: &mut DatabaseConnection, counter: &Arc<AtomicU64>) {
    let counter = counter.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
}

fn sqlite_options(url: &str, connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .create_if_missing(true)
                // Reads come from shared memory-mapped pages rather than a read() per page.
                .pragma("mmap_size", "1073741824")
                .pragma("cache_size", "-16384")
                .optimize_on_close(true, None)
        });
    options
}

fn sqlite_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next()?;
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    std::path::Path::new(path).parent().map(|p| p.to_path_buf())
}
