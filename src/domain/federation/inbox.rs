//! What a verified inbound activity does (Pleroma's `Transmogrifier.handle_incoming` and the
//! side effects of `ActivityPub.SideEffects`). The activity's actor is the signer (checked
//! before) and is resolved to a user row first; the moderation policies see every activity
//! (posts, profiles, follows and reports through [`import`], the rest as the actor's own
//! activity); notifications are made where Pleroma makes them.
//!
//! Handling never fails the request: Pleroma answers `"ok"` and processes the activity in a
//! job, so an activity it cannot use is logged and dropped ([`Outcome::Ignored`]).
use chrono::Utc;
use entity::{follow, status, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use super::{actors, deliveries, fetch_document, notes::store_note, publisher, relays};
use crate::{
    config::Settings,
    db::Db,
    domain::{
        favourites, mrf,
        notifications::{self, Event},
        relationships::{self, Change},
        remote_import,
        statuses::{self, Deleter},
    },
    error::AppError,
};

const PUBLIC: [&str; 3] = ["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"];

/// What became of an activity.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Refused by a moderation policy.
    Rejected,
    /// Unknown, malformed or about something unknown: nothing changed (the reason is logged).
    Ignored(String),
}

pub(super) type Handled = Result<Outcome, AppError>;

pub(super) fn ignored(why: impl Into<String>) -> Handled {
    Ok(Outcome::Ignored(why.into()))
}

/// An id given as a string or as an object with an `id`.
pub(super) fn id_of(value: &Value) -> Option<&str> {
    value.as_str().or_else(|| value["id"].as_str())
}

/// A string-or-array field as a list of strings (ids of objects included).
fn ids(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(id_of).map(str::to_string).collect(),
        other => id_of(other).map(str::to_string).into_iter().collect(),
    }
}

/// Pleroma's `Visibility.get_visibility`: public in `to`, unlisted in `cc`, private when a
/// followers collection is addressed, else direct.
pub fn visibility(object: &Value, actor: &Value) -> &'static str {
    let (to, cc) = (ids(&object["to"]), ids(&object["cc"]));
    let public = |list: &[String]| list.iter().any(|a| PUBLIC.contains(&a.as_str()));
    if public(&to) {
        return "public";
    }
    if public(&cc) {
        return "unlisted";
    }
    let followers = actor["followers"].as_str();
    let to_followers = to.iter().chain(&cc).any(|a| Some(a.as_str()) == followers || a.ends_with("/followers"));
    if to_followers {
        "private"
    } else {
        "direct"
    }
}

pub(super) async fn status_by_ap_id(db: &Db, ap_id: &str) -> Result<Option<status::Model>, AppError> {
    Ok(status::Entity::find().filter(status::Column::ApId.eq(ap_id)).one(&db.read).await?)
}

pub(super) async fn users_by_ap_ids(db: &Db, ap_ids: &[String]) -> Result<Vec<user::Model>, AppError> {
    if ap_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find().filter(user::Column::ApId.is_in(ap_ids.to_vec())).all(&db.read).await?)
}

/// The local user an activity's object names (a follow's or a block's target).
async fn local_target(db: &Db, object: &Value) -> Result<Option<user::Model>, AppError> {
    let Some(ap_id) = id_of(object) else { return Ok(None) };
    Ok(actors::by_ap_id(db, ap_id).await?.filter(|u| u.local && u.is_active))
}

