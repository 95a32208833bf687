//! Shared application state.
use std::sync::Arc;

use crate::{
    auth::RateLimits, config::Settings, db::Db, domain::config_db::LiveSettings, domain::mail::Mailer,
    graphql::Executor, rest::Facade,
};

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Settings in force: the file's with the database's on top (see [`AppState::settings`]).
    pub live: Arc<LiveSettings>,
    pub schema: Executor,
    pub facade: Arc<Facade>,
    pub mailer: Arc<Mailer>,
    pub rate_limits: Arc<RateLimits>,
    /// Token lookups cached by this process (`auth::token_cache`).
    pub token_cache: Arc<crate::auth::TokenCache>,
    /// `GET /api/v1/instance` and nodeinfo figures, refreshed in the background.
    pub instance_stats: Arc<crate::domain::instance::StatsCache>,
    /// Remote key fetches caused by inbox requests, limited per host and key.
    pub key_fetches: Arc<crate::domain::federation::KeyFetches>,
}

impl AppState {
    /// Build the state over a connected database.
    pub fn new(db: Db, settings: Settings) -> Result<AppState, String> {
        let live = LiveSettings::new(settings, db.probe.clone());
        let settings = live.current();
        let mailer = Arc::new(Mailer::new(&settings)?);
        let rate_limits = Arc::new(RateLimits::new(settings.rate_limit.clone()));
        // What a restart rebuilds: the limiters and the mail transport.
        let limits = rate_limits.clone();
        live.on_restart(Box::new(move |s: &Settings| limits.reconfigure(s.rate_limit.clone())));
        let transport = mailer.clone();
        live.on_restart(Box::new(move |s: &Settings| {
            if let Err(error) = transport.reconfigure(s) {
                tracing::warn!(%error, "mailer settings refused; keeping the previous transport");
            }
        }));
        let schema = Executor::new(db.clone(), settings.clone(), mailer.clone());
        let facade = Arc::new(crate::rest::facade(Executor::facade(db.clone(), settings.clone(), mailer.clone()))?);
        std::thread::spawn(crate::auth::password::prepare_dummy);
        // This process's emoji index, loaded from disk now rather than on the first request.
        crate::domain::storage::check(&settings)?;
        crate::domain::emoji::index(&settings);
        // A pack changed by any process (and the first check, with shared storage): pull the
        // emoji directory from the storage and load the index again. A local directory was
        // loaded just above; loading it again at the first check would pick up files copied by
        // hand since, which only `reload_emoji` does (as Pleroma).
        live.on_files_changed(Box::new(
            |s: Arc<Settings>, first: bool| -> futures_util::future::BoxFuture<'static, ()> {
                Box::pin(async move {
                    if first && crate::domain::storage::store(&s).is_working_copy() {
                        return;
                    }
                    if let Err(error) = crate::domain::emoji::refresh(&s).await {
                        tracing::warn!(%error, "cannot reload the emoji packs from the storage");
                    }
                })
            },
        ));
        // Changes saved by any process reach this one in the background, not per request (after
        // the restart hooks: the first load builds the reboot-time parts).
        if tokio::runtime::Handle::try_current().is_ok() {
            live.watch();
        }
        Ok(AppState {
            rate_limits,
            token_cache: Arc::default(),
            instance_stats: Arc::default(),
            key_fetches: Arc::default(),
            db,
            live,
            schema,
            facade,
            mailer,
        })
    }
}

impl AppState {
    /// The settings in force now: a snapshot for one request.
    pub fn settings(&self) -> Arc<Settings> {
        self.live.current()
    }
}

