//! Durable background work: a queue in the `jobs` table that survives restarts and runs each
//! job to completion once, even when several gateway processes share one PostgreSQL database or
//! one SQLite file.
//!
//! Why not a crate: the queue crates that support both engines (apalis-sql) pin another sqlx
//! major, whose `libsqlite3-sys` cannot link beside ours (`links = "sqlite3"` may appear once),
//! and the others (sqlxmq, graphile_worker, underway) are PostgreSQL-only. The table is small and
//! the protocol is the classic one:
//!
//! - [`enqueue`] inserts a row on any connection, so domain code enqueues inside its own
//!   transaction: the job exists exactly when the change that asked for it committed.
//! - [`claim`] takes one due row in a single `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING`:
//!   on PostgreSQL the subquery is `FOR UPDATE SKIP LOCKED`, so replicas never wait on or take
//!   each other's row; on SQLite it runs in an IMMEDIATE transaction, so claims are serialised by
//!   the file's write lock. The claim sets a lease (`locked_until`); a job whose process died
//!   (its lease expired while `running`) is due again and is claimed by another worker.
//! - While a handler runs, the [`Runner`] extends the lease; [`complete`] and [`fail`] only touch
//!   a row this worker still holds (`locked_by`), so a worker that lost its lease cannot finish
//!   someone else's claim.
//! - A failure is retried with exponential backoff (`2^attempts + 15` seconds, at most an hour:
//!   the default of Oban, Pleroma's job queue) until `max_attempts`, then the row stays `failed`
//!   with its last error.
//!
//! - A job kind is a type ([`Job`]): name, [`Queue`], attempts, typed arguments and `run`;
//!   [`enqueue`] takes only kinds listed in a registry ([`job_kinds!`](crate::job_kinds)), and
//!   the [`Runner`] gives each queue its own workers.
//!
//! "Once" therefore means: a job completes once; a handler can be interrupted (kill -9) and
//! started again, so handlers are idempotent — they work in committed steps that a second run
//! finds already done.
use std::time::Duration;

