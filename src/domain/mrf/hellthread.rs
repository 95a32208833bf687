//! HellthreadPolicy (`mrf/hellthread_policy.ex`): posts that mention too many users are delisted
//! (and notify nobody) or refused.
use super::{reject, Activity, Outcome, Visibility};
use crate::config::mrf::MrfHellthread;

const POLICY: &str = "HellthreadPolicy";

pub fn filter(rules: &MrfHellthread, activity: Activity) -> Outcome {
    let Activity::Post(mut post) = activity else { return Ok(activity) };
    if post.announce {
        return Ok(Activity::Post(post));
    }
    // The recipients besides the public and followers collections: the mentioned users.
    let recipients = post.mentions.len() as u64;
    if rules.reject_threshold > 0 && recipients > rules.reject_threshold {
        return Err(reject(
            POLICY,
            format!("[HellthreadPolicy] {recipients} recipients is over the limit of {}", rules.reject_threshold),
        ));
    }
    if rules.delist_threshold > 0 && post.visibility.is_public() && recipients > rules.delist_threshold {
        // Pleroma readdresses it to the public in `cc` only: unlisted, and the mentioned are no
        // longer recipients (no notifications).
        post.visibility = Visibility::Unlisted;
        post.mentions.clear();
    }
    Ok(Activity::Post(post))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{post, run};
    use super::*;
    use crate::config::Mrf;

    #[test]
    fn many_mentions_delist_or_refuse() {
        let mut mrf = Mrf::default();
        mrf.policies.0 = vec!["HellthreadPolicy".into()];
        mrf.hellthread = MrfHellthread { delist_threshold: 2, reject_threshold: 4 };
        let with = |n: usize| {
            let mut p = post("x.example", Visibility::Public);
            p.mentions = (0..n).map(|i| format!("u{i}")).collect();
            p
        };
        assert_eq!(run(&mrf, with(2)).unwrap().visibility, Visibility::Public);
        let delisted = run(&mrf, with(3)).unwrap();
        assert_eq!((delisted.visibility, delisted.mentions.len()), (Visibility::Unlisted, 0));
        assert_eq!(run(&mrf, with(5)).unwrap_err().reason, "[HellthreadPolicy] 5 recipients is over the limit of 4");
    }
}
