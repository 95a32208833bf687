//! Events (ROUTES.md §31): the events API of mkljczk's Pleroma fork (`PleromaAPI.EventController`
//! and `SearchController.location`), with its Mastodon-fallback errors.
use async_graphql::Value as ConstValue;
use axum::http::Method;

use super::{
    accounts::admin_accounts,
    operation, read,
    statuses::{link_header, wire_statuses},
    Answer, Call, Fields, Opaque, Route, Shape,
};
use crate::error::AppError;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let row = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).mastodon_errors()
    };
    let event = || Shape::at("status").mapped(wire_statuses);
    vec![
        // POST /events: the event's MastoStatus; 422 "Event can't end before its start".
        row(M::POST, "/api/v1/pleroma/events", "Create an event", operation!("events/create"), event()),
        // GET /events/joined_events: [MastoStatus] with a Link header.
        row(
            M::GET,
            "/api/v1/pleroma/events/joined_events",
            "Events the caller joined",
            operation!("events/joined_events"),
            Shape::Convert(linked_statuses),
        ),
        // PUT /events/:id (the seed says POST: both answer): the MastoStatus; 403 for others.
        row(M::PUT, "/api/v1/pleroma/events/{id}", "Edit an event", operation!("events/update"), event()),
        row(
            M::POST,
            "/api/v1/pleroma/events/{id}",
            "Edit an event (POST, as the seed has it)",
            operation!("events/update"),
            event(),
        ),
        // GET /events/:id/participations: [MastoAccount].
        row(
            M::GET,
            "/api/v1/pleroma/events/{id}/participations",
            "Accepted participants of an event",
            operation!("events/participations"),
            Shape::FIELD.mapped(admin_accounts),
        ),
        // GET /events/:id/participation_requests: [{account, participation_message}] with a Link
        // header; 403 "Can't get participation requests" for anyone but the organiser.
        row(
            M::GET,
            "/api/v1/pleroma/events/{id}/participation_requests",
            "Pending participation requests of the caller's event",
            operation!("events/participation_requests"),
            Shape::Convert(participation_requests),
        ),
        row(
            M::POST,
            "/api/v1/pleroma/events/{id}/participation_requests/{participant_id}/authorize",
            "Accept a participation request",
            operation!("events/authorize"),
            event(),
        ),
        row(
            M::POST,
            "/api/v1/pleroma/events/{id}/participation_requests/{participant_id}/reject",
            "Reject a participation request",
            operation!("events/reject"),
            event(),
        ),
        // POST /events/:id/join: 400 "Can't join your own event".
        row(M::POST, "/api/v1/pleroma/events/{id}/join", "Join an event", operation!("events/join"), event()),
        // POST /events/:id/leave: 400 "Not participating in the event".
        row(M::POST, "/api/v1/pleroma/events/{id}/leave", "Leave an event", operation!("events/leave"), event()),
        // GET /events/:id/ics: text/calendar; 404 when the caller may not see the event.
        row(
            M::GET,
            "/api/v1/pleroma/events/{id}/ics",
            "An event as an iCalendar file",
            operation!("events/ics"),
            Shape::Text { at: None, content_type: "text/calendar; charset=utf-8" },
        ),
        // GET /search/location: [Location]; no provider is configured here, so `[]`.
        row(
            M::GET,
            "/api/v1/pleroma/search/location",
            "Search locations for events",
            operation!("events/search_location"),
            Shape::FIELD,
        ),
    ]
}

/// Statuses with Pleroma's `Link` header.
use super::statuses::mastodon_list as linked_statuses;

/// `[{account, participation_message}]` (the fork's `EventView`), with a `Link` header over the
/// participation ids, which the body does not show.
fn participation_requests(value: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    /// A request: its participation id (for the `Link` header only), the rest as it is.
    #[derive(serde::Deserialize)]
    struct Request {
        #[allow(dead_code)] // read so that a request without one is a drift
        id: Opaque,
        #[serde(flatten)]
        rest: Fields,
    }
    let value = super::statuses::nodes(value)?;
    let link = link_header(&value, call);
    let requests = read::<Vec<Request>>(value)?;
    let value = ConstValue::List(requests.into_iter().map(|r| ConstValue::Object(r.rest)).collect());
    let value = admin_accounts(value)?.value;
    let mut answer = Answer::json(value);
    if let Some(link) = link {
        answer.headers.insert(axum::http::header::LINK, link);
    }
    Ok(answer)
}
