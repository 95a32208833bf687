//! `POST /config`: checking and saving changes, with their moderation-log entry.

use chrono::Utc;
use entity::config_entry;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde_json::Value;

use super::{
    encoding::{check_decodable, db_keys, is_group_or_key, is_keyword, keyword_pair, pair},
    model::{find_saved, known},
};
use crate::{
    config::Settings,
    db::Db,
    domain::moderation_log::{self, Action, Actor},
    error::AppError,
};

use super::*;

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
                    // Merged over what is saved, so saved as given (the whole value would undo
                    // entries saved before).
                    Ok(()) if declared.partial => canonical.push(item.clone()),
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
