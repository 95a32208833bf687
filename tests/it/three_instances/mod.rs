//! Issue 27 §4: three real gateway processes federating on loopback, each on its own address
//! (127.0.0.1, .2, .3: three hosts to the policies and the reachability marks), database and
//! data directory, with outbound private addresses allowed by the one setting. Users are made
//! with the CLI and everything is driven over HTTP; the databases are only read, or their times
//! moved, where waiting for a real backoff would take minutes.
mod gateway;

use chrono::Utc;
use entity::job;
use reqwest::{Method, StatusCode};
use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use serde_json::json;

use self::gateway::{until, Gateway};

const SIMPLE_POLICY: &str = "Pleroma.Web.ActivityPub.MRF.SimplePolicy";

/// On PostgreSQL the suite's tests run one at a time: seven gateway processes at once, each with
/// its pool, come near the server's connection limit, which the other tests share.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn turn() -> Option<tokio::sync::MutexGuard<'static, ()>> {
    let postgres = std::env::var("TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"));
    match postgres {
        true => Some(ONE_AT_A_TIME.lock().await),
        false => None,
    }
}

/// Deliveries of `db`'s instance not yet done (waiting, running or retrying).
async fn pending_deliveries(db: &DatabaseConnection) -> u64 {
    job::Entity::find()
        .filter(job::Column::Kind.is_in(["federation_publish", "federation_publish_one"]))
        .filter(job::Column::State.is_in(["available", "running"]))
        .count(db)
        .await
        .unwrap()
}

/// Wait until the instance has delivered everything it queued.
async fn delivered_all(db: &DatabaseConnection, what: &str) {
    until(what, 20, || async { (pending_deliveries(db).await == 0).then_some(()) }).await;
}

