//! The `pleroma-gateway` command: serve (the default), migrate, export-schema, user, seed.
use std::{net::SocketAddr, process::ExitCode};

use clap::{Parser, Subcommand};
use pleroma_gateway::{
    config::{Overrides, Settings},
    db::Db,
    domain::users::{self, NewUser},
    seed, AppState,
};

#[derive(Parser)]
#[command(name = "pleroma-gateway", version, about = "GraphQL-first admin gateway for the Pleroma Admin API")]
struct Cli {
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Option<Command>,
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
    /// Generate realistic test users.
    Seed {
        /// How many users.
        #[arg(long)]
        users: usize,
        /// Share of remote users (0 to 1).
        #[arg(long, default_value_t = 0.3)]
        remote_share: f64,
        /// Random seed; the same seed gives the same users.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a local user.
    New {
        nickname: String,
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        bio: Option<String>,
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        moderator: bool,
        /// Do not ask for confirmation (there is nothing to confirm; accepted for pleroma_ctl compatibility).
        #[arg(short = 'y', long = "assume-yes")]
        yes: bool,
    },
    /// Change a user's roles or activation.
    Set {
        nickname: String,
        #[arg(long, overrides_with = "no_admin")]
        admin: bool,
        #[arg(long)]
        no_admin: bool,
        #[arg(long, overrides_with = "no_moderator")]
        moderator: bool,
        #[arg(long)]
        no_moderator: bool,
        #[arg(long, overrides_with = "no_active")]
        active: bool,
        #[arg(long)]
        no_active: bool,
    },
}

fn flag(on: bool, off: bool) -> Option<bool> {
    if on {
        Some(true)
    } else if off {
        Some(false)
    } else {
        None
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::ExportSchema = command {
        print!("{}", pleroma_gateway::graphql::sdl());
        return Ok(());
    }
    let settings = Settings::load(&cli.overrides)?;
    let db = Db::connect(&settings.database_url).await.map_err(|e| format!("database: {e}"))?;
    db.migrate().await.map_err(|e| format!("migrations: {e}"))?;
    match command {
        Command::Serve => serve(db, settings).await,
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::ExportSchema => Ok(()),
        Command::User(UserCommand::New { nickname, email, password, name, bio, admin, moderator, yes: _ }) => {
            let new = NewUser { nickname, email, password, name, bio, is_admin: admin, is_moderator: moderator };
            // Hash before the transaction: argon2 must not run while it holds the writer.
            let hash = pleroma_gateway::auth::password::hash(new.password.clone()).await.map_err(describe)?;
            let txn = db.begin().await.map_err(|e| e.to_string())?;
            users::validate_new(&txn, &new).await.map_err(describe)?;
            let user = users::insert_local(&txn, &settings, &new, hash).await.map_err(describe)?;
            txn.commit().await.map_err(|e| e.to_string())?;
            println!("User {} created (id {})", user.nickname, user.id);
            Ok(())
        }
        Command::User(UserCommand::Set { nickname, admin, no_admin, moderator, no_moderator, active, no_active }) => {
            if users::find_by_nickname(&db.read, &nickname).await.map_err(describe)?.is_none() {
                return Err(format!("No local user {nickname}"));
            }
            let user = pleroma_gateway::domain::user_admin::set_by_operator(
                &db,
                &nickname,
                flag(admin, no_admin),
                flag(moderator, no_moderator),
                flag(active, no_active),
            )
            .await
            .map_err(describe)?;
            println!(
                "User {}: admin={} moderator={} active={}",
                user.nickname, user.is_admin, user.is_moderator, user.is_active
            );
            Ok(())
        }
        Command::Seed { users, remote_share, seed } => {
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
            Ok(())
        }
    }
}

fn describe(err: pleroma_gateway::error::AppError) -> String {
    match err {
        pleroma_gateway::error::AppError::Invalid(fields) => {
            fields.iter().map(|(field, message)| format!("{field} {message}")).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

async fn serve(db: Db, settings: Settings) -> Result<(), String> {
    let listen = settings.listen;
    let state = AppState::new(db, settings)?;
    state.spawn_housekeeping();
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("listen on {listen}: {e}"))?;
    tracing::info!(%listen, "pleroma-gateway listening");
    axum::serve(listener, pleroma_gateway::app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())
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
