//! The fan-out of a [`FederationPublish`] into one [`FederationPublishOne`] per inbox, and each
//! delivery (Pleroma's `publish_one`).
use std::collections::BTreeSet;

use serde_json::json;

use super::{
    activities::{build, signing},
    reachability::{host, reachable_since, set_reachable, set_unreachable, skipped_hosts, unreachable_since},
    recipients::{has_relay_audience, inboxes_of, known_inboxes, relay_audience, remote_followers, wants_shared_inbox},
    Body, FederationPublish, FederationPublishOne, SignedBy, PUBLIC,
};
use crate::{
    config::Settings,
    db::Db,
    domain::federation::{objects, post_signed},
    error::AppError,
    jobs::{self, Failure},
};

/// The fan-out: see the module documentation.
pub(super) async fn fan_out(db: &Db, settings: &Settings, job: &FederationPublish) -> Result<(), Failure> {
    let fail = |e: AppError| e.to_string();
    let Some((activity, named)) = build(db, settings, job).await.map_err(fail)? else {
        return Ok(()); // gone meanwhile
    };
    let mut actors: Vec<String> = job.to.clone();
    actors.extend(named);
    if job.followers {
        match &job.signer {
            SignedBy::User(id) => actors.extend(remote_followers(&db.read, id).await.map_err(fail)?),
            SignedBy::Relay => actors.extend(relay_audience(db).await.map_err(fail)?),
            SignedBy::Internal => {}
        }
    }
    let own = format!("{}/", settings.instance_url);
    let shared = wants_shared_inbox(&activity);
    let mut seen = BTreeSet::new();
    let actors: Vec<String> =
        actors.into_iter().filter(|a| !a.starts_with(&own) && a != PUBLIC && seen.insert(a.clone())).collect();
    // Remembered inboxes in one read per 500 actors; the others fetched one by one.
    let known = known_inboxes(&db.read, &actors).await.map_err(fail)?;
    let mut inboxes = BTreeSet::new();
    for actor in actors {
        let found = match known.get(&actor) {
            Some(pair) => Ok(pair.clone()),
            None => inboxes_of(db, settings, &actor).await,
        };
        match found {
            Ok((inbox, shared_inbox)) => {
                inboxes.insert(if shared { shared_inbox.unwrap_or(inbox) } else { inbox });
            }
            Err(error) => tracing::warn!(%actor, %error, "publish: no inbox for a recipient"),
        }
    }
    // Hosts that keep failing get nothing (Pleroma's `Instances.filter_reachable`).
    let hosts: Vec<String> = inboxes.iter().map(|i| host(i)).collect::<BTreeSet<_>>().into_iter().collect();
    let skipped = skipped_hosts(&db.read, settings, &hosts).await.map_err(fail)?;
    let mut reachable_inboxes = Vec::new();
    for inbox in inboxes {
        if skipped.contains(&host(&inbox)) {
            tracing::info!(%inbox, "publish: skipping an unreachable host");
        } else {
            reachable_inboxes.push(inbox);
        }
    }
    // A public local status goes to the relay's audience too (Pleroma's `Relay.publish`).
    let public_create = matches!((&job.body, &job.signer), (Body::Create { .. }, SignedBy::User(_)))
        && activity["to"].as_array().is_some_and(|to| to.contains(&json!(PUBLIC)));
    let announce_it =
        public_create && settings.instance.allow_relay && has_relay_audience(&db.read).await.map_err(fail)?;
    let relay_announce = announce_it.then(|| {
        let object = activity["object"]["id"].as_str().unwrap_or_default();
        objects::relay_announce(settings, object, &activity["published"])
    });
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    let deliveries: Vec<FederationPublishOne> = reachable_inboxes
        .into_iter()
        .map(|inbox| FederationPublishOne { signer: job.signer.clone(), inbox, activity: activity.clone() })
        .collect();
    jobs::enqueue_many(&txn, &deliveries).await.map_err(|e| e.to_string())?;
    if let Some(announce) = relay_announce {
        let relay = FederationPublish {
            signer: SignedBy::Relay,
            body: Body::Activity { activity: announce },
            to: vec![],
            followers: true,
        };
        jobs::enqueue(&txn, &relay).await.map_err(|e| e.to_string())?;
    }
    txn.commit().await.map_err(|e| e.to_string())
}

/// One delivery (Pleroma's `publish_one`): answers 400, 403, 404 and 410 end it without a
/// retry; other failures are retried with backoff. Any failure marks the host unreachable
/// since now (unless it already was); a success clears the mark.
pub(super) async fn publish_one(db: &Db, settings: &Settings, job: &FederationPublishOne) -> Result<(), Failure> {
    let fail = |e: AppError| e.to_string();
    let host = host(&job.inbox);
    // One read of the host's mark serves the skip and the update after the answer.
    let marked = unreachable_since(&db.read, &host).await.map_err(fail)?;
    if !reachable_since(settings, marked) {
        tracing::info!(inbox = %job.inbox, "publish: skipping an unreachable host");
        return Ok(());
    }
    let Some((_, key, key_id)) = signing(db, settings, &job.signer).await.map_err(fail)? else {
        return Ok(()); // the signer is gone
    };
    match post_signed(settings, &key, &key_id, &job.inbox, &job.activity).await {
        Ok(status) if (200..300).contains(&status) => {
            if marked.is_some() {
                set_reachable(&db.write, &host).await.map_err(fail)?;
            }
            Ok(())
        }
        outcome => {
            if marked.is_none() {
                set_unreachable(&db.write, &host).await.map_err(fail)?;
            }
            match outcome {
                Ok(status @ (400 | 403 | 404 | 410)) => {
                    tracing::warn!(inbox = %job.inbox, status, "publish: refused, not retried");
                    Ok(())
                }
                Ok(status) => Err(format!("{}: HTTP {status}", job.inbox)),
                Err(error) => Err(error),
            }
        }
    }
}
