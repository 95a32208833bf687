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

pub use content::{seed_content, ContentOptions, ContentReport};

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use entity::{follow, user, user_tag};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable,
    ModelTrait, QuerySelect, Statement, TransactionTrait,
};
use serde_json::json;

use crate::ids::flake_id_at;

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

/// Generates the rows for `opts` without touching a database. Pure and deterministic: the same
/// options always give identical rows. Local users get `password_hash: None` here;
/// [`seed_users`] fills in the shared hash.
pub fn generate(opts: &SeedOptions) -> Generated {
    generate_avoiding(opts, &Reserved::default())
}

/// Values already in the `users` table that generated rows must not reuse.
#[derive(Default)]
struct Reserved {
    /// Existing ids.
    ids: HashSet<String>,
    /// Existing nicknames, emails and ap_ids (one set: they cannot be confused).
    names: HashSet<String>,
}

impl Reserved {
    /// Reads the unique columns of every existing user.
    async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let rows: Vec<(String, String, Option<String>, String)> = user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::Nickname, user::Column::Email, user::Column::ApId])
            .into_tuple()
            .all(db)
            .await?;
        let mut reserved = Self::default();
        for (id, nickname, email, ap_id) in rows {
            reserved.ids.insert(id);
            reserved.names.extend([nickname, ap_id]);
            reserved.names.extend(email);
        }
        Ok(reserved)
    }
}

