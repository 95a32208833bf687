//! Deterministic content for benchmarks: statuses (with replies and reblogs) and reports, over
//! the users already in the database.
//!
//! Generated from [`ContentOptions::seed`] and the users' ids alone, so the same users and
//! options give the same rows. Statuses are spread over the year before [`SEED_ANCHOR_UNIX`] in
//! time order (their flake ids follow their times); authors follow a power law (a few users
//! post a lot); a fifth are replies (in the parent's thread) and a tenth reblogs. Rows are
//! generated a chunk at a time and written with multi-row inserts, one transaction per chunk,
//! so a million statuses take seconds and little memory.
use chrono::{DateTime, Duration, Utc};
use entity::{report, report_status, status, user};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;

use super::{chance, insert_rows, SEED_ANCHOR_UNIX};
use entity::ids::flake_id_at;

/// What to generate.
#[derive(Clone, Debug)]
pub struct ContentOptions {
    pub statuses: usize,
    pub reports: usize,
    pub seed: u64,
    /// Base URL of this instance, for contexts.
    pub instance_url: String,
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContentReport {
    pub statuses: usize,
    pub replies: usize,
    pub reblogs: usize,
    pub reports: usize,
}

/// Statuses per transaction.
const CHUNK: usize = 50_000;
/// Rows per `statuses` insert: 20 columns × 1,000 = 20,000 parameters.
const STATUS_BATCH: usize = 1_000;
/// Rows per `reports` insert (10 columns).
const REPORT_BATCH: usize = 2_000;
/// Rows per `report_statuses` insert (4 columns).
const REPORT_STATUS_BATCH: usize = 2_000;

const WORDS: &[&str] = &[
    "coffee",
    "morning",
    "release",
    "garden",
    "bread",
    "bikes",
    "weekend",
    "music",
    "rust",
    "fediverse",
    "sunset",
    "rain",
    "tea",
    "cats",
    "books",
    "train",
    "kernel",
    "pixel",
    "river",
    "mountain",
    "soup",
    "update",
    "meeting",
    "concert",
    "photo",
    "walk",
    "idea",
    "bug",
    "patch",
    "dinner",
];

/// What is kept of each generated status: enough to reply to, reblog and report it.
#[derive(Clone, Copy)]
struct Compact {
    ms: i64,
    author: u32,
    /// Index of the thread's first status.
    root: u32,
    /// Index of the status it reblogs.
    reblog: Option<u32>,
}

fn status_id(salt: u64, c: &Compact, index: usize) -> String {
    let ts = DateTime::<Utc>::from_timestamp_millis(c.ms).unwrap_or_default();
    flake_id_at(ts, (salt << 32) | (index as u64 & 0xFFFF_FFFF))
}

/// Generate and write statuses and reports over the existing users.
pub async fn seed_content(db: &DatabaseConnection, opts: &ContentOptions) -> Result<ContentReport, DbErr> {
    let users: Vec<(String, String, bool)> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::ApId, user::Column::Local])
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    if users.len() < 2 {
        return Ok(ContentReport::default());
    }
    // Inserts land all over the statuses' indexes (author, context, ap_id): on SQLite, a page
    // cache big enough to hold them keeps that in memory (the write pool is one connection).
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    if sqlite {
        db.execute_unprepared("PRAGMA cache_size = -524288").await?;
    }
    let result = write_content(db, opts, &users).await;
    if sqlite {
        db.execute_unprepared("PRAGMA cache_size = -16384").await?;
    }
    let report = result?;
    // Fresh statistics of every table filled (users too: their kept counters moved), so that
    // the planner does not plan on the empty tables' figures.
    if sqlite {
        db.execute_unprepared("ANALYZE").await?;
    } else {
        db.execute_unprepared("VACUUM ANALYZE statuses, reports, report_statuses, report_groups, users").await?;
    }
    Ok(report)
}

