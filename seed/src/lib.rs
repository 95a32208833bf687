//! Deterministic, fast generation of realistic users (local and remote accounts, tags, follows)
//! for demos, benchmarks and tests.
//!
//! Everything is derived from [`SeedOptions::seed`] through one [`StdRng`], and timestamps are
//! spread over the three years before a fixed anchor ([`SEED_ANCHOR_UNIX`]), so the same options
//! always produce the same rows, ids included. Generation is pure ([`generate`]); [`seed_users`]
//! writes the result in batched multi-row inserts inside a single transaction, with one password
//! hash shared by every local user, which is what makes 100k users take seconds.
//!
//! [`seed_users`] steers clear of ids, nicknames, emails and ap_ids already in the database, so it
//! can add users to a non-empty instance (on an empty one its rows are exactly [`generate`]'s).

mod content;
mod names;
#[cfg(test)]
mod tests;
mod users;

pub use content::{seed_content, ContentOptions, ContentReport};
pub use users::generate;

use std::{
    fmt::Write as _,
    sync::atomic::{AtomicU64, Ordering},
};

use entity::{follow, user, user_tag};
use rand::rngs::StdRng;
use rand::Rng;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable,
    ModelTrait, Statement, TransactionTrait,
};

use users::{generate_avoiding, Reserved};

/// Rows the seeding under way in this process plans to write and has written, for a progress
/// bar (the command line's `seed` reads them while it waits).
pub static PROGRESS: Progress = Progress { planned: AtomicU64::new(0), written: AtomicU64::new(0) };

/// See [`PROGRESS`].
pub struct Progress {
    planned: AtomicU64,
    written: AtomicU64,
}

impl Progress {
    /// `(written, planned)` so far.
    pub fn get(&self) -> (u64, u64) {
        (self.written.load(Ordering::Relaxed), self.planned.load(Ordering::Relaxed))
    }

    fn start(&self) {
        self.planned.store(0, Ordering::Relaxed);
        self.written.store(0, Ordering::Relaxed);
    }

    fn plan(&self, rows: usize) {
        self.planned.fetch_add(rows as u64, Ordering::Relaxed);
    }

    fn wrote(&self, rows: usize) {
        self.written.fetch_add(rows as u64, Ordering::Relaxed);
    }
}

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedOptions {
    /// Number of users to create.
    pub users: usize,
    /// Share of remote users, `0.0..=1.0` (out-of-range values are clamped; default 0.3).
    pub remote_share: f64,
    /// RNG seed: the same seed (and options) always yields the same rows.
    pub seed: u64,
    /// Host of this instance, possibly with a port (`localhost:4000`); local emails use it
    /// without the port.
    pub instance_host: String,
    /// Base URL of this instance (`http://localhost:4000`); local ap_ids are
    /// `<instance_url>/users/<nickname>`.
    pub instance_url: String,
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            users: 1_000,
            remote_share: 0.3,
            seed: 42,
            instance_host: "localhost:4000".to_owned(),
            instance_url: "http://localhost:4000".to_owned(),
        }
    }
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Users inserted (`local + remote`).
    pub users: usize,
    /// Local users inserted.
    pub local: usize,
    /// Remote users inserted.
    pub remote: usize,
    /// `user_tags` rows inserted.
    pub tags: usize,
    /// `follows` rows inserted.
    pub follows: usize,
}

/// The rows [`generate`] produced, in insertion order (users ordered by `inserted_at` and id).
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    /// One row per user.
    pub users: Vec<user::Model>,
    /// Tags of the users, at most two per user, no duplicates.
    pub tags: Vec<user_tag::Model>,
    /// Follow relations between generated users, no duplicates, no self-follows.
    pub follows: Vec<follow::Model>,
}

impl Generated {
    /// Counts of what these rows are, as [`seed_users`] reports them.
    pub fn report(&self) -> SeedReport {
        let local = self.users.iter().filter(|u| u.local).count();
        SeedReport {
            users: self.users.len(),
            local,
            remote: self.users.len() - local,
            tags: self.tags.len(),
            follows: self.follows.len(),
        }
    }
}

/// Unix time (seconds) of the fixed anchor seeded timestamps end at: 2026-11-23T00:00:00Z.
/// Fixed rather than "now" so that timestamps and ids are reproducible.
pub const SEED_ANCHOR_UNIX: i64 = 1_795_392_000;

/// How far back before the anchor seeded registrations go.
const SPAN_DAYS: i64 = 3 * 365;

