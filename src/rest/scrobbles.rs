//! Scrobbles (ROUTES.md §35, `PleromaAPI.ScrobbleController`).
use axum::http::Method;

use super::{accounts::admin_accounts, operation, Answer, Call, Route, Shape};
use crate::error::AppError;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        // §35: the Scrobble; a refusal is 400 {"error": msg}.
        Route::admin(
            Method::POST,
            "/api/v1/pleroma/scrobble",
            "Create a Listen activity",
            operation!("scrobbles/create"),
            Shape::at("scrobble").mapped(admin_accounts),
        ),
        // §35: [Scrobble] with a Link header; authentication optional.
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/accounts/{id}/scrobbles",
            "Recent Listen activities of an account",
            operation!("scrobbles/list"),
            Shape::Convert(linked),
        )
        .mastodon_errors(),
    ]
}

fn linked(value: async_graphql::Value, call: &Call<'_>) -> Result<Answer, AppError> {
    super::statuses::linked(value, call, admin_accounts)
}
