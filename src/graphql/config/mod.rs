//! Configuration from the API: the typed `settings` view and `updateSettings`, and the
//! Pleroma-encoded entries (`configEntries`, `updateConfig`) the REST facade's
//! `/admin/config` rows are operations on; descriptions, `needReboot` and `restartGateway`.
use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Json, Object, SimpleObject};
use serde_json::{json, Value};

use super::{ContextExt, FieldRule};
use crate::{
    auth::Access,
    domain::{
        config_db::{self as domain, model, Change, Entry, LiveSettings},
        moderation_log::Actor,
    },
    error::AppError,
};

const READ: &[&str] = &["admin:read"];
const WRITE: &[&str] = &["admin:write"];

/// Access rules of this area's fields: admins only.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "settings", Access::Admin(READ)),
    ("Query", "configEntries", Access::Admin(READ)),
    ("Query", "configDescriptions", Access::Admin(READ)),
    ("Query", "rebootStatus", Access::Admin(READ)),
    ("Query", "frontendConfigurations", Access::Public),
    ("Mutation", "updateSettings", Access::Admin(WRITE)),
    ("Mutation", "updateConfig", Access::Admin(WRITE)),
    ("Mutation", "restartGateway", Access::Admin(WRITE)),
    ("Mutation", "migrateConfigToDb", Access::Admin(WRITE)),
    ("Mutation", "migrateConfigFromDb", Access::Admin(WRITE)),
];

fn live<'a>(ctx: &'a Context<'_>) -> Result<&'a Arc<LiveSettings>, AppError> {
    ctx.data_opt::<Arc<LiveSettings>>().ok_or_else(|| AppError::internal("live settings missing from request data"))
}

fn from_database(live: &LiveSettings) -> Result<(), AppError> {
    if live.from_database() {
        Ok(())
    } else {
        Err(AppError::BadRequest(domain::DISABLED.into()))
    }
}

/// A saved setting's origin.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SettingSource {
    /// The gateway's default.
    Default,
    /// The config file (or a command-line flag or environment variable).
    File,
    /// Saved through the API.
    Database,
}

/// One setting the gateway honours.
#[derive(SimpleObject)]
pub struct Setting {
    /// Pleroma's group: `:pleroma`.
    pub group: String,
    /// Pleroma's key: `:instance`, `Pleroma.Emails.Mailer`, ….
    pub key: String,
    /// The sub-key: `:name`.
    pub subkey: String,
    /// The form's label.
    pub label: String,
    /// What it does.
    pub description: String,
    /// Pleroma's type: `"string"`, `["list", "atom"]`, ….
    #[graphql(name = "type")]
    pub ty: Json<Value>,
    /// The value in force, in Pleroma's encoding.
    pub value: Json<Value>,
    /// The gateway's default, in Pleroma's encoding.
    pub default: Json<Value>,
    /// Where the value in force comes from.
    pub source: SettingSource,
    /// A change takes effect after `restartGateway` (`GET /admin/restart`).
    pub needs_restart: bool,
}

/// The settings under one Pleroma group and key.
#[derive(SimpleObject)]
pub struct SettingGroup {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// The form's label.
    pub label: String,
    /// What the settings are about.
    pub description: String,
    /// The settings, in order.
    pub settings: Vec<Setting>,
}

/// A setting as `GET /admin/config` shows it (Pleroma's `ConfigDB` view).
#[derive(SimpleObject)]
pub struct ConfigEntry {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// The value, in Pleroma's encoding (a keyword list of sub-keys).
    pub value: Json<Value>,
    /// The sub-keys saved in the database.
    pub db: Vec<String>,
}

impl From<Entry> for ConfigEntry {
    fn from(e: Entry) -> Self {
        ConfigEntry { group: e.group, key: e.key, value: Json(e.value), db: e.db }
    }
}

/// Settings in Pleroma's encoding and whether a restart is pending.
#[derive(SimpleObject)]
pub struct ConfigEntries {
    /// The entries.
    pub configs: Vec<ConfigEntry>,
    /// A reboot-time setting changed since this process last (re)started its parts.
    pub need_reboot: bool,
}

/// Whether a restart is pending.
#[derive(SimpleObject)]
pub struct RebootStatus {
    /// A reboot-time setting changed since this process last (re)started its parts.
    pub need_reboot: bool,
}

