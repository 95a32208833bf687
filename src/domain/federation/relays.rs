//! Relay follows (Pleroma's `Relay`): the relay actor follows a relay with a signed `Follow`,
//! stops with a signed `Undo`, and the relay's `Accept` makes the follow `followed_back`.
//!
//! Following records the follow at once (`pending`) and queues a durable job that resolves the
//! relay's actor and delivers the `Follow`, retried with the queue's backoff while the relay is
//! unreachable; when the attempts run out the follow is `failed` with the last error.
use chrono::Utc;
use entity::relay_follow;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{deliver, fetch_document, LocalActor};
use crate::{
    config::Settings,
    db::Db,
    domain::job_kinds::JobContext,
    domain::moderation_log::{self, Action, Actor},
    error::AppError,
    jobs::{self, Attempt, Failure, Job, Queue},
};

/// The job that delivers the relay actor's `Follow` to a relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayFollow {
    /// The relay's actor URL.
    pub actor: String,
}

impl Job for RelayFollow {
    const NAME: &'static str = "relay_follow";
    const QUEUE: Queue = Queue::Federation;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, attempt: Attempt) -> Result<(), Failure> {
        deliver_follow(&ctx.db, &ctx.settings(), &self.actor, attempt).await
    }
}

/// The job that delivers the `Undo` of a relay follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayUndo {
    /// The relay's actor URL.
    pub actor: String,
    /// The id of the `Follow` undone.
    pub follow_id: String,
}

impl Job for RelayUndo {
    const NAME: &'static str = "relay_undo";
    const QUEUE: Queue = Queue::Federation;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        deliver_undo(&ctx.db, &ctx.settings(), &self.actor, &self.follow_id).await
    }
}

/// States of a relay follow.
pub mod state {
    pub const PENDING: &str = "pending";
    pub const ACCEPTED: &str = "accepted";
    pub const REJECTED: &str = "rejected";
    pub const FAILED: &str = "failed";
}

/// Every relay followed, by actor URL.
pub async fn list(db: &Db) -> Result<Vec<relay_follow::Model>, AppError> {
    Ok(relay_follow::Entity::find().order_by_asc(relay_follow::Column::Actor).all(&db.read).await?)
}

