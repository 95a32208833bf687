//! Pleroma's JSON encoding of configuration values (`Pleroma.ConfigDB.to_json_types` and
//! `to_elixir_types`): atoms as `":name"`, tuples as `{"tuple": [...]}`, keyword lists as lists of
//! 2-tuples whose first element is an atom, module names as `Pleroma.…`, regexes as `~r/…/`.
//!
//! Each setting's Rust type says how it is written and read ([`Codec`]); reading checks the
//! value and names what was expected, so a bad value is refused before anything is saved.
use serde_json::{json, Value};

use crate::{
    config::{FrontendEntry, Limit},
    domain::privileges::Privilege,
};

/// How a setting's value is written in Pleroma's encoding and read back.
pub trait Codec: Sized {
    /// Pleroma's type in descriptions: `"string"`, `["list", "atom"]`, ….
    fn pleroma_type() -> Value;
    /// The value in Pleroma's JSON encoding.
    fn encode(&self) -> Value;
    /// Read a value in Pleroma's JSON encoding; the error says what was expected.
    fn decode(value: &Value) -> Result<Self, String>;
}

/// Pleroma's type of the value `_` (lets a declaration name a field instead of its type).
pub fn type_of<T: Codec>(_: &T) -> Value {
    T::pleroma_type()
}

/// A value for an error message, cut at 80 characters.
pub(super) fn got(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

impl Codec for String {
    fn pleroma_type() -> Value {
        json!("string")
    }
    fn encode(&self) -> Value {
        Value::String(self.clone())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        // Pleroma trims strings (`to_elixir_types/1`).
        value.as_str().map(|s| s.trim().to_string()).ok_or_else(|| format!("expected a string, got {}", got(value)))
    }
}

impl Codec for Option<String> {
    fn pleroma_type() -> Value {
        json!("string")
    }
    fn encode(&self) -> Value {
        self.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
    }
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            other => {
                String::decode(other).map(Some).map_err(|_| format!("expected a string or null, got {}", got(value)))
            }
        }
    }
}

impl Codec for bool {
    fn pleroma_type() -> Value {
        json!("boolean")
    }
    fn encode(&self) -> Value {
        Value::Bool(*self)
    }
    fn decode(value: &Value) -> Result<Self, String> {
        value.as_bool().ok_or_else(|| format!("expected true or false, got {}", got(value)))
    }
}

macro_rules! integer_codec {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            fn pleroma_type() -> Value {
                json!("integer")
            }
            fn encode(&self) -> Value {
                json!(*self)
            }
            fn decode(value: &Value) -> Result<Self, String> {
                value
                    .as_i64()
                    .and_then(|n| <$t>::try_from(n).ok())
                    .ok_or_else(|| format!("expected an integer from {} to {}, got {}", <$t>::MIN, <$t>::MAX, got(value)))
            }
        }
    )*};
}
integer_codec!(i64, u64, usize);

impl Codec for Vec<String> {
    fn pleroma_type() -> Value {
        json!(["list", "string"])
    }
    fn encode(&self) -> Value {
        json!(self)
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let items = value.as_array().ok_or_else(|| format!("expected a list of strings, got {}", got(value)))?;
        items.iter().map(String::decode).collect()
    }
}

impl Codec for Vec<Privilege> {
    fn pleroma_type() -> Value {
        json!(["list", "atom"])
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(|p| Value::String(format!(":{}", p.as_str()))).collect())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let items = value.as_array().ok_or_else(|| format!("expected a list of privileges, got {}", got(value)))?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let name = item.as_str().and_then(|s| s.trim().strip_prefix(':'));
            let privilege = Privilege::ALL.iter().find(|p| Some(p.as_str()) == name);
            match privilege {
                Some(p) if !out.contains(p) => out.push(*p),
                Some(_) => {}
                None => {
                    return Err(format!("unknown privilege {} (expected atoms such as \":users_read\")", got(item)))
                }
            }
        }
        Ok(out)
    }
}