#[tokio::test]
async fn three_processes_follow_post_relay_report_delete_purge_and_reject() {
    let _turn = turn().await;
    let (a, b, c) = tokio::join!(Gateway::start("127.0.0.1"), Gateway::start("127.0.0.2"), Gateway::start("127.0.0.3"));
    let (admin_a, alice, dave) =
        (a.user("admina", true).await, a.user("alice", false).await, a.user("dave", false).await);
    let (admin_b, bob) = (b.user("adminb", true).await, b.user("bob", false).await);
    let cyd = c.user("cyd", false).await;

    // Follows across the three, each accepted by the followed instance.
    let alice_on_b = b.follow(&bob, &a.acct("alice")).await;
    let alice_on_c = c.follow(&cyd, &a.acct("alice")).await;
    let cyd_on_b = b.follow(&bob, &c.acct("cyd")).await;
    let cyd_on_a = a.follow(&alice, &c.acct("cyd")).await;

    // alice posts a picture mentioning bob: it reaches b and c with its attachment and mention.
    let media = a.upload(&alice).await;
    let text = format!("a dot for @{} and @{}", b.acct("bob"), c.acct("cyd"));
    a.post(&alice, json!({"status": text, "media_ids": [media], "visibility": "public"})).await;
    for (instance, token, id, local) in [(&b, &bob, &alice_on_b, "bob"), (&c, &cyd, &alice_on_c, "cyd")] {
        let arrived = instance.arrived(token, id, "a dot for").await;
        let attachments = arrived["media_attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 1, "{arrived}");
        assert!(attachments[0]["remote_url"].as_str().unwrap().starts_with(&a.instance_url), "{arrived}");
        assert_eq!(attachments[0]["description"], "a dot", "{arrived}");
        let mentions: Vec<&str> =
            arrived["mentions"].as_array().unwrap().iter().map(|m| m["acct"].as_str().unwrap()).collect();
        // Each instance's own user is among the mentions (Pleroma shows those of known accounts).
        assert!(mentions.contains(&local), "{mentions:?}: {arrived}");
    }
    let on_b = b.arrived(&bob, &alice_on_b, "a dot for").await;

    // b follows a's relay; dave, whom nobody on b follows, posts: a's relay announces it to b.
    let relay = format!("{}/relay", a.instance_url);
    b.ok(Method::POST, "/api/v1/pleroma/admin/relay", &admin_b, Some(json!({"relay_url": relay}))).await;
    until("a's relay to accept b", 20, || async {
        let relays = b.get("/api/v1/pleroma/admin/relay", &admin_b).await.body;
        (relays["relays"][0]["followed_back"] == true).then_some(())
    })
    .await;
    a.post(&dave, json!({"status": "for the relay", "visibility": "public"})).await;
    // Pleroma names an instance here by its actors' URL authority (host and port).
    let from_a = format!("/api/v1/pleroma/admin/instances/{}/statuses?page_size=50", &a.instance_url[7..]);
    until("the relay's announce on b", 20, || async {
        let listed = b.get(&from_a, &admin_b).await.body;
        let found = listed["activities"].as_array()?.iter().any(|s| {
            s["content"].as_str().unwrap_or("").contains("for the relay") && s["account"]["acct"] == a.acct("dave")
        });
        found.then_some(())
    })
    .await;

    // bob reports alice's status with forward: a's admins see it, from b's instance actor.
    let report = json!({"account_id": alice_on_b, "status_ids": [on_b["id"]], "comment": "not a dot", "forward": true});
    b.ok(Method::POST, "/api/v1/reports", &bob, Some(report)).await;
    let forwarded = until("the forwarded report on a", 20, || async {
        let reports = a.get("/api/v1/pleroma/admin/reports", &admin_a).await.body;
        reports["reports"].as_array()?.iter().find(|r| r["content"] == "not a dot").cloned()
    })
    .await;
    assert_eq!(forwarded["account"]["acct"], "alice", "{forwarded}");
    assert!(forwarded["actor"]["acct"].as_str().unwrap().ends_with(&b.instance_url[7..]), "{forwarded}");
    assert_eq!(forwarded["statuses"].as_array().unwrap().len(), 1, "{forwarded}");
    assert!(forwarded["statuses"][0]["content"].as_str().unwrap().contains("a dot for"), "{forwarded}");

    // alice deletes the status: gone on b and c.
    let mine = a.statuses_of(&alice, &a.resolve(&alice, "alice").await).await;
    let mine = mine.iter().find(|s| s["content"].as_str().unwrap().contains("a dot for")).unwrap();
    a.ok(Method::DELETE, &format!("/api/v1/statuses/{}", mine["id"].as_str().unwrap()), &alice, None).await;
    for (instance, token, id) in [(&b, &bob, &alice_on_b), (&c, &cyd, &alice_on_c)] {
        until("the delete to propagate", 20, || async {
            let left = instance.statuses_of(token, id).await;
            (!left.iter().any(|s| s["content"].as_str().unwrap_or("").contains("a dot for"))).then_some(())
        })
        .await;
    }
    let gone = b.get(&format!("/api/v1/statuses/{}", on_b["id"].as_str().unwrap()), &bob).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);

    // b rejects c (SimplePolicy, saved through the admin config API): cyd's next status reaches
    // a, which does not reject, but not b, though b answered c's delivery.
    c.post(&cyd, json!({"status": "before the reject", "visibility": "public"})).await;
    b.arrived(&bob, &cyd_on_b, "before the reject").await;
    b.configure(
        &admin_b,
        json!([
            {"group": ":pleroma", "key": ":mrf", "value": [{"tuple": [":policies", [SIMPLE_POLICY]]}]},
            {"group": ":pleroma", "key": ":mrf_simple", "value": [{"tuple": [":reject", [{"tuple": [c.host(), "spam"]}]]}]}
        ]),
    )
    .await;
    c.post(&cyd, json!({"status": "after the reject", "visibility": "public"})).await;
    a.arrived(&alice, &cyd_on_a, "after the reject").await;
    let c_db = c.db().await;
    delivered_all(&c_db, "c's deliveries").await;
    let on_b: Vec<String> =
        b.statuses_of(&bob, &cyd_on_b).await.iter().map(|s| s["content"].as_str().unwrap().to_string()).collect();
    assert!(on_b.iter().any(|s| s.contains("before the reject")), "{on_b:?}");
    assert!(!on_b.iter().any(|s| s.contains("after the reject")), "the policy stopped it: {on_b:?}");
    let failed = job::Entity::find().filter(job::Column::State.eq("failed")).count(&c_db).await.unwrap();
    assert_eq!(failed, 0, "a rejection is an answer, not a failure to retry");

    // a purges alice: b and c delete her statuses, and b's admins see her deactivated.
    a.post(&alice, json!({"status": "last words", "visibility": "public"})).await;
    for (instance, token, id) in [(&b, &bob, &alice_on_b), (&c, &cyd, &alice_on_c)] {
        instance.arrived(token, id, "last words").await;
    }
    let purge = a.request(Method::DELETE, "/api/v1/pleroma/admin/users?nickname=alice", &admin_a, None).await;
    assert_eq!(purge.status, StatusCode::OK, "{}", purge.text);
    for (instance, token, id) in [(&b, &bob, &alice_on_b), (&c, &cyd, &alice_on_c)] {
        until("the purge to propagate", 20, || async {
            instance.statuses_of(token, id).await.is_empty().then_some(())
        })
        .await;
    }
    let shown = b.ok(Method::GET, &format!("/api/v1/pleroma/admin/users/{alice_on_b}"), &admin_b, None).await;
    assert_eq!(shown["is_active"], false, "{shown}");
}

