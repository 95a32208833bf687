//! Local statuses as ActivityPub documents (Pleroma's `ObjectView` and `Transmogrifier`): the
//! `Note` served at `/objects/:uuid`, its `Create` at `/activities/:uuid` (the same uuid), and a
//! reblog's `Announce` at its own `/activities/:uuid`, the relay actor's `Announce` of a public
//! status at `/activities/relay-:uuid`. The publisher delivers these very
//! documents, so every id it sends resolves here.
//!
//! Documents of several statuses are built from rows read in a constant number of statements
//! ([`Loaded::read`]).
use std::collections::HashMap;

use entity::{media_attachment, mention, status, user};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{json, Value};

use super::{publisher::PUBLIC, LocalActor};
use crate::{
    config::Settings,
    domain::{statuses, IN_CHUNK},
    error::AppError,
};

/// `@context` of the documents served (as the actor documents').
pub fn context() -> Value {
    json!(["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", {"@language": "und"}])
}

/// The id of the `Create` of a local status: `/activities/:uuid` for an object at
/// `/objects/:uuid`, else `<ap_id>/activity` (Mastodon's form).
pub fn create_id(settings: &Settings, status: &status::Model) -> String {
    let objects = format!("{}/objects/", settings.instance_url);
    match status.ap_id.strip_prefix(&objects) {
        Some(uuid) if !uuid.is_empty() => format!("{}/activities/{uuid}", settings.instance_url),
        _ => format!("{}/activity", status.ap_id),
    }
}

/// The id of the relay actor's `Announce` of the local object `object`:
/// `/activities/relay-:uuid` for an object at `/objects/:uuid`.
pub fn relay_announce_id(settings: &Settings, object: &str) -> String {
    let objects = format!("{}/objects/", settings.instance_url);
    match object.strip_prefix(&objects) {
        Some(uuid) if !uuid.is_empty() => format!("{}/activities/{RELAY_PREFIX}{uuid}", settings.instance_url),
        _ => format!("{object}/relay-announce"),
    }
}

const RELAY_PREFIX: &str = "relay-";

/// The relay actor's `Announce` of the public local object `object` (Pleroma's `Relay.publish`).
pub fn relay_announce(settings: &Settings, object: &str, published: &Value) -> Value {
    let relay = LocalActor::Relay.id(&settings.instance_url);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": relay_announce_id(settings, object),
        "type": "Announce",
        "actor": relay,
        "object": object,
        "published": published,
        "to": [format!("{relay}/followers")],
        "cc": [],
    })
}

/// What a document at a local URL is.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The `Note` of a status.
    Object(status::Model),
    /// The `Create` of a status, or a reblog's `Announce`.
    Activity(status::Model),
    /// The relay actor's `Announce` of a public status.
    RelayAnnounce(status::Model),
    /// A kept activity (a `Follow`, `Like`, `Undo`…, see [`super::kept`]): its row id and document.
    Kept { id: String, document: Value },
}

impl Found {
    /// The status behind the document; `None` for a kept activity.
    pub fn status(&self) -> Option<&status::Model> {
        match self {
            Found::Object(s) | Found::Activity(s) | Found::RelayAnnounce(s) => Some(s),
            Found::Kept { .. } => None,
        }
    }

    /// The id `/notice/:id` is at for HTML readers (Pleroma redirects to the activity's id).
    pub fn notice_id(&self) -> &str {
        match self {
            Found::Kept { id, .. } => id,
            other => other.status().map(|s| s.id.as_str()).unwrap_or_default(),
        }
    }
}

/// The local status whose object is `/objects/:uuid` (reblogs have no object).
pub async fn find_object<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    uuid: &str,
    viewer: Option<&str>,
) -> Result<Option<Found>, AppError> {
    let ap_id = format!("{}/objects/{uuid}", settings.instance_url);
    let row = status::Entity::find()
        .filter(status::Column::ApId.eq(ap_id))
        .filter(status::Column::Local.eq(true))
        .filter(status::Column::ReblogOfId.is_null())
        .filter(statuses::visible_to(viewer))
        .one(conn)
        .await?;
    Ok(row.map(Found::Object))
}

