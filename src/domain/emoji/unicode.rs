//! Unicode emoji as Pleroma knows them (`Pleroma.Emoji.unicode?/1`, `fully_qualify_emoji/1`,
//! `maybe_quote/1`): the fully-qualified emoji of Unicode's emoji-test.txt and the regional
//! indicators, in `assets/emoji/unicode.txt`. Reactions and bookmark folders both take them.
use std::{
    collections::{HashMap, HashSet},
    sync::LazyLock,
};

const VARIATION_SELECTOR: char = '\u{FE0F}';

/// The fully-qualified emoji (and the regional indicators), as Pleroma's `Emoji.unicode?/1`.
static UNICODE: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../../assets/emoji/unicode.txt").lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
});

/// Qualified emoji containing U+FE0F, by their form without it.
static UNQUALIFIED: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for emoji in UNICODE.iter().filter(|e| e.contains(VARIATION_SELECTOR)) {
        map.entry(emoji.replace(VARIATION_SELECTOR, "")).or_insert(*emoji);
    }
    map
});

/// Whether `s` is one unicode emoji (`Emoji.unicode?`).
pub fn is_unicode_emoji(s: &str) -> bool {
    UNICODE.contains(s)
}

/// The fully-qualified form of a partially qualified or unqualified emoji, else `s`
/// (`Emoji.fully_qualify_emoji`: any of the U+FE0F of a qualified emoji may be left out).
pub fn fully_qualify(s: &str) -> String {
    if UNICODE.contains(s) {
        return s.to_string();
    }
    match UNQUALIFIED.get(&s.replace(VARIATION_SELECTOR, "")) {
        Some(qualified) if is_subsequence(s, qualified) => (*qualified).to_string(),
        _ => s.to_string(),
    }
}

fn is_subsequence(short: &str, long: &str) -> bool {
    let mut long = long.chars();
    short.chars().all(|c| long.by_ref().any(|l| l == c))
}

/// A unicode emoji as it is; anything else quoted as `:name:` unless it starts with `:`
/// (`Emoji.maybe_quote`).
pub fn maybe_quote(s: &str) -> String {
    if is_unicode_emoji(s) || s.starts_with(':') {
        s.to_string()
    } else {
        format!(":{s}:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_emoji_as_pleroma_knows_them() {
        assert!(is_unicode_emoji("📁"));
        assert!(is_unicode_emoji("🇯"));
        assert!(!is_unicode_emoji("not an emoji"));
        assert!(!is_unicode_emoji("📁📁"));
        // ❤ without its variation selector is completed.
        assert_eq!(fully_qualify("\u{2764}"), "\u{2764}\u{FE0F}");
        assert_eq!(maybe_quote("firefox"), ":firefox:");
        assert_eq!(maybe_quote(":firefox:"), ":firefox:");
        assert_eq!(maybe_quote("📁"), "📁");
    }
}
