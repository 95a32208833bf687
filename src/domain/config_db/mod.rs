//! Configuration from the API (Pleroma's `ConfigDB` and `Admin.ConfigController`): settings
//! saved in the database over the file's, in Pleroma's JSON encoding, with the moderation log.
//!
//! Sources in order: defaults < config file < database (when `configurable_from_database` is
//! on). [`model`] declares every setting the gateway applies; [`tree`] is Pleroma's whole tree
//! (descriptions and defaults), whose other settings are stored only; [`encoding`] reads and
//! writes Pleroma's encoding; [`live`] keeps each process's settings current.
pub mod encoding;
pub mod live;
pub mod model;
pub mod model_applied;
mod model_captcha;
mod model_mfa;
pub mod model_mrf;
pub mod tree;

use std::collections::BTreeSet;

use chrono::Utc;
use entity::config_entry;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, Set, Statement,
};
use serde_json::Value;

use self::{
    encoding::{check_decodable, db_keys, is_group_or_key, is_keyword, keyword_pair, merge_keyword, pair},
    model::{declared, find, find_saved, is_legacy, keys, known, under, Declared},
};
use crate::{
    config::Settings,
    db::Db,
    domain::moderation_log::{self, Action, Actor},
    error::AppError,
};

pub use live::LiveSettings;

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

/// One refused part of a `POST /config`: the entry (and sub-key) it names and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// `:limit`, when one sub-key was refused (the others of the entry are saved).
    pub subkey: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.subkey {
            Some(sub) => write!(f, "{}, {}, {sub}: {}", self.group, self.key, self.message),
            None => write!(f, "{}, {}: {}", self.group, self.key, self.message),
        }
    }
}

/// Check every change as Pleroma's `ConfigDB` would decode it, and the settings the gateway
/// applies against their declared types. Returns what may be saved (values of applied settings
/// in the canonical encoding, everything else as given) and each refused entry or sub-key.
fn check(base: &Settings, changes: &[Change]) -> (Vec<Change>, Vec<Refusal>) {
    let mut refused = Vec::new();
    let mut scratch = base.clone();
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        let refuse = |subkey: Option<&str>, message: String| Refusal {
            group: change.group.clone(),
            key: change.key.clone(),
            subkey: subkey.map(str::to_string),
            message,
        };
        if !is_group_or_key(&change.group) || !is_group_or_key(&change.key) {
            refused.push(refuse(
                None,
                "invalid group or key: expected atoms (\":pleroma\", \":instance\") or module names \
                 (\"Pleroma.Upload\")"
                    .into(),
            ));
            continue;
        }
        if change.delete {
            out.push(change.clone());
            continue;
        }
        let Some(value) = &change.value else {
            refused.push(refuse(None, "a value or \"delete\": true is required".into()));
            continue;
        };
        let Some(items) = value.as_array().filter(|_| is_keyword(value)) else {
            if known(&change.group, &change.key) {
                refused.push(refuse(None, "expected a keyword list ([{\"tuple\": [\":key\", value]}, …])".into()));
                continue;
            }
            // Stored only and not a keyword list: saved as given, once it decodes.
            match check_decodable(value) {
                Ok(()) => out.push(change.clone()),
                Err(e) => refused.push(refuse(None, e)),
            }
            continue;
        };
        let mut canonical = Vec::with_capacity(items.len());
        for item in items {
            let Some((sub, v)) = keyword_pair(item) else { continue };
            // A legacy place of a gateway setting is checked as the setting it stands for.
            match find_saved(&change.group, &change.key, sub) {
                Some(declared) => match (declared.set)(&mut scratch, v) {
                    Ok(()) => canonical.push(pair(sub, (declared.get)(&scratch))),
                    Err(e) => refused.push(refuse(Some(sub), e)),
                },
                None => match check_decodable(v) {
                    Ok(()) => canonical.push(item.clone()),
                    Err(e) => refused.push(refuse(Some(sub), e)),
                },
            }
        }
        if canonical.is_empty() && !items.is_empty() {
            continue;
        }
        out.push(Change { value: Some(Value::Array(canonical)), ..change.clone() });
    }
    // Settings that only mean something together: the mail transport must build.
    if let Err(e) = crate::domain::mail::Mailer::new(&scratch) {
        let mail = |c: &Change| {
            (c.group == ":pleroma" && c.key == "Pleroma.Emails.Mailer")
                || c.value.as_ref().and_then(Value::as_array).is_some_and(|items| {
                    items.iter().filter_map(keyword_pair).any(|(sub, _)| {
                        (c.key.as_str(), sub) == (":gateway", ":smtp_url")
                            || (c.key.as_str(), sub) == (":instance", ":notify_email")
                    })
                })
        };
        for c in out.iter().filter(|c| !c.delete && mail(c)) {
            refused.push(Refusal { group: c.group.clone(), key: c.key.clone(), subkey: None, message: e.clone() });
        }
        out.retain(|c| c.delete || !mail(c));
    }
    (out, refused)
}

/// The outcome of [`update`].
pub struct Updated {
    /// The entries written (not those removed), as saved.
    pub entries: Vec<Entry>,
    /// The entries and sub-keys refused (the others were saved).
    pub refused: Vec<Refusal>,
}