/// The local activity `/activities/:uuid`: a reblog (or a status) with that ap_id, the
/// `Create` of the object `/objects/:uuid`, or a kept activity (a `Follow`, `Block`, `Like`,
/// `EmojiReact`, `Delete` or `Undo`, as Pleroma's `Visibility.visible_for_user?` lets `viewer`
/// see it).
pub async fn find_activity<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    uuid: &str,
    viewer: Option<&str>,
) -> Result<Option<Found>, AppError> {
    if let Some(object) = uuid.strip_prefix(RELAY_PREFIX) {
        let ap_id = format!("{}/objects/{object}", settings.instance_url);
        let row = status::Entity::find()
            .filter(status::Column::ApId.eq(ap_id))
            .filter(status::Column::Local.eq(true))
            .filter(status::Column::ReblogOfId.is_null())
            .filter(status::Column::Visibility.eq("public"))
            .one(conn)
            .await?;
        return Ok(row.map(Found::RelayAnnounce));
    }
    let activity = format!("{}/activities/{uuid}", settings.instance_url);
    let object = format!("{}/objects/{uuid}", settings.instance_url);
    let rows = status::Entity::find()
        .filter(
            Condition::any()
                .add(status::Column::ApId.eq(activity.as_str()))
                .add(Condition::all().add(status::Column::ApId.eq(object)).add(status::Column::ReblogOfId.is_null())),
        )
        .filter(status::Column::Local.eq(true))
        .filter(statuses::visible_to(viewer))
        .all(conn)
        .await?;
    let exact = rows.iter().position(|r| r.ap_id == activity);
    let found = match exact {
        Some(i) => rows.into_iter().nth(i),
        None => rows.into_iter().next(),
    };
    if let Some(found) = found {
        return Ok(Some(Found::Activity(found)));
    }
    let kept = super::kept::find_local(conn, settings, uuid, viewer).await?;
    Ok(kept.map(|(id, document)| Found::Kept { id, document }))
}

/// The rows the documents of some statuses need.
#[derive(Debug, Default)]
pub struct Loaded {
    users: HashMap<String, user::Model>,
    mentions: HashMap<String, Vec<String>>,
    media: HashMap<String, Vec<media_attachment::Model>>,
    /// `(ap_id, author id)` of parents and reblogged statuses, by id.
    linked: HashMap<String, (String, String)>,
}

