//! Live settings: the file's settings with the database's on top, kept current in every gateway
//! process sharing the database without a database read per request.
//!
//! Requests read an in-memory `Arc<Settings>` snapshot ([`LiveSettings::current`]): a change
//! applies from the next request on and never halfway through one. A background task per
//! process ([`LiveSettings::watch`]) notices changes:
//! - PostgreSQL: one `LISTEN gateway_config` connection. A trigger on `config_version` sends the
//!   notification in the transaction that bumps the version, so it arrives at commit. When the
//!   connection drops, the task reconnects with backoff and checks once, since notifications
//!   sent meanwhile are lost.
//! - SQLite (no notifications): the version row, read on the probe connection every
//!   [`SQLITE_POLL`].
//!
//! A check reads the version row (`version`, `restarts`) on a connection of its own, outside
//! the statement counts, and reloads the saved settings when the version moved.
//!
//! Reboot-time settings (rate limiters, the mail transport) keep running with the values they
//! were built from until a restart rebuilds them in place; until then
//! [`LiveSettings::need_reboot`] is true, per process, as Pleroma's `Restarter` keeps it.
//! [`LiveSettings::restart`] counts the restart in the version row, so every process sharing the
//! database rebuilds its parts.
//!
//! Shared files that processes index in memory (the emoji packs, see `domain::storage`) are
//! counted in the version row too (`files`, [`LiveSettings::files_changed`]): when the count
//! moves, every process runs its [`FilesHook`]s (reload the emoji index from the store). This is
//! followed whether or not settings come from the database.
use std::{
    sync::{
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
        Arc, RwLock, Weak,
    },
    time::Duration,
};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Statement};

use super::{apply, load, model::declared};
use crate::config::Settings;

/// What rebuilds a reboot-time part (limiters, transports) from settings.
pub type RestartHook = Box<dyn Fn(&Settings) + Send + Sync>;

/// What reloads a process's in-memory view of shared files (the emoji index) from settings;
/// `first` is true at this process's first check, when nothing has changed since start-up but
/// a shared store may hold what the local copy lacks.
pub type FilesHook = Box<dyn Fn(Arc<Settings>, bool) -> futures_util::future::BoxFuture<'static, ()> + Send + Sync>;

/// The PostgreSQL channel the `config_version` trigger notifies.
pub const CHANNEL: &str = "gateway_config";

/// The listening connection's `application_name` (in `pg_stat_activity`).
pub const LISTENER_NAME: &str = "pleroma-gateway settings listener";

/// How often a SQLite process reads the version row.
pub const SQLITE_POLL: Duration = Duration::from_millis(250);

/// The first and the longest wait before the PostgreSQL listener reconnects.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(30));

/// The process's settings handle.
pub struct LiveSettings {
    base: Arc<Settings>,
    current: RwLock<Arc<Settings>>,
    applied: RwLock<Arc<Settings>>,
    /// The database version loaded; -1 before the first load.
    version: AtomicI64,
    /// The restart count the reboot-time parts were last built for; -1 before the first load.
    restarts: AtomicI64,
    probe: DatabaseConnection,
    /// One check or reload at a time.
    sync: tokio::sync::Mutex<()>,
    /// Version-row reads so far.
    checks: AtomicU64,
    hooks: RwLock<Vec<RestartHook>>,
    /// The shared-files count last seen; -1 before the first check.
    files: AtomicI64,
    file_hooks: RwLock<Vec<Arc<FilesHook>>>,
    warned: AtomicBool,
    /// Each new snapshot, for parts that follow settings outside requests (the job runner).
    changes: tokio::sync::watch::Sender<Arc<Settings>>,
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|e| e.into_inner()).clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock.write().unwrap_or_else(|e| e.into_inner()) = value;
}

/// The version row: `(version, restarts, files)`.
async fn stamp<C: ConnectionTrait>(conn: &C) -> Result<(i64, i64, i64), DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        version: i64,
        restarts: i64,
        files: i64,
    }
    let sql = "SELECT version, restarts, files FROM config_version WHERE id = 1";
    let row = Row::find_by_statement(Statement::from_string(conn.get_database_backend(), sql)).one(conn).await?;
    Ok(row.map_or((0, 0, 0), |r| (r.version, r.restarts, r.files)))
}

