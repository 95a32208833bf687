//! Legacy `migrate_to_db` and `migrate_from_db`: between the config file and the saved settings.

use serde_json::Value;

use super::{
    encoding::{db_keys, keyword_pair, pair},
    model::{find, keys, known, under},
};
use crate::{config::Settings, db::Db, domain::moderation_log::Actor, error::AppError};

use super::*;

/// Legacy `migrate_to_db`: save every setting whose file value differs from its default.
pub async fn migrate_to_db(db: &Db, base: &Settings, actor: &Actor) -> Result<(), AppError> {
    let defaults = Settings::defaults_like(base);
    let changes: Vec<Change> = keys()
        .into_iter()
        .filter_map(|(group, key)| {
            let items: Vec<Value> = under(group, key)
                .filter(|d| (d.get)(base) != (d.get)(&defaults))
                .map(|d| pair(d.sub, (d.get)(base)))
                .collect();
            (!items.is_empty()).then(|| Change {
                group: group.into(),
                key: key.into(),
                value: Some(Value::Array(items)),
                ..Change::default()
            })
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    update(db, base, actor, &changes).await.map(|_| ())
}

/// Legacy `migrate_from_db`: write the saved settings over the file's into a TOML file beside
/// the config file (or in the data directory), then remove them from the database (stored-only
/// ones, which the file cannot hold, stay). Returns the
/// file written.
pub async fn migrate_from_db(db: &Db, base: &Settings, actor: &Actor) -> Result<std::path::PathBuf, AppError> {
    if !base.configurable_from_database {
        return Err(AppError::BadRequest(DISABLED.into()));
    }
    let rows = load(&db.read).await?;
    let mut settings = base.clone();
    apply(&mut settings, &rows);
    let mut table = toml::Table::new();
    for row in &rows {
        for d in under(&row.group, &row.key) {
            let saved = row
                .value
                .as_array()
                .is_some_and(|items| items.iter().filter_map(keyword_pair).any(|(k, _)| k == d.sub));
            if saved {
                if let Some(value) = to_toml(&(d.get)(&settings), d.file_path == "frontends.available") {
                    insert_path(&mut table, d.file_path, value);
                }
            }
        }
    }
    let dir = base
        .config_file
        .as_ref()
        .and_then(|f| f.parent().map(std::path::Path::to_path_buf))
        .unwrap_or_else(|| base.data_dir.clone());
    let path = dir.join("gateway.exported_from_db.toml");
    let text = toml::to_string(&table).map_err(AppError::internal)?;
    tokio::fs::create_dir_all(&dir).await.map_err(AppError::internal)?;
    tokio::fs::write(&path, text).await.map_err(AppError::internal)?;
    // What the file cannot hold (stored-only settings) stays saved.
    let removals: Vec<Change> = rows
        .iter()
        .filter(|r| known(&r.group, &r.key))
        .map(|r| {
            let exported = db_keys(&r.value, &r.key).into_iter().filter(|s| find(&r.group, &r.key, s).is_some());
            Change {
                group: r.group.clone(),
                key: r.key.clone(),
                delete: true,
                subkeys: Some(exported.collect()),
                ..Change::default()
            }
        })
        .collect();
    if !removals.is_empty() {
        update(db, base, actor, &removals).await?;
    }
    Ok(path)
}

/// The file's spelling of a value in Pleroma's encoding: tuples as arrays, atoms without `:`,
/// `nil` limiters as `false`, maps as tables — or, for the frontends map (`tables`), as
/// `[[frontends.available]]` entries.
fn to_toml(value: &Value, tables: bool) -> Option<toml::Value> {
    Some(match value {
        Value::Null => toml::Value::Boolean(false),
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.strip_prefix(':').unwrap_or(s).to_string()),
        Value::Array(items) => toml::Value::Array(items.iter().filter_map(|i| to_toml(i, false)).collect()),
        Value::Object(map) => match map.get("tuple") {
            Some(inner) if map.len() == 1 => to_toml(inner, false)?,
            _ if tables => toml::Value::Array(map.values().filter_map(|entry| to_toml(entry, false)).collect()),
            _ => toml::Value::Table(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .filter_map(|(k, v)| Some((k.clone(), to_toml(v, false)?)))
                    .collect(),
            ),
        },
    })
}

fn insert_path(table: &mut toml::Table, path: &str, value: toml::Value) {
    let parts: Vec<&str> = path.split('.').map(str::trim).collect();
    let Some((last, sections)) = parts.split_last() else { return };
    let mut at = table;
    for section in sections {
        let entry = at.entry(section.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(inner) = entry else { return };
        at = inner;
    }
    at.insert(last.to_string(), value);
}
