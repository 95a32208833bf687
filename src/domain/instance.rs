//! The instance as clients discover it: software version, limits, statistics, peers, staff and
//! health. `Query.instance`, `Query.health`, `GET /api/v1/instance`, nodeinfo and the healthcheck
//! all read these functions.
use chrono::{Duration, Utc};
use entity::{oauth_token, user};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{config::Settings, db::Db, error::AppError};

/// The Mastodon API level Pleroma claims (`@mastodon_api_level`).
pub const MASTODON_API_LEVEL: &str = "2.7.2";
/// The Pleroma release whose API this gateway serves.
pub const PLEROMA_LEVEL: &str = "2.7.0";

/// Our software version, Pleroma-style: `2.7.0+pleroma-gateway-0.1.0`. The semver build part
/// names the gateway, so clients that compare Pleroma versions see 2.7.0.
pub fn software_version() -> String {
    format!("{PLEROMA_LEVEL}+pleroma-gateway-{}", env!("CARGO_PKG_VERSION"))
}

/// The `version` of `GET /api/v1/instance`: `2.7.2 (compatible; Pleroma 2.7.0+pleroma-gateway-0.1.0)`.
/// Soapbox reads the name after `compatible;` to pick Pleroma's feature set.
pub fn mastodon_version() -> String {
    format!("{MASTODON_API_LEVEL} (compatible; Pleroma {})", software_version())
}

/// The source repository, when the package names one.
pub fn repository() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY")).filter(|r| !r.is_empty())
}

/// Pleroma's `[:instance, :poll_limits]` defaults.
#[derive(Debug, Clone, Copy)]
pub struct PollLimits {
    pub max_options: u32,
    pub max_option_chars: u32,
    pub min_expiration: u32,
    pub max_expiration: u32,
}

/// Upload size limits in bytes (Pleroma's defaults).
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub general: u64,
    pub avatar: u64,
    pub banner: u64,
    pub background: u64,
}

/// Profile-field limits (Pleroma's defaults).
#[derive(Debug, Clone, Copy)]
pub struct FieldsLimits {
    pub max_fields: u32,
    pub max_remote_fields: u32,
    pub name_length: u32,
    pub value_length: u32,
}

/// A limit as the `u32` clients are told (a larger setting shows as `u32::MAX`).
fn sat<T: TryInto<u32>>(n: T) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

/// Settings-derived facts about the instance (no database access).
#[derive(Debug, Clone)]
pub struct InstanceInfo {
    /// `host[:port]`.
    pub host: String,
    /// Base URL, no trailing slash.
    pub url: String,
    pub title: String,
    pub description: String,
    pub short_description: String,
    pub email: String,
    pub languages: Vec<String>,
    pub registrations_open: bool,
    pub approval_required: bool,
    pub account_activation_required: bool,
    pub invites_enabled: bool,
    pub mailer_enabled: bool,
    /// `[:instance, :public] = false`.
    pub private: bool,
    pub federating: bool,
    pub skip_thread_containment: bool,
    pub max_toot_chars: usize,
    pub max_media_attachments: u32,
    pub description_limit: u32,
    pub chat_limit: u32,
    pub shout_limit: u32,
    pub birthday_required: bool,
    pub birthday_min_age: u32,
    pub poll_limits: PollLimits,
    pub upload_limits: UploadLimits,
    pub fields_limits: FieldsLimits,
    pub post_formats: Vec<String>,
    pub features: Vec<String>,
    pub restricted_nicknames: Vec<String>,
    /// `metadata.federation`: the moderation policies as nodeinfo shows them (`mrf::federation`).
    pub federation: serde_json::Value,
}

/// Pleroma feature flags this server honours. Add `shareable_emoji_packs` with the emoji-pack
/// area: Pleroma's admin-fe imports remote packs only when it is set.
pub const FEATURES: &[&str] = &["pleroma_api", "mastodon_api", "shareable_emoji_packs"];

