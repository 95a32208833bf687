//! `pleroma-gateway counters …`: check or recompute the kept counters (statuses' replies,
//! reblogs, quotes and favourites; users' posts, followers, followings and last post time),
//! which triggers keep in every writing transaction.
use clap::Subcommand;
use pleroma_gateway::{db::Db, domain::counters};

use crate::describe;

#[derive(Subcommand)]
pub enum CountersCommand {
    /// Count the rows whose kept counters differ from a recount (reads only); fails when any do.
    Check,
    /// Recompute every kept counter in SQL, in one transaction, and report how many rows were
    /// wrong.
    Repair,
}

/// Run a `counters` subcommand.
pub async fn run(db: &Db, command: CountersCommand) -> Result<(), String> {
    match command {
        CountersCommand::Check => {
            let drift = counters::drift(&db.read).await.map_err(describe)?;
            println!(
                "{} statuses, {} users, {} instances and {} report groups have wrong counters",
                drift.statuses, drift.users, drift.instances, drift.report_groups
            );
            if drift == counters::Drift::default() {
                Ok(())
            } else {
                Err("counters differ from a recount: run `pleroma-gateway counters repair`".into())
            }
        }
        CountersCommand::Repair => {
            let fixed = counters::repair(&db.write).await.map_err(describe)?;
            println!(
                "repaired the counters of {} statuses, {} users, {} instances and {} report groups",
                fixed.statuses, fixed.users, fixed.instances, fixed.report_groups
            );
            Ok(())
        }
    }
}