impl Codec for Vec<ipnet::IpNet> {
    fn pleroma_type() -> Value {
        json!(["list", "string"])
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(|n| Value::String(n.to_string())).collect())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        Vec::<String>::decode(value)?
            .iter()
            .map(|s| {
                // Pleroma: an address without a mask is a /32 (IPv4) or /128 (IPv6).
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("expected subnets in CIDR notation, got {s:?}"))
            })
            .collect()
    }
}

/// `{"tuple": [scale_ms, limit]}` with positive integers.
fn limit_pair(value: &Value) -> Option<[u64; 2]> {
    let items = value.get("tuple")?.as_array()?;
    match items.as_slice() {
        [scale, limit] => {
            let (scale, limit) = (scale.as_u64()?, limit.as_u64()?);
            (scale >= 1 && limit >= 1).then_some([scale, limit])
        }
        _ => None,
    }
}

impl Codec for Limit {
    fn pleroma_type() -> Value {
        json!(["tuple", ["list", "tuple"]])
    }
    fn encode(&self) -> Value {
        let pair = |[scale, limit]: [u64; 2]| json!({ "tuple": [scale, limit] });
        match self {
            // Pleroma switches a limiter off with `nil`.
            Limit::Off(_) => Value::Null,
            Limit::Both(both) => pair(*both),
            Limit::Split([anonymous, user]) => json!([pair(*anonymous), pair(*user)]),
        }
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let expected = || {
            format!(
                "expected {{\"tuple\": [scale_ms, limit]}}, a list of two such tuples (anonymous, signed in) with \
                 positive numbers, or null, got {}",
                got(value)
            )
        };
        match value {
            Value::Null | Value::Bool(false) => Ok(Limit::Off(false)),
            Value::Array(items) => match items.as_slice() {
                [anonymous, user] => Ok(Limit::Split([
                    limit_pair(anonymous).ok_or_else(expected)?,
                    limit_pair(user).ok_or_else(expected)?,
                ])),
                _ => Err(expected()),
            },
            other => limit_pair(other).map(Limit::Both).ok_or_else(expected),
        }
    }
}

/// A free-form map (`:frontend_configurations`' maps), kept as written: keys as atoms (`":theme"`,
/// as admin-fe sends Pleroma's) or strings; readers strip the colon.
impl Codec for serde_json::Map<String, Value> {
    fn pleroma_type() -> Value {
        json!("map")
    }
    fn encode(&self) -> Value {
        Value::Object(self.clone())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        value.as_object().cloned().ok_or_else(|| format!("expected a map, got {}", got(value)))
    }
}

/// `:frontends, :available`: a map of name to its options, as Pleroma keeps it.
impl Codec for Vec<FrontendEntry> {
    fn pleroma_type() -> Value {
        json!("map")
    }
    fn encode(&self) -> Value {
        let mut map = serde_json::Map::new();
        for entry in self {
            map.insert(
                entry.name.clone(),
                json!({
                    "name": entry.name,
                    "git": entry.git,
                    "build_url": entry.build_url,
                    "ref": entry.git_ref,
                    "build_dir": entry.build_dir,
                }),
            );
        }
        Value::Object(map)
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let map = value.as_object().ok_or_else(|| format!("expected a map of frontends, got {}", got(value)))?;
        let mut out = Vec::with_capacity(map.len());
        for (name, options) in map {
            let options = options.as_object().ok_or_else(|| format!("frontend {name:?}: expected a map"))?;
            let field = |key: &str| -> Result<Option<String>, String> {
                Option::<String>::decode(options.get(key).unwrap_or(&Value::Null))
                    .map_err(|e| format!("frontend {name:?}, {key}: {e}"))
            };
            if let Some(unknown) =
                options.keys().find(|k| !["name", "git", "build_url", "ref", "build_dir"].contains(&k.as_str()))
            {
                return Err(format!("frontend {name:?}: unknown option {unknown:?}"));
            }
            out.push(FrontendEntry {
                name: field("name")?.unwrap_or_else(|| name.clone()),
                git: field("git")?,
                build_url: field("build_url")?,
                git_ref: field("ref")?,
                build_dir: field("build_dir")?,
            });
        }
        Ok(out)
    }
}

