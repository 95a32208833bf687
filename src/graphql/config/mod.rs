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
        config_db::{self as domain, model, model::Application, tree, Change, Entry, LiveSettings, Refusal},
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

/// Whether the gateway acts on a setting.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SettingApplication {
    /// Applied: a change takes effect on the next request of every process.
    Applied,
    /// Applied after `restartGateway` (`GET /admin/restart`).
    AppliedAfterRestart,
    /// Stored only: saved and shown back as Pleroma would, without effect on the gateway.
    Stored,
}

impl From<Application> for SettingApplication {
    fn from(a: Application) -> Self {
        match a {
            Application::Applied => SettingApplication::Applied,
            Application::AppliedAfterRestart => SettingApplication::AppliedAfterRestart,
            Application::Stored => SettingApplication::Stored,
        }
    }
}

/// One setting of Pleroma's tree: applied by the gateway, or stored only.
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
    /// Whether the gateway applies it (live or after a restart) or only stores it.
    pub application: SettingApplication,
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
    /// `updateConfig`: the entries and sub-keys refused (the others were saved); empty otherwise.
    pub errors: Vec<ConfigError>,
}

/// Settings to save or remove, in Pleroma's encoding.
#[derive(InputObject)]
pub struct UpdateConfigInput {
    /// The entries to store or delete.
    pub configs: Vec<ConfigChangeInput>,
}

/// The entries `updateConfig` wrote.
#[derive(SimpleObject)]
pub struct UpdateConfigPayload {
    /// The entries written, whether a restart is pending, and the entries refused.
    pub config: ConfigEntries,
}

/// One refused entry (or sub-key of it) of `updateConfig`.
#[derive(SimpleObject)]
pub struct ConfigError {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// `:limit`, when only that sub-key was refused.
    pub subkey: Option<String>,
    /// What is wrong, naming the setting (`:pleroma, :instance, :limit: expected an integer …`).
    pub message: String,
}

impl From<Refusal> for ConfigError {
    fn from(r: Refusal) -> Self {
        let message = r.to_string();
        ConfigError { group: r.group, key: r.key, subkey: r.subkey, message }
    }
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
    let label_of = |group: &str, key: &str| {
        let entry = tree::entry_of(group, key);
        let text = |field: &str| entry.and_then(|e| e.get(field)).and_then(|v| v.as_str()).map(str::to_string);
        (text("description").unwrap_or_default(), text("label").unwrap_or_else(|| model::humanize(key)))
    };
    let mut out: Vec<SettingGroup> = model::keys()
        .into_iter()
        .map(|(group, key)| {
            let (description, label) = label_of(group, key);
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
                        application: d.application().into(),
                    }
                })
                .collect();
            SettingGroup { group: group.into(), key: key.into(), label, description, settings }
        })
        .collect();
    // Stored only: the saved value, or Pleroma's default.
    for (group, key, child) in tree::stored_children() {
        let sub = child["key"].as_str().unwrap_or_default();
        let sub_of = |value: Option<&Value>| {
            value
                .and_then(Value::as_array)
                .and_then(|items| items.iter().filter_map(domain::encoding::keyword_pair).find(|(k, _)| *k == sub))
                .map(|(_, v)| v.clone())
        };
        let default = sub_of(tree::default_of(group, key)).unwrap_or(Value::Null);
        let stored = saved
            .contains(&format!("{group}, {key}, {sub}"))
            .then(|| sub_of(rows.iter().find(|r| r.group == group && r.key == key).map(|r| &r.value)))
            .flatten();
        let setting = Setting {
            group: group.into(),
            key: key.into(),
            subkey: sub.into(),
            label: child["label"].as_str().map(str::to_string).unwrap_or_else(|| model::humanize(sub)),
            description: child["description"].as_str().unwrap_or_default().into(),
            ty: Json(child["type"].clone()),
            value: Json(stored.clone().unwrap_or_else(|| default.clone())),
            default: Json(default),
            source: if stored.is_some() { SettingSource::Database } else { SettingSource::Default },
            needs_restart: false,
            application: SettingApplication::Stored,
        };
        match out.iter_mut().find(|g| g.group == group && g.key == key) {
            Some(g) => g.settings.push(setting),
            None => {
                let (description, label) = label_of(group, key);
                out.push(SettingGroup {
                    group: group.into(),
                    key: key.into(),
                    label,
                    description,
                    settings: vec![setting],
                })
            }
        }
    }
    Ok(out)
}

