//! The minimum of ActivityPub the gateway speaks: the instance actor (`/internal/fetch`), the
//! relay actor (`/relay`) and each local user's actor document, each with an RSA key generated
//! once and kept in `instance_secrets`; WebFinger and host-meta; an inbox that verifies HTTP
//! signatures (the sender's key fetched and cached in `remote_keys`, see [`keys`]); and signed
//! deliveries. Every fetch and delivery goes through [`crate::outbound`].
//! Relay follows live in [`relays`]; local activities go out through [`publisher`]; remote
//! accounts are resolved on demand in [`resolve`], and each remote host's software is read by
//! [`instances`].
pub mod actors;
pub mod collections;
pub mod deliveries;
pub mod fetcher;
pub mod inbox;
pub mod instances;
pub mod kept;
pub mod keys;
mod notes;
pub mod objects;
pub mod publisher;
pub mod questions;
pub mod relays;
pub mod resolve;
pub mod signature;

use entity::user;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

pub use keys::{verify_request, InboxRefusal, KeyFetches};

use crate::{config::Settings, db::Db, error::AppError, outbound};

/// The media type of ActivityPub documents.
pub const ACTIVITY_JSON: &str = "application/activity+json";
const ACCEPT: &str =
    "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// The instance's own actors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalActor {
    /// `/relay`, which follows relays.
    Relay,
    /// `/internal/fetch`, the instance actor that signs fetches.
    Internal,
}

impl LocalActor {
    fn path(self) -> &'static str {
        match self {
            LocalActor::Relay => "/relay",
            LocalActor::Internal => "/internal/fetch",
        }
    }

    fn secret(self) -> &'static str {
        match self {
            LocalActor::Relay => "actor:relay",
            LocalActor::Internal => "actor:internal",
        }
    }

    /// The actor's id under `base`.
    pub fn id(self, base: &str) -> String {
        format!("{base}{}", self.path())
    }
}

/// An actor's private key, made the first time it is needed.
async fn key_pem<C: ConnectionTrait>(conn: &C, name: &str) -> Result<String, AppError> {
    super::instance_secrets::get_or_create(conn, name, signature::generate_pem).await
}

/// The signing key of a local actor and its key id.
pub async fn local_key(db: &Db, base: &str, actor: LocalActor) -> Result<(rsa::RsaPrivateKey, String), AppError> {
    let pem = key_pem(&db.write, actor.secret()).await?;
    Ok((signature::private_key(&pem)?, format!("{}#main-key", actor.id(base))))
}

fn context() -> Value {
    json!(["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", {"@language": "und"}])
}

/// The document of `/relay` or `/internal/fetch` (Pleroma's `UserView` of its service actors).
pub async fn local_actor_document(db: &Db, base: &str, actor: LocalActor) -> Result<Value, AppError> {
    let (key, key_id) = local_key(db, base, actor).await?;
    let id = actor.id(base);
    let nickname = match actor {
        LocalActor::Relay => "relay",
        LocalActor::Internal => "internal.fetch",
    };
    Ok(json!({
        "@context": context(),
        "id": id,
        "type": "Application",
        "preferredUsername": nickname,
        "name": nickname,
        "summary": "",
        "url": id,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "manuallyApprovesFollowers": false,
        "discoverable": false,
        "invisible": true,
        "endpoints": {"sharedInbox": format!("{base}/inbox")},
        "publicKey": {"id": key_id, "owner": id, "publicKeyPem": signature::public_pem(&key)?},
    }))
}

/// A local user's actor document with its public key.
pub async fn user_document(db: &Db, base: &str, user: &user::Model) -> Result<Value, AppError> {
    let pem = key_pem(&db.write, &format!("actor:user:{}", user.id)).await?;
    let key = signature::private_key(&pem)?;
    let id = &user.ap_id;
    Ok(json!({
        "@context": context(),
        "id": id,
        "type": if user.actor_type.is_empty() { "Person" } else { user.actor_type.as_str() },
        "preferredUsername": user.nickname,
        "name": user.name.clone().unwrap_or_else(|| user.nickname.clone()),
        "summary": user.bio,
        "url": id,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "manuallyApprovesFollowers": user.is_locked,
        "discoverable": user.is_discoverable,
        "endpoints": {"sharedInbox": format!("{base}/inbox")},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": signature::public_pem(&key)?},
    }))
}