/// Handle a verified activity from `actor` (its document is fetched as needed).
pub async fn handle(db: &Db, settings: &Settings, activity: &Value) -> Handled {
    let Some(actor_id) = id_of(&activity["actor"]) else { return ignored("no actor") };
    actors::seen_host(db, actor_id).await?;
    let kind = activity["type"].as_str().unwrap_or_default();
    // An actor deleting itself may no longer serve its document.
    if kind == "Delete" && id_of(&activity["object"]) == Some(actor_id) {
        return delete_actor(db, settings, actor_id).await;
    }
    if matches!(kind, "Accept" | "Reject") && relays::is_relay(db, actor_id).await? {
        relays::answered(db, actor_id, &activity["object"], kind == "Accept").await?;
        return Ok(Outcome::Done);
    }
    let actor = match actors::resolve(db, settings, actor_id).await {
        Ok(actor) => actor,
        Err(actors::Unresolved::Refused) => return Ok(Outcome::Rejected),
        Err(actors::Unresolved::Db(e)) => return Err(e),
        Err(other) => return ignored(other.to_string()),
    };
    if !actor.is_active {
        return ignored("the actor is deactivated");
    }
    super::instances::noted(db, actor_id).await?;
    // Activities the import path does not screen pass the policies as the actor's own.
    if !matches!(kind, "Create" | "Update" | "Announce" | "Follow" | "Flag" | "Delete") {
        let profile = mrf::Activity::Profile {
            actor: mrf::actor_of(&db.read, settings, &actor).await?,
            avatar: None,
            banner: None,
        };
        if mrf::filter(&settings.mrf, Utc::now(), profile).is_err() {
            return Ok(Outcome::Rejected);
        }
    }
    let object = &activity["object"];
    // Follows of the relay actor (relays and instances subscribing to it), and their undos.
    let relay = super::LocalActor::Relay.id(&settings.instance_url);
    let undone_follow = kind == "Undo" && object["type"] == "Follow";
    if (kind == "Follow" && id_of(object) == Some(relay.as_str()))
        || (undone_follow && id_of(&object["object"]) == Some(relay.as_str()))
    {
        if kind == "Follow" {
            let profile = mrf::Activity::Profile {
                actor: mrf::actor_of(&db.read, settings, &actor).await?,
                avatar: None,
                banner: None,
            };
            if mrf::filter(&settings.mrf, Utc::now(), profile).is_err() {
                return Ok(Outcome::Rejected);
            }
            publisher::relay_followed(db, settings, &actor.ap_id, activity).await?;
        } else {
            publisher::relay_unfollowed(db, &actor.ap_id).await?;
        }
        return Ok(Outcome::Done);
    }
    // What an `Undo` may name by id alone is kept (Pleroma keeps every activity).
    if matches!(kind, "Follow" | "Like" | "Block" | "EmojiReact") && id_of(&activity["actor"]) == Some(&actor.ap_id) {
        super::kept::keep_inbound(&db.write, activity).await?;
    }
    match kind {
        "Create" => create(db, settings, &actor, activity).await,
        "Update" => update(db, settings, &actor, activity).await,
        "Delete" => delete_object(db, settings, &actor, object).await,
        "Announce" => announce(db, settings, &actor, activity).await,
        "Like" => like(db, &actor, object).await,
        "EmojiReact" => react(db, settings, &actor, object, activity["content"].as_str().unwrap_or_default()).await,
        "Follow" => follow(db, settings, &actor, activity).await,
        "Accept" | "Reject" => answer(db, &actor, object, kind == "Accept").await,
        "Undo" => undo(db, &actor, object).await,
        "Block" => block(db, &actor, object).await,
        "Flag" => flag(db, settings, &actor, activity).await,
        "Move" => moved(db, settings, &actor, activity).await,
        other => ignored(format!("unhandled activity type {other:?}")),
    }
}

/// The object of a `Create`/`Announce`: embedded, or fetched by its id.
async fn object_document(db: &Db, settings: &Settings, object: &Value) -> Result<Value, String> {
    if object.is_object() && object["type"].is_string() {
        return Ok(object.clone());
    }
    let id = id_of(object).ok_or("no object")?;
    fetch_document(db, settings, id).await.map_err(|e| e.to_string())
}

async fn create(db: &Db, settings: &Settings, actor: &user::Model, activity: &Value) -> Handled {
    let note = match object_document(db, settings, &activity["object"]).await {
        Ok(note) => note,
        Err(e) => return ignored(e),
    };
    // Addressing on the activity when the object has none (Pleroma copies it across).
    let mut note = note;
    for field in ["to", "cc"] {
        if note[field].is_null() {
            note[field] = activity[field].clone();
        }
    }
    store_note(db, settings, actor, &note, &json!({})).await
}

async fn update(db: &Db, settings: &Settings, actor: &user::Model, activity: &Value) -> Handled {
    let object = &activity["object"];
    match object["type"].as_str() {
        Some("Person" | "Service" | "Application" | "Group" | "Organization") => {
            if object["id"].as_str() != Some(actor.ap_id.as_str()) {
                return ignored("an actor may only update itself");
            }
            match actors::store(db, settings, object).await {
                Ok(_) => Ok(Outcome::Done),
                Err(actors::Unresolved::Refused) => Ok(Outcome::Rejected),
                Err(actors::Unresolved::Db(e)) => Err(e),
                Err(other) => ignored(other.to_string()),
            }
        }
        Some(_) => {
            // Only a status already known is updated (Pleroma ignores updates of unknown objects).
            match object["id"].as_str() {
                Some(id) if status_by_ap_id(db, id).await?.is_some() => {
                    store_note(db, settings, actor, object, &json!({})).await
                }
                _ => ignored("update of an unknown object"),
            }
        }
        None => ignored("update without an embedded object"),
    }
}

