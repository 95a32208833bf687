//! OAuth apps (§15). Every row needs `admin:write`, even the list, as in Pleroma.
use async_graphql::{Name, Value as ConstValue};
use axum::http::{Method, StatusCode};

use super::{operation, Answer, Call, Route, Shape};
use crate::error::AppError;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // GET /admin/oauth_app: {"apps", "count", "page_size"}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/oauth_app",
            "List OAuth apps",
            operation!("oauth_apps/list"),
            Shape::FIELD.mapped(app_list),
        ),
        // POST /admin/oauth_app: the AdminApp, or 200 {field: message}.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/oauth_app",
            "Create an OAuth app",
            operation!("oauth_apps/create"),
            Shape::Convert(app_or_errors),
        ),
        // PATCH /admin/oauth_app/:id: the AdminApp, or 200 {field: message}; 400 "".
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/oauth_app/{id}",
            "Update an OAuth app",
            operation!("oauth_apps/update"),
            Shape::Convert(app_or_errors),
        )
        .empty_string_errors(),
        // DELETE /admin/oauth_app/:id: 204; 400 "".
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/oauth_app/{id}",
            "Delete an OAuth app",
            operation!("oauth_apps/delete"),
            Shape::NO_CONTENT,
        )
        .empty_string_errors(),
        // GET /api/v1/pleroma/apps: the caller's apps, as `MastodonAPI.AppView` "show.json".
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/apps",
            "The OAuth apps the caller owns",
            operation!("oauth_apps/own"),
            Shape::FIELD.mapped(own_apps),
        )
        .mastodon_errors(),
    ]
}

/// Each app with a string id and a string `client_secret` ("" when no longer known).
fn own_apps(value: ConstValue) -> ConstValue {
    let ConstValue::List(apps) = value else { return value };
    let wire = |item: ConstValue| {
        let ConstValue::Object(mut map) = app(item) else { return ConstValue::Null };
        if let Some(ConstValue::Number(id)) = map.get("id").cloned() {
            map.insert(Name::new("id"), ConstValue::String(id.to_string()));
        }
        ConstValue::Object(map)
    };
    ConstValue::List(apps.into_iter().map(wire).collect())
}

/// `client_secret` is a string on the wire: "" when it is no longer known.
fn app(value: ConstValue) -> ConstValue {
    let ConstValue::Object(mut map) = value else { return value };
    if matches!(map.get("client_secret"), None | Some(ConstValue::Null)) {
        map.insert(Name::new("client_secret"), ConstValue::String(String::new()));
    }
    ConstValue::Object(map)
}

fn app_list(value: ConstValue) -> ConstValue {
    let ConstValue::Object(mut map) = value else { return value };
    if let Some(ConstValue::List(apps)) = map.shift_remove("apps") {
        map.insert(Name::new("apps"), ConstValue::List(apps.into_iter().map(app).collect()));
        map.move_index(map.len() - 1, 0);
    }
    ConstValue::Object(map)
}

/// The app, or Pleroma's 200 `{field: message}` when validation failed.
fn app_or_errors(value: ConstValue, _: &Call<'_>) -> Result<Answer, AppError> {
    let ConstValue::Object(mut map) = value else { return Ok(Answer::json(value)) };
    let errors = match map.shift_remove("errors") {
        Some(ConstValue::List(errors)) => errors,
        _ => Vec::new(),
    };
    if !errors.is_empty() {
        let fields = errors
            .into_iter()
            .filter_map(|e| match e {
                ConstValue::Object(mut e) => match (e.shift_remove("field"), e.shift_remove("message")) {
                    (Some(ConstValue::String(f)), Some(m)) => Some((Name::new(f), m)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        return Ok(Answer::json(ConstValue::Object(fields)).status(StatusCode::OK));
    }
    Ok(Answer::json(app(map.shift_remove("app").unwrap_or(ConstValue::Null))))
}
