//! OAuth apps (§15). Every row needs `admin:write`, even the list, as in Pleroma.
use async_graphql::{Name, Value as ConstValue};
use axum::http::{Method, StatusCode};

use super::{operation, read, typed, Answer, Call, Fields, Opaque, Route, Shape, Wire};
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
            Shape::FIELD.mapped(typed::<AppPage>),
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
            Shape::FIELD.mapped(typed::<Vec<OwnApp>>),
        )
        .mastodon_errors(),
    ]
}

/// An app: its id and `client_secret` (`null` once no longer known), the rest as it is.
#[derive(serde::Deserialize)]
struct App {
    id: Opaque,
    client_secret: Option<String>,
    #[serde(flatten)]
    rest: Fields,
}

/// `client_secret` is a string on the wire: "" when it is no longer known.
impl Wire for App {
    fn wire(self) -> ConstValue {
        let mut out = Fields::new();
        out.insert(Name::new("id"), self.id);
        out.extend(self.rest);
        out.insert(Name::new("client_secret"), ConstValue::String(self.client_secret.unwrap_or_default()));
        ConstValue::Object(out)
    }
}

/// The caller's own apps: each with a string id too.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct OwnApp(App);

impl Wire for OwnApp {
    fn wire(self) -> ConstValue {
        let ConstValue::Object(mut map) = self.0.wire() else { return ConstValue::Null };
        if let Some(ConstValue::Number(id)) = map.get("id").cloned() {
            map.insert(Name::new("id"), ConstValue::String(id.to_string()));
        }
        ConstValue::Object(map)
    }
}

/// A page of apps.
#[derive(serde::Deserialize)]
struct AppPage {
    apps: Vec<App>,
    #[serde(flatten)]
    rest: Fields,
}

impl Wire for AppPage {
    fn wire(self) -> ConstValue {
        let mut out = Fields::new();
        out.insert(Name::new("apps"), super::list(self.apps));
        out.extend(self.rest);
        ConstValue::Object(out)
    }
}

/// A refused field.
#[derive(serde::Deserialize)]
struct FieldError {
    field: String,
    message: Opaque,
}

/// `createOAuthApp`/`updateOAuthApp`'s payload.
#[derive(serde::Deserialize)]
struct Saved {
    app: Option<App>,
    errors: Vec<FieldError>,
}

/// The app, or Pleroma's 200 `{field: message}` when validation failed.
fn app_or_errors(value: ConstValue, _: &Call<'_>) -> Result<Answer, AppError> {
    let saved = read::<Saved>(value)?;
    if !saved.errors.is_empty() {
        let fields = saved.errors.into_iter().map(|e| (Name::new(e.field), e.message)).collect();
        return Ok(Answer::json(ConstValue::Object(fields)).status(StatusCode::OK));
    }
    Ok(Answer::json(saved.app.map_or(ConstValue::Null, Wire::wire)))
}
