//! Durable jobs and the purge: `DELETE /admin/instances/:instance`, the job queue's claim,
//! lease, retry and failure rules, and a purge that survives `kill -9` of the real binary.
use std::{process::Command, time::Duration};

use chrono::Utc;
use entity::{follow, job, media_attachment, status, user};
use pleroma_gateway::jobs;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use crate::common::{both_prefixes, TestApp};

const V1: &str = "/api/v1/pleroma/admin";

/// `n` statuses by `author`, inserted in batches.
async fn statuses_of(app: &TestApp, author: &user::Model, n: usize) {
    let rows: Vec<status::ActiveModel> = (0..n)
        .map(|i| {
            let id = pleroma_gateway::ids::flake_id();
            status::ActiveModel {
                ap_id: Set(format!("{}/statuses/{id}", author.ap_id)),
                id: Set(id),
                user_id: Set(author.id.clone()),
                content: Set(format!("post {i}")),
                source: Set(None),
                content_type: Set("text/html".into()),
                visibility: Set("public".into()),
                sensitive: Set(false),
                spoiler_text: Set(String::new()),
                in_reply_to_id: Set(None),
                in_reply_to_user_id: Set(None),
                reblog_of_id: Set(None),
                quote_of_id: Set(None),
                context: Set(format!("{}/contexts/{i}", author.ap_id)),
                language: Set(None),
                local: Set(author.local),
                idempotency_key: Set(None),
                created_at: Set(Utc::now()),
                edited_at: Set(None),
                replies_count: sea_orm::NotSet,
                reblogs_count: sea_orm::NotSet,
                quotes_count: sea_orm::NotSet,
                favourites_count: sea_orm::NotSet,
            }
        })
        .collect();
    for chunk in rows.chunks(400) {
        status::Entity::insert_many(chunk.to_vec()).exec(&app.state.db.write).await.unwrap();
    }
}

async fn statuses_by_host(app: &TestApp, host: &str) -> u64 {
    let ids: Vec<String> = user::Entity::find()
        .filter(user::Column::Domain.eq(host))
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    status::Entity::find().filter(status::Column::UserId.is_in(ids)).count(&app.state.db.read).await.unwrap()
}

