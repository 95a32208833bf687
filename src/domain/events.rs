//! Events (ROUTES.md §31), as mkljczk's Pleroma fork has them (`PleromaAPI.EventController`,
//! `CommonAPI.event/join/leave`, `accept_join_request`/`reject_join_request`): an event is a
//! status with an event record, and other users take part through participations whose state is
//! `pending` (asked to join a restricted event), `accept` or `reject`. The organiser cannot join
//! or leave their own event; only the organiser sees and answers participation requests.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{block, event, event_participation as participation, media_attachment, status, user};
use sea_orm::{
    sea_query::{Expr, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::statuses::{self, MastodonPage, NewStatus};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// The fork's message for an end before the start (`ActivityDraft.event_date`).
pub const ENDS_BEFORE_START: &str = "Event can't end before its start";
/// The fork's refusal when the organiser joins their own event.
pub const JOIN_OWN: &str = "Can't join your own event";
/// The fork's refusal when the organiser leaves their own event.
pub const LEAVE_OWN: &str = "Can't leave your own event";
/// The fork's refusal of a leave without a participation.
pub const NOT_PARTICIPATING: &str = "Not participating in the event";
/// The fork's 403 when someone else asks for an event's participation requests.
pub const REQUESTS_FORBIDDEN: &str = "Can't get participation requests";
/// The Mastodon fallback's 403 (`{:error, :forbidden}`).
pub const ACCESS_DENIED: &str = "Access denied";
/// The description the fork gives an event's banner attachment (clients find it by it).
pub const BANNER: &str = "Banner";

/// Join modes: anyone joins at once (`free`), or the organiser accepts each request.
pub const JOIN_MODES: [&str; 2] = ["free", "restricted"];

/// Participation states.
pub const STATES: [&str; 3] = ["pending", "accept", "reject"];

/// A new event (`POST /api/v1/pleroma/events`).
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub name: String,
    /// The description (the status text); may be empty.
    pub status: Option<String>,
    /// An upload of the organiser's, shown as the banner.
    pub banner_id: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    /// `free` (default) or `restricted`.
    pub join_mode: Option<String>,
    /// An id from the location provider (none is configured: ignored).
    pub location_id: Option<String>,
    /// `public` (default), `unlisted`, `private` or `direct`.
    pub visibility: Option<String>,
    pub content_type: Option<String>,
    pub language: Option<String>,
}

/// Changes to an event (`PUT /api/v1/pleroma/events/:id`); absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct EventChanges {
    pub name: Option<String>,
    pub status: Option<String>,
    pub banner_id: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub join_mode: Option<String>,
    pub location_id: Option<String>,
    pub content_type: Option<String>,
}

fn check_times(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> AppResult<()> {
    match end {
        Some(end) if end < start => Err(AppError::invalid("end_time", ENDS_BEFORE_START)),
        _ => Ok(()),
    }
}

fn join_mode(value: Option<&str>) -> AppResult<&'static str> {
    match value {
        None | Some("") => Ok("free"),
        Some(v) => JOIN_MODES
            .iter()
            .find(|m| **m == v)
            .copied()
            .ok_or_else(|| AppError::invalid("join_mode", "Invalid join mode")),
    }
}

/// Attach the organiser's upload `media_id` to `status_id` as its banner (an unknown upload, or
/// someone else's, is `NOT_FOUND`); an earlier banner is detached.
async fn set_banner<C: ConnectionTrait>(conn: &C, owner: &str, status_id: &str, media_id: &str) -> AppResult<()> {
    let media = media_attachment::Entity::find_by_id(media_id)
        .filter(media_attachment::Column::UserId.eq(owner))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("Record not found".into()))?;
    media_attachment::Entity::update_many()
        .col_expr(media_attachment::Column::StatusId, Expr::value(Option::<String>::None))
        .filter(media_attachment::Column::StatusId.eq(status_id))
        .filter(media_attachment::Column::Description.eq(BANNER))
        .filter(media_attachment::Column::Id.ne(media.id.as_str()))
        .exec(conn)
        .await?;
    let mut row: media_attachment::ActiveModel = media.into();
    row.status_id = Set(Some(status_id.to_string()));
    row.description = Set(Some(BANNER.to_string()));
    row.update(conn).await?;
    Ok(())
}

