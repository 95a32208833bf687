//! Remote actors as user rows (Pleroma's `User.get_or_fetch_by_ap_id`): fetched through the
//! outbound client, stored with [`crate::domain::remote_import`] (so the moderation policies see the
//! profile), refreshed when older than [`STALE_AFTER`]; and the instance row of each remote
//! host that talks to us (Pleroma's `Instances.set_reachable`).
use chrono::{Duration, Utc};
use entity::{instance, user};
use sea_orm::{sea_query::OnConflict, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;

use super::fetch_document;
use crate::{
    config::Settings,
    db::Db,
    domain::{mrf, remote_import},
    error::AppError,
};

/// A remote actor's row is fetched again after this long (Pleroma's `needs_update?`: a day).
pub const STALE_AFTER: Duration = Duration::days(1);

/// Why an actor could not be had.
#[derive(Debug)]
pub enum Unresolved {
    /// The fetch or its document failed.
    Fetch(String),
    /// The moderation policies refused the actor.
    Refused,
    Db(AppError),
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::Fetch(why) => write!(f, "actor fetch: {why}"),
            Unresolved::Refused => f.write_str("the actor was refused by the policies"),
            Unresolved::Db(e) => write!(f, "{e}"),
        }
    }
}

impl From<AppError> for Unresolved {
    fn from(e: AppError) -> Self {
        Unresolved::Db(e)
    }
}

/// The user whose ap_id is `ap_id`, if stored.
pub async fn by_ap_id(db: &Db, ap_id: &str) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find().filter(user::Column::ApId.eq(ap_id)).one(&db.read).await?)
}

/// `host` or `host:port` when the port is not the scheme's (two actors on one loopback host
/// must not share a nickname).
fn domain_of(ap_id: &str) -> Option<String> {
    let url = url::Url::parse(ap_id).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

fn url_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(_) => url_of(&value["url"]).or_else(|| value["href"].as_str().map(str::to_string)),
        Value::Array(items) => items.iter().find_map(url_of),
        _ => None,
    }
}

/// An actor document as an import entry.
pub fn from_document(document: &Value) -> Result<remote_import::Actor, String> {
    let ap_id = document["id"].as_str().ok_or("the actor document has no id")?.to_string();
    let domain = domain_of(&ap_id).ok_or("the actor id is not a URL")?;
    let nick = document["preferredUsername"].as_str().filter(|n| !n.is_empty() && !n.contains(['@', ' ']));
    let nick = nick.ok_or("the actor has no usable preferredUsername")?;
    // Groups and organisations are stored as people; the gateway knows three actor types.
    let actor_type = document["type"].as_str().filter(|t| matches!(*t, "Service" | "Application")).unwrap_or("Person");
    Ok(remote_import::Actor {
        ap_id,
        nickname: format!("{nick}@{domain}"),
        name: document["name"].as_str().filter(|n| !n.is_empty()).map(str::to_string),
        actor_type: Some(actor_type.to_string()),
        avatar: url_of(&document["icon"]),
        banner: url_of(&document["image"]),
        bio: document["summary"].as_str().map(str::to_string),
        created_at: document["published"].as_str().and_then(|p| p.parse().ok()),
    })
}

/// Store `document` (an actor's, already fetched or received in an `Update`) as its user row.
pub async fn store(db: &Db, settings: &Settings, document: &Value) -> Result<user::Model, Unresolved> {
    let actor = from_document(document).map_err(Unresolved::Fetch)?;
    let ap_id = actor.ap_id.clone();
    super::publisher::remember_inbox(&db.write, document).await?;
    let doc = remote_import::Document { actors: vec![actor], ..Default::default() };
    let report = Box::pin(remote_import::import(db, settings, &doc)).await?;
    if report.rejected > 0 {
        return Err(Unresolved::Refused);
    }
    by_ap_id(db, &ap_id).await?.ok_or_else(|| Unresolved::Fetch(format!("{ap_id} was not stored")))
}

/// Why a fetch and store failed.
#[derive(Debug)]
pub enum Fetched {
    /// The host did not answer (connection, timeout).
    Unreachable(crate::outbound::Error),
    Other(Unresolved),
}

impl From<AppError> for Fetched {
    fn from(e: AppError) -> Self {
        Fetched::Other(Unresolved::Db(e))
    }
}

/// Fetch the actor `ap_id` and store it; its host is then known reachable.
pub async fn fetch_and_store(db: &Db, settings: &Settings, ap_id: &str) -> Result<user::Model, Fetched> {
    let document = match fetch_document(db, settings, ap_id).await {
        Ok(document) => document,
        Err(e @ crate::outbound::Error::Failed(_)) => return Err(Fetched::Unreachable(e)),
        Err(e) => return Err(Fetched::Other(Unresolved::Fetch(e.to_string()))),
    };
    if document["id"].as_str() != Some(ap_id) {
        return Err(Fetched::Other(Unresolved::Fetch(format!("{ap_id} answered with another id"))));
    }
    seen_host(db, ap_id).await?;
    let stored = store(db, settings, &document).await.map_err(Fetched::Other)?;
    // An accepted actor's host gets its software read (a refused one is left alone).
    super::instances::noted(db, ap_id).await?;
    Ok(stored)
}

/// The user row of the actor `ap_id`: the stored one while fresh (or local), else fetched.
pub async fn resolve(db: &Db, settings: &Settings, ap_id: &str) -> Result<user::Model, Unresolved> {
    let known = by_ap_id(db, ap_id).await?;
    if let Some(row) = &known {
        if row.local || Utc::now() - row.updated_at < STALE_AFTER {
            return Ok(row.clone());
        }
    }
    match fetch_and_store(db, settings, ap_id).await {
        Ok(row) => Ok(row),
        // A stale row is still better than none when the refresh fails.
        Err(Fetched::Unreachable(e)) => known.ok_or_else(|| Unresolved::Fetch(e.to_string())),
        Err(Fetched::Other(Unresolved::Fetch(why))) => known.ok_or(Unresolved::Fetch(why)),
        Err(Fetched::Other(other)) => Err(other),
    }
}

/// Record that `host` reached us: its instance row exists and is reachable.
pub async fn seen_host(db: &Db, ap_id: &str) -> Result<(), AppError> {
    let host = mrf::host_of(ap_id);
    if host.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let row = instance::ActiveModel {
        host: Set(host),
        unreachable_since: Set(None),
        updated_at: Set(now),
        inserted_at: Set(Some(now)),
        ..Default::default()
    };
    instance::Entity::insert(row)
        .on_conflict(
            OnConflict::column(instance::Column::Host)
                .update_columns([instance::Column::UnreachableSince, instance::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(&db.write)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn actor_documents_become_import_entries() {
        let doc = json!({
            "id": "http://127.0.0.1:8080/users/bob", "type": "Group", "preferredUsername": "bob",
            "name": "", "icon": {"type": "Image", "url": "http://127.0.0.1:8080/a.png"}, "summary": "<p>hi</p>",
        });
        let actor = from_document(&doc).unwrap();
        assert_eq!(actor.nickname, "bob@127.0.0.1:8080");
        assert_eq!(actor.actor_type.as_deref(), Some("Person"));
        assert_eq!(actor.name, None);
        assert_eq!(actor.avatar.as_deref(), Some("http://127.0.0.1:8080/a.png"));
        assert!(from_document(&json!({"id": "https://r.example/u/x"})).is_err());
        let https = from_document(&json!({"id": "https://R.example/u/x", "preferredUsername": "x"})).unwrap();
        assert_eq!(https.nickname, "x@r.example");
    }
}
