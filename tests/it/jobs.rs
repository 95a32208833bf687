//! Typed jobs: every kind stores its arguments in the shape existing rows have and runs its
//! own code; a name no kind has fails that row and runs nothing else; a slow queue does not
//! hold up another; a request waiting for a job hears of its end from the runner.
use std::{fmt::Debug, sync::Arc, time::Duration};

use chrono::Utc;
use entity::{backup, follow, job, relay_follow, status};
use pleroma_gateway::{
    domain::{
        backups,
        federation::{
            deliveries::FederationDeliver,
            publisher::{Body, FederationPublish, FederationPublishOne, RelationKind, SignedBy},
            relays::{self, RelayFollow, RelayUndo},
        },
        frontends::{self, InstallFrontend},
        imports::{self, ImportKind, UserImport},
        moderation_log::Actor,
        polls,
        purge::{DeleteInstance, DeleteUser},
    },
    jobs::{self, Attempt, Ended, Failure, Job, Listed, Queue, RunnerOptions},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::common::TestApp;

/// Enqueue `job`: the row has the kind's name, queue and attempts, the arguments in `stored`
/// form (the shape rows written before kinds were types have), and reads back as `job`.
async fn round_trip<J: Listed + PartialEq + Debug>(app: &TestApp, job: J, stored: Value) {
    let id = jobs::enqueue(&app.state.db.write, &job).await.unwrap();
    let row = job::Entity::find_by_id(id).one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!((row.kind.as_str(), row.queue.as_str(), row.max_attempts), (J::NAME, J::QUEUE.name(), J::MAX_ATTEMPTS));
    assert_eq!((row.state.as_str(), row.attempts), ("available", 0));
    assert_eq!(row.args, stored, "{}", J::NAME);
    assert_eq!(serde_json::from_value::<J>(row.args).unwrap(), job);
    job::Entity::delete_by_id(id).exec(&app.state.db.write).await.unwrap();
}

#[tokio::test]
async fn every_kind_round_trips_its_arguments_in_the_stored_shape() {
    let app = TestApp::new().await;
    round_trip(&app, DeleteUser { user_id: "9x".into() }, json!({"user_id": "9x"})).await;
    round_trip(&app, DeleteInstance { host: "a.example".into() }, json!({"host": "a.example"})).await;
    round_trip(&app, backups::ProcessBackup { backup_id: 7 }, json!({"backup_id": 7})).await;
    let import = UserImport { user_id: "9x".into(), kind: ImportKind::Mutes, accounts: vec!["bob".into()] };
    round_trip(&app, import, json!({"user_id": "9x", "kind": "mutes", "accounts": ["bob"]})).await;
    let install = InstallFrontend {
        name: "pleroma-fe".into(),
        git_ref: "stable".into(),
        build_url: Some("https://x.example/${ref}.zip".into()),
        build_dir: None,
        file: None,
    };
    let stored = json!({"name": "pleroma-fe", "ref": "stable", "build_url": "https://x.example/${ref}.zip", "build_dir": null, "file": null});
    round_trip(&app, install, stored).await;
    round_trip(
        &app,
        RelayFollow { actor: "https://r.example/actor".into() },
        json!({"actor": "https://r.example/actor"}),
    )
    .await;
    let undo = RelayUndo { actor: "https://r.example/actor".into(), follow_id: "https://me/activities/1".into() };
    round_trip(&app, undo, json!({"actor": "https://r.example/actor", "follow_id": "https://me/activities/1"})).await;
    let accept = json!({"type": "Accept", "object": "https://r.example/follows/1"});
    let stored = json!({"user_id": "9x", "to": "https://r.example/users/bob", "activity": accept});
    let deliver =
        FederationDeliver { user_id: "9x".into(), to: "https://r.example/users/bob".into(), activity: accept };
    round_trip(&app, deliver, stored).await;
    round_trip(&app, polls::PollEnd { status_id: "9y".into() }, json!({"status_id": "9y"})).await;
    let publish = FederationPublish {
        signer: SignedBy::User("9x".into()),
        body: Body::Create { status_id: "9y".into() },
        to: vec![],
        followers: true,
    };
    let stored =
        json!({"signer": {"user": "9x"}, "body": {"create": {"status_id": "9y"}}, "to": [], "followers": true});
    round_trip(&app, publish, stored).await;
    let publish = FederationPublish {
        signer: SignedBy::Relay,
        body: Body::Relation { kind: RelationKind::Unfollow, target: "https://r.example/users/bob".into() },
        to: vec!["https://r.example/users/bob".into()],
        followers: false,
    };
    let stored = json!({
        "signer": "relay",
        "body": {"relation": {"kind": "unfollow", "target": "https://r.example/users/bob"}},
        "to": ["https://r.example/users/bob"],
        "followers": false,
    });
    round_trip(&app, publish, stored).await;
    let activity = json!({"type": "Flag", "object": ["https://r.example/users/bob"]});
    let one = FederationPublishOne {
        signer: SignedBy::Internal,
        inbox: "https://r.example/inbox".into(),
        activity: activity.clone(),
    };
    let stored = json!({"signer": "internal", "inbox": "https://r.example/inbox", "activity": activity});
    round_trip(&app, one, stored).await;
}

async fn only_job(app: &TestApp, kind: &str) -> job::Model {
    job::Entity::find().filter(job::Column::Kind.eq(kind)).one(&app.state.db.read).await.unwrap().unwrap()
}

/// A public status by `author`.
async fn post(app: &TestApp, author: &entity::user::Model) {
    let id = pleroma_gateway::ids::flake_id();
    let row = status::ActiveModel {
        ap_id: Set(format!("{}/statuses/{id}", author.ap_id)),
        id: Set(id),
        user_id: Set(author.id.clone()),
        content: Set("hi".into()),
        source: Set(None),
        content_type: Set("text/html".into()),
        visibility: Set("public".into()),
        sensitive: Set(false),
        spoiler_text: Set(String::new()),
        in_reply_to_id: Set(None),
        in_reply_to_user_id: Set(None),
        reblog_of_id: Set(None),
        quote_of_id: Set(None),
        context: Set(format!("{}/contexts/1", author.ap_id)),
        language: Set(None),
        local: Set(author.local),
        idempotency_key: Set(None),
        created_at: Set(Utc::now()),
        edited_at: Set(None),
        replies_count: sea_orm::NotSet,
        reblogs_count: sea_orm::NotSet,
        quotes_count: sea_orm::NotSet,
        favourites_count: sea_orm::NotSet,
    };
    status::Entity::insert(row).exec(&app.state.db.write).await.unwrap();
}

async fn statuses_of(app: &TestApp, user_id: &str) -> u64 {
    status::Entity::find().filter(status::Column::UserId.eq(user_id)).count(&app.state.db.read).await.unwrap()
}

#[tokio::test]
async fn purge_kinds_run() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let mario = app.remote_user("mario", "mushroom.kingdom").await;
    for user in [&bob, &mario] {
        post(&app, user).await;
    }
    jobs::enqueue(&app.state.db.write, &DeleteUser { user_id: bob.id.clone() }).await.unwrap();
    jobs::enqueue(&app.state.db.write, &DeleteInstance { host: "mushroom.kingdom".into() }).await.unwrap();
    assert_eq!(app.run_jobs().await, 2);
    assert_eq!((statuses_of(&app, &bob.id).await, statuses_of(&app, &mario.id).await), (0, 0));
    for kind in ["delete_user", "delete_instance"] {
        assert_eq!(only_job(&app, kind).await.state, "completed");
    }
}

