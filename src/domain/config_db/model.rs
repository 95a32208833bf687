//! The settings model: every setting the gateway honours, declared once with its Pleroma group,
//! key and sub-key, its description and label (Pleroma's wording from `config/description.exs`
//! where Pleroma has the setting), its suggestions, and whether a change needs a restart. Its
//! type, default and file value come from the field of [`Settings`] it reads and writes.
//!
//! Adding a setting is one [`setting!`] line in [`declared`] (plus [`GROUPS`] for a new key).
//! Sibling modules declare theirs the same way (`use super::model::{setting, Declared};`, a
//! `pub fn declared() -> Vec<Declared>`, one `extend` line in [`build`]).
//!
//! A declared setting is *applied* (live, or after a restart); every other setting of Pleroma's
//! tree ([`super::tree`]) is *stored only*: saved and shown back, but without effect. Settings of
//! the gateway's own that Pleroma does not have live under `:pleroma, :gateway`.
use std::sync::LazyLock;

use serde_json::Value;

use crate::config::Settings;

/// One declared setting.
pub struct Declared {
    /// `:pleroma`.
    pub group: &'static str,
    /// `:instance`, `Pleroma.Emails.Mailer`, ….
    pub key: &'static str,
    /// `:name`: the sub-key inside the key's keyword list.
    pub sub: &'static str,
    /// Pleroma's description.
    pub description: &'static str,
    /// The form's label; Pleroma's humanized sub-key when not given.
    pub label: Option<&'static str>,
    /// Suggested values (JSON text, Pleroma's encoding).
    pub suggestions: &'static str,
    /// Whether a change takes effect only after `GET /admin/restart`.
    pub reboot: bool,
    /// A keyword list whose saved entries merge over the value in force (Pleroma's deep merge of
    /// saved keyword lists): a change is saved as given, not as the whole value.
    pub partial: bool,
    /// The nested keys of a keyword-list setting the gateway acts on (key, label, description);
    /// the descriptions mark the others stored, and add these where Pleroma does not describe them.
    pub nested: &'static [(&'static str, &'static str, &'static str)],
    /// Where the config file keeps it (`instance.name`).
    pub file_path: &'static str,
    /// Pleroma's type of the value (read off the field).
    pub ty: fn(&Settings) -> Value,
    /// The value in Pleroma's encoding.
    pub get: fn(&Settings) -> Value,
    /// Set the value from Pleroma's encoding, refusing a bad one.
    pub set: fn(&mut Settings, &Value) -> Result<(), String>,
}

/// Whether the gateway acts on a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Application {
    /// Takes effect on the next request of every process.
    Applied,
    /// Takes effect after `GET /admin/restart`.
    AppliedAfterRestart,
    /// Saved and shown back, without effect on the gateway.
    Stored,
}

impl Application {
    /// The descriptions' spelling (`"gateway": "applied"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Application::Applied => "applied",
            Application::AppliedAfterRestart => "applied_after_restart",
            Application::Stored => "stored",
        }
    }
}

impl Declared {
    /// Applied live or after a restart.
    pub fn application(&self) -> Application {
        if self.reboot {
            Application::AppliedAfterRestart
        } else {
            Application::Applied
        }
    }

    /// Only after a restart.
    pub fn reboot(mut self) -> Self {
        self.reboot = true;
        self
    }

    /// With this label instead of the humanized sub-key.
    pub fn label(mut self, label: &'static str) -> Self {
        self.label = Some(label);
        self
    }

    /// `:pleroma, :instance, :name`.
    pub fn path(&self) -> String {
        format!("{}, {}, {}", self.group, self.key, self.sub)
    }

    /// The label shown: given, or Pleroma's `humanize` of the sub-key (`:registrations_open` →
    /// `Registrations open`).
    pub fn shown_label(&self) -> String {
        self.label.map(str::to_string).unwrap_or_else(|| humanize(self.sub))
    }
}