impl Loaded {
    /// Read what the documents of `rows` need: their authors, mentioned users, media, parents
    /// and reblogged statuses (four statements per chunk of ids).
    pub async fn read<C: ConnectionTrait>(conn: &C, rows: &[status::Model]) -> Result<Loaded, AppError> {
        let mut loaded = Loaded::default();
        let mut user_ids: Vec<String> = rows.iter().map(|s| s.user_id.clone()).collect();
        let ids: Vec<String> = rows.iter().map(|s| s.id.clone()).collect();
        let linked: Vec<String> =
            rows.iter().flat_map(|s| [s.in_reply_to_id.clone(), s.reblog_of_id.clone()]).flatten().collect();
        for chunk in linked.chunks(IN_CHUNK) {
            let found: Vec<(String, String, String)> = status::Entity::find()
                .select_only()
                .columns([status::Column::Id, status::Column::ApId, status::Column::UserId])
                .filter(status::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(conn)
                .await?;
            for (id, ap_id, author) in found {
                user_ids.push(author.clone());
                loaded.linked.insert(id, (ap_id, author));
            }
        }
        for chunk in ids.chunks(IN_CHUNK) {
            let found: Vec<(String, String)> = mention::Entity::find()
                .select_only()
                .columns([mention::Column::StatusId, mention::Column::UserId])
                .filter(mention::Column::StatusId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(conn)
                .await?;
            for (status_id, user_id) in found {
                user_ids.push(user_id.clone());
                loaded.mentions.entry(status_id).or_default().push(user_id);
            }
            let media =
                media_attachment::Entity::find().filter(media_attachment::Column::StatusId.is_in(chunk.to_vec()));
            for m in media.all(conn).await? {
                if let Some(status_id) = m.status_id.clone() {
                    loaded.media.entry(status_id).or_default().push(m);
                }
            }
        }
        user_ids.sort();
        user_ids.dedup();
        for chunk in user_ids.chunks(IN_CHUNK) {
            for u in user::Entity::find().filter(user::Column::Id.is_in(chunk.to_vec())).all(conn).await? {
                loaded.users.insert(u.id.clone(), u);
            }
        }
        for list in loaded.media.values_mut() {
            list.sort_by(|a, b| a.inserted_at.cmp(&b.inserted_at).then_with(|| a.id.cmp(&b.id)));
        }
        Ok(loaded)
    }

    /// Users mentioned by `status`.
    pub fn mentioned(&self, status: &status::Model) -> Vec<&user::Model> {
        let ids = self.mentions.get(&status.id).map(Vec::as_slice).unwrap_or_default();
        ids.iter().filter_map(|id| self.users.get(id)).collect()
    }

    /// The user `id`, if read.
    pub fn user(&self, id: &str) -> Option<&user::Model> {
        self.users.get(id)
    }

    fn ap_id_of_user(&self, id: &str) -> String {
        self.users.get(id).map(|u| u.ap_id.clone()).unwrap_or_default()
    }
}

/// The URL of a media attachment (its remote URL, or under the upload base URL).
pub fn media_url(settings: &Settings, media: &media_attachment::Model) -> String {
    if let Some(remote) = &media.remote_url {
        return remote.clone();
    }
    match settings.upload.base_url.as_deref() {
        Some(base) => format!("{}/{}", base.trim_end_matches('/'), media.file_name),
        None => format!("{}/media/{}", settings.instance_url, media.file_name),
    }
}

/// `(to, cc)` of a status (Pleroma's `get_to_and_cc`).
fn addressing(status: &status::Model, author: &str, mentioned: &[String]) -> (Vec<String>, Vec<String>) {
    let followers = format!("{author}/followers");
    match status.visibility.as_str() {
        "public" => ([vec![PUBLIC.to_string()], mentioned.to_vec()].concat(), vec![followers]),
        "unlisted" => ([vec![followers], mentioned.to_vec()].concat(), vec![PUBLIC.to_string()]),
        "private" => ([vec![followers], mentioned.to_vec()].concat(), vec![]),
        _ => (mentioned.to_vec(), vec![]),
    }
}

fn published(status: &status::Model) -> String {
    status.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The `Note` of a status, without `@context`.
pub fn note(settings: &Settings, loaded: &Loaded, status: &status::Model) -> Value {
    let author = loaded.ap_id_of_user(&status.user_id);
    let mentioned = loaded.mentioned(status);
    let mention_ids: Vec<String> = mentioned.iter().map(|u| u.ap_id.clone()).collect();
    let (to, cc) = addressing(status, &author, &mention_ids);
    let host = settings.host();
    let tags: Vec<Value> = mentioned
        .iter()
        .map(|u| {
            let name = if u.local { format!("@{}@{host}", u.nickname) } else { format!("@{}", u.nickname) };
            json!({"type": "Mention", "href": u.ap_id, "name": name})
        })
        .collect();
    let media = loaded.media.get(&status.id).map(Vec::as_slice).unwrap_or_default();
    let attachments: Vec<Value> = media
        .iter()
        .map(|m| {
            json!({
                "type": "Document",
                "mediaType": m.content_type,
                "url": media_url(settings, m),
                "name": m.description.clone().unwrap_or_default(),
            })
        })
        .collect();
    let parent = status.in_reply_to_id.as_ref().and_then(|id| loaded.linked.get(id)).map(|(ap_id, _)| ap_id);
    json!({
        "id": status.ap_id,
        "type": "Note",
        "actor": author,
        "attributedTo": author,
        "content": status.content,
        "summary": status.spoiler_text,
        "sensitive": status.sensitive,
        "published": published(status),
        "context": status.context,
        "conversation": status.context,
        "inReplyTo": parent,
        "to": to,
        "cc": cc,
        "tag": tags,
        "attachment": attachments,
        "source": {"content": status.source.clone().unwrap_or_default(), "mediaType": status.content_type},
    })
}

/// The `Create` of a status with its `Note`, or a reblog's `Announce`; with `@context`.
pub fn activity(settings: &Settings, loaded: &Loaded, status: &status::Model) -> Value {
    let author = loaded.ap_id_of_user(&status.user_id);
    if let Some(original) = &status.reblog_of_id {
        // Pleroma's `Builder.announce`.
        let (object, original_author) = match loaded.linked.get(original) {
            Some((ap_id, user_id)) => (Some(ap_id.clone()), Some(loaded.ap_id_of_user(user_id))),
            None => (None, None),
        };
        let mut to = vec![format!("{author}/followers")];
        to.extend(original_author);
        if statuses::PUBLIC.contains(&status.visibility.as_str()) {
            to.push(PUBLIC.to_string());
        }
        return json!({
            "@context": context(),
            "id": status.ap_id,
            "type": "Announce",
            "actor": author,
            "object": object,
            "published": published(status),
            "context": status.context,
            "to": to,
            "cc": [],
        });
    }
    let note = note(settings, loaded, status);
    json!({
        "@context": context(),
        "id": create_id(settings, status),
        "type": "Create",
        "actor": author,
        "published": note["published"],
        "context": status.context,
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    })
}

/// The served document of `found`.
pub fn document(settings: &Settings, loaded: &Loaded, found: &Found) -> Value {
    match found {
        Found::Object(status) => {
            let mut note = note(settings, loaded, status);
            note["@context"] = context();
            note
        }
        Found::Activity(status) => activity(settings, loaded, status),
        Found::RelayAnnounce(status) => relay_announce(settings, &status.ap_id, &json!(published(status))),
        Found::Kept { document, .. } => document.clone(),
    }
}

/// `/notice/:id`: a public or unlisted status (local or remote) and the ap_id of its object
/// (the reblogged status's for a reblog; Pleroma's `Object.normalize`).
pub async fn find_notice<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<(status::Model, String)>, AppError> {
    let Some(row) =
        status::Entity::find_by_id(id).filter(status::Column::Visibility.is_in(statuses::PUBLIC)).one(conn).await?
    else {
        return Ok(None);
    };
    let object = match &row.reblog_of_id {
        Some(original) => status::Entity::find_by_id(original.as_str()).one(conn).await?.map(|o| o.ap_id),
        None => Some(row.ap_id.clone()),
    };
    Ok(object.map(|object| (row, object)))
}