/// [`generate`], re-rolling nicknames and ids that collide with `reserved` (with an empty
/// `reserved` the output is exactly [`generate`]'s).
fn generate_avoiding(opts: &SeedOptions, reserved: &Reserved) -> Generated {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let n = opts.users;
    let remote_share = if opts.remote_share.is_finite() { opts.remote_share.clamp(0.0, 1.0) } else { 0.3 };
    let email_host = strip_port(&opts.instance_host).to_owned();
    let instance_url = opts.instance_url.trim_end_matches('/');

    let anchor = DateTime::<Utc>::from_timestamp(SEED_ANCHOR_UNIX, 0).unwrap_or_default();
    let start = anchor - Duration::days(SPAN_DAYS);
    let span_ms = Duration::days(SPAN_DAYS).num_milliseconds() as f64;
    // Large enough a number space that random suffixes rarely collide at any size.
    let number_max = (n.saturating_mul(20)).max(9_999) as u64;
    // Flake sequence = salt << 32 | index: unique and ordered within a run, and different
    // seeds' ids do not collide even at the same millisecond.
    let salt = u64::from(rng.random::<u32>());

    let mut taken: HashSet<String> = HashSet::with_capacity(2 * n);
    let mut users: Vec<user::Model> = Vec::with_capacity(n);
    let mut tags: Vec<user_tag::Model> = Vec::new();

    for i in 0..n {
        // Registrations accelerate over time (rate grows linearly), and stay ordered.
        let x = (i as f64 + rng.random::<f64>()) / n as f64;
        let ts = start + Duration::milliseconds((span_ms * x.sqrt()) as i64);
        let index = i as u64 & 0xFFFF_FFFF;
        let mut id = flake_id_at(ts, (salt << 32) | index);
        let mut bump = salt;
        while reserved.ids.contains(&id) {
            bump = bump.wrapping_add(1) & 0xFFFF_FFFF;
            id = flake_id_at(ts, (bump << 32) | index);
        }

        let first = *FIRST_NAMES.choose(&mut rng).unwrap_or(&"alex");
        let last = *LAST_NAMES.choose(&mut rng).unwrap_or(&"smith");
        let name = if chance(&mut rng, 0.85) {
            Some(match rng.random_range(0..10u8) {
                0..=5 => format!("{} {}", capitalize(first), capitalize(last)),
                6..=8 => capitalize(first),
                _ => format!("{} ✨", capitalize(first)),
            })
        } else {
            None
        };
        let remote = chance(&mut rng, remote_share);
        let domain = remote.then(|| pick_domain(&mut rng).to_owned());
        // Re-roll until nickname, ap_id and email are all unused; nearly always the first
        // candidate is.
        let mut handle = candidate_handle(&mut rng, first, last, number_max);
        let (nickname, ap_id, email) = loop {
            let (nickname, ap_id, email) = match &domain {
                Some(d) => (format!("{handle}@{d}"), format!("https://{d}/users/{handle}"), None),
                None => {
                    (handle.clone(), format!("{instance_url}/users/{handle}"), Some(format!("{handle}@{email_host}")))
                }
            };
            let free = [Some(&nickname), Some(&ap_id), email.as_ref()]
                .into_iter()
                .flatten()
                .all(|v| !taken.contains(v) && !reserved.names.contains(v));
            if free {
                taken.insert(nickname.clone());
                taken.insert(ap_id.clone());
                break (nickname, ap_id, email);
            }
            handle.push(char::from(b'0' + rng.random_range(0..10u8)));
        };

        let roll = rng.random::<f64>();
        let actor_type = if roll < 0.03 {
            "Service"
        } else if roll < 0.04 {
            "Application"
        } else {
            "Person"
        };
        let (mut is_admin, mut is_moderator) = (false, false);
        if !remote {
            let roll = rng.random::<f64>();
            is_admin = roll < 0.001;
            is_moderator = !is_admin && roll < 0.004;
        }
        let staff = is_admin || is_moderator;
        let is_active = staff || !chance(&mut rng, 0.05);
        let is_confirmed = remote || staff || !chance(&mut rng, 0.03);
        let is_approved = remote || staff || !chance(&mut rng, 0.02);
        let registration_reason =
            if is_approved { None } else { REGISTRATION_REASONS.choose(&mut rng).map(|r| (*r).to_owned()) };
        let is_suggested = is_active && chance(&mut rng, 0.01);

        let bio = match rng.random_range(0..4u8) {
            0 => String::new(),
            1 => BIOS.choose(&mut rng).copied().unwrap_or("").to_owned(),
            _ => {
                let a = BIOS.choose(&mut rng).copied().unwrap_or("");
                let b = BIOS.choose(&mut rng).copied().unwrap_or("");
                if a == b {
                    a.to_owned()
                } else {
                    format!("{a} {b}")
                }
            }
        };
        let media_base = match &domain {
            Some(d) => format!("https://{d}/system/accounts"),
            None => format!("{instance_url}/media"),
        };
        let avatar = chance(&mut rng, if remote { 0.8 } else { 0.6 })
            .then(|| format!("{media_base}/{:016x}.png", rng.random::<u64>()));
        let banner = chance(&mut rng, 0.2).then(|| format!("{media_base}/{:016x}.jpg", rng.random::<u64>()));

        let search_text = format!("{} {} {}", nickname, name.as_deref().unwrap_or(""), email.as_deref().unwrap_or(""))
            .trim()
            .to_lowercase();

        if chance(&mut rng, 0.10) {
            let count = rng.random_range(1..=2usize);
            for tag in TAGS.choose_multiple(&mut rng, count) {
                tags.push(user_tag::Model { user_id: id.clone(), tag: (*tag).to_owned() });
            }
        }

        users.push(user::Model {
            id,
            nickname,
            email,
            name,
            bio,
            password_hash: None,
            ap_id,
            local: !remote,
            domain,
            actor_type: actor_type.to_owned(),
            is_admin,
            is_moderator,
            is_active,
            is_confirmed,
            is_approved,
            is_suggested,
            is_locked: chance(&mut rng, 0.06),
            is_discoverable: chance(&mut rng, 0.4),
            no_rich_text: chance(&mut rng, 0.01),
            default_scope: "public".to_owned(),
            hide_follows: chance(&mut rng, 0.04),
            hide_followers: chance(&mut rng, 0.04),
            hide_followers_count: chance(&mut rng, 0.02),
            hide_follows_count: chance(&mut rng, 0.02),
            hide_favorites: true,
            allow_following_move: true,
            show_role: true,
            skip_thread_containment: false,
            fields: json!([]),
            raw_fields: json!([]),
            avatar,
            banner,
            background: None,
            registration_reason,
            password_reset_pending: false,
            mfa_enabled: false,
            settings_store: json!({}),
            also_known_as: json!([]),
            raw_bio: None,
            birthday: None,
            show_birthday: false,
            accepts_chat_messages: true,
            avatar_description: String::new(),
            header_description: String::new(),
            search_text,
            inserted_at: ts,
            updated_at: ts,
            statuses_count: 0,
            followers_count: 0,
            following_count: 0,
            last_status_at: None,
        });
    }

    // Every instance of some size has an admin: promote the first local user if chance didn't.
    if n >= 10 && !users.iter().any(|u| u.is_admin) {
        if let Some(u) = users.iter_mut().find(|u| u.local) {
            u.is_admin = true;
            u.is_moderator = false;
            u.is_active = true;
            u.is_confirmed = true;
            u.is_approved = true;
            u.registration_reason = None;
            u.actor_type = "Person".to_owned();
        }
    }

    let follows = generate_follows(&mut rng, &users, anchor);
    Generated { users, tags, follows }
}