/// Phoenix's `humanize/1` of an atom: underscores to spaces, first letter upper case.
pub fn humanize(atom: &str) -> String {
    let words = atom.trim_start_matches(':').replace('_', " ");
    let mut chars = words.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

/// `setting!(group, key, sub, field.path, description, suggestions)`: a setting read from and
/// written to one field of [`Settings`]. Usable from sibling modules (`use super::model::setting`).
macro_rules! setting {
    ($group:literal, $key:literal, $sub:literal, $($field:ident).+, $description:expr, $suggestions:expr) => {
        $crate::domain::config_db::model::Declared {
            group: $group,
            key: $key,
            sub: $sub,
            description: $description,
            label: None,
            suggestions: $suggestions,
            reboot: false,
            partial: false,
            nested: &[],
            file_path: stringify!($($field).+),
            ty: |s: &$crate::config::Settings| $crate::domain::config_db::encoding::type_of(&s.$($field).+),
            get: |s: &$crate::config::Settings| $crate::domain::config_db::encoding::Codec::encode(&s.$($field).+),
            set: |s: &mut $crate::config::Settings, v: &serde_json::Value| {
                s.$($field).+ = $crate::domain::config_db::encoding::Codec::decode(v)?;
                Ok(())
            },
        }
    };
}
#[allow(unused_imports)] // For sibling modules (`use super::model::setting`).
pub(crate) use setting;

/// Each key's group description and label (Pleroma's `type: :group` entries).
pub const GROUPS: &[(&str, &str, &str, Option<&str>)] = &[
    (":pleroma", ":instance", "Instance-related settings", None),
    (":pleroma", ":auth", "Authentication / authorization settings", None),
    (":pleroma", "Pleroma.Emails.Mailer", "Mailer-related settings", None),
    (":pleroma", ":oauth2", "Configure OAuth 2 provider capabilities", Some("OAuth2")),
    (
        ":pleroma",
        ":rate_limit",
        "Rate limit settings. This is an advanced feature enabled only for :authentication by default.",
        None,
    ),
    (
        ":pleroma",
        "Pleroma.Web.Plugs.RemoteIp",
        "`Pleroma.Web.Plugs.RemoteIp` is a shim to call [`RemoteIp`](https://git.pleroma.social/pleroma/remote_ip) \
         but with runtime configuration.\n**If your instance is not behind at least one reverse proxy, you should not \
         enable this plug.**\n",
        None,
    ),
    (":pleroma", "Pleroma.User.Backup", "Account Backup", None),
    (":pleroma", ":frontends", "Installed frontends management", None),
    (":pleroma", ":media_proxy", "Media proxy", None),
    (":pleroma", ":emoji", "Emoji settings", None),
    (":pleroma", "Pleroma.Captcha", "Captcha-related settings", None),
    (
        ":pleroma",
        "Pleroma.Captcha.Kocaptcha",
        "Kocaptcha is a very simple captcha service with a single API endpoint, the source code is here: \
         https://github.com/koto-bank/kocaptcha. The default endpoint (https://captcha.kotobank.ch) is hosted by the \
         developer.",
        None,
    ),
    (
        ":pleroma",
        ":frontend_configurations",
        "This form can be used to configure a keyword list that keeps the configuration data for any kind of \
         frontend. By default, settings for pleroma_fe are configured. If you want to add your own configuration \
         your settings all fields must be complete.",
        None,
    ),
    (
        ":pleroma",
        ":gateway",
        "The gateway's own settings, which Pleroma does not have: memory bounds, fetch limits, the mail relay",
        Some("Gateway"),
    ),
];

/// Where the gateway's own settings were saved before they moved to `:pleroma, :gateway`: rows
/// saved there still apply (`(old key, old sub-key) → new sub-key`, all under `:pleroma`).
pub const LEGACY: &[(&str, &str, &str)] = &[
    (":rate_limit", ":max_keys", ":rate_limit_max_keys"),
    ("Pleroma.Emails.Mailer", ":smtp_url", ":smtp_url"),
    (":media_proxy", ":max_body_length", ":media_proxy_max_body_length"),
    (":media_proxy", ":timeout", ":media_proxy_timeout"),
    (":media_proxy", ":allowed_types", ":media_proxy_allowed_types"),
    (":emoji", ":max_file_size", ":emoji_max_file_size"),
    (":emoji", ":max_archive_size", ":emoji_max_archive_size"),
    (":emoji", ":max_unpacked_size", ":emoji_max_unpacked_size"),
    (":emoji", ":max_entries", ":emoji_max_entries"),
    (":emoji", ":fetch_timeout", ":emoji_fetch_timeout"),
];

/// The declared setting a saved `group, key, sub` stands for: itself, or where a legacy one moved.
pub fn find_saved(group: &str, key: &str, sub: &str) -> Option<&'static Declared> {
    find(group, key, sub).or_else(|| {
        let moved = LEGACY.iter().find(|(k, s, _)| group == ":pleroma" && *k == key && *s == sub)?;
        find(":pleroma", ":gateway", moved.2)
    })
}

