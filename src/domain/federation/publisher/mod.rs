//! Outbound federation (Pleroma's `Publisher`, `Federator.publish` and `Instances`): a local
//! activity is published by a durable [`FederationPublish`] job, enqueued in the transaction of
//! the change it federates. When it runs, the job builds the activity from what committed,
//! gathers its remote recipients — the actors it addresses (mentions, a follow's or block's
//! target, a reported account) and, when it goes to followers, the author's remote followers —
//! resolves their inboxes (a shared inbox when the activity is public, a `Delete`, or addressed
//! to several, as Pleroma's `determine_inbox`), drops duplicates and hosts that are not
//! [`reachable`], and enqueues one [`FederationPublishOne`] per inbox, all in one transaction.
//!
//! Each [`FederationPublishOne`] POSTs the signed activity to its inbox, retried with the
//! queue's backoff; a failure marks the host `unreachable_since` (unless already marked), a
//! success clears it (Pleroma's `publish_one`). A host unreachable for longer than
//! `:instance, :federation_reachability_timeout_days` gets nothing until it answers again (any
//! activity it sends clears the mark, see `actors::seen_host`).
//!
//! A public local status is also announced by the relay actor to its followers and to the
//! relays it follows (Pleroma's `Relay.publish`).
mod activities;
mod delivery;
mod reachability;
mod recipients;

use chrono::Utc;
use entity::{relay_follower, status, user};
use sea_orm::{sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use self::{
    delivery::{fan_out, publish_one},
    recipients::{any_remote, has_relay_audience, has_remote_followers, remote_followers, remote_mentions},
};
pub use self::{
    reachability::{host, reachable, set_reachable, set_unreachable, unreachable_since},
    recipients::remember_inbox,
};
use super::{kept, LocalActor};
use crate::{
    config::Settings,
    db::Db,
    domain::job_kinds::JobContext,
    error::AppError,
    jobs::{self, Attempt, Failure, Job, Queue},
};

/// `https://www.w3.org/ns/activitystreams#Public`.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Who signs an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedBy {
    /// A local user, by id.
    User(String),
    /// The relay actor (`/relay`).
    Relay,
    /// The instance actor (`/internal/fetch`), which forwards reports.
    Internal,
}

/// What is published; activities are built when the job runs, from what committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// The `Create` of a local status.
    Create { status_id: String },
    /// The `Delete` of a local status (gone by then: its id and addressing are kept).
    Delete { object: String, to: Vec<String> },
    /// `Follow`, `Block`, or the `Undo` of one, of the remote actor `target`.
    Relation { kind: RelationKind, target: String },
    /// The `Update` of the signer's profile.
    Profile,
    /// The `Delete` of the signer's account.
    DeleteActor,
    /// A `Like` or `Announce` of a remote status, or its `Undo`; `id` is the announce's (its
    /// reblog's ap_id).
    Reaction { kind: ReactionKind, status_id: String, id: Option<String> },
    /// An activity made beforehand (a forwarded `Flag`, the relay's `Accept`).
    Activity { activity: Value },
}

/// The relationship activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    Follow,
    Unfollow,
    Block,
    Unblock,
}

/// Likes and announces of remote statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReactionKind {
    Like,
    Unlike,
    Announce,
    Unannounce,
}

/// The fan-out job: build the activity and enqueue a delivery per inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FederationPublish {
    pub signer: SignedBy,
    pub body: Body,
    /// Remote actors it goes to besides those the body names.
    #[serde(default)]
    pub to: Vec<String>,
    /// Also to the signer's followers (remote followers of a user; for the relay actor, its
    /// followers and the relays it follows).
    #[serde(default)]
    pub followers: bool,
}

impl Job for FederationPublish {
    const NAME: &'static str = "federation_publish";
    const QUEUE: Queue = Queue::Federation;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        fan_out(&ctx.db, &ctx.settings(), &self).await
    }
}