/// Create an event as `author`: its status (the description, possibly empty) and its record,
/// in one transaction.
pub async fn create(db: &Db, settings: &Settings, author: &user::Model, new: NewEvent) -> AppResult<status::Model> {
    let start = new.start_time.ok_or_else(|| AppError::invalid("start_time", "Start date is required"))?;
    check_times(start, new.end_time)?;
    let mode = join_mode(new.join_mode.as_deref())?;
    let name = new.name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::invalid("name", "Event name can't be blank"));
    }
    let txn = db.begin().await?;
    let post = NewStatus {
        status: Some(new.status.unwrap_or_default()),
        visibility: new.visibility,
        content_type: new.content_type,
        language: new.language,
        ..Default::default()
    };
    let saved = statuses::create_in_allowing_empty(&txn, db, settings, author, post).await?;
    if let Some(banner) = new.banner_id.as_deref().filter(|b| !b.is_empty()) {
        set_banner(&txn, &author.id, &saved.id, banner).await?;
    }
    event::ActiveModel {
        status_id: Set(saved.id.clone()),
        name: Set(name),
        start_time: Set(start),
        end_time: Set(new.end_time),
        join_mode: Set(mode.to_string()),
        location: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// An event the viewer may see: its status and record (`NOT_FOUND` otherwise, as the fork's
/// `assign_event_activity`).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    viewer: Option<&str>,
) -> AppResult<(status::Model, event::Model)> {
    let not_found = || AppError::NotFound("Record not found".into());
    let status = statuses::find_visible(conn, id, viewer).await?.ok_or_else(not_found)?;
    let record = event::Entity::find_by_id(status.id.as_str()).one(conn).await?.ok_or_else(not_found)?;
    Ok((status, record))
}

