//! Who an activity goes to: remote followers and mentions, the relay's audience, and each
//! actor's inbox (remembered from its document, else fetched; Pleroma's `determine_inbox`).
use chrono::Utc;
use entity::{actor_inbox, follow, mention, relay_follow, relay_follower, user};
use sea_orm::{sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde_json::Value;

use super::{super::relays, PUBLIC};
use crate::{config::Settings, db::Db, domain::federation::fetch_document, error::AppError};

/// Whether `user_id` has a remote follower.
pub(super) async fn has_remote_followers<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<bool, AppError> {
    let remote = sea_orm::sea_query::Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::Local.eq(false))
        .to_owned();
    Ok(follow::Entity::find()
        .filter(follow::Column::FollowingId.eq(user_id))
        .filter(follow::Column::FollowerId.in_subquery(remote))
        .one(conn)
        .await?
        .is_some())
}

/// Whether any of the users `ids` is remote.
pub(super) async fn any_remote<C: ConnectionTrait>(conn: &C, ids: &[String]) -> Result<bool, AppError> {
    if ids.is_empty() {
        return Ok(false);
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .filter(user::Column::Local.eq(false))
        .one(conn)
        .await?
        .is_some())
}

/// Whether the relay actor has an audience.
pub(super) async fn has_relay_audience<C: ConnectionTrait>(conn: &C) -> Result<bool, AppError> {
    if relay_follower::Entity::find().one(conn).await?.is_some() {
        return Ok(true);
    }
    Ok(relay_follow::Entity::find()
        .filter(relay_follow::Column::State.eq(relays::state::ACCEPTED))
        .one(conn)
        .await?
        .is_some())
}

// ---- Recipients ---------------------------------------------------------------------------------

/// Ap ids of the remote users mentioned in `status_id`.
pub(super) async fn remote_mentions<C: ConnectionTrait>(conn: &C, status_id: &str) -> Result<Vec<String>, AppError> {
    let ids: Vec<String> = mention::Entity::find()
        .select_only()
        .column(mention::Column::UserId)
        .filter(mention::Column::StatusId.eq(status_id))
        .into_tuple()
        .all(conn)
        .await?;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::ApId)
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Local.eq(false))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Ap ids of `user_id`'s remote followers (Pleroma's `get_external_followers`).
pub(super) async fn remote_followers<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<Vec<String>, AppError> {
    let ids: Vec<String> = follow::Entity::find()
        .select_only()
        .column(follow::Column::FollowerId)
        .filter(follow::Column::FollowingId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<String> = user::Entity::find()
            .select_only()
            .column(user::Column::ApId)
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .filter(user::Column::Local.eq(false))
            .filter(user::Column::IsActive.eq(true))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// The relay actor's audience: its followers and the relays that accepted its follow.
pub(super) async fn relay_audience(db: &Db) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> =
        relay_follower::Entity::find().all(&db.read).await?.into_iter().map(|r| r.actor).collect();
    let followed = relay_follow::Entity::find()
        .filter(relay_follow::Column::State.eq(relays::state::ACCEPTED))
        .all(&db.read)
        .await?;
    out.extend(followed.into_iter().map(|r| r.actor));
    Ok(out)
}

/// Remember where `document`'s actor takes deliveries.
pub async fn remember_inbox<C: ConnectionTrait>(conn: &C, document: &Value) -> Result<(), AppError> {
    let (Some(ap_id), Some(inbox)) = (document["id"].as_str(), document["inbox"].as_str()) else { return Ok(()) };
    let row = actor_inbox::ActiveModel {
        ap_id: Set(ap_id.to_string()),
        inbox: Set(inbox.to_string()),
        shared_inbox: Set(document["endpoints"]["sharedInbox"].as_str().map(str::to_string)),
        updated_at: Set(Utc::now()),
    };
    actor_inbox::Entity::insert(row)
        .on_conflict(
            OnConflict::column(actor_inbox::Column::ApId)
                .update_columns([
                    actor_inbox::Column::Inbox,
                    actor_inbox::Column::SharedInbox,
                    actor_inbox::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// `(inbox, shared inbox)` of the actor `ap_id`: remembered, or from its document.
/// The remembered inboxes of `actors` (`ap_id → (inbox, shared inbox)`): one statement per
/// 500 actors; [`inboxes_of`] fetches the others.
pub(super) async fn known_inboxes<C: ConnectionTrait>(
    conn: &C,
    actors: &[String],
) -> Result<std::collections::HashMap<String, (String, Option<String>)>, AppError> {
    let mut out = std::collections::HashMap::with_capacity(actors.len());
    for chunk in actors.chunks(500) {
        let rows =
            actor_inbox::Entity::find().filter(actor_inbox::Column::ApId.is_in(chunk.to_vec())).all(conn).await?;
        out.extend(rows.into_iter().map(|r| (r.ap_id, (r.inbox, r.shared_inbox))));
    }
    Ok(out)
}

pub(super) async fn inboxes_of(db: &Db, settings: &Settings, ap_id: &str) -> Result<(String, Option<String>), String> {
    if let Some(row) = actor_inbox::Entity::find_by_id(ap_id).one(&db.read).await.map_err(|e| e.to_string())? {
        return Ok((row.inbox, row.shared_inbox));
    }
    let document = fetch_document(db, settings, ap_id).await.map_err(|e| e.to_string())?;
    if document["id"].as_str() != Some(ap_id) {
        return Err(format!("{ap_id} answered with another id"));
    }
    remember_inbox(&db.write, &document).await.map_err(|e| e.to_string())?;
    let inbox = document["inbox"].as_str().ok_or_else(|| format!("{ap_id}: no inbox"))?;
    Ok((inbox.to_string(), document["endpoints"]["sharedInbox"].as_str().map(str::to_string)))
}

/// Pleroma's `determine_inbox`: the shared inbox for a `Delete`, a public activity or one
/// addressed to several.
pub(super) fn wants_shared_inbox(activity: &Value) -> bool {
    let list = |field: &str| -> Vec<String> {
        match &activity[field] {
            Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
            Value::String(s) => vec![s.clone()],
            _ => vec![],
        }
    };
    let (to, cc) = (list("to"), list("cc"));
    activity["type"] == "Delete" || to.iter().chain(&cc).any(|a| a == PUBLIC) || to.len() + cc.len() > 1
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn shared_inboxes_for_public_deletes_and_several_recipients() {
        assert!(wants_shared_inbox(&json!({"type": "Create", "to": [PUBLIC]})));
        assert!(wants_shared_inbox(&json!({"type": "Delete", "to": ["a"]})));
        assert!(wants_shared_inbox(&json!({"type": "Create", "to": ["a"], "cc": ["b"]})));
        assert!(!wants_shared_inbox(&json!({"type": "Follow", "to": ["a"]})));
        assert!(!wants_shared_inbox(&json!({"type": "Create", "to": "a"})));
    }
}