async fn active_users_of(app: &TestApp, host: &str) -> u64 {
    user::Entity::find()
        .filter(user::Column::Domain.eq(host))
        .filter(user::Column::IsActive.eq(true))
        .count(&app.state.db.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn delete_instance_answers_the_host_and_a_job_purges_its_users_and_statuses() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let local = app.user("local").await;
    for (i, path) in both_prefixes(&format!("{V1}/instances/mushroom0.kingdom")).iter().enumerate() {
        let host = format!("mushroom{i}.kingdom");
        let path = path.replace("mushroom0", &format!("mushroom{i}"));
        let mario = app.remote_user("mario", &host).await;
        let luigi = app.remote_user("luigi", &host).await;
        let wario = app.remote_user(&format!("wario{i}"), "greedville.biz").await;
        for author in [&mario, &luigi, &wario, &local] {
            statuses_of(&app, author, 3).await;
        }
        // A media file of Mario's, on disk.
        let uploads = app.state.uploads_dir();
        std::fs::create_dir_all(&uploads).unwrap();
        let file = format!("mario{i}.png");
        std::fs::write(uploads.join(&file), b"png").unwrap();
        media_attachment::Entity::insert(media_attachment::ActiveModel {
            id: Set(pleroma_gateway::ids::flake_id()),
            user_id: Set(mario.id.clone()),
            status_id: Set(None),
            file_name: Set(file.clone()),
            content_type: Set("image/png".into()),
            size: Set(3),
            description: Set(None),
            remote_url: Set(None),
            inserted_at: Set(Utc::now()),
        })
        .exec(&app.state.db.write)
        .await
        .unwrap();
        follow::Entity::insert(follow::ActiveModel {
            follower_id: Set(local.id.clone()),
            following_id: Set(mario.id.clone()),
            inserted_at: Set(Utc::now()),
            show_reblogs: Set(true),
            notify: Set(false),
        })
        .exec(&app.state.db.write)
        .await
        .unwrap();

        // The local user reblogs one of Mario's statuses: the reblog goes with it.
        let marios =
            status::Entity::find().filter(status::Column::UserId.eq(mario.id.as_str())).one(&app.state.db.read);
        let marios = marios.await.unwrap().unwrap();
        let mut reblog = status::ActiveModel::from(marios.clone()).reset_all();
        let reblog_id = pleroma_gateway::ids::flake_id();
        reblog.ap_id = Set(format!("{}/reblogs/{reblog_id}", local.ap_id));
        reblog.id = Set(reblog_id.clone());
        reblog.user_id = Set(local.id.clone());
        reblog.reblog_of_id = Set(Some(marios.id.clone()));
        status::Entity::insert(reblog).exec(&app.state.db.write).await.unwrap();

        let reply = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!(host)));
        assert_eq!(reply.headers["content-type"], "application/json; charset=utf-8");
        // Answered at once: nothing is deleted yet.
        assert_eq!(statuses_by_host(&app, &host).await, 6);

        // The purge, and the `Undo` of the local user's follow of mario it federates (Pleroma's
        // `User.perform(:delete)` unfollows; the delivery finds no inbox for this made-up host).
        assert_eq!(app.run_jobs().await, 2);
        assert_eq!(statuses_by_host(&app, &host).await, 0);
        assert_eq!(active_users_of(&app, &host).await, 0);
        let tomb = user::Entity::find_by_id(mario.id.clone()).one(&app.state.db.read).await.unwrap().unwrap();
        assert_eq!((tomb.nickname, tomb.ap_id, tomb.name), (mario.nickname.clone(), mario.ap_id.clone(), None));
        assert!(!uploads.join(&file).exists());
        assert_eq!(media_attachment::Entity::find().count(&app.state.db.read).await.unwrap(), 0);
        assert_eq!(follow::Entity::find().count(&app.state.db.read).await.unwrap(), 0);
        assert!(status::Entity::find_by_id(reblog_id).one(&app.state.db.read).await.unwrap().is_none());
        let locals =
            status::Entity::find().filter(status::Column::UserId.eq(local.id.as_str())).count(&app.state.db.read);
        assert_eq!(locals.await.unwrap(), 3 * (i as u64 + 1));
        // Another host and local users are untouched.
        assert_eq!(statuses_by_host(&app, "greedville.biz").await, 3 * (i as u64 + 1));
        assert_eq!(active_users_of(&app, "greedville.biz").await, i as u64 + 1);
        let done = job::Entity::find().filter(job::Column::Kind.eq("delete_instance")).all(&app.state.db.read);
        assert!(done.await.unwrap().iter().all(|j| j.state == "completed" && j.attempts == 1));
    }
    // Pleroma writes no moderation-log entry for it.
    let log = app.get(&format!("{V1}/moderation_log"), Some(&token)).await;
    assert_eq!(log.body["total"], 0);
}

#[tokio::test]
async fn delete_instance_access_and_graphql() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    // Either scope is enough.
    for scope in ["admin:write:accounts", "admin:write:statuses"] {
        let token = app.token(&admin, scope).await;
        let reply = app.request(Method::DELETE, &format!("{V1}/instances/a.example"), Some(&token), None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("a.example")));
    }
    let token = app.token(&admin, "admin:read").await;
    let reply = app.request(Method::DELETE, &format!("{V1}/instances/a.example"), Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // A moderator needs instances_delete, which moderators do not hold by default.
    let moderator = app.moderator("mod").await;
    let token = app.token(&moderator, "admin").await;
    let reply = app.request(Method::DELETE, &format!("{V1}/instances/a.example"), Some(&token), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "User isn't privileged."})));

    let token = app.token(&admin, "admin").await;
    let mutation = "mutation($i: String!) { deleteInstance(input: {instance: $i}) { instance } }";
    let reply = app.graphql(Some(&token), mutation, json!({"i": "b.example"})).await;
    assert_eq!(reply["data"]["deleteInstance"], json!({"instance": "b.example"}));
    assert_eq!(jobs::pending(&app.state.db, Some("delete_instance")).await.unwrap(), 3);
    assert_eq!(app.run_jobs().await, 3);
}

