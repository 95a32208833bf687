//! Interoperability with an ActivityPub implementation this project did not write: a small server
//! ("the peer") built on Lemmy's `activitypub_federation` crate, on loopback beside a gateway.
//! The library does the protocol work itself: it fingers the gateway user, fetches her actor,
//! signs what it sends, and verifies the digest and signature of what it receives (fetching the
//! signer's actor for the key). The peer's user follows a local user (the gateway answers
//! Accept), receives her public status, and its own status addressed to her arrives here.
//!
//! The library runs in its debug mode: it refuses http, hosts with ports and IP-address hosts
//! otherwise, so the gateway is addressed as `http://localhost:PORT` too (its loopback outbound
//! requests allowed by `[http] allow_private_addresses`).
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use activitypub_federation::{
    axum::{
        inbox::{receive_activity, ActivityData},
        json::FederationJson,
    },
    config::{Data, FederationConfig, FederationMiddleware},
    fetch::{
        object_id::ObjectId,
        webfinger::{build_webfinger_response, extract_webfinger_name, webfinger_resolve_actor, Webfinger},
    },
    http_signatures::generate_actor_keypair,
    protocol::{context::WithContext, public_key::PublicKey, verification::verify_domains_match},
    traits::{Activity, Actor, Object},
};
use axum::{
    extract::{Path, Query},
    http::StatusCode as AxumStatus,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use entity::{follow, status, user};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use crate::common::TestApp;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The peer's errors: what the library reports, answered as a 400 to the sender.
#[derive(Debug)]
struct PeerError(String);

impl std::fmt::Display for PeerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<activitypub_federation::error::Error> for PeerError {
    fn from(e: activitypub_federation::error::Error) -> Self {
        PeerError(e.to_string())
    }
}

impl From<url::ParseError> for PeerError {
    fn from(e: url::ParseError) -> Self {
        PeerError(e.to_string())
    }
}

impl IntoResponse for PeerError {
    fn into_response(self) -> Response {
        (AxumStatus::BAD_REQUEST, self.0).into_response()
    }
}

/// An actor as the peer keeps it: its own user (with a private key) or one it fetched.
#[derive(Clone, Debug)]
struct PeerActor {
    ap_id: Url,
    nickname: String,
    inbox: Url,
    public_key_pem: String,
    private_key_pem: Option<String>,
}

/// An actor document as the library reads and serves it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Person {
    #[serde(rename = "type")]
    kind: String,
    id: ObjectId<PeerActor>,
    preferred_username: String,
    inbox: Url,
    public_key: PublicKey,
}

/// The peer's state: its user, the actors it fetched, and every activity it accepted.
#[derive(Default)]
struct PeerDb {
    actors: Mutex<HashMap<Url, PeerActor>>,
    received: Mutex<Vec<Value>>,
}

type PeerData = Arc<PeerDb>;

#[async_trait::async_trait]
impl Object for PeerActor {
    type DataType = PeerData;
    type Kind = Person;
    type Error = PeerError;

    fn id(&self) -> &Url {
        &self.ap_id
    }

    async fn read_from_id(id: Url, data: &Data<PeerData>) -> Result<Option<Self>, PeerError> {
        Ok(data.actors.lock().unwrap().get(&id).cloned())
    }

    async fn into_json(self, _data: &Data<PeerData>) -> Result<Person, PeerError> {
        Ok(Person {
            kind: "Person".into(),
            id: self.ap_id.clone().into(),
            preferred_username: self.nickname.clone(),
            inbox: self.inbox.clone(),
            public_key: self.public_key(),
        })
    }

    async fn verify(json: &Person, expected_domain: &Url, _data: &Data<PeerData>) -> Result<(), PeerError> {
        Ok(verify_domains_match(json.id.inner(), expected_domain)?)
    }

    async fn from_json(json: Person, data: &Data<PeerData>) -> Result<Self, PeerError> {
        let actor = PeerActor {
            ap_id: json.id.into_inner(),
            nickname: json.preferred_username,
            inbox: json.inbox,
            public_key_pem: json.public_key.public_key_pem,
            private_key_pem: None,
        };
        data.actors.lock().unwrap().insert(actor.ap_id.clone(), actor.clone());
        Ok(actor)
    }
}

impl Actor for PeerActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
}

