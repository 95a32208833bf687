//! The `pleroma-gateway` command: serve (the default), migrate, export-schema, user, seed, and
//! the rest of `pleroma_ctl`'s everyday commands (config, emoji, database, instance).
use std::{
    io::{BufRead, IsTerminal},
    process::ExitCode,
};

use clap::{Parser, Subcommand, ValueEnum};
use pleroma_gateway::{
    config::{Overrides, Settings},
    db::Db,
    AppState,
};

mod cli;
use cli::{
    config::ConfigCommand,
    database::DatabaseCommand,
    emoji::EmojiCommand,
    instance::InstanceCommand,
    progress::{counted, spinner},
    user::UserCommand,
};

/// `--version`: the package version and the commit it was built from (`build.rs`).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("GATEWAY_GIT_COMMIT"), ")");

/// mimalloc rather than glibc's malloc: resolving and serialising a page of 500 users allocates
/// some 40 000 small values, and glibc spent a fifth of the request's CPU on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "pleroma-gateway", version = VERSION, about = "GraphQL-first admin gateway for the Pleroma Admin API")]
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
    /// Check or recompute the kept counters (replies, reblogs, quotes, favourites, posts,
    /// follows, last post time).
    #[command(subcommand)]
    Counters(cli::counters::CountersCommand),
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
    /// Generate realistic test users, statuses and reports on an empty database (refused on one
    /// that holds users unless --force); prints the local users' password.
    Seed {
        /// Seed a database that already holds users (adds to them).
        #[arg(long)]
        force: bool,
        /// Let some generated local users be admins and moderators (none without it).
        #[arg(long)]
        admins: bool,
        /// The generated local users' password.
        #[arg(long, default_value = "password")]
        password: String,
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
    /// Settings saved in the database (like `pleroma_ctl config`).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Emoji packs from a manifest (like `pleroma_ctl emoji`).
    #[command(subcommand)]
    Emoji(EmojiCommand),
    /// Database maintenance (like `pleroma_ctl database`).
    #[command(subcommand)]
    Database(DatabaseCommand),
    /// Instance set-up (like `pleroma_ctl instance`).
    #[command(subcommand)]
    Instance(InstanceCommand),
    /// Print a shell completion script (e.g. `pleroma-gateway completions bash > /etc/bash_completion.d/pleroma-gateway`).
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
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
    match &command {
        Command::ExportSchema => {
            print!("{}", pleroma_gateway::graphql::sdl());
            return Ok(());
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "pleroma-gateway", &mut std::io::stdout());
            return Ok(());
        }
        // Writes a file from flags alone: no settings or database needed.
        Command::Instance(instance) => return cli::instance::run(instance, cli.overrides.data_dir.as_deref()),
        _ => {}
    }
    let mut settings = Settings::load(&cli.overrides)?;
    // Before connecting and migrating: a backup taken before an upgrade holds the old schema.
    match &command {
        Command::Backup { file } => return cli::backup::backup(&settings, file).await,
        Command::Restore { file } => return cli::backup::restore(&settings, file).await,
        _ => {}
    }
    let db = Db::connect(&settings.database_url).await.map_err(database_error)?;
    let pending =
        db.pending_migrations().await.map_err(|e| format!("migrations: {}", pleroma_gateway::db::error_text(&e)))?;
    let bar = (!pending.is_empty()).then(|| spinner(format!("applying {} migration(s)", pending.len())));
    db.migrate().await.map_err(|e| format!("migrations: {}", pleroma_gateway::db::error_text(&e)))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
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
        Command::ExportSchema
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Completions { .. }
        | Command::Instance(_) => Ok(()),
        Command::Config(config) => cli::config::run(&db, &settings, config).await,
        Command::Emoji(emoji) => cli::emoji::run(&db, &settings, emoji).await,
        Command::Database(database) => cli::database::run(&db, database).await,
        Command::User(user) => cli::user::run(&db, &settings, user).await,
        Command::Counters(counters) => cli::counters::run(&db, counters).await,
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
            let bar = spinner(format!("importing {file}"));
            let done = pleroma_gateway::domain::remote_import::import(&db, &settings, &doc).await.map_err(describe);
            bar.finish_and_clear();
            let done = done?;
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
        Command::Seed { users, remote_share, seed, statuses, reports, force, admins, password } => {
            let held = cli::database::user_count(&db).await?;
            if held > 0 && !force {
                return Err(format!(
                    "the database already holds {held} user(s): seed is for an empty database (its users get a \
                     known password); add --force to add to them"
                ));
            }
            let hash = pleroma_gateway::auth::password::hash_blocking(&password).map_err(describe)?;
            let started = std::time::Instant::now();
            let bar = counted(format!("seeding {users} users"), || seed::PROGRESS.get());
            let report = seed::seed_users_with(
                &db.write,
                &seed::SeedOptions {
                    users,
                    remote_share,
                    seed,
                    instance_host: settings.host(),
                    instance_url: settings.instance_url.clone(),
                },
                &hash,
                admins,
            )
            .await
            .map_err(|e| e.to_string());
            bar.finish_and_clear();
            let report = report?;
            println!(
                "seeded {} users ({} local, {} remote), {} tags, {} follows in {:.1}s",
                report.users,
                report.local,
                report.remote,
                report.tags,
                report.follows,
                started.elapsed().as_secs_f64()
            );
            if report.local > 0 {
                println!("the seeded local users' password is {password:?}");
            }
            if admins {
                let staff = cli::database::staff_nicknames(&db).await?;
                println!("staff (admins and moderators): {}", staff.join(", "));
            }
            if statuses > 0 || reports > 0 {
                let started = std::time::Instant::now();
                let options =
                    seed::ContentOptions { statuses, reports, seed, instance_url: settings.instance_url.clone() };
                let bar =
                    counted(format!("seeding {statuses} statuses and {reports} reports"), || seed::PROGRESS.get());
                let content = seed::seed_content(&db.write, &options).await.map_err(|e| e.to_string());
                bar.finish_and_clear();
                let content = content?;
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
    let state_settings = settings.clone();
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
    // The signal handlers are in place before the first connection is accepted: a SIGTERM sent
    // as soon as the server answers must stop it gracefully, not kill it.
    let stop = shutdown()?;
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("listen on {listen}: {e}"))?;
    tracing::info!(
        version = VERSION,
        %listen,
        database = pleroma_gateway::db::redacted_url(&state_settings.database_url),
        data_dir = %state_settings.data_dir.display(),
        instance_url = state_settings.instance_url,
        "pleroma-gateway listening"
    );
    let (server, proxies) = (state.settings().http_server.clone(), state.settings().remote_ip.proxies.clone());
    pleroma_gateway::app::server::serve(listener, pleroma_gateway::app(state), server, proxies, stop).await;
    // The job in hand finishes (or its lease lets another process take it over).
    jobs.stop().await;
    Ok(())
}

/// Resolves at the first Ctrl-C or SIGTERM; both handlers are registered when this is called,
/// not when the future is first polled.
fn shutdown() -> Result<impl std::future::Future<Output = ()>, String> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("install the SIGTERM handler: {e}"))?;
    #[cfg(unix)]
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| format!("install the SIGINT handler: {e}"))?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {},
            _ = interrupt.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
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
