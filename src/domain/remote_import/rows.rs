//! Lookups by ap_id and the rows entries become.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{status, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::Actor;
use crate::error::AppError;

pub(super) fn bad(entry: String, message: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("{entry}: {message}"))
}

pub(super) fn is_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Sanitise remote HTML (ammonia's default policy: safe tags, no scripts or styles, links
/// get `rel="noopener noreferrer"`).
pub fn sanitize(html: &str) -> String {
    ammonia::clean(html)
}

/// The media type a remote attachment's URL suggests (its extension).
pub(super) fn content_type_of(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        _ => "application/octet-stream",
    }
}

/// Rows keyed by ap_id, looked up in chunks.
pub(super) async fn users_by_ap_id<C: ConnectionTrait>(
    conn: &C,
    ap_ids: &[String],
) -> Result<HashMap<String, user::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in ap_ids.chunks(500) {
        for row in user::Entity::find().filter(user::Column::ApId.is_in(chunk.to_vec())).all(conn).await? {
            out.insert(row.ap_id.clone(), row);
        }
    }
    Ok(out)
}

pub(super) async fn statuses_by_ap_id<C: ConnectionTrait>(
    conn: &C,
    ap_ids: &[String],
) -> Result<HashMap<String, status::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in ap_ids.chunks(500) {
        for row in status::Entity::find().filter(status::Column::ApId.is_in(chunk.to_vec())).all(conn).await? {
            out.insert(row.ap_id.clone(), row);
        }
    }
    Ok(out)
}

/// A new remote user row.
pub(super) fn remote_user(
    id: String,
    actor: &Actor,
    domain: &str,
    actor_type: &str,
    now: DateTime<Utc>,
) -> user::Model {
    user::Model {
        name: actor.name.clone(),
        bio: actor.bio.as_deref().map(sanitize).unwrap_or_default(),
        local: false,
        domain: Some(domain.to_string()),
        actor_type: actor_type.to_string(),
        avatar: actor.avatar.clone(),
        banner: actor.banner.clone(),
        search_text: user::search_text(&actor.nickname, actor.name.as_deref(), None),
        inserted_at: actor.created_at.unwrap_or(now),
        ..user::Model::new(id, actor.nickname.clone(), actor.ap_id.clone(), now)
    }
}