use chrono::Utc;
use entity::job;
use sea_orm::{
    sea_query::ExprTrait,
    sea_query::{Expr, LockBehavior, LockType, Query},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

use crate::db::Db;

mod kind;
mod runner;
pub use crate::job_kinds;
pub use kind::{Attempt, Failure, Job, Listed, Queue, Registry, DEFAULT_MAX_ATTEMPTS};
pub use runner::{wait, Ended, Finished, Outcome, Runner, RunnerHandle, RunnerOptions};

/// States of a job row.
pub mod state {
    pub const AVAILABLE: &str = "available";
    pub const RUNNING: &str = "running";
    pub const COMPLETED: &str = "completed";
    pub const FAILED: &str = "failed";
}

/// Put job `job` on its queue, on `conn` (a transaction or a connection); returns its id. The
/// row is complete as inserted (queue, attempts): a runner may claim it the moment it commits.
pub async fn enqueue<J: Listed, C: ConnectionTrait>(conn: &C, job: &J) -> Result<i64, DbErr> {
    enqueue_at(conn, job, Utc::now()).await
}

/// [`enqueue`] a job that is not due before `run_at` (a poll's end).
pub async fn enqueue_at<J: Listed, C: ConnectionTrait>(
    conn: &C,
    job: &J,
    run_at: chrono::DateTime<Utc>,
) -> Result<i64, DbErr> {
    Ok(row(job, run_at, Utc::now())?.insert(conn).await?.id)
}

/// The row that puts `job` on its queue, due at `run_at`.
fn row<J: Listed>(
    job: &J,
    run_at: chrono::DateTime<Utc>,
    now: chrono::DateTime<Utc>,
) -> Result<job::ActiveModel, DbErr> {
    let args = serde_json::to_value(job).map_err(|e| DbErr::Custom(format!("job {}: arguments: {e}", J::NAME)))?;
    Ok(job::ActiveModel {
        queue: Set(J::QUEUE.name().into()),
        kind: Set(J::NAME.into()),
        args: Set(args),
        state: Set(state::AVAILABLE.into()),
        attempts: Set(0),
        max_attempts: Set(J::MAX_ATTEMPTS),
        run_at: Set(run_at),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        inserted_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    })
}

/// [`enqueue`] every job of `jobs` at once: one `INSERT` per [`ENQUEUE_CHUNK`] rows, not one per
/// job (a status to 1,000 inboxes is 1,000 deliveries).
pub async fn enqueue_many<J: Listed, C: ConnectionTrait>(conn: &C, jobs: &[J]) -> Result<(), DbErr> {
    let now = Utc::now();
    for chunk in jobs.chunks(ENQUEUE_CHUNK) {
        let rows = chunk.iter().map(|job| row(job, now, now)).collect::<Result<Vec<_>, _>>()?;
        job::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Rows per `INSERT` of [`enqueue_many`] (12 bound values each: well under SQLite's and
/// PostgreSQL's limits on bound parameters).
const ENQUEUE_CHUNK: usize = 500;

/// Rows of `queue`; the default queue also takes rows of a queue no runner has (none today), so
/// no row is left unclaimed.
fn in_queue(queue: Queue) -> Condition {
    if queue == Queue::Default {
        let others: Vec<&str> = Queue::ALL.iter().filter(|q| **q != Queue::Default).map(|q| q.name()).collect();
        Condition::all().add(job::Column::Queue.is_not_in(others))
    } else {
        Condition::all().add(job::Column::Queue.eq(queue.name()))
    }
}

/// Due rows: available and due, or running with an expired lease (their worker died).
fn due(now: chrono::DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Condition::all().add(job::Column::State.eq(state::AVAILABLE)).add(job::Column::RunAt.lte(now)))
        .add(Condition::all().add(job::Column::State.eq(state::RUNNING)).add(job::Column::LockedUntil.lt(now)))
}

/// Claim the next due job of `queue` (of any, with `None`) for `worker`, holding it for
/// `lease`; `None` when nothing is due.
pub async fn claim(db: &Db, worker: &str, queue: Option<Queue>, lease: Duration) -> Result<Option<job::Model>, DbErr> {
    let now = Utc::now();
    let mut due = due(now);
    if let Some(queue) = queue {
        due = Condition::all().add(due).add(in_queue(queue));
    }
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let mut next = Query::select();
    next.column(job::Column::Id)
        .from(job::Entity)
        .cond_where(due)
        .order_by(job::Column::RunAt, sea_orm::Order::Asc)
        .order_by(job::Column::Id, sea_orm::Order::Asc)
        .limit(1);
    let backend = db.backend();
    if backend == DbBackend::Postgres {
        next.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let update = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state::RUNNING))
        .col_expr(job::Column::Attempts, Expr::col(job::Column::Attempts).add(1))
        .col_expr(job::Column::LockedUntil, Expr::value(Some(until)))
        .col_expr(job::Column::LockedBy, Expr::value(Some(worker.to_string())))
        .filter(job::Column::Id.in_subquery(next));
    let claimed = if backend == DbBackend::Sqlite {
        let txn = db.begin().await?;
        let rows = update.exec_with_returning(&txn).await?;
        txn.commit().await?;
        rows
    } else {
        let txn = db.write.begin().await?;
        let rows = update.exec_with_returning(&txn).await?;
        txn.commit().await?;
        rows
    };
    Ok(claimed.into_iter().next())
}

/// Only the row `worker` still holds.
fn held(id: i64, worker: &str) -> Condition {
    Condition::all()
        .add(job::Column::Id.eq(id))
        .add(job::Column::State.eq(state::RUNNING))
        .add(job::Column::LockedBy.eq(worker))
}

/// Extend `worker`'s lease on job `id`; false when the worker no longer holds it.
pub async fn extend(db: &Db, id: i64, worker: &str, lease: Duration) -> Result<bool, DbErr> {
    let until = Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let result = job::Entity::update_many()
        .col_expr(job::Column::LockedUntil, Expr::value(Some(until)))
        .filter(held(id, worker))
        .exec(&db.write)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Mark job `id` completed; false when `worker` no longer held it.
pub async fn complete(db: &Db, id: i64, worker: &str) -> Result<bool, DbErr> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state::COMPLETED))
        .col_expr(job::Column::CompletedAt, Expr::value(Some(Utc::now())))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .filter(held(id, worker))
        .exec(&db.write)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The wait before attempt `attempts + 1`: `2^attempts` seconds after Oban's 15-second pad
/// (`Oban.Backoff.exponential(attempt, min_pad: 15)`, Pleroma's default), at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    Duration::from_secs((1u64 << attempts.clamp(0, 12).unsigned_abs()) + 15).min(Duration::from_secs(3600))
}

/// Record a failed attempt: back to `available` after [`backoff`], or `failed` for good once
/// `max_attempts` attempts were made.
pub async fn fail(db: &Db, job: &job::Model, worker: &str, error: &str) -> Result<(), DbErr> {
    let exhausted = job.attempts >= job.max_attempts;
    let next_state = if exhausted { state::FAILED } else { state::AVAILABLE };
    let run_at = Utc::now() + chrono::Duration::from_std(backoff(job.attempts)).unwrap_or_default();
    job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(next_state))
        .col_expr(job::Column::RunAt, Expr::value(run_at))
        .col_expr(job::Column::LastError, Expr::value(Some(error.to_string())))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .filter(held(job.id, worker))
        .exec(&db.write)
        .await?;
    Ok(())
}

/// Jobs of `kind` not yet completed or failed.
pub async fn pending(db: &Db, kind: Option<&str>) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    let mut query = job::Entity::find().filter(job::Column::State.is_in([state::AVAILABLE, state::RUNNING]));
    if let Some(kind) = kind {
        query = query.filter(job::Column::Kind.eq(kind));
    }
    query.count(&db.read).await
}

/// Delete completed jobs finished more than `age` ago (failed ones stay for inspection).
pub async fn prune_completed(db: &Db, age: Duration) -> Result<u64, DbErr> {
    let before = Utc::now() - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::days(7));
    let done = job::Entity::delete_many()
        .filter(job::Column::State.eq(state::COMPLETED))
        .filter(job::Column::CompletedAt.lt(before))
        .exec(&db.write)
        .await?;
    Ok(done.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(0), Duration::from_secs(16));
        assert_eq!(backoff(3), Duration::from_secs(23));
        assert_eq!(backoff(40), Duration::from_secs(3600));
    }
}
