//! The captcha (§29): `GET /api/v1/pleroma/captcha` and `/api/pleroma/captcha`.
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, typed, Fields, Route, Shape, Wire};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        // GET /captcha: Pleroma's `Captcha.new/0` as JSON: {"type": "native", "token", "url",
        // "answer_data", "seconds_valid"}, or {"type": "none"}; no auth.
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/captcha",
            "Get a new captcha",
            operation!("captcha/new"),
            Shape::FIELD.mapped(typed::<Captcha>),
        ),
    ]
}

/// A captcha: its `type` (the GraphQL enum) and the keys its method sets.
#[derive(serde::Deserialize)]
struct Captcha {
    #[serde(rename = "type")]
    kind: String,
    #[serde(flatten)]
    rest: Fields,
}

/// Pleroma's map: `type` as the lower-case atom, and only the keys the method sets.
impl Wire for Captcha {
    fn wire(self) -> ConstValue {
        let kind = (Name::new("type"), ConstValue::String(self.kind.to_lowercase()));
        ConstValue::Object(
            std::iter::once(kind).chain(self.rest.into_iter().filter(|(_, v)| *v != ConstValue::Null)).collect(),
        )
    }
}
