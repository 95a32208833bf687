//! The moderation policies' settings (`:mrf` and each policy's `:mrf_*` key), applied live by
//! `domain::mrf`, and how their values are written in Pleroma's encoding: instance lists as
//! `{"tuple": ["example.org", "reason"]}` (a bare string is read as an instance without reason),
//! keywords as strings or `~r/…/` regexes, actions as atoms.
use serde_json::{json, Value};

use super::{
    encoding::Codec,
    model::{setting, Declared},
};
use crate::config::mrf::{AgeAction, DomainRule, Pattern, Policies, Replacement};

const INSTANCES: &str =
    r#"[{"tuple": ["example.com", "Some reason"]}, {"tuple": ["*.example.com", "Another reason"]}]"#;
/// Pleroma's keyword descriptions end with the same help on patterns.
macro_rules! with_pattern_help {
    ($first:literal) => {
        concat!(
            $first,
            "\n\nEach pattern can be a string or [Regex](https://hexdocs.pm/elixir/Regex.html) in the format of \
             `~r/PATTERN/`."
        )
    };
}

/// A `:mrf_simple` list: Pleroma's suggestions for all of them.
fn simple(declared: Declared, description: &'static str) -> Declared {
    Declared { description, suggestions: INSTANCES, ..declared }
}

/// Every MRF setting, in Pleroma's order.
pub fn declared() -> Vec<Declared> {
    let mut out = vec![
        setting!(
            ":pleroma",
            ":mrf",
            ":policies",
            mrf.policies,
            "A list of MRF policies enabled. Module names are shortened (removed leading \
             `Pleroma.Web.ActivityPub.MRF.` part), but on adding custom module you need to use full name.",
            r#"["Pleroma.Web.ActivityPub.MRF.SimplePolicy", "Pleroma.Web.ActivityPub.MRF.TagPolicy", "Pleroma.Web.ActivityPub.MRF.KeywordPolicy", "Pleroma.Web.ActivityPub.MRF.HashtagPolicy", "Pleroma.Web.ActivityPub.MRF.ObjectAgePolicy", "Pleroma.Web.ActivityPub.MRF.HellthreadPolicy"]"#
        ),
        Declared {
            label: Some("MRF transparency"),
            ..setting!(
                ":pleroma",
                ":mrf",
                ":transparency",
                mrf.transparency,
                "Make the content of your Message Rewrite Facility settings public (via nodeinfo)",
                "[]"
            )
        },
        Declared {
            label: Some("MRF transparency exclusions"),
            ..setting!(
                ":pleroma",
                ":mrf",
                ":transparency_exclusions",
                mrf.transparency_exclusions,
                "Exclude specific instance names from MRF transparency. The use of the exclusions feature will be \
                 disclosed in nodeinfo as a boolean value. You can also provide a reason for excluding these instance \
                 names. The instances and reasons won't be publicly disclosed.",
                r#"["exclusion.com"]"#
            )
        },
        simple(
            setting!(":pleroma", ":mrf_simple", ":media_removal", mrf.simple.media_removal, "", ""),
            "List of instances to strip media attachments from and the reason for doing so",
        ),
        Declared {
            label: Some("Media NSFW"),
            ..simple(
                setting!(":pleroma", ":mrf_simple", ":media_nsfw", mrf.simple.media_nsfw, "", ""),
                "List of instances to tag all media as NSFW (sensitive) from and the reason for doing so",
            )
        },
        simple(
            setting!(
                ":pleroma",
                ":mrf_simple",
                ":federated_timeline_removal",
                mrf.simple.federated_timeline_removal,
                "",
                ""
            ),
            "List of instances to remove from the Federated (aka The Whole Known Network) Timeline and the reason for \
             doing so",
        ),
        simple(
            setting!(":pleroma", ":mrf_simple", ":reject", mrf.simple.reject, "", ""),
            "List of instances to reject activities from (except deletes) and the reason for doing so",
        ),
        simple(
            setting!(":pleroma", ":mrf_simple", ":accept", mrf.simple.accept, "", ""),
            "List of instances to only accept activities from (except deletes) and the reason for doing so",
        ),
        simple(
            setting!(":pleroma", ":mrf_simple", ":followers_only", mrf.simple.followers_only, "", ""),
            "Force posts from the given instances to be visible by followers only and the reason for doing so",
        ),
        simple(
            setting!(":pleroma", ":mrf_simple", ":report_removal", mrf.simple.report_removal, "", ""),
            "List of instances to reject reports from and the reason for doing so",
        ),
        simple(
            setting!(":pleroma", ":mrf_simple", ":avatar_removal", mrf.simple.avatar_removal, "", ""),
            "List of instances to strip avatars from and the reason for doing so",
        ),
        simple(
            setting!(":pleroma", ":mrf_simple", ":banner_removal", mrf.simple.banner_removal, "", ""),
            "List of instances to strip banners from and the reason for doing so",
        ),
        simple(
            setting!(":pleroma", ":mrf_simple", ":reject_deletes", mrf.simple.reject_deletes, "", ""),
            "List of instances to reject deletions from and the reason for doing so",
        ),
    ];
    out.extend([
        setting!(
            ":pleroma",
            ":mrf_keyword",
            ":reject",
            mrf.keyword.reject,
            with_pattern_help!("A list of patterns which result in the activity being rejected."),
            r#"["foo", "~r/foo/iu"]"#
        ),
        setting!(
            ":pleroma",
            ":mrf_keyword",
            ":federated_timeline_removal",
            mrf.keyword.federated_timeline_removal,
            with_pattern_help!(
                "A list of patterns which result in the activity being removed from federated timelines (a.k.a \
                 unlisted)."
            ),
            r#"["foo", "~r/foo/iu"]"#
        ),
        setting!(
            ":pleroma",
            ":mrf_keyword",
            ":replace",
            mrf.keyword.replace,
            "**Pattern**: a string or [Regex](https://hexdocs.pm/elixir/Regex.html) in the format of `~r/PATTERN/`.\
             \n\n**Replacement**: a string. Leaving the field empty is permitted.",
            r#"[{"tuple": ["foo", "bar"]}, {"tuple": ["~r/foo/iu", "bar"]}]"#
        ),
        setting!(
            ":pleroma",
            ":mrf_hashtag",
            ":reject",
            mrf.hashtag.reject,
            "A list of hashtags which result in the activity being rejected.",
            r#"["foo"]"#
        ),
        setting!(
            ":pleroma",
            ":mrf_hashtag",
            ":federated_timeline_removal",
            mrf.hashtag.federated_timeline_removal,
            "A list of hashtags which result in the activity being removed from federated timelines (a.k.a \
             unlisted).",
            r#"["foo"]"#
        ),
        setting!(
            ":pleroma",
            ":mrf_hashtag",
            ":sensitive",
            mrf.hashtag.sensitive,
            "A list of hashtags which result in the activity being set as sensitive (a.k.a NSFW/R-18)",
            r#"["nsfw", "r18"]"#
        ),
        setting!(
            ":pleroma",
            ":mrf_object_age",
            ":threshold",
            mrf.object_age.threshold,
            "Required age (in seconds) of a post before actions are taken.",
            "[172800]"
        ),
        setting!(
            ":pleroma",
            ":mrf_object_age",
            ":actions",
            mrf.object_age.actions,
            "A list of actions to apply to the post. `:delist` removes the post from public timelines; \
             `:strip_followers` removes followers from the ActivityPub recipient list ensuring they won't be \
             delivered to home timelines, additionally for followers-only it degrades to a direct activity; \
             `:reject` rejects the activity entirely",
            r#"[":delist", ":strip_followers", ":reject"]"#
        ),
        setting!(
            ":pleroma",
            ":mrf_hellthread",
            ":delist_threshold",
            mrf.hellthread.delist_threshold,
            "Number of mentioned users after which the activity gets removed from timelines anddisables \
             notifications. Set to 0 to disable.",
            "[10]"
        ),
        setting!(
            ":pleroma",
            ":mrf_hellthread",
            ":reject_threshold",
            mrf.hellthread.reject_threshold,
            "Number of mentioned users after which the activity gets rejected. Set to 0 to disable.",
            "[20]"
        ),
    ]);
    out
}