/// Change an event (its organiser only: anyone else is `FORBIDDEN` "Access denied").
pub async fn update(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    id: &str,
    changes: EventChanges,
) -> AppResult<status::Model> {
    let (status, record) = find_visible(&db.read, id, Some(&user.id)).await?;
    if status.user_id != user.id {
        return Err(AppError::Forbidden(ACCESS_DENIED.into()));
    }
    let start = changes.start_time.unwrap_or(record.start_time);
    let end = changes.end_time.or(record.end_time);
    check_times(start, end)?;
    let mode = match changes.join_mode.as_deref() {
        Some(m) => join_mode(Some(m))?.to_string(),
        None => record.join_mode.clone(),
    };
    let txn = db.begin().await?;
    let mut row: event::ActiveModel = record.into();
    if let Some(name) = changes.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        row.name = Set(name);
    }
    row.start_time = Set(start);
    row.end_time = Set(end);
    row.join_mode = Set(mode);
    row.update(&txn).await?;
    if let Some(banner) = changes.banner_id.as_deref().filter(|b| !b.is_empty()) {
        set_banner(&txn, &user.id, &status.id, banner).await?;
    }
    let mut post: status::ActiveModel = status.clone().into();
    if let Some(text) = changes.status {
        let content_type = changes
            .content_type
            .as_deref()
            .filter(|t| statuses::POST_FORMATS.contains(t))
            .unwrap_or(&status.content_type)
            .to_string();
        post.content = Set(statuses::render_content(&text, &content_type, &[], &settings.instance_url));
        post.source = Set(Some(text));
        post.content_type = Set(content_type);
    }
    post.edited_at = Set(Some(Utc::now()));
    let saved = post.update(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

async fn participation_of<C: ConnectionTrait>(
    conn: &C,
    event_id: &str,
    user_id: &str,
) -> AppResult<Option<participation::Model>> {
    Ok(participation::Entity::find()
        .filter(participation::Column::EventId.eq(event_id))
        .filter(participation::Column::UserId.eq(user_id))
        .one(conn)
        .await?)
}

/// Join an event the user may see: at once for a `free` event, as a pending request (with its
/// message) for a `restricted` one.
pub async fn join(db: &Db, user: &user::Model, id: &str, message: Option<String>) -> AppResult<status::Model> {
    let (status, record) = find_visible(&db.write, id, Some(&user.id)).await?;
    if status.user_id == user.id {
        return Err(AppError::BadRequest(JOIN_OWN.into()));
    }
    // A second join changes nothing (the fork answers `{:ok, :already_joined}`).
    if participation_of(&db.write, &status.id, &user.id).await?.is_some() {
        return Ok(status);
    }
    let restricted = record.join_mode == "restricted";
    let inserted = participation::ActiveModel {
        id: Set(crate::ids::flake_id()),
        event_id: Set(status.id.clone()),
        user_id: Set(user.id.clone()),
        state: Set(if restricted { "pending" } else { "accept" }.to_string()),
        participation_message: Set(message.filter(|m| !m.is_empty())),
        inserted_at: Set(Utc::now()),
    }
    .insert(&db.write)
    .await;
    match inserted.map_err(AppError::from) {
        Ok(_) => Ok(status),
        // The same join sent twice at once.
        Err(AppError::Unique(_)) => Ok(status),
        Err(err) => Err(err),
    }
}

/// Leave an event (or withdraw a request).
pub async fn leave(db: &Db, user: &user::Model, id: &str) -> AppResult<status::Model> {
    let (status, _) = find_visible(&db.write, id, Some(&user.id)).await?;
    if status.user_id == user.id {
        return Err(AppError::BadRequest(LEAVE_OWN.into()));
    }
    let gone = participation::Entity::delete_many()
        .filter(participation::Column::EventId.eq(status.id.as_str()))
        .filter(participation::Column::UserId.eq(user.id.as_str()))
        .exec(&db.write)
        .await?;
    if gone.rows_affected == 0 {
        return Err(AppError::BadRequest(NOT_PARTICIPATING.into()));
    }
    Ok(status)
}

/// Accept (`accept`) or reject (`reject`) a participation in the organiser's event. An unknown
/// participant or one who never asked is `NOT_FOUND`; anyone but the organiser is `FORBIDDEN`.
pub async fn answer_request(
    db: &Db,
    organiser: &user::Model,
    id: &str,
    participant_id: &str,
    state: &str,
) -> AppResult<status::Model> {
    let (status, _) = find_visible(&db.write, id, Some(&organiser.id)).await?;
    let not_found = || AppError::NotFound("Record not found".into());
    user::Entity::find_by_id(participant_id).one(&db.write).await?.ok_or_else(not_found)?;
    if status.user_id != organiser.id {
        return Err(AppError::Forbidden(ACCESS_DENIED.into()));
    }
    let found = participation_of(&db.write, &status.id, participant_id).await?.ok_or_else(not_found)?;
    let mut row: participation::ActiveModel = found.into();
    row.state = Set(state.to_string());
    row.update(&db.write).await?;
    Ok(status)
}

/// The accepted participants of an event the viewer may see, in the order they joined, less
/// those the viewer blocks.
pub async fn participants<C: ConnectionTrait>(conn: &C, viewer: &str, id: &str) -> AppResult<Vec<user::Model>> {
    let (status, _) = find_visible(conn, id, Some(viewer)).await?;
    let blocked = Query::select()
        .column(block::Column::BlockedId)
        .from(block::Entity)
        .and_where(block::Column::BlockerId.eq(viewer))
        .to_owned();
    let rows = participation::Entity::find()
        .filter(participation::Column::EventId.eq(status.id.as_str()))
        .filter(participation::Column::State.eq("accept"))
        .filter(participation::Column::UserId.not_in_subquery(blocked))
        .order_by_asc(participation::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<String> = rows.iter().map(|p| p.user_id.clone()).collect();
    let mut users: HashMap<String, user::Model> = super::rows_among::<user::Entity, _>(conn, user::Column::Id, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    Ok(ids.iter().filter_map(|id| users.remove(id)).collect())
}

/// Participations of an event the viewer may see, oldest first, after the participation
/// `after`: the organiser sees every state (or `state` only), anyone else accepted ones only.
pub async fn participations_page<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    id: &str,
    state: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> AppResult<Vec<participation::Model>> {
    let (status, _) = find_visible(conn, id, Some(viewer)).await?;
    let state = if status.user_id == viewer { state } else { Some("accept") };
    let mut query = participation::Entity::find().filter(participation::Column::EventId.eq(status.id.as_str()));
    if let Some(state) = state {
        query = query.filter(participation::Column::State.eq(state));
    }
    if let Some(after) = after {
        query = query.filter(participation::Column::Id.gt(after));
    }
    Ok(query.order_by_asc(participation::Column::Id).limit(limit).all(conn).await?)
}

/// How many participations [`participations_page`] pages through.
pub async fn participations_count<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    id: &str,
    state: Option<&str>,
) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    let (status, _) = find_visible(conn, id, Some(viewer)).await?;
    let state = if status.user_id == viewer { state } else { Some("accept") };
    let mut query = participation::Entity::find().filter(participation::Column::EventId.eq(status.id.as_str()));
    if let Some(state) = state {
        query = query.filter(participation::Column::State.eq(state));
    }
    Ok(query.count(conn).await?)
}

/// Pending requests to join the organiser's event, newest first, Mastodon-paged by
/// participation id (anyone else: `FORBIDDEN` "Can't get participation requests").
pub async fn requests<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    id: &str,
    page: &MastodonPage,
) -> AppResult<Vec<participation::Model>> {
    let query = pending(conn, viewer, id).await?;
    let query = page.apply_keyed(query, participation::Column::Id, |id| Some(id.to_string()));
    Ok(page.newest_first(query.all(conn).await?))
}