/// Each local user follows 0–5 random other users; the follow happens after both registered.
fn generate_follows(rng: &mut StdRng, users: &[user::Model], anchor: DateTime<Utc>) -> Vec<follow::Model> {
    let n = users.len();
    let mut follows = Vec::new();
    if n < 2 {
        return follows;
    }
    let mut targets: Vec<usize> = Vec::with_capacity(5);
    for (i, follower) in users.iter().enumerate() {
        if !follower.local {
            continue;
        }
        targets.clear();
        for _ in 0..rng.random_range(0..=5usize) {
            let t = rng.random_range(0..n);
            if t != i && !targets.contains(&t) {
                targets.push(t);
            }
        }
        for &t in &targets {
            let target = &users[t];
            let after = follower.inserted_at.max(target.inserted_at);
            let window = (anchor - after).num_milliseconds().max(0) as f64;
            let at = after + Duration::milliseconds((window * rng.random::<f64>()) as i64);
            follows.push(follow::Model {
                follower_id: follower.id.clone(),
                following_id: target.id.clone(),
                inserted_at: at,
                show_reblogs: true,
                notify: false,
            });
        }
    }
    follows
}

/// A handle candidate: `alice_1234` mostly, sometimes `alice_smith`, `alicesmith42`, `asmith`.
fn candidate_handle(rng: &mut StdRng, first: &str, last: &str, number_max: u64) -> String {
    match rng.random_range(0..10u8) {
        0..=6 => format!("{first}_{}", rng.random_range(1..=number_max)),
        7 => format!("{first}_{last}"),
        8 => format!("{first}{last}{}", rng.random_range(1..=99u32)),
        _ => format!("{}{last}", first.chars().next().unwrap_or('x')),
    }
}

/// True with probability `p` (never panics, unlike `random_bool`, for any `p`).
fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A remote domain, skewed so that the first domains of the pool are the big instances.
fn pick_domain(rng: &mut StdRng) -> &'static str {
    let u: f64 = rng.random();
    let idx = ((u * u) * REMOTE_DOMAINS.len() as f64) as usize;
    REMOTE_DOMAINS.get(idx.min(REMOTE_DOMAINS.len().saturating_sub(1))).copied().unwrap_or("remote.example")
}

/// `localhost:4000` → `localhost`, `[::1]:4000` → `[::1]`, `example.org` → `example.org`.
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!h.contains(':') || h.ends_with(']')) =>
        {
            h
        }
        _ => host,
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

