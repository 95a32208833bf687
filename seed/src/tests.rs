//! The seeder's determinism, its rows, and seeding a non-empty database.
#![allow(clippy::unwrap_used)]
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{names::TAGS, *};
use entity::ids::flake_id_at;

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
        assert!(entity::ids::is_flake_id(&u.id), "{}", u.id);
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