/// Fetch an ActivityPub document, signed by the instance actor, through the outbound client
/// (`[http]` limits and address rule).
pub async fn fetch_document(db: &Db, settings: &Settings, url: &str) -> Result<Value, outbound::Error> {
    let client = outbound::Client::new(settings.http.policy(), settings.http.federation_limits())?;
    let parsed = client.url(url)?;
    let (key, key_id) = local_key(db, &settings.instance_url, LocalActor::Internal)
        .await
        .map_err(|e| outbound::Error::Failed(e.to_string()))?;
    let mut request = client.get(parsed.clone()).header("accept", ACCEPT);
    for (name, value) in signature::sign(&key, &key_id, "GET", &parsed, None) {
        request = request.header(name, value);
    }
    let response = request.send().await?;
    if !(200..300).contains(&response.status()) {
        return Err(outbound::Error::status(url, response.status()));
    }
    response.json().await
}

/// POST `activity` to `inbox`, signed by `actor`.
pub async fn deliver(
    db: &Db,
    settings: &Settings,
    actor: LocalActor,
    inbox: &str,
    activity: &Value,
) -> Result<(), String> {
    let (key, key_id) = local_key(db, &settings.instance_url, actor).await.map_err(|e| e.to_string())?;
    deliver_signed(settings, &key, &key_id, inbox, activity).await
}

/// The signing key of a local user and its key id.
pub async fn user_key(db: &Db, user: &user::Model) -> Result<(rsa::RsaPrivateKey, String), AppError> {
    let pem = key_pem(&db.write, &format!("actor:user:{}", user.id)).await?;
    Ok((signature::private_key(&pem)?, format!("{}#main-key", user.ap_id)))
}

/// POST `activity` to `inbox`, signed with `key` under `key_id`.
pub async fn deliver_signed(
    settings: &Settings,
    key: &rsa::RsaPrivateKey,
    key_id: &str,
    inbox: &str,
    activity: &Value,
) -> Result<(), String> {
    let status = post_signed(settings, key, key_id, inbox, activity).await?;
    if !(200..300).contains(&status) {
        return Err(format!("{inbox}: HTTP {status}"));
    }
    Ok(())
}

/// POST `activity` to `inbox`, signed with `key` under `key_id`: the answer's status, or why
/// there was none (refused address, connection, timeout).
pub async fn post_signed(
    settings: &Settings,
    key: &rsa::RsaPrivateKey,
    key_id: &str,
    inbox: &str,
    activity: &Value,
) -> Result<u16, String> {
    let client =
        outbound::Client::new(settings.http.policy(), settings.http.federation_limits()).map_err(|e| e.to_string())?;
    let parsed = client.url(inbox).map_err(|e| e.to_string())?;
    let body = serde_json::to_vec(activity).map_err(|e| e.to_string())?;
    let mut request =
        client.post(parsed.clone(), body.clone()).header("content-type", ACTIVITY_JSON).header("accept", ACCEPT);
    for (name, value) in signature::sign(key, key_id, "POST", &parsed, Some(&body)) {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    Ok(response.status())
}

/// Handle an activity whose signature held (`signer` is the signing actor): see [`inbox`].
/// Only a signer that is not the activity's actor is refused; anything else is answered `"ok"`
/// as Pleroma answers it, what could not be used logged.
pub async fn receive(db: &Db, settings: &Settings, signer: &str, activity: &Value) -> Result<(), AppError> {
    let actor = activity["actor"].as_str().or_else(|| activity["actor"]["id"].as_str()).unwrap_or_default();
    if actor != signer {
        return Err(AppError::Forbidden("the signer is not the activity's actor".into()));
    }
    let kind = activity["type"].as_str().unwrap_or_default();
    let id = activity["id"].as_str().unwrap_or_default();
    match inbox::handle(db, settings, activity).await {
        Ok(inbox::Outcome::Done) => tracing::debug!(%kind, %id, %actor, "inbox: activity handled"),
        Ok(inbox::Outcome::Rejected) => tracing::info!(%kind, %id, %actor, "inbox: activity refused by the policies"),
        Ok(inbox::Outcome::Ignored(why)) => tracing::info!(%kind, %id, %actor, %why, "inbox: activity ignored"),
        Err(e) => tracing::warn!(%kind, %id, %actor, error = %e, "inbox: activity failed"),
    }
    Ok(())
}
