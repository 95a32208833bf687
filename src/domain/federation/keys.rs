//! Checking a signed inbox request, and the remote keys it needs.
//!
//! Everything that can be checked without the key is checked first ([`signature::prepare`],
//! [`signature::check_host`], the body, the actor's origin), so an anonymous request with a
//! made-up `Signature` costs no fetch unless it is well formed, fresh, addressed to this
//! instance and names a key on its actor's own origin. Then:
//!
//! - a key in the cache (`remote_keys`) is used as it is; it is fetched again only when it no
//!   longer verifies (the actor may have rotated it) and was fetched more than
//!   [`REFETCH_COOLDOWN`] ago (Pleroma's `public_key_refetch_cooldown_seconds`);
//! - a key not in the cache is fetched once (other requests with it wait for that fetch); a
//!   signature it does not verify is refused without a second fetch;
//! - fetches are limited per remote host ([`KeyFetches`]) and go through [`crate::outbound`];
//! - the fetched document must list the key under exactly its `keyId`, and the key's owner,
//!   the document and the `keyId` must share one origin; the owner must be the activity's
//!   actor.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::Utc;
use entity::remote_key;
use sea_orm::{sea_query::OnConflict, EntityTrait, Set};
use serde_json::Value;

use super::{fetch_document, signature};
use crate::{config::Settings, db::Db};

/// A cached key that fails to verify is fetched again only this long after its last fetch.
pub const REFETCH_COOLDOWN: Duration = Duration::from_secs(300);
/// Key fetches one remote host may cause per [`FETCH_WINDOW`].
pub const FETCHES_PER_HOST: u32 = 10;
/// The window of [`FETCHES_PER_HOST`].
pub const FETCH_WINDOW: Duration = Duration::from_secs(60);
/// Most hosts and keys the limiter remembers; beyond that, expired entries are dropped.
const MAX_ENTRIES: usize = 10_000;

/// Key fetches by remote host (at most [`FETCHES_PER_HOST`] per window) and by key (at most
/// one per [`REFETCH_COOLDOWN`]), in this process.
#[derive(Default)]
pub struct KeyFetches {
    state: Mutex<Limiter>,
    /// Keys being fetched for a request not in the cache: a second request with the same new
    /// key (a new actor's activities arrive together) waits for the first one's fetch rather
    /// than being refused by the per-key limit.
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct Limiter {
    hosts: HashMap<String, (Instant, u32)>,
    keys: HashMap<String, Instant>,
}

impl KeyFetches {
    /// Wait until no other request of this process is fetching `key_id` for the first time.
    async fn first_fetch_turn(&self, key_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // Only the map holds the keys no request is fetching or waiting for.
            in_flight.retain(|_, turn| Arc::strong_count(turn) > 1);
            in_flight.entry(key_id.to_string()).or_default().clone()
        };
        turn.lock_owned().await
    }

    /// Whether `key_id` on `host` may be fetched now; counts the fetch when it may.
    pub fn allow(&self, host: &str, key_id: &str) -> bool {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.hosts.len() + state.keys.len() > MAX_ENTRIES {
            state.hosts.retain(|_, (start, _)| now.duration_since(*start) < FETCH_WINDOW);
            state.keys.retain(|_, at| now.duration_since(*at) < REFETCH_COOLDOWN);
        }
        if state.keys.get(key_id).is_some_and(|at| now.duration_since(*at) < REFETCH_COOLDOWN) {
            return false;
        }
        let entry = state.hosts.entry(host.to_ascii_lowercase()).or_insert((now, 0));
        if now.duration_since(entry.0) >= FETCH_WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= FETCHES_PER_HOST {
            return false;
        }
        entry.1 += 1;
        state.keys.insert(key_id.to_string(), now);
        true
    }
}

/// Why an inbox request was refused, with Pleroma's status where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboxRefusal {
    /// Pleroma's `EnsureHostMatchesPlug` (400).
    Host(&'static str),
    /// Unsigned, malformed, stale, tampered or not verified by the key (401); the detail is
    /// logged.
    Signature(String),
    /// The body is not an activity with an actor (400).
    NotAnActivity,
    /// The key is not the activity's actor's (403).
    OtherActor,
    /// Too many key fetches for the key's host just now (503, retry later).
    KeyUnavailable,
}

impl InboxRefusal {
    /// The HTTP status and the error text.
    pub fn status_and_message(&self) -> (u16, &'static str) {
        match self {
            InboxRefusal::Host(message) => (400, message),
            InboxRefusal::Signature(_) => (401, "Invalid HTTP Signature"),
            InboxRefusal::NotAnActivity => (400, "Invalid request."),
            InboxRefusal::OtherActor => (403, "the signer is not the activity's actor"),
            InboxRefusal::KeyUnavailable => (503, "Signing key temporarily unavailable"),
        }
    }
}