/// How many requests to join the organiser's event are pending, the paging ignored (the total
/// of [`requests`]).
pub async fn requests_count<C: ConnectionTrait>(conn: &C, viewer: &str, id: &str) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(pending(conn, viewer, id).await?.count(conn).await?)
}

/// The pending participations of the viewer's event, unpaged (anyone but the organiser:
/// `FORBIDDEN` "Can't get participation requests").
async fn pending<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    id: &str,
) -> AppResult<sea_orm::Select<participation::Entity>> {
    let (status, _) = find_visible(conn, id, Some(viewer)).await?;
    if status.user_id != viewer {
        return Err(AppError::Forbidden(REQUESTS_FORBIDDEN.into()));
    }
    Ok(participation::Entity::find()
        .filter(participation::Column::EventId.eq(status.id.as_str()))
        .filter(participation::Column::State.eq("pending")))
}

/// Events the user takes part in (any state, or `state` only) that they may still see, newest
/// event first, Mastodon-paged by status id.
pub async fn joined<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    state: Option<&str>,
    page: &MastodonPage,
) -> AppResult<Vec<status::Model>> {
    Ok(page.newest_first(page.apply(joined_events(user_id, state)).all(conn).await?))
}

/// How many events the user takes part in (any state, or `state` only) that they may still see,
/// the paging ignored (the total of [`joined`]).
pub async fn joined_count<C: ConnectionTrait>(conn: &C, user_id: &str, state: Option<&str>) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(joined_events(user_id, state).count(conn).await?)
}

/// The events' statuses the user takes part in and may see, unpaged.
fn joined_events(user_id: &str, state: Option<&str>) -> sea_orm::Select<status::Entity> {
    let mut joined = Query::select()
        .column(participation::Column::EventId)
        .from(participation::Entity)
        .and_where(participation::Column::UserId.eq(user_id))
        .to_owned();
    if let Some(state) = state {
        joined.and_where(participation::Column::State.eq(state));
    }
    status::Entity::find().filter(status::Column::Id.in_subquery(joined)).filter(statuses::visible_to(Some(user_id)))
}

