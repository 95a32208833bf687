//! A foreign ActivityPub server for the gateway's interop test: a small program on Lemmy's
//! `activitypub_federation` crate. The library does the protocol work itself: it fingers remote
//! users, fetches their actors, signs what it sends, and verifies the digest and signature of what
//! it receives (fetching the signer's actor for the key) before the peer keeps it.
//!
//! It listens on a loopback port of its own choosing and prints `listening on localhost:PORT` on
//! standard output once it serves. It has one user, `lemmy`. It exits when its standard input
//! closes (so it does not outlive the test that started it). The test drives it over HTTP:
//!
//! - `GET /control/me`: `{"id", "inbox", "domain"}` of its user;
//! - `POST /control/resolve {"handle": "user@host"}`: WebFinger and actor fetch, `{"id", "inbox",
//!   "preferred_username"}`;
//! - `POST /control/follow {"handle": "user@host"}`: resolves, then signs and sends a `Follow` to
//!   the actor's inbox; `{"id": the Follow's id, "actor": as resolve}`;
//! - `POST /control/send {"inbox", "type", "object", "to"?, "cc"?}`: signs and sends an activity of
//!   its user with a new id; `{"id"}`;
//! - `GET /control/received`: every activity the library verified and handed over, oldest first.
//!
//! The library runs in its debug mode: it refuses http, hosts with ports and IP-address hosts
//! otherwise, so the peer and the gateway are both addressed as `http://localhost:PORT`.
use std::{
    collections::HashMap,
    io::Write,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use activitypub_federation::{
    activity_queue::queue_activity,
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
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;
use url::Url;

/// The peer's errors: what the library reports, answered as a 400 with the message.
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

impl From<serde_json::Error> for PeerError {
    fn from(e: serde_json::Error) -> Self {
        PeerError(e.to_string())
    }
}

impl IntoResponse for PeerError {
    fn into_response(self) -> Response {
        eprintln!("ap-peer: {}", self.0);
        (StatusCode::BAD_REQUEST, self.0).into_response()
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

impl PeerActor {
    fn summary(&self) -> Value {
        json!({"id": self.ap_id, "inbox": self.inbox, "preferred_username": self.nickname})
    }
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
struct PeerDb {
    me: PeerActor,
    actors: Mutex<HashMap<Url, PeerActor>>,
    received: Mutex<Vec<Value>>,
    next_id: AtomicU64,
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
        Ok(data.actors.lock().expect("actors").get(&id).cloned())
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
        data.actors.lock().expect("actors").insert(actor.ap_id.clone(), actor.clone());
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
        let value = serde_json::to_value(&self)?;
        data.received.lock().expect("received").push(value);
        Ok(())
    }
}

async fn actor_document(Path(name): Path<String>, data: Data<PeerData>) -> Result<Response, PeerError> {
    let id = Url::parse(&format!("http://{}/users/{name}", data.domain()))?;
    let actor = data.actors.lock().expect("actors").get(&id).cloned();
    match actor {
        Some(actor) => Ok(FederationJson(WithContext::new_default(actor.into_json(&data).await?)).into_response()),
        None => Ok(StatusCode::NOT_FOUND.into_response()),
    }
}

async fn inbox(data: Data<PeerData>, activity: ActivityData) -> Result<(), PeerError> {
    receive_activity::<WithContext<Act>, PeerActor, PeerData>(activity, &data).await
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: String,
}

async fn webfinger(Query(q): Query<WebfingerQuery>, data: Data<PeerData>) -> Result<Json<Webfinger>, PeerError> {
    let name = extract_webfinger_name(&q.resource, &data)?;
    let id = Url::parse(&format!("http://{}/users/{name}", data.domain()))?;
    Ok(Json(build_webfinger_response(q.resource.clone(), id)))
}

async fn control_me(data: Data<PeerData>) -> Json<Value> {
    let mut me = data.me.summary();
    me["domain"] = json!(data.domain());
    Json(me)
}

#[derive(Deserialize)]
struct Handle {
    handle: String,
}

async fn control_resolve(data: Data<PeerData>, Json(q): Json<Handle>) -> Result<Json<Value>, PeerError> {
    let actor: PeerActor = webfinger_resolve_actor(&q.handle, &data).await?;
    Ok(Json(actor.summary()))
}

/// A new activity id of the peer's user.
fn new_id(data: &Data<PeerData>, kind: &str) -> Result<Url, PeerError> {
    let n = data.next_id.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(Url::parse(&format!("http://{}/activities/{}-{n}", data.domain(), kind.to_lowercase()))?)
}

/// Signs and sends `activity` from the peer's user to `inbox` (in debug mode the library sends at
/// once, before this returns, and reports a failed delivery).
async fn deliver(data: &Data<PeerData>, activity: Act, inbox: Url) -> Result<(), PeerError> {
    Ok(queue_activity(&WithContext::new_default(activity), &data.me, vec![inbox], data).await?)
}

async fn control_follow(data: Data<PeerData>, Json(q): Json<Handle>) -> Result<Json<Value>, PeerError> {
    let actor: PeerActor = webfinger_resolve_actor(&q.handle, &data).await?;
    let id = new_id(&data, "Follow")?;
    let follow = Act {
        id: id.clone(),
        kind: "Follow".into(),
        actor: data.me.ap_id.clone().into(),
        object: json!(actor.ap_id),
        to: json!([actor.ap_id]),
        cc: Value::Null,
    };
    deliver(&data, follow, actor.inbox.clone()).await?;
    Ok(Json(json!({"id": id, "actor": actor.summary()})))
}

#[derive(Deserialize)]
struct Send {
    inbox: Url,
    #[serde(rename = "type")]
    kind: String,
    object: Value,
    #[serde(default)]
    to: Value,
    #[serde(default)]
    cc: Value,
}

async fn control_send(data: Data<PeerData>, Json(q): Json<Send>) -> Result<Json<Value>, PeerError> {
    let id = new_id(&data, &q.kind)?;
    let activity =
        Act { id: id.clone(), kind: q.kind, actor: data.me.ap_id.clone().into(), object: q.object, to: q.to, cc: q.cc };
    deliver(&data, activity, q.inbox).await?;
    Ok(Json(json!({"id": id})))
}

async fn control_received(data: Data<PeerData>) -> Json<Vec<Value>> {
    Json(data.received.lock().expect("received").clone())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let domain = format!("localhost:{}", listener.local_addr()?.port());
    let keys = generate_actor_keypair()?;
    let me = PeerActor {
        ap_id: Url::parse(&format!("http://{domain}/users/lemmy"))?,
        nickname: "lemmy".into(),
        inbox: Url::parse(&format!("http://{domain}/users/lemmy/inbox"))?,
        public_key_pem: keys.public_key,
        private_key_pem: Some(keys.private_key),
    };
    let db = PeerDb {
        actors: Mutex::new(HashMap::from([(me.ap_id.clone(), me.clone())])),
        me,
        received: Mutex::default(),
        next_id: AtomicU64::new(0),
    };
    let config = FederationConfig::builder().domain(domain.clone()).app_data(Arc::new(db)).debug(true).build().await?;
    let router = Router::new()
        .route("/users/{name}", get(actor_document))
        .route("/users/{name}/inbox", post(inbox))
        .route("/.well-known/webfinger", get(webfinger))
        .route("/control/me", get(control_me))
        .route("/control/resolve", post(control_resolve))
        .route("/control/follow", post(control_follow))
        .route("/control/send", post(control_send))
        .route("/control/received", get(control_received))
        .layer(FederationMiddleware::new(config));
    // Gone with the test that started it: standard input closes when that process ends, however it ends.
    tokio::spawn(async {
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
        std::process::exit(0);
    });
    println!("listening on {domain}");
    std::io::stdout().flush()?;
    axum::serve(listener, router).await?;
    Ok(())
}