fn got(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

/// Longest list and longest entry accepted (a bound on what one request may make every post pay).
const MAX_ITEMS: usize = 10_000;
const MAX_LEN: usize = 2_000;

fn list(value: &Value, what: &str) -> Result<Vec<Value>, String> {
    let items = value.as_array().ok_or_else(|| format!("expected a list of {what}, got {}", got(value)))?;
    if items.len() > MAX_ITEMS {
        return Err(format!("at most {MAX_ITEMS} {what}, got {}", items.len()));
    }
    Ok(items.clone())
}

fn text(value: &Value, what: &str) -> Result<String, String> {
    let s = value.as_str().map(str::trim).ok_or_else(|| format!("expected {what}, got {}", got(value)))?;
    if s.chars().count() > MAX_LEN {
        return Err(format!("{what} longer than {MAX_LEN} characters"));
    }
    Ok(s.to_string())
}

impl Codec for Policies {
    fn pleroma_type() -> Value {
        json!(["module", ["list", "module"]])
    }
    fn encode(&self) -> Value {
        json!(self.0)
    }
    fn decode(value: &Value) -> Result<Self, String> {
        // One module or a list of them, as Pleroma's `get_policies/1` reads it.
        let items = match value {
            Value::String(_) => vec![value.clone()],
            _ => list(value, "policy modules")?,
        };
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            let name = text(item, "a policy module such as \"Pleroma.Web.ActivityPub.MRF.TagPolicy\"")?;
            let valid = !name.is_empty()
                && name.split('.').all(|part| {
                    part.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                        && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
            if !valid {
                return Err(format!(
                    "{} is not a module name (expected \"Pleroma.Web.ActivityPub.MRF.TagPolicy\")",
                    got(item)
                ));
            }
            if !out.contains(&name) {
                out.push(name);
            }
        }
        Ok(Policies(out))
    }
}

impl Codec for Vec<DomainRule> {
    fn pleroma_type() -> Value {
        json!(["list", "tuple"])
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(|r| json!({ "tuple": [r.domain, r.reason] })).collect())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let expected = "{\"tuple\": [\"instance\", \"reason\"]}";
        list(value, "instances")?
            .iter()
            .map(|item| {
                let (domain, reason) = match item {
                    // Before Pleroma 2.3 the lists held bare instances.
                    Value::String(_) => (text(item, "an instance")?, String::new()),
                    _ => match item.get("tuple").and_then(Value::as_array).map(Vec::as_slice) {
                        Some([domain, reason]) => (
                            text(domain, "an instance")?,
                            if reason.is_null() { String::new() } else { text(reason, "a reason")? },
                        ),
                        _ => return Err(format!("expected {expected}, got {}", got(item))),
                    },
                };
                if domain.is_empty() || domain.contains(char::is_whitespace) || domain.contains('/') {
                    return Err(format!(
                        "expected an instance such as \"example.org\" or \"*.example.org\", got {domain:?}"
                    ));
                }
                Ok(DomainRule { domain, reason })
            })
            .collect()
    }
}

impl Codec for Vec<Pattern> {
    fn pleroma_type() -> Value {
        json!(["list", "string"])
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(|p| Value::String(p.source.clone())).collect())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        list(value, "patterns")?
            .iter()
            .map(|item| Pattern::parse(&text(item, "a string or a regex ~r/…/")?))
            .collect::<Result<Vec<_>, _>>()
    }
}