impl InstanceInfo {
    /// The facts under these settings.
    pub fn new(settings: &Settings, mailer_enabled: bool) -> InstanceInfo {
        let (instance, limits) = (&settings.instance, &settings.limits);
        InstanceInfo {
            host: settings.host(),
            url: settings.instance_url.clone(),
            title: instance.name.clone(),
            description: instance.description.clone(),
            short_description: String::new(),
            email: instance.email.clone(),
            languages: vec!["en".into()],
            registrations_open: instance.registrations_open,
            approval_required: instance.account_approval_required,
            account_activation_required: instance.account_activation_required,
            invites_enabled: instance.invites_enabled,
            mailer_enabled,
            private: !instance.public,
            federating: true,
            skip_thread_containment: true,
            max_toot_chars: instance.limit,
            max_media_attachments: 1000,
            description_limit: sat(limits.description_limit),
            chat_limit: 5000,
            shout_limit: 5000,
            birthday_required: false,
            birthday_min_age: 0,
            poll_limits: PollLimits {
                max_options: sat(limits.poll_limits.max_options),
                max_option_chars: sat(limits.poll_limits.max_option_chars),
                min_expiration: sat(limits.poll_limits.min_expiration),
                max_expiration: sat(limits.poll_limits.max_expiration),
            },
            upload_limits: UploadLimits {
                general: limits.upload_limit,
                avatar: limits.avatar_upload_limit,
                banner: limits.banner_upload_limit,
                background: limits.background_upload_limit,
            },
            fields_limits: FieldsLimits {
                max_fields: sat(limits.max_account_fields),
                max_remote_fields: sat(limits.max_remote_account_fields),
                name_length: sat(limits.account_field_name_length),
                value_length: sat(limits.account_field_value_length),
            },
            post_formats: ["text/plain", "text/html", "text/markdown", "text/bbcode", "text/x.misskeymarkdown"]
                .map(String::from)
                .to_vec(),
            features: FEATURES.iter().map(|f| f.to_string()).collect(),
            restricted_nicknames: super::users::RESTRICTED_NICKNAMES.iter().map(|s| s.to_string()).collect(),
            federation: super::mrf::federation(&settings.mrf, true),
        }
    }

    /// The WebSocket base URL (`ws://` or `wss://`).
    pub fn streaming_url(&self) -> String {
        match self.url.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => format!("ws://{}", self.url.trim_start_matches("http://")),
        }
    }

    /// The instance thumbnail.
    pub fn thumbnail(&self) -> String {
        format!("{}/instance/thumbnail.jpeg", self.url)
    }

    /// The default background image.
    pub fn background_image(&self) -> String {
        format!("{}/images/city.jpg", self.url)
    }
}

/// Counts shown in `stats` and nodeinfo's `usage`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Active local accounts.
    pub user_count: u64,
    /// Public and unlisted local posts, reblogs excluded (the sum of local users' `note_count`).
    pub status_count: u64,
    /// Known remote hosts.
    pub domain_count: u64,
}

fn counted_users() -> Condition {
    Condition::all()
        .add(user::Column::Local.eq(true))
        .add(user::Column::IsActive.eq(true))
        .add(user::Column::Nickname.not_like("internal.%"))
}

fn remote_hosts() -> Condition {
    Condition::all()
        .add(user::Column::Local.eq(false))
        .add(user::Column::Domain.is_not_null())
        .add(user::Column::Domain.ne(""))
}

/// Active local accounts and their posts in one statement: Pleroma's `Stats` counts the first
/// and sums the local users' kept `note_count` for the second (lib/pleroma/stats.ex), as this
/// sums `users.statuses_count`, kept by triggers; no status is counted here.
const LOCAL_COUNTS: &str = "SELECT COUNT(CASE WHEN is_active = TRUE AND nickname NOT LIKE 'internal.%' THEN 1 END), \
                            CAST(COALESCE(SUM(statuses_count), 0) AS BIGINT) FROM users WHERE local = TRUE";

/// User, status and domain counts.
pub async fn stats<C: ConnectionTrait>(conn: &C) -> Result<Stats, AppError> {
    let backend = conn.get_database_backend();
    let row = conn.query_one_raw(sea_orm::Statement::from_string(backend, LOCAL_COUNTS)).await?;
    let (users, statuses): (i64, i64) = match row {
        Some(row) => (row.try_get_by_index(0)?, row.try_get_by_index(1)?),
        None => (0, 0),
    };
    let (user_count, status_count) = (u64::try_from(users).unwrap_or(0), u64::try_from(statuses).unwrap_or(0));
    let domain_count = user::Entity::find()
        .select_only()
        .column(user::Column::Domain)
        .distinct()
        .filter(remote_hosts())
        .count(conn)
        .await?;
    Ok(Stats { user_count, status_count, domain_count })
}

