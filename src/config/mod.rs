//! Settings: command-line flags > environment > config file (TOML) > defaults.
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::domain::privileges::Privilege;

mod http_server;
pub use http_server::HttpServer;
mod jobs;
pub use jobs::Jobs;
pub mod mrf;
pub use mrf::Mrf;
pub mod invalidation;
mod limits;
pub mod upload;
mod welcome;
pub use invalidation::{Invalidation, MediaProxyInvalidation};
pub use limits::{InstanceLimits, PollLimits};
pub use upload::Upload;
pub use welcome::{Welcome, WelcomeEmail, WelcomeMessage};
mod captcha;
pub use captcha::{Captcha, CaptchaMethod};

/// Values given on the command line or in the environment (clap fills both).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// Address to listen on.
    #[arg(long, env = "GATEWAY_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite database, the mail outbox and uploads.
    #[arg(long, env = "GATEWAY_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Public base URL, used in links and ActivityPub ids [default: http://<listen address>].
    #[arg(long, env = "GATEWAY_INSTANCE_URL", global = true)]
    pub instance_url: Option<String>,
    /// TOML configuration file.
    #[arg(long = "config", env = "GATEWAY_CONFIG", global = true)]
    pub config_file: Option<PathBuf>,
    /// Let outbound requests reach loopback and private addresses (`[http] allow_private_addresses`).
    #[arg(
        long = "http-allow-private-addresses",
        env = "GATEWAY_HTTP_ALLOW_PRIVATE_ADDRESSES",
        global = true,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub http_allow_private_addresses: Option<bool>,
}

/// The config file's shape; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    instance_url: Option<String>,
    instance: Instance,
    mailer: Mailer,
    oauth2: OAuth2,
    rate_limit: RateLimit,
    remote_ip: RemoteIp,
    backup: Backup,
    frontends: Frontends,
    media_proxy: MediaProxy,
    emoji: Emoji,
    http: Http,
    http_server: HttpServer,
    jobs: Jobs,
    mrf: Mrf,
    /// Settings saved through the API apply over the file's (Pleroma's `configurable_from_database`).
    configurable_from_database: Option<bool>,
    frontend_configurations: FrontendConfigurations,
    limits: InstanceLimits,
    upload: Upload,
    welcome: Welcome,
    media_proxy_invalidation: MediaProxyInvalidation,
    captcha: Captcha,
    admin_token: Option<String>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    /// Without a trailing slash.
    pub instance_url: String,
    /// Whether `instance_url` was given (flag, environment or file) rather than derived from
    /// `listen`: only a given one may disagree with the URL stored at first start.
    pub instance_url_given: bool,
    pub instance: Instance,
    pub mailer: Mailer,
    pub oauth2: OAuth2,
    pub rate_limit: RateLimit,
    pub remote_ip: RemoteIp,
    pub backup: Backup,
    pub frontends: Frontends,
    pub media_proxy: MediaProxy,
    pub emoji: Emoji,
    /// Outbound requests (`outbound`): the address rule, redirects, federation limits.
    pub http: Http,
    /// `[http_server]`: connection timeouts and caps.
    pub http_server: HttpServer,
    /// `[jobs]`: workers per job queue (read when the server starts).
    pub jobs: Jobs,
    /// `[mrf]`: the moderation policies (Pleroma's `:mrf` and `:mrf_*`).
    pub mrf: Mrf,
    /// Settings saved through the API apply over the file's (default on).
    pub configurable_from_database: bool,
    /// Pleroma's `:frontend_configurations` (`GET /api/pleroma/frontend_configurations`).
    pub frontend_configurations: FrontendConfigurations,
    /// The config file read, if any (`migrate_from_db` writes beside it).
    pub config_file: Option<PathBuf>,
    /// Pleroma's `:instance` limits and static directory.
    pub limits: InstanceLimits,
    /// `Pleroma.Upload`, `Pleroma.Uploaders.Local` and the upload filters' settings.
    pub upload: Upload,
    /// Pleroma's `:welcome` messages.
    pub welcome: Welcome,
    /// Pleroma's `:media_proxy, :invalidation` and its providers.
    pub media_proxy_invalidation: MediaProxyInvalidation,
    /// `Pleroma.Captcha`: the captcha registration checks.
    pub captcha: Captcha,
    /// Pleroma's `:admin_token`: when set, admin routes accept it (`?admin_token=` or
    /// `X-Admin-Token`) as an admin's credentials.
    pub admin_token: Option<String>,
}

