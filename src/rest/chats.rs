//! Chats: the user's chat API (§40) and the staff view of anyone's chats (§17).
use async_graphql::Value as ConstValue;
use axum::http::Method;

use super::{operation, walk, walked, Answer, Call, Drift, Fields, Kind, Mapped, Route, Shape, Wire};
use crate::error::AppError;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let user = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).mastodon_errors()
    };
    vec![
        // POST /chats/by-account-id/:id: the Chat; 404 "Record not found" for an unknown account.
        user(
            M::POST,
            "/api/v1/pleroma/chats/by-account-id/{id}",
            "The caller's chat with an account, created when there is none",
            operation!("chats/create"),
            Shape::at("chat").mapped(wire_chats),
        ),
        // GET /chats: [Chat], every chat (deprecated, unpaged).
        user(
            M::GET,
            "/api/v1/pleroma/chats",
            "The caller's chats (deprecated: unpaged)",
            operation!("chats/list"),
            Shape::at("nodes").mapped(wire_chats),
        ),
        // GET /api/v2/pleroma/chats: [Chat] with a Link header (no legacy alias).
        user(
            M::GET,
            "/api/v2/pleroma/chats",
            "The caller's chats, a page at a time",
            operation!("chats/list_paged"),
            Shape::Convert(linked_list),
        )
        .without_alias(),
        // GET /chats/:id: the Chat; 404 "Record not found" for anyone else's.
        user(
            M::GET,
            "/api/v1/pleroma/chats/{id}",
            "One of the caller's chats",
            operation!("chats/show"),
            Shape::FIELD.mapped(wire_chats),
        ),
        // GET /chats/:id/messages: [ChatMessage], newest first, with a Link header.
        user(
            M::GET,
            "/api/v1/pleroma/chats/{id}/messages",
            "Messages of one of the caller's chats",
            operation!("chats/messages"),
            Shape::Convert(linked_list),
        ),
        // POST /chats/:id/messages: the ChatMessage; 400 {"error": "no_content"} and Pleroma's
        // other refusals.
        user(
            M::POST,
            "/api/v1/pleroma/chats/{id}/messages",
            "Post a message in one of the caller's chats",
            operation!("chats/post"),
            Shape::at("message").mapped(wire_chats),
        ),
        // DELETE /chats/:id/messages/:message_id: the ChatMessage; 400 "could_not_delete".
        user(
            M::DELETE,
            "/api/v1/pleroma/chats/{id}/messages/{message_id}",
            "Delete a message of one of the caller's chats",
            operation!("chats/delete_message"),
            Shape::at("message").mapped(wire_chats),
        ),
        // POST /chats/:id/read: the Chat.
        user(
            M::POST,
            "/api/v1/pleroma/chats/{id}/read",
            "Mark one of the caller's chats read up to a message",
            operation!("chats/mark_read"),
            Shape::at("chat").mapped(wire_chats),
        ),
        // POST /chats/:id/messages/:message_id/read: the ChatMessage.
        user(
            M::POST,
            "/api/v1/pleroma/chats/{id}/messages/{message_id}/read",
            "Mark one message of the caller's chat read",
            operation!("chats/mark_message_read"),
            Shape::at("message").mapped(wire_chats),
        ),
        // GET /admin/users/:nickname/chats: [AdminChat]; 404 "Not found".
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/users/{nickname}/chats",
            "A user's chats",
            operation!("chats/user_chats"),
            Shape::at("nodes").mapped(wire_chats),
        ),
        // GET /admin/chats/:id: the AdminChat; 404 "Not found".
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/chats/{id}",
            "Any chat",
            operation!("chats/admin_show"),
            Shape::FIELD_OR_404.mapped(wire_chats),
        ),
        // GET /admin/chats/:id/messages: [ChatMessage]; 404 {"error": "not found"}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/chats/{id}/messages",
            "Messages of any chat",
            operation!("chats/admin_messages"),
            Shape::at("nodes").mapped(wire_chats),
        ),
        // DELETE /admin/chats/:id/messages/:message_id: the ChatMessage; 400 "could_not_delete".
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/chats/{id}/messages/{message_id}",
            "Delete anyone's chat message",
            operation!("chats/admin_delete_message"),
            Shape::at("message").mapped(wire_chats),
        ),
    ]
}

/// A chat message as the walker reads it: its `idempotency_key`, typed; the rest carried on.
#[derive(serde::Deserialize)]
pub struct Message {
    idempotency_key: Option<String>,
    #[serde(flatten)]
    rest: Fields,
}

/// Pleroma writes a message's `idempotency_key` only when it has one.
impl Wire for Message {
    fn wire(self) -> ConstValue {
        let mut out = self.rest;
        if let Some(key) = self.idempotency_key {
            out.insert(async_graphql::Name::new("idempotency_key"), ConstValue::String(key));
        }
        ConstValue::Object(out)
    }
}

impl Kind for Message {
    fn is(map: &Fields) -> bool {
        map.contains_key("idempotency_key")
    }
}

/// Messages on the wire ([`Message`]) at any depth (messages, chats' `last_message`, lists of
/// either). A walker: the start-up check requires a row's sample to hold a message.
pub fn wire_chats(value: ConstValue) -> Result<Mapped, Drift> {
    let mut mapped = walked(value, walk::<Message>)?;
    // A chat's account is Pleroma's account view: its contextual keys (`deactivated` for a
    // caller who may not see it) absent rather than `null`. Only messages count as found.
    walk::<super::accounts::Account>(&mut mapped.value)?;
    Ok(mapped)
}

/// A paged list (a connection's `nodes`) with Pleroma's `Link` header.
fn linked_list(value: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    super::statuses::linked(value, call, wire_chats)
}