/// `(scheme, host, port)` of an http(s) URL.
fn origin(url: &str) -> Option<(String, String, u16)> {
    let url = url::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    Some((url.scheme().to_string(), url.host_str()?.to_ascii_lowercase(), url.port_or_known_default()?))
}

/// The activity's actor id (`actor` as a string or an object with an id).
fn actor_of(activity: &Value) -> Option<&str> {
    activity["actor"].as_str().or_else(|| activity["actor"]["id"].as_str())
}

/// The owner and PEM of `key_id` in the document fetched from it: the document must list the
/// key under exactly that id (an actor's `publicKey`, one of several, or the key object
/// itself), and the owner and the document must be on the key id's origin.
pub fn key_from_document(document: &Value, key_id: &str) -> Result<(String, String), String> {
    let is_key_object = document.get("publicKeyPem").is_some();
    let listed: Vec<&Value> = if is_key_object {
        vec![document]
    } else {
        match &document["publicKey"] {
            Value::Array(keys) => keys.iter().collect(),
            key @ Value::Object(_) => vec![key],
            _ => Vec::new(),
        }
    };
    let key = listed
        .into_iter()
        .find(|k| k["id"].as_str() == Some(key_id))
        .ok_or_else(|| format!("the document does not list the key {key_id}"))?;
    let pem = key["publicKeyPem"].as_str().ok_or("the key has no publicKeyPem")?;
    let owner = if is_key_object {
        key["owner"].as_str()
    } else {
        let actor = document["id"].as_str();
        if key["owner"].as_str().is_some_and(|owner| Some(owner) != actor) {
            return Err("the key's owner is not the actor that lists it".into());
        }
        actor
    }
    .ok_or("the key has no owner")?;
    let key_origin = origin(key_id).ok_or("the key id is not an http(s) URL")?;
    if origin(owner).as_ref() != Some(&key_origin) {
        return Err(format!("the key's owner {owner} is not on the key's origin"));
    }
    if document["id"].as_str().is_some_and(|id| origin(id).as_ref() != Some(&key_origin)) {
        return Err("the document is not on the key's origin".into());
    }
    Ok((owner.to_string(), pem.to_string()))
}