/// Pleroma's `:frontend_configurations`: what each frontend reads from
/// `GET /api/pleroma/frontend_configurations`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrontendConfigurations {
    /// Pleroma FE's settings (Pleroma's defaults from `config/config.exs`).
    pub pleroma_fe: serde_json::Map<String, serde_json::Value>,
    /// Mastodon FE's settings (left out of the answer when empty).
    pub masto_fe: serde_json::Map<String, serde_json::Value>,
}

impl Default for FrontendConfigurations {
    fn default() -> Self {
        let pleroma_fe = serde_json::json!({
            "alwaysShowSubjectInput": true,
            "background": "/images/city.jpg",
            "collapseMessageWithSubject": false,
            "disableChat": false,
            "greentext": false,
            "hideFilteredStatuses": false,
            "hideMutedPosts": false,
            "hidePostStats": false,
            "hideSitename": false,
            "hideUserStats": false,
            "loginMethod": "password",
            "logo": "/static/logo.svg",
            "logoMargin": ".1em",
            "logoMask": true,
            "minimalScopesMode": false,
            "noAttachmentLinks": false,
            "nsfwCensorImage": "",
            "postContentType": "text/plain",
            "redirectRootLogin": "/main/friends",
            "redirectRootNoLogin": "/main/all",
            "scopeCopy": true,
            "sidebarRight": false,
            "showFeaturesPanel": true,
            "showInstanceSpecificPanel": false,
            "subjectLineBehavior": "email",
            "theme": "pleroma-dark",
            "webPushNotifications": false
        });
        let serde_json::Value::Object(pleroma_fe) = pleroma_fe else { unreachable!("an object literal") };
        FrontendConfigurations { pleroma_fe, masto_fe: serde_json::Map::new() }
    }
}

/// Pleroma's `Pleroma.User.Backup` settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backup {
    /// A user may request one archive per this many days (admins are not limited).
    pub limit_days: i64,
    /// Archives are deleted this many days after they were requested.
    pub purge_after_days: i64,
}

impl Default for Backup {
    fn default() -> Self {
        Backup { limit_days: 7, purge_after_days: 30 }
    }
}

/// Pleroma's `:frontends` settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Frontends {
    /// The known frontends (`[[frontends.available]]`); without the key, Pleroma's defaults
    /// (`config/config.exs` `:frontends, :available`).
    pub available: Option<Vec<FrontendEntry>>,
    /// The only directory an install's `file` may name an archive in (symlinks resolved);
    /// default `<data_dir>/frontend_archives`. The database's files are refused even here.
    pub archive_dir: Option<PathBuf>,
}

/// One known frontend.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontendEntry {
    pub name: String,
    pub git: Option<String>,
    /// Where its build is downloaded from; `${ref}` is replaced by the ref.
    pub build_url: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// The directory inside the build archive to install (default `dist`).
    pub build_dir: Option<String>,
}

/// Pleroma's `[:instance]`-style settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Instance {
    pub name: String,
    pub description: String,
    pub email: String,
    pub registrations_open: bool,
    pub account_activation_required: bool,
    pub account_approval_required: bool,
    pub invites_enabled: bool,
    /// A private instance refuses anonymous callers on public API routes.
    pub public: bool,
    pub healthcheck: bool,
    /// Privileges an admin holds (Pleroma's `admin_privileges`).
    pub admin_privileges: Vec<Privilege>,
    /// Privileges a moderator holds (Pleroma's `moderator_privileges`).
    pub moderator_privileges: Vec<Privilege>,
    /// Admin routes demand admin scopes in the token (Pleroma's default, and its only mode since 2.3).
    pub enforce_oauth_admin_scope_usage: bool,
    pub limit: usize,
    /// Pleroma's `:instance, :multi_factor_authentication`.
    pub multi_factor_authentication: MultiFactorAuthentication,
}