async fn delete_object(db: &Db, settings: &Settings, actor: &user::Model, object: &Value) -> Handled {
    let deleting = mrf::Activity::Delete { actor: mrf::actor_of(&db.read, settings, actor).await? };
    if mrf::filter(&settings.mrf, Utc::now(), deleting).is_err() {
        return Ok(Outcome::Rejected);
    }
    let Some(id) = id_of(object) else { return ignored("no object") };
    let Some(found) = status_by_ap_id(db, id).await? else { return ignored("delete of an unknown object") };
    if found.user_id != actor.id {
        return ignored("the object is not the actor's");
    }
    if found.reblog_of_id.is_some() {
        status::Entity::delete_by_id(found.id).exec(&db.write).await?;
    } else {
        statuses::delete(db, settings, Deleter { user: actor, privileged: false }, &found.id).await?;
    }
    Ok(Outcome::Done)
}

/// An actor deleted itself: its row is tombstoned and its content purged (a job), as an admin's
/// deletion of a remote user does.
async fn delete_actor(db: &Db, settings: &Settings, ap_id: &str) -> Handled {
    let Some(user) = actors::by_ap_id(db, ap_id).await?.filter(|u| !u.local) else {
        return ignored("delete of an unknown actor");
    };
    let deleting = mrf::Activity::Delete { actor: mrf::actor_of(&db.read, settings, &user).await? };
    if mrf::filter(&settings.mrf, Utc::now(), deleting).is_err() {
        return Ok(Outcome::Rejected);
    }
    let txn = db.begin().await?;
    crate::domain::purge::delete_users(&txn, std::slice::from_ref(&user.id)).await?;
    txn.commit().await?;
    Ok(Outcome::Done)
}

async fn announce(db: &Db, settings: &Settings, actor: &user::Model, activity: &Value) -> Handled {
    let Some(id) = activity["id"].as_str() else { return ignored("the announce has no id") };
    let Some(object_id) = id_of(&activity["object"]) else { return ignored("no object") };
    // The announced status, fetched and stored with its author when not known.
    let original = match status_by_ap_id(db, object_id).await? {
        Some(found) => found,
        None => {
            let note = match object_document(db, settings, &activity["object"]).await {
                Ok(note) => note,
                Err(e) => return ignored(e),
            };
            let Some(author_id) = id_of(&note["attributedTo"]) else { return ignored("the object has no author") };
            let author = match actors::resolve(db, settings, author_id).await {
                Ok(author) => author,
                Err(actors::Unresolved::Refused) => return Ok(Outcome::Rejected),
                Err(actors::Unresolved::Db(e)) => return Err(e),
                Err(other) => return ignored(other.to_string()),
            };
            match store_note(db, settings, &author, &note, &json!({})).await? {
                Outcome::Done => {}
                other => return Ok(other),
            }
            match status_by_ap_id(db, object_id).await? {
                Some(found) => found,
                None => return ignored("the announced object was not stored"),
            }
        }
    };
    if !matches!(original.visibility.as_str(), "public" | "unlisted") {
        return ignored("only public statuses can be announced");
    }
    let existed = status_by_ap_id(db, id).await?.is_some();
    let entry = remote_import::Status {
        ap_id: id.to_string(),
        actor: actor.ap_id.clone(),
        visibility: Some(visibility(activity, &json!({})).to_string()),
        content: String::new(),
        spoiler_text: None,
        sensitive: false,
        created_at: activity["published"].as_str().and_then(|p| p.parse().ok()),
        in_reply_to: None,
        reblog_of: Some(original.ap_id.clone()),
        attachments: vec![],
        descriptions: Default::default(),
        mentions: vec![],
    };
    let report =
        remote_import::import(db, settings, &remote_import::Document { statuses: vec![entry], ..Default::default() })
            .await?;
    if report.rejected > 0 {
        return Ok(Outcome::Rejected);
    }
    if !existed {
        let reblog = status_by_ap_id(db, id).await?;
        let event = Event {
            kind: notifications::REBLOG,
            actor_id: actor.id.clone(),
            status_id: reblog.map(|r| r.id).or(Some(original.id.clone())),
            ..Event::default()
        };
        notifications::notify(&db.write, std::slice::from_ref(&original.user_id), &event).await?;
    }
    Ok(Outcome::Done)
}

/// The stored status an activity's object names.
async fn object_status(db: &Db, object: &Value) -> Result<Option<status::Model>, AppError> {
    match id_of(object) {
        Some(id) => status_by_ap_id(db, id).await,
        None => Ok(None),
    }
}