/// One delivery: `activity`, signed by `signer`, to `inbox` (Pleroma's `publish_one`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FederationPublishOne {
    pub signer: SignedBy,
    pub inbox: String,
    pub activity: Value,
}

impl Job for FederationPublishOne {
    const NAME: &'static str = "federation_publish_one";
    const QUEUE: Queue = Queue::Federation;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        publish_one(&ctx.db, &ctx.settings(), &self).await
    }
}

// ---- Enqueueing (in the caller's transaction) ---------------------------------------------------

async fn enqueue<C: ConnectionTrait>(conn: &C, job: FederationPublish) -> Result<(), AppError> {
    jobs::enqueue(conn, &job).await?;
    Ok(())
}

/// Publish the `Create` of the local status `status` (its author's followers, its mentions),
/// when it has a remote audience: remote followers, remote mentions, or, public, the relay's.
pub async fn status_created<C: ConnectionTrait>(
    conn: &C,
    status: &status::Model,
    mentioned: &[String],
) -> Result<(), AppError> {
    let followers = status.visibility != "direct";
    let audience = (followers && has_remote_followers(conn, &status.user_id).await?)
        || any_remote(conn, mentioned).await?
        || (status.visibility == "public" && has_relay_audience(conn).await?);
    if !audience {
        return Ok(());
    }
    let body = Body::Create { status_id: status.id.clone() };
    enqueue(conn, FederationPublish { signer: SignedBy::User(status.user_id.clone()), body, to: vec![], followers })
        .await
}

/// Publish the `Delete` of the local status `status`, before its mentions are gone.
pub async fn status_deleted<C: ConnectionTrait>(conn: &C, status: &status::Model) -> Result<(), AppError> {
    let mentioned = remote_mentions(conn, &status.id).await?;
    let followers = status.visibility != "direct" && has_remote_followers(conn, &status.user_id).await?;
    if mentioned.is_empty() && !followers {
        return Ok(());
    }
    let author = user::Entity::find_by_id(status.user_id.as_str()).one(conn).await?;
    let Some(author) = author else { return Ok(()) };
    let mut to: Vec<String> = mentioned.clone();
    if status.visibility != "direct" {
        to.push(format!("{}/followers", author.ap_id));
        to.push(PUBLIC.to_string());
    }
    let (flake, id) = kept::new_id(&author);
    let activity = kept::with_context(json!({
        "id": id, "type": "Delete", "actor": author.ap_id,
        "object": {"id": status.ap_id, "type": "Tombstone"}, "to": to,
    }));
    send_kept(conn, &author, &flake, activity, mentioned, followers).await
}

/// Keep `activity` (its id made by [`kept::new_id`] as `flake`) and publish it, signed by the
/// local `actor`, to the remote actors `to` (and the actor's remote followers).
async fn send_kept<C: ConnectionTrait>(
    conn: &C,
    actor: &user::Model,
    flake: &str,
    activity: Value,
    to: Vec<String>,
    followers: bool,
) -> Result<(), AppError> {
    kept::keep(conn, flake, &activity, true).await?;
    let body = Body::Activity { activity };
    enqueue(conn, FederationPublish { signer: SignedBy::User(actor.id.clone()), body, to, followers }).await
}

/// Publish a relationship change of the local user `actor` with the remote `target`: a `Follow`
/// or `Block` with a kept id, or the `Undo` carrying the latest one kept.
pub async fn relation<C: ConnectionTrait>(
    conn: &C,
    actor: &user::Model,
    target: &user::Model,
    kind: RelationKind,
) -> Result<(), AppError> {
    if !actor.local || target.local {
        return Ok(());
    }
    let (inner, undo) = match kind {
        RelationKind::Follow => ("Follow", false),
        RelationKind::Unfollow => ("Follow", true),
        RelationKind::Block => ("Block", false),
        RelationKind::Unblock => ("Block", true),
    };
    let (flake, id) = kept::new_id(actor);
    let activity = if undo {
        let undone = match kept::latest(conn, &actor.ap_id, inner, &target.ap_id, None).await? {
            Some(undone) => undone,
            // Made before activities were kept: a new one stands for it.
            None => activities::relation(&kept::new_id(actor).1, inner, &actor.ap_id, &target.ap_id),
        };
        activities::undo(&id, &actor.ap_id, undone)
    } else {
        activities::relation(&id, inner, &actor.ap_id, &target.ap_id)
    };
    send_kept(conn, actor, &flake, activity, vec![target.ap_id.clone()], false).await
}

