//! Settings the gateway applies beyond the first set: `:instance` limits and static directory,
//! `Pleroma.Upload` and its filters, `:welcome` and the media proxy's `:invalidation`
//! (Pleroma's wording from `config/description.exs`). [`super::model::declared`] extends with
//! [`declared`].
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use super::{
    encoding::{got, is_keyword, keyword_pair, pair, Codec},
    model::{setting, Declared},
};
use crate::config::{Invalidation, PollLimits, WelcomeEmail, WelcomeMessage};

/// The items of a keyword list as `(":key", value)`.
fn keyword(value: &Value, what: &str) -> Result<Vec<(String, Value)>, String> {
    if !is_keyword(value) {
        return Err(format!("expected a keyword list of {what}, got {}", got(value)));
    }
    Ok(value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(keyword_pair)
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect())
}

/// `[:instance, :poll_limits]`: a map of four integers; keys may be atoms (`":max_options"`).
impl Codec for PollLimits {
    fn pleroma_type() -> Value {
        json!("map")
    }
    fn encode(&self) -> Value {
        // Pleroma writes a map's atom keys as `":max_options"`.
        json!({
            ":max_options": self.max_options,
            ":max_option_chars": self.max_option_chars,
            ":min_expiration": self.min_expiration,
            ":max_expiration": self.max_expiration,
        })
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let map: &Map<String, Value> =
            value.as_object().ok_or_else(|| format!("expected a map of poll limits, got {}", got(value)))?;
        let mut out = PollLimits::default();
        for (key, v) in map {
            let n =
                |v: &Value| v.as_u64().ok_or_else(|| format!("{key}: expected a non-negative integer, got {}", got(v)));
            match key.trim_start_matches(':') {
                "max_options" => out.max_options = usize::try_from(n(v)?).map_err(|e| e.to_string())?,
                "max_option_chars" => out.max_option_chars = usize::try_from(n(v)?).map_err(|e| e.to_string())?,
                "min_expiration" => out.min_expiration = n(v)?,
                "max_expiration" => out.max_expiration = n(v)?,
                other => {
                    return Err(format!(
                        "unknown poll limit {other:?} (max_options, max_option_chars, min_expiration, max_expiration)"
                    ))
                }
            }
        }
        Ok(out)
    }
}

impl Codec for Option<PathBuf> {
    fn pleroma_type() -> Value {
        json!("string")
    }
    fn encode(&self) -> Value {
        self.as_ref().map_or(Value::Null, |p| Value::String(p.display().to_string()))
    }
    fn decode(value: &Value) -> Result<Self, String> {
        Option::<String>::decode(value).map(|s| s.map(PathBuf::from))
    }
}

fn opt_string(value: Option<&Value>) -> Result<Option<String>, String> {
    value.map_or(Ok(None), Option::<String>::decode)
}

/// `:welcome, :direct_message` / `:chat_message`: `[enabled:, sender_nickname:, message:]`.
impl Codec for WelcomeMessage {
    fn pleroma_type() -> Value {
        json!("keyword")
    }
    fn encode(&self) -> Value {
        json!([
            pair(":enabled", json!(self.enabled)),
            pair(":sender_nickname", self.sender_nickname.encode()),
            pair(":message", self.message.encode()),
        ])
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let mut out = WelcomeMessage::default();
        for (key, v) in keyword(value, ":enabled, :sender_nickname, :message")? {
            match key.as_str() {
                ":enabled" => out.enabled = bool::decode(&v).map_err(|e| format!(":enabled: {e}"))?,
                ":sender_nickname" => out.sender_nickname = opt_string(Some(&v))?,
                ":message" => out.message = opt_string(Some(&v))?,
                other => return Err(format!("unknown key {other} (:enabled, :sender_nickname, :message)")),
            }
        }
        Ok(out)
    }
}

