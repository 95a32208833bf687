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
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use entity::{actor_inbox, follow, instance, media_attachment, mention, relay_follow, relay_follower, status, user};
use sea_orm::{sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{fetch_document, local_key, post_signed, relays, user_document, user_key, LocalActor};
use crate::{
    config::Settings,
    db::Db,
    domain::{job_kinds::JobContext, mrf},
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
    let body = Body::Delete { object: status.ap_id.clone(), to };
    enqueue(conn, FederationPublish { signer: SignedBy::User(author.id), body, to: mentioned, followers }).await
}

/// Whether `user_id` has a remote follower.
async fn has_remote_followers<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<bool, AppError> {
    let remote = sea_orm::sea_query::Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::Local.eq(false))
        .to_owned();
    Ok(follow::Entity::find()
        .filter(follow::Column::FollowingId.eq(user_id))
        .filter(follow::Column::FollowerId.in_subquery(remote))
        .one(conn)
        .await?
        .is_some())
}

/// Whether any of the users `ids` is remote.
async fn any_remote<C: ConnectionTrait>(conn: &C, ids: &[String]) -> Result<bool, AppError> {
    if ids.is_empty() {
        return Ok(false);
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .filter(user::Column::Local.eq(false))
        .one(conn)
        .await?
        .is_some())
}

/// Whether the relay actor has an audience.
async fn has_relay_audience<C: ConnectionTrait>(conn: &C) -> Result<bool, AppError> {
    if relay_follower::Entity::find().one(conn).await?.is_some() {
        return Ok(true);
    }
    Ok(relay_follow::Entity::find()
        .filter(relay_follow::Column::State.eq(relays::state::ACCEPTED))
        .one(conn)
        .await?
        .is_some())
}

/// Publish a relationship change of the local user `actor` with the remote `target`.
pub async fn relation<C: ConnectionTrait>(
    conn: &C,
    actor: &user::Model,
    target: &user::Model,
    kind: RelationKind,
) -> Result<(), AppError> {
    if !actor.local || target.local {
        return Ok(());
    }
    let body = Body::Relation { kind, target: target.ap_id.clone() };
    enqueue(conn, FederationPublish { signer: SignedBy::User(actor.id.clone()), body, to: vec![], followers: false })
        .await
}

/// Publish the local user `actor`'s like or announce (or its undo) of the remote status
/// `status` to its author (and, for announces, to the actor's remote followers).
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
    let followers = matches!(kind, ReactionKind::Announce | ReactionKind::Unannounce);
    let body = Body::Reaction { kind, status_id: status.id.clone(), id };
    enqueue(conn, FederationPublish { signer: SignedBy::User(actor.id.clone()), body, to: vec![], followers }).await
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
        enqueue(
            conn,
            FederationPublish { signer: SignedBy::User(local.id), body: Body::DeleteActor, to, followers: false },
        )
        .await?;
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

// ---- Reachability (Pleroma's `Instances`) ------------------------------------------------------

/// The host of an inbox or actor URL.
pub fn host(url: &str) -> String {
    mrf::host_of(url)
}

/// Before this, an `unreachable_since` means the host is skipped; `None` when hosts are never
/// skipped (a timeout of 0 days).
fn threshold(settings: &Settings) -> Option<DateTime<Utc>> {
    let days = settings.limits.federation_reachability_timeout_days;
    (days > 0).then(|| Utc::now() - Duration::days(days as i64))
}

/// Since when `host` has failed, if it has.
pub async fn unreachable_since<C: ConnectionTrait>(conn: &C, host: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(instance::Entity::find_by_id(host).one(conn).await?.and_then(|row| row.unreachable_since))
}

/// Whether deliveries go to `host` (Pleroma's `Instances.reachable?`).
pub async fn reachable<C: ConnectionTrait>(conn: &C, settings: &Settings, host: &str) -> Result<bool, AppError> {
    Ok(match (unreachable_since(conn, host).await?, threshold(settings)) {
        (Some(since), Some(limit)) => since > limit,
        _ => true,
    })
}