fn groups(ctx: &Context<'_>, rows: &[domain::Stored]) -> Result<Vec<SettingGroup>, AppError> {
    let live = live(ctx)?;
    let (current, base) = (live.current(), live.base());
    let defaults = crate::config::Settings::defaults_like(&base);
    let saved = if live.from_database() { domain::saved_paths(rows) } else { Default::default() };
    Ok(model::keys()
        .into_iter()
        .map(|(group, key)| {
            let (description, label) = model::groups()
                .find(|g| (g.0, g.1) == (group, key))
                .map(|g| (g.2.to_string(), g.3.map(str::to_string).unwrap_or_else(|| model::humanize(key))))
                .unwrap_or_default();
            let settings = model::under(group, key)
                .map(|d| {
                    let default = (d.get)(&defaults);
                    let source = if saved.contains(&d.path()) {
                        SettingSource::Database
                    } else if (d.get)(&base) != default {
                        SettingSource::File
                    } else {
                        SettingSource::Default
                    };
                    Setting {
                        group: group.into(),
                        key: key.into(),
                        subkey: d.sub.into(),
                        label: d.shown_label(),
                        description: d.description.into(),
                        ty: Json((d.ty)(&current)),
                        value: Json((d.get)(&current)),
                        default: Json(default),
                        source,
                        needs_restart: d.reboot,
                    }
                })
                .collect();
            SettingGroup { group: group.into(), key: key.into(), label, description, settings }
        })
        .collect())
}

/// Pleroma's `GET /admin/config/descriptions` for every declared setting.
pub fn descriptions() -> Value {
    let entries: Vec<Value> = model::keys()
        .into_iter()
        .map(|(group, key)| {
            let (description, label) = model::groups()
                .find(|g| (g.0, g.1) == (group, key))
                .map(|g| (g.2, g.3.map(str::to_string).unwrap_or_else(|| model::humanize(key))))
                .unwrap_or_default();
            let defaults = crate::config::Settings::for_database("", std::path::Path::new(""));
            let children: Vec<Value> = model::under(group, key)
                .map(|d| {
                    let mut child = json!({
                        "key": d.sub,
                        "type": (d.ty)(&defaults),
                        "description": d.description,
                        "label": d.shown_label(),
                    });
                    let suggestions: Value = serde_json::from_str(d.suggestions).unwrap_or(Value::Null);
                    if suggestions.as_array().is_some_and(|s| !s.is_empty()) {
                        child["suggestions"] = suggestions;
                    }
                    child
                })
                .collect();
            json!({
                "group": group,
                "key": key,
                "type": "group",
                "description": description,
                "label": label,
                "children": children,
            })
        })
        .collect();
    Value::Array(entries)
}

/// Configuration reads (admins).
#[derive(Default)]
pub struct ConfigQuery;

#[Object]
impl ConfigQuery {
    /// Every setting the gateway honours, grouped by Pleroma group and key, with its value in
    /// force, default, source, description and whether a change needs a restart.
    async fn settings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SettingGroup>> {
        let rows = domain::load(&ctx.db().read).await.map_err(AppError::from)?;
        Ok(groups(ctx, &rows)?)
    }

    /// The settings in Pleroma's encoding (`GET /admin/config`): every declared key with its
    /// value in force, or with `onlyDb` only what is saved, as saved. `BAD_REQUEST` when
    /// configuration from the database is off.
    async fn config_entries(&self, ctx: &Context<'_>, only_db: Option<bool>) -> async_graphql::Result<ConfigEntries> {
        let live = live(ctx)?;
        from_database(live)?;
        let rows = domain::load(&ctx.db().read).await.map_err(AppError::from)?;
        let entries =
            if only_db.unwrap_or(false) { domain::only_db(&rows) } else { domain::merged(&live.current(), &rows) };
        Ok(ConfigEntries {
            configs: entries.into_iter().map(ConfigEntry::from).collect(),
            need_reboot: live.need_reboot(),
        })
    }

    /// Descriptions of every declared setting in Pleroma's format (`group`, `key`, `type`,
    /// `description`, `label`, `children` with `suggestions`), for admin-fe's forms.
    async fn config_descriptions(&self) -> Json<Value> {
        Json(descriptions())
    }