/// Hosts of known remote accounts, distinct and sorted.
pub async fn peers<C: ConnectionTrait>(conn: &C) -> Result<Vec<String>, AppError> {
    let hosts: Vec<Option<String>> = user::Entity::find()
        .select_only()
        .column(user::Column::Domain)
        .distinct()
        .filter(remote_hosts())
        .order_by_asc(user::Column::Domain)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(hosts.into_iter().flatten().collect())
}

/// ActivityPub ids of active local admins and moderators (nodeinfo's `staffAccounts`).
pub async fn staff_ap_ids<C: ConnectionTrait>(conn: &C) -> Result<Vec<String>, AppError> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::ApId)
        .filter(user::Column::Local.eq(true))
        .filter(user::Column::IsActive.eq(true))
        .filter(Condition::any().add(user::Column::IsAdmin.eq(true)).add(user::Column::IsModerator.eq(true)))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Active local users of the last `days` days. The gateway records no `last_active_at`, so a
/// user counts as active when they were issued an access token in that window.
pub async fn active_user_count<C: ConnectionTrait>(conn: &C, days: i64) -> Result<u64, AppError> {
    let since = Utc::now() - Duration::days(days);
    let signed_in = sea_orm::sea_query::Query::select()
        .column(oauth_token::Column::UserId)
        .from(oauth_token::Entity)
        .and_where(oauth_token::Column::InsertedAt.gte(since))
        .and_where(oauth_token::Column::UserId.is_not_null())
        .to_owned();
    Ok(user::Entity::find().filter(counted_users()).filter(user::Column::Id.in_subquery(signed_in)).count(conn).await?)
}

/// How often the cached statistics are refreshed: Pleroma's `Pleroma.Stats` recomputes its
/// user, status and domain counts every 60 seconds.
pub const STATS_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// The figures `GET /api/v1/instance` and nodeinfo show, taken together.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// When the figures were read.
    pub taken: std::time::Instant,
    pub stats: Stats,
    /// Active users of the last 30 days (`pleroma.stats.mau`, nodeinfo's `activeMonth`).
    pub active_month: u64,
    /// Active users of the last 180 days (nodeinfo's `activeHalfyear`).
    pub active_halfyear: u64,
    /// nodeinfo's `staffAccounts`.
    pub staff: Vec<String>,
    /// The instance rules (`GET /api/v1/instance`'s `rules`; `/api/v1/instance/rules` reads
    /// them fresh).
    pub rules: Vec<entity::rule::Model>,
}

impl Snapshot {
    /// Read every figure now.
    pub async fn read<C: ConnectionTrait>(conn: &C) -> Result<Snapshot, AppError> {
        let (stats, active_month, active_halfyear, staff, rules) = tokio::try_join!(
            stats(conn),
            active_user_count(conn, 30),
            active_user_count(conn, 180),
            staff_ap_ids(conn),
            super::rules::list(conn),
        )?;
        Ok(Snapshot { taken: std::time::Instant::now(), stats, active_month, active_halfyear, staff, rules })
    }
}

/// The instance figures cached per process, as Pleroma's `Pleroma.Stats` GenServer keeps them:
/// read on first use, then served from memory and refreshed in the background once older than
/// the interval (the stale figures are served meanwhile, so no request waits for the counts).
#[derive(Debug)]
pub struct StatsCache {
    interval: std::time::Duration,
    current: std::sync::RwLock<Option<std::sync::Arc<Snapshot>>>,
    /// Held while the first snapshot is read, so concurrent first requests read it once.
    first: tokio::sync::Mutex<()>,
    /// Set while a background refresh runs.
    refreshing: std::sync::atomic::AtomicBool,
}

impl Default for StatsCache {
    fn default() -> Self {
        StatsCache::new(STATS_INTERVAL)
    }
}

