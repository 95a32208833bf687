//! Announcements (§20) and Mastodon's `GET /api/v1/announcements` and dismissal.
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, typed, Fields, Route, Shape, Wire};

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
            Shape::at("announcements").mapped(typed::<Vec<Admin>>),
        ),
        // GET /admin/announcements/:id: 404 {"error": "Not found"}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/announcements/{id}",
            "Show one announcement",
            operation!("announcements/show"),
            Shape::FIELD_OR_404.mapped(typed::<Admin>),
        ),
        // POST /admin/announcements: the AdminAnnouncement.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/announcements",
            "Create an announcement",
            operation!("announcements/create"),
            Shape::at("announcement").mapped(typed::<Admin>),
        ),
        // PATCH /admin/announcements/:id: the AdminAnnouncement; 404 {"error": "Not found"}.
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/announcements/{id}",
            "Change an announcement",
            operation!("announcements/update"),
            Shape::at("announcement").mapped(typed::<Admin>),
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
            Shape::FIELD.mapped(typed::<Vec<ForUser>>),
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

/// An announcement as the Admin API reads it (`...AdminAnnouncement`).
#[derive(serde::Deserialize)]
struct Admin {
    raw_content: String,
    #[serde(flatten)]
    rest: Fields,
}

/// Pleroma's `render_json(admin: true)`: `pleroma.raw_content`.
impl Wire for Admin {
    fn wire(self) -> ConstValue {
        let mut map = self.rest;
        with_empty_lists(&mut map);
        let pleroma = [(Name::new("raw_content"), ConstValue::String(self.raw_content))].into_iter().collect();
        map.insert(Name::new("pleroma"), ConstValue::Object(pleroma));
        ConstValue::Object(map)
    }
}

/// An announcement as a user reads it: `read` is `null` for an anonymous caller.
#[derive(serde::Deserialize)]
struct ForUser {
    read: Option<bool>,
    #[serde(flatten)]
    rest: Fields,
}

/// Pleroma's `render_json(for: user)`: `read` only for a signed-in caller.
impl Wire for ForUser {
    fn wire(self) -> ConstValue {
        let mut map = self.rest;
        if let Some(read) = self.read {
            map.insert(Name::new("read"), ConstValue::Boolean(read));
        }
        with_empty_lists(&mut map);
        ConstValue::Object(map)
    }
}
