//! Settings: command-line flags > environment > config file (TOML) > defaults.
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::Deserialize;

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
pub mod storage;
pub use storage::Storage;
mod backup;
pub use backup::Backup;
mod frontends;
pub use frontends::{FrontendConfigurations, FrontendEntry, FrontendRef, Frontends};
mod http_client;
pub use http_client::Http;
mod instance;
pub use instance::{BackupCodeSettings, Instance, MultiFactorAuthentication, TotpSettings};
mod mailer;
pub use mailer::Mailer;
mod media;
pub use media::{Emoji, MediaProxy};
mod oauth2;
pub use oauth2::OAuth2;
mod rate_limit;
pub use rate_limit::{Limit, RateLimit, LIMIT_FORMS};
mod remote_ip;
pub use remote_ip::RemoteIp;

/// Values given on the command line or in the environment (clap fills both).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// Address to listen on: IP:PORT (`127.0.0.1:4000`, `[::1]:4000`, `0.0.0.0:4000`).
    #[arg(long, env = "GATEWAY_LISTEN", global = true, value_parser = parse_listen)]
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

/// `--listen`: an IP address and port; a host name is refused with the IP:PORT to write instead.
pub fn parse_listen(value: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = value.parse() {
        return Ok(addr);
    }
    let port = value.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok());
    let example = match (value.split(':').next(), port) {
        (Some("localhost"), Some(port)) => format!("127.0.0.1:{port} (or [::1]:{port})"),
        (_, Some(port)) => format!("127.0.0.1:{port}, or 0.0.0.0:{port} for every interface"),
        _ => "127.0.0.1:4000".to_string(),
    };
    Err(format!("expected IP:PORT (an IP address, not a host name, and a port), e.g. {example}"))
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
    storage: Storage,
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
    /// `[storage]`: where shared files live (read when the server starts).
    pub storage: Storage,
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
        file.storage.check()?;
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
            storage: file.storage,
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
            storage: Storage::default(),
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
            storage: base.storage.clone(),
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
    toml::from_str(&text).map_err(|e| match setting_at(&text, e.span()) {
        Some(setting) => format!("{}: setting {setting}: {e}", path.display()),
        None => format!("{}: {e}", path.display()),
    })
}

/// The `[section] key` a TOML error's span falls on, for messages that name the setting.
fn setting_at(text: &str, span: Option<std::ops::Range<usize>>) -> Option<String> {
    let at = span?.start.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next()?;
    let key = line.split_once('=')?.0.trim();
    let section = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .and_then(|l| l.split(']').next())
        .map(|l| l.trim_start_matches('['));
    Some(match section {
        Some(section) => format!("{section}.{key}"),
        None => key.to_string(),
    })
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
