//! ObjectAgePolicy (`mrf/object_age_policy.ex`): what happens to posts published longer ago than
//! the threshold (old posts arriving late, or backfilled).
use chrono::{DateTime, Utc};

use super::{delist, reject, Activity, Outcome, Visibility};
use crate::config::mrf::{AgeAction, MrfObjectAge};

const POLICY: &str = "ObjectAgePolicy";

pub fn filter(rules: &MrfObjectAge, now: DateTime<Utc>, activity: Activity) -> Outcome {
    let Activity::Post(mut post) = activity else { return Ok(activity) };
    if post.announce || (now - post.published).num_seconds() <= rules.threshold {
        return Ok(Activity::Post(post));
    }
    if rules.actions.contains(&AgeAction::Reject) {
        return Err(reject(POLICY, "[ObjectAgePolicy]"));
    }
    if rules.actions.contains(&AgeAction::Delist) {
        // Pleroma's delist also adds the public collection to a followers-only or direct post's
        // `cc`, which would make it readable by anyone; only public posts are delisted here.
        post.visibility = delist(post.visibility);
    }
    if rules.actions.contains(&AgeAction::StripFollowers) && post.visibility == Visibility::Private {
        // Without the followers collection a followers-only post reaches the mentioned only.
        post.visibility = Visibility::Direct;
    }
    Ok(Activity::Post(post))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{post, run};
    use super::*;
    use crate::config::Mrf;

    #[test]
    fn old_posts_are_delisted_stripped_or_refused() {
        let mut mrf = Mrf::default();
        let old = |visibility| {
            let mut p = post("x.example", visibility);
            p.published = Utc::now() - chrono::Duration::days(8);
            p
        };
        assert_eq!(run(&mrf, old(Visibility::Public)).unwrap().visibility, Visibility::Unlisted);
        assert_eq!(run(&mrf, old(Visibility::Private)).unwrap().visibility, Visibility::Direct);
        assert_eq!(run(&mrf, post("x.example", Visibility::Public)).unwrap().visibility, Visibility::Public);
        mrf.object_age.actions = vec![AgeAction::Reject];
        assert_eq!(run(&mrf, old(Visibility::Public)).unwrap_err().reason, "[ObjectAgePolicy]");
    }
}