/// Rows per `users` insert: 43 columns × 500 = 21,500 bound parameters, under SQLite's 32,766
/// (and PostgreSQL's 65,535).
const USER_BATCH: usize = 500;
/// Rows per `user_tags` insert (2 columns).
const TAG_BATCH: usize = 5_000;
/// Rows per `follows` insert (3 columns).
const FOLLOW_BATCH: usize = 5_000;

/// Generates `opts.users` users and writes them, their tags and follows in one transaction.
///
/// `password_hash` is stored for every local user (remote users get none): hash once, pass it
/// here. Generated values that collide with existing users' unique columns are re-rolled, so
/// calling it again (even with the same seed) adds more users. Nothing is written if any insert
/// fails.
pub async fn seed_users(db: &DatabaseConnection, opts: &SeedOptions, password_hash: &str) -> Result<SeedReport, DbErr> {
    seed_users_with(db, opts, password_hash, true).await
}

/// [`seed_users`], with `staff: false` making every generated user a plain one (no admin or
/// moderator: the command line's `seed` without `--admins`).
pub async fn seed_users_with(
    db: &DatabaseConnection,
    opts: &SeedOptions,
    password_hash: &str,
    staff: bool,
) -> Result<SeedReport, DbErr> {
    let txn = db.begin().await?;
    let reserved = Reserved::load(&txn).await?;
    let mut generated = generate_avoiding(opts, &reserved);
    drop(reserved);
    if !staff {
        for u in &mut generated.users {
            (u.is_admin, u.is_moderator) = (false, false);
        }
    }
    for u in generated.users.iter_mut().filter(|u| u.local) {
        u.password_hash = Some(password_hash.to_owned());
    }
    let report = generated.report();
    PROGRESS.start();
    PROGRESS.plan(generated.users.len() + generated.tags.len() + generated.follows.len());

    insert_rows::<user::Entity>(&txn, &generated.users, USER_BATCH).await?;
    insert_rows::<user_tag::Entity>(&txn, &generated.tags, TAG_BATCH).await?;
    insert_rows::<follow::Entity>(&txn, &generated.follows, FOLLOW_BATCH).await?;
    txn.commit().await?;
    // Fresh statistics let the planner pick the search and filter indexes over a bulk load. On
    // PostgreSQL, VACUUM also sets the visibility map, as autovacuum keeps it on a live instance:
    // until then every count reads the table (a 63k-row `local,active` count: 5,083 pages)
    // instead of the filter index alone (516 pages).
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("ANALYZE").await?;
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    } else {
        db.execute_unprepared("VACUUM ANALYZE users, user_tags, follows").await?;
    }
    Ok(report)
}

/// Inserts `rows` with one multi-row `INSERT` of every column per `batch` rows.
///
/// Built by hand rather than with `insert_many`, whose per-value expression building cost about
/// as much CPU as SQLite's own work; the bound values are exactly what `insert_many` binds.
async fn insert_rows<E: EntityTrait>(txn: &DatabaseTransaction, rows: &[E::Model], batch: usize) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let columns: Vec<E::Column> = E::Column::iter().collect();
    let full_batch_sql = insert_sql::<E>(backend, &columns, batch);
    for chunk in rows.chunks(batch.max(1)) {
        let sql =
            if chunk.len() == batch { full_batch_sql.clone() } else { insert_sql::<E>(backend, &columns, chunk.len()) };
        let mut values = Vec::with_capacity(chunk.len() * columns.len());
        for row in chunk {
            values.extend(columns.iter().map(|c| row.get(*c)));
        }
        txn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
        PROGRESS.wrote(chunk.len());
    }
    Ok(())
}

/// `INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?)…` for `rows` rows, with the backend's
/// quoting and placeholders.
fn insert_sql<E: EntityTrait>(backend: DbBackend, columns: &[E::Column], rows: usize) -> String {
    let quote = if backend == DbBackend::MySql { '`' } else { '"' };
    let mut sql = String::with_capacity(64 + rows * columns.len() * 6);
    let _ = write!(sql, "INSERT INTO {quote}{}{quote} (", E::default().table_name());
    for (i, c) in columns.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(sql, "{sep}{quote}{}{quote}", c.as_str());
    }
    sql.push_str(") VALUES ");
    let mut n = 0usize;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for i in 0..columns.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            n += 1;
            if backend == DbBackend::Postgres {
                let _ = write!(sql, "${n}");
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

/// True with probability `p` (never panics, unlike `random_bool`, for any `p`).
fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.random::<f64>() < p
}
