//! Outbound federation between two gateways on loopback (each its own database, instance URL
//! and job runner, private addresses allowed): follows both ways, a status with an attachment
//! and a mention, its delete, a forwarded report, shared inboxes used once; and a host that
//! keeps failing, retried, marked unreachable, skipped, and served again once it talks to us.
use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
};

use axum::{extract::State, http::StatusCode as AxumStatus, routing::get, routing::post, Json, Router};
use chrono::Utc;
use entity::{follow, instance, job, media_attachment, mention, report, report_status, status, user};
use pleroma_gateway::domain::federation::{actors, signature};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::common::TestApp;

async fn federating_app() -> TestApp {
    TestApp::self_addressed(|s| s.http.allow_private_addresses = true).await
}

/// `ap_id`'s row on `app`, fetched from its server as a mention or a search would.
async fn resolve(app: &TestApp, ap_id: &str) -> user::Model {
    actors::resolve(&app.state.db, &app.state.settings(), ap_id).await.unwrap()
}

async fn by_ap_id(app: &TestApp, ap_id: &str) -> Option<user::Model> {
    user::Entity::find().filter(user::Column::ApId.eq(ap_id)).one(&app.state.db.read).await.unwrap()
}

async fn follows(app: &TestApp, follower: &str, followed: &str) -> bool {
    follow::Entity::find_by_id((follower.to_string(), followed.to_string()))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .is_some()
}

