//! The moderation policies (Pleroma's `Pleroma.Web.ActivityPub.MRF`): every activity that enters
//! the store — imported or federated statuses, actors, follows and reports, and the statuses local
//! users post — is built as a typed [`Activity`] and passed through [`filter`] before anything is
//! written. Each enabled policy may rewrite it or refuse it; a refusal names the policy and
//! Pleroma's reason, and the caller writes nothing of it.
//!
//! The policies run in the order of `:mrf, :policies`, then `HashtagPolicy`, which Pleroma always
//! runs. Policies Pleroma has and the gateway does not implement are listed (nodeinfo shows them)
//! but do nothing; [`IMPLEMENTED`] names those that act.
use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::ConnectionTrait;

use crate::{
    config::{Mrf, Settings},
    error::AppResult,
};

mod describe;
mod hashtag;
mod hellthread;
mod keyword;
mod object_age;
mod simple;
mod tag;

pub use describe::{describe, federation, Description, PolicyState};
pub use hashtag::hashtags_in;

/// The policies the gateway applies, by their short names.
pub const IMPLEMENTED: [&str; 6] =
    ["SimplePolicy", "TagPolicy", "KeywordPolicy", "HashtagPolicy", "ObjectAgePolicy", "HellthreadPolicy"];

/// Pleroma's addressing reduced to the four visibilities a status has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    /// `public`, `unlisted`, `private` or `direct`; anything else is `None`.
    pub fn parse(value: &str) -> Option<Visibility> {
        match value {
            "public" => Some(Visibility::Public),
            "unlisted" => Some(Visibility::Unlisted),
            "private" => Some(Visibility::Private),
            "direct" => Some(Visibility::Direct),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    /// Addressed to the public collection, in `to` or `cc`.
    fn is_public(self) -> bool {
        matches!(self, Visibility::Public | Visibility::Unlisted)
    }
}

/// Who does something.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub ap_id: String,
    /// The instance's host, lower case (ours for local users).
    pub host: String,
    pub local: bool,
    /// The user's tags (`mrf_tag:sandbox`, …); empty for an actor not stored yet.
    pub tags: Vec<String>,
}

