//! Pleroma's whole settings tree, as data: what `GET /admin/config/descriptions` serves
//! (`config/description.exs` with each MRF policy's `config_description`, merged and converted
//! as `Pleroma.Docs.JSON` does) and the defaults of `config/config.exs` in Pleroma's encoding,
//! in the order `Pleroma.Config.Holder` keeps them. Both were converted once from Pleroma's
//! source into `assets/config/*.json`. Pleroma dropped the Logger entries from its descriptions
//! (85b81cc93) while admin-fe's Logger tab still reads them: the last ones it had are served after
//! Pleroma's (`descriptions_extra.json`), stored only.
//!
//! The gateway applies what [`super::model`] declares and stores the rest: each description
//! child says which (`"gateway": "applied" | "applied_after_restart" | "stored"`, a key admin-fe
//! ignores), and the declared settings keep the gateway's own wording.
use std::sync::LazyLock;

use serde_json::{json, Map, Value};

use super::model::{self, Application, Declared};

const DESCRIPTIONS: &str = include_str!("../../../assets/config/descriptions.json");
const EXTRA: &str = include_str!("../../../assets/config/descriptions_extra.json");
const DEFAULTS: &str = include_str!("../../../assets/config/defaults.json");

/// One default of `config/config.exs`: group, key, value in Pleroma's encoding.
pub struct DefaultEntry {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// The value, in Pleroma's encoding.
    pub value: Value,
}

/// Pleroma's descriptions as converted (before the gateway's own are merged in).
pub fn pleroma_descriptions() -> &'static [Value] {
    // The data is checked by this module's tests.
    static ALL: LazyLock<Vec<Value>> = LazyLock::new(|| serde_json::from_str(DESCRIPTIONS).unwrap_or_default());
    &ALL
}

/// Entries admin-fe reads that Pleroma no longer describes (the Logger tab's).
pub fn extra_descriptions() -> &'static [Value] {
    static ALL: LazyLock<Vec<Value>> = LazyLock::new(|| serde_json::from_str(EXTRA).unwrap_or_default());
    &ALL
}

/// Pleroma's defaults, in order.
pub fn defaults() -> &'static [DefaultEntry] {
    static ALL: LazyLock<Vec<DefaultEntry>> = LazyLock::new(|| {
        let rows: Vec<(String, String, Value)> = serde_json::from_str(DEFAULTS).unwrap_or_default();
        rows.into_iter().map(|(group, key, value)| DefaultEntry { group, key, value }).collect()
    });
    &ALL
}

/// Pleroma's default of `group, key`.
pub fn default_of(group: &str, key: &str) -> Option<&'static Value> {
    defaults().iter().find(|d| d.group == group && d.key == key).map(|d| &d.value)
}

/// Whether the gateway applies `group, key, sub` (a child of Pleroma's description), and how.
pub fn application(group: &str, key: Option<&str>, sub: &str) -> Application {
    let declared = match key {
        Some(key) => model::find(group, key, sub),
        // Group-level entries (`:pleroma` without a key): the children are keys.
        None => None,
    };
    declared.map_or(Application::Stored, Declared::application)
}

/// `GET /admin/config/descriptions`: Pleroma's entries with each child marked applied or stored
/// (nested children as their parent), the gateway's wording for what it declares, declared
/// sub-keys Pleroma does not describe added, then the gateway's own keys.
pub fn descriptions() -> &'static Value {
    static ALL: LazyLock<Value> = LazyLock::new(build_descriptions);
    &ALL
}

fn build_descriptions() -> Value {
    let mut out: Vec<Value> = Vec::with_capacity(pleroma_descriptions().len() + 1);
    let mut described: Vec<(String, String)> = Vec::new();
    for entry in pleroma_descriptions().iter().chain(extra_descriptions()) {
        let mut entry = entry.clone();
        let group = entry["group"].as_str().unwrap_or_default().to_string();
        let key = entry.get("key").and_then(Value::as_str).map(str::to_string);
        if let Some(children) = entry.get_mut("children").and_then(Value::as_array_mut) {
            for child in children.iter_mut() {
                let sub = child.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
                let declared = key.as_deref().and_then(|k| model::find(&group, k, &sub));
                if let Some(d) = declared {
                    if !d.description.is_empty() {
                        child["description"] = json!(d.description);
                    }
                    if let Some(label) = d.label {
                        child["label"] = json!(label);
                    }
                }
                mark(child, application(&group, key.as_deref(), &sub));
                if let Some(d) = declared.filter(|d| !d.nested.is_empty()) {
                    mark_nested(child, d);
                }
            }
            if let Some(key) = &key {
                for d in model::under(&group, key) {
                    if !children.iter().any(|c| c["key"] == d.sub) {
                        children.push(child_of(d));
                    }
                }
            }
        }
        if let Some(key) = key {
            described.push((group, key));
        }
        out.push(entry);
    }
    for (group, key) in model::keys() {
        if described.iter().any(|(g, k)| g == group && k == key) {
            continue;
        }
        let (description, label) = model::GROUPS
            .iter()
            .find(|g| (g.0, g.1) == (group, key))
            .map(|g| (g.2, g.3.map(str::to_string).unwrap_or_else(|| model::humanize(key))))
            .unwrap_or_default();
        out.push(json!({
            "group": group,
            "key": key,
            "type": "group",
            "description": description,
            "label": label,
            "children": model::under(group, key).map(child_of).collect::<Vec<_>>(),
        }));
    }
    Value::Array(out)
}

