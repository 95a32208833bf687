//! Pleroma's `Object.Fetcher.fetch_object_from_id`, as a search with `resolve` uses it: the
//! status whose object a URL names, stored, or fetched (signed by the instance actor) and
//! stored as an inbound `Create` of it would be, author resolved first and the moderation
//! policies applied by the same path.
use entity::status;
use serde_json::json;

use super::{actors, fetch_document, inbox, notes, resolve};
use crate::{config::Settings, db::Db, domain::mrf, error::AppError};

/// The status `url` names; `None` when it names nothing that can be had (logged).
pub async fn status(db: &Db, settings: &Settings, url: &str) -> Result<Option<status::Model>, AppError> {
    let url = url.trim();
    if let Some(stored) = inbox::status_by_ap_id(db, url).await? {
        return Ok(Some(stored));
    }
    let Ok(parsed) = url::Url::parse(url) else { return Ok(None) };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Ok(None);
    }
    let host = mrf::host_of(url);
    let local = url::Url::parse(&settings.instance_url).is_ok_and(|own| own.origin() == parsed.origin());
    if local || !resolve::may_fetch(db, &host).await? {
        return Ok(None);
    }
    let document = match fetch_document(db, settings, url).await {
        Ok(document) => document,
        Err(e) => return skipped(url, e),
    };
    let Some(id) = document["id"].as_str() else { return skipped(url, "the object has no id") };
    // Pleroma's `Containment.contain_origin`: the object comes from the host that served it.
    let same_origin = |other: &str| url::Url::parse(other).is_ok_and(|u| u.origin() == parsed.origin());
    if !same_origin(id) {
        return skipped(url, "the object's id is on another host");
    }
    if let Some(stored) = inbox::status_by_ap_id(db, id).await? {
        return Ok(Some(stored));
    }
    let Some(author_id) = document["attributedTo"].as_str().or_else(|| document["attributedTo"]["id"].as_str()) else {
        return skipped(url, "the object has no author");
    };
    if !same_origin(author_id) {
        return skipped(url, "the object's author is on another host");
    }
    let author = match actors::resolve(db, settings, author_id).await {
        Ok(author) => author,
        Err(actors::Unresolved::Db(e)) => return Err(e),
        Err(other) => return skipped(url, other),
    };
    match notes::store_note(db, settings, &author, &document, &json!({})).await? {
        inbox::Outcome::Done => inbox::status_by_ap_id(db, id).await,
        other => skipped(url, format!("{other:?}")),
    }
}

fn skipped(url: &str, why: impl std::fmt::Display) -> Result<Option<status::Model>, AppError> {
    tracing::info!(%url, reason = %why, "fetch: object not stored");
    Ok(None)
}

/// Pleroma's `DatabaseSearch.maybe_fetch`: the status a search for a URL names, when the
/// search resolves (a caller's, with `resolve`, as account searches here) and `viewer` may see
/// it; it then comes first in the statuses found.
pub async fn searched(
    db: &Db,
    settings: &Settings,
    viewer: Option<&entity::user::Model>,
    query: &str,
    resolve: bool,
) -> Result<Option<status::Model>, AppError> {
    let query = query.trim();
    let Some(viewer) = viewer.filter(|_| resolve && (query.starts_with("https:") || query.starts_with("http:"))) else {
        return Ok(None);
    };
    let Some(found) = Box::pin(status(db, settings, query)).await? else { return Ok(None) };
    crate::domain::statuses::find_visible(&db.read, &found.id, Some(viewer.id.as_str())).await
}
