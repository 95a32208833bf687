//! The kept counters (statuses: replies, reblogs, quotes, favourites; users: posts, followers,
//! followings, last post time; statuses per instance and visibility; report groups). Triggers keep them in the writing transaction (migration
//! `m20261210_01_counters`); this module recomputes them in SQL, to check them ([`drift`]) and
//! to repair them ([`repair`], the `counters repair` command), and analyses filled tables.
//!
//! Pleroma keeps the same numbers: `Object.increase_replies_count` / `increase_vote_count` /
//! `increase_quotes_count` and the `like_count` / `announcement_count` of an object's data,
//! `User.update_note_count`, `update_follower_count`, `update_following_count` and
//! `last_status_at` on the user row.
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

use crate::error::AppError;

/// Each kept status counter and the SQL that recomputes it for the row `statuses`.
const STATUS_COUNTERS: [(&str, &str); 4] = [
    (
        "replies_count",
        "(SELECT COUNT(*) FROM statuses r WHERE r.in_reply_to_id = statuses.id \
         AND r.visibility IN ('public', 'unlisted'))",
    ),
    ("reblogs_count", "(SELECT COUNT(*) FROM statuses r WHERE r.reblog_of_id = statuses.id)"),
    (
        "quotes_count",
        "(SELECT COUNT(*) FROM statuses r WHERE r.quote_of_id = statuses.id \
         AND r.visibility IN ('public', 'unlisted'))",
    ),
    ("favourites_count", "(SELECT COUNT(*) FROM favourites f WHERE f.status_id = statuses.id)"),
];

/// Each kept user counter and the SQL that recomputes it for the row `users`.
const USER_COUNTERS: [(&str, &str); 4] = [
    (
        "statuses_count",
        "(SELECT COUNT(*) FROM statuses s WHERE s.user_id = users.id AND s.reblog_of_id IS NULL \
         AND s.visibility IN ('public', 'unlisted'))",
    ),
    ("followers_count", "(SELECT COUNT(*) FROM follows f WHERE f.following_id = users.id)"),
    ("following_count", "(SELECT COUNT(*) FROM follows f WHERE f.follower_id = users.id)"),
    ("last_status_at", "(SELECT s.created_at FROM statuses s WHERE s.user_id = users.id ORDER BY s.id DESC LIMIT 1)"),
];

/// Rows whose kept counters differ from a recount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drift {
    /// Statuses with at least one wrong counter.
    pub statuses: u64,
    /// Users with at least one wrong counter.
    pub users: u64,
    /// Instances whose kept status counts per visibility (`status_visibility_counts`) are wrong.
    pub instances: u64,
    /// Reported statuses whose kept group row (`report_groups`: latest report, reports count)
    /// is wrong, missing or left over.
    pub report_groups: u64,
}

/// The report groups, recounted: what `report_groups` keeps.
const GROUPS_RECOUNT: &str = "SELECT status_id, MAX(report_id) AS latest_report_id, COUNT(*) AS reports_count \
     FROM report_statuses GROUP BY status_id";

/// How many groups' kept rows differ from the recount (wrong, missing or left over).
async fn group_drift<C: ConnectionTrait>(conn: &C) -> Result<u64, AppError> {
    let wrong = count(
        conn,
        format!(
            "SELECT COUNT(*) FROM ({GROUPS_RECOUNT}) r LEFT JOIN report_groups g ON g.status_id = r.status_id \
             WHERE g.status_id IS NULL OR g.latest_report_id <> r.latest_report_id \
             OR g.reports_count <> r.reports_count"
        ),
    )
    .await?;
    let left_over = count(
        conn,
        "SELECT COUNT(*) FROM report_groups g WHERE NOT EXISTS \
         (SELECT 1 FROM report_statuses s WHERE s.status_id = g.status_id)"
            .into(),
    )
    .await?;
    Ok(wrong + left_over)
}

/// The status counts per instance and visibility, recounted (reblogs left out; the instance is
/// the author's domain, `''` for local accounts): what `status_visibility_counts` keeps.
const VISIBILITY_RECOUNT: &str = "SELECT COALESCE(u.domain, '') AS instance, \
     CAST(SUM(CASE WHEN s.visibility = 'public' THEN 1 ELSE 0 END) AS BIGINT) AS public, \
     CAST(SUM(CASE WHEN s.visibility = 'unlisted' THEN 1 ELSE 0 END) AS BIGINT) AS unlisted, \
     CAST(SUM(CASE WHEN s.visibility = 'private' THEN 1 ELSE 0 END) AS BIGINT) AS private, \
     CAST(SUM(CASE WHEN s.visibility = 'direct' THEN 1 ELSE 0 END) AS BIGINT) AS direct \
     FROM statuses s JOIN users u ON u.id = s.user_id WHERE s.reblog_of_id IS NULL \
     GROUP BY COALESCE(u.domain, '')";

