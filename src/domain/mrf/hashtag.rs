//! HashtagPolicy (`mrf/hashtag_policy.ex`, always on): refuse, delist or mark sensitive the posts
//! that carry some hashtags.
use super::{delist, reject, Activity, Outcome, Visibility};
use crate::config::mrf::MrfHashtag;

const POLICY: &str = "HashtagPolicy";

pub fn filter(rules: &MrfHashtag, activity: Activity) -> Outcome {
    let Activity::Post(mut post) = activity else { return Ok(activity) };
    if post.announce || post.hashtags.is_empty() {
        return Ok(Activity::Post(post));
    }
    let any = |list: &[String]| list.iter().any(|tag| post.hashtags.contains(tag));
    if any(&rules.reject) {
        return Err(reject(POLICY, "[HashtagPolicy] Matches with rejected keyword"));
    }
    if post.visibility == Visibility::Public && any(&rules.federated_timeline_removal) {
        post.visibility = delist(post.visibility);
    }
    if any(&rules.sensitive) {
        post.sensitive = true;
    }
    Ok(Activity::Post(post))
}

/// The hashtags of a text (`#word`), lower case, without repeats: what Pleroma's
/// `Object.hashtags/1` reads off a post's `tag` list.
pub fn hashtags_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == '#' && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '&'));
        if starts {
            let word: String = chars[i + 1..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect();
            if !word.is_empty() && !word.chars().all(|c| c.is_ascii_digit()) {
                let tag = word.to_lowercase();
                if !out.contains(&tag) {
                    out.push(tag);
                }
            }
            i += word.chars().count() + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{post, run};
    use super::*;
    use crate::config::Mrf;

    #[test]
    fn hashtags_refuse_delist_and_mark() {
        assert_eq!(hashtags_in("#NSFW pics #a_b, x#no &#35; #123 #nsfw"), vec!["nsfw", "a_b"]);
        let mut mrf = Mrf::default();
        mrf.hashtag.reject = vec!["spam".into()];
        mrf.hashtag.federated_timeline_removal = vec!["quiet".into()];
        let with = |tags: &[&str]| {
            let mut p = post("x.example", Visibility::Public);
            p.hashtags = tags.iter().map(|t| t.to_string()).collect();
            p
        };
        assert_eq!(run(&mrf, with(&["spam"])).unwrap_err().reason, "[HashtagPolicy] Matches with rejected keyword");
        let p = run(&mrf, with(&["quiet", "nsfw"])).unwrap();
        assert_eq!((p.visibility, p.sensitive), (Visibility::Unlisted, true));
        assert!(!run(&mrf, with(&[])).unwrap().sensitive);
    }
}