const FIRST_NAMES: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
    "wendy",
    "aiko",
    "amara",
    "anders",
    "anika",
    "arjun",
    "astrid",
    "beatriz",
    "bjorn",
    "camille",
    "chen",
    "chiara",
    "dario",
    "dmitri",
    "elif",
    "emeka",
    "esther",
    "farah",
    "felix",
    "freya",
    "gustavo",
    "hana",
    "hugo",
    "ingrid",
    "isabel",
    "jamal",
    "jonas",
    "kaito",
    "kamala",
    "kenji",
    "lars",
    "leila",
    "lena",
    "luca",
    "maeve",
    "malik",
    "marta",
    "mateo",
    "mei",
    "mira",
    "nadia",
    "nikolai",
    "noor",
    "oskar",
    "pablo",
    "priya",
    "quentin",
    "rafael",
    "rania",
    "rosa",
    "sanjay",
    "sasha",
    "selin",
    "soren",
    "tariq",
    "thea",
    "tomas",
    "ula",
    "valentina",
    "wei",
    "xavier",
    "yara",
    "yusuf",
    "zara",
    "zoe",
    "robin",
    "sam",
    "kim",
    "alex",
    "charlie",
    "jordan",
    "morgan",
    "riley",
    "quinn",
    "avery",
    "jesse",
    "casey",
    "river",
    "sky",
    "ash",
    "rowan",
];

const LAST_NAMES: &[&str] = &[
    "smith",
    "johnson",
    "garcia",
    "martinez",
    "nguyen",
    "kim",
    "tanaka",
    "mueller",
    "schmidt",
    "rossi",
    "bianchi",
    "dubois",
    "moreau",
    "silva",
    "santos",
    "kowalski",
    "nowak",
    "novak",
    "horvat",
    "ivanova",
    "petrov",
    "hansen",
    "johansson",
    "virtanen",
    "murphy",
    "obrien",
    "patel",
    "sharma",
    "khan",
    "ali",
    "hassan",
    "okafor",
    "mensah",
    "adeyemi",
    "cohen",
    "levi",
    "yilmaz",
    "demir",
    "wang",
    "li",
    "zhang",
    "chen",
    "liu",
    "sato",
    "suzuki",
    "park",
    "choi",
    "lopez",
    "gonzalez",
    "fernandez",
    "costa",
    "jansen",
    "devries",
    "peeters",
    "lambert",
    "fischer",
    "weber",
    "wagner",
    "becker",
    "lindqvist",
];

/// Plausible fediverse hosts, all under reserved/example names. The first ones are drawn most.
const REMOTE_DOMAINS: &[&str] = &[
    "mastodon.social.example",
    "pleroma.example.net",
    "mstdn.example.org",
    "fosstodon.example",
    "hachyderm.example.io",
    "misskey.example.jp",
    "akkoma.example.com",
    "infosec.exchange.example",
    "social.example.de",
    "mas.to.example",
    "pawoo.example.net",
    "mastodon.example.online",
    "kolektiva.example.social",
    "sakurajima.example.moe",
    "gotosocial.example.dev",
    "lemmy.example.world",
    "pixelfed.example.social",
    "peertube.example.tv",
    "friendica.example.org",
    "hubzilla.example.net",
    "social.coop.example",
    "octodon.example.social",
    "chaos.social.example",
    "toot.example.cafe",
    "mastodon.example.scot",
    "mastodon.example.ie",
    "mastodon.example.nz",
    "aus.social.example",
    "mastodon.example.au",
    "social.tchncs.example",
    "norden.social.example",
    "mastodon.example.uno",
    "piaille.example.fr",
    "mamot.example.fr",
    "framapiaf.example.org",
    "tech.lgbt.example",
    "disroot.example.org",
    "sfba.social.example",
    "kind.social.example",
    "mastodon.art.example",
    "writing.exchange.example",
    "scholar.social.example",
    "mathstodon.example.xyz",
    "types.pl.example",
    "ruby.social.example",
    "floss.social.example",
    "bsd.network.example",
    "mastodon.gamedev.example",
    "photog.social.example",
    "shitposter.club.example",
    "blob.cat.example",
    "udongein.example.xyz",
];

