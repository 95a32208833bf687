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
//! - A failure is retried with exponential backoff (`2^attempts` seconds, at most an hour) until
//!   `max_attempts`, then the row stays `failed` with its last error.
//!
//! "Once" therefore means: a job completes once; a handler can be interrupted (kill -9) and
//! started again, so handlers are idempotent — they work in committed steps that a second run
//! finds already done.
use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use chrono::Utc;
use entity::job;
use sea_orm::{
    sea_query::ExprTrait,
    sea_query::{Expr, LockBehavior, LockType, Query},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde_json::Value;
use tokio::sync::watch;

use crate::db::Db;

/// States of a job row.
pub mod state {
    pub const AVAILABLE: &str = "available";
    pub const RUNNING: &str = "running";
    pub const COMPLETED: &str = "completed";
    pub const FAILED: &str = "failed";
}

/// The default queue.
pub const DEFAULT_QUEUE: &str = "default";
/// Attempts before a job is left `failed`.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;

/// Put a job on the queue, on `conn` (a transaction or a connection); returns its id.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, kind: &str, args: Value) -> Result<i64, DbErr> {
    enqueue_tried(conn, kind, args, DEFAULT_MAX_ATTEMPTS).await
}

/// [`enqueue`] a job tried at most `max_attempts` times, set in the same insert (a runner may
/// claim the row the moment it exists).
pub async fn enqueue_tried<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    args: Value,
    max_attempts: i32,
) -> Result<i64, DbErr> {
    insert(conn, kind, args, max_attempts, Utc::now()).await
}

/// [`enqueue`] a job that is not due before `run_at` (a poll's end).
pub async fn enqueue_at<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    args: Value,
    run_at: chrono::DateTime<Utc>,
) -> Result<i64, DbErr> {
    insert(conn, kind, args, DEFAULT_MAX_ATTEMPTS, run_at).await
}

async fn insert<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    args: Value,
    max_attempts: i32,
    run_at: chrono::DateTime<Utc>,
) -> Result<i64, DbErr> {
    let now = Utc::now();
    let row = job::ActiveModel {
        queue: Set(DEFAULT_QUEUE.into()),
        kind: Set(kind.into()),
        args: Set(args),
        state: Set(state::AVAILABLE.into()),
        attempts: Set(0),
        max_attempts: Set(max_attempts),
        run_at: Set(run_at),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        inserted_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    };
    Ok(row.insert(conn).await?.id)
}

/// Due rows: available and due, or running with an expired lease (their worker died).
fn due(now: chrono::DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Condition::all().add(job::Column::State.eq(state::AVAILABLE)).add(job::Column::RunAt.lte(now)))
        .add(Condition::all().add(job::Column::State.eq(state::RUNNING)).add(job::Column::LockedUntil.lt(now)))
}

/// Claim the next due job for `worker`, holding it for `lease`; `None` when nothing is due.
pub async fn claim(db: &Db, worker: &str, lease: Duration) -> Result<Option<job::Model>, DbErr> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let mut next = Query::select();
    next.column(job::Column::Id)
        .from(job::Entity)
        .cond_where(due(now))
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

/// The wait before attempt `attempts + 1`: `2^attempts` seconds, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(1u64 << attempts.clamp(0, 12).unsigned_abs()).min(Duration::from_secs(3600))
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

/// Jobs of `kind` not yet completed or failed (tests and the admin use it to wait).
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

/// What a runner does with a claimed job: `Err` is a failed attempt (retried with backoff).
pub type Handler = Arc<dyn Fn(job::Model) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// How a runner works.
#[derive(Clone, Debug)]
pub struct RunnerOptions {
    /// How long a claim holds before another worker may take the job.
    pub lease: Duration,
    /// The wait between polls when the queue is empty.
    pub poll: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions { lease: Duration::from_secs(30), poll: Duration::from_millis(500) }
    }
}

/// A worker: claims due jobs one at a time and runs them with its handler.
pub struct Runner {
    db: Db,
    handler: Handler,
    options: RunnerOptions,
    worker: String,
}

/// Stops a spawned runner: it finishes the job in hand (or loses it to the lease) and exits.
pub struct RunnerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunnerHandle {
    /// Ask the runner to stop and wait for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Runner {
    /// A runner over `db`; its worker name is `host:pid:random`.
    pub fn new(db: Db, handler: Handler, options: RunnerOptions) -> Runner {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "gateway".into());
        let worker = format!("{host}:{}:{:08x}", std::process::id(), rand::random::<u32>());
        Runner { db, handler, options, worker }
    }

    /// Run one due job, if any; true when one was run (completed or failed).
    pub async fn run_once(&self) -> Result<bool, DbErr> {
        let Some(job) = claim(&self.db, &self.worker, self.options.lease).await? else { return Ok(false) };
        if job.attempts > job.max_attempts {
            fail(&self.db, &job, &self.worker, "too many attempts (its workers kept dying)").await?;
            return Ok(true);
        }
        tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, "job started");
        // Keep the lease while the handler works.
        let (db, id, worker, lease) = (self.db.clone(), job.id, self.worker.clone(), self.options.lease);
        let keeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                if !matches!(extend(&db, id, &worker, lease).await, Ok(true)) {
                    break;
                }
            }
        });
        let result = (self.handler)(job.clone()).await;
        keeper.abort();
        match result {
            Ok(()) => {
                if complete(&self.db, job.id, &self.worker).await? {
                    tracing::info!(job = job.id, kind = %job.kind, "job completed");
                } else {
                    tracing::warn!(job = job.id, "job finished after its lease was lost");
                }
            }
            Err(error) => {
                tracing::warn!(job = job.id, kind = %job.kind, %error, "job failed");
                fail(&self.db, &job, &self.worker, &error).await?;
            }
        }
        Ok(true)
    }

    /// Run until stopped: jobs back to back, a poll interval's sleep when none is due.
    pub fn spawn(self) -> RunnerHandle {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                if *stopped.borrow() {
                    break;
                }
                let ran = match self.run_once().await {
                    Ok(ran) => ran,
                    Err(err) => {
                        tracing::warn!(error = %err, "job queue unavailable");
                        false
                    }
                };
                if !ran {
                    tokio::select! {
                        _ = tokio::time::sleep(self.options.poll) => {}
                        _ = stopped.changed() => {}
                    }
                }
            }
        });
        RunnerHandle { stop, task }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(40), Duration::from_secs(3600));
    }
}
