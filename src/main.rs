//! The `pleroma-gateway` command: serve (the default), migrate, export-schema, user, seed.
use std::{
    io::{BufRead, IsTerminal},
    process::ExitCode,
};

use clap::{Parser, Subcommand, ValueEnum};
use pleroma_gateway::{
    config::{Overrides, Settings},
    db::Db,
    seed, AppState,
};

mod cli;
use cli::user::UserCommand;

/// mimalloc rather than glibc's malloc: resolving and serialising a page of 500 users allocates
/// some 40 000 small values, and glibc spent a fifth of the request's CPU on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "pleroma-gateway", version, about = "GraphQL-first admin gateway for the Pleroma Admin API")]
struct Cli {
    // Listed under their own heading in every subcommand's help, apart from its own options.
    #[command(flatten, next_help_heading = "Global options")]
    overrides: Overrides,
    /// Log format: `text` (coloured only on a terminal) or `json` (one object per line, for log shippers).
    #[arg(long, env = "GATEWAY_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Store the configured instance URL in place of the one stored at first start (accounts
    /// made before keep their old addresses).
    #[arg(long, global = true)]
    change_instance_url: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve HTTP (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    ExportSchema,
    /// Manage users (like `pleroma_ctl user`).
    #[command(subcommand)]
    User(UserCommand),
    /// Load remote actors, their statuses, follows and reports from a JSON document (see the
    /// README, "Importing remote actors"); `-` reads standard input. All or nothing per file.
    Import {
        /// The document's path, or `-`.
        file: String,
    },
    /// Write a consistent copy of the SQLite database to FILE while the server runs (PostgreSQL:
    /// prints the pg_dump command). Takes no migration: back up before upgrading.
    Backup {
        /// Where to write the copy; must not exist yet.
        file: std::path::PathBuf,
    },
    /// Put a backup made by `backup` in place of the SQLite database; refused while a server
    /// uses it (PostgreSQL: prints the pg_restore command).
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
    },
    /// Generate realistic test users (local users' password is "password").
    Seed {
        /// How many users.
        #[arg(long, default_value_t = 0)]
        users: usize,
        /// How many statuses (a fifth replies, a tenth reblogs), over all users in the database.
        #[arg(long, default_value_t = 0)]
        statuses: usize,
        /// How many reports, each citing up to three statuses of the reported account.
        #[arg(long, default_value_t = 0)]
        reports: usize,
        /// Share of remote users (0 to 1).
        #[arg(long, default_value_t = 0.3)]
        remote_share: f64,
        /// Random seed; the same seed gives the same users.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Logs go to standard error, so that a command's output (`export-schema > schema.graphql`)
/// stays clean. Colours only when standard error is a terminal (and `NO_COLOR` is unset), so a
/// log file holds plain text.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => {
            let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            builder.with_ansi(colour).init()
        }
    }
}