#[tokio::test]
async fn import_and_backup_kinds_run() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    imports::start(&app.state.db, &alice, ImportKind::Follows, vec!["bob".into()]).await.unwrap();
    backups::request_own(&app.state.db, &app.state.settings(), &alice).await.unwrap();
    assert_eq!(app.run_jobs().await, 2);
    let follows = follow::Entity::find()
        .filter(follow::Column::FollowerId.eq(alice.id.as_str()))
        .filter(follow::Column::FollowingId.eq(bob.id.as_str()));
    assert_eq!(follows.count(&app.state.db.read).await.unwrap(), 1);
    let archive = backup::Entity::find().one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!((archive.state.as_str(), archive.processed), ("complete", true));
    assert_eq!(only_job(&app, "process_backup").await.queue, "slow");
}

#[tokio::test]
async fn federation_kinds_run() {
    let app = TestApp::with_settings(|s| s.http.allow_private_addresses = true).await;
    let admin = app.admin("admin").await;
    let dead = "http://127.0.0.1:9/actor";
    relays::follow(&app.state.db, "http://localhost:4000", &Actor::from(&admin), dead).await.unwrap();
    let undo = RelayUndo { actor: dead.into(), follow_id: "http://localhost:4000/activities/1".into() };
    jobs::enqueue(&app.state.db.write, &undo).await.unwrap();
    let deliver = FederationDeliver { user_id: admin.id.clone(), to: dead.into(), activity: json!({"type": "Accept"}) };
    jobs::enqueue(&app.state.db.write, &deliver).await.unwrap();
    assert_eq!(app.run_jobs().await, 3);
    // Each tried the dead actor: a failed attempt each, retried later.
    for kind in ["relay_follow", "relay_undo", "federation_deliver"] {
        let row = only_job(&app, kind).await;
        assert_eq!((row.state.as_str(), row.attempts, row.queue.as_str()), ("available", 1, "federation"));
        assert!(row.last_error.as_deref().unwrap().contains("127.0.0.1:9"), "{row:?}");
    }
    let follow = relay_follow::Entity::find().one(&app.state.db.read).await.unwrap().unwrap();
    assert!(follow.last_error.unwrap().contains("127.0.0.1:9"));
}

