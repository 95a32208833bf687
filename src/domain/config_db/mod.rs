//! Configuration from the API (Pleroma's `ConfigDB` and `Admin.ConfigController`): settings
//! saved in the database over the file's, in Pleroma's JSON encoding, with the moderation log.
//!
//! Sources in order: defaults < config file < database (when `configurable_from_database` is
//! on). [`model`] declares every setting the gateway applies; [`tree`] is Pleroma's whole tree
//! (descriptions and defaults), whose other settings are stored only; [`encoding`] reads and
//! writes Pleroma's encoding; [`live`] keeps each process's settings current.
pub mod encoding;
mod file_migration;
pub mod live;
pub mod model;
pub mod model_applied;
mod model_captcha;
mod model_core;
mod model_gateway;
mod model_jobs;
mod model_mfa;
pub mod model_mrf;
pub mod tree;
mod update;

use std::collections::BTreeSet;

use entity::config_entry;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryOrder, Statement};
use serde_json::Value;

use self::{
    encoding::{db_keys, is_keyword, keyword_pair, merge_keyword, pair},
    model::{declared, find_saved, is_legacy, keys, known, under, Declared},
};
use crate::config::Settings;
pub use file_migration::{migrate_from_db, migrate_to_db};
pub use live::LiveSettings;
pub use update::{update, Refusal, Updated};

/// Pleroma's answer when configuration from the database is off.
pub const DISABLED: &str = "You must enable configurable_from_database in your config file.";

/// Pleroma's `@full_subkey_update`: sub-keys whose saved value is replaced, never merged.
const FULL_SUBKEY_UPDATE: &[(&str, &str, &str)] = &[
    (":pleroma", ":assets", ":mascots"),
    (":pleroma", ":emoji", ":groups"),
    (":pleroma", ":workers", ":retries"),
    (":pleroma", ":mrf_subchain", ":match_actor"),
    (":pleroma", ":mrf_keyword", ":replace"),
];

/// A saved setting: one row of `config`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// Pleroma's encoding: a keyword list of the saved sub-keys.
    pub value: Value,
}

/// One entry of `GET /config`'s answer (Pleroma's `ConfigView`).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// The value, in Pleroma's encoding.
    pub value: Value,
    /// Sub-keys saved in the database (empty: none).
    pub db: Vec<String>,
}

/// One change of `POST /config`.
#[derive(Clone, Debug, Default)]
pub struct Change {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// The new value (keyword values merge with the saved one).
    pub value: Option<Value>,
    /// Remove the saved value, or only `subkeys` of it.
    pub delete: bool,
    /// With `delete`: the sub-keys to remove.
    pub subkeys: Option<Vec<String>>,
}

/// The version number every change bumps.
pub async fn version<C: ConnectionTrait>(conn: &C) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        version: i64,
    }
    let backend = conn.get_database_backend();
    let row =
        Row::find_by_statement(Statement::from_string(backend, "SELECT version FROM config_version WHERE id = 1"))
            .one(conn)
            .await?;
    Ok(row.map_or(0, |r| r.version))
}

/// Every saved setting, oldest first.
pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<Vec<Stored>, DbErr> {
    let rows = config_entry::Entity::find().order_by_asc(config_entry::Column::Id).all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|row| Stored {
            value: serde_json::from_str(&row.value).unwrap_or(Value::Null),
            group: row.group,
            key: row.key,
        })
        .collect())
}

/// Put saved settings over `settings`; each one that cannot apply is skipped and described.
pub fn apply(settings: &mut Settings, rows: &[Stored]) -> Vec<String> {
    let mut errors = Vec::new();
    for row in rows {
        if let Err(e) = apply_one(settings, row) {
            errors.push(e);
        }
    }
    errors
}

fn apply_one(settings: &mut Settings, row: &Stored) -> Result<(), String> {
    let Some(items) = row.value.as_array().filter(|_| is_keyword(&row.value)) else {
        if known(&row.group, &row.key) {
            return Err(format!(
                "{}, {}: expected a keyword list ([{{\"tuple\": [\":key\", value]}}, …])",
                row.group, row.key
            ));
        }
        // Stored only.
        return Ok(());
    };
    for item in items {
        let Some((sub, value)) = keyword_pair(item) else { continue };
        // Sub-keys the gateway does not apply are stored only.
        let Some(declared) = find_saved(&row.group, &row.key, sub) else { continue };
        (declared.set)(settings, value).map_err(|e| format!("{}: {e}", declared.path()))?;
    }
    Ok(())
}