/// Fetch `key_id` (limited per host and per key), check its document and cache it.
async fn fetch_key(
    db: &Db,
    settings: &Settings,
    fetches: &KeyFetches,
    key_id: &str,
) -> Result<(String, String), InboxRefusal> {
    let (_, host, _) =
        origin(key_id).ok_or_else(|| InboxRefusal::Signature("the key id is not an http(s) URL".into()))?;
    if !fetches.allow(&host, key_id) {
        return Err(InboxRefusal::KeyUnavailable);
    }
    let url = key_id.split('#').next().unwrap_or(key_id);
    let document =
        fetch_document(db, settings, url).await.map_err(|e| InboxRefusal::Signature(format!("key fetch: {e}")))?;
    let (owner, pem) = key_from_document(&document, key_id).map_err(InboxRefusal::Signature)?;
    let row = remote_key::ActiveModel {
        key_id: Set(key_id.to_string()),
        actor: Set(owner.clone()),
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
        .map_err(|e| InboxRefusal::Signature(format!("caching the key: {e}")))?;
    Ok((owner, pem))
}

fn verifies(pem: &str, prepared: &signature::Prepared) -> bool {
    prepared.signing_strings.iter().any(|s| signature::verify(pem, s, &prepared.header.signature))
}

/// Check a signed inbox request (see the module's documentation for the order): the
/// activity and its actor when the signature holds.
pub async fn verify_request(
    db: &Db,
    settings: &Settings,
    fetches: &KeyFetches,
    headers: &signature::Headers,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> Result<(String, Value), InboxRefusal> {
    let prepared = signature::prepare(headers, method, path_and_query, body)
        .map_err(|refusal| InboxRefusal::Signature(format!("{refusal:?}")))?;
    signature::check_host(headers, &settings.instance_url).map_err(InboxRefusal::Host)?;
    let activity: Value = serde_json::from_slice(body).map_err(|_| InboxRefusal::NotAnActivity)?;
    let actor = actor_of(&activity).ok_or(InboxRefusal::NotAnActivity)?.to_string();
    let key_id = prepared.header.key_id.as_str();
    let key_origin =
        origin(key_id).ok_or_else(|| InboxRefusal::Signature(format!("key id {key_id} is not an http(s) URL")))?;
    // A key on another origin cannot be the actor's: refused before anything is fetched.
    if origin(&actor).as_ref() != Some(&key_origin) {
        return Err(InboxRefusal::OtherActor);
    }
    let cached = remote_key::Entity::find_by_id(key_id.to_string())
        .one(&db.read)
        .await
        .map_err(|e| InboxRefusal::Signature(format!("reading the key cache: {e}")))?;
    let owner = match cached {
        Some(row) if verifies(&row.public_key_pem, &prepared) => row.actor,
        Some(row) => {
            // Perhaps rotated: fetched again, but not within the cooldown of the last fetch.
            let age = Utc::now().signed_duration_since(row.fetched_at).to_std().unwrap_or_default();
            if age < REFETCH_COOLDOWN {
                return Err(InboxRefusal::Signature("BadSignature (cached key, fetched recently)".into()));
            }
            let (owner, pem) = fetch_key(db, settings, fetches, key_id).await?;
            if !verifies(&pem, &prepared) {
                return Err(InboxRefusal::Signature("BadSignature (refetched key)".into()));
            }
            owner
        }
        None => {
            let _turn = fetches.first_fetch_turn(key_id).await;
            // The request this one waited for may have fetched and cached the key.
            let cached = remote_key::Entity::find_by_id(key_id.to_string())
                .one(&db.read)
                .await
                .map_err(|e| InboxRefusal::Signature(format!("reading the key cache: {e}")))?;
            let (owner, pem) = match cached {
                Some(row) => (row.actor, row.public_key_pem),
                None => fetch_key(db, settings, fetches, key_id).await?,
            };
            if !verifies(&pem, &prepared) {
                return Err(InboxRefusal::Signature("BadSignature".into()));
            }
            owner
        }
    };
    if owner != actor {
        return Err(InboxRefusal::OtherActor);
    }
    Ok((owner, activity))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_document_must_list_the_key_on_the_same_origin() {
        let actor = json!({
            "id": "https://r.example/actor",
            "publicKey": {"id": "https://r.example/actor#main-key", "owner": "https://r.example/actor", "publicKeyPem": "PEM"},
        });
        assert_eq!(
            key_from_document(&actor, "https://r.example/actor#main-key"),
            Ok(("https://r.example/actor".into(), "PEM".into()))
        );
        // Another key id than the one listed.
        assert!(key_from_document(&actor, "https://r.example/actor#other").is_err());
        // A key object naming an owner elsewhere.
        let key =
            json!({"id": "https://evil.example/key", "owner": "https://victim.example/actor", "publicKeyPem": "PEM"});
        assert!(key_from_document(&key, "https://evil.example/key").unwrap_err().contains("origin"));
        let key = json!({"id": "https://r.example/key", "owner": "https://r.example/actor", "publicKeyPem": "PEM"});
        assert_eq!(key_from_document(&key, "https://r.example/key").unwrap().0, "https://r.example/actor");
        // An actor document listing a key whose owner is someone else.
        let lying = json!({
            "id": "https://r.example/actor",
            "publicKey": {"id": "https://r.example/actor#main-key", "owner": "https://r.example/other", "publicKeyPem": "PEM"},
        });
        assert!(key_from_document(&lying, "https://r.example/actor#main-key").is_err());
        // A document from another origin (say, after a redirect).
        let moved = json!({
            "id": "https://victim.example/actor",
            "publicKey": {"id": "https://r.example/actor#main-key", "publicKeyPem": "PEM"},
        });
        assert!(key_from_document(&moved, "https://r.example/actor#main-key").is_err());
        // Several keys: the one named.
        let several = json!({
            "id": "https://r.example/actor",
            "publicKey": [
                {"id": "https://r.example/actor#a", "publicKeyPem": "A"},
                {"id": "https://r.example/actor#b", "publicKeyPem": "B"},
            ],
        });
        assert_eq!(key_from_document(&several, "https://r.example/actor#b").unwrap().1, "B");
    }

    #[test]
    fn key_fetches_are_limited_per_host_and_per_key() {
        let fetches = KeyFetches::default();
        assert!(fetches.allow("r.example", "https://r.example/a#k"));
        // The same key again within the cooldown: no.
        assert!(!fetches.allow("r.example", "https://r.example/a#k"));
        for i in 1..FETCHES_PER_HOST {
            assert!(fetches.allow("r.example", &format!("https://r.example/{i}#k")));
        }
        assert!(!fetches.allow("R.example", "https://r.example/new#k"));
        assert!(fetches.allow("other.example", "https://other.example/a#k"));
    }
}