/// Pleroma's `:instance, :multi_factor_authentication`: the TOTP code's digits and period, and
/// how many backup codes are made and how long each is (hex characters).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultiFactorAuthentication {
    pub totp: TotpSettings,
    pub backup_codes: BackupCodeSettings,
}

impl Default for MultiFactorAuthentication {
    fn default() -> Self {
        MultiFactorAuthentication {
            totp: TotpSettings { digits: 6, period: 30 },
            backup_codes: BackupCodeSettings { number: 5, length: 16 },
        }
    }
}

/// `totp: [digits: 6, period: 30]` (digits 6 or 8).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpSettings {
    pub digits: usize,
    pub period: u64,
}

impl Default for TotpSettings {
    fn default() -> Self {
        MultiFactorAuthentication::default().totp
    }
}

/// `backup_codes: [number: 5, length: 16]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupCodeSettings {
    pub number: usize,
    pub length: usize,
}

impl Default for BackupCodeSettings {
    fn default() -> Self {
        MultiFactorAuthentication::default().backup_codes
    }
}

impl Default for Instance {
    fn default() -> Self {
        Instance {
            name: "Pleroma Gateway".into(),
            description: "A Pleroma admin gateway".into(),
            email: "admin@localhost".into(),
            registrations_open: true,
            account_activation_required: false,
            account_approval_required: false,
            invites_enabled: false,
            public: true,
            healthcheck: true,
            admin_privileges: Privilege::ALL.to_vec(),
            moderator_privileges: vec![Privilege::MessagesDelete, Privilege::ReportsManageReports],
            enforce_oauth_admin_scope_usage: true,
            limit: 5000,
            multi_factor_authentication: MultiFactorAuthentication::default(),
        }
    }
}

/// Pleroma's `:media_proxy` settings: remote media served through signed `/proxy/...` links.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaProxy {
    /// Serve `/proxy/...` (Pleroma: off by default; a disabled proxy answers 404).
    pub enabled: bool,
    /// Largest remote body fetched, in bytes (Pleroma's `proxy_opts: max_body_length`, 25 MB).
    pub max_body_length: u64,
    /// Seconds a remote fetch may take in all.
    pub timeout_secs: u64,
    /// Content-type prefixes served (anything else is refused with 415).
    pub allowed_types: Vec<String>,
}

impl Default for MediaProxy {
    fn default() -> Self {
        MediaProxy {
            enabled: false,
            max_body_length: 25 * 1_048_576,
            timeout_secs: 10,
            allowed_types: vec!["image/".into(), "video/".into(), "audio/".into()],
        }
    }
}

/// Custom emoji and emoji packs (`<data_dir>/static/emoji/<pack>/`): limits on what uploads,
/// archives and fetches from other instances may bring.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Emoji {
    /// Largest emoji image accepted, in bytes (uploads, URL fetches, archive entries).
    pub max_file_size: u64,
    /// Largest pack archive fetched from another instance or a fallback-src, in bytes.
    pub max_archive_size: u64,
    /// Most bytes one archive may unpack to.
    pub max_unpacked_size: u64,
    /// Most entries one archive may hold.
    pub max_entries: usize,
    /// Seconds a fetch from another instance may take in all.
    pub fetch_timeout_secs: u64,
    /// File extensions taken for emoji in a pack without pack.json or emoji.txt (Pleroma's
    /// `[:emoji, :pack_extensions]`).
    pub pack_extensions: Vec<String>,
}

impl Default for Emoji {
    fn default() -> Self {
        Emoji {
            max_file_size: 1_048_576,
            max_archive_size: 50 * 1_048_576,
            max_unpacked_size: 100 * 1_048_576,
            max_entries: 5_000,
            fetch_timeout_secs: 30,
            pack_extensions: vec![".png".into(), ".gif".into()],
        }
    }
}

