//! The minimum of ActivityPub the gateway speaks: the instance actor (`/internal/fetch`), the
//! relay actor (`/relay`) and each local user's actor document, each with an RSA key generated
//! once and kept in `instance_secrets`; WebFinger and host-meta; an inbox that verifies HTTP
//! signatures (the sender's key fetched and cached in `remote_keys`); and signed deliveries.
//! Relay follows live in [`relays`].
pub mod relays;
pub mod signature;

use chrono::Utc;
use entity::{remote_key, user};
use sea_orm::{sea_query::OnConflict, ConnectionTrait, EntityTrait, Set};
use serde_json::{json, Value};

use crate::{db::Db, error::AppError};

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

/// An HTTP client for federation: short timeouts, few redirects.
pub fn client() -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("pleroma-gateway/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Fetch an ActivityPub document, signed by the instance actor.
pub async fn fetch_document(db: &Db, base: &str, url: &str) -> Result<Value, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{url}: not an http(s) URL"));
    }
    let (key, key_id) = local_key(db, base, LocalActor::Internal).await.map_err(|e| e.to_string())?;
    let mut request = client().map_err(|e| e.to_string())?.get(parsed.clone()).header("accept", ACCEPT);
    for (name, value) in signature::sign(&key, &key_id, "GET", &parsed, None) {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url}: HTTP {}", response.status().as_u16()));
    }
    response.json::<Value>().await.map_err(|e| format!("{url}: {e}"))
}

/// POST `activity` to `inbox`, signed by `actor`.
pub async fn deliver(db: &Db, base: &str, actor: LocalActor, inbox: &str, activity: &Value) -> Result<(), String> {
    let parsed = url::Url::parse(inbox).map_err(|e| format!("{inbox}: {e}"))?;
    let (key, key_id) = local_key(db, base, actor).await.map_err(|e| e.to_string())?;
    let body = serde_json::to_vec(activity).map_err(|e| e.to_string())?;
    let mut request = client()
        .map_err(|e| e.to_string())?
        .post(parsed.clone())
        .header("content-type", ACTIVITY_JSON)
        .header("accept", ACCEPT);
    for (name, value) in signature::sign(&key, &key_id, "POST", &parsed, Some(&body)) {
        request = request.header(name, value);
    }
    let response = request.body(body).send().await.map_err(|e| format!("{inbox}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{inbox}: HTTP {}", response.status().as_u16()));
    }
    Ok(())
}

/// The public key PEM of `key_id`: from the cache, or fetched from its actor (and cached).
/// `refresh` skips the cache (the key may have rotated).
pub async fn remote_key(db: &Db, base: &str, key_id: &str, refresh: bool) -> Result<(String, String), String> {
    if !refresh {
        if let Ok(Some(row)) = remote_key::Entity::find_by_id(key_id.to_string()).one(&db.read).await {
            return Ok((row.actor, row.public_key_pem));
        }
    }
    let url = key_id.split('#').next().unwrap_or(key_id);
    let document = fetch_document(db, base, url).await?;
    // The key id may name the actor or the key object itself.
    let key = if document.get("publicKeyPem").is_some() { document.clone() } else { document["publicKey"].clone() };
    let pem = key["publicKeyPem"].as_str().ok_or("no publicKeyPem")?.to_string();
    let actor = key["owner"].as_str().or(document["id"].as_str()).ok_or("no key owner")?.to_string();
    let row = remote_key::ActiveModel {
        key_id: Set(key_id.to_string()),
        actor: Set(actor.clone()),
        public_key_pem: Set(pem.clone()),
        fetched_at: Set(Utc::now()),
    };
    remote_key::Entity::insert(row)
        .on_conflict(
            OnConflict::column(remote_key::Column::KeyId)
                .update_columns([
                    remote_key::Column::Actor,
                    remote_key::Column::PublicKeyPem,
                    remote_key::Column::FetchedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&db.write)
        .await
        .map_err(|e| e.to_string())?;
    Ok((actor, pem))
}

/// Verify a signed inbox request; the signer's actor id when the signature holds.
pub async fn verify_request(
    db: &Db,
    base: &str,
    headers: &axum::http::HeaderMap,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> Result<String, String> {
    let (parsed, string) = signature::prepare(headers, method, path_and_query, body).map_err(|r| format!("{r:?}"))?;
    let (actor, pem) = remote_key(db, base, &parsed.key_id, false).await?;
    if signature::verify(&pem, &string, &parsed.signature) {
        return Ok(actor);
    }
    let (actor, pem) = remote_key(db, base, &parsed.key_id, true).await?;
    if signature::verify(&pem, &string, &parsed.signature) {
        Ok(actor)
    } else {
        Err("BadSignature".into())
    }
}

/// Handle an activity whose signature held (`signer` is the signing actor): the `Accept` or
/// `Reject` of a relay follow; anything else is acknowledged and ignored.
pub async fn receive(db: &Db, signer: &str, activity: &Value) -> Result<(), AppError> {
    let actor = activity["actor"].as_str().or_else(|| activity["actor"]["id"].as_str()).unwrap_or_default();
    if actor != signer {
        return Err(AppError::Forbidden("the signer is not the activity's actor".into()));
    }
    match activity["type"].as_str() {
        Some("Accept") => relays::answered(db, actor, &activity["object"], true).await,
        Some("Reject") => relays::answered(db, actor, &activity["object"], false).await,
        _ => Ok(()),
    }
}
