//! Posting (Pleroma's `CommonAPI.post` and `ActivityDraft`).

use chrono::Utc;
use entity::{media_attachment, mention, status, user};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set,
};

use super::{
    context_id, find_visible, object_id, parse_visibility, render_content, written_mentions, MentionTarget, NewStatus,
    EMPTY_STATUS, MUST_BE_DIRECT, POST_FORMATS, REPLY_DELETED, TOO_LONG,
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Post a status as `author`. With an `Idempotency-Key` already used by the author, the status
/// it made is returned instead.
pub async fn create(db: &Db, settings: &Settings, author: &user::Model, new: NewStatus) -> AppResult<status::Model> {
    let key = new.idempotency_key.clone().filter(|k| !k.is_empty());
    if let Some(key) = &key {
        if let Some(existing) = by_idempotency_key(&db.write, &author.id, key).await? {
            return Ok(existing);
        }
    }
    // Unknown remote `@nick@host` mentions are fetched before the transaction (network waits
    // hold no lock), as Pleroma's formatter resolves them.
    super::super::federation::resolve::mentions(db, settings, new.status.as_deref().unwrap_or_default()).await?;
    let txn = db.begin().await?;
    match create_in(&txn, db, settings, author, new).await {
        Ok(saved) => {
            txn.commit().await?;
            Ok(saved)
        }
        // The same key sent twice at once: the other request's status wins.
        Err(err @ AppError::Unique(_)) if key.is_some() => {
            drop(txn);
            let key = key.unwrap_or_default();
            by_idempotency_key(&db.write, &author.id, &key).await?.ok_or(err)
        }
        Err(err) => Err(err),
    }
}

/// [`create`] inside the caller's transaction `conn` (reads of other statuses go to `db`), so an
/// action that posts a status commits it together with its own writes.
pub async fn create_in<C: ConnectionTrait>(
    conn: &C,
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    new: NewStatus,
) -> AppResult<status::Model> {
    create_checked(conn, db, settings, author, new, false).await
}

/// [`create_in`] for a status whose text may be empty (an event's description: the event
/// record carries what it is about).
pub async fn create_in_allowing_empty<C: ConnectionTrait>(
    conn: &C,
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    new: NewStatus,
) -> AppResult<status::Model> {
    create_checked(conn, db, settings, author, new, true).await
}

async fn create_checked<C: ConnectionTrait>(
    conn: &C,
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    new: NewStatus,
    allow_empty: bool,
) -> AppResult<status::Model> {
    let text = new.status.clone().unwrap_or_default();
    if !allow_empty && text.trim().is_empty() && new.media_ids.is_empty() {
        return Err(AppError::invalid("status", EMPTY_STATUS));
    }
    if text.chars().count() > settings.instance.limit {
        return Err(AppError::invalid("status", TOO_LONG));
    }
    // The poll is checked after the text, as Pleroma's `ActivityDraft` does.
    let poll = match new.poll.clone() {
        Some(poll) => Some((crate::domain::polls::validate(&settings.limits.poll_limits, &poll)?, poll)),
        None => None,
    };
    let parent = match new.in_reply_to_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => match find_visible(&db.read, id, Some(&author.id)).await? {
            Some(parent) => Some(parent),
            None => return Err(AppError::invalid("in_reply_to_id", REPLY_DELETED)),
        },
        None => None,
    };
    let quoted = match new.quote_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => find_visible(&db.read, id, Some(&author.id)).await?,
        None => None,
    };
    let visibility = match new.visibility.as_deref() {
        Some(v) => parse_visibility(v).ok_or_else(|| AppError::invalid("visibility", "Invalid visibility"))?,
        None => parent.as_ref().and_then(|p| parse_visibility(&p.visibility)).unwrap_or("public"),
    };
    if parent.as_ref().is_some_and(|p| p.visibility == "direct") && visibility != "direct" {
        return Err(AppError::invalid("visibility", MUST_BE_DIRECT));
    }
    let content_type =
        new.content_type.as_deref().filter(|t| POST_FORMATS.contains(t)).unwrap_or("text/plain").to_string();

    // Mentions: written ones that name a user, and the author of the status replied to.
    let written = written_mentions(&text, &settings.host());
    let nicknames: Vec<String> = written.iter().map(|m| m.nickname.to_lowercase()).collect();
    let found = if nicknames.is_empty() {
        vec![]
    } else {
        user::Entity::find()
            .filter(Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(user::Column::Nickname))).is_in(nicknames))
            .all(conn)
            .await?
    };
    let resolved: Vec<(String, user::Model)> = written
        .iter()
        .filter_map(|m| {
            found.iter().find(|u| u.nickname.eq_ignore_ascii_case(&m.nickname)).map(|u| (m.written.clone(), u.clone()))
        })
        .collect();
    let mut mentioned: Vec<String> = Vec::new();
    if let Some(parent) = &parent {
        mentioned.push(parent.user_id.clone());
    }
    for (_, u) in &resolved {
        if !mentioned.contains(&u.id) {
            mentioned.push(u.id.clone());
        }
    }
    let targets: Vec<(String, MentionTarget)> =
        resolved.iter().map(|(w, u)| (w.clone(), MentionTarget::from(u))).collect();
    let content = render_content(&text, &content_type, &targets, &settings.instance_url);
    let now = Utc::now();
    // The moderation policies see the post before anything is written; a refusal is Pleroma's 422.
    let post = crate::domain::mrf::filter(
        &settings.mrf,
        now,
        crate::domain::mrf::Activity::Post(Box::new(crate::domain::mrf::Post {
            announce: false,
            actor: crate::domain::mrf::local_actor(conn, settings, author).await?,
            object: None,
            visibility: crate::domain::mrf::Visibility::parse(visibility)
                .unwrap_or(crate::domain::mrf::Visibility::Public),
            content,
            spoiler_text: new.spoiler_text.unwrap_or_default(),
            sensitive: new.sensitive.unwrap_or(false),
            attachments: new.media_ids.clone(),
            hashtags: crate::domain::mrf::hashtags_in(&text),
            mentions: mentioned,
            published: now,
        })),
    )
    .map_err(|rejected| AppError::invalid("status", &rejected.reason))?
    .into_post()
    .ok_or_else(|| AppError::internal("a policy turned a post into another activity"))?;
    let (mentioned, media_ids) = (post.mentions, post.attachments);
    let row = status::ActiveModel {
        id: Set(crate::ids::flake_id()),
        ap_id: Set(object_id(settings)),
        user_id: Set(author.id.clone()),
        content: Set(post.content),
        source: Set(Some(text)),
        content_type: Set(content_type),
        visibility: Set(post.visibility.as_str().to_string()),
        sensitive: Set(post.sensitive),
        spoiler_text: Set(post.spoiler_text),
        in_reply_to_id: Set(parent.as_ref().map(|p| p.id.clone())),
        in_reply_to_user_id: Set(parent.as_ref().map(|p| p.user_id.clone())),
        reblog_of_id: Set(None),
        quote_of_id: Set(quoted.as_ref().map(|q| q.id.clone())),
        context: Set(parent.as_ref().map_or_else(|| context_id(settings), |p| p.context.clone())),
        language: Set(new.language.filter(|l| !l.is_empty())),
        local: Set(true),
        idempotency_key: Set(new.idempotency_key.clone().filter(|k| !k.is_empty())),
        created_at: Set(now),
        edited_at: Set(None),
        replies_count: NotSet,
        reblogs_count: NotSet,
        quotes_count: NotSet,
        favourites_count: NotSet,
    };
    let saved = row.insert(conn).await?;
    if let Some((options, poll)) = poll {
        crate::domain::polls::create_in(conn, &saved.id, options, &poll, now).await?;
    }
    if !mentioned.is_empty() {
        mention::Entity::insert_many(
            mentioned
                .iter()
                .map(|uid| mention::ActiveModel { status_id: Set(saved.id.clone()), user_id: Set(uid.clone()) }),
        )
        .exec(conn)
        .await?;
        let event = crate::domain::notifications::Event {
            kind: crate::domain::notifications::MENTION,
            actor_id: author.id.clone(),
            status_id: Some(saved.id.clone()),
            ..Default::default()
        };
        crate::domain::notifications::notify(conn, &mentioned, &event).await?;
    }
    // Subscribers hear of the author's posts that are not replies (Pleroma's
    // `maybe_notify_subscribers`), unless already notified as mentioned.
    if saved.in_reply_to_id.is_none() {
        let subscribers =
            crate::domain::notifications::subscribers(conn, &author.id, &saved.visibility, &mentioned).await?;
        let event = crate::domain::notifications::Event {
            kind: crate::domain::notifications::STATUS,
            actor_id: author.id.clone(),
            status_id: Some(saved.id.clone()),
            ..Default::default()
        };
        crate::domain::notifications::notify(conn, &subscribers, &event).await?;
    }
    if !media_ids.is_empty() {
        media_attachment::Entity::update_many()
            .col_expr(media_attachment::Column::StatusId, Expr::value(saved.id.clone()))
            .filter(media_attachment::Column::Id.is_in(media_ids))
            .filter(media_attachment::Column::UserId.eq(author.id.as_str()))
            .filter(media_attachment::Column::StatusId.is_null())
            .exec(conn)
            .await?;
    }
    // A direct status makes or bumps its thread's conversation (Pleroma's
    // `create_or_bump_conversation`): the author and each recipient take part.
    if saved.visibility == "direct" {
        let mut users = vec![author.id.clone()];
        users.extend(mentioned.iter().filter(|u| **u != author.id).cloned());
        crate::domain::conversations::create_or_bump(conn, &saved, &users).await?;
    }
    if author.local {
        crate::domain::federation::publisher::status_created(conn, &saved, &mentioned).await?;
    }
    Ok(saved)
}

async fn by_idempotency_key<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    key: &str,
) -> AppResult<Option<status::Model>> {
    Ok(status::Entity::find()
        .filter(status::Column::UserId.eq(user_id))
        .filter(status::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?)
}