/// `:welcome, :email`: `[enabled:, sender:, subject:, html:, text:]`; `sender` is an address
/// or `{"tuple": [name, address]}`.
impl Codec for WelcomeEmail {
    fn pleroma_type() -> Value {
        json!("keyword")
    }
    fn encode(&self) -> Value {
        let sender = match (&self.sender_name, &self.sender) {
            (Some(name), Some(address)) => json!({ "tuple": [name, address] }),
            (_, address) => address.encode(),
        };
        json!([
            pair(":enabled", json!(self.enabled)),
            pair(":sender", sender),
            pair(":subject", json!(self.subject)),
            pair(":html", json!(self.html)),
            pair(":text", json!(self.text)),
        ])
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let mut out = WelcomeEmail::default();
        for (key, v) in keyword(value, ":enabled, :sender, :subject, :html, :text")? {
            match key.as_str() {
                ":enabled" => out.enabled = bool::decode(&v).map_err(|e| format!(":enabled: {e}"))?,
                ":sender" => match v.get("tuple").and_then(Value::as_array).map(Vec::as_slice) {
                    Some([name, address]) => {
                        out.sender_name = opt_string(Some(name))?;
                        out.sender = opt_string(Some(address))?;
                    }
                    Some(_) => {
                        return Err(format!(
                            ":sender: expected an address or {{\"tuple\": [name, address]}}, got {}",
                            got(&v)
                        ))
                    }
                    None => {
                        out.sender_name = None;
                        out.sender = opt_string(Some(&v))?;
                    }
                },
                ":subject" => out.subject = String::decode(&v).map_err(|e| format!(":subject: {e}"))?,
                ":html" => out.html = String::decode(&v).map_err(|e| format!(":html: {e}"))?,
                ":text" => out.text = String::decode(&v).map_err(|e| format!(":text: {e}"))?,
                other => return Err(format!("unknown key {other} (:enabled, :sender, :subject, :html, :text)")),
            }
        }
        Ok(out)
    }
}

/// `:media_proxy, :invalidation`: `[enabled:, provider:]`.
impl Codec for Invalidation {
    fn pleroma_type() -> Value {
        json!("keyword")
    }
    fn encode(&self) -> Value {
        json!([pair(":enabled", json!(self.enabled)), pair(":provider", json!(self.provider))])
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let mut out = Invalidation::default();
        for (key, v) in keyword(value, ":enabled, :provider")? {
            match key.as_str() {
                ":enabled" => out.enabled = bool::decode(&v).map_err(|e| format!(":enabled: {e}"))?,
                ":provider" => {
                    let provider = String::decode(&v)?;
                    if ![crate::config::invalidation::HTTP, crate::config::invalidation::SCRIPT]
                        .contains(&provider.as_str())
                    {
                        return Err(format!(
                            ":provider: expected Pleroma.Web.MediaProxy.Invalidation.Http or .Script, got {provider:?}"
                        ));
                    }
                    out.provider = provider;
                }
                other => return Err(format!("unknown key {other} (:enabled, :provider)")),
            }
        }
        Ok(out)
    }
}

/// `Invalidation.Http, :headers`: `[{"tuple": [name, value]}]` (values may be numbers).
impl Codec for Vec<(String, String)> {
    fn pleroma_type() -> Value {
        json!(["keyword", "string"])
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(|(k, v)| json!({ "tuple": [k, v] })).collect())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let expected = || format!("expected a list of {{\"tuple\": [name, value]}}, got {}", got(value));
        let items = value.as_array().ok_or_else(expected)?;
        items
            .iter()
            .map(|item| match item.get("tuple").and_then(Value::as_array).map(Vec::as_slice) {
                Some([Value::String(name), v]) if !name.trim().is_empty() => {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return Err(expected()),
                    };
                    Ok((name.trim().to_string(), v))
                }
                _ => Err(expected()),
            })
            .collect()
    }
}

/// An atom setting kept as its name (`:purge` ↔ `purge`).
fn atom_get(name: &str) -> Value {
    Value::String(format!(":{name}"))
}

fn atom_set(value: &Value) -> Result<String, String> {
    let s = value
        .as_str()
        .map(str::trim)
        .ok_or_else(|| format!("expected an atom such as \":purge\", got {}", got(value)))?;
    let name = s.trim_start_matches(':').to_ascii_lowercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(format!("expected an HTTP method atom such as \":purge\", got {}", got(value)));
    }
    Ok(name)
}

