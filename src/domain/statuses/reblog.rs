//! Reblogs (Pleroma's `CommonAPI.repeat` and `unrepeat`).

use chrono::Utc;
use entity::{mention, status, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, Set};

use super::{find_visible, parse_visibility, uuid_v4, PUBLIC};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Reblog a status the caller may see (Pleroma's `CommonAPI.repeat`): public and unlisted
/// statuses, and the caller's own private ones. Reblogging twice gives the same reblog.
pub async fn reblog(
    db: &Db,
    settings: &Settings,
    by: &user::Model,
    id: &str,
    visibility: Option<&str>,
) -> AppResult<status::Model> {
    let original = find_visible(&db.read, id, Some(&by.id))
        .await?
        .filter(|s| s.reblog_of_id.is_none())
        .ok_or_else(AppError::not_found)?;
    let own_private = original.visibility == "private" && original.user_id == by.id;
    if !PUBLIC.contains(&original.visibility.as_str()) && !own_private {
        return Err(AppError::BadRequest("Could not repeat".into()));
    }
    if let Some(existing) = status::Entity::find()
        .filter(status::Column::UserId.eq(by.id.as_str()))
        .filter(status::Column::ReblogOfId.eq(original.id.as_str()))
        .one(&db.read)
        .await?
    {
        return Ok(existing);
    }
    let visibility = if own_private {
        "private"
    } else {
        visibility.and_then(parse_visibility).filter(|v| PUBLIC.contains(v) || *v == "private").unwrap_or("public")
    };
    // The policies see the reblog (an `Announce`): the instance lists of the reblogger and of the
    // reblogged status, and the addressing.
    let now = Utc::now();
    let announce = crate::domain::mrf::Post {
        announce: true,
        actor: crate::domain::mrf::local_actor(&db.read, settings, by).await?,
        object: Some(crate::domain::mrf::Actor {
            host: if original.local {
                crate::domain::mrf::host_of(&settings.instance_url)
            } else {
                crate::domain::mrf::host_of(&original.ap_id)
            },
            local: original.local,
            ..crate::domain::mrf::Actor::default()
        }),
        visibility: crate::domain::mrf::Visibility::parse(visibility).unwrap_or(crate::domain::mrf::Visibility::Public),
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: false,
        attachments: vec![],
        hashtags: vec![],
        mentions: vec![original.user_id.clone()],
        published: now,
    };
    let announce =
        crate::domain::mrf::filter(&settings.mrf, now, crate::domain::mrf::Activity::Post(Box::new(announce)))
            .map_err(|rejected| AppError::BadRequest(rejected.reason))?
            .into_post()
            .ok_or_else(|| AppError::internal("a policy turned a reblog into another activity"))?;
    let visibility = announce.visibility.as_str();
    let txn = db.begin().await?;
    let row = status::ActiveModel {
        id: Set(crate::ids::flake_id()),
        ap_id: Set(format!("{}/activities/{}", settings.instance_url, uuid_v4())),
        user_id: Set(by.id.clone()),
        content: Set(String::new()),
        source: Set(None),
        content_type: Set("text/plain".into()),
        visibility: Set(visibility.to_string()),
        sensitive: Set(false),
        spoiler_text: Set(String::new()),
        in_reply_to_id: Set(None),
        in_reply_to_user_id: Set(None),
        reblog_of_id: Set(Some(original.id.clone())),
        quote_of_id: Set(None),
        context: Set(original.context.clone()),
        language: Set(None),
        local: Set(true),
        idempotency_key: Set(None),
        created_at: Set(now),
        edited_at: Set(None),
        replies_count: NotSet,
        reblogs_count: NotSet,
        quotes_count: NotSet,
        favourites_count: NotSet,
    }
    .insert(&txn)
    .await?;
    mention::Entity::insert(mention::ActiveModel {
        status_id: Set(row.id.clone()),
        user_id: Set(original.user_id.clone()),
    })
    .exec(&txn)
    .await?;
    let event = crate::domain::notifications::Event {
        kind: crate::domain::notifications::REBLOG,
        actor_id: by.id.clone(),
        status_id: Some(original.id.clone()),
        ..Default::default()
    };
    crate::domain::notifications::notify(&txn, std::slice::from_ref(&original.user_id), &event).await?;
    let announce = crate::domain::federation::publisher::ReactionKind::Announce;
    crate::domain::federation::publisher::reaction(&txn, by, &original, announce, Some(row.ap_id.clone())).await?;
    txn.commit().await?;
    Ok(row)
}

/// Undo the caller's reblog of a status; returns the reblogged status.
pub async fn unreblog(db: &Db, by: &user::Model, id: &str) -> AppResult<status::Model> {
    let original = find_visible(&db.read, id, Some(&by.id)).await?.ok_or_else(AppError::not_found)?;
    let txn = db.begin().await?;
    if by.local && !original.local {
        // The undone announce is named by its id (the reblog's ap_id).
        let reblog = status::Entity::find()
            .filter(status::Column::UserId.eq(by.id.as_str()))
            .filter(status::Column::ReblogOfId.eq(original.id.as_str()))
            .one(&txn)
            .await?;
        if let Some(reblog) = reblog {
            let undo = crate::domain::federation::publisher::ReactionKind::Unannounce;
            crate::domain::federation::publisher::reaction(&txn, by, &original, undo, Some(reblog.ap_id)).await?;
        }
    }
    status::Entity::delete_many()
        .filter(status::Column::UserId.eq(by.id.as_str()))
        .filter(status::Column::ReblogOfId.eq(original.id.as_str()))
        .exec(&txn)
        .await?;
    // The reblog's notification goes with it, as Pleroma's goes with its `Announce`.
    let event = crate::domain::notifications::Event {
        kind: crate::domain::notifications::REBLOG,
        actor_id: by.id.clone(),
        status_id: Some(original.id.clone()),
        ..Default::default()
    };
    crate::domain::notifications::withdraw(&txn, &event).await?;
    txn.commit().await?;
    Ok(original)
}