/// Pleroma's `GET /admin/config/descriptions`: its whole tree, each child marked applied or
/// stored, and the gateway's own keys.
pub fn descriptions() -> Value {
    tree::descriptions().clone()
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
    async fn config_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the entries stored in the database (Pleroma's `only_db`), not the defaults.")]
        only_db: Option<bool>,
    ) -> async_graphql::Result<ConfigEntries> {
        let live = live(ctx)?;
        from_database(live)?;
        let rows = domain::load(&ctx.db().read).await.map_err(AppError::from)?;
        let entries =
            if only_db.unwrap_or(false) { domain::only_db(&rows) } else { domain::merged(&live.current(), &rows) };
        Ok(ConfigEntries {
            configs: entries.into_iter().map(ConfigEntry::from).collect(),
            need_reboot: live.need_reboot(),
            errors: Vec::new(),
        })
    }

    /// Descriptions of every setting of Pleroma's tree in its format (`group`, `key`, `type`,
    /// `description`, `label`, `children` with `suggestions`), for admin-fe's forms; each child
    /// also says whether the gateway applies it (`"gateway": "applied"`,
    /// `"applied_after_restart"` or `"stored"`).
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

async fn save(ctx: &Context<'_>, changes: &[Change]) -> Result<domain::Updated, AppError> {
    let live = live(ctx)?;
    let actor = Actor::from(ctx.viewer().require_user()?);
    let updated = domain::update(ctx.db(), &live.base(), &actor, changes).await?;
    live.reload().await?;
    Ok(updated)
}

/// Configuration changes (admins); each one is moderation-logged in its transaction.
#[derive(Default)]
pub struct ConfigMutation;

#[Object]
impl ConfigMutation {
    /// Save settings of Pleroma's tree; every value is checked first (an applied setting against
    /// its type, a stored-only one as Pleroma would decode it) and each refused one is reported
    /// in `errors` (then nothing is saved). Applied settings take effect from the next request here
    /// and within a second on every other process, except those with `needsRestart`.
    async fn update_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateSettingsInput,
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
            let declared = model::find(&s.group, &s.key, &s.subkey);
            let stored = declared.is_none()
                && tree::stored_children().any(|(g, k, c)| g == s.group && k == s.key && c["key"] == s.subkey.as_str());
            if declared.is_none() && !stored {
                errors.push(refuse("unknown setting".into()));
                continue;
            }
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
            // Stored only: saved as given once Pleroma could read it.
            let checked = match declared {
                Some(declared) => (declared.set)(&mut scratch, &value),
                None => domain::encoding::check_decodable(&value),
            };
            match checked {
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
        let updated = save(ctx, &changes).await?;
        errors.extend(updated.refused.into_iter().map(|r| SettingError {
            group: r.group,
            key: r.key,
            subkey: r.subkey.unwrap_or_default(),
            message: r.message,
        }));
        let rows = domain::load(&ctx.db().read).await.map_err(AppError::from)?;
        Ok(UpdateSettingsPayload { settings: groups(ctx, &rows)?, errors, need_reboot: live.need_reboot() })
    }

    /// Save or remove settings in Pleroma's encoding (`POST /admin/config`), any group, key and
    /// sub-key as Pleroma does; answers the entries written. Values that cannot be decoded, or
    /// that fail the type of a setting the gateway applies, are left out and named in `errors`
    /// while the rest is saved; when nothing can be saved, `BAD_REQUEST` naming each.
    async fn update_config(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entries to store, in Pleroma's encoding.")] input: UpdateConfigInput,
    ) -> async_graphql::Result<UpdateConfigPayload> {
        let live = live(ctx)?;
        from_database(live)?;
        let changes: Vec<Change> = input
            .configs
            .into_iter()
            .map(|c| Change {
                group: c.group,
                key: c.key,
                value: c.value.map(|v| v.0),
                delete: c.delete.unwrap_or(false),
                subkeys: c.subkeys,
            })
            .collect();
        let updated = save(ctx, &changes).await?;
        let config = ConfigEntries {
            configs: updated.entries.into_iter().map(ConfigEntry::from).collect(),
            need_reboot: live.need_reboot(),
            errors: updated.refused.into_iter().map(ConfigError::from).collect(),
        };
        Ok(UpdateConfigPayload { config })
    }

    /// Rebuild what reboot-time settings feed (rate limiters, the mail transport) in place,
    /// without dropping requests in flight (`GET /admin/restart`): here before answering, and
    /// within a second on every other process sharing the database. `BAD_REQUEST` when
    /// configuration from the database is off.
    async fn restart_gateway(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<RestartPayload> {
        let live = live(ctx)?;
        from_database(live)?;
        live.restart().await.map_err(AppError::from)?;
        Ok(RestartPayload { need_reboot: live.need_reboot() })
    }

    /// Save every setting the config file sets (differs from its default) into the database
    /// (the legacy `migrate_to_db`).
    async fn migrate_config_to_db(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<MigratePayload> {
        let live = live(ctx)?;
        from_database(live)?;
        let actor = Actor::from(ctx.viewer().require_user()?);
        domain::migrate_to_db(ctx.db(), &live.base(), &actor).await?;
        live.reload().await.map_err(AppError::from)?;
        Ok(MigratePayload { ok: true, file: None })
    }

    /// Write the saved settings into `gateway.exported_from_db.toml` beside the config file and
    /// remove them from the database (the legacy `migrate_from_db`).
    async fn migrate_config_from_db(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<MigratePayload> {
        let live = live(ctx)?;
        from_database(live)?;
        let actor = Actor::from(ctx.viewer().require_user()?);
        let path = domain::migrate_from_db(ctx.db(), &live.base(), &actor).await?;
        live.reload().await.map_err(AppError::from)?;
        Ok(MigratePayload { ok: true, file: Some(path.display().to_string()) })
    }
}
