//! Generating users, their tags and follows: pure, from the options' seed alone, steering clear
//! of what the database already holds.
use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use entity::{follow, user, user_tag};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QuerySelect};

use entity::ids::flake_id_at;

use super::names::{BIOS, FIRST_NAMES, LAST_NAMES, REGISTRATION_REASONS, REMOTE_DOMAINS, TAGS};
use super::{chance, Generated, SeedOptions, SEED_ANCHOR_UNIX, SPAN_DAYS};

/// Generates the rows for `opts` without touching a database. Pure and deterministic: the same
/// options always give identical rows. Local users get `password_hash: None` here;
/// [`super::seed_users`] fills in the shared hash.
pub fn generate(opts: &SeedOptions) -> Generated {
    generate_avoiding(opts, &Reserved::default())
}

/// Values already in the `users` table that generated rows must not reuse.
#[derive(Default)]
pub(super) struct Reserved {
    /// Existing ids.
    ids: HashSet<String>,
    /// Existing nicknames, emails and ap_ids (one set: they cannot be confused).
    names: HashSet<String>,
}

impl Reserved {
    /// Reads the unique columns of every existing user.
    pub(super) async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
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
pub(super) fn generate_avoiding(opts: &SeedOptions, reserved: &Reserved) -> Generated {
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

        let search_text = user::search_text(&nickname, name.as_deref(), email.as_deref());

        if chance(&mut rng, 0.10) {
            let count = rng.random_range(1..=2usize);
            for tag in TAGS.choose_multiple(&mut rng, count) {
                tags.push(user_tag::Model { user_id: id.clone(), tag: (*tag).to_owned() });
            }
        }

        users.push(user::Model {
            email,
            name,
            bio,
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
            hide_follows: chance(&mut rng, 0.04),
            hide_followers: chance(&mut rng, 0.04),
            hide_followers_count: chance(&mut rng, 0.02),
            hide_follows_count: chance(&mut rng, 0.02),
            avatar,
            banner,
            registration_reason,
            search_text,
            ..user::Model::new(id, nickname, ap_id, ts)
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