impl LiveSettings {
    /// Settings from the file (and flags); the database's are loaded by the first check.
    pub fn new(base: Settings, probe: DatabaseConnection) -> Arc<LiveSettings> {
        let base = Arc::new(base);
        Arc::new(LiveSettings {
            changes: tokio::sync::watch::Sender::new(base.clone()),
            current: RwLock::new(base.clone()),
            applied: RwLock::new(base.clone()),
            base,
            version: AtomicI64::new(-1),
            restarts: AtomicI64::new(-1),
            probe,
            sync: tokio::sync::Mutex::new(()),
            checks: AtomicU64::new(0),
            hooks: RwLock::new(Vec::new()),
            files: AtomicI64::new(-1),
            file_hooks: RwLock::new(Vec::new()),
            warned: AtomicBool::new(false),
        })
    }

    /// The settings now in force: a snapshot for one request or job.
    pub fn current(&self) -> Arc<Settings> {
        read(&self.current)
    }

    /// Every settings snapshot from now on, as it comes into force in this process.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<Arc<Settings>> {
        self.changes.subscribe()
    }

    /// The settings from defaults, the file and flags, without the database's.
    pub fn base(&self) -> Arc<Settings> {
        self.base.clone()
    }

    /// Whether the database layer is read at all (`configurable_from_database`).
    pub fn from_database(&self) -> bool {
        self.base.configurable_from_database
    }

    /// Run `hook` with the settings on every restart (and once the database's are first loaded).
    pub fn on_restart(&self, hook: RestartHook) {
        self.hooks.write().unwrap_or_else(|e| e.into_inner()).push(hook);
    }

    /// Run `hook` when any process changed shared files ([`LiveSettings::files_changed`]), and
    /// once at the first check.
    pub fn on_files_changed(&self, hook: FilesHook) {
        self.file_hooks.write().unwrap_or_else(|e| e.into_inner()).push(Arc::new(hook));
    }

    /// Count a change to shared files in the version row, so every process sharing the database
    /// runs its [`FilesHook`]s (this one too, in the background).
    pub async fn files_changed(&self) -> Result<(), DbErr> {
        self.probe.execute_unprepared("UPDATE config_version SET files = files + 1 WHERE id = 1").await?;
        self.sync(false).await
    }

    /// How many times this process has read the version row (tests: none per request).
    pub fn checks(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }

    /// Before a request: load the saved settings if this process has not yet (an atomic read
    /// once they are loaded; later changes arrive through [`LiveSettings::watch`]).
    pub async fn ready(&self) {
        if self.from_database() && self.version.load(Ordering::Acquire) < 0 {
            self.refresh().await;
        }
    }

    /// Check the version row now, and reload or rebuild what moved. Errors are logged once
    /// and the settings in force kept.
    pub async fn refresh(&self) {
        if let Err(err) = self.sync(false).await {
            self.warn(&err);
        }
    }

    fn warn(&self, err: &DbErr) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %err, "cannot read the saved settings; keeping the settings in force");
        }
    }

    /// Load the saved settings now (after this process saved them).
    pub async fn reload(&self) -> Result<(), DbErr> {
        self.sync(true).await
    }

    /// Read the version row; load the settings when it moved (or `force`), rebuild the
    /// reboot-time parts when the restart count moved (or on the first load).
    async fn sync(&self, force: bool) -> Result<(), DbErr> {
        let _one = self.sync.lock().await;
        self.checks.fetch_add(1, Ordering::Relaxed);
        let (version, restarts, files) = stamp(&self.probe).await?;
        let seen = self.files.swap(files, Ordering::AcqRel);
        if files != seen {
            let current = self.current();
            for hook in self.file_hooks.read().unwrap_or_else(|e| e.into_inner()).iter() {
                let hook = hook.clone();
                let settings = current.clone();
                tokio::spawn(async move { hook(settings, seen < 0).await });
            }
        }
        if !self.from_database() {
            return Ok(());
        }
        let first = self.version.load(Ordering::Acquire) < 0;
        if force || first || version != self.version.load(Ordering::Acquire) {
            let rows = load(&self.probe).await?;
            let mut settings = (*self.base).clone();
            for error in apply(&mut settings, &rows) {
                tracing::warn!(%error, "saved setting ignored");
            }
            let settings = Arc::new(settings);
            write(&self.current, settings.clone());
            self.changes.send_replace(settings);
            self.version.store(version, Ordering::Release);
        }
        // Start-up builds the reboot-time parts from what the database holds.
        if first || restarts != self.restarts.load(Ordering::Acquire) {
            self.rebuild();
            self.restarts.store(restarts, Ordering::Release);
        }
        Ok(())
    }

    /// Whether a reboot-time setting in force differs from what its parts were built with.
    pub fn need_reboot(&self) -> bool {
        let (current, applied) = (self.current(), read(&self.applied));
        declared().iter().filter(|d| d.reboot).any(|d| (d.get)(&current) != (d.get)(&applied))
    }

    /// `GET /admin/restart`: count a restart in the version row, so every process sharing the
    /// database rebuilds its reboot-time parts, and rebuild this process's before answering.
    pub async fn restart(&self) -> Result<(), DbErr> {
        self.probe.execute_unprepared("UPDATE config_version SET restarts = restarts + 1 WHERE id = 1").await?;
        self.sync(false).await
    }

    /// Rebuild the reboot-time parts in place from the settings in force; requests in flight
    /// finish with the parts they hold.
    fn rebuild(&self) {
        let current = self.current();
        for hook in self.hooks.read().unwrap_or_else(|e| e.into_inner()).iter() {
            hook(&current);
        }
        write(&self.applied, current);
    }

    /// Follow changes made by any process in a background task, for as long as this handle
    /// lives (needs a Tokio runtime; with the database layer off, only shared-file changes).
    pub fn watch(self: &Arc<Self>) {
        let live = Arc::downgrade(self);
        match self.probe.get_database_backend() {
            DbBackend::Postgres => {
                let options = (*self.probe.get_postgres_connection_pool().connect_options()).clone();
                tokio::spawn(listen(live, options.application_name(LISTENER_NAME)));
            }
            _ => {
                tokio::spawn(poll(live));
            }
        }
    }
}