/// Any activity, sent or received: the library checks its id against its actor's domain,
/// fetches the actor, and verifies the request's digest and signature before `receive`.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Act {
    id: Url,
    #[serde(rename = "type")]
    kind: String,
    actor: ObjectId<PeerActor>,
    object: Value,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    to: Value,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    cc: Value,
}

#[async_trait::async_trait]
impl Activity for Act {
    type DataType = PeerData;
    type Error = PeerError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, _data: &Data<PeerData>) -> Result<(), PeerError> {
        Ok(())
    }

    async fn receive(self, data: &Data<PeerData>) -> Result<(), PeerError> {
        let value = serde_json::to_value(&self).map_err(|e| PeerError(e.to_string()))?;
        data.received.lock().unwrap().push(value);
        Ok(())
    }
}

async fn peer_actor(Path(name): Path<String>, data: Data<PeerData>) -> Result<Response, PeerError> {
    let id = Url::parse(&format!("http://{}/users/{name}", data.domain()))?;
    let actor = data.actors.lock().unwrap().get(&id).cloned();
    match actor {
        Some(actor) => Ok(FederationJson(WithContext::new_default(actor.into_json(&data).await?)).into_response()),
        None => Ok(AxumStatus::NOT_FOUND.into_response()),
    }
}

async fn peer_inbox(data: Data<PeerData>, activity: ActivityData) -> Result<(), PeerError> {
    receive_activity::<WithContext<Act>, PeerActor, PeerData>(activity, &data).await
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: String,
}

async fn peer_webfinger(Query(q): Query<WebfingerQuery>, data: Data<PeerData>) -> Result<Json<Webfinger>, PeerError> {
    let name = extract_webfinger_name(&q.resource, &data)?;
    let id = Url::parse(&format!("http://{}/users/{name}", data.domain()))?;
    Ok(Json(build_webfinger_response(q.resource.clone(), id)))
}

/// The peer on a loopback port: its config (debug mode) and its user `lemmy`.
async fn start_peer() -> (FederationConfig<PeerData>, PeerActor) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let domain = format!("localhost:{}", listener.local_addr().unwrap().port());
    let db: PeerData = Arc::default();
    let keys = generate_actor_keypair().unwrap();
    let me = PeerActor {
        ap_id: Url::parse(&format!("http://{domain}/users/lemmy")).unwrap(),
        nickname: "lemmy".into(),
        inbox: Url::parse(&format!("http://{domain}/users/lemmy/inbox")).unwrap(),
        public_key_pem: keys.public_key,
        private_key_pem: Some(keys.private_key),
    };
    db.actors.lock().unwrap().insert(me.ap_id.clone(), me.clone());
    let config = FederationConfig::builder().domain(domain).app_data(db).debug(true).build().await.unwrap();
    let router = Router::new()
        .route("/users/{name}", get(peer_actor))
        .route("/users/{name}/inbox", post(peer_inbox))
        .route("/.well-known/webfinger", get(peer_webfinger))
        .layer(FederationMiddleware::new(config.clone()));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (config, me)
}

/// A gateway addressed as `http://localhost:PORT` (the library refuses IP-address hosts).
async fn gateway() -> TestApp {
    TestApp::self_addressed(|s| {
        s.http.allow_private_addresses = true;
        s.instance_url = s.instance_url.replace("127.0.0.1", "localhost");
    })
    .await
}

/// Signs and sends `activity` from the peer's user to `inbox` (the library's debug mode sends
/// at once, in this task).
async fn send(data: &Data<PeerData>, me: &PeerActor, activity: Act, inbox: Url) {
    activitypub_federation::activity_queue::queue_activity(&WithContext::new_default(activity), me, vec![inbox], data)
        .await
        .unwrap();
}

fn received(data: &Data<PeerData>, kind: &str) -> Vec<Value> {
    data.received.lock().unwrap().iter().filter(|a| a["type"] == kind).cloned().collect()
}

