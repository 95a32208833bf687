//! The moderation policies' pass over a document.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::{rows::users_by_ap_id, Actor, Document, Report, Status};
use crate::{
    config::Settings,
    domain::mrf::{self, Activity, Visibility},
    error::AppError,
};

/// The document as the moderation policies let it through, and how many entries they refused.
/// An entry that names a refused one (a status of a refused actor, a reply to a refused status, a
/// follow of a refused actor) is left out too; a report keeps only the statuses left.
pub(super) async fn screen<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    doc: &Document,
    now: DateTime<Utc>,
) -> Result<(Document, usize), AppError> {
    let policies = &settings.mrf;
    let mut referenced: Vec<String> = doc.actors.iter().map(|a| a.ap_id.clone()).collect();
    referenced.extend(doc.statuses.iter().map(|s| s.actor.clone()));
    referenced.extend(doc.follows.iter().flat_map(|f| [f.follower.clone(), f.followed.clone()]));
    referenced.extend(doc.reports.iter().map(|r| r.actor.clone()));
    referenced.sort();
    referenced.dedup();
    let known = users_by_ap_id(conn, &referenced).await?;
    let tags = if policies.policies.has("TagPolicy") {
        let ids: Vec<String> = known.values().map(|u| u.id.clone()).collect();
        crate::domain::users::tags_of(conn, &ids).await?
    } else {
        HashMap::new()
    };
    let local_host = mrf::host_of(&settings.instance_url);
    let actor = |ap_id: &str| match known.get(ap_id) {
        Some(u) => mrf::Actor {
            ap_id: ap_id.to_string(),
            host: if u.local { local_host.clone() } else { mrf::host_of(ap_id) },
            local: u.local,
            tags: tags.get(&u.id).cloned().unwrap_or_default(),
        },
        None => mrf::Actor { ap_id: ap_id.to_string(), host: mrf::host_of(ap_id), ..mrf::Actor::default() },
    };
    let mut rejected = 0;
    let mut left_out = |entry: String, ap_id: &str, why: &str| {
        tracing::info!(%entry, %ap_id, reason = %why, "import: entry left out");
        rejected += 1;
    };
    let mut out = Document::default();

    let mut refused_actors = HashSet::new();
    for (i, a) in doc.actors.iter().enumerate() {
        let profile = Activity::Profile { actor: actor(&a.ap_id), avatar: a.avatar.clone(), banner: a.banner.clone() };
        match mrf::filter(policies, now, profile) {
            Ok(Activity::Profile { avatar, banner, .. }) => out.actors.push(Actor { avatar, banner, ..a.clone() }),
            Ok(_) => out.actors.push(a.clone()),
            Err(refused) => {
                left_out(format!("actors[{i}]"), &a.ap_id, &refused.reason);
                refused_actors.insert(a.ap_id.clone());
            }
        }
    }

    // Each status on its own, then those that name a refused one, until none is left.
    let mut statuses: Vec<(usize, Status)> = Vec::new();
    let mut refused_statuses = HashSet::new();
    for (i, s) in doc.statuses.iter().enumerate() {
        if refused_actors.contains(&s.actor) {
            left_out(format!("statuses[{i}]"), &s.ap_id, "its actor was refused");
            refused_statuses.insert(s.ap_id.clone());
            continue;
        }
        // Pleroma's `check_remote_limit`: remote content over `:instance, :remote_limit` characters
        // is not stored.
        let limit = settings.limits.remote_limit;
        if !actor(&s.actor).local && s.content.chars().count() > limit {
            left_out(format!("statuses[{i}]"), &s.ap_id, &format!("its content is over the remote_limit of {limit}"));
            refused_statuses.insert(s.ap_id.clone());
            continue;
        }
        let original = s.visibility.as_deref().map_or(Some(Visibility::Public), Visibility::parse);
        let post = mrf::Post {
            announce: s.reblog_of.is_some(),
            actor: actor(&s.actor),
            // The reblogged status's origin: ours when its id is on our host.
            object: s.reblog_of.as_deref().map(|ap| {
                let host = mrf::host_of(ap);
                mrf::Actor { local: host == local_host, host, ..mrf::Actor::default() }
            }),
            visibility: original.unwrap_or(Visibility::Public),
            content: s.content.clone(),
            spoiler_text: s.spoiler_text.clone().unwrap_or_default(),
            sensitive: s.sensitive,
            attachments: s.attachments.clone(),
            hashtags: mrf::hashtags_in(&crate::domain::statuses::plain_text(&s.content)),
            mentions: s.mentions.clone(),
            published: s.created_at.unwrap_or(now),
        };
        match mrf::filter(policies, now, Activity::Post(Box::new(post))).map(Activity::into_post) {
            Ok(Some(post)) => statuses.push((
                i,
                Status {
                    // A visibility the file spelled wrong stays as written: the check below names it.
                    visibility: if original.is_some() {
                        Some(post.visibility.as_str().to_string())
                    } else {
                        s.visibility.clone()
                    },
                    content: post.content,
                    spoiler_text: s.spoiler_text.as_ref().map(|_| post.spoiler_text),
                    sensitive: post.sensitive,
                    attachments: post.attachments,
                    mentions: post.mentions,
                    ..s.clone()
                },
            )),
            Ok(None) => statuses.push((i, s.clone())),
            Err(refused) => {
                left_out(format!("statuses[{i}]"), &s.ap_id, &refused.reason);
                refused_statuses.insert(s.ap_id.clone());
            }
        }
    }
    loop {
        let names_refused =
            |s: &Status| [&s.in_reply_to, &s.reblog_of].into_iter().flatten().any(|ap| refused_statuses.contains(ap));
        let (dependent, kept): (Vec<_>, Vec<_>) = statuses.into_iter().partition(|(_, s)| names_refused(s));
        statuses = kept;
        if dependent.is_empty() {
            break;
        }
        for (i, s) in dependent {
            left_out(format!("statuses[{i}]"), &s.ap_id, "it answers or reblogs a refused status");
            refused_statuses.insert(s.ap_id);
        }
    }
    statuses.sort_by_key(|(i, _)| *i);
    out.statuses = statuses.into_iter().map(|(_, s)| s).collect();

    for (i, f) in doc.follows.iter().enumerate() {
        if refused_actors.contains(&f.follower) || refused_actors.contains(&f.followed) {
            left_out(format!("follows[{i}]"), &f.follower, "it names a refused actor");
            continue;
        }
        let follow = Activity::Follow { actor: actor(&f.follower), target: actor(&f.followed) };
        match mrf::filter(policies, now, follow) {
            Ok(_) => out.follows.push(f.clone()),
            Err(refused) => left_out(format!("follows[{i}]"), &f.follower, &refused.reason),
        }
    }
    for (i, r) in doc.reports.iter().enumerate() {
        if refused_actors.contains(&r.actor) || refused_actors.contains(&r.account) {
            left_out(format!("reports[{i}]"), &r.ap_id, "it names a refused actor");
            continue;
        }
        match mrf::filter(policies, now, Activity::Flag { actor: actor(&r.actor) }) {
            Ok(_) => out.reports.push(Report {
                statuses: r.statuses.iter().filter(|ap| !refused_statuses.contains(*ap)).cloned().collect(),
                ..r.clone()
            }),
            Err(refused) => left_out(format!("reports[{i}]"), &r.ap_id, &refused.reason),
        }
    }
    Ok((out, rejected))
}