/// Outbound HTTP (`crate::outbound`): what every request to another server may reach and take.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Http {
    /// Let outbound requests reach loopback, private, link-local and other non-public addresses
    /// (off: only public addresses; for development and tests on one machine).
    pub allow_private_addresses: bool,
    /// Most redirects followed by one request (each hop checked like the first URL).
    pub max_redirects: usize,
    /// Seconds an ActivityPub fetch or delivery may take in all.
    pub timeout_secs: u64,
    /// Largest ActivityPub document read, in bytes.
    pub max_body_length: u64,
    /// Seconds a frontend build download may take in all.
    pub frontend_timeout_secs: u64,
}

impl Http {
    /// The outbound client's rules.
    pub fn policy(&self) -> crate::outbound::Policy {
        crate::outbound::Policy {
            allow_private_addresses: self.allow_private_addresses,
            max_redirects: self.max_redirects,
        }
    }

    /// Limits of ActivityPub fetches and deliveries.
    pub fn federation_limits(&self) -> crate::outbound::Limits {
        crate::outbound::Limits::new(self.timeout_secs, self.max_body_length)
    }
}

impl Default for Http {
    fn default() -> Self {
        Http {
            allow_private_addresses: false,
            max_redirects: 3,
            timeout_secs: 10,
            max_body_length: 1_048_576,
            frontend_timeout_secs: 120,
        }
    }
}

/// How mail leaves: SMTP when `smtp_url` is set, otherwise `.eml` files in `<data_dir>/outbox`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mailer {
    pub enabled: bool,
    /// e.g. `smtps://user:pass@mail.example.org:465`.
    pub smtp_url: Option<String>,
    pub from: String,
}

impl Default for Mailer {
    fn default() -> Self {
        Mailer { enabled: true, smtp_url: None, from: "noreply@localhost".into() }
    }
}

/// Pleroma's `:oauth2` settings (`config/config.exs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuth2 {
    /// Access-token lifetime in seconds (Pleroma: 100 years). A refresh token lives as long as
    /// its token row: Pleroma has no separate refresh lifetime.
    pub token_expires_in: i64,
    /// Delete tokens once they expire (Pleroma's `PurgeExpiredToken`; off by default there).
    pub clean_expired_tokens: bool,
}

impl Default for OAuth2 {
    fn default() -> Self {
        OAuth2 { token_expires_in: 3600 * 24 * 365 * 100, clean_expired_tokens: false }
    }
}

/// One limiter of Pleroma's `:rate_limit`: `[scale_ms, limit]`, `[[anonymous], [signed in]]`
/// or `false` (off; Pleroma's `nil`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Limit {
    /// `false` switches the limiter off (`true` is refused at load: it names no limit).
    Off(bool),
    /// The same limit for everyone: `[scale_ms, limit]`.
    Both([u64; 2]),
    /// Anonymous callers (by address) and signed-in ones (by user): `[[ms, n], [ms, n]]`.
    Split([[u64; 2]; 2]),
}

impl Limit {
    /// `(scale_ms, limit)` for anonymous or signed-in callers; `None` when off or invalid.
    pub fn for_mode(&self, signed_in: bool) -> Option<(u64, u64)> {
        let [scale, limit] = match self {
            Limit::Off(_) => return None,
            Limit::Both(pair) => *pair,
            Limit::Split([anonymous, user]) => {
                if signed_in {
                    *user
                } else {
                    *anonymous
                }
            }
        };
        (scale >= 1 && limit >= 1).then_some((scale, limit))
    }
}

/// Pleroma's `:rate_limit` with its defaults (`config/config.exs`). Limiters of routes the
/// gateway does not serve yet are kept so a Pleroma configuration carries over.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    /// Failed password logins per address (`/oauth/token` password grant, HTTP Basic).
    pub authentication: Limit,
    pub timeline: Limit,
    pub search: Limit,
    pub app_account_creation: Limit,
    /// `POST /api/v1/apps`.
    pub oauth_app_creation: Limit,
    pub relations_actions: Limit,
    pub relation_id_action: Limit,
    pub statuses_actions: Limit,
    pub status_id_action: Limit,
    /// `POST /auth/password`.
    pub password_reset: Limit,
    pub account_confirmation_resend: Limit,
    pub ap_routes: Limit,
    /// Most keys a limiter remembers; beyond it, the oldest windows are forgotten first.
    pub max_keys: usize,
}

