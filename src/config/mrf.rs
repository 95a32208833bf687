//! `[mrf]`: the moderation policies (Pleroma's `:mrf` and the `:mrf_*` keys of each policy),
//! with Pleroma's defaults from `config/config.exs`. `domain::mrf` applies them.
use serde::Deserialize;

/// Pleroma's module prefix of the policies it ships.
pub const POLICY_PREFIX: &str = "Pleroma.Web.ActivityPub.MRF.";

/// `:mrf` and the policies' own keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mrf {
    /// `:mrf, :policies`: module names in the order they run (`Pleroma.Web.ActivityPub.MRF.TagPolicy`
    /// or the short `TagPolicy`).
    pub policies: Policies,
    /// `:mrf, :transparency`: nodeinfo shows the policies' settings.
    pub transparency: bool,
    /// `:mrf, :transparency_exclusions`: instances left out of what nodeinfo shows.
    pub transparency_exclusions: Vec<DomainRule>,
    /// `:mrf_simple`.
    pub simple: MrfSimple,
    /// `:mrf_keyword`.
    pub keyword: MrfKeyword,
    /// `:mrf_hashtag`.
    pub hashtag: MrfHashtag,
    /// `:mrf_object_age`.
    pub object_age: MrfObjectAge,
    /// `:mrf_hellthread`.
    pub hellthread: MrfHellthread,
}

impl Default for Mrf {
    fn default() -> Self {
        Mrf {
            policies: Policies(
                ["ObjectAgePolicy", "TagPolicy", "InlineQuotePolicy"].map(|p| format!("{POLICY_PREFIX}{p}")).to_vec(),
            ),
            transparency: true,
            transparency_exclusions: vec![],
            simple: MrfSimple::default(),
            keyword: MrfKeyword::default(),
            hashtag: MrfHashtag::default(),
            object_age: MrfObjectAge::default(),
            hellthread: MrfHellthread::default(),
        }
    }
}

/// The enabled policies' module names, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Policies(pub Vec<String>);

impl Policies {
    /// The short names (`TagPolicy`), in order, without repeats.
    pub fn short_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in &self.0 {
            let short = name.rsplit('.').next().unwrap_or(name).to_string();
            if !out.contains(&short) {
                out.push(short);
            }
        }
        out
    }

    /// Whether the policy `short` (`TagPolicy`) is enabled.
    pub fn has(&self, short: &str) -> bool {
        self.0.iter().any(|name| name.rsplit('.').next() == Some(short))
    }
}

/// An instance (`example.org`, `*.example.org`) and why it is listed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RawDomainRule")]
pub struct DomainRule {
    pub domain: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDomainRule {
    Plain(String),
    Pair(String, String),
}

impl From<RawDomainRule> for DomainRule {
    fn from(raw: RawDomainRule) -> Self {
        match raw {
            RawDomainRule::Plain(domain) => DomainRule { domain, reason: String::new() },
            RawDomainRule::Pair(domain, reason) => DomainRule { domain, reason },
        }
    }
}

impl DomainRule {
    /// Pleroma's `MRF.subdomains_regex/1` match: case-insensitive, `*.` standing for any number
    /// of subdomains (`*.example.org` matches `example.org` and `a.b.example.org`).
    pub fn matches(&self, host: &str) -> bool {
        let (pattern, host) = (self.domain.trim().to_lowercase(), host.to_lowercase());
        match pattern.strip_prefix("*.") {
            Some(base) => host == base || host.ends_with(&format!(".{base}")),
            None => pattern == host,
        }
    }
}

/// Whether any rule of `rules` matches `host`.
pub fn any_matches(rules: &[DomainRule], host: &str) -> bool {
    rules.iter().any(|r| r.matches(host))
}

/// `:mrf_simple`: per-instance rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MrfSimple {
    pub media_removal: Vec<DomainRule>,
    pub media_nsfw: Vec<DomainRule>,
    pub federated_timeline_removal: Vec<DomainRule>,
    pub report_removal: Vec<DomainRule>,
    pub reject: Vec<DomainRule>,
    pub followers_only: Vec<DomainRule>,
    pub accept: Vec<DomainRule>,
    pub avatar_removal: Vec<DomainRule>,
    pub banner_removal: Vec<DomainRule>,
    pub reject_deletes: Vec<DomainRule>,
}

impl MrfSimple {
    /// The lists by Pleroma's sub-key, in its order.
    pub fn lists(&self) -> [(&'static str, &[DomainRule]); 10] {
        [
            ("media_removal", &self.media_removal),
            ("media_nsfw", &self.media_nsfw),
            ("federated_timeline_removal", &self.federated_timeline_removal),
            ("report_removal", &self.report_removal),
            ("reject", &self.reject),
            ("followers_only", &self.followers_only),
            ("accept", &self.accept),
            ("avatar_removal", &self.avatar_removal),
            ("banner_removal", &self.banner_removal),
            ("reject_deletes", &self.reject_deletes),
        ]
    }
}

/// A keyword: a plain string (matched as a substring) or an Elixir regex `~r/…/flags`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern {
    /// As written.
    pub source: String,
    regex: Option<regex::Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(source: String) -> Result<Self, String> {
        Pattern::parse(&source)
    }
}

