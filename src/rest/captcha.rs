//! The captcha (§29): `GET /api/v1/pleroma/captcha` and `/api/pleroma/captcha`.
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, Route, Shape};

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
            Shape::FIELD.mapped(pleroma_captcha),
        ),
    ]
}

/// Pleroma's map: `type` as the lower-case atom, and only the keys the method sets.
fn pleroma_captcha(value: ConstValue) -> ConstValue {
    let ConstValue::Object(fields) = value else { return value };
    let fields = fields
        .into_iter()
        .filter(|(_, v)| !matches!(v, ConstValue::Null))
        .map(|(k, v)| match v {
            ConstValue::Enum(kind) if k.as_str() == "type" => (k, ConstValue::String(kind.as_str().to_lowercase())),
            other => (k, other),
        })
        .collect::<async_graphql::indexmap::IndexMap<Name, ConstValue>>();
    ConstValue::Object(fields)
}