impl RateLimit {
    /// Refuse settings that name no limit: `true`, or a zero scale or count.
    fn validate(&self) -> Result<(), String> {
        let all = [
            ("authentication", self.authentication),
            ("timeline", self.timeline),
            ("search", self.search),
            ("app_account_creation", self.app_account_creation),
            ("oauth_app_creation", self.oauth_app_creation),
            ("relations_actions", self.relations_actions),
            ("relation_id_action", self.relation_id_action),
            ("statuses_actions", self.statuses_actions),
            ("status_id_action", self.status_id_action),
            ("password_reset", self.password_reset),
            ("account_confirmation_resend", self.account_confirmation_resend),
            ("ap_routes", self.ap_routes),
        ];
        for (name, limit) in all {
            let valid = match limit {
                Limit::Off(on) => !on,
                _ => limit.for_mode(false).is_some() && limit.for_mode(true).is_some(),
            };
            if !valid {
                return Err(format!(
                    "rate_limit.{name}: expected [scale_ms, limit], [[scale_ms, limit], [scale_ms, limit]] with \
                     positive numbers, or false"
                ));
            }
        }
        Ok(())
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            authentication: Limit::Both([60_000, 15]),
            timeline: Limit::Both([500, 3]),
            search: Limit::Split([[1000, 10], [1000, 30]]),
            app_account_creation: Limit::Both([1_800_000, 25]),
            oauth_app_creation: Limit::Both([900_000, 5]),
            relations_actions: Limit::Both([10_000, 10]),
            relation_id_action: Limit::Both([60_000, 2]),
            statuses_actions: Limit::Both([10_000, 15]),
            status_id_action: Limit::Both([60_000, 3]),
            password_reset: Limit::Both([1_800_000, 5]),
            account_confirmation_resend: Limit::Both([8_640_000, 5]),
            ap_routes: Limit::Both([60_000, 15]),
            max_keys: 100_000,
        }
    }
}

/// Pleroma's `Pleroma.Web.Plugs.RemoteIp`: which peer may name the client address in a header.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteIp {
    pub enabled: bool,
    /// Headers carrying the forwarded chain (lower case).
    pub headers: Vec<String>,
    /// Known proxies (CIDR), trusted besides `reserved`.
    pub proxies: Vec<ipnet::IpNet>,
    /// Reserved ranges: trusted as proxies and never taken as the client address.
    pub reserved: Vec<ipnet::IpNet>,
}

