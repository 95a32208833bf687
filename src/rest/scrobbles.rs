//! Scrobbles (ROUTES.md §35, `PleromaAPI.ScrobbleController`).
use axum::http::Method;

use super::{accounts::merge_admin_accounts, operation, Answer, Call, Route, Shape};
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
            Shape::at("scrobble").mapped(merge_admin_accounts_value),
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

fn merge_admin_accounts_value(mut value: async_graphql::Value) -> async_graphql::Value {
    merge_admin_accounts(&mut value);
    value
}

fn linked(value: async_graphql::Value, call: &Call<'_>) -> Result<Answer, AppError> {
    let mut value = super::statuses::nodes(value);
    merge_admin_accounts(&mut value);
    let link = super::statuses::link_header(&value, call);
    let mut answer = Answer::json(value);
    if let Some(link) = link {
        answer.headers.insert(axum::http::header::LINK, link);
    }
    Ok(answer)
}
