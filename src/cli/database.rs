//! `database vacuum analyze|full` (Pleroma's `Pleroma.Maintenance.vacuum`, run by
//! `pleroma_ctl database vacuum`), and the user counts `seed` checks.
use clap::{Subcommand, ValueEnum};
use entity::user;
use pleroma_gateway::db::{self, Db};
use sea_orm::{
    sea_query::ExprTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Statement,
};

#[derive(Subcommand)]
pub enum DatabaseCommand {
    /// Reclaim space and refresh the planner's statistics: `analyze` (VACUUM ANALYZE; SQLite:
    /// ANALYZE and an incremental checkpoint, readers and writers go on) or `full` (VACUUM FULL;
    /// SQLite: VACUUM; rewrites the whole database and needs as much free disk again).
    Vacuum {
        /// `analyze` or `full`.
        #[arg(value_enum)]
        mode: VacuumMode,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum VacuumMode {
    /// VACUUM ANALYZE: marks free space for reuse and refreshes statistics, without locking.
    Analyze,
    /// VACUUM FULL: rewrites every table; takes exclusive locks while it runs.
    Full,
}

pub async fn run(db: &Db, command: DatabaseCommand) -> Result<(), String> {
    let DatabaseCommand::Vacuum { mode } = command;
    let backend = db.write.get_database_backend();
    let statements: &[&str] = match (backend, mode) {
        (DbBackend::Postgres, VacuumMode::Analyze) => &["VACUUM ANALYZE"],
        (DbBackend::Postgres, VacuumMode::Full) => &["VACUUM FULL"],
        (_, VacuumMode::Analyze) => &["ANALYZE", "PRAGMA wal_checkpoint(PASSIVE)"],
        (_, VacuumMode::Full) => &["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"],
    };
    if matches!(mode, VacuumMode::Full) {
        eprintln!(
            "Re-packing the entire database may take a while and needs as much free disk space again while it runs."
        );
    }
    let started = std::time::Instant::now();
    let bar = super::progress::spinner(format!("running {}", statements[0]));
    let mut result = Ok(());
    for sql in statements {
        if let Err(e) = db.write.execute_raw(Statement::from_string(backend, sql.to_string())).await {
            result = Err(format!("{sql}: {}", db::error_text(&e)));
            break;
        }
    }
    bar.finish_and_clear();
    result?;
    println!("{} done in {:.1}s", statements[0], started.elapsed().as_secs_f64());
    Ok(())
}

/// Users in the database, the instance's own service actors (relay, internal fetch) aside.
pub async fn user_count(db: &Db) -> Result<u64, String> {
    user::Entity::find()
        .filter(user::Column::Nickname.is_not_in(["relay", "internal.fetch"]))
        .count(&db.read)
        .await
        .map_err(|e| db::error_text(&e))
}

/// Nicknames of the local admins and moderators, by nickname.
pub async fn staff_nicknames(db: &Db) -> Result<Vec<String>, String> {
    let staff = user::Entity::find()
        .filter(user::Column::Local.eq(true))
        .filter(user::Column::IsAdmin.eq(true).or(user::Column::IsModerator.eq(true)))
        .order_by_asc(user::Column::Nickname)
        .all(&db.read)
        .await
        .map_err(|e| db::error_text(&e))?;
    Ok(staff.into_iter().map(|u| u.nickname).collect())
}
