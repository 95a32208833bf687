//! Announcements (§20) and Mastodon's `GET /api/v1/announcements` and dismissal.
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, Route, Shape};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // GET /admin/announcements: [AdminAnnouncement], every one, offset/limit.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/announcements",
            "List all announcements",
            operation!("announcements/list"),
            Shape::at("announcements").mapped(admin_list),
        ),
        // GET /admin/announcements/:id: 404 {"error": "Not found"}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/announcements/{id}",
            "Show one announcement",
            operation!("announcements/show"),
            Shape::FIELD_OR_404.mapped(admin),
        ),
        // POST /admin/announcements: the AdminAnnouncement.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/announcements",
            "Create an announcement",
            operation!("announcements/create"),
            Shape::at("announcement").mapped(admin),
        ),
        // PATCH /admin/announcements/:id: the AdminAnnouncement; 404 {"error": "Not found"}.
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/announcements/{id}",
            "Change an announcement",
            operation!("announcements/update"),
            Shape::at("announcement").mapped(admin),
        )
        // Pleroma's `change_params` takes `starts_at`/`ends_at` when present, `null` included.
        .nulls_clear(&[("starts_at", "clear_starts_at"), ("ends_at", "clear_ends_at")]),
        // DELETE /admin/announcements/:id: {}; 404 {"error": "Not found"}.
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/announcements/{id}",
            "Delete an announcement",
            operation!("announcements/delete"),
            Shape::Literal("{}"),
        ),
        // GET /api/v1/announcements: the current ones (a Mastodon path, no alias).
        Route::admin(
            M::GET,
            "/api/v1/announcements",
            "Current announcements",
            operation!("announcements/current"),
            Shape::FIELD.mapped(user_list),
        )
        .without_alias()
        .mastodon_errors(),
        // POST /api/v1/announcements/:id/dismiss: {}; 404 {"error": "Record not found"}.
        Route::admin(
            M::POST,
            "/api/v1/announcements/{id}/dismiss",
            "Dismiss an announcement",
            operation!("announcements/dismiss"),
            Shape::Literal("{}"),
        )
        .without_alias()
        .mastodon_errors(),
    ]
}

/// Announcement times are `:utc_datetime` in Pleroma: whole seconds, `2019-04-23T17:32:04Z`.
fn seconds(map: &mut async_graphql::indexmap::IndexMap<Name, ConstValue>) {
    for key in ["starts_at", "ends_at", "published_at", "updated_at"] {
        if let Some(ConstValue::String(t)) = map.get_mut(key) {
            if let (Some(dot), true) = (t.find('.'), t.ends_with('Z')) {
                *t = format!("{}Z", &t[..dot]);
            }
        }
    }
}

/// The keys Pleroma renders as empty lists.
fn with_empty_lists(map: &mut async_graphql::indexmap::IndexMap<Name, ConstValue>) {
    seconds(map);
    for key in ["mentions", "statuses", "tags", "emojis", "reactions"] {
        map.insert(Name::new(key), ConstValue::List(Vec::new()));
    }
}

/// Pleroma's `render_json(admin: true)`: `pleroma.raw_content`.
fn admin(value: ConstValue) -> ConstValue {
    let ConstValue::Object(mut map) = value else { return value };
    let raw = map.shift_remove("raw_content").unwrap_or(ConstValue::Null);
    with_empty_lists(&mut map);
    let pleroma = [(Name::new("raw_content"), raw)].into_iter().collect();
    map.insert(Name::new("pleroma"), ConstValue::Object(pleroma));
    ConstValue::Object(map)
}

fn admin_list(value: ConstValue) -> ConstValue {
    match value {
        ConstValue::List(items) => ConstValue::List(items.into_iter().map(admin).collect()),
        other => other,
    }
}

/// Pleroma's `render_json(for: user)`: `read` only for a signed-in caller.
fn user_list(value: ConstValue) -> ConstValue {
    let ConstValue::List(items) = value else { return value };
    ConstValue::List(
        items
            .into_iter()
            .map(|item| {
                let ConstValue::Object(mut map) = item else { return item };
                if matches!(map.get("read"), Some(ConstValue::Null)) {
                    map.shift_remove("read");
                }
                with_empty_lists(&mut map);
                ConstValue::Object(map)
            })
            .collect(),
    )
}