impl Default for RemoteIp {
    fn default() -> Self {
        let reserved = ["127.0.0.0/8", "::1/128", "fc00::/7", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
        RemoteIp {
            enabled: true,
            headers: vec!["x-forwarded-for".into()],
            proxies: vec![],
            reserved: reserved.iter().filter_map(|r| r.parse().ok()).collect(),
        }
    }
}

impl Settings {
    /// Resolve settings from overrides, the config file they name, and defaults.
    pub fn load(overrides: &Overrides) -> Result<Settings, String> {
        let file = match &overrides.config_file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = overrides.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("./data"));
        let database_url =
            overrides.database_url.clone().or(file.database_url).unwrap_or_else(|| default_sqlite_url(&data_dir));
        let listen = overrides.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 4000)));
        // Without an instance URL, links point at the server that made them.
        let given = overrides.instance_url.clone().or(file.instance_url);
        let instance_url_given = given.is_some();
        let instance_url = given.unwrap_or_else(|| default_instance_url(listen)).trim_end_matches('/').to_string();
        url::Url::parse(&instance_url).map_err(|e| format!("invalid instance URL {instance_url}: {e}"))?;
        file.rate_limit.validate()?;
        let mut http = file.http;
        if let Some(allow) = overrides.http_allow_private_addresses {
            http.allow_private_addresses = allow;
        }
        file.http_server.check()?;
        file.jobs.check()?;
        Ok(Settings {
            listen,
            database_url,
            data_dir,
            instance_url,
            instance_url_given,
            instance: file.instance,
            mailer: file.mailer,
            oauth2: file.oauth2,
            rate_limit: file.rate_limit,
            remote_ip: file.remote_ip,
            backup: file.backup,
            frontends: file.frontends,
            media_proxy: file.media_proxy,
            emoji: file.emoji,
            http,
            http_server: file.http_server,
            jobs: file.jobs,
            mrf: file.mrf,
            configurable_from_database: file.configurable_from_database.unwrap_or(true),
            frontend_configurations: file.frontend_configurations,
            config_file: overrides.config_file.clone(),
            limits: file.limits,
            upload: file.upload,
            welcome: file.welcome,
            media_proxy_invalidation: file.media_proxy_invalidation,
            captcha: file.captcha,
            admin_token: file.admin_token.filter(|t| !t.is_empty()),
        })
    }

    /// Settings for tests and tools: defaults around a database URL and data directory.
    pub fn for_database(database_url: &str, data_dir: &Path) -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            data_dir: data_dir.into(),
            instance_url: "http://localhost:4000".into(),
            instance_url_given: false,
            instance: Instance::default(),
            mailer: Mailer::default(),
            oauth2: OAuth2::default(),
            rate_limit: RateLimit::default(),
            remote_ip: RemoteIp::default(),
            backup: Backup::default(),
            frontends: Frontends::default(),
            media_proxy: MediaProxy::default(),
            emoji: Emoji::default(),
            http: Http::default(),
            http_server: HttpServer::default(),
            jobs: Jobs::default(),
            mrf: Mrf::default(),
            configurable_from_database: true,
            frontend_configurations: FrontendConfigurations::default(),
            config_file: None,
            limits: InstanceLimits::default(),
            upload: Upload::default(),
            welcome: Welcome::default(),
            media_proxy_invalidation: MediaProxyInvalidation::default(),
            captcha: Captcha::default(),
            admin_token: None,
        }
    }

    /// `base`'s addresses and paths with every section at its default.
    pub fn defaults_like(base: &Settings) -> Settings {
        Settings {
            listen: base.listen,
            instance_url: base.instance_url.clone(),
            instance_url_given: base.instance_url_given,
            configurable_from_database: base.configurable_from_database,
            config_file: base.config_file.clone(),
            // Read once, when the server starts.
            http_server: base.http_server.clone(),
            jobs: base.jobs.clone(),
            // A file-only secret, never a database setting.
            admin_token: base.admin_token.clone(),
            ..Settings::for_database(&base.database_url, &base.data_dir)
        }
    }

    /// `host[:port]` of the instance URL.
    pub fn host(&self) -> String {
        url::Url::parse(&self.instance_url)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
            })
            .unwrap_or_else(|| "localhost".into())
    }
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `http://<listen address>`; an unspecified address (`0.0.0.0`, `[::]`) is not one a client
/// can reach, so `localhost` stands in for it.
fn default_instance_url(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!("http://localhost:{}", listen.port())
    } else {
        format!("http://{listen}")
    }
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("gateway.db").display())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        overrides: Overrides,
    }

    #[test]
    fn flag_beats_environment_beats_file_beats_default() {
        let dir = std::env::temp_dir().join(format!("gw-config-{}", rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("gateway.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:5000\"\ninstance_url = \"https://file.example/\"\ndatabase_url = \"sqlite://file.db\"\n[instance]\nname = \"From file\"\n",
        )
        .unwrap();
        // Only this test touches GATEWAY_DATA_DIR.
        std::env::set_var("GATEWAY_DATA_DIR", "/from/env");
        let cli = Cli::parse_from(["gw", "--config", file.to_str().unwrap(), "--listen", "127.0.0.1:6000"]);
        let settings = Settings::load(&cli.overrides).unwrap();
        std::env::remove_var("GATEWAY_DATA_DIR");
        assert_eq!(settings.listen.to_string(), "127.0.0.1:6000"); // flag over file
        assert_eq!(settings.data_dir, PathBuf::from("/from/env")); // environment over default
        assert_eq!(settings.database_url, "sqlite://file.db"); // file over default
        assert_eq!(settings.instance_url, "https://file.example"); // trailing slash trimmed
        assert_eq!(settings.instance.name, "From file");
        assert!(settings.instance.enforce_oauth_admin_scope_usage); // default

        if std::env::var_os("GATEWAY_LISTEN").is_none() && std::env::var_os("DATABASE_URL").is_none() {
            let cli = Cli::parse_from(["gw"]);
            let defaults = Settings::load(&cli.overrides).unwrap();
            assert_eq!(defaults.listen.to_string(), "127.0.0.1:4000");
            assert_eq!(defaults.database_url, "sqlite://./data/gateway.db?mode=rwc");
        }

        // Pleroma's :rate_limit and RemoteIp settings.
        std::fs::write(
            &file,
            "[rate_limit]\nauthentication = [1000, 3]\nsearch = [[1000, 1], [1000, 2]]\npassword_reset = false\n\
             [remote_ip]\nproxies = [\"203.0.113.0/24\"]\nreserved = []\n[oauth2]\nclean_expired_tokens = true\n",
        )
        .unwrap();
        let cli = Cli::parse_from(["gw", "--config", file.to_str().unwrap()]);
        let settings = Settings::load(&cli.overrides).unwrap();
        assert_eq!(settings.rate_limit.authentication.for_mode(false), Some((1000, 3)));
        assert_eq!(settings.rate_limit.search.for_mode(true), Some((1000, 2)));
        assert_eq!(settings.rate_limit.password_reset.for_mode(false), None);
        assert_eq!(settings.rate_limit.oauth_app_creation, Limit::Both([900_000, 5])); // default
        assert_eq!(settings.remote_ip.proxies.len(), 1);
        assert!(settings.remote_ip.reserved.is_empty());
        assert!(settings.oauth2.clean_expired_tokens);
        for bad in ["authentication = true", "authentication = [0, 5]", "authentication = [1000]"] {
            std::fs::write(&file, format!("[rate_limit]\n{bad}\n")).unwrap();
            let cli = Cli::parse_from(["gw", "--config", file.to_str().unwrap()]);
            assert!(Settings::load(&cli.overrides).is_err(), "{bad}");
        }

        std::fs::write(&file, "no_such_key = 1\n").unwrap();
        let cli = Cli::parse_from(["gw", "--config", file.to_str().unwrap()]);
        assert!(Settings::load(&cli.overrides).unwrap_err().contains("no_such_key"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn http_section_and_its_override() {
        let dir = std::env::temp_dir().join(format!("gw-config-http-{}", rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("gateway.toml");
        std::fs::write(&file, "[http]\nallow_private_addresses = true\nmax_redirects = 1\n").unwrap();
        let load = |args: &[&str]| {
            let cli = Cli::parse_from([&["gw", "--config", file.to_str().unwrap()], args].concat());
            Settings::load(&cli.overrides).unwrap().http
        };
        if std::env::var_os("GATEWAY_HTTP_ALLOW_PRIVATE_ADDRESSES").is_none() {
            let http = load(&[]);
            assert!(http.allow_private_addresses);
            assert_eq!((http.max_redirects, http.timeout_secs), (1, 10));
        }
        assert!(!load(&["--http-allow-private-addresses", "false"]).allow_private_addresses);
        assert!(!Http::default().allow_private_addresses, "off by default");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn instance_url_follows_listen_unless_given() {
        if std::env::var_os("GATEWAY_INSTANCE_URL").is_some() || std::env::var_os("GATEWAY_LISTEN").is_some() {
            return;
        }
        let load = |args: &[&str]| {
            let cli = Cli::parse_from([&["gw"], args].concat());
            Settings::load(&cli.overrides).unwrap().instance_url
        };
        assert_eq!(load(&[]), "http://127.0.0.1:4000");
        assert_eq!(load(&["--listen", "127.0.0.1:4100"]), "http://127.0.0.1:4100");
        assert_eq!(load(&["--listen", "[::1]:4100"]), "http://[::1]:4100");
        assert_eq!(load(&["--listen", "0.0.0.0:4100"]), "http://localhost:4100");
        assert_eq!(
            load(&["--listen", "127.0.0.1:4100", "--instance-url", "https://social.example/"]),
            "https://social.example"
        );
    }
}
