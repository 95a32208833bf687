//! Polls over HTTP: posting a status with a poll (JSON and form) within `poll_limits` and
//! Pleroma's refusals, `GET /api/v1/polls/:id`, voting with Pleroma's errors, the poll in
//! status views (admin too), the `poll` notifications when it ends, and a page of statuses
//! with polls at a fixed number of statements.
use reqwest::{Method, StatusCode};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::{
    common::{keys, Reply, TestApp},
    statuses::post,
};

const POLL_KEYS: [&str; 11] = [
    "emojis",
    "expired",
    "expires_at",
    "id",
    "multiple",
    "options",
    "own_votes",
    "pleroma",
    "voted",
    "voters_count",
    "votes_count",
];

async fn vote(app: &TestApp, token: &str, id: &str, choices: Value) -> Reply {
    app.request(Method::POST, &format!("/api/v1/polls/{id}/votes"), Some(token), Some(json!({"choices": choices})))
        .await
}

fn sid(status: &Value) -> String {
    status["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn post_read_and_vote_with_pleromas_poll_view() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let alice_token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    let status = post(
        &app,
        &alice_token,
        json!({"status": "lunch?", "poll": {"options": ["Lettuce", "Bacon", "Tomato", "Bacon"], "expires_in": 600, "multiple": true, "hide_totals": false}}),
    )
    .await;
    let poll = &status["poll"];
    assert_eq!(keys(poll), POLL_KEYS.map(String::from).to_vec(), "{poll}");
    assert_eq!(poll["id"], status["id"]);
    assert_eq!((poll["expired"].clone(), poll["multiple"].clone()), (json!(false), json!(true)));
    assert_eq!(
        poll["options"],
        json!([{"title": "Lettuce", "votes_count": 0}, {"title": "Bacon", "votes_count": 0}, {"title": "Tomato", "votes_count": 0}])
    );
    // Its author counts as having voted, with no votes of their own.
    assert_eq!((poll["voted"].clone(), poll["own_votes"].clone()), (json!(true), json!([])));
    assert_eq!(poll["pleroma"], json!({"non_anonymous": false}));
    assert!(poll["expires_at"].as_str().unwrap().ends_with(".000Z"), "{poll}");
    let id = sid(&status);

    let reply = vote(&app, &bob_token, &id, json!([0, 2])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(keys(&reply.body), POLL_KEYS.map(String::from).to_vec());
    assert_eq!((reply.body["votes_count"].clone(), reply.body["voters_count"].clone()), (json!(2), json!(1)));
    assert_eq!((reply.body["voted"].clone(), reply.body["own_votes"].clone()), (json!(true), json!([0, 2])));
    assert_eq!(reply.body["options"][1], json!({"title": "Bacon", "votes_count": 0}));

    // Read back, signed in and not: an anonymous caller gets no `voted`/`own_votes`.
    let shown = app.get(&format!("/api/v1/polls/{id}"), Some(&bob_token)).await;
    assert_eq!((shown.status, shown.body["own_votes"].clone()), (StatusCode::OK, json!([0, 2])), "{}", shown.text);
    let anonymous = app.get(&format!("/api/v1/polls/{id}"), None).await;
    assert_eq!(anonymous.status, StatusCode::OK, "{}", anonymous.text);
    assert!(anonymous.body.get("voted").is_none() && anonymous.body.get("own_votes").is_none(), "{}", anonymous.text);
    assert_eq!(anonymous.body["options"][0]["votes_count"], 1);
    let status = app.get(&format!("/api/v1/statuses/{id}"), None).await;
    assert_eq!(status.body["poll"]["votes_count"], 2);
    assert!(status.body["poll"].get("voted").is_none());

    // Pleroma's refusals.
    let error = |reply: Reply| (reply.status, reply.body);
    assert_eq!(
        error(vote(&app, &bob_token, &id, json!([1])).await),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Already voted"}))
    );
    assert_eq!(
        error(vote(&app, &alice_token, &id, json!([1])).await),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Poll's author can't vote"}))
    );
    let carol = app.user("carol").await;
    let carol_token = app.token(&carol, "read write").await;
    assert_eq!(
        error(vote(&app, &carol_token, &id, json!([3])).await),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Invalid indices"}))
    );
    let single =
        post(&app, &alice_token, json!({"status": "one", "poll": {"options": ["a", "b"], "expires_in": 60}})).await;
    assert_eq!(single["poll"]["multiple"], false);
    assert_eq!(
        error(vote(&app, &carol_token, &sid(&single), json!([0, 1])).await),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Too many choices"}))
    );
    assert_eq!(
        error(vote(&app, &carol_token, "nope", json!([0])).await),
        (StatusCode::NOT_FOUND, json!({"error": "Record not found"}))
    );
    // A poll of a status the caller cannot see is not found, to read or to vote.
    let private = post(
        &app,
        &alice_token,
        json!({"status": "secret", "visibility": "private", "poll": {"options": ["a", "b"], "expires_in": 60}}),
    )
    .await;
    assert_eq!(
        app.get(&format!("/api/v1/polls/{}", sid(&private)), Some(&carol_token)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(vote(&app, &carol_token, &sid(&private), json!([0])).await.status, StatusCode::NOT_FOUND);
    // A status without a poll has none.
    let plain = post(&app, &alice_token, json!({"status": "no poll"})).await;
    assert_eq!(plain["poll"], Value::Null);
    assert_eq!(app.get(&format!("/api/v1/polls/{}", sid(&plain)), None).await.status, StatusCode::NOT_FOUND);

    // Form votes (`choices[]=1`) and the admin view of the status.
    let reply = app
        .send_raw(
            Method::POST,
            &format!("/api/v1/polls/{}/votes", sid(&single)),
            &carol_token,
            "application/x-www-form-urlencoded",
            "choices[]=1",
        )
        .await;
    assert_eq!((reply.status, reply.body["own_votes"].clone()), (StatusCode::OK, json!([1])), "{}", reply.text);
    let admin = app.admin_token().await;
    let shown = app.get(&format!("/api/v1/pleroma/admin/statuses/{}", sid(&single)), Some(&admin)).await;
    assert_eq!(shown.body["poll"]["options"][1]["votes_count"], 1, "{}", shown.text);

    // GraphQL.
    let body = app
        .graphql(
            Some(&carol_token),
            "query($id: ID!) { poll(id: $id) { id votesCount ownVotes voted options { title votesCount } } }",
            json!({"id": sid(&single)}),
        )
        .await;
    assert_eq!(body["data"]["poll"]["ownVotes"], json!([1]), "{body}");
}

#[tokio::test]
async fn form_posts_and_poll_limits_with_pleromas_messages() {
    let app = TestApp::with_settings(|s| {
        s.limits.poll_limits = pleroma_gateway::config::PollLimits {
            max_options: 3,
            max_option_chars: 5,
            min_expiration: 60,
            max_expiration: 600,
        };
    })
    .await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let form = "status=pick&poll[options][]=a&poll[options][]=b&poll[expires_in]=120&poll[multiple]=true";
    let reply = app.send_raw(Method::POST, "/api/v1/statuses", &token, "application/x-www-form-urlencoded", form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["poll"]["multiple"], true);
    assert_eq!(reply.body["poll"]["options"][1]["title"], "b");

    let refused = |poll: Value| {
        let app = &app;
        let token = &token;
        async move {
            let reply = app
                .request(Method::POST, "/api/v1/statuses", Some(token), Some(json!({"status": "x", "poll": poll})))
                .await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
            reply.body["error"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(
        refused(json!({"options": ["a", "b"], "expires_in": 601})).await,
        "Expiration date is too far in the future"
    );
    assert_eq!(refused(json!({"options": ["a", "b"], "expires_in": 59})).await, "Expiration date is too soon");
    assert_eq!(refused(json!({"options": ["a"], "expires_in": 60})).await, "Poll must contain at least 2 options");
    assert_eq!(
        refused(json!({"options": ["a", "b", "c", "d"], "expires_in": 60})).await,
        "Poll can't contain more than 3 options"
    );
    assert_eq!(
        refused(json!({"options": ["a", "sixsix"], "expires_in": 60})).await,
        "Poll options cannot be longer than 5 characters each"
    );
    // Nothing was stored by a refusal.
    let statuses = app.get(&format!("/api/v1/accounts/{}/statuses", alice.id), None).await;
    assert_eq!(statuses.body.as_array().unwrap().len(), 1);
    // A missing option list is a parameter error (400), as Pleroma's schema says.
    let reply = app
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&token),
            Some(json!({"status": "x", "poll": {"expires_in": 60}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
}

#[tokio::test]
async fn the_end_of_a_poll_notifies_its_author_and_voters_once() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let alice_token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    let status =
        post(&app, &alice_token, json!({"status": "quick", "poll": {"options": ["a", "b"], "expires_in": 300}})).await;
    let id = sid(&status);
    assert_eq!(vote(&app, &bob_token, &id, json!([1])).await.status, StatusCode::OK);
    // Not due yet.
    app.run_jobs().await;
    let none = app.get("/api/v1/notifications?types[]=poll", Some(&bob_token)).await;
    assert_eq!(none.body, json!([]), "{}", none.text);
    // The poll's end comes (moved, rather than waited for: a wall clock under load races).
    let ended = chrono::Utc::now() - chrono::Duration::seconds(1);
    let db = &app.state.db.write;
    entity::poll::Entity::update_many()
        .col_expr(entity::poll::Column::ExpiresAt, Expr::value(ended))
        .filter(entity::poll::Column::StatusId.eq(id.as_str()))
        .exec(db)
        .await
        .unwrap();
    let moved = entity::job::Entity::update_many()
        .col_expr(entity::job::Column::RunAt, Expr::value(ended))
        .filter(entity::job::Column::Kind.eq("poll_end"))
        .filter(entity::job::Column::State.eq("available"))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(moved.rows_affected, 1);
    assert!(app.run_jobs().await >= 1);
    for token in [&alice_token, &bob_token] {
        let reply = app.get("/api/v1/notifications?types[]=poll", Some(token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let list = reply.body.as_array().unwrap();
        assert_eq!(list.len(), 1, "{}", reply.text);
        assert_eq!(list[0]["type"], "poll");
        assert_eq!(list[0]["status"]["id"], id);
        assert_eq!(list[0]["status"]["poll"]["expired"], true);
        assert_eq!(list[0]["account"]["id"], alice.id);
    }
    // Run again (a retried job): nobody is notified twice.
    let again = pleroma_gateway::domain::polls::PollEnd { status_id: id.to_string() };
    pleroma_gateway::jobs::enqueue(&app.state.db.write, &again).await.unwrap();
    app.run_jobs().await;
    let reply = app.get("/api/v1/notifications?types[]=poll", Some(&bob_token)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 1);
    // Pleroma takes a vote on a closed poll too.
    let carol = app.user("carol").await;
    let carol_token = app.token(&carol, "write").await;
    assert_eq!(vote(&app, &carol_token, &id, json!([0])).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_page_of_statuses_with_polls_costs_a_fixed_number_of_statements() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    for i in 0..20 {
        let status = post(
            &app,
            &token,
            json!({"status": format!("poll {i}"), "poll": {"options": ["a", "b"], "expires_in": 600}}),
        )
        .await;
        vote(&app, &bob_token, &sid(&status), json!([i % 2])).await;
    }
    let path = |limit: u32| format!("/api/v1/accounts/{}/statuses?limit={limit}", alice.id);
    app.get(&path(1), Some(&bob_token)).await;
    let count = |limit: u32| {
        let (app, token, path) = (&app, &bob_token, path(limit));
        async move {
            app.state.db.record();
            let reply = app.get(&path, Some(token)).await;
            assert_eq!(reply.body.as_array().unwrap().len(), limit as usize, "{}", reply.text);
            assert_eq!(reply.body[0]["poll"]["voters_count"], 1);
            app.state.db.recorded().len()
        }
    };
    let one = count(1).await;
    let twenty = count(20).await;
    // As the other list tests: one late DataLoader batch is timing, more is an N+1.
    assert!(twenty <= one + 1, "a page of 20 costs {twenty} statements, a page of 1 costs {one}");
    eprintln!("GET /api/v1/accounts/:id/statuses with polls: {one} statements for a page of 1, {twenty} for 20");
}