/// SQLite: read the version row every [`SQLITE_POLL`].
async fn poll(live: Weak<LiveSettings>) {
    let mut tick = tokio::time::interval(SQLITE_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(live) = live.upgrade() else { return };
        live.refresh().await;
    }
}

/// PostgreSQL: `LISTEN` on a connection of its own; check once per connection (changes made
/// while not listening) and once per burst of notifications.
async fn listen(live: Weak<LiveSettings>, options: sea_orm::sqlx::postgres::PgConnectOptions) {
    use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
    let mut backoff = BACKOFF.0;
    let mut lost = false;
    while live.strong_count() > 0 {
        let connected = async {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .max_lifetime(None)
                .idle_timeout(None)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options.clone())
                .await?;
            let mut listener = PgListener::connect_with(&pool).await?;
            // A lost connection ends this one; the loop below makes a fresh one and checks.
            listener.eager_reconnect(false);
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        }
        .await;
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, retry_in = ?backoff, "cannot listen for settings changes");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF.1);
                continue;
            }
        };
        if lost {
            tracing::info!("listening for settings changes again");
        }
        let Some(handle) = live.upgrade() else { return };
        handle.refresh().await;
        drop(handle);
        let since = std::time::Instant::now();
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => {
                    // One check for what arrived together.
                    while listener.next_buffered().is_some() {}
                    let Some(handle) = live.upgrade() else { return };
                    handle.refresh().await;
                }
                Ok(None) => {
                    tracing::warn!("the settings listener's connection was lost; reconnecting");
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, "the settings listener failed; reconnecting");
                    break;
                }
            }
        }
        lost = true;
        // A connection that lasted a while starts the backoff over; one dropped at once waits longer.
        if since.elapsed() > Duration::from_secs(60) {
            backoff = BACKOFF.0;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF.1);
    }
}
