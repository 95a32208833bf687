//! Bookmarks (Mastodon API: `StatusController.bookmark`, `unbookmark`, `bookmarks`) and bookmark
//! folders (ROUTES.md §32, `PleromaAPI.BookmarkFolderController`).
use async_graphql::Value as ConstValue;
use axum::http::Method;

use super::{operation, read, statuses::wire_statuses, Answer, Call, Opaque, Route, Shape};
use crate::error::AppError;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let row = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).mastodon_errors()
    };
    vec![
        // Mastodon paths, no /api/pleroma alias: the status; 404 "Record not found".
        row(
            M::POST,
            "/api/v1/statuses/{id}/bookmark",
            "Bookmark a status, maybe into a folder",
            operation!("bookmarks/bookmark"),
            Shape::at("status").mapped(wire_statuses),
        ),
        row(
            M::POST,
            "/api/v1/statuses/{id}/unbookmark",
            "Remove a bookmark",
            operation!("bookmarks/unbookmark"),
            Shape::at("status").mapped(wire_statuses),
        ),
        // GET /api/v1/bookmarks: [MastoStatus], Link header by bookmark id.
        row(
            M::GET,
            "/api/v1/bookmarks",
            "The caller's bookmarked statuses",
            operation!("bookmarks/list"),
            Shape::Convert(bookmark_list),
        ),
        // §32: [BookmarkFolder].
        row(
            M::GET,
            "/api/v1/pleroma/bookmark_folders",
            "List the caller's bookmark folders",
            operation!("bookmarks/folders"),
            Shape::FIELD,
        ),
        // §32: the BookmarkFolder; 422 {"error": "<changeset messages>"}.
        row(
            M::POST,
            "/api/v1/pleroma/bookmark_folders",
            "Create a bookmark folder",
            operation!("bookmarks/create_folder"),
            Shape::at("folder"),
        ),
        // §32: the BookmarkFolder; 403 {"error": "Access denied"}; 422.
        row(
            M::PATCH,
            "/api/v1/pleroma/bookmark_folders/{id}",
            "Update a bookmark folder",
            operation!("bookmarks/update_folder"),
            Shape::at("folder"),
        ),
        // §32: the deleted BookmarkFolder; 403 {"error": "Access denied"}.
        row(
            M::DELETE,
            "/api/v1/pleroma/bookmark_folders/{id}",
            "Delete a bookmark folder",
            operation!("bookmarks/delete_folder"),
            Shape::at("folder"),
        ),
    ]
}

/// `[{id, status}]` → the statuses, with a `Link` header of the bookmark ids (Pleroma's
/// `add_link_headers(bookmarks)`).
fn bookmark_list(value: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    /// A bookmark: its id (for the `Link` header) and status.
    #[derive(serde::Deserialize)]
    struct Bookmark {
        status: Opaque,
    }
    let value = super::statuses::nodes(value)?;
    let link = super::statuses::link_header(&value, call);
    let statuses = read::<Vec<Bookmark>>(value)?.into_iter().map(|b| b.status).collect();
    let mut answer = Answer::json(wire_statuses(ConstValue::List(statuses))?.value);
    if let Some(link) = link {
        answer.headers.insert(axum::http::header::LINK, link);
    }
    Ok(answer)
}