#[tokio::test]
async fn a_server_on_activitypub_federation_follows_receives_and_posts() {
    let gw = gateway().await;
    let alice = gw.user("alice").await;
    let token = gw.token(&alice, "read write follow").await;
    let (config, me) = start_peer().await;
    let data = config.to_request_data();

    // WebFinger and actor fetch by the library.
    let host = gw.state.settings().host();
    let alice_there: PeerActor = webfinger_resolve_actor(&format!("alice@{host}"), &data).await.unwrap();
    assert_eq!(alice_there.ap_id.as_str(), alice.ap_id);

    // A signed Follow; the gateway stores it and answers Accept, which the library verifies.
    let follow_id = Url::parse(&format!("http://{}/activities/follow-1", data.domain())).unwrap();
    let follow_activity = Act {
        id: follow_id.clone(),
        kind: "Follow".into(),
        actor: me.ap_id.clone().into(),
        object: json!(alice.ap_id),
        to: json!([alice.ap_id]),
        cc: Value::Null,
    };
    send(&data, &me, follow_activity, alice_there.inbox.clone()).await;
    gw.run_jobs().await;
    let lemmy = user::Entity::find()
        .filter(user::Column::ApId.eq(me.ap_id.as_str()))
        .one(&gw.state.db.read)
        .await
        .unwrap()
        .expect("the gateway fetched the peer's actor to check the Follow's signature");
    assert!(!lemmy.local);
    let row = follow::Entity::find_by_id((lemmy.id.clone(), alice.id.clone())).one(&gw.state.db.read).await.unwrap();
    assert!(row.is_some(), "the Follow is stored");
    let accepts = received(&data, "Accept");
    assert_eq!(accepts.len(), 1, "the peer verified and took the gateway's Accept: {:?}", data.received.lock());
    let accepted = &accepts[0]["object"];
    let accepted_id = accepted.as_str().or(accepted["id"].as_str());
    assert_eq!(accepted_id, Some(follow_id.as_str()), "the Accept names the Follow");
    assert_eq!(accepts[0]["actor"], json!(alice.ap_id));

    // alice's public status reaches her follower on the peer, signed.
    let reply = gw
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&token),
            Some(json!({"status": "hello, fediverse", "visibility": "public"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    gw.run_jobs().await;
    let creates = received(&data, "Create");
    assert_eq!(creates.len(), 1, "the status was delivered once: {:?}", data.received.lock());
    let note = &creates[0]["object"];
    assert_eq!(note["type"], "Note");
    assert_eq!(creates[0]["actor"], json!(alice.ap_id));
    assert!(note["content"].as_str().unwrap_or_default().contains("hello, fediverse"), "{note}");
    assert!(creates[0]["to"].to_string().contains(PUBLIC) || creates[0]["cc"].to_string().contains(PUBLIC));

    // The peer's public status, mentioning alice, shows on the gateway.
    let note_id = format!("http://{}/notes/1", data.domain());
    let note = json!({
        "id": note_id,
        "type": "Note",
        "attributedTo": me.ap_id,
        "content": format!("<p>hello from a library, <a href=\"{}\">@alice</a></p>", alice.ap_id),
        "to": [PUBLIC],
        "cc": [alice.ap_id],
        "published": chrono::Utc::now().to_rfc3339(),
        "tag": [{"type": "Mention", "href": alice.ap_id, "name": format!("@alice@{host}")}],
    });
    let create = Act {
        id: Url::parse(&format!("http://{}/activities/create-1", data.domain())).unwrap(),
        kind: "Create".into(),
        actor: me.ap_id.clone().into(),
        object: note,
        to: json!([PUBLIC]),
        cc: json!([alice.ap_id]),
    };
    send(&data, &me, create, alice_there.inbox.clone()).await;
    gw.run_jobs().await;
    let stored = status::Entity::find()
        .filter(status::Column::ApId.eq(note_id.as_str()))
        .one(&gw.state.db.read)
        .await
        .unwrap()
        .expect("the peer's Create is stored");
    assert_eq!(stored.user_id, lemmy.id);
    let admin = gw.admin("admin").await;
    let admin_token = gw.token(&admin, "admin:read").await;
    let listed = gw.request(Method::GET, "/api/v1/pleroma/admin/statuses", Some(&admin_token), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let shown = listed.body.as_array().unwrap().iter().find(|s| s["uri"] == json!(note_id)).cloned();
    let shown = shown.unwrap_or_else(|| panic!("the peer's status is among the admin statuses: {}", listed.text));
    assert!(shown["content"].as_str().unwrap_or_default().contains("hello from a library"), "{shown}");
    assert_eq!(shown["account"]["acct"], json!(format!("lemmy@{}", data.domain())));
}
