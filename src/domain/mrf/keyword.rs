//! KeywordPolicy (`mrf/keyword_policy.ex`): refuse, delist or rewrite posts by the words (or
//! regexes) in their text and subject.
use super::{delist, reject, Activity, Outcome, Visibility};
use crate::config::mrf::MrfKeyword;

const POLICY: &str = "KeywordPolicy";

pub fn filter(rules: &MrfKeyword, activity: Activity) -> Outcome {
    let Activity::Post(mut post) = activity else { return Ok(activity) };
    if post.announce {
        return Ok(Activity::Post(post));
    }
    // Pleroma's `object_payload/1`: the content and the summary, one per line.
    let payload = format!("{}\n{}", post.content, post.spoiler_text);
    if rules.reject.iter().any(|p| p.matches(&payload)) {
        return Err(reject(POLICY, "[KeywordPolicy] Matches with rejected keyword"));
    }
    if post.visibility == Visibility::Public && rules.federated_timeline_removal.iter().any(|p| p.matches(&payload)) {
        post.visibility = delist(post.visibility);
    }
    if !rules.replace.is_empty() {
        let replace_all = |text: &str| rules.replace.iter().fold(text.to_string(), |acc, r| r.0.replace(&acc, &r.1));
        let content = replace_all(&post.content);
        // A replacement is the admin's text put into HTML: cleaned again, as the post was.
        post.content = if post.actor.local {
            crate::domain::statuses::sanitize(&content)
        } else {
            crate::domain::remote_import::sanitize(&content)
        };
        post.spoiler_text = replace_all(&post.spoiler_text);
    }
    Ok(Activity::Post(post))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{post, run};
    use super::*;
    use crate::config::{
        mrf::{Pattern, Replacement},
        Mrf,
    };

    fn keyword(f: impl FnOnce(&mut MrfKeyword)) -> Mrf {
        let mut mrf = Mrf::default();
        mrf.policies.0 = vec!["KeywordPolicy".into()];
        f(&mut mrf.keyword);
        mrf
    }

    #[test]
    fn reject_delist_and_replace() {
        let mrf = keyword(|k| k.reject = vec![Pattern::parse("~r/h[ae]llo/i").unwrap()]);
        assert_eq!(
            run(&mrf, post("x.example", Visibility::Public)).unwrap_err().reason,
            "[KeywordPolicy] Matches with rejected keyword"
        );
        let mrf = keyword(|k| k.federated_timeline_removal = vec![Pattern::parse("hello").unwrap()]);
        assert_eq!(run(&mrf, post("x.example", Visibility::Public)).unwrap().visibility, Visibility::Unlisted);
        let mrf = keyword(|k| {
            k.replace = vec![
                Replacement(Pattern::parse("hello").unwrap(), "<script>x</script>bye".into()),
                Replacement(Pattern::parse("~r/c(w)/").unwrap(), "C\\1".into()),
            ]
        });
        let mut p = post("x.example", Visibility::Public);
        p.spoiler_text = "a cw".into();
        let p = run(&mrf, p).unwrap();
        assert_eq!((p.content.as_str(), p.spoiler_text.as_str()), ("<p>bye</p>", "a Cw"));
    }
}