async fn write_content(
    db: &DatabaseConnection,
    opts: &ContentOptions,
    users: &[(String, String, bool)],
) -> Result<ContentReport, DbErr> {
    let mut report_out = ContentReport::default();
    let mut rng = StdRng::seed_from_u64(opts.seed ^ 0x5eed_c0de);
    let salt = u64::from(rng.random::<u32>());
    let anchor = DateTime::<Utc>::from_timestamp(SEED_ANCHOR_UNIX, 0).unwrap_or_default();
    let start = anchor - Duration::days(365);
    let span_ms = Duration::days(365).num_milliseconds() as f64;
    let instance_url = opts.instance_url.trim_end_matches('/');
    let n = opts.statuses;
    let mut compact: Vec<Compact> = Vec::with_capacity(n);
    let mut by_author: Vec<Vec<u32>> = vec![Vec::new(); users.len()];

    let mut done = 0usize;
    super::PROGRESS.start();
    super::PROGRESS.plan(n);
    while done < n {
        let end = (done + CHUNK).min(n);
        let mut rows: Vec<status::Model> = Vec::with_capacity(end - done);
        for i in done..end {
            let ms = start.timestamp_millis() + (span_ms * (i as f64 + rng.random::<f64>()) / n as f64) as i64;
            // Power law: a few accounts write most statuses.
            let u: f64 = rng.random();
            let author = ((u * u * u) * users.len() as f64) as usize % users.len();
            let kind = if i == 0 { 0.9 } else { rng.random::<f64>() };
            let (reblog, parent) = if kind < 0.1 {
                (Some(rng.random_range(0..i)), None)
            } else if kind < 0.3 {
                (None, Some(rng.random_range(0..i)))
            } else {
                (None, None)
            };
            // A reblog or a reply names a post, never a reblog (as Pleroma's Announce and
            // inReplyTo name an object): picking a reblog means its post.
            let post = |k: usize| compact[k].reblog.map_or(k, |r| r as usize);
            let (reblog, parent) = (reblog.map(post), parent.map(post));
            let root = parent.map(|p| compact[p].root).unwrap_or(i as u32);
            let c = Compact { ms, author: author as u32, root, reblog: reblog.map(|r| r as u32) };
            compact.push(c);
            by_author[author].push(i as u32);
            let id = status_id(salt, &c, i);
            let (author_id, author_ap, local) = &users[author];
            let visibility = if reblog.is_some() {
                "public"
            } else {
                match rng.random_range(0..20u8) {
                    0..=13 => "public",
                    14..=16 => "unlisted",
                    17..=18 => "private",
                    _ => "direct",
                }
            };
            let text: Vec<&str> =
                (0..rng.random_range(3..12usize)).map(|_| *WORDS.choose(&mut rng).unwrap_or(&"hello")).collect();
            let text = text.join(" ");
            let root_c = compact[root as usize];
            let context = format!("{instance_url}/contexts/{}", status_id(salt, &root_c, root as usize));
            if reblog.is_some() {
                report_out.reblogs += 1;
            }
            if parent.is_some() {
                report_out.replies += 1;
            }
            rows.push(status::Model {
                ap_id: format!("{author_ap}/statuses/{id}"),
                user_id: author_id.clone(),
                content: if reblog.is_some() { String::new() } else { format!("<p>{text}</p>") },
                source: (*local && reblog.is_none()).then(|| text.clone()),
                content_type: "text/plain".into(),
                visibility: visibility.into(),
                sensitive: chance(&mut rng, 0.03),
                spoiler_text: String::new(),
                in_reply_to_id: parent.map(|p| status_id(salt, &compact[p], p)),
                in_reply_to_user_id: parent.map(|p| users[compact[p].author as usize].0.clone()),
                reblog_of_id: reblog.map(|r| status_id(salt, &compact[r], r)),
                quote_of_id: None,
                context,
                language: Some("en".into()),
                local: *local,
                idempotency_key: None,
                created_at: DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default(),
                edited_at: None,
                replies_count: 0,
                reblogs_count: 0,
                quotes_count: 0,
                favourites_count: 0,
                id,
            });
        }
        let txn = db.begin().await?;
        insert_rows::<status::Entity>(&txn, &rows, STATUS_BATCH).await?;
        txn.commit().await?;
        done = end;
    }
    report_out.statuses = n;

    // Reports: a reporter, an account with statuses, up to three of its statuses.
    let authors: Vec<usize> = (0..users.len()).filter(|&u| !by_author[u].is_empty()).collect();
    let mut reports = Vec::with_capacity(opts.reports);
    let mut cited_rows = Vec::new();
    for i in 0..opts.reports {
        let account =
            if authors.is_empty() { rng.random_range(0..users.len()) } else { *authors.choose(&mut rng).unwrap_or(&0) };
        let mut actor = rng.random_range(0..users.len());
        if actor == account {
            actor = (actor + 1) % users.len();
        }
        let at = anchor - Duration::milliseconds((span_ms * rng.random::<f64>()) as i64);
        let id = flake_id_at(at, (salt << 32) | (i as u64 & 0xFFFF_FFFF));
        let state = match rng.random_range(0..10u8) {
            0..=6 => "open",
            7..=8 => "closed",
            _ => "resolved",
        };
        let own = &by_author[account];
        let count = rng.random_range(0..=3usize).min(own.len());
        for (position, &s) in own.choose_multiple(&mut rng, count).enumerate() {
            let s = s as usize;
            let c = compact[s];
            let sid = status_id(salt, &c, s);
            cited_rows.push(report_status::Model {
                report_id: id.clone(),
                status_id: sid.clone(),
                position: position as i32,
                snapshot: json!({
                    "id": sid,
                    "ap_id": format!("{}/statuses/{sid}", users[account].1),
                    "user_id": users[account].0,
                    "content": "<p>reported</p>",
                    "content_type": "text/plain",
                    "visibility": "public",
                    "sensitive": false,
                    "spoiler_text": "",
                    "context": format!("{instance_url}/contexts/{sid}"),
                    "local": users[account].2,
                    "created_at": DateTime::<Utc>::from_timestamp_millis(c.ms).unwrap_or_default().to_rfc3339(),
                }),
            });
        }
        reports.push(report::Model {
            ap_id: format!("{instance_url}/activities/{id}"),
            actor_id: users[actor].0.clone(),
            account_id: users[account].0.clone(),
            content: chance(&mut rng, 0.8).then(|| {
                ["spam", "harassment", "impersonation", "off-topic flood", "illegal content"]
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("spam")
                    .to_string()
            }),
            state: state.into(),
            forwarded: false,
            rule_ids: json!([]),
            created_at: at,
            updated_at: at,
            id,
        });
    }
    // Reports are listed newest first by id; insert in id order.
    reports.sort_by(|a, b| a.id.cmp(&b.id));
    super::PROGRESS.plan(reports.len() + cited_rows.len());
    let txn = db.begin().await?;
    insert_rows::<report::Entity>(&txn, &reports, REPORT_BATCH).await?;
    insert_rows::<report_status::Entity>(&txn, &cited_rows, REPORT_STATUS_BATCH).await?;
    txn.commit().await?;
    report_out.reports = reports.len();
    Ok(report_out)
}
