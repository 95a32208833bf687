//! Remote accounts on demand (Pleroma's `User.get_or_fetch`, `WebFinger.finger` and
//! `ActivityPub.make_user_from_nickname`): an actor URL is fetched as it is; `nick@host`,
//! `@nick@host` and `acct:nick@host` are fingered first (`/.well-known/webfinger` on the host),
//! then the actor its `self` link names is fetched and stored. A stored actor older than a day
//! is fetched again ([`actors::STALE_AFTER`], Pleroma's `needs_update?`), a failed refresh
//! keeping the stored row.
//!
//! A request waits for these fetches, so a host that failed is not asked again on a request
//! path for [`RETRY_AFTER`] (its instance row's `unreachable_since`, set by the failure), and each
//! fetch has the outbound client's federation timeout.
use chrono::{Duration, Utc};
use entity::{instance, user};
use sea_orm::EntityTrait;
use serde_json::Value;

use super::actors::{self, Unresolved};
use crate::{
    config::Settings,
    db::Db,
    domain::{accounts, mrf},
    error::AppError,
    outbound,
};

/// A host whose last fetch failed is left alone on request paths for this long.
pub const RETRY_AFTER: Duration = Duration::hours(1);

/// `nick@host` from `nick@host`, `@nick@host` or `acct:nick@host` (`None` for anything else,
/// an actor URL included).
pub fn parse_acct(query: &str) -> Option<(String, String)> {
    let query = query.trim();
    let query = query.strip_prefix("acct:").unwrap_or(query);
    let query = query.strip_prefix('@').unwrap_or(query);
    let (nick, host) = query.split_once('@')?;
    let valid_nick = !nick.is_empty() && nick.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let valid_host = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !host.starts_with(['.', '-', ':']);
    (valid_nick && valid_host).then(|| (nick.to_string(), host.to_ascii_lowercase()))
}

