//! Activities a local user sends back in answer to an inbound one (the `Accept` or `Reject` of
//! a remote follow), delivered by a durable job: the recipient's inbox is resolved from its
//! actor document when the job runs, and a failed delivery is retried with the queue's backoff.
//! All job code of inbound federation is here (one kind, [`DELIVER_JOB`]).
use entity::user;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{json, Value};

use super::{deliver_signed, fetch_document, user_key};
use crate::{config::Settings, db::Db, error::AppError, jobs};

/// The job kind: `{"user_id", "to", "activity"}`.
pub const DELIVER_JOB: &str = "federation_deliver";

/// Queue `activity`, signed by the local user `user_id`, for the inbox of the actor `to`.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, user_id: &str, to: &str, activity: Value) -> Result<(), AppError> {
    jobs::enqueue(conn, DELIVER_JOB, json!({ "user_id": user_id, "to": to, "activity": activity })).await?;
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

/// Run a [`DELIVER_JOB`]; `Err` is a failed attempt.
pub async fn perform(db: &Db, settings: &Settings, job: &entity::job::Model) -> Result<(), String> {
    let user_id = job.args["user_id"].as_str().unwrap_or_default();
    let to = job.args["to"].as_str().ok_or("no recipient")?;
    let Some(sender) = user::Entity::find_by_id(user_id).one(&db.read).await.map_err(|e| e.to_string())? else {
        return Ok(()); // deleted meanwhile: nothing to sign with
    };
    let (key, key_id) = user_key(db, &sender).await.map_err(|e| e.to_string())?;
    let inbox = inbox_of(db, settings, to).await?;
    deliver_signed(settings, &key, &key_id, &inbox, &job.args["activity"]).await
}
