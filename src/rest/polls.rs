//! Polls (Mastodon API): reading a poll and voting in it.
use async_graphql::Value as ConstValue;
use axum::http::Method;

use async_graphql::Name;

use super::{operation, present, walk, walked, Drift, Fields, Kind, Mapped, Opaque, Route, Shape, Wire};

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

/// A poll as the walker reads it: the keys it is known by, typed, and the others carried on.
#[derive(serde::Deserialize)]
pub struct Poll {
    voters_count: u64,
    options: Vec<Opaque>,
    /// Absent, `null` (an anonymous caller) or whether the caller voted.
    #[serde(default, deserialize_with = "present")]
    voted: Option<Option<bool>>,
    own_votes: Option<Vec<u32>>,
    #[serde(flatten)]
    rest: Fields,
}

/// Pleroma's `PollView`: an anonymous caller gets no `voted` and `own_votes` keys (GraphQL
/// answers `null` for them).
impl Wire for Poll {
    fn wire(self) -> ConstValue {
        let mut out = self.rest;
        out.insert(Name::new("voters_count"), ConstValue::from(self.voters_count));
        out.insert(Name::new("options"), ConstValue::List(self.options));
        if !matches!(self.voted, Some(None)) {
            if let Some(voted) = self.voted {
                out.insert(Name::new("voted"), voted.map_or(ConstValue::Null, ConstValue::from));
            }
            let own = self
                .own_votes
                .map_or(ConstValue::Null, |v| ConstValue::List(v.into_iter().map(ConstValue::from).collect()));
            out.insert(Name::new("own_votes"), own);
        }
        ConstValue::Object(out)
    }
}

impl Kind for Poll {
    fn is(map: &Fields) -> bool {
        map.contains_key("voters_count") && map.contains_key("own_votes") && map.contains_key("options")
    }
}

/// Polls on the wire ([`Poll`]), wherever they sit in `value`.
pub fn wire_polls(value: ConstValue) -> Result<Mapped, Drift> {
    walked(value, walk::<Poll>)
}
