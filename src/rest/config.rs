//! Configuration and restart (§12): Pleroma's `/admin/config` rows as operations on the
//! `configEntries` / `updateConfig` fields, descriptions, `need_reboot` and `restart`, and the
//! legacy `migrate_to_db` / `migrate_from_db`.
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, typed, Drift, Fields, Mapped, Opaque, Route, Shape, Wire};
use crate::auth::Access;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // GET /admin/config: {configs: [ConfigEntry], need_reboot}; 400 when configuration from
        // the database is off.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/config",
            "Merged default, file and database settings",
            operation!("config/list"),
            Shape::FIELD.mapped(without_empty_db),
        ),
        // POST /admin/config: the entries written, and `errors` naming each refused one; 400 when
        // nothing could be saved.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/config",
            "Update or delete settings",
            operation!("config/update"),
            Shape::at("config").mapped(without_empty_db),
        )
        .body_limit(1 << 20),
        // GET /admin/config/descriptions: [{group, key, type, description, label, children}].
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/config/descriptions",
            "Descriptions of every configurable setting",
            operation!("config/descriptions"),
            Shape::FIELD,
        ),
        // GET /admin/config/migrate_to_db: {} (legacy; admin:read as the 003 doc has it).
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/config/migrate_to_db",
            "Copy the file's settings into the database (legacy)",
            operation!("config/migrate_to_db"),
            Shape::Literal("{}"),
        ),
        // GET /admin/config/migrate_from_db: {} (legacy).
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/config/migrate_from_db",
            "Export the database's settings to a file and remove them (legacy)",
            operation!("config/migrate_from_db"),
            Shape::Literal("{}"),
        ),
        // GET /admin/need_reboot: {need_reboot}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/need_reboot",
            "Whether a restart is needed",
            operation!("config/need_reboot"),
            Shape::FIELD,
        ),
        // GET /admin/restart: {}; 400 when configuration from the database is off.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/restart",
            "Restart what reboot-time settings feed",
            operation!("config/restart"),
            Shape::Literal("{}"),
        )
        .require(Access::Admin(&["admin:write"])),
        // GET /api/pleroma/frontend_configurations (§41): {"<frontend>": {...}}; no auth, and only
        // under /api/pleroma.
        Route::admin(
            M::GET,
            "/api/pleroma/frontend_configurations",
            "Per-frontend instance configuration",
            operation!("config/frontend_configurations"),
            Shape::FIELD,
        )
        .mastodon_errors(),
    ]
}

/// Pleroma's `ConfigView`: `db` only when some sub-key is saved; `errors` only when some entry
/// was refused.
pub fn without_empty_db(value: ConstValue) -> Result<Mapped, Drift> {
    typed::<Configs>(value)
}

/// The configs, whether a reboot is needed, and (after an update) the refused entries.
#[derive(serde::Deserialize)]
pub struct Configs {
    configs: Vec<ConfigEntry>,
    need_reboot: bool,
    #[serde(default)]
    errors: Vec<Opaque>,
}

/// An entry: its saved sub-keys (`db`), the rest as it is.
#[derive(serde::Deserialize)]
struct ConfigEntry {
    db: Vec<Opaque>,
    #[serde(flatten)]
    rest: Fields,
}

impl Wire for Configs {
    fn wire(self) -> ConstValue {
        let configs = self.configs.into_iter().map(|entry| {
            let mut out = entry.rest;
            if !entry.db.is_empty() {
                out.insert(Name::new("db"), ConstValue::List(entry.db));
            }
            ConstValue::Object(out)
        });
        let mut root = Fields::new();
        root.insert(Name::new("configs"), ConstValue::List(configs.collect()));
        root.insert(Name::new("need_reboot"), ConstValue::Boolean(self.need_reboot));
        if !self.errors.is_empty() {
            root.insert(Name::new("errors"), ConstValue::List(self.errors));
        }
        ConstValue::Object(root)
    }
}
