//! Instance rules (§21) and Mastodon's `GET /api/v1/instance/rules`.
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, typed, Drift, Fields, Mapped, Route, Shape, Wire};
use crate::auth::Access;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // GET /admin/rules: [Rule] (admin; admin:read — the list itself is public).
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/rules",
            "List instance rules",
            operation!("rules/list"),
            Shape::at("rules"),
        )
        .require(Access::Admin(&["admin:read"])),
        // POST /admin/rules: the Rule; 400 "Missing field: text." without text.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/rules",
            "Create a rule",
            operation!("rules/create"),
            Shape::at("rule"),
        ),
        // PATCH /admin/rules/:id: the Rule; 404 {"error": "Not found"} (Pleroma crashes).
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/rules/{id}",
            "Update a rule",
            operation!("rules/update"),
            Shape::at("rule"),
        ),
        // DELETE /admin/rules/:id: {}; 404 {"error": "Not found"} (Pleroma crashes).
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/rules/{id}",
            "Delete a rule",
            operation!("rules/delete"),
            Shape::Literal("{}"),
        ),
        // GET /api/v1/instance/rules: [{id, text, hint}] (a Mastodon path, no alias).
        Route::admin(
            M::GET,
            "/api/v1/instance/rules",
            "The instance rules",
            operation!("rules/public"),
            Shape::at("rules").mapped(mastodon_rules),
        )
        .without_alias()
        .mastodon_errors(),
    ]
}

/// Mastodon's `rule.json`: `hint` is `""` when unset.
pub fn mastodon_rules(value: ConstValue) -> Result<Mapped, Drift> {
    typed::<Vec<Rule>>(value)
}

/// A rule: its `hint` (`null` when unset), the rest as it is.
#[derive(serde::Deserialize)]
pub struct Rule {
    hint: Option<String>,
    #[serde(flatten)]
    rest: Fields,
}

impl Wire for Rule {
    fn wire(self) -> ConstValue {
        let mut out = self.rest;
        out.insert(Name::new("hint"), ConstValue::String(self.hint.unwrap_or_default()));
        ConstValue::Object(out)
    }
}
