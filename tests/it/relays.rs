//! Relays over real ActivityPub (ROUTES.md §10): a second actor on loopback receives the signed
//! `Follow`, checks it against the gateway's published key and answers a signed `Accept`; forged
//! and unsigned inbox requests are refused. Also the actor documents, WebFinger and host-meta.
use std::sync::{Arc, Mutex};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode as AxumStatus},
    routing::{get, post},
    Json, Router,
};
use entity::job;
use pleroma_gateway::domain::federation::signature;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::common::{both_prefixes, TestApp};

const V1: &str = "/api/v1/pleroma/admin/relay";

/// What the remote relay received: the activity and whether its signature held against the
/// key the gateway publishes.
#[derive(Clone)]
struct Remote {
    base: String,
    gateway: String,
    pem: String,
    received: Arc<Mutex<Vec<(Value, bool)>>>,
}

async fn remote_actor(State(remote): State<Remote>) -> Json<Value> {
    let key = signature::private_key(&remote.pem).unwrap();
    Json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/actor", remote.base),
        "type": "Application",
        "inbox": format!("{}/inbox", remote.base),
        "publicKey": {
            "id": format!("{}/actor#main-key", remote.base),
            "owner": format!("{}/actor", remote.base),
            "publicKeyPem": signature::public_pem(&key).unwrap(),
        },
    }))
}

async fn remote_inbox(State(remote): State<Remote>, headers: HeaderMap, body: Bytes) -> AxumStatus {
    let activity: Value = serde_json::from_slice(&body).unwrap();
    let valid = match signature::prepare(
        &signature::Headers::from_pairs(headers.iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap()))),
        "POST",
        "/inbox",
        &body,
    ) {
        Ok(prepared) => {
            let (parsed, string) = (&prepared.header, &prepared.signing_strings[0]);
            // The gateway's key, as it publishes it (its configured URL may not be where it listens).
            let url = parsed.key_id.replace("http://localhost:4000", &remote.gateway);
            let actor: Value = reqwest::Client::new()
                .get(url)
                .header("accept", "application/activity+json")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            signature::verify(actor["publicKey"]["publicKeyPem"].as_str().unwrap(), string, &parsed.signature)
        }
        Err(_) => false,
    };
    remote.received.lock().unwrap().push((activity, valid));
    AxumStatus::ACCEPTED
}

