//! Errors as Pleroma renders them.
use axum::{
    http::{header, HeaderValue, StatusCode},
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

    /// Render a typed error in a route's style.
    pub fn from_app(err: AppError, style: ErrorStyle) -> RestError {
        let (status, body) = match (&err, style) {
            (AppError::Unauthenticated(m) | AppError::Forbidden(m), _) => {
                (StatusCode::FORBIDDEN, json!({ "error": m }))
            }
            (AppError::NotFound(m), ErrorStyle::Admin) => (StatusCode::NOT_FOUND, json!({ "error": m })),
            (AppError::NotFound(m), ErrorStyle::Legacy) => (StatusCode::NOT_FOUND, json!(m)),
            (AppError::BadRequest(m), ErrorStyle::Admin) => (StatusCode::BAD_REQUEST, json!({ "error": m })),
            (AppError::BadRequest(_), ErrorStyle::Legacy) => (StatusCode::BAD_REQUEST, json!("Invalid parameters")),
            (AppError::Invalid(fields), _) => (StatusCode::BAD_REQUEST, json!({ "errors": fields })),
            (AppError::Conflict { message, details }, _) => {
                (StatusCode::CONFLICT, if details.is_null() { json!({ "error": message }) } else { details.clone() })
            }
            (AppError::RateLimited, _) => (StatusCode::TOO_MANY_REQUESTS, json!({ "error": "Throttled" })),
            (AppError::Internal(_), _) => {
                (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": "Something went wrong" }))
            }
        };
        RestError { status, body }
    }

    /// Rebuild the typed error from a GraphQL error's `extensions` (code, fields, details).
    pub fn from_graphql(error: &Value, style: ErrorStyle) -> RestError {
        let message = error["message"].as_str().unwrap_or("Something went wrong").to_string();
        let ext = &error["extensions"];
        let app = match ext["code"].as_str().unwrap_or("") {
            crate::error::code::UNAUTHENTICATED => AppError::Unauthenticated(message),
            crate::error::code::FORBIDDEN => AppError::Forbidden(message),
            crate::error::code::NOT_FOUND => AppError::NotFound(message),
            crate::error::code::VALIDATION_FAILED => AppError::Invalid(
                ext["fields"]
                    .as_object()
                    .map(|m| {
                        m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("is invalid").to_string())).collect()
                    })
                    .unwrap_or_default(),
            ),
            crate::error::code::CONFLICT => AppError::Conflict { message, details: ext["details"].clone() },
            crate::error::code::RATE_LIMITED => AppError::RateLimited,
            crate::error::code::INTERNAL => AppError::Internal(message),
            // Bad input and GraphQL's own validation errors.
            _ => AppError::BadRequest(message),
        };
        RestError::from_app(app, style)
    }
}

impl From<AppError> for RestError {
    fn from(err: AppError) -> Self {
        RestError::from_app(err, ErrorStyle::Admin)
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        response
    }
}
