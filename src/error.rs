//! The one error type. Every variant has a machine code (GraphQL `extensions.code`); the REST
//! facade maps codes to Pleroma's status and body for each route.
use std::collections::BTreeMap;

use serde_json::Value;

/// An error a request can end with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// No usable credentials (403 in Pleroma, which never answers 401 here).
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such record (404).
    #[error("{0}")]
    NotFound(String),
    /// A rule refused the request (400 `{"error": msg}`).
    #[error("{0}")]
    BadRequest(String),
    /// Field validation failed (400 `{"errors": {field: msg}}`).
    #[error("validation failed")]
    Invalid(BTreeMap<String, String>),
    /// A uniqueness or state conflict; `details` carries what the route renders (409).
    #[error("{message}")]
    Conflict { message: String, details: Value },
    /// A unique constraint refused a write (409); the database's detail names the constraint
    /// and is logged, never shown.
    #[error("has already been taken")]
    Unique(String),
    /// A file of a type the route does not take (415 `{"error": msg}`).
    #[error("{0}")]
    UnsupportedType(String),
    /// Another server failed or refused what this request needed (400 `{"error": msg}` on REST: the URL the client named is unusable).
    #[error("{0}")]
    Upstream(String),
    /// The request carries more than a limit allows (413 `{"error": msg}`: Pleroma's "Bio is
    /// too long", "File is too large" of `update_credentials`).
    #[error("{0}")]
    TooLarge(String),
    /// Too many attempts (429).
    #[error("Throttled")]
    RateLimited,
    /// Anything else; the detail is logged, never shown (500).
    #[error("Something went wrong")]
    Internal(String),
}

/// Machine codes, as they appear in GraphQL `extensions.code`.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const VALIDATION_FAILED: &str = "VALIDATION_FAILED";
    pub const CONFLICT: &str = "CONFLICT";
    pub const UNSUPPORTED_TYPE: &str = "UNSUPPORTED_TYPE";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const TOO_LARGE: &str = "TOO_LARGE";
    pub const UPSTREAM: &str = "UPSTREAM";
    pub const INTERNAL: &str = "INTERNAL";
}

impl AppError {
    /// The machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => code::UNAUTHENTICATED,
            AppError::Forbidden(_) => code::FORBIDDEN,
            AppError::NotFound(_) => code::NOT_FOUND,
            AppError::BadRequest(_) => code::BAD_REQUEST,
            AppError::Invalid(_) => code::VALIDATION_FAILED,
            AppError::Conflict { .. } | AppError::Unique(_) => code::CONFLICT,
            AppError::UnsupportedType(_) => code::UNSUPPORTED_TYPE,
            AppError::RateLimited => code::RATE_LIMITED,
            AppError::TooLarge(_) => code::TOO_LARGE,
            AppError::Upstream(_) => code::UPSTREAM,
            AppError::Internal(_) => code::INTERNAL,
        }
    }

    /// Pleroma's usual 404.
    pub fn not_found() -> Self {
        AppError::NotFound("Not found".into())
    }

    /// One invalid field.
    pub fn invalid(field: &str, message: &str) -> Self {
        AppError::Invalid(BTreeMap::from([(field.to_string(), message.to_string())]))
    }

    /// An internal error, logged here with its detail.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let detail = detail.to_string();
        tracing::error!(%detail, "internal error");
        AppError::Internal(detail)
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        // The error's kind, as the driver reports it (SQLite's and PostgreSQL's codes).
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            tracing::info!(%detail, "unique constraint violation");
            return AppError::Unique(detail);
        }
        AppError::internal(err)
    }
}

impl<E: std::fmt::Display> From<sea_orm::TransactionError<E>> for AppError
where
    AppError: From<E>,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e.into(),
        }
    }
}

/// Result with [`AppError`].
pub type AppResult<T> = Result<T, AppError>;
