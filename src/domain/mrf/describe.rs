//! What the policies are, as nodeinfo shows them (`MRF.describe/0` and each policy's
//! `describe/0`, under `metadata.federation`) and as a typed description for GraphQL.
use serde_json::{json, Map, Value};

use super::{enabled, IMPLEMENTED};
use crate::config::{mrf::DomainRule, Mrf};

/// One enabled policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyState {
    /// The short name (`TagPolicy`).
    pub name: String,
    /// Whether the gateway applies it (others are listed only).
    pub applied: bool,
}

/// The policies and their settings, as one reader may see them.
#[derive(Debug, Clone)]
pub struct Description {
    /// In the order they run (`HashtagPolicy` last when not configured).
    pub policies: Vec<PolicyState>,
    pub transparency: bool,
    /// Whether some instances are left out of what is shown.
    pub exclusions: bool,
    /// `:mrf_simple`'s lists by rule name, without the excluded instances unless shown whole.
    pub simple: Vec<(&'static str, Vec<DomainRule>)>,
    /// The whole settings, for `:mrf_keyword`, `:mrf_hashtag`, `:mrf_object_age`, `:mrf_hellthread`.
    pub mrf: Mrf,
}

/// The description; `whole` keeps the excluded instances (for admins). Without transparency and
/// not `whole`, nothing (Pleroma shows nothing then).
pub fn describe(mrf: &Mrf, whole: bool) -> Option<Description> {
    if !mrf.transparency && !whole {
        return None;
    }
    let excluded = |rule: &DomainRule| {
        !whole && mrf.transparency_exclusions.iter().any(|e| e.domain.eq_ignore_ascii_case(&rule.domain))
    };
    Some(Description {
        policies: enabled(mrf)
            .into_iter()
            .map(|name| PolicyState { applied: IMPLEMENTED.contains(&name.as_str()), name })
            .collect(),
        transparency: mrf.transparency,
        exclusions: !mrf.transparency_exclusions.is_empty(),
        simple: mrf
            .simple
            .lists()
            .into_iter()
            .map(|(name, rules)| (name, rules.iter().filter(|r| !excluded(r)).cloned().collect()))
            .collect(),
        mrf: mrf.clone(),
    })
}

/// nodeinfo's (and `/api/v1/instance`'s) `federation` object (`InstanceView.federation/0`).
pub fn federation(mrf: &Mrf, federating: bool) -> Value {
    let mut out = Map::new();
    if let Some(d) = describe(mrf, false) {
        out.insert("mrf_policies".into(), json!(d.policies.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()));
        out.insert("exclusions".into(), json!(d.exclusions));
        let has = |name: &str| d.policies.iter().any(|p| p.name == name);
        if has("SimplePolicy") {
            let mut simple = Map::new();
            let mut info = Map::new();
            for (name, rules) in &d.simple {
                simple.insert((*name).into(), json!(rules.iter().map(|r| r.domain.as_str()).collect::<Vec<_>>()));
                let reasons: Map<String, Value> = rules
                    .iter()
                    .filter(|r| !r.reason.is_empty())
                    .map(|r| (r.domain.clone(), json!({ "reason": r.reason })))
                    .collect();
                if !reasons.is_empty() {
                    info.insert((*name).into(), Value::Object(reasons));
                }
            }
            out.insert("mrf_simple".into(), Value::Object(simple));
            out.insert("mrf_simple_info".into(), Value::Object(info));
        }
        if has("KeywordPolicy") {
            let k = &mrf.keyword;
            let patterns = |list: &[crate::config::mrf::Pattern]| {
                json!(list.iter().map(|p| p.source.as_str()).collect::<Vec<_>>())
            };
            out.insert(
                "mrf_keyword".into(),
                json!({
                    "reject": patterns(&k.reject),
                    "federated_timeline_removal": patterns(&k.federated_timeline_removal),
                    "replace": k.replace.iter()
                        .map(|r| json!({ "pattern": r.0.source, "replacement": r.1 }))
                        .collect::<Vec<_>>(),
                }),
            );
        }
        if has("HashtagPolicy") {
            let h = &mrf.hashtag;
            out.insert(
                "mrf_hashtag".into(),
                json!({
                    "sensitive": h.sensitive,
                    "reject": h.reject,
                    "federated_timeline_removal": h.federated_timeline_removal,
                }),
            );
        }
        if has("ObjectAgePolicy") {
            let o = &mrf.object_age;
            out.insert(
                "mrf_object_age".into(),
                json!({
                    "threshold": o.threshold,
                    "actions": o.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                }),
            );
        }
        if has("HellthreadPolicy") {
            let h = &mrf.hellthread;
            out.insert(
                "mrf_hellthread".into(),
                json!({ "delist_threshold": h.delist_threshold, "reject_threshold": h.reject_threshold }),
            );
        }
        // The gateway has no `:instance, :quarantined_instances` or `:rejected_instances`: empty, as
        // Pleroma's defaults show them.
        out.insert("quarantined_instances".into(), json!([]));
        out.insert("quarantined_instances_info".into(), json!({ "quarantined_instances": {} }));
        out.insert("rejected_instances".into(), json!({}));
    }
    out.insert("enabled".into(), json!(federating));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodeinfo_shows_the_policies_with_reasons_and_hides_exclusions() {
        let mut mrf = Mrf::default();
        mrf.policies.0.push("Pleroma.Web.ActivityPub.MRF.SimplePolicy".into());
        mrf.simple.reject = vec![
            DomainRule { domain: "bad.example".into(), reason: "spam".into() },
            DomainRule { domain: "hidden.example".into(), reason: "secret".into() },
            DomainRule { domain: "plain.example".into(), reason: String::new() },
        ];
        mrf.transparency_exclusions = vec![DomainRule { domain: "hidden.example".into(), reason: String::new() }];
        let f = federation(&mrf, true);
        assert_eq!(
            f["mrf_policies"],
            json!(["ObjectAgePolicy", "TagPolicy", "InlineQuotePolicy", "SimplePolicy", "HashtagPolicy"])
        );
        assert_eq!(f["exclusions"], json!(true));
        assert_eq!(f["mrf_simple"]["reject"], json!(["bad.example", "plain.example"]));
        assert_eq!(f["mrf_simple_info"], json!({ "reject": { "bad.example": { "reason": "spam" } } }));
        assert_eq!(f["mrf_object_age"], json!({ "threshold": 604800, "actions": ["delist", "strip_followers"] }));
        assert_eq!(f["mrf_hashtag"]["sensitive"], json!(["nsfw"]));
        assert_eq!(f["enabled"], json!(true));
        mrf.transparency = false;
        assert_eq!(federation(&mrf, true), json!({ "enabled": true }));
        assert!(describe(&mrf, true).is_some_and(|d| d.simple[4].1.len() == 3));
    }
}
