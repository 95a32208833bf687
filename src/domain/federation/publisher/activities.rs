//! The activities a [`FederationPublish`] sends, built from what committed when the job runs.
use entity::{status, user};
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use super::{Body, FederationPublish, ReactionKind, RelationKind, SignedBy, PUBLIC};
use crate::{
    config::Settings,
    db::Db,
    domain::federation::{kept, local_key, objects, user_document, user_key, LocalActor},
    error::AppError,
};

// ---- Activities ---------------------------------------------------------------------------------

fn activity_id(settings: &Settings) -> String {
    format!("{}/activities/{}", settings.instance_url, crate::ids::flake_id())
}

/// The `Create` of a local status (the document `/activities/:uuid` serves) and the remote
/// actors it mentions; `None` when the status or its author is gone.
async fn create_activity(
    db: &Db,
    settings: &Settings,
    status_id: &str,
) -> Result<Option<(Value, Vec<String>)>, AppError> {
    let Some(status) = status::Entity::find_by_id(status_id).one(&db.read).await? else { return Ok(None) };
    let loaded = objects::Loaded::read(&db.read, std::slice::from_ref(&status)).await?;
    if loaded.user(&status.user_id).is_none() {
        return Ok(None);
    }
    let remote: Vec<String> =
        loaded.mentioned(&status).into_iter().filter(|u| !u.local).map(|u| u.ap_id.clone()).collect();
    Ok(Some((objects::activity(settings, &loaded, &status), remote)))
}

/// The signer's actor id, key and key id; `None` when a user signer is gone.
pub(super) async fn signing(
    db: &Db,
    settings: &Settings,
    signer: &SignedBy,
) -> Result<Option<(String, rsa::RsaPrivateKey, String)>, AppError> {
    let base = settings.instance_url.as_str();
    Ok(match signer {
        SignedBy::User(id) => match user::Entity::find_by_id(id.as_str()).one(&db.read).await? {
            Some(user) => {
                let (key, key_id) = user_key(db, &user).await?;
                Some((user.ap_id, key, key_id))
            }
            None => None,
        },
        SignedBy::Relay => {
            let (key, key_id) = local_key(db, base, LocalActor::Relay).await?;
            Some((LocalActor::Relay.id(base), key, key_id))
        }
        SignedBy::Internal => {
            let (key, key_id) = local_key(db, base, LocalActor::Internal).await?;
            Some((LocalActor::Internal.id(base), key, key_id))
        }
    })
}

fn envelope(mut activity: Value) -> Value {
    if activity["@context"].is_null() {
        activity["@context"] = json!("https://www.w3.org/ns/activitystreams");
    }
    activity
}

/// The activity of `job` and the actors it names; `None` when there is nothing to send.
pub(super) async fn build(
    db: &Db,
    settings: &Settings,
    job: &FederationPublish,
) -> Result<Option<(Value, Vec<String>)>, AppError> {
    let actor = match &job.signer {
        SignedBy::User(id) => match user::Entity::find_by_id(id.as_str()).one(&db.read).await? {
            Some(user) => user,
            None => return Ok(None),
        },
        _ => {
            return Ok(match &job.body {
                Body::Activity { activity } => Some((activity.clone(), vec![])),
                _ => None,
            })
        }
    };
    let id = activity_id(settings);
    let followers = format!("{}/followers", actor.ap_id);
    Ok(Some(match &job.body {
        Body::Create { status_id } => match create_activity(db, settings, status_id).await? {
            Some(built) => built,
            None => return Ok(None),
        },
        Body::Delete { object, to } => (
            envelope(json!({
                "id": id, "type": "Delete", "actor": actor.ap_id,
                "object": {"id": object, "type": "Tombstone"}, "to": to,
            })),
            vec![],
        ),
        Body::Relation { kind, target } => {
            let (inner_type, undo) = match kind {
                RelationKind::Follow => ("Follow", false),
                RelationKind::Unfollow => ("Follow", true),
                RelationKind::Block => ("Block", false),
                RelationKind::Unblock => ("Block", true),
            };
            let inner = json!({
                "id": if undo { activity_id(settings) } else { id.clone() },
                "type": inner_type, "actor": actor.ap_id, "object": target, "to": [target],
            });
            let activity = if undo {
                json!({"id": id, "type": "Undo", "actor": actor.ap_id, "object": inner, "to": [target]})
            } else {
                inner
            };
            (envelope(activity), vec![target.clone()])
        }
        Body::Profile => {
            let mut document = user_document(db, &settings.instance_url, &actor).await?;
            if let Some(map) = document.as_object_mut() {
                map.remove("@context");
            }
            let activity = json!({
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": id, "type": "Update", "actor": actor.ap_id, "object": document,
                "to": [PUBLIC, followers], "cc": [],
            });
            (activity, vec![])
        }
        Body::DeleteActor => (
            envelope(json!({"id": format!("{}#delete", actor.ap_id), "type": "Delete", "actor": actor.ap_id,
                "object": actor.ap_id, "to": [followers]})),
            vec![],
        ),
        Body::Reaction { kind, status_id, id: given } => {
            let Some(target) = status::Entity::find_by_id(status_id.as_str()).one(&db.read).await? else {
                return Ok(None);
            };
            let Some(author) = user::Entity::find_by_id(target.user_id.as_str()).one(&db.read).await? else {
                return Ok(None);
            };
            let (inner_type, undo) = match kind {
                ReactionKind::Like => ("Like", false),
                ReactionKind::Unlike => ("Like", true),
                ReactionKind::Announce => ("Announce", false),
                ReactionKind::Unannounce => ("Announce", true),
            };
            let (to, cc) = if inner_type == "Announce" {
                (vec![followers.clone(), author.ap_id.clone(), PUBLIC.to_string()], vec![])
            } else {
                (vec![author.ap_id.clone()], vec![followers.clone()])
            };
            let inner = json!({
                "id": given.clone().unwrap_or_else(|| activity_id(settings)),
                "type": inner_type, "actor": actor.ap_id, "object": target.ap_id, "to": to, "cc": cc,
            });
            let activity = if undo {
                json!({"id": id, "type": "Undo", "actor": actor.ap_id, "object": inner, "to": to, "cc": cc})
            } else {
                inner
            };
            (envelope(activity), vec![author.ap_id])
        }
        Body::Activity { activity } => (activity.clone(), vec![]),
    }))
}