fn due_job(kind: &str) -> job::ActiveModel {
    let now = Utc::now();
    job::ActiveModel {
        queue: Set("default".into()),
        kind: Set(kind.into()),
        args: Set(json!({})),
        state: Set("available".into()),
        attempts: Set(0),
        max_attempts: Set(2),
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
async fn the_queue_claims_once_reclaims_expired_leases_and_backs_off() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    for _ in 0..20 {
        job::Entity::insert(due_job("noop")).exec(&db.write).await.unwrap();
    }
    // Concurrent claimers never take the same job.
    let claims = futures_util::future::join_all((0..30).map(|i| {
        let db = db.clone();
        async move { jobs::claim(&db, &format!("w{i}"), None, Duration::from_secs(60)).await.unwrap() }
    }))
    .await;
    let mut ids: Vec<i64> = claims.iter().flatten().map(|j| j.id).collect();
    assert_eq!(ids.len(), 20);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert!(jobs::claim(db, "late", None, Duration::from_secs(60)).await.unwrap().is_none());

    // Only the holder completes; an expired lease is claimed again by another worker.
    let held = claims.iter().flatten().next().unwrap().clone();
    assert!(!jobs::complete(db, held.id, "someone-else").await.unwrap());
    job::Entity::update_many()
        .col_expr(
            job::Column::LockedUntil,
            sea_orm::sea_query::Expr::value(Some(Utc::now() - chrono::Duration::seconds(1))),
        )
        .filter(job::Column::Id.eq(held.id))
        .exec(&db.write)
        .await
        .unwrap();
    let again = jobs::claim(db, "rescuer", None, Duration::from_secs(60)).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (held.id, 2));
    assert!(!jobs::complete(db, held.id, held.locked_by.as_deref().unwrap()).await.unwrap());
    assert!(jobs::complete(db, held.id, "rescuer").await.unwrap());

    // A failure is retried after a backoff, then left failed after max_attempts.
    let id = job::Entity::insert(due_job("boom")).exec(&db.write).await.unwrap().last_insert_id;
    let runner = app.state.job_runner(jobs::RunnerOptions::default());
    job::Entity::update_many()
        .col_expr(job::Column::State, sea_orm::sea_query::Expr::value("completed"))
        .filter(job::Column::Kind.eq("noop"))
        .exec(&db.write)
        .await
        .unwrap();
    assert!(runner.run_once().await.unwrap());
    let row = job::Entity::find_by_id(id).one(&db.read).await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("available", 1));
    assert!(row.run_at > Utc::now());
    assert_eq!(row.last_error.as_deref(), Some("unknown job kind boom"));
    assert!(!runner.run_once().await.unwrap(), "not due before its backoff");
    job::Entity::update_many()
        .col_expr(job::Column::RunAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id))
        .exec(&db.write)
        .await
        .unwrap();
    assert!(runner.run_once().await.unwrap());
    let row = job::Entity::find_by_id(id).one(&db.read).await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("failed", 2));

    // Housekeeping forgets completed jobs after a week; failed ones stay.
    job::Entity::update_many()
        .col_expr(
            job::Column::CompletedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now() - chrono::Duration::days(8))),
        )
        .filter(job::Column::State.eq("completed"))
        .exec(&db.write)
        .await
        .unwrap();
    app.state.housekeeping().await.unwrap();
    let left = job::Entity::find().all(&db.read).await.unwrap();
    assert_eq!(left.iter().map(|j| j.state.as_str()).collect::<Vec<_>>(), ["failed"]);
}

/// A `serve` process of the real binary over the app's database, with a short job lease.
fn serve(app: &TestApp) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&app.data_dir)
        .arg("serve")
        .env("RUST_LOG", "warn")
        .env("GATEWAY_JOB_LEASE", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the gateway")
}