/// Whether `value` is a keyword list: a list of `{"tuple": [":atom", value]}`. The empty list is
/// one, as in Elixir.
pub fn is_keyword(value: &Value) -> bool {
    value.as_array().is_some_and(|items| items.iter().all(|item| keyword_pair(item).is_some()))
}

/// `(":key", value)` of one keyword-list element.
pub fn keyword_pair(item: &Value) -> Option<(&str, &Value)> {
    match item.get("tuple")?.as_array()?.as_slice() {
        [Value::String(key), value] if is_atom(key) => Some((key.as_str(), value)),
        _ => None,
    }
}

/// One keyword-list element.
pub fn pair(key: &str, value: Value) -> Value {
    json!({ "tuple": [key, value] })
}

/// An atom as Pleroma writes it: `":name"`.
pub fn is_atom(s: &str) -> bool {
    s.len() > 1 && s.starts_with(':')
}

/// Pleroma's `module_name?/1`: names that become modules rather than strings.
pub fn is_module(s: &str) -> bool {
    match s.split_once('.') {
        Some((head, _)) => {
            ["Pleroma", "Phoenix", "Tesla", "Ueberauth", "Swoosh", "Logger", "LoggerBackends"].contains(&head)
        }
        None => ["Oban", "Ueberauth", "ExSyslogger", "ConcurrentLimiter"].contains(&s),
    }
}

/// A group or key as Pleroma writes it: an atom (`":pleroma"`) or a module name (`Pleroma.Upload`).
pub fn is_group_or_key(s: &str) -> bool {
    is_atom(s) || is_module(s)
}

/// Keyword lists merged as Pleroma's `ConfigDB.merge_group/4` does: keys of `new` replace those
/// of `old` in place (nested keyword lists merged deeply), new keys are appended; the full-update
/// sub-keys are taken whole.
pub fn merge_keyword(old: &[Value], new: &[Value], full_update: &[&str]) -> Vec<Value> {
    let mut merged: Vec<Value> = old.to_vec();
    for item in new {
        let Some((key, value)) = keyword_pair(item) else { continue };
        let position = merged.iter().position(|m| keyword_pair(m).is_some_and(|(k, _)| k == key));
        match position {
            Some(i) => {
                let previous = keyword_pair(&merged[i]).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
                let value = if !full_update.contains(&key) { deep_merge(&previous, value) } else { value.clone() };
                merged[i] = pair(key, value);
            }
            None => merged.push(item.clone()),
        }
    }
    merged
}

fn deep_merge(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Array(o), Value::Array(n)) if is_keyword(old) && is_keyword(new) && !o.is_empty() && !n.is_empty() => {
            Value::Array(merge_keyword(o, n, &[]))
        }
        _ => new.clone(),
    }
}

/// Pleroma's `get_db_keys/2`: the sub-keys of a keyword value, or the key itself.
pub fn db_keys(value: &Value, key: &str) -> Vec<String> {
    match value.as_array() {
        Some(items) if is_keyword(value) => items.iter().filter_map(keyword_pair).map(|(k, _)| k.to_string()).collect(),
        _ => vec![key.to_string()],
    }
}