type InstanceCounts = std::collections::BTreeMap<String, [i64; 4]>;

/// Rows `(instance, public, unlisted, private, direct)` of `sql`, all-zero rows left out.
async fn instance_counts<C: ConnectionTrait>(conn: &C, sql: &str) -> Result<InstanceCounts, AppError> {
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    let mut out = InstanceCounts::new();
    for row in rows {
        let counts =
            [row.try_get_by_index(1)?, row.try_get_by_index(2)?, row.try_get_by_index(3)?, row.try_get_by_index(4)?];
        if counts != [0; 4] {
            out.insert(row.try_get_by_index(0)?, counts);
        }
    }
    Ok(out)
}

/// How many instances' kept visibility counts differ from the recount.
async fn instance_drift<C: ConnectionTrait>(conn: &C) -> Result<u64, AppError> {
    let kept =
        instance_counts(conn, "SELECT instance, public, unlisted, private, direct FROM status_visibility_counts")
            .await?;
    let recount = instance_counts(conn, VISIBILITY_RECOUNT).await?;
    let instances: std::collections::BTreeSet<&String> = kept.keys().chain(recount.keys()).collect();
    Ok(instances.into_iter().filter(|i| kept.get(*i) != recount.get(*i)).count() as u64)
}

/// `column differs from expr`, NULLs compared as values.
fn differs(backend: DbBackend, column: &str, expr: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("{column} IS DISTINCT FROM {expr}"),
        _ => format!("{column} IS NOT {expr}"),
    }
}

fn wrong(backend: DbBackend, counters: &[(&str, &str)]) -> String {
    counters.iter().map(|(column, expr)| differs(backend, column, expr)).collect::<Vec<_>>().join(" OR ")
}

async fn count<C: ConnectionTrait>(conn: &C, sql: String) -> Result<u64, AppError> {
    let backend = conn.get_database_backend();
    let row = conn.query_one_raw(Statement::from_string(backend, sql)).await?;
    let n: i64 = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// How many rows' kept counters differ from a recount (reads only).
pub async fn drift<C: ConnectionTrait>(conn: &C) -> Result<Drift, AppError> {
    let backend = conn.get_database_backend();
    let statuses =
        count(conn, format!("SELECT COUNT(*) FROM statuses WHERE {}", wrong(backend, &STATUS_COUNTERS))).await?;
    let users = count(conn, format!("SELECT COUNT(*) FROM users WHERE {}", wrong(backend, &USER_COUNTERS))).await?;
    let instances = instance_drift(conn).await?;
    let report_groups = group_drift(conn).await?;
    Ok(Drift { statuses, users, instances, report_groups })
}

/// Recompute every kept counter, in one transaction, writing only the rows that were wrong;
/// returns how many were.
pub async fn repair(db: &DatabaseConnection) -> Result<Drift, AppError> {
    let backend = db.get_database_backend();
    let set = |counters: &[(&str, &str)]| {
        counters.iter().map(|(column, expr)| format!("{column} = {expr}")).collect::<Vec<_>>().join(", ")
    };
    let txn = db.begin().await?;
    let statuses = txn
        .execute_raw(Statement::from_string(
            backend,
            format!("UPDATE statuses SET {} WHERE {}", set(&STATUS_COUNTERS), wrong(backend, &STATUS_COUNTERS)),
        ))
        .await?
        .rows_affected();
    let users = txn
        .execute_raw(Statement::from_string(
            backend,
            format!("UPDATE users SET {} WHERE {}", set(&USER_COUNTERS), wrong(backend, &USER_COUNTERS)),
        ))
        .await?
        .rows_affected();
    // The per-instance counts are a row per instance: recounted whole.
    let instances = instance_drift(&txn).await?;
    if instances > 0 {
        txn.execute_unprepared("DELETE FROM status_visibility_counts").await?;
        txn.execute_unprepared(&format!(
            "INSERT INTO status_visibility_counts (instance, public, unlisted, private, direct) {VISIBILITY_RECOUNT}"
        ))
        .await?;
    }
    // The report groups: recounted whole when any is wrong.
    let report_groups = group_drift(&txn).await?;
    if report_groups > 0 {
        txn.execute_unprepared("DELETE FROM report_groups").await?;
        txn.execute_unprepared(&format!(
            "INSERT INTO report_groups (status_id, latest_report_id, reports_count) {GROUPS_RECOUNT}"
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(Drift { statuses, users, instances, report_groups })
}

/// Refresh the planner's statistics of these tables (`ANALYZE`, on both engines): after a bulk
/// fill (seed, import) the planner would otherwise plan on the empty tables' figures.
pub async fn analyze<C: ConnectionTrait>(conn: &C, tables: &[&str]) -> Result<(), AppError> {
    for table in tables {
        // Table names come from the code, never from input.
        conn.execute_unprepared(&format!("ANALYZE {table}")).await?;
    }
    Ok(())
}