/// Publish the local user `actor`'s like or announce (or its undo) of the remote status
/// `status` to its author and, as Pleroma addresses them, to the actor's remote followers (an
/// announce; a like of a public or unlisted status). `id` is the announce's (its reblog's
/// ap_id); a like and an undo get a kept id, and the undo carries the like it undoes.
pub async fn reaction<C: ConnectionTrait>(
    conn: &C,
    actor: &user::Model,
    status: &status::Model,
    kind: ReactionKind,
    id: Option<String>,
) -> Result<(), AppError> {
    if !actor.local || status.local {
        return Ok(());
    }
    let Some(author) = user::Entity::find_by_id(status.user_id.as_str()).one(conn).await? else { return Ok(()) };
    let public = crate::domain::statuses::PUBLIC.contains(&status.visibility.as_str());
    let (flake, new) = kept::new_id(actor);
    let to = vec![author.ap_id.clone()];
    let activity = match kind {
        ReactionKind::Like => activities::like(&new, actor, status, &author),
        ReactionKind::Unlike => {
            let undone = match kept::latest(conn, &actor.ap_id, "Like", &status.ap_id, None).await? {
                Some(undone) => undone,
                None => activities::like(&kept::new_id(actor).1, actor, status, &author),
            };
            activities::undo(&new, &actor.ap_id, undone)
        }
        ReactionKind::Announce => {
            // Served by the reblog itself: not kept.
            let activity = activities::announce(&id.unwrap_or(new), actor, status, &author);
            let body = Body::Activity { activity };
            let job = FederationPublish { signer: SignedBy::User(actor.id.clone()), body, to, followers: true };
            return enqueue(conn, job).await;
        }
        ReactionKind::Unannounce => {
            let undone = activities::announce(&id.unwrap_or_else(|| kept::new_id(actor).1), actor, status, &author);
            activities::undo(&new, &actor.ap_id, undone)
        }
    };
    let followers = public || matches!(kind, ReactionKind::Unannounce);
    send_kept(conn, actor, &flake, activity, to, followers).await
}

/// Publish the local user `actor`'s emoji reaction `content` (a custom emoji's `url`) to the
/// remote status `status`, or its `Undo` carrying the reaction kept (Pleroma's `EmojiReact`).
pub async fn emoji_reaction<C: ConnectionTrait>(
    conn: &C,
    actor: &user::Model,
    status: &status::Model,
    content: &str,
    url: Option<&str>,
    undo: bool,
) -> Result<(), AppError> {
    if !actor.local || status.local {
        return Ok(());
    }
    let Some(author) = user::Entity::find_by_id(status.user_id.as_str()).one(conn).await? else { return Ok(()) };
    let public = crate::domain::statuses::PUBLIC.contains(&status.visibility.as_str());
    let (flake, id) = kept::new_id(actor);
    let activity = if undo {
        let undone = match kept::latest(conn, &actor.ap_id, "EmojiReact", &status.ap_id, Some(content)).await? {
            Some(undone) => undone,
            None => activities::emoji_react(&kept::new_id(actor).1, actor, status, &author, content, url),
        };
        activities::undo(&id, &actor.ap_id, undone)
    } else {
        activities::emoji_react(&id, actor, status, &author, content, url)
    };
    send_kept(conn, actor, &flake, activity, vec![author.ap_id.clone()], public).await
}

