//! Typed errors → GraphQL errors with `extensions.code` (plus `fields` for validation errors
//! and `details` for conflicts).
use async_graphql::{ErrorExtensions, ServerError};

use crate::error::AppError;

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                AppError::Invalid(fields) => {
                    let fields: async_graphql::indexmap::IndexMap<async_graphql::Name, async_graphql::Value> = fields
                        .iter()
                        .map(|(k, v)| (async_graphql::Name::new(k), async_graphql::Value::from(v.as_str())))
                        .collect();
                    ext.set("fields", async_graphql::Value::Object(fields));
                }
                AppError::Conflict { details, .. } => {
                    if let Ok(value) = async_graphql::Value::from_json(details.clone()) {
                        ext.set("details", value);
                    }
                }
                _ => {}
            }
        })
    }
}

/// The domain error stays the GraphQL error's source, so the REST facade reads it back typed.
impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let extensions = err.extend().extensions;
        let mut error = async_graphql::Error::new_with_source(err);
        error.extensions = extensions;
        error
    }
}

/// The error as a server error at a path (used by extensions).
pub fn server_error(err: AppError, path: Vec<async_graphql::PathSegment>) -> ServerError {
    let mut server = async_graphql::Error::from(err).into_server_error(async_graphql::Pos::default());
    server.locations.clear();
    server.path = path;
    server
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_in_extensions() {
        let cases = [
            (AppError::Unauthenticated("Invalid credentials.".into()), "UNAUTHENTICATED"),
            (AppError::Forbidden("User isn't privileged.".into()), "FORBIDDEN"),
            (AppError::not_found(), "NOT_FOUND"),
            (AppError::BadRequest("x".into()), "BAD_REQUEST"),
            (AppError::invalid("email", "has invalid format"), "VALIDATION_FAILED"),
            (AppError::RateLimited, "RATE_LIMITED"),
            (AppError::TooLarge("Bio is too long".into()), "TOO_LARGE"),
            (AppError::Internal("secret detail".into()), "INTERNAL"),
        ];
        for (err, code) in cases {
            let json = serde_json::to_value(server_error(err, vec![])).unwrap();
            assert_eq!(json["extensions"]["code"], code);
            assert!(!json.to_string().contains("secret detail"));
        }
        let json =
            serde_json::to_value(server_error(AppError::invalid("email", "has invalid format"), vec![])).unwrap();
        assert_eq!(json["extensions"]["fields"]["email"], "has invalid format");
    }
}