    /// What each frontend reads at start (Pleroma's `:frontend_configurations`, keyed by frontend:
    /// `pleroma_fe`, `masto_fe` when set); public.
    async fn frontend_configurations(&self, ctx: &Context<'_>) -> Json<Value> {
        // Atom keys (`":theme"`) are rendered without their colon, as Jason renders atoms.
        let plain = |map: &serde_json::Map<String, Value>| {
            Value::Object(map.iter().map(|(k, v)| (k.strip_prefix(':').unwrap_or(k).to_string(), v.clone())).collect())
        };
        let configurations = &ctx.settings().frontend_configurations;
        let mut out = serde_json::Map::new();
        out.insert("pleroma_fe".into(), plain(&configurations.pleroma_fe));
        if !configurations.masto_fe.is_empty() {
            out.insert("masto_fe".into(), plain(&configurations.masto_fe));
        }
        Json(Value::Object(out))
    }

    /// Whether a reboot-time setting changed since this process last restarted its parts.
    async fn reboot_status(&self, ctx: &Context<'_>) -> async_graphql::Result<RebootStatus> {
        Ok(RebootStatus { need_reboot: live(ctx)?.need_reboot() })
    }
}

/// One change in Pleroma's encoding (`POST /admin/config`'s `configs[]`).
#[derive(InputObject)]
pub struct ConfigChangeInput {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// The value: a keyword list of sub-keys, merged with the saved one.
    pub value: Option<Json<Value>>,
    /// Remove the saved value (or only `subkeys`).
    pub delete: Option<bool>,
    /// With `delete`: the sub-keys to remove.
    pub subkeys: Option<Vec<String>>,
}

/// One typed setting to save.
#[derive(InputObject)]
pub struct SettingInput {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// `:name`.
    pub subkey: String,
    /// The new value in Pleroma's encoding (`null` where the type allows it, e.g. a limiter off).
    pub value: Option<Json<Value>>,
    /// Remove the saved value (back to the file's or the default).
    pub reset: Option<bool>,
}

/// Settings to save together.
#[derive(InputObject)]
pub struct UpdateSettingsInput {
    /// The settings.
    pub settings: Vec<SettingInput>,
}

/// Why one setting was refused.
#[derive(SimpleObject)]
pub struct SettingError {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// `:name`.
    pub subkey: String,
    /// What is wrong.
    pub message: String,
}

/// The outcome of `updateSettings`: nothing is saved when any setting is refused.
#[derive(SimpleObject)]
pub struct UpdateSettingsPayload {
    /// Every setting, as now in force (empty when refused).
    pub settings: Vec<SettingGroup>,
    /// The refused settings (empty when saved).
    pub errors: Vec<SettingError>,
    /// A reboot-time setting changed and awaits `restartGateway`.
    pub need_reboot: bool,
}

/// The outcome of a restart.
#[derive(SimpleObject)]
pub struct RestartPayload {
    /// Still pending after the restart (false).
    pub need_reboot: bool,
}

/// The outcome of a migration between the file and the database.
#[derive(SimpleObject)]
pub struct MigratePayload {
    /// Done.
    pub ok: bool,
    /// The file written (`migrateConfigFromDb`).
    pub file: Option<String>,
}

async fn save(ctx: &Context<'_>, changes: &[Change]) -> Result<Vec<Entry>, AppError> {
    let live = live(ctx)?;
    let actor = Actor::from(ctx.viewer().require_user()?);
    let updated = domain::update(ctx.db(), &live.base(), &actor, changes).await?;
    live.reload().await?;
    Ok(updated.entries)
}

/// Configuration changes (admins); each one is moderation-logged in its transaction.
#[derive(Default)]
pub struct ConfigMutation;