/// The `federation_publish_one` rows of `db` going to `host`: `(state, attempts)`.
async fn deliveries_to(db: &DatabaseConnection, host: &str) -> Vec<(String, i32)> {
    let rows = job::Entity::find().filter(job::Column::Kind.eq("federation_publish_one")).all(db).await.unwrap();
    rows.into_iter()
        .filter(|r| r.args["inbox"].as_str().is_some_and(|i| i.starts_with(&format!("http://{host}:"))))
        .map(|r| (r.state, r.attempts))
        .collect()
}

/// Make every waiting delivery due now (its backoff over).
async fn make_due(db: &DatabaseConnection) {
    job::Entity::update_many()
        .col_expr(job::Column::RunAt, Expr::value(Utc::now() - chrono::Duration::seconds(1)))
        .filter(job::Column::State.eq("available"))
        .exec(db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_downed_instance_is_retried_then_unreachable_and_replicas_deliver_once() {
    let _turn = turn().await;
    let (a, b, mut c) =
        tokio::join!(Gateway::start("127.0.0.1"), Gateway::start("127.0.0.2"), Gateway::start("127.0.0.3"));
    let (admin_a, alice) = (a.user("admina", true).await, a.user("alice", false).await);
    let bob = b.user("bob", false).await;
    let cyd = c.user("cyd", false).await;
    let alice_on_b = b.follow(&bob, &a.acct("alice")).await;
    c.follow(&cyd, &a.acct("alice")).await;

    // A second process of a over the same database: statuses posted through either are each
    // delivered to b once, whichever process's workers claim the deliveries.
    let a2 = a.replica().await;
    let a_db = a.db().await;
    delivered_all(&a_db, "the Accepts").await;
    let before = b.inbox_posts();
    for n in 0..6 {
        let through = if n % 2 == 0 { &a } else { &a2 };
        through.post(&alice, json!({"status": format!("replicated {n}"), "visibility": "public"})).await;
    }
    for n in 0..6 {
        b.arrived(&bob, &alice_on_b, &format!("replicated {n}")).await;
    }
    delivered_all(&a_db, "a's deliveries").await;
    // The request lines are written as each answer goes out: wait for the last, then check that
    // no more follow.
    until("b's request log", 10, || async { (b.inbox_posts() - before >= 6).then_some(()) }).await;
    let posted = b.statuses_of(&bob, &alice_on_b).await.len();
    assert_eq!(posted, 6);
    assert_eq!(b.inbox_posts() - before, 6, "each status delivered to b once");
    drop(a2);

    // c goes down: the delivery to it fails, is retried after its backoff, and c is listed
    // unreachable.
    c.kill();
    a.post(&alice, json!({"status": "while c is down", "visibility": "public"})).await;
    let c_host = c.host();
    until("a failed delivery to c", 20, || async {
        deliveries_to(&a_db, &c_host)
            .await
            .iter()
            .any(|(state, attempts)| state == "available" && *attempts == 1)
            .then_some(())
    })
    .await;
    let marked = entity::instance::Entity::find_by_id(c_host.as_str()).one(&a_db).await.unwrap();
    assert!(marked.and_then(|i| i.unreachable_since).is_some(), "c is marked unreachable");
    make_due(&a_db).await;
    until("the retry", 20, || async {
        deliveries_to(&a_db, &c_host).await.iter().any(|(_, attempts)| *attempts >= 2).then_some(())
    })
    .await;

    // Down past the reachability timeout: the waiting delivery is dropped and no new one queued.
    let old = Utc::now() - chrono::Duration::days(8);
    entity::instance::Entity::update_many()
        .col_expr(entity::instance::Column::UnreachableSince, Expr::value(old))
        .filter(entity::instance::Column::Host.eq(c_host.as_str()))
        .exec(&a_db)
        .await
        .unwrap();
    let status = a.get("/api/v1/pleroma/federation_status", &admin_a).await;
    assert!(status.body["unreachable"][&c_host].is_string(), "listed once past the timeout: {}", status.text);
    make_due(&a_db).await;
    delivered_all(&a_db, "the skipped delivery").await;
    let queued = deliveries_to(&a_db, &c_host).await.len();
    a.post(&alice, json!({"status": "c is left out", "visibility": "public"})).await;
    b.arrived(&bob, &alice_on_b, "c is left out").await;
    delivered_all(&a_db, "a's deliveries").await;
    assert_eq!(deliveries_to(&a_db, &c_host).await.len(), queued, "nothing queued for an unreachable host");
    let attempts: Vec<i32> = job::Entity::find()
        .select_only()
        .column(job::Column::Attempts)
        .filter(job::Column::Kind.eq("federation_publish_one"))
        .into_tuple()
        .all(&a_db)
        .await
        .unwrap();
    assert!(attempts.iter().all(|n| *n <= 3), "{attempts:?}");
}
