//! Configuration and restart (§12): Pleroma's `/admin/config` rows as operations on the
//! `configEntries` / `updateConfig` fields, descriptions, `need_reboot` and `restart`, and the
//! legacy `migrate_to_db` / `migrate_from_db`.
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, Route, Shape};
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
pub fn without_empty_db(value: ConstValue) -> ConstValue {
    let ConstValue::Object(mut root) = value else { return value };
    if let Some(ConstValue::List(configs)) = root.swap_remove("configs") {
        let configs = configs
            .into_iter()
            .map(|entry| {
                let ConstValue::Object(mut entry) = entry else { return entry };
                if matches!(entry.get("db"), Some(ConstValue::List(db)) if db.is_empty()) {
                    entry.swap_remove("db");
                }
                ConstValue::Object(entry)
            })
            .collect();
        let need_reboot = root.swap_remove("need_reboot").unwrap_or(ConstValue::Boolean(false));
        let errors = root.swap_remove("errors");
        root.insert(Name::new("configs"), ConstValue::List(configs));
        root.insert(Name::new("need_reboot"), need_reboot);
        if let Some(errors) = errors.filter(|e| !matches!(e, ConstValue::List(l) if l.is_empty())) {
            root.insert(Name::new("errors"), errors);
        }
    }
    ConstValue::Object(root)
}
