//! Activities a local user sends back in answer to an inbound one (the `Accept` or `Reject` of
//! a remote follow), delivered by a durable job: the recipient's inbox is resolved from its
//! actor document when the job runs, and a failed delivery is retried with the queue's backoff.
//! All job code of inbound federation is here (one kind, [`FederationDeliver`]).
use entity::user;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{deliver_signed, fetch_document, user_key};
use crate::{
    config::Settings,
    db::Db,
    domain::job_kinds::JobContext,
    error::AppError,
    jobs::{self, Attempt, Failure, Job, Queue},
};

/// The job: `activity`, signed by the local user `user_id`, for the inbox of the actor `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FederationDeliver {
    /// The local user who signs it.
    pub user_id: String,
    /// The recipient actor's id.
    pub to: String,
    /// The activity delivered as is.
    pub activity: Value,
}

impl Job for FederationDeliver {
    const NAME: &'static str = "federation_deliver";
    const QUEUE: Queue = Queue::Federation;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        perform(&ctx.db, &ctx.settings(), &self).await
    }
}

/// Queue `activity`, signed by the local user `user_id`, for the inbox of the actor `to`.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, user_id: &str, to: &str, activity: Value) -> Result<(), AppError> {
    jobs::enqueue(conn, &FederationDeliver { user_id: user_id.into(), to: to.into(), activity }).await?;
    Ok(())
}

/// The inbox of the actor `ap_id` (its shared inbox when it has one).
pub async fn inbox_of(db: &Db, settings: &Settings, ap_id: &str) -> Result<String, String> {
    let document = fetch_document(db, settings, ap_id).await.map_err(|e| e.to_string())?;
    document["endpoints"]["sharedInbox"]
        .as_str()
        .or(document["inbox"].as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{ap_id}: no inbox"))
}

/// Deliver once; `Err` is a failed attempt.
async fn perform(db: &Db, settings: &Settings, job: &FederationDeliver) -> Result<(), Failure> {
    let Some(sender) = user::Entity::find_by_id(&job.user_id).one(&db.read).await.map_err(|e| e.to_string())? else {
        return Ok(()); // deleted meanwhile: nothing to sign with
    };
    let (key, key_id) = user_key(db, &sender).await.map_err(|e| e.to_string())?;
    let inbox = inbox_of(db, settings, &job.to).await?;
    deliver_signed(settings, &key, &key_id, &inbox, &job.activity).await
}