/// A local user as an actor; its tags are read only when `TagPolicy` is on.
pub async fn local_actor<C: ConnectionTrait>(conn: &C, settings: &Settings, author: &user::Model) -> AppResult<Actor> {
    let tags = if settings.mrf.policies.has("TagPolicy") {
        let mut all = super::users::tags_of(conn, std::slice::from_ref(&author.id)).await?;
        all.remove(&author.id).unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(Actor { ap_id: author.ap_id.clone(), host: host_of(&settings.instance_url), local: true, tags })
}

/// Any user as an actor: ours with our host, a remote one with its id's host; its tags are read
/// only when `TagPolicy` is on.
pub async fn actor_of<C: ConnectionTrait>(conn: &C, settings: &Settings, user: &user::Model) -> AppResult<Actor> {
    if user.local {
        return local_actor(conn, settings, user).await;
    }
    let tags = if settings.mrf.policies.has("TagPolicy") {
        super::users::tags_of(conn, std::slice::from_ref(&user.id)).await?.remove(&user.id).unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(Actor { ap_id: user.ap_id.clone(), host: host_of(&user.ap_id), local: false, tags })
}

/// Whether the policies let `follower` follow `target` (TagPolicy's subscription tags,
/// SimplePolicy's instance lists); a refusal is `FORBIDDEN` with Pleroma's reason, as its
/// account controller answers a failed follow.
pub async fn check_follow<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    follower: &user::Model,
    target: &user::Model,
) -> AppResult<()> {
    let follow = Activity::Follow {
        actor: actor_of(conn, settings, follower).await?,
        target: actor_of(conn, settings, target).await?,
    };
    filter(&settings.mrf, Utc::now(), follow)
        .map(|_| ())
        .map_err(|rejected| crate::error::AppError::Forbidden(rejected.reason))
}

/// The host of an ActivityPub id (`https://example.org/users/a` → `example.org`), lower case.
pub fn host_of(ap_id: &str) -> String {
    url::Url::parse(ap_id).ok().and_then(|u| u.host_str().map(str::to_lowercase)).unwrap_or_default()
}

/// A post: a `Create` of a note, or an `Announce` (reblog) of one.
#[derive(Debug, Clone)]
pub struct Post {
    /// A reblog: only the instance rules and the addressing apply.
    pub announce: bool,
    pub actor: Actor,
    /// For a reblog, where the reblogged status comes from (its id, host, and whether it is ours).
    pub object: Option<Actor>,
    pub visibility: Visibility,
    /// HTML.
    pub content: String,
    /// The subject (content warning); Pleroma's `summary`.
    pub spoiler_text: String,
    pub sensitive: bool,
    /// The attachments (ids or URLs); policies may remove them all.
    pub attachments: Vec<String>,
    /// Hashtags without `#`, lower case.
    pub hashtags: Vec<String>,
    /// The users addressed by name (ids or ap_ids); policies may drop them all.
    pub mentions: Vec<String>,
    /// When it was published (Pleroma's `published`).
    pub published: DateTime<Utc>,
}

/// An activity as the policies see it.
#[derive(Debug, Clone)]
pub enum Activity {
    /// A status (`Create`) or a reblog (`Announce`).
    Post(Box<Post>),
    /// `actor` follows `target`.
    Follow { actor: Actor, target: Actor },
    /// A report filed by `actor`.
    Flag { actor: Actor },
    /// `actor` deletes something.
    Delete { actor: Actor },
    /// An actor's own document (Person, Service, …) with its images.
    Profile { actor: Actor, avatar: Option<String>, banner: Option<String> },
}

impl Activity {
    /// Who does it.
    pub fn actor(&self) -> &Actor {
        match self {
            Activity::Post(post) => &post.actor,
            Activity::Follow { actor, .. }
            | Activity::Flag { actor }
            | Activity::Delete { actor }
            | Activity::Profile { actor, .. } => actor,
        }
    }

    /// The post, if it is one.
    pub fn into_post(self) -> Option<Post> {
        match self {
            Activity::Post(post) => Some(*post),
            _ => None,
        }
    }
}

/// A refused activity: which policy, and Pleroma's reason (`[SimplePolicy] host in reject list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub policy: &'static str,
    pub reason: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// One policy's answer.
type Outcome = Result<Activity, Rejected>;

fn reject(policy: &'static str, reason: impl Into<String>) -> Rejected {
    Rejected { policy, reason: reason.into() }
}

/// The policies that run, in order: the configured ones, then `HashtagPolicy` (always on).
pub fn enabled(mrf: &Mrf) -> Vec<String> {
    let mut names = mrf.policies.short_names();
    if !names.iter().any(|n| n == "HashtagPolicy") {
        names.push("HashtagPolicy".into());
    }
    names
}

/// Pass `activity` through the enabled policies (`MRF.filter/1`). `now` is the clock the age
/// policy compares with. A refusal is logged with the policy's name.
pub fn filter(mrf: &Mrf, now: DateTime<Utc>, activity: Activity) -> Result<Activity, Rejected> {
    let mut activity = activity;
    for name in enabled(mrf) {
        let outcome = match name.as_str() {
            "SimplePolicy" => simple::filter(&mrf.simple, activity),
            "TagPolicy" => tag::filter(activity),
            "KeywordPolicy" => keyword::filter(&mrf.keyword, activity),
            "HashtagPolicy" => hashtag::filter(&mrf.hashtag, activity),
            "ObjectAgePolicy" => object_age::filter(&mrf.object_age, now, activity),
            "HellthreadPolicy" => hellthread::filter(&mrf.hellthread, activity),
            // Listed, not applied (see `IMPLEMENTED`).
            _ => Ok(activity),
        };
        match outcome {
            Ok(next) => activity = next,
            Err(rejected) => {
                tracing::info!(policy = rejected.policy, reason = %rejected.reason, "MRF rejected an activity");
                return Err(rejected);
            }
        }
    }
    Ok(activity)
}

/// Off the public timelines: public → unlisted (Pleroma moves the public collection to `cc`).
fn delist(visibility: Visibility) -> Visibility {
    if visibility == Visibility::Public {
        Visibility::Unlisted
    } else {
        visibility
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn post(host: &str, visibility: Visibility) -> Post {
        Post {
            announce: false,
            actor: Actor { ap_id: format!("https://{host}/users/a"), host: host.into(), local: false, tags: vec![] },
            object: None,
            visibility,
            content: "<p>hello</p>".into(),
            spoiler_text: String::new(),
            sensitive: false,
            attachments: vec![],
            hashtags: vec![],
            mentions: vec![],
            published: Utc::now(),
        }
    }

    pub fn run(mrf: &Mrf, post: Post) -> Result<Post, Rejected> {
        filter(mrf, Utc::now(), Activity::Post(Box::new(post))).map(|a| a.into_post().unwrap())
    }

    #[test]
    fn hashtag_policy_always_runs_and_unknown_policies_do_nothing() {
        let mut mrf = Mrf::default();
        mrf.policies.0 = vec!["Pleroma.Web.ActivityPub.MRF.NoOpPolicy".into()];
        assert_eq!(enabled(&mrf), vec!["NoOpPolicy".to_string(), "HashtagPolicy".to_string()]);
        let mut p = post("remote.example", Visibility::Public);
        p.hashtags = vec!["nsfw".into()];
        assert!(run(&mrf, p).unwrap().sensitive);
    }
}
