//! Events (ROUTES.md §31, mkljczk's Pleroma fork): creating and editing events, joining and
//! leaving them, the organiser's answers to participation requests, the lists around them and
//! an event's iCalendar file. The event itself shows on its status (`pleroma.event`).
mod loaders;
mod types;

use async_graphql::{
    connection::{Connection, ConnectionNameType, CursorType, Edge, EdgeNameType, EmptyFields, OpaqueCursor},
    Context, InputObject, Json, Object, OutputType, SimpleObject, ID,
};

pub use loaders::*;
pub use types::*;

use super::{
    accounts::Account,
    pagination::{from_an_id, keyset_connection, KeysetConnection, LazyTotal},
    statuses::{Status, StatusListConnection, StatusPageInput},
    ContextExt, FieldRule,
};
use crate::{
    auth::Access,
    domain::{
        events::{self as domain, EventChanges, IcsEvent, NewEvent},
        statuses::MastodonPage,
    },
    error::AppError,
    graphql::scalars::DateTime,
};

/// A page of an event's participations.
pub type EventParticipationConnection = Connection<OpaqueCursor<String>, EventParticipation, LazyTotal, EmptyFields>;

/// Names the Mastodon-paged connection of pending requests apart from
/// [`EventParticipationConnection`] (cursor-paged).
pub struct ParticipationRequestName;

impl ConnectionNameType for ParticipationRequestName {
    fn type_name<T: OutputType>() -> String {
        "ParticipationRequestConnection".into()
    }
}

impl EdgeNameType for ParticipationRequestName {
    fn type_name<T: OutputType>() -> String {
        "ParticipationRequestEdge".into()
    }
}

/// A Mastodon-paged page of pending requests to join an event, newest first; each cursor is its
/// participation's id (the next page's `maxId`), the total counted when asked.
pub type ParticipationRequestConnection =
    KeysetConnection<EventParticipation, ParticipationRequestName, ParticipationRequestName>;

const READ: &[&str] = &["read"];
const WRITE: &[&str] = &["write"];

/// Access rules of this area's fields (the fork's `OAuthScopesPlug` rules: `read` and `write`;
/// the `.ics` file is public, the event's visibility deciding).
pub const ACCESS: &[FieldRule] = &[
    ("Query", "eventParticipations", Access::User(READ)),
    ("Query", "eventParticipationRequests", Access::User(READ)),
    ("Query", "eventParticipationConnection", Access::User(READ)),
    ("Query", "joinedEvents", Access::User(READ)),
    ("Query", "eventIcs", Access::Public),
    ("Query", "searchLocations", Access::User(READ)),
    ("Mutation", "createEvent", Access::User(WRITE)),
    ("Mutation", "updateEvent", Access::User(WRITE)),
    ("Mutation", "joinEvent", Access::User(WRITE)),
    ("Mutation", "leaveEvent", Access::User(WRITE)),
    ("Mutation", "authorizeEventParticipation", Access::User(WRITE)),
    ("Mutation", "rejectEventParticipation", Access::User(WRITE)),
];

/// Event reads.
#[derive(Default)]
pub struct EventsQuery;

