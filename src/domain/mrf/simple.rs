//! SimplePolicy (`mrf/simple_policy.ex`): rules by instance, with `*.` wildcards.
use super::{delist, reject, Activity, Outcome, Visibility};
use crate::config::mrf::{any_matches, MrfSimple};

const POLICY: &str = "SimplePolicy";

/// `check_accept`: with an accept list, only those instances (and ours).
fn check_accept(rules: &MrfSimple, host: &str, local: bool) -> Result<(), super::Rejected> {
    if rules.accept.is_empty() || local || any_matches(&rules.accept, host) {
        Ok(())
    } else {
        Err(reject(POLICY, "[SimplePolicy] host not in accept list"))
    }
}

fn check_reject(rules: &MrfSimple, host: &str) -> Result<(), super::Rejected> {
    if any_matches(&rules.reject, host) {
        Err(reject(POLICY, "[SimplePolicy] host in reject list"))
    } else {
        Ok(())
    }
}

pub fn filter(rules: &MrfSimple, activity: Activity) -> Outcome {
    let actor = activity.actor().clone();
    let host = actor.host.as_str();
    match activity {
        // Deletes pass the accept and reject lists; only `reject_deletes` stops them.
        Activity::Delete { .. } if any_matches(&rules.reject_deletes, host) => {
            Err(reject(POLICY, "[SimplePolicy] host in reject_deletes list"))
        }
        Activity::Delete { .. } => Ok(activity),
        Activity::Profile { actor, mut avatar, mut banner } => {
            check_accept(rules, host, actor.local)?;
            check_reject(rules, host)?;
            if any_matches(&rules.avatar_removal, host) {
                avatar = None;
            }
            if any_matches(&rules.banner_removal, host) {
                banner = None;
            }
            Ok(Activity::Profile { actor, avatar, banner })
        }
        Activity::Flag { .. } => {
            check_accept(rules, host, actor.local)?;
            check_reject(rules, host)?;
            if any_matches(&rules.report_removal, host) {
                return Err(reject(POLICY, "[SimplePolicy] host in report_removal list"));
            }
            Ok(activity)
        }
        Activity::Follow { ref target, .. } => {
            check_accept(rules, host, actor.local)?;
            check_reject(rules, host)?;
            // The followed actor's id is checked as the object (`filter/1` of a string).
            check_accept(rules, &target.host, target.local)?;
            check_reject(rules, &target.host)?;
            Ok(activity)
        }
        Activity::Post(mut post) => {
            check_accept(rules, host, actor.local)?;
            check_reject(rules, host)?;
            if !post.announce {
                if !post.attachments.is_empty() && any_matches(&rules.media_removal, host) {
                    post.attachments.clear();
                }
                if any_matches(&rules.media_nsfw, host) {
                    post.sensitive = true;
                }
            }
            if post.visibility == Visibility::Public && any_matches(&rules.federated_timeline_removal, host) {
                post.visibility = delist(post.visibility);
            }
            // Only the followers (and the mentioned among them) stay addressed.
            if post.visibility.is_public() && any_matches(&rules.followers_only, host) {
                post.visibility = Visibility::Private;
            }
            if let Some(object) = &post.object {
                check_accept(rules, &object.host, object.local)?;
                check_reject(rules, &object.host)?;
            }
            Ok(Activity::Post(post))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{post, run};
    use super::*;
    use crate::config::{mrf::DomainRule, Mrf};

    fn rule(domain: &str) -> Vec<DomainRule> {
        vec![DomainRule { domain: domain.into(), reason: "why".into() }]
    }

    fn simple(f: impl FnOnce(&mut MrfSimple)) -> Mrf {
        let mut mrf = Mrf::default();
        mrf.policies.0 = vec!["Pleroma.Web.ActivityPub.MRF.SimplePolicy".into()];
        f(&mut mrf.simple);
        mrf
    }

    #[test]
    fn reject_accept_and_rewrites() {
        let mrf = simple(|s| s.reject = rule("*.bad.example"));
        let refused = run(&mrf, post("a.bad.example", Visibility::Public)).unwrap_err();
        assert_eq!((refused.policy, refused.reason.as_str()), ("SimplePolicy", "[SimplePolicy] host in reject list"));
        assert!(run(&mrf, post("good.example", Visibility::Public)).is_ok());

        let mrf = simple(|s| s.accept = rule("good.example"));
        assert_eq!(
            run(&mrf, post("other.example", Visibility::Public)).unwrap_err().reason,
            "[SimplePolicy] host not in accept list"
        );
        let mut local = post("localhost", Visibility::Public);
        local.actor.local = true;
        assert!(run(&mrf, local).is_ok());

        let mrf = simple(|s| {
            s.media_removal = rule("m.example");
            s.media_nsfw = rule("m.example");
            s.federated_timeline_removal = rule("m.example");
        });
        let mut p = post("m.example", Visibility::Public);
        p.attachments = vec!["https://m.example/a.png".into()];
        let p = run(&mrf, p).unwrap();
        assert!(p.attachments.is_empty() && p.sensitive);
        assert_eq!(p.visibility, Visibility::Unlisted);

        let mrf = simple(|s| s.followers_only = rule("f.example"));
        assert_eq!(run(&mrf, post("f.example", Visibility::Unlisted)).unwrap().visibility, Visibility::Private);
        assert_eq!(run(&mrf, post("f.example", Visibility::Direct)).unwrap().visibility, Visibility::Direct);
    }

    #[test]
    fn reports_profiles_and_deletes() {
        let actor = post("r.example", Visibility::Public).actor;
        let mrf = simple(|s| {
            s.report_removal = rule("r.example");
            s.avatar_removal = rule("r.example");
            s.banner_removal = rule("r.example");
            s.reject_deletes = rule("r.example");
            s.reject = rule("gone.example");
        });
        let now = chrono::Utc::now();
        let flag = super::super::filter(&mrf, now, Activity::Flag { actor: actor.clone() }).unwrap_err();
        assert_eq!(flag.reason, "[SimplePolicy] host in report_removal list");
        let delete = super::super::filter(&mrf, now, Activity::Delete { actor: actor.clone() }).unwrap_err();
        assert_eq!(delete.reason, "[SimplePolicy] host in reject_deletes list");
        let profile = Activity::Profile { actor, avatar: Some("a".into()), banner: Some("b".into()) };
        match super::super::filter(&mrf, now, profile).unwrap() {
            Activity::Profile { avatar, banner, .. } => assert_eq!((avatar, banner), (None, None)),
            other => panic!("{other:?}"),
        }
        let mut reblog = post("ok.example", Visibility::Public);
        reblog.announce = true;
        reblog.object = Some(super::super::Actor { host: "gone.example".into(), ..Default::default() });
        assert!(run(&mrf, reblog).is_err());
    }
}