impl Codec for Vec<Replacement> {
    fn pleroma_type() -> Value {
        json!(["list", "tuple"])
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(|Replacement(p, r)| json!({ "tuple": [p.source, r] })).collect())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        list(value, "replacements")?
            .iter()
            .map(|item| match item.get("tuple").and_then(Value::as_array).map(Vec::as_slice) {
                Some([pattern, replacement]) => {
                    let pattern = Pattern::parse(&text(pattern, "a string or a regex ~r/…/")?)?;
                    let replacement =
                        if replacement.is_null() { String::new() } else { text(replacement, "a replacement string")? };
                    Ok(Replacement(pattern, replacement))
                }
                _ => Err(format!("expected {{\"tuple\": [\"pattern\", \"replacement\"]}}, got {}", got(item))),
            })
            .collect()
    }
}

impl Codec for Vec<AgeAction> {
    fn pleroma_type() -> Value {
        json!(["list", "atom"])
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(|a| Value::String(format!(":{}", a.as_str()))).collect())
    }
    fn decode(value: &Value) -> Result<Self, String> {
        let mut out = Vec::new();
        for item in list(value, "actions")? {
            let action = AgeAction::try_from(text(&item, "an action such as \":delist\"")?)?;
            if !out.contains(&action) {
                out.push(action);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_bad_ones_name_themselves() {
        let rules = json!([{"tuple": ["example.org", "spam"]}, {"tuple": ["*.bad.example", ""]}]);
        assert_eq!(Vec::<DomainRule>::decode(&rules).unwrap().encode(), rules);
        assert_eq!(Vec::<DomainRule>::decode(&json!(["old.example"])).unwrap()[0].domain, "old.example");
        assert!(Vec::<DomainRule>::decode(&json!([{"tuple": ["a b", ""]}])).is_err());
        let patterns = json!(["pun", "~r/f(o+)/i"]);
        assert_eq!(Vec::<Pattern>::decode(&patterns).unwrap().encode(), patterns);
        assert!(Vec::<Pattern>::decode(&json!(["~r/(/"])).unwrap_err().contains("regex"));
        let replace = json!([{"tuple": ["~r/x/", "y"]}]);
        assert_eq!(Vec::<Replacement>::decode(&replace).unwrap().encode(), replace);
        let actions = json!([":delist", ":reject"]);
        assert_eq!(Vec::<AgeAction>::decode(&actions).unwrap().encode(), actions);
        assert!(Vec::<AgeAction>::decode(&json!([":explode"])).is_err());
        let one = Policies::decode(&json!("Pleroma.Web.ActivityPub.MRF.TagPolicy")).unwrap();
        assert!(one.has("TagPolicy"));
        assert!(Policies::decode(&json!(["not a module"])).is_err());
        // Pleroma describes every key declared here (its wording and labels are served).
        assert!(declared().iter().all(|d| super::super::tree::entry_of(d.group, d.key).is_some()));
    }
}