/// SQL that stops the purge at user `gate` and keeps its job as a dead process leaves it: the
/// tombstone of that user fails, and the job row can neither record the failure nor be claimed
/// again, so it stays `running` after its first claim. Returns (install, remove).
fn gate_sql(postgres: bool, gate: &str) -> (Vec<String>, Vec<String>) {
    let job_held = "NEW.state <> 'running' OR NEW.attempts > 1";
    if postgres {
        (
            vec![
                "CREATE FUNCTION test_gate() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'held by the test'; END $$"
                    .into(),
                format!(
                    "CREATE TRIGGER test_gate_user BEFORE UPDATE ON users FOR EACH ROW \
                     WHEN (OLD.id = '{gate}') EXECUTE FUNCTION test_gate()"
                ),
                format!(
                    "CREATE TRIGGER test_gate_job BEFORE UPDATE ON jobs FOR EACH ROW \
                     WHEN ({job_held}) EXECUTE FUNCTION test_gate()"
                ),
            ],
            vec!["DROP TRIGGER test_gate_user ON users".into(), "DROP TRIGGER test_gate_job ON jobs".into()],
        )
    } else {
        let raise = "BEGIN SELECT RAISE(ABORT, 'held by the test'); END";
        (
            vec![
                format!("CREATE TRIGGER test_gate_user BEFORE UPDATE ON users WHEN OLD.id = '{gate}' {raise}"),
                format!("CREATE TRIGGER test_gate_job BEFORE UPDATE ON jobs WHEN {job_held} {raise}"),
            ],
            vec!["DROP TRIGGER test_gate_user".into(), "DROP TRIGGER test_gate_job".into()],
        )
    }
}

#[tokio::test]
async fn an_instance_purge_survives_kill_9_and_completes_once() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let host = "doomed.example";
    let (users, gate_at) = (40, 20);
    let template = app.remote_user("template", "template.example").await;
    let mut gate = String::new();
    for i in 0..users {
        let mut row = user::ActiveModel::from(template.clone()).reset_all();
        let nickname = format!("u{i}@{host}");
        row.id = Set(pleroma_gateway::ids::flake_id());
        row.ap_id = Set(format!("https://{host}/users/u{i}"));
        row.search_text = Set(nickname.clone());
        row.nickname = Set(nickname);
        row.domain = Set(Some(host.into()));
        let author = user::Entity::insert(row).exec_with_returning(&app.state.db.write).await.unwrap();
        if i == gate_at {
            gate = author.id.clone();
        }
        statuses_of(&app, &author, 5).await;
    }
    let survivor = app.remote_user("stays", "kept.example").await;
    statuses_of(&app, &survivor, 5).await;
    let reply = app.request(Method::DELETE, &format!("{V1}/instances/{host}"), Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK);

    // The purge runs in a real process until the gate (users are purged in id order, and ids
    // grow), then is killed without warning.
    let (install, remove) = gate_sql(app.state.db.backend() == sea_orm::DbBackend::Postgres, &gate);
    for sql in install {
        app.state.db.write.execute_unprepared(&sql).await.unwrap();
    }
    let mut first = serve(&app);
    let started = std::time::Instant::now();
    while active_users_of(&app, host).await > users - gate_at {
        assert!(started.elapsed() < Duration::from_secs(120), "the purge never reached the gate");
        // Another process's progress: only the database shows it.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(active_users_of(&app, host).await, users - gate_at);
    let row = job::Entity::find().filter(job::Column::Kind.eq("delete_instance")).one(&app.state.db.read);
    let row = row.await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("running", 1));
    for sql in remove {
        app.state.db.write.execute_unprepared(&sql).await.unwrap();
    }

    // Two processes over the same database: once the dead lease expires one of them finishes
    // the purge; the job completes once.
    let mut second = serve(&app);
    let mut third = serve(&app);
    let started = std::time::Instant::now();
    loop {
        let row = job::Entity::find_by_id(row.id).one(&app.state.db.read).await.unwrap().unwrap();
        if row.state == "completed" {
            assert_eq!(row.attempts, 2);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the purge never completed: {row:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for child in [&mut second, &mut third] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert_eq!(active_users_of(&app, host).await, 0);
    assert_eq!(statuses_by_host(&app, host).await, 0);
    assert_eq!(statuses_by_host(&app, "kept.example").await, 5);
    assert_eq!(
        user::Entity::find().filter(user::Column::Domain.eq(host)).count(&app.state.db.read).await.unwrap(),
        users
    );
    assert_eq!(job::Entity::find().count(&app.state.db.read).await.unwrap(), 1);
}