/// Refusals of the domain (not visible, already undone…) drop the activity; database errors
/// do not.
fn domain_refusal(result: Result<status::Model, AppError>, what: &str) -> Handled {
    match result {
        Ok(_) => Ok(Outcome::Done),
        Err(AppError::Internal(e)) => Err(AppError::Internal(e)),
        Err(e) => ignored(format!("{what}: {e}")),
    }
}

async fn like(db: &Db, actor: &user::Model, object: &Value) -> Handled {
    let Some(target) = object_status(db, object).await? else { return ignored("like of an unknown object") };
    domain_refusal(favourites::favourite(db, actor, &target.id).await, "like")
}

async fn react(db: &Db, settings: &Settings, actor: &user::Model, object: &Value, emoji: &str) -> Handled {
    let Some(target) = object_status(db, object).await? else { return ignored("reaction to an unknown object") };
    domain_refusal(favourites::react(db, settings, actor, &target.id, emoji).await, "reaction")
}

/// A remote follow of a local user: the follow is made (locked accounts too: the gateway has
/// no pending requests) and the user's `Accept` delivered; a refused one gets a `Reject`.
async fn follow(db: &Db, settings: &Settings, actor: &user::Model, activity: &Value) -> Handled {
    let Some(target) = local_target(db, &activity["object"]).await? else {
        return ignored("follow of an unknown local user");
    };
    // A follow the policies refuse is dropped unanswered; one the target's blocks refuse is
    // rejected (Pleroma's `handle_incoming` of a Follow).
    if mrf::check_follow(&db.read, settings, actor, &target).await.is_err() {
        return Ok(Outcome::Rejected);
    }
    let outcome = relationships::change(db, actor, &target, Change::Follow { reblogs: None, notify: None }).await;
    let (answer, result) = match outcome {
        Ok(_) => ("Accept", Ok(Outcome::Done)),
        Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
        Err(e) => ("Reject", Ok(Outcome::Ignored(format!("follow refused: {e}")))),
    };
    let reply = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/{}", settings.instance_url, crate::ids::flake_id()),
        "type": answer,
        "actor": target.ap_id,
        "object": activity,
        "to": [actor.ap_id],
    });
    deliveries::enqueue(&db.write, &target.id, &actor.ap_id, reply).await?;
    result
}

/// A remote user answered a local user's follow: a `Reject` ends it (follows are made at once
/// here, so an `Accept` changes nothing).
async fn answer(db: &Db, actor: &user::Model, object: &Value, accepted: bool) -> Handled {
    if accepted {
        return Ok(Outcome::Done);
    }
    let Some(follower) = id_of(&object["actor"]) else { return ignored("the answer does not embed the follow") };
    let Some(follower) = actors::by_ap_id(db, follower).await?.filter(|u| u.local) else {
        return ignored("reject of a follow by an unknown local user");
    };
    follow::Entity::delete_by_id((follower.id, actor.id.clone())).exec(&db.write).await?;
    Ok(Outcome::Done)
}

async fn block(db: &Db, actor: &user::Model, object: &Value) -> Handled {
    let Some(target) = local_target(db, object).await? else { return ignored("block of an unknown local user") };
    relationships::change(db, actor, &target, Change::Block).await?;
    Ok(Outcome::Done)
}

/// Undo of a follow, like, announce, block or reaction. The undone activity must be the actor's.
/// One named by its id alone is matched by that id among the activities kept (Pleroma's
/// `handle_incoming` of an `Undo` without the complete object).
async fn undo(db: &Db, actor: &user::Model, object: &Value) -> Handled {
    let kept;
    let object = match object.as_str() {
        Some(id) => match super::kept::by_ap_id(&db.read, id, &actor.ap_id).await? {
            Some(found) => {
                kept = found;
                &kept
            }
            None => object,
        },
        None => object,
    };
    if id_of(&object["actor"]).is_some_and(|a| a != actor.ap_id) {
        return ignored("undo of another actor's activity");
    }
    let inner = &object["object"];
    match object["type"].as_str() {
        Some("Follow") => {
            let Some(target) = local_target(db, inner).await? else { return ignored("unknown followed user") };
            relationships::change(db, actor, &target, Change::Unfollow).await?;
            Ok(Outcome::Done)
        }
        Some("Block") => {
            let Some(target) = local_target(db, inner).await? else { return ignored("unknown blocked user") };
            relationships::change(db, actor, &target, Change::Unblock).await?;
            Ok(Outcome::Done)
        }
        Some("Like") => {
            let Some(target) = object_status(db, inner).await? else { return ignored("unknown liked object") };
            domain_refusal(favourites::unfavourite(db, actor, &target.id).await, "undo like")
        }
        Some("EmojiReact") => {
            let Some(target) = object_status(db, inner).await? else { return ignored("unknown reacted object") };
            let emoji = object["content"].as_str().unwrap_or_default();
            domain_refusal(favourites::unreact(db, actor, &target.id, emoji).await, "undo reaction")
        }
        Some("Announce") | None => {
            // By the announce's id (embedded or not).
            let Some(id) = id_of(object) else { return ignored("no object") };
            match status_by_ap_id(db, id).await? {
                Some(reblog) if reblog.user_id == actor.id && reblog.reblog_of_id.is_some() => {
                    status::Entity::delete_by_id(reblog.id).exec(&db.write).await?;
                    Ok(Outcome::Done)
                }
                _ => ignored("undo of an unknown announce"),
            }
        }
        Some(other) => ignored(format!("unhandled undo of {other}")),
    }
}