#[Object]
impl EventsQuery {
    /// Accepted participants of an event the caller may see, in the order they joined, less
    /// those the caller blocks (`NOT_FOUND` for an unknown or hidden event).
    async fn event_participations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event's (its status's) id.")] id: ID,
    ) -> async_graphql::Result<Vec<Account>> {
        let viewer = ctx.viewer().require_user()?;
        let users = domain::participants(&ctx.db().read, &viewer.id, &id).await?;
        Ok(users.into_iter().map(Account::new).collect())
    }

    /// Participations of an event the caller may see, oldest first, a page at a time (`first`,
    /// default 20, at most 100; `after` a cursor): the organiser sees every state, or `state`
    /// only; anyone else accepted participations only.
    #[graphql(complexity = "crate::graphql::pagination::page_complexity(child_complexity, first, None, 20)")]
    async fn event_participation_connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event's (its status's) id.")] id: ID,
        #[graphql(desc = "Only participations in this state.")] state: Option<ParticipationState>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<EventParticipationConnection> {
        let viewer = ctx.viewer().require_user()?;
        let after = match &after {
            Some(cursor) => Some(
                OpaqueCursor::<String>::decode_cursor(cursor)
                    .map_err(|_| AppError::BadRequest("invalid cursor".into()))?
                    .0,
            ),
            None => None,
        };
        let limit = first.map_or(20, |n| u64::try_from(n).unwrap_or(1)).clamp(1, 100);
        let state = state.map(ParticipationState::as_str);
        let mut rows =
            domain::participations_page(&ctx.db().read, &viewer.id, &id, state, after.as_deref(), limit + 1).await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let (db, viewer, event) = (ctx.db().read.clone(), viewer.id.clone(), id.0.clone());
        let total = LazyTotal::counted(limit, move || {
            let (db, viewer, event) = (db.clone(), viewer.clone(), event.clone());
            Box::pin(async move { domain::participations_count(&db, &viewer, &event, state).await })
        });
        let mut connection = Connection::with_additional_fields(after.is_some(), more, total);
        connection.edges.extend(rows.into_iter().map(|p| Edge::new(OpaqueCursor(p.id.clone()), EventParticipation(p))));
        Ok(connection)
    }

    /// Pending requests to join the caller's event, newest first, Mastodon-paged. Anyone but
    /// the organiser: `FORBIDDEN` "Can't get participation requests".
    async fn event_participation_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event's (its status's) id.")] id: ID,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<ParticipationRequestConnection> {
        let viewer = ctx.viewer().require_user()?;
        let page = MastodonPage::from(page);
        let rows = domain::requests(&ctx.db().read, &viewer.id, &id, &page).await?;
        let (db, viewer, event) = (ctx.db().read.clone(), viewer.id.clone(), id.0);
        let total = LazyTotal::counted(page.size(), move || {
            let (db, viewer, event) = (db.clone(), viewer.clone(), event.clone());
            Box::pin(async move { domain::requests_count(&db, &viewer, &event).await })
        });
        let nodes = rows.into_iter().map(EventParticipation).collect();
        Ok(keyset_connection(nodes, |p: &EventParticipation| p.0.id.clone(), from_an_id(&page), total))
    }

    /// Events the caller takes part in (in any state, or in `state` only) that they may see,
    /// newest first, Mastodon-paged by status id.
    async fn joined_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only participations in this state.")] state: Option<ParticipationState>,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<StatusListConnection> {
        let viewer = ctx.viewer().require_user()?;
        let page = MastodonPage::from(page);
        let state = state.map(ParticipationState::as_str);
        let rows = domain::joined(&ctx.db().read, &viewer.id, state, &page).await?;
        crate::graphql::statuses::prefetch::statuses(ctx, &rows).await?;
        let (db, viewer) = (ctx.db().read.clone(), viewer.id.clone());
        let total = LazyTotal::counted(page.size(), move || {
            let (db, viewer) = (db.clone(), viewer.clone());
            Box::pin(async move { domain::joined_count(&db, &viewer, state).await })
        });
        let nodes = rows.into_iter().map(Status::from_row).collect();
        Ok(keyset_connection(nodes, |s: &Status| s.row().id.clone(), from_an_id(&page), total))
    }

    /// An event as an iCalendar document (`text/calendar`): SUMMARY, DESCRIPTION (plain text),
    /// DTSTART, DTEND (when it has an end), ORGANIZER, UID (the status id) and URL. An event the
    /// caller may not see (a private one for a stranger) is `NOT_FOUND`.
    async fn event_ics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event's (its status's) id.")] id: ID,
    ) -> async_graphql::Result<String> {
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.as_str());
        let db = &ctx.db().read;
        let (status, record) = domain::find_visible(db, &id, viewer).await?;
        let organiser = crate::domain::users::find_by_nickname_or_id(db, &status.user_id)
            .await?
            .ok_or_else(|| crate::error::AppError::internal(format!("event {} has no organiser", status.id)))?;
        let organizer = match organiser.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => crate::domain::statuses::plain_text(name),
            None => organiser.nickname.clone(),
        };
        Ok(domain::ics(&IcsEvent {
            summary: &record.name,
            description: crate::domain::statuses::plain_text(&status.content),
            start: record.start_time,
            end: record.end_time,
            organizer,
            uid: &status.id,
            url: &status.ap_id,
        }))
    }

    /// Places matching `q` from the location provider. No provider is configured on this
    /// gateway, so the list is always empty.
    async fn search_locations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The place's name.")] q: String,
    ) -> async_graphql::Result<Vec<Json<serde_json::Value>>> {
        ctx.viewer().require_user()?;
        let _ = q;
        Ok(vec![])
    }
}

/// A new event.
#[derive(InputObject)]
pub struct CreateEventInput {
    /// The event's name.
    pub name: String,
    /// The description (the status text; may be empty).
    pub status: Option<String>,
    /// An upload of the caller's shown as the banner (a media attachment described "Banner").
    pub banner_id: Option<ID>,
    /// When it starts.
    pub start_time: DateTime,
    /// When it ends; before the start: `VALIDATION_FAILED` "Event can't end before its start".
    pub end_time: Option<DateTime>,
    /// `FREE` (default) or `RESTRICTED`.
    pub join_mode: Option<EventJoinMode>,
    /// An id from the location provider (none is configured: ignored).
    pub location_id: Option<String>,
    /// Who may see it (default public): `public`, `unlisted`, `private` or `direct`.
    pub visibility: Option<super::statuses::StatusVisibility>,
    /// `text/plain` (default), `text/markdown` or `text/html`.
    pub content_type: Option<String>,
    /// Language code.
    pub language: Option<String>,
}