/// `POST /config`: apply `changes` to the saved settings in one transaction with its
/// moderation-log entry. As Pleroma, what is refused is left out and the rest saved; each refused
/// entry or sub-key is named in [`Updated::refused`]. When nothing can be saved, `BAD_REQUEST`
/// naming every refusal. Removing what is not saved is skipped, as Pleroma skips it.
pub async fn update(db: &Db, base: &Settings, actor: &Actor, changes: &[Change]) -> Result<Updated, AppError> {
    if !base.configurable_from_database {
        return Err(AppError::BadRequest(DISABLED.into()));
    }
    let (changes, refused) = check(base, changes);
    if changes.is_empty() && !refused.is_empty() {
        let all: Vec<String> = refused.iter().map(Refusal::to_string).collect();
        return Err(AppError::BadRequest(all.join("; ")));
    }
    let txn = db.begin().await?;
    // Taking the version row first orders concurrent updates (PostgreSQL row lock).
    bump_version(&txn).await?;
    let mut rows = load(&txn).await?;
    let before = rows.clone();
    let mut written: Vec<(String, String)> = Vec::new();
    for change in &changes {
        let at = rows.iter().position(|r| r.group == change.group && r.key == change.key);
        if change.delete {
            let Some(i) = at else { continue };
            match &change.subkeys {
                Some(subkeys) => {
                    let kept: Vec<Value> = rows[i]
                        .value
                        .as_array()
                        .map(|items| {
                            items
                                .iter()
                                .filter(|item| keyword_pair(item).is_none_or(|(k, _)| !subkeys.iter().any(|s| s == k)))
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default();
                    if kept.is_empty() {
                        rows.remove(i);
                    } else {
                        rows[i].value = Value::Array(kept);
                    }
                }
                None => {
                    rows.remove(i);
                }
            }
            written.retain(|w| *w != (change.group.clone(), change.key.clone()));
            continue;
        }
        let new = change.value.clone().unwrap_or(Value::Null);
        match at {
            Some(i) => rows[i].value = merge_saved(&change.group, &change.key, &rows[i].value, &new),
            None => rows.push(Stored { group: change.group.clone(), key: change.key.clone(), value: new }),
        }
        let name = (change.group.clone(), change.key.clone());
        if !written.contains(&name) {
            written.push(name);
        }
    }
    // Every saved row must still apply over the file's settings.
    let mut check = base.clone();
    if let Some(error) = apply(&mut check, &rows).into_iter().next() {
        return Err(AppError::BadRequest(error));
    }
    // Settings that only mean something together: the mail transport must build.
    crate::domain::mail::Mailer::new(&check)
        .map_err(|e| AppError::BadRequest(format!("{}, {}: {e}", ":pleroma", "Pleroma.Emails.Mailer")))?;
    save(&txn, &before, &rows).await?;
    moderation_log::record(&txn, actor, &Action::ConfigUpdate { changes: log_changes(&changes) }).await?;
    txn.commit().await?;
    let entries = written
        .iter()
        .filter_map(|(g, k)| rows.iter().find(|r| &r.group == g && &r.key == k))
        .map(|r| Entry {
            group: r.group.clone(),
            key: r.key.clone(),
            value: r.value.clone(),
            db: db_keys(&r.value, &r.key),
        })
        .collect();
    Ok(Updated { entries, refused })
}

/// What the moderation log keeps of each change: `(group, key, removed sub-keys or all)`.
fn log_changes(changes: &[Change]) -> Vec<moderation_log::ConfigChange> {
    changes
        .iter()
        .map(|c| moderation_log::ConfigChange {
            group: c.group.clone(),
            key: c.key.clone(),
            delete: c.delete,
            subkeys: if c.delete {
                c.subkeys.clone().unwrap_or_default()
            } else {
                c.value.as_ref().map(|v| db_keys(v, &c.key)).unwrap_or_default()
            },
        })
        .collect()
}

async fn bump_version<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    conn.execute_unprepared("UPDATE config_version SET version = version + 1 WHERE id = 1").await?;
    Ok(())
}

/// Write the difference between `before` and `after`.
async fn save<C: ConnectionTrait>(conn: &C, before: &[Stored], after: &[Stored]) -> Result<(), DbErr> {
    let now = Utc::now();
    for old in before {
        if !after.iter().any(|r| r.group == old.group && r.key == old.key) {
            config_entry::Entity::delete_many()
                .filter(config_entry::Column::Group.eq(&old.group))
                .filter(config_entry::Column::Key.eq(&old.key))
                .exec(conn)
                .await?;
        }
    }
    for row in after {
        let text = row.value.to_string();
        match before.iter().find(|r| r.group == row.group && r.key == row.key) {
            Some(old) if old.value == row.value => {}
            Some(_) => {
                config_entry::Entity::update_many()
                    .col_expr(config_entry::Column::Value, Expr::value(text))
                    .col_expr(config_entry::Column::UpdatedAt, Expr::value(now))
                    .filter(config_entry::Column::Group.eq(&row.group))
                    .filter(config_entry::Column::Key.eq(&row.key))
                    .exec(conn)
                    .await?;
            }
            None => {
                config_entry::ActiveModel {
                    id: NotSet,
                    group: Set(row.group.clone()),
                    key: Set(row.key.clone()),
                    value: Set(text),
                    inserted_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(conn)
                .await?;
            }
        }
    }
    Ok(())
}

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