// ---- Activities made when enqueued (kept, so their ids dereference) ------------------------------

/// The activity without `@context` (embedded in an `Undo`).
fn bare(mut activity: Value) -> Value {
    if let Some(map) = activity.as_object_mut() {
        map.remove("@context");
    }
    activity
}

/// The `Undo` `id` of `undone` by `actor`, carrying it whole: a follow's addressed to the
/// followed actor (Pleroma's `make_unfollow_data`), another's with its addressing (`Builder.undo`).
pub(super) fn undo(id: &str, actor: &str, undone: Value) -> Value {
    let undone = bare(undone);
    let (to, cc) = if undone["type"] == "Follow" {
        (json!([undone["object"].clone()]), Value::Null)
    } else {
        (undone["to"].clone(), undone["cc"].clone())
    };
    let mut activity = json!({"id": id, "type": "Undo", "actor": actor, "object": undone, "to": to});
    if !cc.is_null() {
        activity["cc"] = cc;
    }
    kept::with_context(activity)
}

/// A `Follow` (Pleroma's `make_follow_data`: to the followed actor, cc public) or a `Block`
/// (`Builder.block`: to the blocked actor) of `target` by `actor`.
pub(super) fn relation(id: &str, kind: &str, actor: &str, target: &str) -> Value {
    let mut activity = json!({"id": id, "type": kind, "actor": actor, "object": target, "to": [target]});
    if kind == "Follow" {
        activity["cc"] = json!([PUBLIC]);
    }
    kept::with_context(activity)
}

/// A `Like` of `status` by `actor` (Pleroma's `make_like_data`): to the actor's followers and the
/// author when the status is public or unlisted, cc public; else to the author only.
pub(super) fn like(id: &str, actor: &user::Model, status: &status::Model, author: &user::Model) -> Value {
    let followers = format!("{}/followers", actor.ap_id);
    let (to, cc) = if crate::domain::statuses::PUBLIC.contains(&status.visibility.as_str()) {
        (json!([followers, author.ap_id]), json!([PUBLIC]))
    } else {
        (json!([author.ap_id]), json!([]))
    };
    kept::with_context(json!({
        "id": id, "type": "Like", "actor": actor.ap_id, "object": status.ap_id,
        "to": to, "cc": cc, "context": status.context,
    }))
}

/// An `EmojiReact` (Pleroma's `make_emoji_reaction_data`: a like with `content`, and the custom
/// emoji's `tag`).
pub(super) fn emoji_react(
    id: &str,
    actor: &user::Model,
    status: &status::Model,
    author: &user::Model,
    content: &str,
    url: Option<&str>,
) -> Value {
    let mut activity = like(id, actor, status, author);
    activity["type"] = json!("EmojiReact");
    activity["content"] = json!(content);
    if let Some(url) = url {
        activity["tag"] = json!([{
            "type": "Emoji", "id": url, "name": content,
            "icon": {"type": "Image", "url": url},
        }]);
    }
    activity
}

/// The `Announce` of `status` with the reblog's id (as `/activities/:uuid` serves the reblog).
pub(super) fn announce(id: &str, actor: &user::Model, status: &status::Model, author: &user::Model) -> Value {
    let followers = format!("{}/followers", actor.ap_id);
    kept::with_context(json!({
        "id": id, "type": "Announce", "actor": actor.ap_id, "object": status.ap_id,
        "to": [followers, author.ap_id, PUBLIC], "cc": [],
    }))
}
