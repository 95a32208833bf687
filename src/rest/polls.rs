//! Polls (Mastodon API): reading a poll and voting in it.
use async_graphql::Value as ConstValue;
use axum::http::Method;

use super::{operation, walked, Drift, Mapped, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        Route::admin(
            Method::GET,
            "/api/v1/polls/{id}",
            "A poll of a status the caller may see",
            operation!("polls/show"),
            Shape::FIELD_OR_404.mapped(wire_polls),
        )
        .mastodon_errors(),
        Route::admin(
            Method::POST,
            "/api/v1/polls/{id}/votes",
            "Vote in a poll",
            operation!("polls/vote"),
            Shape::at("poll").mapped(wire_polls),
        )
        .mastodon_errors(),
    ]
}

fn is_poll(map: &async_graphql::indexmap::IndexMap<async_graphql::Name, ConstValue>) -> bool {
    map.contains_key("voters_count") && map.contains_key("own_votes") && map.contains_key("options")
}

/// Polls on the wire, as Pleroma's `PollView`: an anonymous caller gets no `voted` and
/// `own_votes` keys (GraphQL answers `null` for them).
pub fn wire_polls(value: ConstValue) -> Result<Mapped, Drift> {
    walked(value, shape_polls)
}

/// [`wire_polls`] in place, anywhere in `value` (statuses carry their poll); how many polls.
pub fn shape_polls(value: &mut ConstValue) -> usize {
    match value {
        ConstValue::Object(map) => {
            if is_poll(map) {
                if map.get("voted") == Some(&ConstValue::Null) {
                    map.shift_remove("voted");
                    map.shift_remove("own_votes");
                }
                return 1;
            }
            map.values_mut().map(shape_polls).sum()
        }
        ConstValue::List(items) => items.iter_mut().map(shape_polls).sum(),
        _ => 0,
    }
}
