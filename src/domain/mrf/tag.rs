//! TagPolicy (`mrf/tag_policy.ex`): what a user's `mrf_tag:*` tags do to their posts and to
//! follows of them.
use super::{delist, reject, Activity, Outcome, Visibility};

const POLICY: &str = "TagPolicy";

pub fn filter(activity: Activity) -> Outcome {
    match activity {
        // The followed user's tags decide.
        Activity::Follow { actor, target } => {
            for tag in &target.tags {
                let refused = match tag.as_str() {
                    "mrf_tag:disable-remote-subscription" => !actor.local,
                    "mrf_tag:disable-any-subscription" => true,
                    _ => false,
                };
                if refused {
                    return Err(reject(POLICY, format!("[TagPolicy] Follow from {} tagged with {tag}", actor.ap_id)));
                }
            }
            Ok(Activity::Follow { actor, target })
        }
        Activity::Post(mut post) if !post.announce => {
            // In the order of the user's tags, as Pleroma reduces over them.
            for tag in post.actor.tags.clone() {
                match tag.as_str() {
                    "mrf_tag:media-force-nsfw" if !post.attachments.is_empty() => post.sensitive = true,
                    "mrf_tag:media-strip" => post.attachments.clear(),
                    "mrf_tag:force-unlisted" => post.visibility = delist(post.visibility),
                    // Off every public timeline: only the followers (and the mentioned) see it.
                    "mrf_tag:sandbox" if post.visibility.is_public() => post.visibility = Visibility::Private,
                    _ => {}
                }
            }
            Ok(Activity::Post(post))
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        tests::{post, run},
        Actor,
    };
    use super::*;
    use crate::config::Mrf;

    fn tagged(tags: &[&str], visibility: Visibility) -> super::super::Post {
        let mut p = post("remote.example", visibility);
        p.actor.tags = tags.iter().map(|t| t.to_string()).collect();
        p.attachments = vec!["https://remote.example/a.png".into()];
        p
    }

    #[test]
    fn tags_rewrite_posts() {
        let mrf = Mrf::default();
        assert!(run(&mrf, tagged(&["mrf_tag:media-force-nsfw"], Visibility::Public)).unwrap().sensitive);
        assert!(run(&mrf, tagged(&["mrf_tag:media-strip"], Visibility::Public)).unwrap().attachments.is_empty());
        assert_eq!(
            run(&mrf, tagged(&["mrf_tag:force-unlisted"], Visibility::Public)).unwrap().visibility,
            Visibility::Unlisted
        );
        assert_eq!(
            run(&mrf, tagged(&["mrf_tag:sandbox"], Visibility::Unlisted)).unwrap().visibility,
            Visibility::Private
        );
        assert_eq!(run(&mrf, tagged(&["mrf_tag:sandbox"], Visibility::Direct)).unwrap().visibility, Visibility::Direct);
    }

    #[test]
    fn tags_refuse_follows() {
        let remote = Actor { ap_id: "https://r.example/u".into(), host: "r.example".into(), ..Actor::default() };
        let local = Actor { local: true, ..remote.clone() };
        let target = |tag: &str| Actor { tags: vec![tag.into()], local: true, ..Actor::default() };
        let follow = |actor: &Actor, tag: &str| Activity::Follow { actor: actor.clone(), target: target(tag) };
        let remote_only = "mrf_tag:disable-remote-subscription";
        assert_eq!(
            filter(follow(&remote, remote_only)).unwrap_err().reason,
            "[TagPolicy] Follow from https://r.example/u tagged with mrf_tag:disable-remote-subscription"
        );
        assert!(filter(follow(&local, remote_only)).is_ok());
        assert!(filter(follow(&local, "mrf_tag:disable-any-subscription")).is_err());
    }
}