/// `GET /config`, as Pleroma's `ConfigController.show`: Pleroma's defaults in their order with
/// the saved values merged over them (saved keys Pleroma has no default for after them), the
/// gateway's own keys, and for every setting the gateway applies, the value in force.
pub fn merged(current: &Settings, rows: &[Stored]) -> Vec<Entry> {
    let mut out: Vec<(String, String, Value)> =
        tree::defaults().iter().map(|d| (d.group.clone(), d.key.clone(), d.value.clone())).collect();
    for row in rows {
        let saved = without_legacy(row);
        match out.iter_mut().find(|(g, k, _)| *g == row.group && *k == row.key) {
            Some((_, _, value)) => *value = merge_saved(&row.group, &row.key, value, &saved),
            None => out.push((row.group.clone(), row.key.clone(), saved)),
        }
    }
    for (group, key) in keys() {
        let at = match out.iter().position(|(g, k, _)| g == group && k == key) {
            Some(at) => at,
            None => {
                out.push((group.into(), key.into(), Value::Array(Vec::new())));
                out.len() - 1
            }
        };
        let value = &mut out[at].2;
        if !is_keyword(value) {
            *value = Value::Array(Vec::new());
        }
        let Value::Array(items) = value else { continue };
        for d in under(group, key) {
            let item = pair(d.sub, (d.get)(current));
            match items.iter().position(|i| keyword_pair(i).is_some_and(|(k, _)| k == d.sub)) {
                Some(i) => items[i] = item,
                None => items.push(item),
            }
        }
    }
    out.into_iter()
        .map(|(group, key, value)| {
            let db = rows.iter().find(|r| r.group == group && r.key == key).map(|r| db_keys(&r.value, &key));
            Entry { group, key, value, db: db.unwrap_or_default() }
        })
        .collect()
}

/// A saved value without the sub-keys of settings that moved to `:pleroma, :gateway`.
fn without_legacy(row: &Stored) -> Value {
    match row.value.as_array() {
        Some(items) if is_keyword(&row.value) => Value::Array(
            items
                .iter()
                .filter(|i| keyword_pair(i).is_some_and(|(sub, _)| !is_legacy(&row.group, &row.key, sub)))
                .cloned()
                .collect(),
        ),
        _ => row.value.clone(),
    }
}

/// Pleroma's `ConfigDB.merge`: keyword lists merged deeply (full-update sub-keys taken whole),
/// anything else replaced.
fn merge_saved(group: &str, key: &str, default: &Value, saved: &Value) -> Value {
    match (default.as_array(), saved.as_array()) {
        (Some(old), Some(new)) if is_keyword(default) && is_keyword(saved) => {
            Value::Array(merge_keyword(old, new, &full_update(group, key)))
        }
        _ => saved.clone(),
    }
}

fn full_update(group: &str, key: &str) -> Vec<&'static str> {
    FULL_SUBKEY_UPDATE.iter().filter(|(g, k, _)| *g == group && *k == key).map(|(_, _, s)| *s).collect()
}

/// `GET /config?only_db=true`: the saved rows as saved.
pub fn only_db(rows: &[Stored]) -> Vec<Entry> {
    rows.iter()
        .map(|r| Entry {
            group: r.group.clone(),
            key: r.key.clone(),
            value: r.value.clone(),
            db: db_keys(&r.value, &r.key),
        })
        .collect()
}
/// The sub-keys saved for each declared setting, for the GraphQL view's `source`.
pub fn saved_paths(rows: &[Stored]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for row in rows {
        if let Some(items) = row.value.as_array() {
            for (sub, _) in items.iter().filter_map(keyword_pair) {
                match find_saved(&row.group, &row.key, sub) {
                    Some(d) => out.insert(d.path()),
                    None => out.insert(format!("{}, {}, {sub}", row.group, row.key)),
                };
            }
        }
    }
    out
}

/// Every declared setting (re-exported for the GraphQL view).
pub fn all() -> &'static [Declared] {
    declared()
}