const BIOS: &[&str] = &[
    "Coffee first, then code.",
    "Open source enthusiast.",
    "Cat person. Dog tolerant.",
    "Posting about gardening, bikes and bread.",
    "Software engineer by day, musician by night.",
    "I draw things sometimes.",
    "Photography, hiking, film cameras.",
    "Opinions are my own.",
    "Learning Rust one borrow at a time.",
    "Librarian. Tea. Birds.",
    "he/him",
    "she/her",
    "they/them",
    "Amateur astronomer.",
    "Retired teacher, full-time grandparent.",
    "Here for the memes and the mutual aid.",
    "Bot account, posts automatically.",
    "Sysadmin. Yes, it was DNS.",
    "Writing a novel. Slowly.",
    "Climbing, climate, cooking.",
    "Linux on the desktop since 2003.",
    "Reading more than I post.",
    "Student of history and bad puns.",
    "Mostly lurking.",
    "Game dev, pixel art, chiptunes.",
    "Nurse. Please get vaccinated.",
    "Mapping the world on OpenStreetMap.",
    "Ham radio operator.",
    "Vegan baker.",
    "Dad jokes as a service.",
];

const REGISTRATION_REASONS: &[&str] = &[
    "I'd like to join a smaller community.",
    "A friend of mine is on this instance and recommended it.",
    "Looking for a place to post about open source.",
    "Moving from a big instance that closed registrations.",
    "I want to follow local news and events.",
    "Interested in the topics this server is about.",
    "hi",
];