/// Whether Pleroma's `ConfigDB.to_elixir_types/1` can read a value sent for a setting the
/// gateway only stores: every regex (`~r/…/flags`) compiles, every `{"tuple": …}` holds a list,
/// and the value is not nested deeper than Pleroma's forms go.
pub fn check_decodable(value: &Value) -> Result<(), String> {
    fn walk(value: &Value, depth: usize) -> Result<(), String> {
        if depth > 32 {
            return Err("nested too deeply".into());
        }
        match value {
            Value::String(s) if s.starts_with("~r") => parse_regex(s).map(|_| ()),
            Value::Array(items) => items.iter().try_for_each(|i| walk(i, depth + 1)),
            Value::Object(map) => {
                if let Some(inner) = map.get("tuple") {
                    if map.len() == 1 && !inner.is_array() {
                        return Err(format!("expected {{\"tuple\": [...]}} to hold a list, got {}", got(value)));
                    }
                }
                map.values().try_for_each(|v| walk(v, depth + 1))
            }
            _ => Ok(()),
        }
    }
    walk(value, 0)
}

/// `~r/pattern/flags` (any of Pleroma's delimiters) as `(pattern, flags)`, checked.
pub fn parse_regex(s: &str) -> Result<(String, String), String> {
    let rest = s.strip_prefix("~r").ok_or_else(|| format!("expected a regex ~r/…/, got {s:?}"))?;
    let open = rest.chars().next().ok_or_else(|| format!("expected a regex ~r/…/, got {s:?}"))?;
    let close = match open {
        '/' | '|' | '"' | '\'' => open,
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        _ => return Err(format!("expected a regex ~r/…/, got {s:?}")),
    };
    let body = &rest[open.len_utf8()..];
    let end = body.rfind(close).ok_or_else(|| format!("unterminated regex {s:?}"))?;
    let (pattern, flags) = (&body[..end], &body[end + close.len_utf8()..]);
    if pattern.is_empty() || !flags.chars().all(|c| "uismxfU".contains(c)) {
        return Err(format!("invalid regex {s:?}"));
    }
    regex_syntax_ok(pattern).map_err(|e| format!("invalid regex {s:?}: {e}"))?;
    Ok((pattern.to_string(), flags.to_string()))
}

fn regex_syntax_ok(pattern: &str) -> Result<(), String> {
    // Balanced groups and classes: enough to refuse what Pleroma's `Regex.compile` refuses most
    // often, without a regex engine of our own for settings the gateway does not apply.
    let (mut depth, mut class, mut escaped) = (0i32, false, false);
    for c in pattern.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '[') if !class => class = true,
            (false, ']') if class => class = false,
            (false, '(') if !class => depth += 1,
            (false, ')') if !class => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced parenthesis".into());
                }
            }
            _ => {}
        }
    }
    if depth != 0 || class || escaped {
        return Err("unbalanced pattern".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_round_trip() {
        for v in [json!({"tuple": [1000, 10]}), json!([{"tuple": [1, 2]}, {"tuple": [3, 4]}]), Value::Null] {
            assert_eq!(Limit::decode(&v).unwrap().encode(), v);
        }
        assert!(Limit::decode(&json!({"tuple": [0, 1]})).is_err());
        assert!(Limit::decode(&json!(true)).is_err());
    }

    #[test]
    fn keyword_merge_keeps_order_and_appends() {
        let old = vec![pair(":a", json!(1)), pair(":b", json!(2))];
        let new = vec![pair(":b", json!(3)), pair(":c", json!(4))];
        assert_eq!(
            merge_keyword(&old, &new, &[]),
            vec![pair(":a", json!(1)), pair(":b", json!(3)), pair(":c", json!(4))]
        );
        assert!(is_keyword(&json!([])));
        assert!(!is_keyword(&json!([":a"])));
        assert_eq!(db_keys(&json!([pair(":a", json!(1))]), ":instance"), vec![":a"]);
        assert_eq!(db_keys(&json!(5), ":key"), vec![":key"]);
    }

    #[test]
    fn regexes_and_modules() {
        assert_eq!(parse_regex("~r/^foo$/i").unwrap(), ("^foo$".into(), "i".into()));
        assert!(parse_regex("~r/(a/").is_err());
        assert!(parse_regex("~r/a/z").is_err());
        assert!(is_module("Pleroma.Upload") && is_module("Oban") && !is_module("foo.bar"));
    }
}
