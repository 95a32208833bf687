//! The moderation policies (MRF) in force, typed: what nodeinfo's `metadata.federation` shows.
use async_graphql::{Enum, SimpleObject};

use crate::config::mrf::{AgeAction, DomainRule, Pattern};
use crate::domain::mrf::Description;

/// The moderation policies (Pleroma's MRF) every imported, federated or posted status goes
/// through, and their settings.
#[derive(SimpleObject)]
pub struct ModerationPolicies {
    /// The policies in the order they run (`HashtagPolicy` always runs, last unless configured).
    pub policies: Vec<ModerationPolicy>,
    /// Whether the settings are public (`:mrf, :transparency`; nodeinfo shows them).
    pub transparency: bool,
    /// Whether some instances are left out of the public view (`:mrf, :transparency_exclusions`).
    pub exclusions: bool,
    /// SimplePolicy's instance lists (`:mrf_simple`).
    pub simple: SimplePolicyLists,
    /// KeywordPolicy's patterns (`:mrf_keyword`).
    pub keyword: KeywordPolicyRules,
    /// HashtagPolicy's hashtags (`:mrf_hashtag`).
    pub hashtag: HashtagPolicyRules,
    /// ObjectAgePolicy's threshold and actions (`:mrf_object_age`).
    pub object_age: ObjectAgePolicyRules,
    /// HellthreadPolicy's thresholds (`:mrf_hellthread`).
    pub hellthread: HellthreadPolicyRules,
}

/// One enabled policy.
#[derive(SimpleObject)]
pub struct ModerationPolicy {
    /// Its short name (`TagPolicy`).
    pub name: String,
    /// Whether the gateway applies it; Pleroma policies it does not implement are listed only.
    pub applied: bool,
}

/// An instance (`example.org`, `*.example.org` for it and its subdomains) and why it is listed.
#[derive(SimpleObject)]
pub struct PolicyInstance {
    /// The instance, with an optional `*.` prefix.
    pub instance: String,
    /// Why (may be empty).
    pub reason: String,
}

/// SimplePolicy's lists.
#[derive(SimpleObject)]
pub struct SimplePolicyLists {
    /// Attachments removed.
    pub media_removal: Vec<PolicyInstance>,
    /// Posts marked sensitive.
    pub media_nsfw: Vec<PolicyInstance>,
    /// Public posts made unlisted.
    pub federated_timeline_removal: Vec<PolicyInstance>,
    /// Reports refused.
    pub report_removal: Vec<PolicyInstance>,
    /// Everything refused except deletes.
    pub reject: Vec<PolicyInstance>,
    /// Public posts made followers-only.
    pub followers_only: Vec<PolicyInstance>,
    /// When not empty, only these instances (and this one) are accepted.
    pub accept: Vec<PolicyInstance>,
    /// Avatars removed.
    pub avatar_removal: Vec<PolicyInstance>,
    /// Banners removed.
    pub banner_removal: Vec<PolicyInstance>,
    /// Deletes refused.
    pub reject_deletes: Vec<PolicyInstance>,
}

/// One replacement of KeywordPolicy.
#[derive(SimpleObject)]
pub struct KeywordReplacement {
    /// A string, or a regex written `~r/PATTERN/flags`.
    pub pattern: String,
    /// What each match becomes.
    pub replacement: String,
}

/// KeywordPolicy's patterns (strings, or regexes written `~r/PATTERN/flags`).
#[derive(SimpleObject)]
pub struct KeywordPolicyRules {
    /// Matching posts are refused.
    pub reject: Vec<String>,
    /// Matching public posts become unlisted.
    pub federated_timeline_removal: Vec<String>,
    /// Replacements made in the text and the subject.
    pub replace: Vec<KeywordReplacement>,
}

/// HashtagPolicy's hashtags (without `#`).
#[derive(SimpleObject)]
pub struct HashtagPolicyRules {
    /// Posts with one of them are refused.
    pub reject: Vec<String>,
    /// Public posts with one of them become unlisted.
    pub federated_timeline_removal: Vec<String>,
    /// Posts with one of them are marked sensitive.
    pub sensitive: Vec<String>,
}

/// What ObjectAgePolicy does to an old post.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ObjectAgeAction {
    /// Public posts become unlisted.
    Delist,
    /// Followers-only posts reach the mentioned users only.
    StripFollowers,
    /// Refused.
    Reject,
}

/// ObjectAgePolicy's settings.
#[derive(SimpleObject)]
pub struct ObjectAgePolicyRules {
    /// Seconds after publication from which the actions apply.
    pub threshold: i64,
    /// The actions.
    pub actions: Vec<ObjectAgeAction>,
}

/// HellthreadPolicy's thresholds (0: off).
#[derive(SimpleObject)]
pub struct HellthreadPolicyRules {
    /// More mentions than this: the post becomes unlisted and notifies nobody.
    pub delist_threshold: u64,
    /// More mentions than this: refused.
    pub reject_threshold: u64,
}

fn instances(rules: &[DomainRule]) -> Vec<PolicyInstance> {
    rules.iter().map(|r| PolicyInstance { instance: r.domain.clone(), reason: r.reason.clone() }).collect()
}

fn patterns(list: &[Pattern]) -> Vec<String> {
    list.iter().map(|p| p.source.clone()).collect()
}

impl From<Description> for ModerationPolicies {
    fn from(d: Description) -> Self {
        let list =
            |name: &str| d.simple.iter().find(|(n, _)| *n == name).map(|(_, r)| instances(r)).unwrap_or_default();
        let mrf = &d.mrf;
        ModerationPolicies {
            policies: d
                .policies
                .iter()
                .map(|p| ModerationPolicy { name: p.name.clone(), applied: p.applied })
                .collect(),
            transparency: d.transparency,
            exclusions: d.exclusions,
            simple: SimplePolicyLists {
                media_removal: list("media_removal"),
                media_nsfw: list("media_nsfw"),
                federated_timeline_removal: list("federated_timeline_removal"),
                report_removal: list("report_removal"),
                reject: list("reject"),
                followers_only: list("followers_only"),
                accept: list("accept"),
                avatar_removal: list("avatar_removal"),
                banner_removal: list("banner_removal"),
                reject_deletes: list("reject_deletes"),
            },
            keyword: KeywordPolicyRules {
                reject: patterns(&mrf.keyword.reject),
                federated_timeline_removal: patterns(&mrf.keyword.federated_timeline_removal),
                replace: mrf
                    .keyword
                    .replace
                    .iter()
                    .map(|r| KeywordReplacement { pattern: r.0.source.clone(), replacement: r.1.clone() })
                    .collect(),
            },
            hashtag: HashtagPolicyRules {
                reject: mrf.hashtag.reject.clone(),
                federated_timeline_removal: mrf.hashtag.federated_timeline_removal.clone(),
                sensitive: mrf.hashtag.sensitive.clone(),
            },
            object_age: ObjectAgePolicyRules {
                threshold: mrf.object_age.threshold,
                actions: mrf
                    .object_age
                    .actions
                    .iter()
                    .map(|a| match a {
                        AgeAction::Delist => ObjectAgeAction::Delist,
                        AgeAction::StripFollowers => ObjectAgeAction::StripFollowers,
                        AgeAction::Reject => ObjectAgeAction::Reject,
                    })
                    .collect(),
            },
            hellthread: HellthreadPolicyRules {
                delist_threshold: mrf.hellthread.delist_threshold,
                reject_threshold: mrf.hellthread.reject_threshold,
            },
        }
    }
}