/// `"gateway": …` on a child and, as the parent's, on its nested children.
fn mark(child: &mut Value, application: Application) {
    if let Some(map) = child.as_object_mut() {
        map.insert("gateway".into(), json!(application.as_str()));
        if let Some(children) = map.get_mut("children").and_then(Value::as_array_mut) {
            for nested in children {
                mark(nested, application);
            }
        }
    }
}

/// The nested keys of `d`'s child: the ones the gateway acts on applied (added where Pleroma
/// does not describe them), the others stored.
fn mark_nested(child: &mut Value, d: &Declared) {
    let Some(map) = child.as_object_mut() else { return };
    // `["keyword", "integer"]`: each nested value's type.
    let ty = map.get("type").and_then(|t| t.get(1)).cloned().unwrap_or(json!("integer"));
    let nested = map.entry("children").or_insert_with(|| json!([])).as_array_mut();
    let Some(nested) = nested else { return };
    for entry in nested.iter_mut() {
        let applied = d.nested.iter().any(|(key, _, _)| entry["key"] == *key);
        mark(entry, if applied { d.application() } else { Application::Stored });
    }
    let defaults = crate::config::Settings::for_database("", std::path::Path::new(""));
    let value = (d.get)(&defaults);
    for (key, label, description) in d.nested {
        if nested.iter().any(|e| e["key"] == *key) {
            continue;
        }
        let default = value
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|item| super::encoding::keyword_pair(item).filter(|(k, _)| k == key).map(|(_, v)| v.clone()));
        nested.push(json!({
            "key": key,
            "type": ty,
            "label": label,
            "description": description,
            "suggestions": default.into_iter().collect::<Vec<_>>(),
            "gateway": d.application().as_str(),
        }));
    }
}

/// A description child for a declared setting Pleroma does not describe.
fn child_of(d: &Declared) -> Value {
    let defaults = crate::config::Settings::for_database("", std::path::Path::new(""));
    let mut child = Map::new();
    child.insert("key".into(), json!(d.sub));
    child.insert("type".into(), (d.ty)(&defaults));
    child.insert("description".into(), json!(d.description));
    child.insert("label".into(), json!(d.shown_label()));
    let suggestions: Value = serde_json::from_str(d.suggestions).unwrap_or(Value::Null);
    if suggestions.as_array().is_some_and(|s| !s.is_empty()) {
        child.insert("suggestions".into(), suggestions);
    }
    child.insert("gateway".into(), json!(d.application().as_str()));
    Value::Object(child)
}

/// Every stored-only sub-key Pleroma describes: `(group, key, child)` for the GraphQL view.
pub fn stored_children() -> impl Iterator<Item = (&'static str, &'static str, &'static Value)> {
    pleroma_descriptions().iter().chain(extra_descriptions()).flat_map(|entry| {
        let group = entry["group"].as_str().unwrap_or_default();
        let key = entry.get("key").and_then(Value::as_str);
        entry.get("children").and_then(Value::as_array).into_iter().flatten().filter_map(move |child| {
            let key = key?;
            let sub = child.get("key").and_then(Value::as_str)?;
            (application(group, Some(key), sub) == Application::Stored).then_some((group, key, child))
        })
    })
}

/// The description entry of `group, key` (label and description of the key).
pub fn entry_of(group: &str, key: &str) -> Option<&'static Value> {
    descriptions().as_array()?.iter().find(|e| e["group"] == group && e.get("key").is_some_and(|k| k == key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_pleromas_and_says_what_is_applied() {
        let pleroma = pleroma_descriptions();
        // 71 entries of description.exs and 18 of the MRF modules.
        assert_eq!(pleroma.len(), 89);
        assert_eq!(extra_descriptions().len(), 3);
        let all = descriptions().as_array().unwrap();
        for (group, key) in [(":pleroma", ":mrf_simple"), (":pleroma", "Pleroma.Upload"), (":pleroma", ":gateway")] {
            assert!(entry_of(group, key).is_some(), "{key}");
        }
        let media_proxy = entry_of(":pleroma", ":media_proxy").unwrap();
        assert!(media_proxy["children"].as_array().unwrap().iter().any(|c| c["key"] == ":invalidation"));
        for entry in all {
            for child in entry["children"].as_array().into_iter().flatten() {
                assert!(child["gateway"].is_string(), "{} {}", entry["key"], child["key"]);
            }
        }
        let instance = entry_of(":pleroma", ":instance").unwrap();
        let name = instance["children"].as_array().unwrap().iter().find(|c| c["key"] == ":name").unwrap();
        assert_eq!(name["gateway"], "applied");
        assert!(defaults().len() > 100);
        assert!(default_of(":pleroma", ":instance").is_some_and(|v| v.is_array()));
        // Every declared setting is described once.
        for d in model::declared() {
            let entry = entry_of(d.group, d.key).unwrap_or_else(|| panic!("{}", d.path()));
            let count = entry["children"].as_array().unwrap().iter().filter(|c| c["key"] == d.sub).count();
            assert_eq!(count, 1, "{}", d.path());
        }
    }
}