/// Whether `group, key, sub` is a legacy place of a setting that moved (hidden from views).
pub fn is_legacy(group: &str, key: &str, sub: &str) -> bool {
    group == ":pleroma" && LEGACY.iter().any(|(k, s, _)| *k == key && *s == sub) && find(group, key, sub).is_none()
}
/// Every declared setting, in the order admin-fe shows them.
pub fn declared() -> &'static [Declared] {
    static ALL: LazyLock<Vec<Declared>> = LazyLock::new(build);
    &ALL
}

fn build() -> Vec<Declared> {
    let mut all = super::model_core::declared();
    all.extend(super::model_gateway::declared());
    // Sibling declarations, one line each: `all.extend(super::model_….rs::declared());`.
    all.extend(super::model_mrf::declared());
    all.extend(super::model_applied::declared());
    all.extend(super::model_captcha::declared());
    all.extend(super::model_mfa::declared());
    all.extend(super::model_jobs::declared());
    all
}
/// The declared `(group, key)` pairs, in order, without repeats.
pub fn keys() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for d in declared() {
        if !out.contains(&(d.group, d.key)) {
            out.push((d.group, d.key));
        }
    }
    out
}

/// The settings under `group`, `key`.
pub fn under<'a>(group: &'a str, key: &'a str) -> impl Iterator<Item = &'static Declared> + 'a {
    declared().iter().filter(move |d| d.group == group && d.key == key)
}

/// The setting at `group`, `key`, `sub`.
pub fn find(group: &str, key: &str, sub: &str) -> Option<&'static Declared> {
    declared().iter().find(|d| d.group == group && d.key == key && d.sub == sub)
}

/// Whether `group`, `key` is declared.
pub fn known(group: &str, key: &str) -> bool {
    declared().iter().any(|d| d.group == group && d.key == key)
}

/// The README's table of applied settings: one row per key, its sub-keys applied live and after
/// a restart (everything else is stored only).
pub fn readme_table() -> String {
    let mut out = String::from("| Group, key | Applied | Applied after restart |\n|---|---|---|\n");
    let list = |group: &str, key: &str, application: Application| {
        let subs: Vec<String> =
            under(group, key).filter(|d| d.application() == application).map(|d| format!("`{}`", d.sub)).collect();
        if subs.is_empty() {
            "—".to_string()
        } else {
            subs.join(", ")
        }
    };
    for (group, key) in keys() {
        out.push_str(&format!(
            "| `{group}, {key}` | {} | {} |\n",
            list(group, key, Application::Applied),
            list(group, key, Application::AppliedAfterRestart)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_unique_and_read_their_defaults() {
        let defaults = Settings::for_database("sqlite::memory:", std::path::Path::new("/tmp"));
        let mut seen = std::collections::HashSet::new();
        for d in declared() {
            assert!(seen.insert(d.path()), "{} declared twice", d.path());
            assert!(keys().contains(&(d.group, d.key)));
            // Keys Pleroma does not describe need their group entry.
            let described = super::super::tree::pleroma_descriptions()
                .iter()
                .any(|e| e["group"] == d.group && e.get("key").is_some_and(|k| k == d.key));
            assert!(
                described || GROUPS.iter().any(|g| (g.0, g.1) == (d.group, d.key)),
                "{} has no group entry",
                d.path()
            );
            let mut copy = defaults.clone();
            (d.set)(&mut copy, &(d.get)(&defaults)).unwrap_or_else(|e| panic!("{}: {e}", d.path()));
            assert_eq!((d.get)(&copy), (d.get)(&defaults), "{}", d.path());
            serde_json::from_str::<Value>(d.suggestions).unwrap_or_else(|e| panic!("{}: {e}", d.path()));
        }
        assert_eq!(humanize(":registrations_open"), "Registrations open");
    }

    /// The README's table is [`readme_table`]; `UPDATE_README=1` rewrites it.
    #[test]
    fn readme_table_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let start = readme.find("<!-- settings-table: generated").expect("README has the settings table");
        let start = start + readme[start..].find('\n').unwrap() + 1;
        let end = readme.find("<!-- settings-table: end -->").unwrap();
        let table = readme_table();
        if readme[start..end] != table {
            if std::env::var_os("UPDATE_README").is_some() {
                std::fs::write(path, format!("{}{table}{}", &readme[..start], &readme[end..])).unwrap();
            } else {
                panic!("README's settings table is stale (UPDATE_README=1 cargo test --lib readme_table):\n{table}");
            }
        }
    }
}