/// A delivery to `host` succeeded.
pub async fn set_reachable<C: ConnectionTrait>(conn: &C, host: &str) -> Result<(), AppError> {
    let row = instance::ActiveModel {
        host: Set(host.into()),
        unreachable_since: Set(None),
        updated_at: Set(Utc::now()),
        inserted_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    instance::Entity::insert(row)
        .on_conflict(
            OnConflict::column(instance::Column::Host)
                .update_columns([instance::Column::UnreachableSince, instance::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A delivery to `host` failed: marked unreachable since now, unless it already was.
pub async fn set_unreachable<C: ConnectionTrait>(conn: &C, host: &str) -> Result<(), AppError> {
    let now = Utc::now();
    let row = instance::ActiveModel {
        host: Set(host.into()),
        unreachable_since: Set(Some(now)),
        updated_at: Set(now),
        inserted_at: Set(Some(now)),
        ..Default::default()
    };
    instance::Entity::insert(row)
        .on_conflict(OnConflict::column(instance::Column::Host).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await
        .map(|_| ())
        .or_else(|e| match e {
            sea_orm::DbErr::RecordNotInserted => Ok(()),
            other => Err(other),
        })?;
    instance::Entity::update_many()
        .col_expr(instance::Column::UnreachableSince, sea_orm::sea_query::Expr::value(Some(now)))
        .col_expr(instance::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(instance::Column::Host.eq(host))
        .filter(instance::Column::UnreachableSince.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

// ---- Recipients ---------------------------------------------------------------------------------

/// Ap ids of the remote users mentioned in `status_id`.
async fn remote_mentions<C: ConnectionTrait>(conn: &C, status_id: &str) -> Result<Vec<String>, AppError> {
    let ids: Vec<String> = mention::Entity::find()
        .select_only()
        .column(mention::Column::UserId)
        .filter(mention::Column::StatusId.eq(status_id))
        .into_tuple()
        .all(conn)
        .await?;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::ApId)
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Local.eq(false))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Ap ids of `user_id`'s remote followers (Pleroma's `get_external_followers`).
async fn remote_followers<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<Vec<String>, AppError> {
    let ids: Vec<String> = follow::Entity::find()
        .select_only()
        .column(follow::Column::FollowerId)
        .filter(follow::Column::FollowingId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<String> = user::Entity::find()
            .select_only()
            .column(user::Column::ApId)
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .filter(user::Column::Local.eq(false))
            .filter(user::Column::IsActive.eq(true))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// The relay actor's audience: its followers and the relays that accepted its follow.
async fn relay_audience(db: &Db) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> =
        relay_follower::Entity::find().all(&db.read).await?.into_iter().map(|r| r.actor).collect();
    let followed = relay_follow::Entity::find()
        .filter(relay_follow::Column::State.eq(relays::state::ACCEPTED))
        .all(&db.read)
        .await?;
    out.extend(followed.into_iter().map(|r| r.actor));
    Ok(out)
}

/// Remember where `document`'s actor takes deliveries.
pub async fn remember_inbox<C: ConnectionTrait>(conn: &C, document: &Value) -> Result<(), AppError> {
    let (Some(ap_id), Some(inbox)) = (document["id"].as_str(), document["inbox"].as_str()) else { return Ok(()) };
    let row = actor_inbox::ActiveModel {
        ap_id: Set(ap_id.to_string()),
        inbox: Set(inbox.to_string()),
        shared_inbox: Set(document["endpoints"]["sharedInbox"].as_str().map(str::to_string)),
        updated_at: Set(Utc::now()),
    };
    actor_inbox::Entity::insert(row)
        .on_conflict(
            OnConflict::column(actor_inbox::Column::ApId)
                .update_columns([
                    actor_inbox::Column::Inbox,
                    actor_inbox::Column::SharedInbox,
                    actor_inbox::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// `(inbox, shared inbox)` of the actor `ap_id`: remembered, or from its document.
async fn inboxes_of(db: &Db, settings: &Settings, ap_id: &str) -> Result<(String, Option<String>), String> {
    if let Some(row) = actor_inbox::Entity::find_by_id(ap_id).one(&db.read).await.map_err(|e| e.to_string())? {
        return Ok((row.inbox, row.shared_inbox));
    }
    let document = fetch_document(db, settings, ap_id).await.map_err(|e| e.to_string())?;
    if document["id"].as_str() != Some(ap_id) {
        return Err(format!("{ap_id} answered with another id"));
    }
    remember_inbox(&db.write, &document).await.map_err(|e| e.to_string())?;
    let inbox = document["inbox"].as_str().ok_or_else(|| format!("{ap_id}: no inbox"))?;
    Ok((inbox.to_string(), document["endpoints"]["sharedInbox"].as_str().map(str::to_string)))
}

/// Pleroma's `determine_inbox`: the shared inbox for a `Delete`, a public activity or one
/// addressed to several.
fn wants_shared_inbox(activity: &Value) -> bool {
    let list = |field: &str| -> Vec<String> {
        match &activity[field] {
            Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
            Value::String(s) => vec![s.clone()],
            _ => vec![],
        }
    };
    let (to, cc) = (list("to"), list("cc"));
    activity["type"] == "Delete" || to.iter().chain(&cc).any(|a| a == PUBLIC) || to.len() + cc.len() > 1
}

// ---- Activities ---------------------------------------------------------------------------------

fn activity_id(settings: &Settings) -> String {
    format!("{}/activities/{}", settings.instance_url, crate::ids::flake_id())
}

fn media_url(settings: &Settings, media: &media_attachment::Model) -> String {
    if let Some(remote) = &media.remote_url {
        return remote.clone();
    }
    match settings.upload.base_url.as_deref() {
        Some(base) => format!("{}/{}", base.trim_end_matches('/'), media.file_name),
        None => format!("{}/media/{}", settings.instance_url, media.file_name),
    }
}

/// The `Create` of a local status and the remote actors it mentions (Pleroma's `Note` and
/// `get_to_and_cc`); `None` when the status is gone.
async fn create_activity(
    db: &Db,
    settings: &Settings,
    status_id: &str,
) -> Result<Option<(Value, Vec<String>)>, AppError> {
    let Some(status) = status::Entity::find_by_id(status_id).one(&db.read).await? else { return Ok(None) };
    let Some(author) = user::Entity::find_by_id(status.user_id.as_str()).one(&db.read).await? else { return Ok(None) };
    let mentioned_ids: Vec<String> = mention::Entity::find()
        .select_only()
        .column(mention::Column::UserId)
        .filter(mention::Column::StatusId.eq(status_id))
        .into_tuple()
        .all(&db.read)
        .await?;
    let mentioned = if mentioned_ids.is_empty() {
        vec![]
    } else {
        user::Entity::find().filter(user::Column::Id.is_in(mentioned_ids)).all(&db.read).await?
    };
    let media =
        media_attachment::Entity::find().filter(media_attachment::Column::StatusId.eq(status_id)).all(&db.read).await?;
    let parent = match &status.in_reply_to_id {
        Some(id) => status::Entity::find_by_id(id.as_str()).one(&db.read).await?.map(|p| p.ap_id),
        None => None,
    };
    let mention_ids: Vec<String> = mentioned.iter().map(|u| u.ap_id.clone()).collect();
    let followers = format!("{}/followers", author.ap_id);
    let (to, cc): (Vec<String>, Vec<String>) = match status.visibility.as_str() {
        "public" => ([vec![PUBLIC.to_string()], mention_ids.clone()].concat(), vec![followers]),
        "unlisted" => ([vec![followers], mention_ids.clone()].concat(), vec![PUBLIC.to_string()]),
        "private" => ([vec![followers], mention_ids.clone()].concat(), vec![]),
        _ => (mention_ids.clone(), vec![]),
    };
    let host = settings.host();
    let tags: Vec<Value> = mentioned
        .iter()
        .map(|u| {
            let name = if u.local { format!("@{}@{host}", u.nickname) } else { format!("@{}", u.nickname) };
            json!({"type": "Mention", "href": u.ap_id, "name": name})
        })
        .collect();
    let attachments: Vec<Value> = media
        .iter()
        .map(|m| {
            json!({
                "type": "Document",
                "mediaType": m.content_type,
                "url": media_url(settings, m),
                "name": m.description.clone().unwrap_or_default(),
            })
        })
        .collect();
    let published = status.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let note = json!({
        "id": status.ap_id,
        "type": "Note",
        "actor": author.ap_id,
        "attributedTo": author.ap_id,
        "content": status.content,
        "summary": status.spoiler_text,
        "sensitive": status.sensitive,
        "published": published,
        "context": status.context,
        "conversation": status.context,
        "inReplyTo": parent,
        "to": to,
        "cc": cc,
        "tag": tags,
        "attachment": attachments,
        "source": {"content": status.source.clone().unwrap_or_default(), "mediaType": status.content_type},
    });
    let activity = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": format!("{}/activity", status.ap_id),
        "type": "Create",
        "actor": author.ap_id,
        "published": published,
        "context": status.context,
        "to": to,
        "cc": cc,
        "object": note,
    });
    let remote: Vec<String> = mentioned.iter().filter(|u| !u.local).map(|u| u.ap_id.clone()).collect();
    Ok(Some((activity, remote)))
}

/// The signer's actor id, key and key id; `None` when a user signer is gone.
async fn signing(
    db: &Db,
    settings: &Settings,
    signer: &SignedBy,
) -> Result<Option<(String, rsa::RsaPrivateKey, String)>, AppError> {
    let base = settings.instance_url.as_str();
    Ok(match signer {
        SignedBy::User(id) => match user::Entity::find_by_id(id.as_str()).one(&db.read).await? {
            Some(user) => {
                let (key, key_id) = user_key(db, &user).await?;
                Some((user.ap_id, key, key_id))
            }
            None => None,
        },
        SignedBy::Relay => {
            let (key, key_id) = local_key(db, base, LocalActor::Relay).await?;
            Some((LocalActor::Relay.id(base), key, key_id))
        }
        SignedBy::Internal => {
            let (key, key_id) = local_key(db, base, LocalActor::Internal).await?;
            Some((LocalActor::Internal.id(base), key, key_id))
        }
    })
}

fn envelope(mut activity: Value) -> Value {
    if activity["@context"].is_null() {
        activity["@context"] = json!("https://www.w3.org/ns/activitystreams");
    }
    activity
}

/// The activity of `job` and the actors it names; `None` when there is nothing to send.
async fn build(
    db: &Db,
    settings: &Settings,
    job: &FederationPublish,
) -> Result<Option<(Value, Vec<String>)>, AppError> {
    let actor = match &job.signer {
        SignedBy::User(id) => match user::Entity::find_by_id(id.as_str()).one(&db.read).await? {
            Some(user) => user,
            None => return Ok(None),
        },
        _ => {
            return Ok(match &job.body {
                Body::Activity { activity } => Some((activity.clone(), vec![])),
                _ => None,
            })
        }
    };
    let id = activity_id(settings);
    let followers = format!("{}/followers", actor.ap_id);
    Ok(Some(match &job.body {
        Body::Create { status_id } => match create_activity(db, settings, status_id).await? {
            Some(built) => built,
            None => return Ok(None),
        },
        Body::Delete { object, to } => (
            envelope(json!({
                "id": id, "type": "Delete", "actor": actor.ap_id,
                "object": {"id": object, "type": "Tombstone"}, "to": to,
            })),
            vec![],
        ),
        Body::Relation { kind, target } => {
            let (inner_type, undo) = match kind {
                RelationKind::Follow => ("Follow", false),
                RelationKind::Unfollow => ("Follow", true),
                RelationKind::Block => ("Block", false),
                RelationKind::Unblock => ("Block", true),
            };
            let inner = json!({
                "id": if undo { activity_id(settings) } else { id.clone() },
                "type": inner_type, "actor": actor.ap_id, "object": target, "to": [target],
            });
            let activity = if undo {
                json!({"id": id, "type": "Undo", "actor": actor.ap_id, "object": inner, "to": [target]})
            } else {
                inner
            };
            (envelope(activity), vec![target.clone()])
        }
        Body::Profile => {
            let mut document = user_document(db, &settings.instance_url, &actor).await?;
            if let Some(map) = document.as_object_mut() {
                map.remove("@context");
            }
            let activity = json!({
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": id, "type": "Update", "actor": actor.ap_id, "object": document,
                "to": [PUBLIC, followers], "cc": [],
            });
            (activity, vec![])
        }
        Body::DeleteActor => (
            envelope(json!({"id": format!("{}#delete", actor.ap_id), "type": "Delete", "actor": actor.ap_id,
                "object": actor.ap_id, "to": [followers]})),
            vec![],
        ),
        Body::Reaction { kind, status_id, id: given } => {
            let Some(target) = status::Entity::find_by_id(status_id.as_str()).one(&db.read).await? else {
                return Ok(None);
            };
            let Some(author) = user::Entity::find_by_id(target.user_id.as_str()).one(&db.read).await? else {
                return Ok(None);
            };
            let (inner_type, undo) = match kind {
                ReactionKind::Like => ("Like", false),
                ReactionKind::Unlike => ("Like", true),
                ReactionKind::Announce => ("Announce", false),
                ReactionKind::Unannounce => ("Announce", true),
            };
            let (to, cc) = if inner_type == "Announce" {
                (vec![followers.clone(), author.ap_id.clone(), PUBLIC.to_string()], vec![])
            } else {
                (vec![author.ap_id.clone()], vec![followers.clone()])
            };
            let inner = json!({
                "id": given.clone().unwrap_or_else(|| activity_id(settings)),
                "type": inner_type, "actor": actor.ap_id, "object": target.ap_id, "to": to, "cc": cc,
            });
            let activity = if undo {
                json!({"id": id, "type": "Undo", "actor": actor.ap_id, "object": inner, "to": to, "cc": cc})
            } else {
                inner
            };
            (envelope(activity), vec![author.ap_id])
        }
        Body::Activity { activity } => (activity.clone(), vec![]),
    }))
}

/// The fan-out: see the module documentation.
async fn fan_out(db: &Db, settings: &Settings, job: &FederationPublish) -> Result<(), Failure> {
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
    let mut inboxes = BTreeSet::new();
    for actor in actors.into_iter().filter(|a| !a.starts_with(&own) && a != PUBLIC) {
        if !seen.insert(actor.clone()) {
            continue;
        }
        match inboxes_of(db, settings, &actor).await {
            Ok((inbox, shared_inbox)) => {
                inboxes.insert(if shared { shared_inbox.unwrap_or(inbox) } else { inbox });
            }
            Err(error) => tracing::warn!(%actor, %error, "publish: no inbox for a recipient"),
        }
    }
    // Hosts that keep failing get nothing (Pleroma's `Instances.filter_reachable`).
    let mut reachable_inboxes = Vec::new();
    for inbox in inboxes {
        if reachable(&db.read, settings, &host(&inbox)).await.map_err(fail)? {
            reachable_inboxes.push(inbox);
        } else {
            tracing::info!(%inbox, "publish: skipping an unreachable host");
        }
    }
    // A public local status goes to the relay's audience too (Pleroma's `Relay.publish`).
    let public_create = matches!((&job.body, &job.signer), (Body::Create { .. }, SignedBy::User(_)))
        && activity["to"].as_array().is_some_and(|to| to.contains(&json!(PUBLIC)));
    let announce_it =
        public_create && settings.instance.allow_relay && has_relay_audience(&db.read).await.map_err(fail)?;
    let relay_announce = announce_it.then(|| {
        let relay = LocalActor::Relay.id(&settings.instance_url);
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/relay-announce", activity["object"]["id"].as_str().unwrap_or_default()),
            "type": "Announce",
            "actor": relay,
            "object": activity["object"]["id"],
            "published": activity["published"],
            "to": [format!("{relay}/followers")],
            "cc": [],
        })
    });
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    for inbox in reachable_inboxes {
        let one = FederationPublishOne { signer: job.signer.clone(), inbox, activity: activity.clone() };
        jobs::enqueue(&txn, &one).await.map_err(|e| e.to_string())?;
    }
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
async fn publish_one(db: &Db, settings: &Settings, job: &FederationPublishOne) -> Result<(), Failure> {
    let fail = |e: AppError| e.to_string();
    let host = host(&job.inbox);
    if !reachable(&db.read, settings, &host).await.map_err(fail)? {
        tracing::info!(inbox = %job.inbox, "publish: skipping an unreachable host");
        return Ok(());
    }
    let Some((_, key, key_id)) = signing(db, settings, &job.signer).await.map_err(fail)? else {
        return Ok(()); // the signer is gone
    };
    let marked = unreachable_since(&db.read, &host).await.map_err(fail)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_inboxes_for_public_deletes_and_several_recipients() {
        assert!(wants_shared_inbox(&json!({"type": "Create", "to": [PUBLIC]})));
        assert!(wants_shared_inbox(&json!({"type": "Delete", "to": ["a"]})));
        assert!(wants_shared_inbox(&json!({"type": "Create", "to": ["a"], "cc": ["b"]})));
        assert!(!wants_shared_inbox(&json!({"type": "Follow", "to": ["a"]})));
        assert!(!wants_shared_inbox(&json!({"type": "Create", "to": "a"})));
    }
}
