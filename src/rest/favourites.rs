//! Favourites (Mastodon's status actions, ROUTES.md §26's account favourites) and emoji
//! reactions (§36).
use axum::http::Method;

use super::{operation, statuses::wire_statuses, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let row = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).mastodon_errors()
    };
    vec![
        // Supporting endpoints: Mastodon paths, no /api/pleroma alias. The status, with
        // `favourited` and `favourites_count`; 404 "Record not found" for what the caller may
        // not see; unfavourite without a favourite: 400 "Could not unfavorite".
        row(
            M::POST,
            "/api/v1/statuses/{id}/favourite",
            "Favourite a status",
            operation!("favourites/favourite"),
            Shape::at("status").mapped(wire_statuses),
        ),
        row(
            M::POST,
            "/api/v1/statuses/{id}/unfavourite",
            "Undo a favourite",
            operation!("favourites/unfavourite"),
            Shape::at("status").mapped(wire_statuses),
        ),
        // GET /api/v1/favourites: the caller's favourites with a Link header.
        row(
            M::GET,
            "/api/v1/favourites",
            "The caller's favourites",
            operation!("favourites/list"),
            Shape::Convert(linked),
        ),
        // §26: a user's favourites; 403 "Can't get favorites" when hidden, 404 for an unknown
        // account.
        row(
            M::GET,
            "/api/v1/pleroma/accounts/{id}/favourites",
            "Statuses a user has favourited",
            operation!("favourites/account_favourites"),
            Shape::Convert(linked),
        ),
        // §36: the status with its `pleroma.emoji_reactions`; 400 "Could not add reaction emoji".
        row(
            M::PUT,
            "/api/v1/pleroma/statuses/{id}/reactions/{emoji}",
            "React to a status",
            operation!("favourites/react"),
            Shape::at("status").mapped(wire_statuses),
        ),
        // 400 "Could not remove reaction emoji".
        row(
            M::DELETE,
            "/api/v1/pleroma/statuses/{id}/reactions/{emoji}",
            "Remove the caller's reaction",
            operation!("favourites/unreact"),
            Shape::at("status").mapped(wire_statuses),
        ),
        // [EmojiReaction]; [] for an unknown status.
        row(
            M::GET,
            "/api/v1/pleroma/statuses/{id}/reactions",
            "All reactions of a status",
            operation!("favourites/reactions"),
            Shape::FIELD,
        ),
        row(
            M::GET,
            "/api/v1/pleroma/statuses/{id}/reactions/{emoji}",
            "Reactions of a status for one emoji",
            operation!("favourites/reactions"),
            Shape::FIELD,
        ),
    ]
}

/// A list of statuses with Pleroma's `Link` header.
use super::statuses::mastodon_list as linked;