/// Tags Pleroma's admin API and MRF policies know about.
const TAGS: &[&str] = &[
    "force_nsfw",
    "strip_media",
    "force_unlisted",
    "sandbox",
    "disable_remote_subscription",
    "disable_any_subscription",
    "mrf_tag:media-force-nsfw",
    "mrf_tag:media-strip",
    "mrf_tag:force-unlisted",
    "mrf_tag:sandbox",
    "mrf_tag:disable-remote-subscription",
    "mrf_tag:disable-any-subscription",
    "verified",
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn opts(users: usize, seed: u64) -> SeedOptions {
        SeedOptions { users, seed, ..SeedOptions::default() }
    }

    #[test]
    fn same_seed_same_rows() {
        let a = generate(&opts(3_000, 7));
        let b = generate(&opts(3_000, 7));
        assert_eq!(a, b);
        let c = generate(&opts(3_000, 8));
        assert_ne!(a.users, c.users);
        assert_ne!(a.users[0].nickname, c.users[0].nickname);
    }

    #[test]
    fn shares_and_counts_are_plausible() {
        let n = 20_000;
        let g = generate(&opts(n, 1));
        let r = g.report();
        assert_eq!(r.users, n);
        let share = |c: usize| c as f64 / n as f64;
        assert!((0.27..0.33).contains(&share(r.remote)), "{r:?}");

        let count = |f: &dyn Fn(&user::Model) -> bool| g.users.iter().filter(|u| f(u)).count();
        let admins = count(&|u| u.is_admin);
        let mods = count(&|u| u.is_moderator);
        assert!((1..=60).contains(&admins), "admins {admins}");
        assert!((10..=150).contains(&mods), "mods {mods}");
        assert_eq!(count(&|u| (u.is_admin || u.is_moderator) && !u.local), 0);
        assert!((0.04..0.06).contains(&share(count(&|u| !u.is_active))));
        let unconfirmed = count(&|u| !u.is_confirmed);
        assert!((0.01..0.04).contains(&share(unconfirmed)), "{unconfirmed}");
        assert_eq!(count(&|u| !u.is_confirmed && !u.local), 0);
        let unapproved = count(&|u| !u.is_approved);
        assert!((0.007..0.03).contains(&share(unapproved)), "{unapproved}");
        assert_eq!(count(&|u| !u.is_approved && (!u.local || u.registration_reason.is_none())), 0);
        assert_eq!(count(&|u| u.is_approved && u.registration_reason.is_some()), 0);
        assert!((0.005..0.015).contains(&share(count(&|u| u.is_suggested))));
        assert!((0.02..0.04).contains(&share(count(&|u| u.actor_type == "Service"))));
        assert!((0.005..0.015).contains(&share(count(&|u| u.actor_type == "Application"))));
        assert!(count(&|u| u.name.is_none()) > 0);

        // Per-kind shape.
        for u in &g.users {
            assert_eq!(u.search_text, u.search_text.to_lowercase());
            assert!(u.search_text.starts_with(&u.nickname.to_lowercase()));
            assert_eq!(u.password_hash, None);
            assert_eq!(u.default_scope, "public");
            assert_eq!(u.fields, json!([]));
            assert_eq!(u.inserted_at, u.updated_at);
            if u.local {
                assert!(!u.nickname.contains('@'));
                assert_eq!(u.domain, None);
                assert_eq!(u.email.as_deref(), Some(format!("{}@localhost", u.nickname).as_str()));
                assert_eq!(u.ap_id, format!("http://localhost:4000/users/{}", u.nickname));
            } else {
                let (handle, host) = u.nickname.split_once('@').unwrap();
                assert_eq!(u.domain.as_deref(), Some(host));
                assert_eq!(u.email, None);
                assert_eq!(u.ap_id, format!("https://{host}/users/{handle}"));
            }
        }

        // Uniqueness and ordering.
        let unique = |f: &dyn Fn(&user::Model) -> Option<&str>| {
            let v: Vec<_> = g.users.iter().filter_map(f).collect();
            v.iter().collect::<HashSet<_>>().len() == v.len()
        };
        assert!(unique(&|u| Some(&u.id)));
        assert!(unique(&|u| Some(&u.nickname)));
        assert!(unique(&|u| Some(&u.ap_id)));
        assert!(unique(&|u| u.email.as_deref()));
        let anchor = DateTime::<Utc>::from_timestamp(SEED_ANCHOR_UNIX, 0).unwrap();
        assert!(g.users[0].inserted_at >= anchor - Duration::days(SPAN_DAYS));
        assert!(g.users[n - 1].inserted_at <= anchor);
        assert!(g.users[n - 1].inserted_at > anchor - Duration::days(30));
        for w in g.users.windows(2) {
            assert!(w[0].inserted_at <= w[1].inserted_at);
            assert!(w[0].id < w[1].id, "{} !< {}", w[0].id, w[1].id);
            assert_eq!(w[0].id.len(), 18);
        }

        // Tags: ~10% of users, 1–2 distinct known tags each.
        let mut per_user: HashMap<&str, Vec<&str>> = HashMap::new();
        for t in &g.tags {
            assert!(TAGS.contains(&t.tag.as_str()));
            per_user.entry(&t.user_id).or_default().push(&t.tag);
        }
        assert!((0.08..0.12).contains(&share(per_user.len())));
        for tags in per_user.values() {
            assert!((1..=2).contains(&tags.len()));
            assert!(tags.len() == 1 || tags[0] != tags[1]);
        }

        // Follows: from local users, to existing users, no self-follows or duplicates, after
        // both accounts existed.
        let by_id: HashMap<&str, &user::Model> = g.users.iter().map(|u| (u.id.as_str(), u)).collect();
        let mut seen = HashSet::new();
        for f in &g.follows {
            let a = by_id[f.follower_id.as_str()];
            let b = by_id[f.following_id.as_str()];
            assert!(a.local);
            assert_ne!(a.id, b.id);
            assert!(seen.insert((&f.follower_id, &f.following_id)));
            assert!(f.inserted_at >= a.inserted_at.max(b.inserted_at));
            assert!(f.inserted_at <= anchor);
        }
        let per_local = g.follows.len() as f64 / r.local as f64;
        assert!((2.0..3.0).contains(&per_local), "{per_local}");
    }

    #[test]
    fn edge_cases() {
        assert_eq!(generate(&opts(0, 1)).report(), SeedReport::default());
        let one = generate(&opts(1, 1));
        assert_eq!(one.users.len(), 1);
        assert!(one.follows.is_empty());

        let all_remote = generate(&SeedOptions { remote_share: 1.0, ..opts(500, 2) });
        assert_eq!(all_remote.report().remote, 500);
        assert!(all_remote.follows.is_empty());
        let all_local = generate(&SeedOptions { remote_share: 0.0, ..opts(500, 2) });
        assert_eq!(all_local.report().local, 500);
        assert!(all_local.users.iter().any(|u| u.is_admin));
        let nan = generate(&SeedOptions { remote_share: f64::NAN, ..opts(500, 2) });
        assert_eq!(nan.users.len(), 500);

        // A small instance still gets exactly the admin it needs.
        let small = generate(&opts(10, 3));
        assert!(small.users.iter().any(|u| u.is_admin && u.local && u.is_active));

        let other_host = generate(&SeedOptions {
            instance_host: "[::1]:8080".into(),
            instance_url: "http://[::1]:8080/".into(),
            remote_share: 0.0,
            ..opts(5, 4)
        });
        let u = &other_host.users[0];
        assert_eq!(u.email, Some(format!("{}@[::1]", u.nickname)));
        assert_eq!(u.ap_id, format!("http://[::1]:8080/users/{}", u.nickname));
    }

    #[test]
    fn ids_are_flake_ids_of_inserted_at() {
        for u in generate(&opts(2_000, 11)).users {
            assert!(crate::ids::is_flake_id(&u.id), "{}", u.id);
            assert!(flake_id_at(u.inserted_at, 0) <= u.id);
            assert!(u.id < flake_id_at(u.inserted_at + Duration::milliseconds(1), 0));
        }
    }

    async fn migrated(url: &str) -> DatabaseConnection {
        use migration::MigratorTrait;
        let db = sea_orm::Database::connect(url).await.unwrap();
        migration::Migrator::up(&db, None).await.unwrap();
        db
    }

    #[tokio::test]
    async fn seeds_into_sqlite() {
        use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder};
        let db = migrated("sqlite::memory:").await;
        let opts = opts(2_000, 9);
        let report = seed_users(&db, &opts, "$argon2id$fake").await.unwrap();
        assert_eq!(report, generate(&opts).report());
        assert_eq!(user::Entity::find().count(&db).await.unwrap(), 2_000);
        assert_eq!(user_tag::Entity::find().count(&db).await.unwrap() as usize, report.tags);
        assert_eq!(follow::Entity::find().count(&db).await.unwrap() as usize, report.follows);
        let with_hash =
            user::Entity::find().filter(user::Column::PasswordHash.eq("$argon2id$fake")).count(&db).await.unwrap();
        assert_eq!(with_hash as usize, report.local);
        // Rows round-trip unchanged (apart from the hash filled in at insert time).
        let mut expected = generate(&opts).users;
        for u in expected.iter_mut().filter(|u| u.local) {
            u.password_hash = Some("$argon2id$fake".into());
        }
        let mut stored = user::Entity::find().order_by_asc(user::Column::Id).all(&db).await.unwrap();
        // The kept counters are the triggers' (`tests/it/counters.rs` checks them against a recount).
        for u in &mut stored {
            (u.statuses_count, u.followers_count, u.following_count, u.last_status_at) = (0, 0, 0, None);
        }
        assert_eq!(stored, expected);
        // Seeding again, even with the same seed, steers clear of the existing rows.
        let again = seed_users(&db, &opts, "x").await.unwrap();
        assert_eq!(again.users, 2_000);
        assert_eq!(user::Entity::find().count(&db).await.unwrap(), 4_000);
        let other = seed_users(&db, &SeedOptions { seed: 10, ..opts }, "x").await.unwrap();
        assert_eq!(user::Entity::find().count(&db).await.unwrap() as usize, 4_000 + other.users);
    }

    /// `cargo test --release --lib seed -- --ignored --nocapture`
    #[tokio::test]
    #[ignore = "timing: seeds 100k users into /tmp/seedtest.db"]
    async fn time_100k_users_sqlite() {
        let path = "/tmp/seedtest.db";
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        let db = migrated(&format!("sqlite://{path}?mode=rwc")).await;
        let opts = opts(100_000, 2026);
        let started = std::time::Instant::now();
        let generated = generate(&opts);
        let generation = started.elapsed();
        drop(generated);
        let started = std::time::Instant::now();
        let report = seed_users(&db, &opts, "$argon2id$fake").await.unwrap();
        println!("{report:?}: generate alone {generation:?}, seed_users (generate + insert) {:?}", started.elapsed());
        assert_eq!(report.users, 100_000);
    }
}