impl Pattern {
    /// Read `source`; a regex must compile (Pleroma's flags `i`, `m`, `s`, `x`, `U`, `u`).
    pub fn parse(source: &str) -> Result<Pattern, String> {
        if !source.starts_with("~r") {
            return Ok(Pattern { source: source.to_string(), regex: None });
        }
        let (pattern, flags) = crate::domain::config_db::encoding::parse_regex(source)?;
        let regex = regex::RegexBuilder::new(&pattern)
            .case_insensitive(flags.contains('i'))
            .multi_line(flags.contains('m'))
            .dot_matches_new_line(flags.contains('s'))
            .ignore_whitespace(flags.contains('x'))
            .swap_greed(flags.contains('U'))
            // A bound on what one admin-written pattern may cost.
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("invalid regex {source:?}: {e}"))?;
        Ok(Pattern { source: source.to_string(), regex: Some(regex) })
    }

    /// Pleroma's `string_matches?/2`: substring or regex match.
    pub fn matches(&self, text: &str) -> bool {
        match &self.regex {
            Some(regex) => regex.is_match(text),
            None => text.contains(&self.source),
        }
    }

    /// `String.replace/3`: every match replaced (a regex replacement may use `\1`-style groups as
    /// Elixir's does).
    pub fn replace(&self, text: &str, replacement: &str) -> String {
        match &self.regex {
            Some(regex) => {
                // A `$` is literal in Elixir's replacements; `\1` names a group.
                let literal = replacement.replace('$', "$$");
                let groups = regex::Regex::new(r"\\(\d)").map(|g| g.replace_all(&literal, "$${$1}").into_owned());
                regex.replace_all(text, groups.unwrap_or(literal).as_str()).into_owned()
            }
            None if self.source.is_empty() => text.to_string(),
            None => text.replace(&self.source, replacement),
        }
    }
}

/// `:mrf_keyword`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MrfKeyword {
    /// Matching statuses are refused.
    pub reject: Vec<Pattern>,
    /// Matching public statuses become unlisted.
    pub federated_timeline_removal: Vec<Pattern>,
    /// `(pattern, replacement)` applied to the text, subject and name.
    pub replace: Vec<Replacement>,
}

/// One `:mrf_keyword, :replace` pair.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Replacement(pub Pattern, pub String);

/// `:mrf_hashtag` (hashtags without the `#`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MrfHashtag {
    pub reject: Vec<String>,
    pub federated_timeline_removal: Vec<String>,
    pub sensitive: Vec<String>,
}

impl Default for MrfHashtag {
    fn default() -> Self {
        MrfHashtag { reject: vec![], federated_timeline_removal: vec![], sensitive: vec!["nsfw".into()] }
    }
}

/// What `ObjectAgePolicy` does to an old post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum AgeAction {
    /// Off the public timelines (public → unlisted).
    Delist,
    /// Not to the followers (followers-only → direct).
    StripFollowers,
    /// Refused.
    Reject,
}

impl AgeAction {
    pub const ALL: [AgeAction; 3] = [AgeAction::Delist, AgeAction::StripFollowers, AgeAction::Reject];

    /// Pleroma's atom without the colon.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeAction::Delist => "delist",
            AgeAction::StripFollowers => "strip_followers",
            AgeAction::Reject => "reject",
        }
    }
}

impl TryFrom<String> for AgeAction {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        let name = value.trim().trim_start_matches(':');
        AgeAction::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
            .ok_or_else(|| format!("unknown action {value:?} (expected :delist, :strip_followers or :reject)"))
    }
}

/// `:mrf_object_age`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MrfObjectAge {
    /// Seconds a post may be old before the actions apply.
    pub threshold: i64,
    pub actions: Vec<AgeAction>,
}

impl Default for MrfObjectAge {
    fn default() -> Self {
        MrfObjectAge { threshold: 604_800, actions: vec![AgeAction::Delist, AgeAction::StripFollowers] }
    }
}

/// `:mrf_hellthread` (0 switches a threshold off).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MrfHellthread {
    /// More mentions than this: off the public timelines.
    pub delist_threshold: u64,
    /// More mentions than this: refused.
    pub reject_threshold: u64,
}

impl Default for MrfHellthread {
    fn default() -> Self {
        MrfHellthread { delist_threshold: 10, reject_threshold: 20 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_with_wildcards_and_case() {
        let rule = DomainRule { domain: "*.Example.org".into(), reason: String::new() };
        assert!(rule.matches("example.org") && rule.matches("a.b.EXAMPLE.org"));
        assert!(!rule.matches("badexample.org"));
        let exact = DomainRule { domain: "example.org".into(), reason: String::new() };
        assert!(exact.matches("example.org") && !exact.matches("a.example.org"));
    }

    #[test]
    fn patterns_and_toml() {
        let p = Pattern::parse("~r/f(o+)/i").unwrap();
        assert!(p.matches("FOO"));
        assert_eq!(p.replace("a foo", "b\\1$"), "a boo$");
        assert_eq!(Pattern::parse("pun").unwrap().replace("a pun", "joke"), "a joke");
        assert!(Pattern::parse("~r/(/").is_err());
        let mrf: Mrf = toml::from_str(
            "policies = [\"SimplePolicy\"]\n[simple]\nreject = [\"a.example\", [\"b.example\", \"spam\"]]\n\
             [keyword]\nreplace = [[\"~r/x/\", \"y\"]]\n[object_age]\nactions = [\":reject\"]",
        )
        .unwrap();
        assert!(mrf.policies.has("SimplePolicy") && !mrf.policies.has("TagPolicy"));
        assert_eq!(mrf.simple.reject[1], DomainRule { domain: "b.example".into(), reason: "spam".into() });
        assert_eq!(mrf.object_age.actions, vec![AgeAction::Reject]);
        assert_eq!(mrf.hashtag.sensitive, vec!["nsfw".to_string()]);
    }
}