async fn post_status(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.request(Method::POST, "/api/v1/statuses", Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

async fn status_by_ap_id(app: &TestApp, ap_id: &str) -> Option<status::Model> {
    status::Entity::find().filter(status::Column::ApId.eq(ap_id)).one(&app.state.db.read).await.unwrap()
}

/// Deliveries queued on `app`: `(inbox, activity type, activity id)`.
async fn deliveries(app: &TestApp) -> Vec<(String, String, String)> {
    let rows = job::Entity::find()
        .filter(job::Column::Kind.eq("federation_publish_one"))
        .all(&app.state.db.read)
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| {
            let a = &r.args["activity"];
            (
                r.args["inbox"].as_str().unwrap_or_default().to_string(),
                a["type"].as_str().unwrap_or_default().to_string(),
                a["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Run both gateways' jobs until neither has any left to run now.
async fn settle(a: &TestApp, b: &TestApp) {
    for _ in 0..6 {
        if a.run_jobs().await + b.run_jobs().await == 0 {
            return;
        }
    }
}

#[tokio::test]
async fn two_gateways_follow_post_mention_delete_and_forward_a_report() {
    let (a, b) = (federating_app().await, federating_app().await);
    let alice = a.user("alice").await;
    let (bob, carol) = (b.user("bob").await, b.user("carol").await);
    let alice_token = a.token(&alice, "read write follow").await;
    let bob_token = b.token(&bob, "read write follow").await;
    let carol_token = b.token(&carol, "read write follow").await;

    // alice@a follows bob@b: a signed Follow, accepted there.
    let bob_on_a = resolve(&a, &bob.ap_id).await;
    let reply =
        a.request(Method::POST, &format!("/api/v1/accounts/{}/follow", bob_on_a.id), Some(&alice_token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    settle(&a, &b).await;
    let alice_on_b = by_ap_id(&b, &alice.ap_id).await.expect("b resolved alice from her Follow");
    assert!(follows(&b, &alice_on_b.id, &bob.id).await, "the Follow arrived");

    // bob and carol follow alice from b (the reverse).
    for (user, token) in [(&bob, &bob_token), (&carol, &carol_token)] {
        let path = format!("/api/v1/accounts/{}/follow", alice_on_b.id);
        assert_eq!(b.request(Method::POST, &path, Some(token), None).await.status, StatusCode::OK);
        settle(&a, &b).await;
        let on_a = by_ap_id(&a, &user.ap_id).await.unwrap();
        assert!(follows(&a, &on_a.id, &alice.id).await, "{} follows alice on a", user.nickname);
    }

    // alice posts with an attachment, mentioning bob.
    let media_id = pleroma_gateway::ids::flake_id();
    media_attachment::ActiveModel {
        id: Set(media_id.clone()),
        user_id: Set(alice.id.clone()),
        status_id: Set(None),
        file_name: Set("picture.png".into()),
        content_type: Set("image/png".into()),
        size: Set(3),
        description: Set(Some("a picture".into())),
        remote_url: Set(None),
        inserted_at: Set(Utc::now()),
    }
    .insert(&a.state.db.write)
    .await
    .unwrap();
    let host_b = b.base.trim_start_matches("http://").to_string();
    let posted = post_status(
        &a,
        &alice_token,
        json!({"status": format!("hello @bob@{host_b}"), "media_ids": [media_id], "visibility": "public"}),
    )
    .await;
    let local = status::Entity::find_by_id(posted["id"].as_str().unwrap()).one(&a.state.db.read).await.unwrap();
    let ap_id = local.unwrap().ap_id;
    settle(&a, &b).await;
    // One delivery to b's shared inbox for bob, carol and the mention together.
    let creates: Vec<_> = deliveries(&a).await.into_iter().filter(|(_, kind, _)| kind == "Create").collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0].0, format!("{}/inbox", b.base));
    let arrived = status_by_ap_id(&b, &ap_id).await.expect("the status arrived on b");
    assert_eq!(arrived.visibility, "public");
    assert!(arrived.content.contains("hello"), "{}", arrived.content);
    let media = media_attachment::Entity::find()
        .filter(media_attachment::Column::StatusId.eq(arrived.id.as_str()))
        .all(&b.state.db.read)
        .await
        .unwrap();
    assert_eq!(media.len(), 1);
    assert_eq!(media[0].remote_url.as_deref(), Some(format!("{}/media/picture.png", a.base).as_str()));
    let mentioned = mention::Entity::find()
        .filter(mention::Column::StatusId.eq(arrived.id.as_str()))
        .all(&b.state.db.read)
        .await
        .unwrap();
    assert_eq!(mentioned.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(), [bob.id.as_str()]);

    // alice deletes it: the Delete reaches b.
    let path = format!("/api/v1/statuses/{}", posted["id"].as_str().unwrap());
    assert_eq!(a.request(Method::DELETE, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    settle(&a, &b).await;
    assert!(status_by_ap_id(&b, &ap_id).await.is_none(), "the delete propagated");

    // bob posts; alice reports it with forward: a Flag from a's instance actor arrives on b.
    let bobs = post_status(&b, &bob_token, json!({"status": "spam spam", "visibility": "public"})).await;
    let bobs_ap_id =
        status::Entity::find_by_id(bobs["id"].as_str().unwrap()).one(&b.state.db.read).await.unwrap().unwrap().ap_id;
    settle(&a, &b).await;
    let bobs_on_a = status_by_ap_id(&a, &bobs_ap_id).await.expect("bob's status reached his follower alice");
    // alice likes and reblogs it: both reach b; the unreblog too.
    for action in ["favourite", "reblog"] {
        let path = format!("/api/v1/statuses/{}/{action}", bobs_on_a.id);
        assert_eq!(a.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK, "{action}");
    }
    settle(&a, &b).await;
    let bobs_id = bobs["id"].as_str().unwrap().to_string();
    let liked = entity::favourite::Entity::find()
        .filter(entity::favourite::Column::UserId.eq(alice_on_b.id.as_str()))
        .filter(entity::favourite::Column::StatusId.eq(bobs_id.as_str()))
        .count(&b.state.db.read)
        .await
        .unwrap();
    assert_eq!(liked, 1, "the Like arrived");
    let reblogs = || {
        status::Entity::find()
            .filter(status::Column::UserId.eq(alice_on_b.id.as_str()))
            .filter(status::Column::ReblogOfId.eq(bobs_id.as_str()))
            .count(&b.state.db.read)
    };
    assert_eq!(reblogs().await.unwrap(), 1, "the Announce arrived");
    let path = format!("/api/v1/statuses/{}/unreblog", bobs_on_a.id);
    assert_eq!(a.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    settle(&a, &b).await;
    assert_eq!(reblogs().await.unwrap(), 0, "the Undo of the Announce arrived");

    let reply = a
        .request(
            Method::POST,
            "/api/v1/reports",
            Some(&alice_token),
            Some(json!({"account_id": bob_on_a.id, "status_ids": [bobs_on_a.id], "comment": "spam", "forward": true})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    settle(&a, &b).await;
    let reports = report::Entity::find().all(&b.state.db.read).await.unwrap();
    assert_eq!(reports.len(), 1, "the forwarded report arrived as a report");
    assert_eq!(reports[0].account_id, bob.id);
    let reporter = user::Entity::find_by_id(reports[0].actor_id.as_str()).one(&b.state.db.read).await.unwrap().unwrap();
    assert_eq!(reporter.ap_id, format!("{}/internal/fetch", a.base));
    let cited = report_status::Entity::find()
        .filter(report_status::Column::ReportId.eq(reports[0].id.as_str()))
        .count(&b.state.db.read)
        .await
        .unwrap();
    assert_eq!(cited, 1);

    // alice unfollows bob: the Undo ends the follow on b.
    let path = format!("/api/v1/accounts/{}/unfollow", bob_on_a.id);
    assert_eq!(a.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    settle(&a, &b).await;
    assert!(!follows(&b, &alice_on_b.id, &bob.id).await, "the Undo arrived");

    // Nothing was delivered twice: one job per (inbox, activity), each completed once.
    for app in [&a, &b] {
        let all = deliveries(app).await;
        let distinct: HashSet<_> = all.iter().cloned().collect();
        assert_eq!(distinct.len(), all.len(), "{all:?}");
        let pending = job::Entity::find()
            .filter(job::Column::State.ne("completed"))
            .filter(job::Column::Kind.starts_with("federation"))
            .all(&app.state.db.read)
            .await
            .unwrap();
        assert!(pending.is_empty(), "{pending:?}");
    }
}

/// A remote server on another loopback address (its own host, 127.0.0.2) that counts what
/// reaches its inbox and can be taken down.
#[derive(Clone)]
struct Flaky {
    base: String,
    pem: String,
    up: Arc<AtomicBool>,
    received: Arc<AtomicUsize>,
}

async fn flaky_actor(State(flaky): State<Flaky>) -> Json<Value> {
    let key = signature::private_key(&flaky.pem).unwrap();
    Json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/actor", flaky.base),
        "type": "Person",
        "preferredUsername": "flaky",
        "inbox": format!("{}/inbox", flaky.base),
        "publicKey": {
            "id": format!("{}/actor#main-key", flaky.base),
            "owner": format!("{}/actor", flaky.base),
            "publicKeyPem": signature::public_pem(&key).unwrap(),
        },
    }))
}

async fn flaky_inbox(State(flaky): State<Flaky>) -> AxumStatus {
    if flaky.up.load(Ordering::SeqCst) {
        flaky.received.fetch_add(1, Ordering::SeqCst);
        AxumStatus::ACCEPTED
    } else {
        AxumStatus::SERVICE_UNAVAILABLE
    }
}

async fn flaky_server() -> Flaky {
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let flaky = Flaky {
        base: format!("http://{addr}"),
        pem: signature::generate_pem().unwrap(),
        up: Arc::new(AtomicBool::new(true)),
        received: Arc::default(),
    };
    let router =
        Router::new().route("/actor", get(flaky_actor)).route("/inbox", post(flaky_inbox)).with_state(flaky.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    flaky
}

/// POST `activity`, signed by the flaky actor, to the gateway's `path`.
async fn send_from(app: &TestApp, flaky: &Flaky, path: &str, activity: &Value) -> StatusCode {
    let url = url::Url::parse(&format!("{}{path}", app.base)).unwrap();
    let body = serde_json::to_vec(activity).unwrap();
    let key = signature::private_key(&flaky.pem).unwrap();
    let key_id = format!("{}/actor#main-key", flaky.base);
    let mut request = reqwest::Client::new().post(url.clone()).header("content-type", "application/activity+json");
    for (name, value) in signature::sign(&key, &key_id, "POST", &url, Some(&body)) {
        request = request.header(name, value);
    }
    request.body(body).send().await.unwrap().status()
}

async fn unreachable_since(app: &TestApp) -> Option<chrono::DateTime<Utc>> {
    let row = instance::Entity::find_by_id("127.0.0.2").one(&app.state.db.read).await.unwrap();
    row.and_then(|r| r.unreachable_since)
}

async fn publish_one_rows(app: &TestApp) -> Vec<job::Model> {
    job::Entity::find().filter(job::Column::Kind.eq("federation_publish_one")).all(&app.state.db.read).await.unwrap()
}

/// Make every waiting job due now (its backoff elapsed).
async fn make_due(app: &TestApp) {
    for row in publish_one_rows(app).await.into_iter().filter(|r| r.state == "available") {
        let mut active: job::ActiveModel = row.into();
        active.run_at = Set(Utc::now());
        active.update(&app.state.db.write).await.unwrap();
    }
}

#[tokio::test]
async fn a_host_that_keeps_failing_is_retried_marked_unreachable_and_skipped_until_it_answers() {
    let app = federating_app().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let flaky = flaky_server().await;
    let follow = json!({
        "id": format!("{}/follows/1", flaky.base),
        "type": "Follow",
        "actor": format!("{}/actor", flaky.base),
        "object": alice.ap_id,
    });
    assert_eq!(send_from(&app, &flaky, "/users/alice/inbox", &follow).await, StatusCode::OK);
    app.run_jobs().await; // the Accept
    assert_eq!(flaky.received.load(Ordering::SeqCst), 1);

    // Down: the delivery fails, the host is marked, the job waits for its backoff.
    flaky.up.store(false, Ordering::SeqCst);
    post_status(&app, &token, json!({"status": "first"})).await;
    app.run_jobs().await;
    let rows = publish_one_rows(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].state.as_str(), rows[0].attempts), ("available", 1));
    assert!(rows[0].last_error.as_deref().unwrap_or_default().contains("503"), "{:?}", rows[0].last_error);
    assert!(rows[0].run_at > Utc::now());
    let since = unreachable_since(&app).await.expect("marked unreachable");

    // Retried: fails again; the mark keeps its first time.
    make_due(&app).await;
    app.run_jobs().await;
    assert_eq!(publish_one_rows(&app).await[0].attempts, 2);
    assert_eq!(unreachable_since(&app).await, Some(since));

    // Failing for longer than federation_reachability_timeout_days (7): skipped, and new
    // activities are not even queued for it.
    let old = Utc::now() - chrono::Duration::days(8);
    let row = instance::ActiveModel {
        host: Set("127.0.0.2".into()),
        unreachable_since: Set(Some(old)),
        ..Default::default()
    };
    row.update(&app.state.db.write).await.unwrap();
    make_due(&app).await;
    app.run_jobs().await;
    assert_eq!(publish_one_rows(&app).await[0].state, "completed", "dropped without a request");
    post_status(&app, &token, json!({"status": "second"})).await;
    app.run_jobs().await;
    assert_eq!(publish_one_rows(&app).await.len(), 1, "nothing queued for an unreachable host");
    assert_eq!(flaky.received.load(Ordering::SeqCst), 1);

    // It answers again (an activity from it): deliveries resume, once each.
    flaky.up.store(true, Ordering::SeqCst);
    let update = json!({
        "id": format!("{}/updates/1", flaky.base),
        "type": "Update",
        "actor": format!("{}/actor", flaky.base),
        "object": flaky_actor(State(flaky.clone())).await.0,
    });
    assert_eq!(send_from(&app, &flaky, "/inbox", &update).await, StatusCode::OK);
    assert_eq!(unreachable_since(&app).await, None);
    post_status(&app, &token, json!({"status": "third"})).await;
    app.run_jobs().await;
    assert_eq!(flaky.received.load(Ordering::SeqCst), 2);
    let rows = publish_one_rows(&app).await;
    assert_eq!(rows.iter().filter(|r| r.state == "completed").count(), 2);
}

#[tokio::test]
async fn the_relay_actor_accepts_a_follow_and_announces_public_statuses() {
    let (a, b) = (federating_app().await, federating_app().await);
    let alice = a.user("alice").await;
    let alice_token = a.token(&alice, "read write").await;
    let b_admin = b.admin_token().await;
    let relay_a = format!("{}/relay", a.base);

    // b's relay actor follows a's: a records the follower and answers with a signed Accept.
    let reply = b
        .request(Method::POST, "/api/v1/pleroma/admin/relay", Some(&b_admin), Some(json!({"relay_url": relay_a})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    settle(&a, &b).await;
    let followers = entity::relay_follower::Entity::find().all(&a.state.db.read).await.unwrap();
    assert_eq!(followers.iter().map(|f| f.actor.clone()).collect::<Vec<_>>(), [format!("{}/relay", b.base)]);
    let relays = b.get("/api/v1/pleroma/admin/relay", Some(&b_admin)).await;
    assert_eq!(relays.body, json!({"relays": [{"actor": relay_a, "followed_back": true}]}));

    // A public status is announced by a's relay to b's relay; an unlisted one is not.
    post_status(&a, &alice_token, json!({"status": "for the relay", "visibility": "public"})).await;
    post_status(&a, &alice_token, json!({"status": "not for the relay", "visibility": "unlisted"})).await;
    settle(&a, &b).await;
    let announces: Vec<_> = deliveries(&a).await.into_iter().filter(|(_, kind, _)| kind == "Announce").collect();
    assert_eq!(announces.len(), 1, "{announces:?}");
    assert_eq!(announces[0].0, format!("{}/relay/inbox", b.base));
    let pending = job::Entity::find().filter(job::Column::State.ne("completed")).count(&a.state.db.read).await.unwrap();
    assert_eq!(pending, 0);

    // The other way (issue 27 §2, "to followed relays when public"): b follows a's relay, so
    // b's public statuses are announced by b's relay to a's, and arrive on a through it.
    let bob = b.user("bob").await;
    let bob_token = b.token(&bob, "read write").await;
    let posted =
        post_status(&b, &bob_token, json!({"status": "through the followed relay", "visibility": "public"})).await;
    post_status(&b, &bob_token, json!({"status": "not through it", "visibility": "unlisted"})).await;
    settle(&a, &b).await;
    let announces: Vec<_> = deliveries(&b).await.into_iter().filter(|(_, kind, _)| kind == "Announce").collect();
    assert_eq!(announces.len(), 1, "{announces:?}");
    assert!(announces[0].0.starts_with(&a.base), "to a's relay: {announces:?}");
    let arrived = status_by_ap_id(&a, posted["uri"].as_str().unwrap()).await;
    assert!(arrived.is_some_and(|s| s.content.contains("through the followed relay")), "arrived on a");

    // b's relay unfollows: a forgets the follower.
    let reply = b
        .request(Method::DELETE, "/api/v1/pleroma/admin/relay", Some(&b_admin), Some(json!({"relay_url": relay_a})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    settle(&a, &b).await;
    assert_eq!(entity::relay_follower::Entity::find().count(&a.state.db.read).await.unwrap(), 0);
}

/// `DELETE /admin/instances/:host` federates what Pleroma's `User.perform(:delete)` does for
/// each purged account (issue 27 §3): the local follows of it are undone, so the purged host
/// forgets those followers.
#[tokio::test]
async fn purging_an_instance_undoes_the_local_follows_of_its_accounts() {
    let (a, b) = (federating_app().await, federating_app().await);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let bob_token = b.token(&bob, "read write follow").await;
    let b_admin = b.admin_token().await;
    let alice_on_b = resolve(&b, &alice.ap_id).await;
    let path = format!("/api/v1/accounts/{}/follow", alice_on_b.id);
    let reply = b.request(Method::POST, &path, Some(&bob_token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    settle(&a, &b).await;
    let bob_on_a = by_ap_id(&a, &bob.ap_id).await.expect("bob known on a");
    assert!(follows(&a, &bob_on_a.id, &alice.id).await, "bob follows alice on a");

    let host = alice_on_b.domain.clone().expect("a remote account has a domain");
    let reply =
        b.request(Method::DELETE, &format!("/api/v1/pleroma/admin/instances/{host}"), Some(&b_admin), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    settle(&a, &b).await;
    let undos: Vec<_> = deliveries(&b).await.into_iter().filter(|(_, kind, _)| kind == "Undo").collect();
    assert_eq!(undos.len(), 1, "{undos:?}");
    assert!(!follows(&a, &bob_on_a.id, &alice.id).await, "a heard the Undo");
}

/// A profile change reaches the remote followers as a signed `Update` of the person (issue 27
/// §2, Pleroma's `UpdateCredentials` federating `Update`): the follower's instance shows it.
#[tokio::test]
async fn a_profile_update_reaches_the_remote_followers() {
    let (a, b) = (federating_app().await, federating_app().await);
    let alice = a.user("alice").await;
    let alice_token = a.token(&alice, "read write").await;
    let bob = b.user("bob").await;
    let bob_token = b.token(&bob, "read write follow").await;
    let alice_on_b = resolve(&b, &alice.ap_id).await;
    let path = format!("/api/v1/accounts/{}/follow", alice_on_b.id);
    let reply = b.request(Method::POST, &path, Some(&bob_token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    settle(&a, &b).await;

    let body = json!({"display_name": "Alice Renamed", "note": "a new bio"});
    let reply = a.request(Method::PATCH, "/api/v1/accounts/update_credentials", Some(&alice_token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    settle(&a, &b).await;
    let updates: Vec<_> = deliveries(&a).await.into_iter().filter(|(_, kind, _)| kind == "Update").collect();
    assert_eq!(updates.len(), 1, "{updates:?}");
    let shown = by_ap_id(&b, &alice.ap_id).await.unwrap();
    assert_eq!(shown.name.as_deref(), Some("Alice Renamed"));
    assert!(shown.bio.contains("a new bio"), "{}", shown.bio);
}