/// Publish the `Update` of the local user's profile to its remote followers, if any.
pub async fn profile_updated<C: ConnectionTrait>(conn: &C, user: &user::Model) -> Result<(), AppError> {
    if !user.local || !has_remote_followers(conn, &user.id).await? {
        return Ok(());
    }
    enqueue(
        conn,
        FederationPublish { signer: SignedBy::User(user.id.clone()), body: Body::Profile, to: vec![], followers: true },
    )
    .await
}

/// Publish the `Delete` of each local account among `user_ids` to its remote followers, read
/// now (the purge that follows removes the follows).
pub async fn actors_deleted<C: ConnectionTrait>(conn: &C, user_ids: &[String]) -> Result<(), AppError> {
    let locals = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids.to_vec()))
        .filter(user::Column::Local.eq(true))
        .all(conn)
        .await?;
    for local in locals {
        let to = remote_followers(conn, &local.id).await?;
        if to.is_empty() {
            continue;
        }
        // Pleroma's `Builder.delete` of a user: to its followers.
        let (flake, id) = kept::new_id(&local);
        let activity = kept::with_context(json!({
            "id": id, "type": "Delete", "actor": local.ap_id, "object": local.ap_id,
            "to": [format!("{}/followers", local.ap_id)],
        }));
        send_kept(conn, &local, &flake, activity, to, false).await?;
    }
    Ok(())
}

/// Forward a report to the reported remote account's instance: a `Flag` from the instance
/// actor naming the account and the reported statuses (Pleroma's `make_flag_data` with
/// `forward: true`, after `strip_report_status_data`).
pub async fn forward_report<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    ap_id: &str,
    account: &user::Model,
    statuses: &[String],
    content: Option<&str>,
) -> Result<(), AppError> {
    if account.local {
        return Ok(());
    }
    let mut objects = vec![account.ap_id.clone()];
    objects.extend(statuses.iter().cloned());
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": ap_id,
        "type": "Flag",
        "actor": LocalActor::Internal.id(&settings.instance_url),
        "content": content.unwrap_or_default(),
        "object": objects,
        "state": "open",
        "to": [],
        "cc": [account.ap_id],
    });
    let job = FederationPublish {
        signer: SignedBy::Internal,
        body: Body::Activity { activity },
        to: vec![account.ap_id.clone()],
        followers: false,
    };
    enqueue(conn, job).await
}

// ---- Relay followers ----------------------------------------------------------------------------

/// A relay or instance follows the relay actor: recorded, and the relay's `Accept` sent.
pub async fn relay_followed(db: &Db, settings: &Settings, follower: &str, follow: &Value) -> Result<(), AppError> {
    let follow_id = follow["id"].as_str().unwrap_or_default().to_string();
    let txn = db.begin().await?;
    let row = relay_follower::ActiveModel {
        actor: Set(follower.to_string()),
        follow_id: Set(follow_id.clone()),
        inserted_at: Set(Utc::now()),
    };
    relay_follower::Entity::insert(row)
        .on_conflict(
            OnConflict::column(relay_follower::Column::Actor)
                .update_column(relay_follower::Column::FollowId)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let relay = LocalActor::Relay.id(&settings.instance_url);
    let accept = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/{}", settings.instance_url, crate::ids::flake_id()),
        "type": "Accept",
        "actor": relay,
        "object": {"id": follow_id, "type": "Follow", "actor": follower, "object": relay},
        "to": [follower],
    });
    let job = FederationPublish {
        signer: SignedBy::Relay,
        body: Body::Activity { activity: accept },
        to: vec![follower.to_string()],
        followers: false,
    };
    enqueue(&txn, job).await?;
    txn.commit().await?;
    Ok(())
}

/// The follower stopped following the relay actor.
pub async fn relay_unfollowed(db: &Db, follower: &str) -> Result<(), AppError> {
    relay_follower::Entity::delete_by_id(follower).exec(&db.write).await?;
    Ok(())
}
