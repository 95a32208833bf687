//! Remote accounts resolved on demand (issue 27 §1) and remote polls (issue 31): a fake remote
//! instance on loopback serves WebFinger, its actors, nodeinfo and a `Question`; the gateway
//! finds its accounts through search (`resolve=true`), GraphQL's `resolveAccount` and mentions,
//! refreshes stale ones, reads the host's software, and keeps a remote poll up to date.
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode as AxumStatus,
    routing::{get, post},
    Json, Router,
};
use chrono::Utc;
use entity::{instance, job, poll, status, user};
use pleroma_gateway::domain::federation::signature;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::common::TestApp;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The fake remote: display names by actor, objects by path, what it was asked and sent.
#[derive(Clone)]
struct Remote {
    base: String,
    /// `127.0.0.1:<port>`.
    host: String,
    pem: String,
    names: Arc<Mutex<HashMap<String, String>>>,
    objects: Arc<Mutex<HashMap<String, Value>>>,
    actor_fetches: Arc<AtomicUsize>,
    object_fetches: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Value>>>,
}

impl Remote {
    fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    fn known(&self, name: &str) -> bool {
        self.names.lock().unwrap().contains_key(name)
    }
}

async fn webfinger(State(remote): State<Remote>, Query(q): Query<HashMap<String, String>>) -> Response {
    let resource = q.get("resource").cloned().unwrap_or_default();
    let Some(acct) = resource.strip_prefix("acct:") else { return Err(AxumStatus::BAD_REQUEST) };
    let Some((name, host)) = acct.split_once('@') else { return Err(AxumStatus::BAD_REQUEST) };
    if host != remote.host || !remote.known(name) {
        return Err(AxumStatus::NOT_FOUND);
    }
    Ok(Json(json!({
        "subject": resource,
        "aliases": [remote.actor(name)],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": remote.actor(name)},
            {"rel": "self", "type": "application/activity+json", "href": remote.actor(name)},
        ],
    })))
}

type Response = Result<Json<Value>, AxumStatus>;

async fn actor(State(remote): State<Remote>, Path(name): Path<String>) -> Response {
    remote.actor_fetches.fetch_add(1, Ordering::SeqCst);
    let Some(display) = remote.names.lock().unwrap().get(&name).cloned() else { return Err(AxumStatus::NOT_FOUND) };
    let key = signature::private_key(&remote.pem).unwrap();
    let id = remote.actor(&name);
    Ok(Json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": display,
        "summary": "<p>from afar</p>",
        "inbox": format!("{id}/inbox"),
        "followers": format!("{id}/followers"),
        "endpoints": {"sharedInbox": format!("{}/inbox", remote.base)},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": signature::public_pem(&key).unwrap()},
    })))
}

async fn object(State(remote): State<Remote>, Path(id): Path<String>) -> Response {
    remote.object_fetches.fetch_add(1, Ordering::SeqCst);
    remote.objects.lock().unwrap().get(&format!("/objects/{id}")).cloned().map(Json).ok_or(AxumStatus::NOT_FOUND)
}

async fn well_known_nodeinfo(State(remote): State<Remote>) -> Json<Value> {
    Json(json!({"links": [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{}/nodeinfo/2.0", remote.base)},
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{}/nodeinfo/2.1", remote.base)},
    ]}))
}

async fn nodeinfo() -> Json<Value> {
    Json(json!({
        "version": "2.1",
        "software": {"name": "mastodon", "version": "4.3.0", "repository": "https://github.com/mastodon/mastodon"},
        "protocols": ["activitypub"],
    }))
}

async fn inbox(State(remote): State<Remote>, body: Bytes) -> AxumStatus {
    remote.received.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
    AxumStatus::ACCEPTED
}

/// The fake remote on a fresh loopback port, with the actors `names` (nick → display name).
async fn remote(app: &TestApp, names: &[(&str, &str)]) -> Remote {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _ = app;
    let remote = Remote {
        base: format!("http://127.0.0.1:{port}"),
        host: format!("127.0.0.1:{port}"),
        pem: signature::generate_pem().unwrap(),
        names: Arc::new(Mutex::new(names.iter().map(|(n, d)| (n.to_string(), d.to_string())).collect())),
        objects: Arc::default(),
        actor_fetches: Arc::default(),
        object_fetches: Arc::default(),
        received: Arc::default(),
    };
    let router = Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(well_known_nodeinfo))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/users/{name}", get(actor))
        .route("/users/{name}/inbox", post(inbox))
        .route("/inbox", post(inbox))
        .route("/objects/{id}", get(object))
        .with_state(remote.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    remote
}