fn valid_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Follow the relay at `url`; following it again re-sends a `Follow` that was refused or failed.
pub async fn follow(db: &Db, base: &str, admin: &Actor, url: &str) -> Result<relay_follow::Model, AppError> {
    if !valid_url(url) {
        return Err(AppError::BadRequest(format!("{url} is not an http(s) URL")));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let existing = relay_follow::Entity::find().filter(relay_follow::Column::Actor.eq(url)).one(&txn).await?;
    let row = match existing {
        Some(row) if row.state == state::PENDING || row.state == state::ACCEPTED => row,
        Some(row) => {
            let mut active: relay_follow::ActiveModel = row.into();
            active.state = Set(state::PENDING.into());
            active.last_error = Set(None);
            active.updated_at = Set(now);
            let row = active.update(&txn).await?;
            jobs::enqueue(&txn, &RelayFollow { actor: url.to_string() }).await?;
            row
        }
        None => {
            let row = relay_follow::ActiveModel {
                actor: Set(url.to_string()),
                state: Set(state::PENDING.into()),
                last_error: Set(None),
                follow_id: Set(format!("{base}/activities/{}", crate::ids::flake_id())),
                inserted_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            jobs::enqueue(&txn, &RelayFollow { actor: url.to_string() }).await?;
            row
        }
    };
    moderation_log::record(&txn, admin, &Action::RelayFollow { target: url.to_string() }).await?;
    txn.commit().await?;
    Ok(row)
}

/// The inbox of a relay's actor document.
async fn resolve_inbox(db: &Db, settings: &Settings, actor: &str) -> Result<String, String> {
    let document = fetch_document(db, settings, actor).await.map_err(|e| e.to_string())?;
    document["endpoints"]["sharedInbox"]
        .as_str()
        .or(document["inbox"].as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{actor}: no inbox"))
}

/// Stop following `url`: the relay must be reachable unless `force`. The `Undo` goes out in a
/// job; the follow is gone at once.
pub async fn unfollow(db: &Db, settings: &Settings, admin: &Actor, url: &str, force: bool) -> Result<(), AppError> {
    let Some(row) = relay_follow::Entity::find().filter(relay_follow::Column::Actor.eq(url)).one(&db.read).await?
    else {
        return Err(AppError::NotFound(format!("not following {url}")));
    };
    if !force {
        resolve_inbox(db, settings, url).await.map_err(AppError::BadRequest)?;
    }
    let txn = db.begin().await?;
    relay_follow::Entity::delete_by_id(row.id).exec(&txn).await?;
    jobs::enqueue(&txn, &RelayUndo { actor: url.to_string(), follow_id: row.follow_id }).await?;
    moderation_log::record(&txn, admin, &Action::RelayUnfollow { target: url.to_string() }).await?;
    txn.commit().await?;
    Ok(())
}

fn follow_activity(base: &str, id: &str, relay: &str) -> Value {
    let actor = LocalActor::Relay.id(base);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Follow",
        "actor": actor,
        "object": relay,
        "to": [relay],
        "cc": ["https://www.w3.org/ns/activitystreams#Public"],
    })
}

/// Deliver the pending follow of `relay`; on the last failed attempt the follow is `failed`.
async fn deliver_follow(db: &Db, settings: &Settings, relay: &str, attempt: Attempt) -> Result<(), Failure> {
    let base = settings.instance_url.as_str();
    let Some(row) = relay_follow::Entity::find()
        .filter(relay_follow::Column::Actor.eq(relay))
        .one(&db.read)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(()); // unfollowed meanwhile
    };
    if row.state != state::PENDING {
        return Ok(());
    }
    let outcome = match resolve_inbox(db, settings, relay).await {
        Ok(inbox) => {
            let follow = follow_activity(base, &row.follow_id, relay);
            deliver(db, settings, LocalActor::Relay, &inbox, &follow).await
        }
        Err(err) => Err(err),
    };
    if let Err(err) = &outcome {
        let mut active: relay_follow::ActiveModel = row.into();
        if attempt.is_last() {
            active.state = Set(state::FAILED.into());
        }
        active.last_error = Set(Some(err.clone()));
        active.updated_at = Set(Utc::now());
        active.update(&db.write).await.map_err(|e| e.to_string())?;
    }
    outcome
}

/// Deliver the `Undo` of follow `follow_id` to `relay`.
async fn deliver_undo(db: &Db, settings: &Settings, relay: &str, follow_id: &str) -> Result<(), Failure> {
    let base = settings.instance_url.as_str();
    let inbox = resolve_inbox(db, settings, relay).await?;
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{base}/activities/{}", crate::ids::flake_id()),
        "type": "Undo",
        "actor": LocalActor::Relay.id(base),
        "object": follow_activity(base, follow_id, relay),
        "to": [relay],
    });
    deliver(db, settings, LocalActor::Relay, &inbox, &undo).await
}

/// Whether `actor` is a relay we follow (its `Accept`/`Reject` answers the relay follow).
pub async fn is_relay(db: &Db, actor: &str) -> Result<bool, AppError> {
    Ok(relay_follow::Entity::find().filter(relay_follow::Column::Actor.eq(actor)).one(&db.read).await?.is_some())
}

/// A relay answered our `Follow` (`object` is the follow, by id or embedded). An answer that
/// does not name our follow's id changes nothing.
pub async fn answered(db: &Db, relay: &str, object: &Value, accepted: bool) -> Result<(), AppError> {
    let Some(row) = relay_follow::Entity::find().filter(relay_follow::Column::Actor.eq(relay)).one(&db.read).await?
    else {
        return Ok(());
    };
    let follow_id = object.as_str().or_else(|| object["id"].as_str());
    if follow_id != Some(row.follow_id.as_str()) {
        return Ok(()); // no id, or an answer to another follow
    }
    let txn = db.write.begin().await?;
    let mut active: relay_follow::ActiveModel = row.into();
    active.state = Set(if accepted { state::ACCEPTED } else { state::REJECTED }.into());
    active.last_error = Set(None);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}