impl StatsCache {
    /// A cache refreshed every `interval`.
    pub fn new(interval: std::time::Duration) -> StatsCache {
        StatsCache {
            interval,
            current: std::sync::RwLock::new(None),
            first: tokio::sync::Mutex::new(()),
            refreshing: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn current(&self) -> Option<std::sync::Arc<Snapshot>> {
        self.current.read().ok().and_then(|s| s.clone())
    }

    fn store(&self, snapshot: Snapshot) -> std::sync::Arc<Snapshot> {
        let snapshot = std::sync::Arc::new(snapshot);
        if let Ok(mut current) = self.current.write() {
            *current = Some(snapshot.clone());
        }
        snapshot
    }

    /// The cached figures; read from `conn` the first time, refreshed in the background when
    /// older than the interval.
    pub async fn get(
        self: &std::sync::Arc<Self>,
        conn: &sea_orm::DatabaseConnection,
    ) -> Result<std::sync::Arc<Snapshot>, AppError> {
        use std::sync::atomic::Ordering;
        if let Some(snapshot) = self.current() {
            if snapshot.taken.elapsed() >= self.interval && !self.refreshing.swap(true, Ordering::AcqRel) {
                let (cache, conn) = (self.clone(), conn.clone());
                tokio::spawn(async move {
                    match Snapshot::read(&conn).await {
                        Ok(fresh) => {
                            cache.store(fresh);
                        }
                        Err(err) => tracing::warn!(error = %err, "refreshing the instance statistics failed"),
                    }
                    cache.refreshing.store(false, Ordering::Release);
                });
            }
            return Ok(snapshot);
        }
        let _first = self.first.lock().await;
        if let Some(snapshot) = self.current() {
            return Ok(snapshot);
        }
        Ok(self.store(Snapshot::read(conn).await?))
    }
}

/// What the healthcheck reports.
#[derive(Debug, Clone, Copy)]
pub struct Health {
    /// Connections the pools may open.
    pub pool_size: u32,
    /// Connections in use.
    pub active: u32,
    /// Open, idle connections.
    pub idle: u32,
    /// Resident memory of the process, in MiB (two decimals).
    pub memory_used: f64,
    /// Whether the database answers.
    pub healthy: bool,
}

/// Probe the database and read pool and memory figures.
pub async fn health(db: &Db) -> Health {
    let healthy = db.ping().await;
    let mut pools = vec![&db.read];
    if db.backend() == sea_orm::DbBackend::Sqlite {
        // SQLite has a separate single-connection writer pool; PostgreSQL shares one.
        pools.push(&db.write);
    }
    let (mut pool_size, mut open, mut idle) = (0u32, 0u32, 0u32);
    for pool in pools {
        let (max, size, free) = match db.backend() {
            sea_orm::DbBackend::Sqlite => {
                let p = pool.get_sqlite_connection_pool();
                (p.options().get_max_connections(), p.size(), p.num_idle())
            }
            sea_orm::DbBackend::Postgres => {
                let p = pool.get_postgres_connection_pool();
                (p.options().get_max_connections(), p.size(), p.num_idle())
            }
            _ => (0, 0, 0),
        };
        pool_size += max;
        open += size;
        idle += u32::try_from(free).unwrap_or(u32::MAX);
    }
    Health { pool_size, active: open.saturating_sub(idle), idle, memory_used: memory_used_mib(), healthy }
}

/// Resident set size in MiB, rounded to two decimals (0 where `/proc` is unavailable).
fn memory_used_mib() -> f64 {
    let kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmRSS:")
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            })
        })
        .unwrap_or(0.0);
    (kib / 1024.0 * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Soapbox's `parseVersion` (app/soapbox/utils/features.ts): the software name comes from
    /// `compatible; <name>` and the version after it must parse as semver.
    #[test]
    fn soapbox_reads_the_version_as_pleroma() {
        let soapbox = regex::Regex::new(r"^([\w+.]*)(?: \(compatible; ([\w]*) (.*)\))?$").unwrap();
        let version = mastodon_version();
        let m = soapbox.captures(&version).expect("Soapbox's regex matches");
        assert_eq!(&m[1], "2.7.2");
        assert_eq!(&m[2], "Pleroma");
        // semver.org's regular expression.
        let semver = regex::Regex::new(
            r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$",
        )
        .unwrap();
        let parsed = semver.captures(&m[3]).expect("the Pleroma version is semver");
        assert_eq!((&parsed[1], &parsed[2], &parsed[3]), ("2", "7", "0"));
        assert!(parsed[5].starts_with("pleroma-gateway-"));
    }

    #[test]
    fn memory_is_reported() {
        assert!(memory_used_mib() >= 0.0);
    }
}