async fn federating_app() -> TestApp {
    TestApp::self_addressed(|s| s.http.allow_private_addresses = true).await
}

async fn by_ap_id(app: &TestApp, ap_id: &str) -> Option<user::Model> {
    user::Entity::find().filter(user::Column::ApId.eq(ap_id)).one(&app.state.db.read).await.unwrap()
}

/// Make the stored actor `ap_id` two days old.
async fn make_stale(app: &TestApp, ap_id: &str) {
    let row = by_ap_id(app, ap_id).await.unwrap();
    let mut row: user::ActiveModel = row.into();
    row.updated_at = Set(Utc::now() - chrono::Duration::days(2));
    row.update(&app.state.db.write).await.unwrap();
}

fn accts(body: &Value) -> Vec<String> {
    body.as_array().unwrap().iter().map(|a| a["acct"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn search_with_resolve_finds_and_stores_unknown_remote_accounts() {
    let app = federating_app().await;
    let remote = remote(&app, &[("bob", "Bob"), ("carol", "Carol"), ("erin", "Erin")]).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    let bob = format!("bob@{}", remote.host);

    // Without resolve an unknown account is not found, and nothing is fetched.
    let reply = app.get(&format!("/api/v1/accounts/search?q={bob}"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body, json!([]));
    assert_eq!(remote.actor_fetches.load(Ordering::SeqCst), 0);

    // nick@host, resolved by WebFinger then the actor: stored, first in the answer.
    let reply = app.get(&format!("/api/v1/accounts/search?q={bob}&resolve=true"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(accts(&reply.body), [bob.as_str()]);
    assert_eq!(reply.body[0]["display_name"], "Bob");
    assert!(reply.body[0]["id"].is_string());
    let stored = by_ap_id(&app, &remote.actor("bob")).await.expect("stored");
    assert!(!stored.local);
    assert_eq!(stored.nickname, bob);

    // @nick@host through v2 search, acct: through v1 search, the actor URL through accounts/search.
    let carol = format!("carol@{}", remote.host);
    let reply = app.get(&format!("/api/v2/search?q=@{carol}&resolve=true&type=accounts"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // The resolved account first; others of its host match the query's words too.
    assert_eq!(accts(&reply.body["accounts"])[0], carol);
    assert_eq!(reply.body["statuses"], json!([]));
    let erin = format!("erin@{}", remote.host);
    let reply = app.get(&format!("/api/v1/search?q=acct:{erin}&resolve=true"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(accts(&reply.body["accounts"])[0], erin);
    let url = remote.actor("bob");
    let reply = app.get(&format!("/api/v1/accounts/search?q={url}&resolve=true"), Some(&token)).await;
    assert_eq!(accts(&reply.body)[0], bob);

    // Fresh rows are not fetched again.
    let fetches = remote.actor_fetches.load(Ordering::SeqCst);
    assert_eq!(fetches, 3);
    let reply = app.get(&format!("/api/v1/accounts/search?q={bob}&resolve=true"), Some(&token)).await;
    assert_eq!(accts(&reply.body)[0], bob);
    assert_eq!(remote.actor_fetches.load(Ordering::SeqCst), fetches);

    // Anonymous searches never resolve (Pleroma's `limit_to_local_content: :unauthenticated`).
    let dave_remote = self::remote(&app, &[("dave", "Dave")]).await;
    let dave = format!("dave@{}", dave_remote.host);
    let reply = app.get(&format!("/api/v1/accounts/search?q={dave}&resolve=true"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(!accts(&reply.body).contains(&dave));
    assert_eq!(dave_remote.actor_fetches.load(Ordering::SeqCst), 0);

    // Unknown names and unreachable hosts: an empty list, as Pleroma.
    for q in [format!("nobody@{}", remote.host), "ghost@127.0.0.1:1".to_string(), "x@".to_string()] {
        let reply = app.get(&format!("/api/v1/accounts/search?q={q}&resolve=true"), Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{q}: {}", reply.text);
        assert!(!accts(&reply.body).iter().any(|a| a.starts_with("nobody") || a.starts_with("ghost")), "{q}");
        let reply = app.get(&format!("/api/v2/search?q={q}&resolve=true"), Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{q}: {}", reply.text);
        assert!(!accts(&reply.body["accounts"]).iter().any(|a| a.starts_with("nobody") || a.starts_with("ghost")));
    }
    // A missing query is a clear 4xx.
    let reply = app.get("/api/v1/accounts/search?resolve=true", Some(&token)).await;
    assert!(reply.status.is_client_error(), "{}", reply.text);
    assert!(reply.body["error"].is_string(), "{}", reply.text);
}

#[tokio::test]
async fn graphql_resolve_account_and_a_mention_resolve_remote_accounts() {
    let app = federating_app().await;
    let remote = remote(&app, &[("bob", "Bob"), ("dave", "Dave")]).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let mutation = "mutation($q: String!) { resolveAccount(input: {query: $q}) { account { id acct displayName } } }";

    let body = app.graphql(Some(&token), mutation, json!({"q": format!("acct:bob@{}", remote.host)})).await;
    assert_eq!(body["data"]["resolveAccount"]["account"]["acct"], format!("bob@{}", remote.host), "{body}");
    assert_eq!(body["data"]["resolveAccount"]["account"]["displayName"], "Bob");
    assert!(by_ap_id(&app, &remote.actor("bob")).await.is_some());

    // Nothing to be had: a null account, not an error.
    let body = app.graphql(Some(&token), mutation, json!({"q": format!("nobody@{}", remote.host)})).await;
    assert_eq!(body["data"]["resolveAccount"]["account"], Value::Null, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    // Callers only.
    let body = app.graphql(None, mutation, json!({"q": format!("bob@{}", remote.host)})).await;
    assert!(body["errors"][0]["extensions"]["code"].is_string(), "{body}");

    // A posted status mentioning an unknown @nick@host resolves it and mentions it.
    let reply = app
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&token),
            Some(json!({"status": format!("hello @dave@{}", remote.host)})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let dave = by_ap_id(&app, &remote.actor("dave")).await.expect("dave resolved");
    let mentions: Vec<String> =
        reply.body["mentions"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(mentions, [dave.id.as_str()]);
    assert!(reply.body["content"].as_str().unwrap().contains(&remote.actor("dave")), "{}", reply.body["content"]);
}

#[tokio::test]
async fn stale_actors_are_refreshed_unless_their_host_failed_recently() {
    let app = federating_app().await;
    let remote = remote(&app, &[("bob", "Bob")]).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    let bob = format!("bob@{}", remote.host);
    let search = format!("/api/v1/accounts/search?q={bob}&resolve=true");
    assert_eq!(accts(&app.get(&search, Some(&token)).await.body), [bob.as_str()]);

    // Older than a day: fetched again, the new name stored.
    remote.names.lock().unwrap().insert("bob".into(), "Robert".into());
    make_stale(&app, &remote.actor("bob")).await;
    let reply = app.get(&search, Some(&token)).await;
    assert_eq!(reply.body[0]["display_name"], "Robert", "{}", reply.text);
    assert!(Utc::now() - by_ap_id(&app, &remote.actor("bob")).await.unwrap().updated_at < chrono::Duration::minutes(1));

    // A host whose last fetch failed just now is left alone: the stale row answers.
    let fetches = remote.actor_fetches.load(Ordering::SeqCst);
    make_stale(&app, &remote.actor("bob")).await;
    let now = Utc::now();
    instance::ActiveModel {
        host: Set("127.0.0.1".into()),
        unreachable_since: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&app.state.db.write)
    .await
    .unwrap();
    let reply = app.get(&search, Some(&token)).await;
    assert_eq!(accts(&reply.body), [bob.as_str()]);
    assert_eq!(remote.actor_fetches.load(Ordering::SeqCst), fetches, "no fetch from a host that just failed");

    // An hour later it is asked again, and answering clears the mark.
    let earlier = now - chrono::Duration::hours(2);
    instance::ActiveModel { host: Set("127.0.0.1".into()), updated_at: Set(earlier), ..Default::default() }
        .update(&app.state.db.write)
        .await
        .unwrap();
    app.get(&search, Some(&token)).await;
    assert_eq!(remote.actor_fetches.load(Ordering::SeqCst), fetches + 1);
    let row = instance::Entity::find_by_id("127.0.0.1").one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.unreachable_since, None);

    // A dead host: the failure marks it, and the next request does not wait on it.
    let listener = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let dead = listener.local_addr().unwrap();
    drop(listener);
    let reply = app.get(&format!("/api/v1/accounts/search?q=zed@{dead}&resolve=true"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(!accts(&reply.body).iter().any(|a| a.starts_with("zed")));
    let row = instance::Entity::find_by_id("127.0.0.2").one(&app.state.db.read).await.unwrap().expect("marked");
    assert!(row.unreachable_since.is_some());
}

#[tokio::test]
async fn each_remote_host_is_an_instance_row_with_its_software() {
    let app = federating_app().await;
    let remote = remote(&app, &[("bob", "Bob"), ("carol", "Carol")]).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    for name in ["bob", "carol"] {
        let reply =
            app.get(&format!("/api/v1/accounts/search?q={name}@{}&resolve=true", remote.host), Some(&token)).await;
        assert_eq!(accts(&reply.body)[0], format!("{name}@{}", remote.host), "{}", reply.text);
    }
    let row = instance::Entity::find_by_id("127.0.0.1").one(&app.state.db.read).await.unwrap().expect("row");
    assert!(row.inserted_at.is_some());
    assert!(row.metadata_updated_at.is_some(), "asked for");
    assert_eq!(row.software_name, None, "read in the background");
    // One job for the host, however many of its actors were seen.
    let jobs =
        job::Entity::find().filter(job::Column::Kind.eq("instance_metadata")).all(&app.state.db.read).await.unwrap();
    assert_eq!(jobs.len(), 1);
    app.run_jobs().await;
    let row = instance::Entity::find_by_id("127.0.0.1").one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.software_name.as_deref(), Some("mastodon"));
    assert_eq!(row.software_version.as_deref(), Some("4.3.0"));
    assert_eq!(row.software_repository.as_deref(), Some("https://github.com/mastodon/mastodon"));
    // GraphQL shows it (Pleroma's API does not).
    let query = "query($h: String!) { remoteInstance(host: $h) { host firstSeenAt unreachableSince softwareName softwareVersion } }";
    let body = app.graphql(None, query, json!({"h": "127.0.0.1"})).await;
    let found = &body["data"]["remoteInstance"];
    assert_eq!(found["softwareName"], "mastodon", "{body}");
    assert_eq!(found["softwareVersion"], "4.3.0");
    assert!(found["firstSeenAt"].is_string());
    assert_eq!(found["unreachableSince"], Value::Null);
    let body = app.graphql(None, query, json!({"h": "never.example"})).await;
    assert_eq!(body["data"]["remoteInstance"], Value::Null, "{body}");
}

/// Statements one GET costs, and how many items it answered.
async fn count(app: &TestApp, path: &str, token: &str) -> (u64, usize) {
    let before = app.statements();
    let reply = app.get(path, Some(token)).await;
    (app.statements() - before, reply.body.as_array().map_or(0, Vec::len))
}

#[tokio::test]
async fn search_pages_cost_the_same_statements_whatever_they_hold() {
    let app = federating_app().await;
    let remote = remote(&app, &[("bob", "Bob")]).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    let bob = format!("bob@{}", remote.host);
    let path = format!("/api/v1/accounts/search?q={bob}&resolve=true");
    assert_eq!(accts(&app.get(&path, Some(&token)).await.body), [bob.as_str()]);
    let (one, n1) = count(&app, &path, &token).await;
    for i in 0..5 {
        app.remote_user(&format!("bob{i}"), &remote.host).await;
    }
    // The first request after a user change checks the token again: warm it first.
    app.get("/api/v1/accounts/verify_credentials", Some(&token)).await;
    let (many, n6) = count(&app, &path, &token).await;
    // Resolving a stored, fresh account costs one lookup over the plain search.
    let (plain, _) = count(&app, &format!("/api/v1/accounts/search?q={bob}"), &token).await;
    assert_eq!(many, plain + 1, "resolving a known account");
    assert_eq!((n1, n6), (1, 6));
    assert_eq!(one, many, "statements for 1 and 6 accounts");
    let v2 = format!("/api/v2/search?q={bob}&resolve=true");
    let (v2_many, _) = count(&app, &v2, &token).await;
    assert!(v2_many > 0);
}

fn question(remote: &Remote, id: &str, end: chrono::DateTime<Utc>, counts: [u64; 2], voters: u64) -> Value {
    json!({
        "id": format!("{}/objects/{id}", remote.base),
        "type": "Question",
        "attributedTo": remote.actor("bob"),
        "content": "<p>tea or coffee?</p>",
        "published": "2026-12-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [format!("{}/followers", remote.actor("bob"))],
        "endTime": end.to_rfc3339(),
        "votersCount": voters,
        "oneOf": [
            {"type": "Note", "name": "tea", "replies": {"type": "Collection", "totalItems": counts[0]}},
            {"type": "Note", "name": "coffee", "replies": {"type": "Collection", "totalItems": counts[1]}},
        ],
    })
}

/// POST `activity` to the gateway's shared inbox, signed by the remote's `bob`.
async fn deliver_as_bob(app: &TestApp, remote: &Remote, activity: &Value) {
    let url = url::Url::parse(&format!("{}/inbox", app.base)).unwrap();
    let body = serde_json::to_vec(activity).unwrap();
    let key = signature::private_key(&remote.pem).unwrap();
    let key_id = format!("{}#main-key", remote.actor("bob"));
    let mut request = reqwest::Client::new().post(url.clone()).header("content-type", "application/activity+json");
    for (header, value) in signature::sign(&key, &key_id, "POST", &url, Some(&body)) {
        request = request.header(header, value);
    }
    let reply = request.body(body).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
}

async fn poll_row(app: &TestApp, id: &str) -> poll::Model {
    poll::Entity::find_by_id(id).one(&app.state.db.read).await.unwrap().expect("poll")
}

async fn refresh_jobs(app: &TestApp) -> usize {
    job::Entity::find().filter(job::Column::Kind.eq("poll_refresh")).all(&app.state.db.read).await.unwrap().len()
}

#[tokio::test]
async fn remote_polls_are_stored_refreshed_at_most_every_two_minutes_and_voted_in() {
    let app = federating_app().await;
    let remote = remote(&app, &[("bob", "Bob")]).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let end = chrono::SubsecRound::trunc_subsecs(Utc::now() + chrono::Duration::hours(1), 0);
    let q = question(&remote, "q1", end, [3, 1], 4);
    remote.objects.lock().unwrap().insert("/objects/q1".into(), q.clone());
    let create = json!({
        "id": format!("{}/activities/create-q1", remote.base),
        "type": "Create", "actor": remote.actor("bob"), "to": q["to"], "cc": q["cc"], "object": q,
    });
    deliver_as_bob(&app, &remote, &create).await;
    let stored = status::Entity::find()
        .filter(status::Column::ApId.eq(format!("{}/objects/q1", remote.base)))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("the question is a status");
    let id = stored.id.clone();

    // The poll as the origin counts it; open, so no refresh is asked for.
    let reply = app.get(&format!("/api/v1/polls/{id}"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["votes_count"], 4);
    assert_eq!(reply.body["voters_count"], 4);
    assert_eq!(reply.body["multiple"], false);
    assert_eq!(reply.body["expired"], false);
    assert_eq!(
        reply.body["options"],
        json!([{"title": "tea", "votes_count": 3}, {"title": "coffee", "votes_count": 1}])
    );
    assert_eq!(reply.body["expires_at"], end.format("%Y-%m-%dT%H:%M:%S.000Z").to_string());
    let reply = app.get(&format!("/api/v1/statuses/{id}"), Some(&token)).await;
    assert_eq!(reply.body["poll"]["id"], id.as_str(), "{}", reply.text);
    // Reading an open remote poll asks for a refresh (Pleroma: not updated since its end), at
    // most one per 120 s whoever reads.
    assert_eq!(refresh_jobs(&app).await, 1);
    app.get(&format!("/api/v1/polls/{id}"), None).await;
    assert_eq!(refresh_jobs(&app).await, 1);

    // A local vote: counted, and sent to bob as a Create of a Note named after the option.
    let reply = app
        .request(Method::POST, &format!("/api/v1/polls/{id}/votes"), Some(&token), Some(json!({"choices": [1]})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["options"][1]["votes_count"], 2);
    assert_eq!(reply.body["voters_count"], 5);
    assert_eq!(reply.body["own_votes"], json!([1]));
    app.run_jobs().await;
    let received = remote.received.lock().unwrap().clone();
    let answer = received.iter().find(|a| a["type"] == "Create").expect("the answer was delivered");
    assert_eq!(answer["actor"], alice.ap_id.as_str());
    assert_eq!(answer["object"]["type"], "Note");
    assert_eq!(answer["object"]["name"], "coffee");
    assert_eq!(answer["object"]["inReplyTo"], format!("{}/objects/q1", remote.base));
    assert_eq!(answer["to"], json!([remote.actor("bob")]));

    // Closed (moved into the past in the database), last asked for 60 s ago: no refresh yet.
    let closed = Utc::now() - chrono::Duration::minutes(5);
    let mut row: poll::ActiveModel = poll_row(&app, &id).await.into();
    row.expires_at = Set(closed);
    row.refreshed_at = Set(Some(closed - chrono::Duration::minutes(1)));
    row.refresh_requested_at = Set(Some(Utc::now() - chrono::Duration::seconds(60)));
    row.update(&app.state.db.write).await.unwrap();
    remote.objects.lock().unwrap().insert("/objects/q1".into(), question(&remote, "q1", closed, [7, 5], 12));
    assert_eq!(app.get(&format!("/api/v1/polls/{id}"), Some(&token)).await.status, StatusCode::OK);
    assert_eq!(refresh_jobs(&app).await, 1, "asked 60 s ago");
    // Asked 121 s ago: one refresh for two reads.
    let mut row: poll::ActiveModel = poll_row(&app, &id).await.into();
    row.refresh_requested_at = Set(Some(Utc::now() - chrono::Duration::seconds(121)));
    row.update(&app.state.db.write).await.unwrap();
    app.get(&format!("/api/v1/polls/{id}"), Some(&token)).await;
    app.get(&format!("/api/v1/polls/{id}"), None).await;
    assert_eq!(refresh_jobs(&app).await, 2, "asked 121 s ago");
    let fetches = remote.object_fetches.load(Ordering::SeqCst);
    app.run_jobs().await;
    assert_eq!(remote.object_fetches.load(Ordering::SeqCst), fetches + 1);
    let reply = app.get(&format!("/api/v1/polls/{id}"), Some(&token)).await;
    assert_eq!(reply.body["votes_count"], 12);
    assert_eq!(reply.body["voters_count"], 12);
    assert_eq!(reply.body["expired"], true);
    assert_eq!(reply.body["own_votes"], json!([1]));

    // Fetched since it closed: never again, however long ago the last request was.
    let mut row: poll::ActiveModel = poll_row(&app, &id).await.into();
    row.refresh_requested_at = Set(Some(Utc::now() - chrono::Duration::hours(1)));
    row.update(&app.state.db.write).await.unwrap();
    app.get(&format!("/api/v1/polls/{id}"), Some(&token)).await;
    assert_eq!(refresh_jobs(&app).await, 2);

    // GraphQL reads the same poll.
    let body = app
        .graphql(Some(&token), "query($id: ID!) { poll(id: $id) { votesCount votersCount } }", json!({"id": id}))
        .await;
    assert_eq!(body["data"]["poll"]["votesCount"], 12, "{body}");
}

#[tokio::test]
async fn a_remote_poll_is_refreshed_once_more_when_it_closes() {
    let app = federating_app().await;
    let remote = remote(&app, &[("bob", "Bob")]).await;
    let end = Utc::now() + chrono::Duration::hours(1);
    let q = question(&remote, "q2", end, [0, 0], 0);
    let create = json!({
        "id": format!("{}/activities/create-q2", remote.base),
        "type": "Create", "actor": remote.actor("bob"), "to": q["to"], "cc": q["cc"], "object": q,
    });
    deliver_as_bob(&app, &remote, &create).await;
    remote.objects.lock().unwrap().insert("/objects/q2".into(), question(&remote, "q2", end, [2, 2], 4));
    // The poll_end job is due at the end: made due now.
    let end_job = job::Entity::find().filter(job::Column::Kind.eq("poll_end")).one(&app.state.db.read).await.unwrap();
    let mut end_job: job::ActiveModel = end_job.expect("poll_end scheduled").into();
    end_job.run_at = Set(Utc::now() - chrono::Duration::seconds(1));
    end_job.update(&app.state.db.write).await.unwrap();
    app.run_jobs().await;
    assert_eq!(refresh_jobs(&app).await, 1);
    let row = poll::Entity::find().one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.remote_votes, Some(json!([2, 2])));
    assert_eq!(row.remote_voters, Some(4));
}