#[tokio::test]
async fn a_waiting_install_hears_of_its_end_from_the_runner() {
    let app = TestApp::new().await;
    let runner = app.state.spawn_jobs(RunnerOptions { poll: Duration::from_millis(20), ..Default::default() });
    let install = InstallFrontend {
        name: "pleroma-fe".into(),
        git_ref: "stable".into(),
        build_url: None,
        build_dir: None,
        file: Some("missing.zip".into()),
    };
    let id = jobs::enqueue(&app.state.db.write, &install).await.unwrap();
    let ended = frontends::wait_for(&app.state.db, id, Duration::from_secs(60)).await.unwrap();
    let why = ended.unwrap().unwrap_err();
    assert!(why.starts_with(frontends::INSTALL_FAILED), "{why}");
    // Tried once (Pleroma's install is not retried).
    let row = job::Entity::find_by_id(id).one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("failed", 1));
    runner.stop().await;
}

fn due(kind: &str, args: Value) -> job::ActiveModel {
    let now = Utc::now();
    job::ActiveModel {
        queue: Set("default".into()),
        kind: Set(kind.into()),
        args: Set(args),
        state: Set("available".into()),
        attempts: Set(0),
        max_attempts: Set(3),
        run_at: Set(now),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        inserted_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    }
}

#[tokio::test]
async fn unknown_kinds_and_bad_arguments_fail_their_row_only() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    // Once sent to the relay code by prefix, and to the purge by the catch-all.
    for (kind, args) in
        [("relay_bogus", json!({"actor": "x"})), ("mystery", json!({"user_id": bob.id})), ("delete_user", json!({}))]
    {
        job::Entity::insert(due(kind, args)).exec(&app.state.db.write).await.unwrap();
    }
    assert_eq!(app.run_jobs().await, 3);
    let errors: Vec<(String, String, Option<String>)> = job::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|j| (j.kind, j.state, j.last_error))
        .collect();
    assert_eq!(
        errors,
        [
            ("relay_bogus".into(), "available".into(), Some("unknown job kind relay_bogus".into())),
            ("mystery".into(), "available".into(), Some("unknown job kind mystery".into())),
            (
                "delete_user".into(),
                "available".into(),
                Some("job delete_user: invalid arguments: missing field `user_id`".into())
            ),
        ]
    );
    let bob_now = entity::user::Entity::find_by_id(bob.id.clone()).one(&app.state.db.read).await.unwrap().unwrap();
    assert!(bob_now.is_active, "no purge ran");
}

/// Test kinds: one that holds its worker until released, one that returns at once.
#[derive(Clone, Default)]
struct Gates {
    started: Arc<tokio::sync::Notify>,
    release: Arc<tokio::sync::Notify>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct LongDownload {
    url: String,
}

impl Job for LongDownload {
    const NAME: &'static str = "test_long_download";
    const QUEUE: Queue = Queue::Slow;
    type Context = Gates;

    async fn run(self, gates: Gates, _: Attempt) -> Result<(), Failure> {
        gates.started.notify_one();
        gates.release.notified().await;
        Ok(())
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Delivery {
    inbox: String,
}

impl Job for Delivery {
    const NAME: &'static str = "test_delivery";
    const QUEUE: Queue = Queue::Federation;
    type Context = Gates;

    async fn run(self, _: Gates, _: Attempt) -> Result<(), Failure> {
        Ok(())
    }
}

pleroma_gateway::job_kinds!(fn test_registry() -> Registry<Gates> { LongDownload, Delivery });

#[tokio::test]
async fn a_slow_job_does_not_hold_up_another_queue() {
    let app = TestApp::new().await;
    let db = app.state.db.clone();
    let gates = Gates::default();
    // One worker per queue: the download holds the only `slow` worker.
    let options = RunnerOptions {
        poll: Duration::from_millis(20),
        concurrency: Queue::ALL.iter().map(|q| (*q, 1)).collect(),
        ..Default::default()
    };
    let runner = jobs::Runner::new(db.clone(), Arc::new(test_registry()), gates.clone(), options).spawn();

    let download = jobs::enqueue(&db.write, &LongDownload { url: "https://x.example/big.zip".into() }).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), gates.started.notified()).await.expect("the download started");
    let delivery = jobs::enqueue(&db.write, &Delivery { inbox: "https://y.example/inbox".into() }).await.unwrap();
    let ended = jobs::wait(&db, delivery, Duration::from_secs(30)).await.unwrap();
    assert_eq!(ended, Some(Ended::Completed), "the delivery ran while the download held its queue");
    let held = job::Entity::find_by_id(download).one(&db.read).await.unwrap().unwrap();
    assert_eq!(held.state, "running");

    gates.release.notify_one();
    assert_eq!(jobs::wait(&db, download, Duration::from_secs(30)).await.unwrap(), Some(Ended::Completed));
    runner.stop().await;
}