impl AppState {
    /// One round of housekeeping: forget expired rate-limit windows, delete spent or expired
    /// password-reset tokens, jobs completed over a week ago and expired backup archives, and — with `clean_expired_tokens` (Pleroma's `PurgeExpiredToken`)
    /// — OAuth tokens past their validity; MFA tokens and authorization codes once expired.
    pub async fn housekeeping(&self) -> Result<(), crate::error::AppError> {
        self.rate_limits.prune();
        // A check besides the listener's (a notification lost on a silently dead connection).
        self.live.refresh().await;
        let settings = self.settings();
        crate::domain::credentials::delete_stale_reset_tokens(&self.db.write).await?;
        // Completed jobs are kept a week for inspection.
        crate::jobs::prune_completed(&self.db, std::time::Duration::from_secs(7 * 24 * 3600)).await?;
        // Backup archives live `[backup] purge_after_days`.
        crate::domain::backups::delete_expired(&self.db, &settings).await?;
        if settings.oauth2.clean_expired_tokens {
            crate::domain::oauth::delete_expired_tokens(&self.db.write).await?;
        }
        // Expired MFA tokens and authorization codes (Pleroma schedules a `PurgeExpiredToken`
        // for each MFA token).
        crate::domain::mfa::delete_expired(&self.db.write).await?;
        Ok(())
    }

    /// Run [`AppState::housekeeping`] every minute, for as long as the runtime lives.
    pub fn spawn_housekeeping(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                if let Err(err) = state.housekeeping().await {
                    tracing::warn!(error = %err, "housekeeping failed");
                }
            }
        })
    }
}

impl AppState {
    /// The directory of uploaded files.
    pub fn uploads_dir(&self) -> std::path::PathBuf {
        crate::domain::statuses::uploads_dir(&self.settings())
    }

    /// Start this process's job runner (`jobs`) with every job kind; stop it with the
    /// returned handle. Any number of processes may run one over the same database.
    /// Its queues follow `Oban, :queues` saved through `/config` from then on (a saved change
    /// resizes them; the options' counts hold until one).
    pub fn spawn_jobs(&self, options: crate::jobs::RunnerOptions) -> crate::jobs::RunnerHandle {
        let mut handle = self.job_runner(options).spawn();
        handle.follow(self.live.subscribe(), |settings| job_workers(&settings.jobs));
        handle
    }

    /// A job runner with every job kind (tests drive it with `run_once`).
    pub fn job_runner(
        &self,
        options: crate::jobs::RunnerOptions,
    ) -> crate::jobs::Runner<crate::domain::job_kinds::JobContext> {
        use crate::domain::job_kinds::{registry, JobContext};
        let ctx = JobContext { db: self.db.clone(), live: self.live.clone(), mailer: self.mailer.clone() };
        crate::jobs::Runner::new(self.db.clone(), std::sync::Arc::new(registry()), ctx, options)
    }

    /// The runner's options from the settings: `[jobs]` workers per queue.
    pub fn job_options(&self) -> crate::jobs::RunnerOptions {
        crate::jobs::RunnerOptions { concurrency: job_workers(&self.settings().jobs), ..Default::default() }
    }
}

/// Workers per queue from `[jobs]` (or `Oban, :queues`).
fn job_workers(jobs: &crate::config::Jobs) -> std::collections::BTreeMap<crate::jobs::Queue, usize> {
    use crate::jobs::Queue;
    [
        (Queue::Federation, jobs.federation),
        (Queue::Default, jobs.default),
        (Queue::Slow, jobs.slow),
        (Queue::Purge, jobs.purge),
    ]
    .into()
}

impl AppState {
    /// Whom a rate limiter counts for this request, as Pleroma's `RateLimiter`: the signed-in
    /// user, or else the client address.
    pub async fn limited_caller(&self, parts: &axum::http::request::Parts) -> crate::auth::Caller {
        use crate::auth::{remote_ip::client_address, Caller, Viewer};
        match Viewer::from_request(parts, &self.auth()).await {
            Ok(viewer) => Caller::of(&viewer),
            Err(_) => Caller::address(client_address(parts, &self.settings().remote_ip)),
        }
    }

    /// What authenticating a request needs.
    pub fn auth(&self) -> crate::auth::AuthContext<'_> {
        crate::auth::AuthContext {
            db: &self.db,
            settings: self.settings(),
            rate_limits: &self.rate_limits,
            token_cache: &self.token_cache,
        }
    }
}

/// Handlers take the caller as an extractor; a native row's guard has already resolved it.
impl axum::extract::FromRequestParts<AppState> for crate::auth::Viewer {
    type Rejection = crate::rest::RestError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(viewer) = parts.extensions.get::<crate::auth::Viewer>() {
            return Ok(viewer.clone());
        }
        crate::auth::Viewer::from_request(parts, &state.auth()).await.map_err(crate::rest::RestError::from)
    }
}
