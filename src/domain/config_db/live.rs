//! Live settings: the file's settings with the database's on top, reloaded by every gateway
//! process when the database's configuration version moves.
//!
//! Each request starts with [`LiveSettings::refresh`]: one `SELECT` of the version row on a
//! connection of its own (outside the statement counts tests and benchmarks keep), and a reload
//! of the saved settings when it changed. Concurrent requests share checks: a request waits for
//! a check that started after it arrived rather than starting its own, so under load the checks
//! run one at a time, whatever the request rate, and each request still sees every change
//! committed before it arrived. Requests take an `Arc<Settings>` snapshot, so a
//! change applies from the next request on and never halfway through one.
//!
//! Reboot-time settings (rate limiters, the mail transport) keep running with the values they
//! were built from until [`LiveSettings::restart`] rebuilds them in place; until then
//! [`LiveSettings::need_reboot`] is true, per process, as Pleroma's `Restarter` keeps it.
use std::sync::{
    atomic::{AtomicBool, AtomicI64, Ordering},
    Arc, RwLock,
};

use sea_orm::{DatabaseConnection, DbErr};

use super::{apply, load, model::declared, version};
use crate::config::Settings;

/// What rebuilds a reboot-time part (limiters, transports) from settings.
pub type RestartHook = Box<dyn Fn(&Settings) + Send + Sync>;

/// The process's settings handle.
pub struct LiveSettings {
    base: Arc<Settings>,
    current: RwLock<Arc<Settings>>,
    applied: RwLock<Arc<Settings>>,
    /// The database version loaded; -1 before the first load.
    version: AtomicI64,
    probe: DatabaseConnection,
    reload: tokio::sync::Mutex<()>,
    /// When the last completed version check started.
    checked: tokio::sync::Mutex<Option<std::time::Instant>>,
    hooks: RwLock<Vec<RestartHook>>,
    warned: AtomicBool,
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|e| e.into_inner()).clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock.write().unwrap_or_else(|e| e.into_inner()) = value;
}

impl LiveSettings {
    /// Settings from the file (and flags); the database's are loaded by the first refresh.
    pub fn new(base: Settings, probe: DatabaseConnection) -> Arc<LiveSettings> {
        let base = Arc::new(base);
        Arc::new(LiveSettings {
            current: RwLock::new(base.clone()),
            applied: RwLock::new(base.clone()),
            base,
            version: AtomicI64::new(-1),
            probe,
            reload: tokio::sync::Mutex::new(()),
            checked: tokio::sync::Mutex::new(None),
            hooks: RwLock::new(Vec::new()),
            warned: AtomicBool::new(false),
        })
    }

    /// The settings now in force: a snapshot for one request or job.
    pub fn current(&self) -> Arc<Settings> {
        read(&self.current)
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

    /// Reload when another process (or this one) changed the saved settings. Errors are logged
    /// once and the settings in force kept.
    pub async fn refresh(&self) {
        if !self.from_database() {
            return;
        }
        let arrived = std::time::Instant::now();
        let mut checked = self.checked.lock().await;
        if checked.is_some_and(|started| started > arrived) {
            // A check that began after this request arrived has just finished.
            return;
        }
        let started = std::time::Instant::now();
        match version(&self.probe).await {
            Ok(v) if v == self.version.load(Ordering::Acquire) => {}
            Ok(_) => {
                if let Err(err) = self.reload().await {
                    self.warn(&err);
                }
            }
            Err(err) => self.warn(&err),
        }
        *checked = Some(started);
    }

    fn warn(&self, err: &DbErr) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %err, "cannot read the saved settings; keeping the settings in force");
        }
    }

    /// Load the saved settings now.
    pub async fn reload(&self) -> Result<(), DbErr> {
        let _one = self.reload.lock().await;
        let v = version(&self.probe).await?;
        let rows = load(&self.probe).await?;
        let mut settings = (*self.base).clone();
        for error in apply(&mut settings, &rows) {
            tracing::warn!(%error, "saved setting ignored");
        }
        let first = self.version.load(Ordering::Acquire) < 0;
        write(&self.current, Arc::new(settings));
        self.version.store(v, Ordering::Release);
        if first {
            // Start-up: the reboot-time parts are built from what the database holds.
            self.restart();
        }
        Ok(())
    }

    /// Whether a reboot-time setting in force differs from what its parts were built with.
    pub fn need_reboot(&self) -> bool {
        let (current, applied) = (self.current(), read(&self.applied));
        declared().iter().filter(|d| d.reboot).any(|d| (d.get)(&current) != (d.get)(&applied))
    }

    /// Rebuild the reboot-time parts in place from the settings in force; requests in flight
    /// finish with the parts they hold.
    pub fn restart(&self) {
        let current = self.current();
        for hook in self.hooks.read().unwrap_or_else(|e| e.into_inner()).iter() {
            hook(&current);
        }
        write(&self.applied, current);
    }
}
