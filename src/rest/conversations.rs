//! Threads: a status's context (Mastodon API), the Mastodon conversations API and Pleroma's
//! (ROUTES.md §34, `Mastodon.ConversationController`, `PleromaAPI.ConversationController`).

use axum::http::Method;

use super::{operation, statuses::wire_statuses, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let mastodon = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).mastodon_errors()
    };
    vec![
        // GET /api/v1/statuses/:id/context: {ancestors, descendants}; 404 "Record not found".
        mastodon(
            M::GET,
            "/api/v1/statuses/{id}/context",
            "The thread around a status",
            operation!("conversations/context"),
            Shape::FIELD.mapped(wire_statuses),
        ),
        // GET /api/v1/conversations: [Conversation] with a Link header.
        mastodon(
            M::GET,
            "/api/v1/conversations",
            "The caller's direct conversations",
            operation!("conversations/list"),
            Shape::Convert(linked),
        ),
        // POST /api/v1/conversations/:id/read: the Conversation; 404 "Record not found".
        mastodon(
            M::POST,
            "/api/v1/conversations/{id}/read",
            "Mark a conversation read",
            operation!("conversations/mark_read"),
            Shape::at("conversation").mapped(wire_statuses),
        ),
        // DELETE /api/v1/conversations/:id: {}; 404 "Record not found".
        mastodon(
            M::DELETE,
            "/api/v1/conversations/{id}",
            "Remove a conversation",
            operation!("conversations/delete"),
            Shape::Literal("{}"),
        ),
        // §34, Pleroma's controller: 404 {"error": "Unknown conversation id"}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/conversations/{id}/statuses",
            "Statuses of a conversation",
            operation!("conversations/statuses"),
            Shape::Convert(linked),
        ),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/conversations/{id}",
            "Show a conversation",
            operation!("conversations/show"),
            Shape::FIELD.mapped(wire_statuses),
        ),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/conversations/{id}",
            "Replace a conversation's recipients",
            operation!("conversations/update"),
            Shape::at("conversation").mapped(wire_statuses),
        ),
        Route::admin(
            M::POST,
            "/api/v1/pleroma/conversations/read",
            "Mark all of the caller's conversations read",
            operation!("conversations/mark_all_read"),
            Shape::at("conversations").mapped(wire_statuses),
        ),
    ]
}

/// A list with Pleroma's `Link` header (conversations by participation id, statuses by id).
use super::statuses::mastodon_list as linked;
