//! Kept activities (Pleroma keeps every activity in `activities`): an outbound `Follow`,
//! `Block`, `Like`, `EmojiReact`, `Delete` or `Undo` gets its id when it is enqueued and is kept,
//! so `/activities/:uuid` serves that very document ([`find_local`], with Pleroma's
//! `Visibility.visible_for_user?`) and its `Undo` carries it with that id ([`latest`]). An inbound
//! `Follow`, `Like`, `Block` or `EmojiReact` is kept too, so that an `Undo` naming only the id
//! of what it undoes is matched (Pleroma's `handle_incoming` of such an `Undo`).
use chrono::Utc;
use entity::{activity, follow, user};
use sea_orm::{sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{json, Value};

use super::{inbox::id_of, publisher::PUBLIC};
use crate::{config::Settings, error::AppError};

/// A new id for an activity of the local actor `actor`: `(flake, <instance>/activities/<flake>)`.
/// The instance URL is the actor's (`<instance>/users/<nickname>`).
pub fn new_id(actor: &user::Model) -> (String, String) {
    let base = actor.ap_id.rsplit_once("/users/").map_or(actor.ap_id.as_str(), |(base, _)| base);
    let flake = crate::ids::flake_id();
    let ap_id = format!("{base}/activities/{flake}");
    (flake, ap_id)
}

/// The activity with `@context` (the document served and sent).
pub fn with_context(mut data: Value) -> Value {
    if let Some(map) = data.as_object_mut() {
        let mut out = serde_json::Map::new();
        out.insert("@context".into(), json!("https://www.w3.org/ns/activitystreams"));
        out.extend(std::mem::take(map).into_iter().filter(|(k, _)| k != "@context"));
        return Value::Object(out);
    }
    data
}

/// Keep `data` (its `id`, `type`, `actor` and `object` read from it) under the row id `flake`;
/// an activity already kept with that `id` is left as it is.
pub async fn keep<C: ConnectionTrait>(conn: &C, flake: &str, data: &Value, local: bool) -> Result<(), AppError> {
    let (Some(ap_id), Some(actor)) = (data["id"].as_str(), id_of(&data["actor"])) else { return Ok(()) };
    let row = activity::ActiveModel {
        id: Set(flake.to_string()),
        ap_id: Set(ap_id.to_string()),
        kind: Set(data["type"].as_str().unwrap_or_default().to_string()),
        actor: Set(actor.to_string()),
        object: Set(id_of(&data["object"]).map(str::to_string)),
        local: Set(local),
        data: Set(data.clone()),
        inserted_at: Set(Utc::now()),
    };
    activity::Entity::insert(row)
        .on_conflict(OnConflict::column(activity::Column::ApId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Keep an inbound activity (by a remote actor) that an `Undo` may name by id.
pub async fn keep_inbound<C: ConnectionTrait>(conn: &C, data: &Value) -> Result<(), AppError> {
    keep(conn, &crate::ids::flake_id(), data, false).await
}

/// The latest kept `kind` activity of `actor` (an ap_id) on `object`; for an `EmojiReact`, the
/// one with that `content`.
pub async fn latest<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    kind: &str,
    object: &str,
    content: Option<&str>,
) -> Result<Option<Value>, AppError> {
    let rows = activity::Entity::find()
        .filter(activity::Column::Actor.eq(actor))
        .filter(activity::Column::Kind.eq(kind))
        .filter(activity::Column::Object.eq(object))
        .order_by_desc(activity::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.data).find(|data| content.is_none_or(|c| data["content"] == c)))
}

/// The kept activity `ap_id` of `actor` (an `Undo` that names only the id of what it undoes).
pub async fn by_ap_id<C: ConnectionTrait>(conn: &C, ap_id: &str, actor: &str) -> Result<Option<Value>, AppError> {
    let row = activity::Entity::find()
        .filter(activity::Column::ApId.eq(ap_id))
        .filter(activity::Column::Actor.eq(actor))
        .one(conn)
        .await?;
    Ok(row.map(|r| r.data))
}

fn addressed(data: &Value) -> Vec<&str> {
    ["to", "cc"]
        .iter()
        .flat_map(|field| match &data[*field] {
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            Value::String(s) => vec![s.as_str()],
            _ => vec![],
        })
        .collect()
}

/// Whether the activity is addressed to the public (Pleroma's `Visibility.public?`).
pub fn public(data: &Value) -> bool {
    addressed(data).contains(&PUBLIC)
}

/// The local activity `/activities/:uuid`, when `viewer` (a user id) may see it: public, or the
/// viewer is its actor, is addressed, or follows an addressed actor's followers (Pleroma's
/// `Visibility.visible_for_user?`). Its row id and document.
pub async fn find_local<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    uuid: &str,
    viewer: Option<&str>,
) -> Result<Option<(String, Value)>, AppError> {
    let ap_id = format!("{}/activities/{uuid}", settings.instance_url);
    let Some(row) = activity::Entity::find()
        .filter(activity::Column::ApId.eq(ap_id))
        .filter(activity::Column::Local.eq(true))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if public(&row.data) {
        return Ok(Some((row.id, row.data)));
    }
    let Some(viewer) = viewer else { return Ok(None) };
    let Some(viewer) = user::Entity::find_by_id(viewer).one(conn).await? else { return Ok(None) };
    let addressed = addressed(&row.data);
    if row.actor == viewer.ap_id || addressed.contains(&viewer.ap_id.as_str()) {
        return Ok(Some((row.id, row.data)));
    }
    // Followers collections addressed: the viewer follows their owner.
    let owners: Vec<String> =
        addressed.iter().filter_map(|a| a.strip_suffix("/followers")).map(str::to_string).collect();
    if owners.is_empty() {
        return Ok(None);
    }
    let owners: Vec<String> = user::Entity::find()
        .filter(user::Column::ApId.is_in(owners))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let follows = follow::Entity::find()
        .filter(follow::Column::FollowerId.eq(viewer.id.as_str()))
        .filter(follow::Column::FollowingId.is_in(owners))
        .one(conn)
        .await?;
    Ok(follows.map(|_| (row.id, row.data)))
}