/// The settings of this file, in admin-fe's order within each key.
pub fn declared() -> Vec<Declared> {
    vec![
        setting!(
            ":pleroma",
            ":instance",
            ":remote_limit",
            limits.remote_limit,
            "Hard character limit beyond which remote posts will be dropped",
            "[100000]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":description_limit",
            limits.description_limit,
            "The character limit for image descriptions",
            "[5000]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":upload_limit",
            limits.upload_limit,
            "File size limit of uploads (except for avatar, background, banner)",
            "[16000000]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":avatar_upload_limit",
            limits.avatar_upload_limit,
            "File size limit of user's profile avatars",
            "[2000000]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":background_upload_limit",
            limits.background_upload_limit,
            "File size limit of user's profile backgrounds",
            "[4000000]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":banner_upload_limit",
            limits.banner_upload_limit,
            "File size limit of user's profile banners",
            "[4000000]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":poll_limits",
            limits.poll_limits,
            "A map with poll limits for local polls",
            r#"[{"max_options": 20, "max_option_chars": 200, "min_expiration": 0, "max_expiration": 31536000}]"#
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":max_pinned_statuses",
            limits.max_pinned_statuses,
            "The maximum number of pinned statuses. 0 will disable the feature.",
            "[0, 1, 3]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":max_endorsed_users",
            limits.max_endorsed_users,
            "The maximum number of recommended accounts. 0 will disable the feature.",
            "[0, 1, 3]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":federation_reachability_timeout_days",
            limits.federation_reachability_timeout_days,
            "Timeout (in days) of each external federation target being unreachable prior to pausing federating to it",
            "[7]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":static_dir",
            limits.static_dir,
            "Instance static directory",
            r#"["instance/static/"]"#
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":user_bio_length",
            limits.user_bio_length,
            "A user bio maximum length. Default: 5000.",
            "[5000]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":user_name_length",
            limits.user_name_length,
            "A user name maximum length. Default: 100.",
            "[100]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":max_account_fields",
            limits.max_account_fields,
            "The maximum number of custom fields in the user profile. Default: 10.",
            "[10]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":max_remote_account_fields",
            limits.max_remote_account_fields,
            "The maximum number of custom fields in the remote user profile. Default: 20.",
            "[20]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":account_field_name_length",
            limits.account_field_name_length,
            "An account field name maximum length. Default: 512.",
            "[512]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":account_field_value_length",
            limits.account_field_value_length,
            "An account field value maximum length. Default: 2048.",
            "[2048]"
        ),
        Declared {
            ty: |_| json!(["list", "module"]),
            ..setting!(
                ":pleroma",
                "Pleroma.Upload",
                ":filters",
                upload.filters,
                "List of filter modules for uploads. Module names are shortened (removed leading \
                 `Pleroma.Upload.Filter.` part), but on adding custom module you need to use full name.",
                r#"["Pleroma.Upload.Filter.Dedupe", "Pleroma.Upload.Filter.AnonymizeFilename", "Pleroma.Upload.Filter.Exiftool.StripLocation", "Pleroma.Upload.Filter.Exiftool.StripMetadata"]"#
            )
        },
        Declared {
            label: Some("Base URL"),
            ..setting!(
                ":pleroma",
                "Pleroma.Upload",
                ":base_url",
                upload.base_url,
                "Base URL for the uploads. Required if you use a CDN or host attachments under a different domain.",
                r#"["https://cdn-host.com"]"#
            )
        },
        setting!(
            ":pleroma",
            "Pleroma.Uploaders.Local",
            ":uploads",
            upload.uploads,
            "Path where user's uploads will be saved",
            r#"["uploads"]"#
        ),
        setting!(
            ":pleroma",
            "Pleroma.Upload.Filter.AnonymizeFilename",
            ":text",
            upload.anonymize_text,
            "Text to replace filenames in links. If no setting, {random}.extension will be used. You can get the \
             original filename extension by using {extension}, for example custom-file-name.{extension}.",
            r#"["custom-file-name.{extension}"]"#
        ),
        setting!(
            ":pleroma",
            ":welcome",
            ":direct_message",
            welcome.direct_message,
            "Direct message settings: `enabled`, `message` (sent to newly registered users), `sender_nickname` \
             (the local user who sends it)",
            r#"[[{"tuple": [":enabled", true]}, {"tuple": [":sender_nickname", "lain"]}, {"tuple": [":message", "Hi, @username! Welcome on board!"]}]]"#
        ),
        setting!(
            ":pleroma",
            ":welcome",
            ":chat_message",
            welcome.chat_message,
            "Chat message settings: `enabled`, `message` (sent to newly registered users as a chat message), \
             `sender_nickname` (the local user who sends it)",
            r#"[[{"tuple": [":enabled", true]}, {"tuple": [":sender_nickname", "lain"]}, {"tuple": [":message", "Hello, welcome on board!"]}]]"#
        ),
        setting!(
            ":pleroma",
            ":welcome",
            ":email",
            welcome.email,
            "Email message settings: `enabled`, `sender` (an address, or {name, address}), `subject`, `html` and \
             `text` (EEx templates with `user` and `instance_name`)",
            r#"[[{"tuple": [":enabled", true]}, {"tuple": [":sender", {"tuple": ["Pleroma App", "welcome@pleroma.app"]}]}]]"#
        ),
        setting!(
            ":pleroma",
            ":media_proxy",
            ":invalidation",
            media_proxy_invalidation.invalidation,
            "Media cache object invalidation: `enabled`, and `provider`, the module which will be used to purge \
             objects from the cache",
            r#"[[{"tuple": [":enabled", true]}, {"tuple": [":provider", "Pleroma.Web.MediaProxy.Invalidation.Script"]}]]"#
        ),
        Declared {
            ty: |_| json!("atom"),
            get: |s| atom_get(&s.media_proxy_invalidation.http_method),
            set: |s, v| {
                s.media_proxy_invalidation.http_method = atom_set(v)?;
                Ok(())
            },
            ..setting!(
                ":pleroma",
                "Pleroma.Web.MediaProxy.Invalidation.Http",
                ":method",
                media_proxy_invalidation.http_method,
                "HTTP method of request. Default: :purge",
                "[]"
            )
        },
        setting!(
            ":pleroma",
            "Pleroma.Web.MediaProxy.Invalidation.Http",
            ":headers",
            media_proxy_invalidation.http_headers,
            "HTTP headers of request",
            r#"[{"tuple": ["x-refresh", 1]}]"#
        ),
        setting!(
            ":pleroma",
            "Pleroma.Web.MediaProxy.Invalidation.Script",
            ":script_path",
            media_proxy_invalidation.script_path,
            "Path to executable script which will purge cached items.",
            r#"["./installation/nginx-cache-purge.sh.example"]"#
        ),
        Declared {
            label: Some("URL Format"),
            ..setting!(
                ":pleroma",
                "Pleroma.Web.MediaProxy.Invalidation.Script",
                ":url_format",
                media_proxy_invalidation.script_url_format,
                "Optional URL format preprocessing. Only required for Apache's htcacheclean.",
                r#"[":htcacheclean"]"#
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applied_codecs_round_trip() {
        let limits = json!({":max_options": 3, "max_expiration": 60});
        let decoded = PollLimits::decode(&limits).unwrap();
        assert_eq!((decoded.max_options, decoded.max_expiration, decoded.max_option_chars), (3, 60, 200));
        assert!(PollLimits::decode(&json!({"kenoma": 1})).is_err());
        let email = json!([pair(":enabled", json!(true)), pair(":sender", json!({"tuple": ["Gw", "w@example.org"]}))]);
        let decoded = WelcomeEmail::decode(&email).unwrap();
        assert_eq!((decoded.sender_name.as_deref(), decoded.sender.as_deref()), (Some("Gw"), Some("w@example.org")));
        assert_eq!(WelcomeEmail::decode(&decoded.encode()).unwrap(), decoded);
        let headers = json!([{"tuple": ["x-refresh", 1]}]);
        assert_eq!(Vec::<(String, String)>::decode(&headers).unwrap(), vec![("x-refresh".into(), "1".into())]);
        assert!(Invalidation::decode(&json!([pair(":provider", json!("Pleroma.Nope"))])).is_err());
        assert_eq!(atom_set(&json!(":PURGE")).unwrap(), "purge");
    }
}