/// Changes to an event; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateEventInput {
    /// The event's status id.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// A new description.
    pub status: Option<String>,
    /// A new banner (an upload of the caller's).
    pub banner_id: Option<ID>,
    /// A new start.
    pub start_time: Option<DateTime>,
    /// A new end.
    pub end_time: Option<DateTime>,
    /// A new join mode.
    pub join_mode: Option<EventJoinMode>,
    /// An id from the location provider (none is configured: ignored).
    pub location_id: Option<String>,
    /// The description's format.
    pub content_type: Option<String>,
}

/// An event to join.
#[derive(InputObject)]
pub struct JoinEventInput {
    /// The event's status id.
    pub id: ID,
    /// A word to the organiser of a restricted event.
    pub participation_message: Option<String>,
}

/// An event named by id.
#[derive(InputObject)]
pub struct EventIdInput {
    /// The event's status id.
    pub id: ID,
}

/// A participation request to answer.
#[derive(InputObject)]
pub struct EventParticipationInput {
    /// The event's status id.
    pub id: ID,
    /// The participant's account id.
    pub participant_id: ID,
}

/// The event's status, after an action.
#[derive(SimpleObject)]
pub struct EventPayload {
    /// The event's status (its event under `pleroma.event`).
    pub status: Status,
}

/// Event actions.
#[derive(Default)]
pub struct EventsMutation;

#[Object]
impl EventsMutation {
    /// Create an event as the caller: a status with its event.
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateEventInput,
    ) -> async_graphql::Result<EventPayload> {
        let author = ctx.viewer().require_user()?.clone();
        let new = NewEvent {
            name: input.name,
            status: input.status,
            banner_id: input.banner_id.map(|i| i.0),
            start_time: Some(input.start_time.0),
            end_time: input.end_time.map(|t| t.0),
            join_mode: input.join_mode.map(|m| m.as_str().to_string()),
            location_id: input.location_id,
            visibility: input.visibility.map(|v| v.as_str().to_string()),
            content_type: input.content_type,
            language: input.language,
        };
        let row = domain::create(ctx.db(), ctx.settings(), &author, new).await?;
        Ok(EventPayload { status: Status::from_row(row) })
    }

    /// Edit one of the caller's events (anyone else's: `FORBIDDEN` "Access denied").
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateEventInput,
    ) -> async_graphql::Result<EventPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let changes = EventChanges {
            name: input.name,
            status: input.status,
            banner_id: input.banner_id.map(|i| i.0),
            start_time: input.start_time.map(|t| t.0),
            end_time: input.end_time.map(|t| t.0),
            join_mode: input.join_mode.map(|m| m.as_str().to_string()),
            location_id: input.location_id,
            content_type: input.content_type,
        };
        let row = domain::update(ctx.db(), ctx.settings(), &user, &input.id, changes).await?;
        Ok(EventPayload { status: Status::from_row(row) })
    }

    /// Join an event: at once when it is free, as a pending request when restricted. The
    /// organiser: `BAD_REQUEST` "Can't join your own event".
    async fn join_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: JoinEventInput,
    ) -> async_graphql::Result<EventPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::join(ctx.db(), &user, &input.id, input.participation_message).await?;
        Ok(EventPayload { status: Status::from_row(row) })
    }

    /// Leave an event (or withdraw a request). Without a participation: `BAD_REQUEST` "Not
    /// participating in the event".
    async fn leave_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: EventIdInput,
    ) -> async_graphql::Result<EventPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::leave(ctx.db(), &user, &input.id).await?;
        Ok(EventPayload { status: Status::from_row(row) })
    }

    /// Accept a participation request to the caller's event.
    async fn authorize_event_participation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: EventParticipationInput,
    ) -> async_graphql::Result<EventPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::answer_request(ctx.db(), &user, &input.id, &input.participant_id, "accept").await?;
        Ok(EventPayload { status: Status::from_row(row) })
    }

    /// Reject a participation request to the caller's event.
    async fn reject_event_participation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: EventParticipationInput,
    ) -> async_graphql::Result<EventPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::answer_request(ctx.db(), &user, &input.id, &input.participant_id, "reject").await?;
        Ok(EventPayload { status: Status::from_row(row) })
    }
}