/// A remote report: its reporter is the sending actor (Pleroma federates reports from the
/// instance actor), its account the first object that is a known user, its statuses the
/// objects that are known statuses. Staff who handle reports are notified.
async fn flag(db: &Db, settings: &Settings, actor: &user::Model, activity: &Value) -> Handled {
    let Some(ap_id) = activity["id"].as_str() else { return ignored("the flag has no id") };
    let objects = ids(&activity["object"]);
    let users = users_by_ap_ids(db, &objects).await?;
    let Some(account) = objects.iter().find_map(|o| users.iter().find(|u| &u.ap_id == o)) else {
        return ignored("the flag names no known account");
    };
    let mut cited = Vec::new();
    for object in objects.iter().filter(|o| **o != account.ap_id) {
        if let Some(found) = status_by_ap_id(db, object).await? {
            cited.push(found.ap_id);
        }
    }
    let existed = crate::domain::reports::by_ap_id(&db.read, ap_id).await?.is_some();
    let entry = remote_import::Report {
        ap_id: ap_id.to_string(),
        actor: actor.ap_id.clone(),
        account: account.ap_id.clone(),
        statuses: cited,
        content: activity["content"].as_str().filter(|c| !c.is_empty()).map(str::to_string),
        state: None,
        created_at: None,
    };
    let report =
        remote_import::import(db, settings, &remote_import::Document { reports: vec![entry], ..Default::default() })
            .await?;
    if report.rejected > 0 {
        return Ok(Outcome::Rejected);
    }
    if !existed {
        if let Some(stored) = crate::domain::reports::by_ap_id(&db.read, ap_id).await? {
            let handlers = notifications::report_handlers(&db.read, &settings.instance).await?;
            let event = Event {
                kind: notifications::REPORT,
                actor_id: actor.id.clone(),
                report_id: Some(stored.id),
                ..Event::default()
            };
            notifications::notify(&db.write, &handlers, &event).await?;
        }
    }
    Ok(Outcome::Done)
}

/// `Move`: the actor moved to `target`, which must name it in `alsoKnownAs`. Its local
/// followers follow the new account instead and are notified (Pleroma's `handle_incoming` of
/// a Move).
async fn moved(db: &Db, settings: &Settings, actor: &user::Model, activity: &Value) -> Handled {
    if id_of(&activity["object"]).is_some_and(|o| o != actor.ap_id) {
        return ignored("an actor may only move itself");
    }
    let Some(target_id) = id_of(&activity["target"]) else { return ignored("the move has no target") };
    let document = match fetch_document(db, settings, target_id).await {
        Ok(document) => document,
        Err(e) => return ignored(format!("move target: {e}")),
    };
    if !ids(&document["alsoKnownAs"]).contains(&actor.ap_id) {
        return ignored("the move target does not name the actor in alsoKnownAs");
    }
    let target = match actors::store(db, settings, &document).await {
        Ok(target) => target,
        Err(actors::Unresolved::Refused) => return Ok(Outcome::Rejected),
        Err(actors::Unresolved::Db(e)) => return Err(e),
        Err(other) => return ignored(other.to_string()),
    };
    let followers = notifications::local_followers(&db.read, &actor.id).await?;
    let users = crate::domain::users::by_ids(&db.read, &followers).await?;
    for follower in users.iter().filter(|u| u.allow_following_move) {
        if relationships::change(db, follower, &target, Change::Follow { reblogs: None, notify: None }).await.is_ok() {
            relationships::change(db, follower, actor, Change::Unfollow).await?;
        }
    }
    let event = Event {
        kind: notifications::MOVE,
        actor_id: actor.id.clone(),
        target_id: Some(target.id.clone()),
        ..Event::default()
    };
    notifications::notify(&db.write, &followers, &event).await?;
    Ok(Outcome::Done)
}
