//! Statuses: posting and reading them (Mastodon API), and the Admin API's status routes
//! (ROUTES.md §8, §9, §14).
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{accounts::merge_admin_accounts, operation, Route, Shape};
use crate::auth::Access;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        // Supporting endpoints: Mastodon paths, no /api/pleroma alias.
        Route::admin(
            Method::POST,
            "/api/v1/statuses",
            "Post a status",
            operation!("statuses/create"),
            Shape::at("status").mapped(wire_statuses),
        )
        .mastodon_errors(),
        Route::admin(
            Method::GET,
            "/api/v1/statuses/{id}",
            "A status the caller may see",
            operation!("statuses/show"),
            Shape::FIELD_OR_404.mapped(wire_statuses),
        )
        .mastodon_errors(),
        // §8: the admin view of one status, whatever its visibility.
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/statuses/{id}",
            "Show a status",
            operation!("statuses/admin_show"),
            Shape::FIELD_OR_404.mapped(wire_statuses),
        ),
    ]
}

/// Keys of Pleroma's view of a reblog (an `Announce`): fewer than a post's.
const REBLOG_KEYS: [&str; 27] = [
    "id",
    "uri",
    "url",
    "account",
    "in_reply_to_id",
    "in_reply_to_account_id",
    "reblog",
    "content",
    "created_at",
    "reblogs_count",
    "replies_count",
    "favourites_count",
    "reblogged",
    "favourited",
    "bookmarked",
    "muted",
    "pinned",
    "sensitive",
    "spoiler_text",
    "visibility",
    "media_attachments",
    "mentions",
    "tags",
    "application",
    "language",
    "emojis",
    "pleroma",
];

/// `pleroma` keys of a reblog.
const REBLOG_PLEROMA_KEYS: [&str; 3] = ["local", "pinned_at", "bookmark_folder"];

fn is_status(map: &async_graphql::indexmap::IndexMap<Name, ConstValue>) -> bool {
    map.contains_key("uri") && map.contains_key("visibility") && map.contains_key("media_attachments")
}

/// Statuses on the wire, as Pleroma's `StatusView` renders them: a reblog keeps the keys of an
/// `Announce`; a quoted status (rendered with `show_quote: false`) has `reblog` and
/// `pleroma.quote` `null`; accounts get their admin side merged (`AdminAccount`).
pub fn wire_statuses(mut value: ConstValue) -> ConstValue {
    shape_statuses(&mut value);
    merge_admin_accounts(&mut value);
    value
}

fn shape_statuses(value: &mut ConstValue) {
    match value {
        ConstValue::Object(map) => {
            for child in map.values_mut() {
                shape_statuses(child);
            }
            if !is_status(map) {
                return;
            }
            let reblog = matches!(map.get("reblog"), Some(ConstValue::Object(_)));
            if reblog {
                map.retain(|k, _| REBLOG_KEYS.contains(&k.as_str()));
                if let Some(ConstValue::Object(pleroma)) = map.get_mut("pleroma") {
                    pleroma.retain(|k, _| REBLOG_PLEROMA_KEYS.contains(&k.as_str()));
                }
            } else {
                if !map.contains_key("reblog") {
                    map.insert(Name::new("reblog"), ConstValue::Null);
                }
                if let Some(ConstValue::Object(pleroma)) = map.get_mut("pleroma") {
                    if !pleroma.contains_key("quote") {
                        pleroma.insert(Name::new("quote"), ConstValue::Null);
                    }
                }
            }
        }
        ConstValue::List(items) => items.iter_mut().for_each(shape_statuses),
        _ => {}
    }
}

#[allow(dead_code)]
const USER_WRITE: Access = Access::User(&["write:statuses"]);