// ---- Batched reads -----------------------------------------------------------------------------

/// The event records of statuses (statuses that are not events have none).
pub async fn records<C: ConnectionTrait>(conn: &C, status_ids: &[String]) -> AppResult<Vec<event::Model>> {
    Ok(super::rows_among::<event::Entity, _>(conn, event::Column::StatusId, status_ids).await?)
}

/// Participations of events in one state, counted per event.
pub async fn counts<C: ConnectionTrait>(
    conn: &C,
    event_ids: &[String],
    state: &str,
) -> AppResult<HashMap<String, u64>> {
    if event_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, i64)> = participation::Entity::find()
        .select_only()
        .column(participation::Column::EventId)
        .column_as(participation::Column::Id.count(), "n")
        .filter(super::among(conn.get_database_backend(), participation::Column::EventId, event_ids))
        .filter(participation::Column::State.eq(state))
        .group_by(participation::Column::EventId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, u64::try_from(n).unwrap_or(0))).collect())
}

/// The viewer's participation state in each of these events (where they have one).
pub async fn states_of<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    event_ids: &[String],
) -> AppResult<HashMap<String, String>> {
    if event_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = participation::Entity::find()
        .filter(super::among(conn.get_database_backend(), participation::Column::EventId, event_ids))
        .filter(participation::Column::UserId.eq(viewer))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|p| (p.event_id, p.state)).collect())
}

// ---- iCalendar ---------------------------------------------------------------------------------

/// What an event's `.ics` file says (the fork's `EventView` "show.ics").
#[derive(Debug, Clone)]
pub struct IcsEvent<'a> {
    pub summary: &'a str,
    /// The description as plain text.
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// The organiser's display name, else nickname (plain text).
    pub organizer: String,
    /// The status id.
    pub uid: &'a str,
    /// The status's ActivityPub id.
    pub url: &'a str,
}

/// The event as an iCalendar document (one VEVENT in a Gregorian VCALENDAR).
pub fn ics(event: &IcsEvent<'_>) -> String {
    use icalendar::{Calendar, Component, EventLike};
    let mut vevent = icalendar::Event::new();
    vevent
        .summary(event.summary)
        .description(&event.description)
        .starts(event.start)
        .uid(event.uid)
        .url(event.url)
        .add_property("ORGANIZER", &event.organizer);
    if let Some(end) = event.end {
        vevent.ends(end);
    }
    let mut calendar = Calendar::new();
    calendar.append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"));
    calendar.push(vevent.done());
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_before_the_start_is_refused() {
        let start = DateTime::parse_from_rfc3339("2023-01-01T04:00:00Z").map(|d| d.with_timezone(&Utc));
        let end = DateTime::parse_from_rfc3339("2022-12-31T04:00:00Z").map(|d| d.with_timezone(&Utc));
        let (Ok(start), Ok(end)) = (start, end) else { panic!("dates") };
        let err = check_times(start, Some(end)).err();
        assert!(matches!(err, Some(AppError::Invalid(f)) if f.values().any(|m| m == ENDS_BEFORE_START)));
        assert!(check_times(start, Some(start)).is_ok());
        assert!(check_times(start, None).is_ok());
    }

    #[test]
    fn ics_has_the_event_fields() {
        let start = DateTime::parse_from_rfc3339("2023-01-01T01:00:00Z").map(|d| d.with_timezone(&Utc));
        let Ok(start) = start else { panic!("date") };
        let text = ics(&IcsEvent {
            summary: "test event",
            description: String::new(),
            start,
            end: None,
            organizer: "Alice".into(),
            uid: "A1",
            url: "https://x.test/objects/1",
        });
        for line in [
            "BEGIN:VCALENDAR",
            "BEGIN:VEVENT",
            "DTSTART:20230101T010000Z",
            "SUMMARY:test event",
            "UID:A1",
            "ORGANIZER:Alice",
            "END:VCALENDAR",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        assert!(!text.contains("DTEND"), "{text}");
    }
}