/// Whether `query` is an http(s) URL.
fn is_actor_url(query: &str) -> bool {
    url::Url::parse(query.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Whether a request may wait on `host` now: not when its last fetch failed less than
/// [`RETRY_AFTER`] ago.
pub async fn may_fetch(db: &Db, host: &str) -> Result<bool, AppError> {
    let Some(row) = instance::Entity::find_by_id(host.to_string()).one(&db.read).await? else { return Ok(true) };
    Ok(row.unreachable_since.is_none() || Utc::now() - row.updated_at > RETRY_AFTER)
}

/// A fetch from `host` failed to connect or timed out: its instance row says since when.
async fn failed(db: &Db, host: &str, error: &outbound::Error) -> Result<(), AppError> {
    if matches!(error, outbound::Error::Failed(_)) && !host.is_empty() {
        accounts::set_reachability(&db.write, host, Some(Utc::now())).await?;
    }
    Ok(())
}

/// The actor id WebFinger gives for `nick@host`: the `self` link of an ActivityPub type.
pub async fn webfinger(db: &Db, settings: &Settings, nick: &str, host: &str) -> Result<String, Unresolved> {
    let client = outbound::Client::new(settings.http.policy(), settings.http.federation_limits())
        .map_err(|e| Unresolved::Fetch(e.to_string()))?;
    let resource = format!("acct:{nick}@{host}");
    // WebFinger is HTTPS (RFC 7033 §9.1); plain HTTP is tried after it only where private
    // addresses are allowed (development and tests on loopback).
    let schemes: &[&str] = if settings.http.allow_private_addresses { &["https", "http"] } else { &["https"] };
    let mut last = String::new();
    for scheme in schemes {
        let mut url = client
            .url(&format!("{scheme}://{host}/.well-known/webfinger"))
            .map_err(|e| Unresolved::Fetch(e.to_string()))?;
        url.query_pairs_mut().append_pair("resource", &resource);
        let response = match client.get(url).header("accept", "application/jrd+json, application/json").send().await {
            Ok(response) => response,
            Err(e) => {
                last = e.to_string();
                if matches!(e, outbound::Error::Failed(_)) {
                    continue;
                }
                return Err(Unresolved::Fetch(last));
            }
        };
        if !(200..300).contains(&response.status()) {
            return Err(Unresolved::Fetch(format!("WebFinger of {resource}: HTTP {}", response.status())));
        }
        let document = response.json().await.map_err(|e| Unresolved::Fetch(e.to_string()))?;
        return self_link(&document)
            .ok_or_else(|| Unresolved::Fetch(format!("WebFinger of {resource}: no actor link")));
    }
    let error = outbound::Error::Failed(last.clone());
    failed(db, &mrf::host_of(&format!("http://{host}")), &error).await?;
    Err(Unresolved::Fetch(last))
}

/// The ActivityPub actor link of a WebFinger document (`WebFinger.webfinger_from_json`).
pub fn self_link(document: &Value) -> Option<String> {
    document["links"]
        .as_array()?
        .iter()
        .find(|l| {
            l["rel"] == "self"
                && matches!(
                    l["type"].as_str(),
                    Some(
                        "application/activity+json"
                            | "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
                    )
                )
        })
        .and_then(|l| l["href"].as_str())
        .map(String::from)
}

/// The actor `ap_id`: stored and fresh, else fetched (a stale row kept when the host is left
/// alone or the fetch fails).
pub async fn actor(db: &Db, settings: &Settings, ap_id: &str) -> Result<user::Model, Unresolved> {
    let known = actors::by_ap_id(db, ap_id).await?;
    let fresh = known.as_ref().is_some_and(|row| row.local || Utc::now() - row.updated_at < actors::STALE_AFTER);
    let host = mrf::host_of(ap_id);
    if fresh || !may_fetch(db, &host).await? {
        return known.ok_or_else(|| Unresolved::Fetch(format!("{host} failed recently")));
    }
    match Box::pin(actors::fetch_and_store(db, settings, ap_id)).await {
        Ok(row) => Ok(row),
        Err(actors::Fetched::Unreachable(e)) => {
            failed(db, &host, &e).await?;
            known.ok_or_else(|| Unresolved::Fetch(e.to_string()))
        }
        Err(actors::Fetched::Other(Unresolved::Fetch(why))) => known.ok_or(Unresolved::Fetch(why)),
        Err(actors::Fetched::Other(other)) => Err(other),
    }
}

/// Pleroma's `User.get_or_fetch`: the account `query` names (`nick@host`, `@nick@host`,
/// `acct:nick@host` or an actor URL), stored or fetched; `None` when it names nothing that can
/// be had (a local nickname that does not exist, an unknown host, a refusal).
pub async fn account(db: &Db, settings: &Settings, query: &str) -> Result<Option<user::Model>, AppError> {
    let query = query.trim();
    let outcome = if is_actor_url(query) {
        actor(db, settings, query).await
    } else if let Some((nick, host)) = parse_acct(query) {
        if host.eq_ignore_ascii_case(&settings.host()) {
            return Ok(crate::domain::users::find_by_nickname(&db.read, &nick).await?.filter(|u| u.local));
        }
        match crate::domain::users::find_by_nickname(&db.read, &format!("{nick}@{host}")).await? {
            Some(found) if found.local => return Ok(Some(found)),
            Some(found) if Utc::now() - found.updated_at < actors::STALE_AFTER => return Ok(Some(found)),
            Some(found) => actor(db, settings, &found.ap_id.clone()).await.or(Ok(found)),
            None if !may_fetch(db, &mrf::host_of(&format!("http://{host}"))).await? => return Ok(None),
            None => match Box::pin(webfinger(db, settings, &nick, &host)).await {
                Ok(ap_id) => Box::pin(actor(db, settings, &ap_id)).await,
                Err(e) => Err(e),
            },
        }
    } else {
        return Ok(None);
    };
    match outcome {
        Ok(user) => Ok(Some(user)),
        Err(Unresolved::Db(e)) => Err(e),
        Err(other) => {
            tracing::info!(%query, reason = %other, "resolve: account not found");
            Ok(None)
        }
    }
}

/// The remote `@nick@host` mentions of `text` that are not stored yet, resolved (a posted
/// status mentions them as Pleroma's formatter does after `User.get_or_fetch_by_nickname`).
/// Failures are logged: the mention then stays text. The fetches run in a task of their own,
/// so their depth does not add to the request's.
pub async fn mentions(db: &Db, settings: &Settings, text: &str) -> Result<(), AppError> {
    let host = settings.host();
    let mut unknown = Vec::new();
    for written in crate::domain::statuses::written_mentions(text, &host) {
        if written.nickname.contains('@')
            && crate::domain::users::find_by_nickname(&db.read, &written.nickname).await?.is_none()
        {
            unknown.push(written.nickname);
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let (db, settings) = (db.clone(), settings.clone());
    tokio::spawn(async move {
        for nickname in unknown {
            Box::pin(account(&db, &settings, &nickname)).await?;
        }
        Ok(())
    })
    .await
    .map_err(|e| AppError::internal(format!("resolving mentions: {e}")))?
}

/// What an account search with `resolve` searches for: with a caller (anonymous searches never
/// resolve, Pleroma's default `limit_to_local_content: :unauthenticated`), the account the query
/// names is resolved first, and its `nick@host` is what the search then looks for, so it comes
/// first (Pleroma's `maybe_resolve` bouncing it to the top).
pub async fn search_query(
    db: &Db,
    settings: &Settings,
    viewer: Option<&user::Model>,
    query: &str,
    resolve: bool,
) -> Result<String, AppError> {
    if !resolve || viewer.is_none() {
        return Ok(query.to_string());
    }
    Ok(match Box::pin(account(db, settings, query)).await? {
        Some(found) if parse_acct(query).is_some() => found.nickname,
        _ => query.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn accounts_are_read_in_every_spelling() {
        let bob = Some(("bob".to_string(), "remote.example".to_string()));
        assert_eq!(parse_acct("bob@remote.example"), bob);
        assert_eq!(parse_acct("@bob@Remote.Example"), bob);
        assert_eq!(parse_acct("acct:bob@remote.example"), bob);
        assert_eq!(parse_acct("bob@127.0.0.1:8080"), Some(("bob".into(), "127.0.0.1:8080".into())));
        assert_eq!(parse_acct("bob"), None);
        assert_eq!(parse_acct("bob@"), None);
        assert_eq!(parse_acct("bob@x/y"), None);
        assert_eq!(parse_acct("https://remote.example/users/bob"), None);
        assert!(is_actor_url("https://remote.example/users/bob"));
    }

    #[test]
    fn the_actor_link_is_the_activitypub_self_link() {
        let doc = json!({"links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "https://r.example/@bob"},
            {"rel": "self", "type": "application/activity+json", "href": "https://r.example/users/bob"},
        ]});
        assert_eq!(self_link(&doc).as_deref(), Some("https://r.example/users/bob"));
        assert_eq!(self_link(&json!({"links": []})), None);
    }
}