#[Object]
impl ConfigMutation {
    /// Save typed settings; every value is checked first and each refused one is reported in
    /// `errors` (then nothing is saved). Takes effect on the next request of every process,
    /// except settings with `needsRestart`.
    async fn update_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateSettingsInput,
    ) -> async_graphql::Result<UpdateSettingsPayload> {
        let live = live(ctx)?;
        from_database(live)?;
        let mut errors = Vec::new();
        let mut scratch = (*live.current()).clone();
        let mut changes: Vec<Change> = Vec::new();
        for s in &input.settings {
            let refuse = |message: String| SettingError {
                group: s.group.clone(),
                key: s.key.clone(),
                subkey: s.subkey.clone(),
                message,
            };
            let Some(declared) = model::find(&s.group, &s.key, &s.subkey) else {
                errors.push(refuse("unknown setting".into()));
                continue;
            };
            if s.reset.unwrap_or(false) {
                changes.push(Change {
                    group: s.group.clone(),
                    key: s.key.clone(),
                    delete: true,
                    subkeys: Some(vec![s.subkey.clone()]),
                    ..Change::default()
                });
                continue;
            }
            let value = s.value.as_ref().map(|v| v.0.clone()).unwrap_or(Value::Null);
            match (declared.set)(&mut scratch, &value) {
                Ok(()) => changes.push(Change {
                    group: s.group.clone(),
                    key: s.key.clone(),
                    value: Some(json!([{ "tuple": [s.subkey, value] }])),
                    ..Change::default()
                }),
                Err(message) => errors.push(refuse(message)),
            }
        }
        if let Err(message) = crate::domain::mail::Mailer::new(&scratch) {
            let subkey = ":smtp_url".to_string();
            errors.push(SettingError {
                group: ":pleroma".into(),
                key: "Pleroma.Emails.Mailer".into(),
                subkey,
                message,
            });
        }
        if !errors.is_empty() {
            return Ok(UpdateSettingsPayload { settings: Vec::new(), errors, need_reboot: live.need_reboot() });
        }
        save(ctx, &changes).await?;
        let rows = domain::load(&ctx.db().read).await.map_err(AppError::from)?;
        Ok(UpdateSettingsPayload { settings: groups(ctx, &rows)?, errors, need_reboot: live.need_reboot() })
    }

    /// Save or remove settings in Pleroma's encoding (`POST /admin/config`); answers the
    /// entries written. Unknown groups, keys or sub-keys and values of the wrong type are
    /// `BAD_REQUEST`, naming them, and nothing is saved.
    async fn update_config(
        &self,
        ctx: &Context<'_>,
        configs: Vec<ConfigChangeInput>,
    ) -> async_graphql::Result<ConfigEntries> {
        let live = live(ctx)?;
        from_database(live)?;
        let changes: Vec<Change> = configs
            .into_iter()
            .map(|c| Change {
                group: c.group,
                key: c.key,
                value: c.value.map(|v| v.0),
                delete: c.delete.unwrap_or(false),
                subkeys: c.subkeys,
            })
            .collect();
        let entries = save(ctx, &changes).await?;
        Ok(ConfigEntries {
            configs: entries.into_iter().map(ConfigEntry::from).collect(),
            need_reboot: live.need_reboot(),
        })
    }

    /// Rebuild what reboot-time settings feed (rate limiters, the mail transport) in place,
    /// without dropping requests in flight (`GET /admin/restart`). `BAD_REQUEST` when
    /// configuration from the database is off.
    async fn restart_gateway(&self, ctx: &Context<'_>) -> async_graphql::Result<RestartPayload> {
        let live = live(ctx)?;
        from_database(live)?;
        live.refresh().await;
        live.restart();
        Ok(RestartPayload { need_reboot: live.need_reboot() })
    }

    /// Save every setting the config file sets (differs from its default) into the database
    /// (the legacy `migrate_to_db`).
    async fn migrate_config_to_db(&self, ctx: &Context<'_>) -> async_graphql::Result<MigratePayload> {
        let live = live(ctx)?;
        from_database(live)?;
        let actor = Actor::from(ctx.viewer().require_user()?);
        domain::migrate_to_db(ctx.db(), &live.base(), &actor).await?;
        live.reload().await.map_err(AppError::from)?;
        Ok(MigratePayload { ok: true, file: None })
    }

    /// Write the saved settings into `gateway.exported_from_db.toml` beside the config file and
    /// remove them from the database (the legacy `migrate_from_db`).
    async fn migrate_config_from_db(&self, ctx: &Context<'_>) -> async_graphql::Result<MigratePayload> {
        let live = live(ctx)?;
        from_database(live)?;
        let actor = Actor::from(ctx.viewer().require_user()?);
        let path = domain::migrate_from_db(ctx.db(), &live.base(), &actor).await?;
        live.reload().await.map_err(AppError::from)?;
        Ok(MigratePayload { ok: true, file: Some(path.display().to_string()) })
    }
}
