//! `config migrate_to_db|migrate_from_db|dump`: Pleroma's `pleroma_ctl config`
//! (lib/mix/tasks/pleroma/config.ex) over the gateway's saved settings. Changes go through
//! [`config_db::update`], the admin API's own function, so each is one `config_update`
//! moderation-log entry with the operator as actor.
//!
//! The gateway's config file is TOML, not Elixir: `migrate_from_db` writes the saved settings
//! as JSON in the admin API's format (`{"configs": [{"group", "key", "value"}]}`, what
//! `POST /api/v1/pleroma/admin/config` takes), which `migrate_to_db --file` reads back.
use std::path::PathBuf;

use clap::Subcommand;
use pleroma_gateway::{
    config::Settings,
    db::Db,
    domain::{
        config_db::{self, model, Change},
        moderation_log::Actor,
    },
};
use serde_json::{json, Value};

use crate::describe;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Save the settings of the config file (every setting the gateway applies, as in force
    /// without the database), or those of a JSON export (--file), in the database.
    #[command(name = "migrate_to_db", alias = "migrate-to-db")]
    MigrateToDb {
        /// A JSON file written by `config migrate_from_db` (the admin API's `{"configs": [...]}`).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Write the settings saved in the database to a JSON file (the admin API's format).
    #[command(name = "migrate_from_db", alias = "migrate-from-db")]
    MigrateFromDb {
        /// Where to write [default: <data-dir>/config.exported_from_db.json].
        #[arg(long)]
        path: Option<PathBuf>,
        /// Then remove them from the database.
        #[arg(short = 'd', long)]
        delete: bool,
    },
    /// Print the settings saved in the database: all, a group's (`:pleroma`) or one key's.
    Dump {
        /// Group, e.g. `:pleroma` or `pleroma`.
        group: Option<String>,
        /// Key, e.g. `:instance` or `instance`.
        key: Option<String>,
    },
}

/// `pleroma` and `:pleroma` name the same group; module keys (`Pleroma.Upload`) stay as they are.
fn atom(name: &str) -> String {
    let bare = name.trim_start_matches(':');
    if bare.starts_with(|c: char| c.is_ascii_uppercase()) {
        bare.to_string()
    } else {
        format!(":{bare}")
    }
}

pub async fn run(db: &Db, settings: &Settings, command: ConfigCommand) -> Result<(), String> {
    if !settings.configurable_from_database {
        return Err("ConfigDB not enabled: set configurable_from_database = true in the config file to keep settings \
             in the database"
            .into());
    }
    match command {
        ConfigCommand::MigrateToDb { file } => {
            let changes: Vec<Change> = match &file {
                Some(path) => from_export(path)?,
                None => {
                    let keys = model::keys();
                    config_db::merged(settings, &[])
                        .into_iter()
                        .filter(|e| keys.iter().any(|(g, k)| *g == e.group && *k == e.key))
                        .map(|e| Change { group: e.group, key: e.key, value: Some(e.value), ..Change::default() })
                        .collect()
                }
            };
            if changes.is_empty() {
                println!("no settings to migrate");
                return Ok(());
            }
            let from = match &file {
                Some(path) => path.display().to_string(),
                None => settings
                    .config_file
                    .as_ref()
                    .map_or("the defaults (no config file)".into(), |p| p.display().to_string()),
            };
            println!("Migrating settings from {from}");
            let done = config_db::update(db, settings, &Actor::operator(), &changes).await.map_err(describe)?;
            for entry in &done.entries {
                println!("Settings for {}, {} migrated.", entry.group, entry.key);
            }
            for refusal in &done.refused {
                eprintln!("not migrated: {refusal}");
            }
            Ok(())
        }
        ConfigCommand::MigrateFromDb { path, delete } => {
            let rows = config_db::load(&db.read).await.map_err(|e| e.to_string())?;
            let path = path.unwrap_or_else(|| settings.data_dir.join("config.exported_from_db.json"));
            let configs: Vec<Value> =
                rows.iter().map(|r| json!({ "group": r.group, "key": r.key, "value": r.value })).collect();
            let text = serde_json::to_string_pretty(&json!({ "configs": configs })).map_err(|e| e.to_string())?;
            std::fs::write(&path, text + "\n")
                .map_err(|e| format!("Impossible to save settings to {}: {e}", path.display()))?;
            println!("Database configuration settings have been exported to {}", path.display());
            if delete && !rows.is_empty() {
                let changes: Vec<Change> = rows
                    .iter()
                    .map(|r| Change { group: r.group.clone(), key: r.key.clone(), delete: true, ..Change::default() })
                    .collect();
                config_db::update(db, settings, &Actor::operator(), &changes).await.map_err(describe)?;
                for r in &rows {
                    println!("config {}, {} was deleted from the ConfigDB.", r.group, r.key);
                }
            }
            Ok(())
        }
        ConfigCommand::Dump { group, key } => {
            let rows = config_db::load(&db.read).await.map_err(|e| e.to_string())?;
            let (group, key) = (group.as_deref().map(atom), key.as_deref().map(atom));
            let shown: Vec<_> = rows
                .iter()
                .filter(|r| group.as_ref().is_none_or(|g| *g == r.group) && key.as_ref().is_none_or(|k| *k == r.key))
                .collect();
            if shown.is_empty() {
                return Err("No settings in ConfigDB.".into());
            }
            for r in shown {
                println!("config {}, {}, {}", r.group, r.key, r.value);
            }
            Ok(())
        }
    }
}

/// The changes of a JSON export: `{"configs": [{"group", "key", "value"}]}`.
fn from_export(path: &std::path::Path) -> Result<Vec<Change>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    let configs = doc.get("configs").and_then(Value::as_array).ok_or_else(|| {
        format!("{}: expected {{\"configs\": [{{\"group\", \"key\", \"value\"}}, ...]}}", path.display())
    })?;
    configs
        .iter()
        .map(|c| {
            let text = |name: &str| c.get(name).and_then(Value::as_str).map(String::from);
            match (text("group"), text("key"), c.get("value")) {
                (Some(group), Some(key), Some(value)) => {
                    Ok(Change { group, key, value: Some(value.clone()), ..Change::default() })
                }
                _ => Err(format!("{}: every entry needs a group, a key and a value: {c}", path.display())),
            }
        })
        .collect()
}