/// The new user's password: `--password`, one line of standard input with `--password-stdin`,
/// or asked for twice on the terminal without echo (`rpassword`).
pub(crate) fn new_password(nickname: &str, given: Option<String>, from_stdin: bool) -> Result<String, String> {
    if let Some(password) = given {
        return Ok(password);
    }
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password from standard input: {e}"))?;
        let password = line.trim_end_matches(['\n', '\r']);
        if password.is_empty() {
            return Err("--password-stdin: standard input held no password (expected one line)".into());
        }
        return Ok(password.to_string());
    }
    if !std::io::stdin().is_terminal() {
        return Err("no password given and standard input is not a terminal to ask for one: \
                    pipe it in with --password-stdin (e.g. `printf '%s\\n' \"$PW\" | pleroma-gateway user new ... --password-stdin`)"
            .into());
    }
    let password = rpassword::prompt_password(format!("Password for {nickname}: "))
        .map_err(|e| format!("reading the password: {e}"))?;
    if password.is_empty() {
        return Err("the password must not be empty".into());
    }
    let again = rpassword::prompt_password("Repeat it: ").map_err(|e| format!("reading the password: {e}"))?;
    if again != password {
        return Err("the passwords did not match; nothing was created".into());
    }
    Ok(password)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let mut command = cli.command.unwrap_or(Command::Serve);
    if let Command::User(user) = &mut command {
        cli::user::prepare(user)?;
    }
    if let Command::ExportSchema = command {
        print!("{}", pleroma_gateway::graphql::sdl());
        return Ok(());
    }
    let mut settings = Settings::load(&cli.overrides)?;
    // Before connecting and migrating: a backup taken before an upgrade holds the old schema.
    match &command {
        Command::Backup { file } => return cli::backup::backup(&settings, file).await,
        Command::Restore { file } => return cli::backup::restore(&settings, file).await,
        _ => {}
    }
    let db = Db::connect(&settings.database_url).await.map_err(database_error)?;
    let pending = if matches!(command, Command::Migrate) {
        db.pending_migrations().await.map_err(|e| format!("migrations: {}", pleroma_gateway::db::error_text(&e)))?
    } else {
        Vec::new()
    };
    db.migrate().await.map_err(|e| format!("migrations: {}", pleroma_gateway::db::error_text(&e)))?;
    if !matches!(command, Command::Migrate) {
        // Every command that may make an address uses the URL stored at first start.
        settings.instance_url = pleroma_gateway::domain::instance_url::settle(
            &db.write,
            &settings.instance_url,
            settings.instance_url_given,
            cli.change_instance_url,
        )
        .await
        .map_err(describe)?;
    }
    match command {
        Command::Serve => serve(db, settings).await,
        Command::Migrate => {
            match pending.len() {
                0 => println!("no pending migrations: the schema is up to date"),
                n => println!("applied {n} migration(s): {}", pending.join(", ")),
            }
            Ok(())
        }
        Command::ExportSchema | Command::Backup { .. } | Command::Restore { .. } => Ok(()),
        Command::User(user) => cli::user::run(&db, &settings, user).await,
        Command::Import { file } => {
            let text = if file == "-" {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    .map_err(|e| format!("reading standard input: {e}"))?;
                text
            } else {
                std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?
            };
            let doc = pleroma_gateway::domain::remote_import::parse(&text).map_err(describe)?;
            // The policies saved through the API apply, as they do on the server.
            let mut settings = settings.clone();
            if settings.configurable_from_database {
                let rows = pleroma_gateway::domain::config_db::load(&db.read).await.map_err(|e| e.to_string())?;
                for problem in pleroma_gateway::domain::config_db::apply(&mut settings, &rows) {
                    tracing::warn!(%problem, "saved setting not applied");
                }
            }
            let done = pleroma_gateway::domain::remote_import::import(&db, &settings, &doc).await.map_err(describe)?;
            let rejected = match done.rejected {
                0 => String::new(),
                n => format!(", {n} left out by the moderation policies"),
            };
            println!(
                "imported {} actors, {} statuses, {} follows, {} reports{rejected}",
                done.actors, done.statuses, done.follows, done.reports
            );
            Ok(())
        }
        Command::Seed { users, remote_share, seed, statuses, reports } => {
            let hash = pleroma_gateway::auth::password::hash_blocking("password").map_err(describe)?;
            let started = std::time::Instant::now();
            let report = seed::seed_users(
                &db.write,
                &seed::SeedOptions {
                    users,
                    remote_share,
                    seed,
                    instance_host: settings.host(),
                    instance_url: settings.instance_url.clone(),
                },
                &hash,
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "seeded {} users ({} local, {} remote), {} tags, {} follows in {:.1}s; local users' password is \"password\"",
                report.users,
                report.local,
                report.remote,
                report.tags,
                report.follows,
                started.elapsed().as_secs_f64()
            );
            if statuses > 0 || reports > 0 {
                let started = std::time::Instant::now();
                let options =
                    seed::ContentOptions { statuses, reports, seed, instance_url: settings.instance_url.clone() };
                let content = seed::seed_content(&db.write, &options).await.map_err(|e| e.to_string())?;
                println!(
                    "seeded {} statuses ({} replies, {} reblogs) and {} reports in {:.1}s",
                    content.statuses,
                    content.replies,
                    content.reblogs,
                    content.reports,
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(())
        }
    }
}

/// A database error as a sentence: the gateway's own connection messages (which name the path
/// or address) as they are, the driver's behind "database: ".
fn database_error(err: sea_orm::DbErr) -> String {
    match err {
        sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal(text)) => text,
        other => format!("database: {}", pleroma_gateway::db::error_text(&other)),
    }
}

pub(crate) fn describe(err: pleroma_gateway::error::AppError) -> String {
    match err {
        pleroma_gateway::error::AppError::Invalid(fields) => {
            fields.iter().map(|(field, message)| format!("{field} {message}")).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

async fn serve(db: Db, settings: Settings) -> Result<(), String> {
    let listen = settings.listen;
    // Held until the process ends: `restore` refuses to run under it.
    let _lock = cli::backup::serve_lock(&settings)?;
    let state = AppState::new(db, settings)?;
    // Settings saved through the API apply from the start (limiters and mailer included).
    state.live.refresh().await;
    state.spawn_housekeeping();
    let mut job_options = state.job_options();
    // How long a claimed job is held before another process may take it over (seconds).
    if let Some(secs) = std::env::var("GATEWAY_JOB_LEASE").ok().and_then(|s| s.parse::<u64>().ok()) {
        job_options.lease = std::time::Duration::from_secs(secs.max(1));
    }
    let jobs = state.spawn_jobs(job_options);
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("listen on {listen}: {e}"))?;
    tracing::info!(%listen, "pleroma-gateway listening");
    let (server, proxies) = (state.settings().http_server.clone(), state.settings().remote_ip.proxies.clone());
    pleroma_gateway::app::server::serve(listener, pleroma_gateway::app(state), server, proxies, shutdown()).await;
    // The job in hand finishes (or its lease lets another process take it over).
    jobs.stop().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every argument and flag of every command says what it is for.
    #[test]
    fn every_argument_has_help() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                if arg.get_help().is_none() && !["help", "version"].contains(&arg.get_id().as_str()) {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (no about)", sub.get_name()));
                }
                check(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "pleroma-gateway", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
        Cli::command().debug_assert();
    }
}
