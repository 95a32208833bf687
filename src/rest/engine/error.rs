//! Errors as Pleroma renders them.
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use crate::error::AppError;

/// An HTTP error response: a status and a JSON body.
#[derive(Debug)]
pub struct RestError {
    pub status: StatusCode,
    pub body: Value,
}

/// How a route renders its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// Admin API controllers: `{"error": msg}`, `{"errors": {field: msg}}` for validation.
    Admin,
    /// Routes of the older (Akkoma 003) doc: bare JSON strings (`"Not found"`).
    Legacy,
    /// Report-note routes: a refused action (unknown report or note, blank content) is
    /// 400 with the JSON string `""`; access and parameter errors stay as in `Admin`.
    EmptyString,
    /// Mastodon API controllers (Pleroma's `MastodonAPI.FallbackController`): 404
    /// `{"error": "Record not found"}`, validation failures 422 `{"error": "<messages joined by
    /// \", \">"}`, other refusals 400 `{"error": msg}`.
    Mastodon,
    /// `TwitterAPI.UtilController` (own-account routes): a refused change (`BadRequest`) is HTTP
    /// 200 with `{"error": msg}`; not found is 404 `{"error": msg}`; credentials, scopes and
    /// parameters fail as in `Admin`.
    RefusalIsOk,
    /// Pleroma's emoji controllers: `{"error": msg}` for every refusal, validation failures
    /// 422 `{"error": "<messages joined by \", \">"}`.
    Plain,
}

impl RestError {
    /// 400 `{"error": message}`.
    pub fn bad_request(message: &str) -> RestError {
        RestError { status: StatusCode::BAD_REQUEST, body: json!({ "error": message }) }
    }

    /// 400 with OpenApiSpex's validation body, as Pleroma answers a missing or bad parameter.
    pub fn validation(field: &str, message: &str) -> RestError {
        RestError {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "error": message,
                "errors": [{"title": "Invalid value", "source": {"pointer": format!("/{field}")}, "message": message}],
            }),
        }
    }

    /// 400 with every cast error, as Pleroma's `ApiSpec.RenderError` answers them: `error` is
    /// their texts joined by a space, `errors` one entry each.
    pub fn params(errors: &[super::params::ParamError]) -> RestError {
        let text: Vec<String> = errors.iter().map(|e| e.rendered()).collect();
        let entries: Vec<Value> = errors
            .iter()
            .map(|e| {
                json!({"title": "Invalid value", "source": {"pointer": format!("/{}", e.field)}, "message": e.message})
            })
            .collect();
        RestError { status: StatusCode::BAD_REQUEST, body: json!({ "error": text.join(" "), "errors": entries }) }
    }

    /// Render a typed error in a route's style.
    pub fn from_app(err: AppError, style: ErrorStyle) -> RestError {
        RestError::of(&err, style)
    }

    /// Render a typed error in a route's style.
    pub fn of(err: &AppError, style: ErrorStyle) -> RestError {
        let (status, body) = match (err, style) {
            (AppError::Unauthenticated(m) | AppError::Forbidden(m), _) => {
                (StatusCode::FORBIDDEN, json!({ "error": m }))
            }
            (AppError::NotFound(_) | AppError::BadRequest(_) | AppError::Invalid(_), ErrorStyle::EmptyString) => {
                (StatusCode::BAD_REQUEST, json!(""))
            }
            (AppError::BadRequest(m), ErrorStyle::RefusalIsOk) => (StatusCode::OK, json!({ "error": m })),
            (AppError::NotFound(m), ErrorStyle::Admin | ErrorStyle::RefusalIsOk | ErrorStyle::Plain) => {
                (StatusCode::NOT_FOUND, json!({ "error": m }))
            }
            (AppError::NotFound(_), ErrorStyle::Mastodon) => {
                (StatusCode::NOT_FOUND, json!({ "error": "Record not found" }))
            }
            (AppError::BadRequest(m), ErrorStyle::Mastodon | ErrorStyle::Plain) => {
                (StatusCode::BAD_REQUEST, json!({ "error": m }))
            }
            (AppError::Invalid(fields), ErrorStyle::Mastodon | ErrorStyle::Plain) => {
                let messages: Vec<&str> = fields.values().map(String::as_str).collect();
                (StatusCode::UNPROCESSABLE_ENTITY, json!({ "error": messages.join(", ") }))
            }
            (AppError::NotFound(m), ErrorStyle::Legacy) => (StatusCode::NOT_FOUND, json!(m)),
            (AppError::BadRequest(m), ErrorStyle::Admin) => (StatusCode::BAD_REQUEST, json!({ "error": m })),
            (AppError::BadRequest(_), ErrorStyle::Legacy) => (StatusCode::BAD_REQUEST, json!("Invalid parameters")),
            (AppError::Invalid(fields), _) => (StatusCode::BAD_REQUEST, json!({ "errors": fields })),
            (AppError::Conflict { message, details }, _) => {
                (StatusCode::CONFLICT, if details.is_null() { json!({ "error": message }) } else { details.clone() })
            }
            (AppError::Unique(_), _) => (StatusCode::CONFLICT, json!({ "error": err.to_string() })),
            (AppError::UnsupportedType(m), _) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, json!({ "error": m })),
            // The remote named in the request failed or refused: from this side a bad URL, so 400
            // (Pleroma: 500), never a 5xx for what the client asked.
            (AppError::Upstream(m), _) => (StatusCode::BAD_REQUEST, json!({ "error": m })),
            (AppError::TooLarge(m), _) => (StatusCode::PAYLOAD_TOO_LARGE, json!({ "error": m })),
            (AppError::RateLimited, _) => (StatusCode::TOO_MANY_REQUESTS, json!({ "error": "Throttled" })),
            (AppError::Internal(_), _) => {
                (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": "Something went wrong" }))
            }
        };
        RestError { status, body }
    }

    /// A GraphQL error back as the typed error it carries (its source); errors without one come
    /// from GraphQL itself (validation, limits) and are bad requests.
    pub fn from_server_error(error: async_graphql::ServerError, style: ErrorStyle) -> RestError {
        match error.source::<AppError>() {
            Some(err) => RestError::of(err, style),
            // GraphQL's own refusals (a malformed variable) stay 4xx whatever the style.
            None if style == ErrorStyle::RefusalIsOk => {
                RestError::of(&AppError::BadRequest(error.message), ErrorStyle::Admin)
            }
            None => RestError::of(&AppError::BadRequest(error.message), style),
        }
    }
}

impl From<AppError> for RestError {
    fn from(err: AppError) -> Self {
        RestError::from_app(err, ErrorStyle::Admin)
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        super::json(self.status, &self.body)
    }
}
