//! Favourites and emoji reactions (Pleroma's `CommonAPI.favorite`/`unfavorite`,
//! `react_with_emoji`/`unreact_with_emoji`, `Object.get_emoji_reactions`): each change commits
//! together with the notification it makes or withdraws.
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{emoji_reaction, favourite, status, user};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{
    notifications::{self, Event},
    statuses::{self, MastodonPage},
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Pleroma's refusals.
pub const CANNOT_UNFAVOURITE: &str = "Could not unfavorite";
pub const CANNOT_REACT: &str = "Could not add reaction emoji";
pub const CANNOT_UNREACT: &str = "Could not remove reaction emoji";
pub const HIDDEN_FAVOURITES: &str = "Can't get favorites";

/// The status an action names, when `by` may see it; a reblog names the reblogged status, as
/// Pleroma's actions act on the object.
async fn target(db: &Db, by: &str, id: &str) -> AppResult<status::Model> {
    let found = statuses::find_visible(&db.read, id, Some(by)).await?.ok_or_else(AppError::not_found)?;
    match &found.reblog_of_id {
        Some(original) => statuses::find_visible(&db.read, original, Some(by)).await?.ok_or_else(AppError::not_found),
        None => Ok(found),
    }
}

/// Favourite a status the caller may see (favouriting twice is one favourite); notifies its
/// author. Returns the status.
pub async fn favourite(db: &Db, by: &user::Model, id: &str) -> AppResult<status::Model> {
    let status = target(db, &by.id, id).await?;
    let txn = db.begin().await?;
    let inserted = favourite::Entity::insert(favourite::ActiveModel {
        id: Set(crate::ids::flake_id()),
        user_id: Set(by.id.clone()),
        status_id: Set(status.id.clone()),
        inserted_at: Set(Utc::now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([favourite::Column::UserId, favourite::Column::StatusId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted > 0 {
        let event = Event {
            kind: notifications::FAVOURITE,
            actor_id: by.id.clone(),
            status_id: Some(status.id.clone()),
            ..Event::default()
        };
        notifications::notify(&txn, std::slice::from_ref(&status.user_id), &event).await?;
        let like = super::federation::publisher::ReactionKind::Like;
        super::federation::publisher::reaction(&txn, by, &status, like, None).await?;
    }
    txn.commit().await?;
    Ok(status)
}

/// Undo the caller's favourite (`BAD_REQUEST` "Could not unfavorite" when there is none).
pub async fn unfavourite(db: &Db, by: &user::Model, id: &str) -> AppResult<status::Model> {
    let status = target(db, &by.id, id).await?;
    let txn = db.begin().await?;
    let done = favourite::Entity::delete_many()
        .filter(favourite::Column::UserId.eq(by.id.as_str()))
        .filter(favourite::Column::StatusId.eq(status.id.as_str()))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::BadRequest(CANNOT_UNFAVOURITE.into()));
    }
    let event = Event {
        kind: notifications::FAVOURITE,
        actor_id: by.id.clone(),
        status_id: Some(status.id.clone()),
        ..Event::default()
    };
    notifications::withdraw(&txn, &event).await?;
    super::federation::publisher::reaction(&txn, by, &status, super::federation::publisher::ReactionKind::Unlike, None)
        .await?;
    txn.commit().await?;
    Ok(status)
}

/// Favourite counts of statuses, from their kept counters (one query).
pub async fn counts_of<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<HashMap<String, u64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = conn.get_database_backend();
    let rows: Vec<(String, i64)> = status::Entity::find()
        .select_only()
        .column(status::Column::Id)
        .column(status::Column::FavouritesCount)
        .filter(super::among(backend, (status::Entity, status::Column::Id), ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, super::statuses::served(n))).collect())
}

/// Which of these statuses `viewer` favourited.
pub async fn favourited_by<C: ConnectionTrait>(conn: &C, viewer: &str, ids: &[String]) -> AppResult<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let backend = conn.get_database_backend();
    let rows: Vec<String> = favourite::Entity::find()
        .select_only()
        .column(favourite::Column::StatusId)
        .filter(favourite::Column::UserId.eq(viewer))
        .filter(super::among(backend, (favourite::Entity, favourite::Column::StatusId), ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Statuses `owner` favourited that `viewer` may see, newest status first, paged on status ids
/// (Pleroma's `AccountController.favourites` fetches the `Create` activities).
/// `FORBIDDEN` "Can't get favorites" when the owner hides them (the default) and is not the
/// viewer.
pub async fn of_account<C: ConnectionTrait>(
    conn: &C,
    owner: &user::Model,
    viewer: Option<&str>,
    page: &MastodonPage,
) -> AppResult<Vec<status::Model>> {
    if owner.hide_favorites {
        return Err(AppError::Forbidden(HIDDEN_FAVOURITES.into()));
    }
    favourited_statuses(conn, &owner.id, viewer, page).await
}

/// Statuses `owner` favourited that `viewer` may see, newest first.
pub async fn favourited_statuses<C: ConnectionTrait>(
    conn: &C,
    owner: &str,
    viewer: Option<&str>,
    page: &MastodonPage,
) -> AppResult<Vec<status::Model>> {
    Ok(page.newest_first(page.apply(favourited(owner, viewer)).all(conn).await?))
}

/// How many statuses `owner` favourited that `viewer` may see, the paging ignored (the total of
/// [`favourited_statuses`]).
pub async fn favourited_count<C: ConnectionTrait>(conn: &C, owner: &str, viewer: Option<&str>) -> AppResult<u64> {
    Ok(favourited(owner, viewer).count(conn).await?)
}

/// The statuses `owner` favourited that `viewer` may see, unpaged and unordered.
fn favourited(owner: &str, viewer: Option<&str>) -> sea_orm::Select<status::Entity> {
    let favourited = Query::select()
        .column(favourite::Column::StatusId)
        .from(favourite::Entity)
        .and_where(favourite::Column::UserId.eq(owner))
        .to_owned();
    let mut query =
        status::Entity::find().filter(status::Column::Id.in_subquery(favourited)).filter(statuses::visible_to(viewer));
    if let Some(viewer) = viewer {
        // Pleroma's `blocking_user`: statuses of accounts the viewer blocks are left out.
        let blocked = Query::select()
            .column(entity::block::Column::BlockedId)
            .from(entity::block::Entity)
            .and_where(entity::block::Column::BlockerId.eq(viewer))
            .to_owned();
        query = query.filter(status::Column::UserId.not_in_subquery(blocked));
    }
    query
}

// ---- Emoji reactions ---------------------------------------------------------------------------

/// A unicode emoji as Pleroma stores it (fully qualified), or `None` for anything else
/// (`CommonAPI.react_with_emoji`: `fully_qualify_emoji`, then `Emoji.unicode?`).
pub fn unicode_emoji(raw: &str) -> Option<String> {
    let qualified = super::emoji::unicode::fully_qualify(raw);
    super::emoji::unicode::is_unicode_emoji(&qualified).then_some(qualified)
}

/// An emoji a reaction may use, with its image for custom ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionEmoji {
    /// Unicode emoji, or a custom emoji's shortcode without colons.
    pub name: String,
    pub url: Option<String>,
}

/// What `PUT /reactions/:emoji` names: a unicode emoji, or this instance's custom emoji as
/// `:shortcode:` or `shortcode`; `None` for anything else (remote custom emoji are known here
/// only from reactions already made with them).
pub fn reaction_emoji(settings: &Settings, raw: &str) -> Option<ReactionEmoji> {
    let raw = raw.trim();
    if let Some(name) = unicode_emoji(raw) {
        return Some(ReactionEmoji { name, url: None });
    }
    let shortcode = raw.trim_matches(':');
    if shortcode.contains('@') {
        return None;
    }
    let index = super::emoji::index(settings);
    let all = index.all();
    let emoji = all.get(shortcode)?;
    Some(ReactionEmoji { name: emoji.shortcode.clone(), url: Some(format!("{}{}", settings.instance_url, emoji.file)) })
}

/// The name a reaction is stored under, for the emoji a request names (unicode, `:code:`,
/// `code`, `:code@host:`).
fn stored_name(raw: &str) -> String {
    let raw = raw.trim();
    match unicode_emoji(raw) {
        Some(name) => name,
        None => raw.trim_matches(':').to_string(),
    }
}

/// React to a status the caller may see. `BAD_REQUEST` "Could not add reaction emoji" for an
/// unknown status or emoji. Reacting twice with one emoji is one reaction. Notifies the author.
pub async fn react(db: &Db, settings: &Settings, by: &user::Model, id: &str, raw: &str) -> AppResult<status::Model> {
    let refused = || AppError::BadRequest(CANNOT_REACT.into());
    let status = target(db, &by.id, id).await.map_err(|_| refused())?;
    let emoji = match reaction_emoji(settings, raw) {
        Some(emoji) => emoji,
        None => {
            // A remote custom emoji someone already reacted with (`:wow@remote:`).
            let name = stored_name(raw);
            if !name.contains('@') {
                return Err(refused());
            }
            let (code, host) = name.split_once('@').unwrap_or((name.as_str(), ""));
            let known = emoji_reaction::Entity::find()
                .filter(emoji_reaction::Column::StatusId.eq(status.id.as_str()))
                .filter(emoji_reaction::Column::Emoji.eq(code))
                .filter(emoji_reaction::Column::Url.like(format!("%://{host}/%")))
                .one(&db.read)
                .await?
                .ok_or_else(refused)?;
            ReactionEmoji { name: known.emoji, url: known.url }
        }
    };
    let txn = db.begin().await?;
    let inserted = emoji_reaction::Entity::insert(emoji_reaction::ActiveModel {
        id: Set(crate::ids::flake_id()),
        user_id: Set(by.id.clone()),
        status_id: Set(status.id.clone()),
        emoji: Set(emoji.name.clone()),
        url: Set(emoji.url.clone()),
        inserted_at: Set(Utc::now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            emoji_reaction::Column::StatusId,
            emoji_reaction::Column::UserId,
            emoji_reaction::Column::Emoji,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted > 0 {
        let event = Event {
            kind: notifications::EMOJI_REACTION,
            actor_id: by.id.clone(),
            status_id: Some(status.id.clone()),
            emoji: Some(display_content(&emoji)),
            emoji_url: emoji.url.clone(),
            ..Event::default()
        };
        notifications::notify(&txn, std::slice::from_ref(&status.user_id), &event).await?;
        let content = display_content(&emoji);
        let url = emoji.url.as_deref();
        super::federation::publisher::emoji_reaction(&txn, by, &status, &content, url, false).await?;
    }
    txn.commit().await?;
    Ok(status)
}

/// The reaction's `content` as Pleroma's activity carries it: the unicode emoji, or `:code:`.
fn display_content(emoji: &ReactionEmoji) -> String {
    match emoji.url {
        Some(_) => format!(":{}:", emoji.name),
        None => emoji.name.clone(),
    }
}

/// Remove the caller's reaction (`BAD_REQUEST` "Could not remove reaction emoji" when there is
/// none).
pub async fn unreact(db: &Db, by: &user::Model, id: &str, raw: &str) -> AppResult<status::Model> {
    let refused = || AppError::BadRequest(CANNOT_UNREACT.into());
    let status = target(db, &by.id, id).await.map_err(|_| refused())?;
    let name = stored_name(raw);
    let code = name.split_once('@').map_or(name.as_str(), |(code, _)| code).to_string();
    let txn = db.begin().await?;
    let existing = emoji_reaction::Entity::find()
        .filter(emoji_reaction::Column::StatusId.eq(status.id.as_str()))
        .filter(emoji_reaction::Column::UserId.eq(by.id.as_str()))
        .filter(emoji_reaction::Column::Emoji.eq(code.as_str()))
        .one(&txn)
        .await?
        .ok_or_else(refused)?;
    emoji_reaction::Entity::delete_by_id(existing.id.as_str()).exec(&txn).await?;
    let emoji = ReactionEmoji { name: existing.emoji.clone(), url: existing.url.clone() };
    let event = Event {
        kind: notifications::EMOJI_REACTION,
        actor_id: by.id.clone(),
        status_id: Some(status.id.clone()),
        emoji: Some(display_content(&emoji)),
        ..Event::default()
    };
    notifications::withdraw(&txn, &event).await?;
    let content = display_content(&emoji);
    super::federation::publisher::emoji_reaction(&txn, by, &status, &content, emoji.url.as_deref(), true).await?;
    txn.commit().await?;
    Ok(status)
}

/// One emoji's reactions to a status, as Pleroma groups them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionGroup {
    /// Unicode emoji, or a custom emoji's shortcode.
    pub emoji: String,
    /// The custom emoji's image.
    pub url: Option<String>,
    /// Who reacted, latest first.
    pub user_ids: Vec<String>,
}

impl ReactionGroup {
    /// The name Pleroma shows (`EmojiReactionView.emoji_name`): the emoji, or `shortcode@host`
    /// for a custom emoji of another host than `instance_url`'s.
    pub fn name(&self, instance_url: &str) -> String {
        match &self.url {
            Some(url) => {
                let host = super::mrf::host_of(url);
                if host == super::mrf::host_of(instance_url) {
                    self.emoji.clone()
                } else {
                    format!("{}@{host}", self.emoji)
                }
            }
            None => self.emoji.clone(),
        }
    }
}

/// The reactions to each status, in one statement: emoji in the order first used, reactors
/// latest first (Pleroma's `Object.get_emoji_reactions`). Reactions of inactive accounts are
/// left out. Filtering by the viewer's blocks and mutes is [`visible_groups`]'s.
pub async fn reactions_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[String],
) -> AppResult<HashMap<String, Vec<ReactionGroup>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = conn.get_database_backend();
    // Correlated (each reactor looked up by key): an `IN (SELECT id FROM users WHERE …)` is read
    // whole by SQLite, every active account, for each page with reactions.
    let active = Query::select()
        .expr(Expr::val(1))
        .from(user::Entity)
        .and_where(
            Expr::col((user::Entity, user::Column::Id))
                .equals((emoji_reaction::Entity, emoji_reaction::Column::UserId)),
        )
        .and_where(Expr::col((user::Entity, user::Column::IsActive)).eq(true))
        .to_owned();
    let rows = emoji_reaction::Entity::find()
        .filter(super::among(backend, (emoji_reaction::Entity, emoji_reaction::Column::StatusId), ids))
        .filter(Expr::exists(active))
        .order_by_asc(emoji_reaction::Column::Id)
        .all(conn)
        .await?;
    let mut out: HashMap<String, Vec<ReactionGroup>> = HashMap::new();
    for row in rows {
        let groups = out.entry(row.status_id.clone()).or_default();
        match groups.iter_mut().find(|g| g.emoji == row.emoji && g.url == row.url) {
            Some(group) => group.user_ids.insert(0, row.user_id),
            None => groups.push(ReactionGroup { emoji: row.emoji, url: row.url, user_ids: vec![row.user_id] }),
        }
    }
    Ok(out)
}

/// Groups without the reactions of accounts the viewer blocks, or mutes (unless `with_muted`);
/// emptied groups go (Pleroma's `filter_allowed_users`).
pub fn visible_groups(
    groups: Vec<ReactionGroup>,
    blocked: &HashSet<String>,
    muted: &HashSet<String>,
    with_muted: bool,
) -> Vec<ReactionGroup> {
    groups
        .into_iter()
        .filter_map(|mut g| {
            g.user_ids.retain(|u| !blocked.contains(u) && (with_muted || !muted.contains(u)));
            (!g.user_ids.is_empty()).then_some(g)
        })
        .collect()
}

/// The accounts `viewer` blocks and mutes, in two statements.
pub async fn blocks_and_mutes<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
) -> AppResult<(HashSet<String>, HashSet<String>)> {
    let blocked: Vec<String> = entity::block::Entity::find()
        .select_only()
        .column(entity::block::Column::BlockedId)
        .filter(entity::block::Column::BlockerId.eq(viewer))
        .into_tuple()
        .all(conn)
        .await?;
    let muted: Vec<String> = entity::mute::Entity::find()
        .select_only()
        .column(entity::mute::Column::MutedId)
        .filter(entity::mute::Column::MuterId.eq(viewer))
        .into_tuple()
        .all(conn)
        .await?;
    Ok((blocked.into_iter().collect(), muted.into_iter().collect()))
}

/// Whether `raw` names the same emoji as a group (for `GET /reactions/:emoji`).
pub fn names_group(raw: &str, group: &ReactionGroup, instance_url: &str) -> bool {
    stored_name(raw) == group.name(instance_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_emoji_are_fully_qualified() {
        assert_eq!(unicode_emoji("\u{26A0}").as_deref(), Some("\u{26A0}\u{FE0F}"));
        assert_eq!(unicode_emoji("👍").as_deref(), Some("👍"));
        assert_eq!(unicode_emoji("☕").as_deref(), Some("☕"));
        assert_eq!(unicode_emoji("👩‍💻").as_deref(), Some("👩‍💻"));
        assert_eq!(unicode_emoji("🇫🇷").as_deref(), Some("🇫🇷"));
        assert_eq!(unicode_emoji("1️⃣").as_deref(), Some("1️⃣"));
        assert_eq!(unicode_emoji("x"), None);
        assert_eq!(unicode_emoji(":dino:"), None);
        assert_eq!(unicode_emoji("👍x"), None);
        assert_eq!(unicode_emoji(""), None);
    }
}