async fn remote_relay(app: &TestApp) -> Remote {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let remote = Remote {
        base: format!("http://{addr}"),
        gateway: app.base.clone(),
        pem: signature::generate_pem().unwrap(),
        received: Arc::default(),
    };
    let router =
        Router::new().route("/actor", get(remote_actor)).route("/inbox", post(remote_inbox)).with_state(remote.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    remote
}

/// POST `activity` to the gateway's `path`, signed with `pem` under the remote's key id.
async fn send_signed(app: &TestApp, remote: &Remote, pem: &str, path: &str, activity: &Value) -> reqwest::Response {
    let url = url::Url::parse(&format!("{}{path}", app.base)).unwrap();
    let body = serde_json::to_vec(activity).unwrap();
    let key = signature::private_key(pem).unwrap();
    let mut request = reqwest::Client::new().post(url.clone()).header("content-type", "application/activity+json");
    for (name, value) in signature::sign(&key, &format!("{}/actor#main-key", remote.base), "POST", &url, Some(&body)) {
        request = request.header(name, value);
    }
    request.body(body).send().await.unwrap()
}

async fn relays(app: &TestApp, path: &str, token: &str) -> Value {
    let reply = app.get(path, Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

async fn last_log(app: &TestApp, token: &str) -> String {
    let reply = app.get("/api/v1/pleroma/admin/moderation_log", Some(token)).await;
    reply.body["items"][0]["message"].as_str().unwrap().to_string()
}

/// A gateway that federates with actors on loopback: its instance URL is where it listens (so
/// the `Host` of requests to it is its own) and it may reach private addresses.
async fn federating_app() -> TestApp {
    TestApp::self_addressed(|s| s.http.allow_private_addresses = true).await
}

#[tokio::test]
async fn relay_round_trip_with_signatures_both_ways() {
    let app = federating_app().await;
    let token = app.admin_token().await;
    let remote = remote_relay(&app).await;
    let actor = format!("{}/actor", remote.base);
    let [v1, legacy] = both_prefixes(V1);

    let reply = app.request(Method::POST, &v1, Some(&token), Some(json!({"relay_url": actor}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"actor": actor, "followed_back": false})));
    assert_eq!(last_log(&app, &token).await, format!("@admin followed relay: {actor}"));
    // Twice: listed once.
    let reply = app.request(Method::POST, &legacy, Some(&token), Some(json!({"relay_url": actor}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    for path in [&v1, &legacy] {
        assert_eq!(relays(&app, path, &token).await, json!({"relays": [{"actor": actor, "followed_back": false}]}));
    }

    // The job delivers the Follow, signed by the relay actor.
    assert!(app.run_jobs().await >= 1);
    let (follow, valid) = remote.received.lock().unwrap()[0].clone();
    assert!(valid, "the Follow's signature holds against the published key");
    assert_eq!(follow["type"], "Follow");
    assert_eq!(follow["actor"], format!("{}/relay", app.base));
    assert_eq!(follow["object"], actor);

    let accept = json!({
        "id": format!("{}/activities/accept-1", remote.base),
        "type": "Accept",
        "actor": actor,
        "object": follow["id"],
    });
    // Unsigned, forged (another key under the remote's key id), tampered: 401, nothing changes.
    let unsigned = reqwest::Client::new().post(format!("{}/relay/inbox", app.base)).json(&accept).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let forger = signature::generate_pem().unwrap();
    let forged = send_signed(&app, &remote, &forger, "/relay/inbox", &accept).await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(forged.json::<Value>().await.unwrap(), json!({"error": "Invalid HTTP Signature"}));
    assert_eq!(relays(&app, &v1, &token).await["relays"][0]["followed_back"], false);

    // The real Accept.
    let accepted = send_signed(&app, &remote, &remote.pem, "/relay/inbox", &accept).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(relays(&app, &v1, &token).await, json!({"relays": [{"actor": actor, "followed_back": true}]}));
    let body = app.graphql(Some(&token), "{ relays { actor state followedBack lastError } }", json!({})).await;
    assert_eq!(
        body["data"]["relays"],
        json!([{"actor": actor, "state": "ACCEPTED", "followedBack": true, "lastError": null}])
    );

    // Unfollow: the URL string back, a signed Undo delivered.
    let reply = app.request(Method::DELETE, &legacy, Some(&token), Some(json!({"relay_url": actor}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!(actor)));
    assert_eq!(last_log(&app, &token).await, format!("@admin unfollowed relay: {actor}"));
    assert_eq!(relays(&app, &v1, &token).await, json!({"relays": []}));
    app.run_jobs().await;
    let (undo, valid) = remote.received.lock().unwrap().last().cloned().unwrap();
    assert!(valid);
    assert_eq!((undo["type"].as_str(), undo["object"]["type"].as_str()), (Some("Undo"), Some("Follow")));
}

#[tokio::test]
async fn unreachable_relays_stay_pending_then_fail_and_need_force() {
    let app = TestApp::with_settings(|s| s.http.allow_private_addresses = true).await;
    let token = app.admin_token().await;
    let dead = "http://127.0.0.1:9/actor";
    let reply = app.request(Method::POST, V1, Some(&token), Some(json!({"relay_url": dead}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"actor": dead, "followed_back": false})));
    let runner = app.state.job_runner(pleroma_gateway::jobs::RunnerOptions::default());
    assert!(runner.run_once().await.unwrap());
    let body = app.graphql(Some(&token), "{ relays { state lastError } }", json!({})).await;
    assert_eq!(body["data"]["relays"][0]["state"], "PENDING");
    assert!(body["data"]["relays"][0]["lastError"].as_str().unwrap().contains("127.0.0.1:9"));
    // Retried with backoff: not due at once.
    let row = job::Entity::find().filter(job::Column::Kind.eq("relay_follow")).one(&app.state.db.read).await.unwrap();
    let row = row.unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("available", 1));
    assert!(row.run_at > chrono::Utc::now());
    // The last attempt fails for good: FAILED.
    let mut active: job::ActiveModel = row.into();
    active.attempts = sea_orm::Set(pleroma_gateway::jobs::DEFAULT_MAX_ATTEMPTS - 1);
    active.run_at = sea_orm::Set(chrono::Utc::now());
    sea_orm::ActiveModelTrait::update(active, &app.state.db.write).await.unwrap();
    assert!(runner.run_once().await.unwrap());
    let body = app.graphql(Some(&token), "{ relays { state followedBack } }", json!({})).await;
    assert_eq!(body["data"]["relays"][0], json!({"state": "FAILED", "followedBack": false}));

    for path in both_prefixes(V1) {
        // Without force: unreachable, 400 with the URL (Pleroma: 500).
        let reply = app.request(Method::DELETE, &path, Some(&token), Some(json!({"relay_url": dead}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!(dead)), "{path}");
    }
    let reply = app.request(Method::DELETE, V1, Some(&token), Some(json!({"relay_url": dead, "force": true}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!(dead)));
    assert_eq!(relays(&app, V1, &token).await, json!({"relays": []}));
    // Not followed: 400 with the URL (Pleroma: 500).
    let reply = app.request(Method::DELETE, V1, Some(&token), Some(json!({"relay_url": dead, "force": true}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!(dead)));
}

#[tokio::test]
async fn relay_errors_and_refusals() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for path in both_prefixes(V1) {
        let reply = app.request(Method::POST, &path, Some(&token), Some(json!({"relay_url": "not a url"}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!("not a url")));
        let reply = app.request(Method::POST, &path, Some(&token), Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        let reply = app.request(Method::DELETE, &path, Some(&token), Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    }
    assert_eq!(relays(&app, V1, &token).await, json!({"relays": []}));
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    assert_eq!(app.get(V1, Some(&mod_token)).await.status, StatusCode::FORBIDDEN);
    let admin = app.admin("reader").await;
    let read_only = app.token(&admin, "admin:read").await;
    assert_eq!(app.get(V1, Some(&read_only)).await.status, StatusCode::OK);
    let reply =
        app.request(Method::POST, V1, Some(&read_only), Some(json!({"relay_url": "https://r.example/actor"}))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn actor_documents_webfinger_and_host_meta() {
    let app = TestApp::new().await;
    let user = app.user("alice").await;
    let client = reqwest::Client::new();
    let fetch = |path: String| {
        let client = client.clone();
        async move { client.get(path).header("accept", "application/activity+json").send().await.unwrap() }
    };
    let relay = fetch(format!("{}/relay", app.base)).await;
    assert_eq!(relay.status(), StatusCode::OK);
    assert!(relay.headers()["content-type"].to_str().unwrap().starts_with("application/activity+json"));
    let relay: Value = relay.json().await.unwrap();
    assert_eq!(relay["id"], "http://localhost:4000/relay");
    assert_eq!(relay["publicKey"]["id"], "http://localhost:4000/relay#main-key");
    let pem = relay["publicKey"]["publicKeyPem"].as_str().unwrap().to_string();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    // Generated once: the same key next time.
    let again: Value = fetch(format!("{}/relay", app.base)).await.json().await.unwrap();
    assert_eq!(again["publicKey"]["publicKeyPem"], pem);
    let internal: Value = fetch(format!("{}/internal/fetch", app.base)).await.json().await.unwrap();
    assert_eq!(internal["id"], "http://localhost:4000/internal/fetch");
    assert_ne!(internal["publicKey"]["publicKeyPem"], pem);

    let person: Value = fetch(format!("{}/users/alice", app.base)).await.json().await.unwrap();
    assert_eq!(person["id"], user.ap_id);
    assert_eq!(person["type"], "Person");
    assert_eq!(person["preferredUsername"], "alice");
    assert_eq!(person["publicKey"]["owner"], user.ap_id);
    assert!(signature::public_key(person["publicKey"]["publicKeyPem"].as_str().unwrap()).is_some());
    assert_eq!(fetch(format!("{}/users/nobody", app.base)).await.status(), StatusCode::NOT_FOUND);

    let finger = client
        .get(format!("{}/.well-known/webfinger?resource=acct:alice@localhost:4000", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(finger.status(), StatusCode::OK);
    let finger: Value = finger.json().await.unwrap();
    assert_eq!(finger["subject"], "acct:alice@localhost:4000");
    assert!(finger["links"].as_array().unwrap().iter().any(|l| l["rel"] == "self" && l["href"] == user.ap_id));
    let by_url: Value = client
        .get(format!("{}/.well-known/webfinger?resource={}", app.base, user.ap_id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_url["subject"], "acct:alice@localhost:4000");
    let missing = client
        .get(format!("{}/.well-known/webfinger?resource=acct:bob@localhost:4000", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.text().await.unwrap(), "Couldn't find user");
    let bad = client.get(format!("{}/.well-known/webfinger", app.base)).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let meta = client.get(format!("{}/.well-known/host-meta", app.base)).send().await.unwrap();
    assert_eq!(meta.status(), StatusCode::OK);
    assert!(meta.text().await.unwrap().contains("http://localhost:4000/.well-known/webfinger?resource={uri}"));

    // A user's inbox checks signatures too.
    let unsigned =
        client.post(format!("{}/users/alice/inbox", app.base)).json(&json!({"type": "Like"})).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let unsigned = client.post(format!("{}/inbox", app.base)).json(&json!({"type": "Like"})).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rejected_follows_and_activities_signed_by_another_actor() {
    let app = federating_app().await;
    let token = app.admin_token().await;
    let remote = remote_relay(&app).await;
    let actor = format!("{}/actor", remote.base);
    let reply = app.request(Method::POST, V1, Some(&token), Some(json!({"relay_url": actor}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    app.run_jobs().await;
    let (follow, _) = remote.received.lock().unwrap()[0].clone();

    // Signed by the remote, but claiming another actor: refused, nothing changes.
    let impostor = json!({"type": "Accept", "actor": "https://other.example/actor", "object": follow["id"]});
    let reply = send_signed(&app, &remote, &remote.pem, "/inbox", &impostor).await;
    assert_eq!(reply.status(), StatusCode::FORBIDDEN);
    // The relay refuses.
    let reject = json!({"type": "Reject", "actor": actor, "object": follow});
    let reply = send_signed(&app, &remote, &remote.pem, "/relay/inbox", &reject).await;
    assert_eq!(reply.status(), StatusCode::OK);
    let body = app.graphql(Some(&token), "{ relays { state followedBack } }", json!({})).await;
    assert_eq!(body["data"]["relays"], json!([{"state": "REJECTED", "followedBack": false}]));
    assert_eq!(relays(&app, V1, &token).await, json!({"relays": [{"actor": actor, "followed_back": false}]}));

    // Following again sends a new Follow.
    let reply = app.request(Method::POST, V1, Some(&token), Some(json!({"relay_url": actor}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"actor": actor, "followed_back": false})));
    app.run_jobs().await;
    assert_eq!(remote.received.lock().unwrap().len(), 2);
    let body = app.graphql(Some(&token), "{ relays { state } }", json!({})).await;
    assert_eq!(body["data"]["relays"], json!([{"state": "PENDING"}]));
}

#[tokio::test]
async fn inbox_refuses_a_body_that_does_not_match_its_digest() {
    let app = federating_app().await;
    let remote = remote_relay(&app).await;
    let url = url::Url::parse(&format!("{}/inbox", app.base)).unwrap();
    let key = signature::private_key(&remote.pem).unwrap();
    let signed = br#"{"type":"Accept"}"#;
    let mut request = reqwest::Client::new().post(url.clone()).header("content-type", "application/activity+json");
    for (name, value) in signature::sign(&key, &format!("{}/actor#main-key", remote.base), "POST", &url, Some(signed)) {
        request = request.header(name, value);
    }
    let reply = request.body(r#"{"type":"Reject"}"#).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
}

/// A follow sent and pending: the app, an admin token, the remote relay and our Follow.
async fn followed(app: &TestApp) -> (String, Remote, Value) {
    let token = app.admin_token().await;
    let remote = remote_relay(app).await;
    let actor = format!("{}/actor", remote.base);
    let reply = app.request(Method::POST, V1, Some(&token), Some(json!({"relay_url": actor}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    app.run_jobs().await;
    let follow = remote.received.lock().unwrap()[0].0.clone();
    (token, remote, follow)
}

#[tokio::test]
async fn accepts_that_do_not_name_our_follow_change_nothing() {
    let app = federating_app().await;
    let (token, remote, follow) = followed(&app).await;
    let actor = format!("{}/actor", remote.base);
    for object in
        [json!({"type": "Follow"}), json!(null), json!("https://elsewhere.example/activities/1"), json!({"id": 5})]
    {
        let accept = json!({"type": "Accept", "actor": actor, "object": object});
        let reply = send_signed(&app, &remote, &remote.pem, "/relay/inbox", &accept).await;
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(relays(&app, V1, &token).await["relays"][0]["followed_back"], false, "{object}");
    }
    let accept = json!({"type": "Accept", "actor": actor, "object": {"id": follow["id"], "type": "Follow"}});
    send_signed(&app, &remote, &remote.pem, "/relay/inbox", &accept).await;
    assert_eq!(relays(&app, V1, &token).await["relays"][0]["followed_back"], true);
}

#[tokio::test]
async fn a_key_on_another_origin_cannot_accept_for_the_relay() {
    let app = federating_app().await;
    let (token, remote, follow) = followed(&app).await;
    // The attacker serves a key whose document names the relay's actor as its owner.
    let attacker = remote_relay(&app).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let evil = format!("http://{}", listener.local_addr().unwrap());
    let pem = attacker.pem.clone();
    let (owner, key_url) = (format!("{}/actor", remote.base), format!("{evil}/key"));
    let fetched = Arc::new(Mutex::new(0));
    let count = fetched.clone();
    let router = Router::new().route(
        "/key",
        get(move || {
            let key = signature::private_key(&pem).unwrap();
            *count.lock().unwrap() += 1;
            let document = json!({"id": key_url, "owner": owner, "publicKeyPem": signature::public_pem(&key).unwrap()});
            async move { Json(document) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    let accept = json!({"type": "Accept", "actor": format!("{}/actor", remote.base), "object": follow["id"]});
    let url = url::Url::parse(&format!("{}/relay/inbox", app.base)).unwrap();
    let body = serde_json::to_vec(&accept).unwrap();
    let key = signature::private_key(&attacker.pem).unwrap();
    let mut request = reqwest::Client::new().post(url.clone()).header("content-type", "application/activity+json");
    for (name, value) in signature::sign(&key, &format!("{evil}/key"), "POST", &url, Some(&body)) {
        request = request.header(name, value);
    }
    let reply = request.body(body).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::FORBIDDEN);
    assert_eq!(*fetched.lock().unwrap(), 0, "the key on another origin was fetched");
    assert_eq!(relays(&app, V1, &token).await["relays"][0]["followed_back"], false);
}
