//! Remote polls (Pleroma's `Question` objects from other instances): an inbound `Create` or
//! `Update` of a `Question` stores its poll — options (`oneOf`, or `anyOf` for several
//! choices), its end (`endTime`, else `closed`) and its origin's counts (each option's
//! `replies.totalItems`, `votersCount`). Reading a remote poll that has not been fetched since it
//! closed asks for a [`PollRefresh`] at most every [`REFRESH_INTERVAL`] per poll (Pleroma's
//! `PollController.maybe_refresh_poll`, unique for 120 s), and its `poll_end` job asks for a last
//! one (Pleroma's `PollWorker`). A local vote in a remote poll goes to the poll's author as one
//! `Create` of a `Note` named after each chosen option (Pleroma's `Builder.answer`).
use chrono::{DateTime, Duration, Utc};
use entity::{poll, status, user};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    fetch_document,
    publisher::{Body, FederationPublish, SignedBy},
};
use crate::{
    config::Settings,
    db::Db,
    domain::{job_kinds::failure, job_kinds::JobContext, polls::PollEnd},
    error::AppError,
    jobs::{self, Attempt, Failure, Job, Queue},
};

/// A remote poll is fetched again at most this often.
pub const REFRESH_INTERVAL: Duration = Duration::seconds(120);

/// The job that fetches a remote poll again (Pleroma's `PollWorker` `refresh`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollRefresh {
    /// The poll's status.
    pub status_id: String,
}

impl Job for PollRefresh {
    const NAME: &'static str = "poll_refresh";
    const QUEUE: Queue = Queue::Federation;
    const MAX_ATTEMPTS: i32 = 3;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        refresh(&ctx.db, &ctx.settings(), &self.status_id).await.map_err(failure)
    }
}

/// A `Question`'s poll as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub options: Vec<String>,
    pub multiple: bool,
    pub expires_at: DateTime<Utc>,
    /// The origin's count per option.
    pub votes: Vec<u64>,
    pub voters: Option<u64>,
}

/// Read a `Question` object (`None` when it is not one or has fewer than two options).
pub fn parse(object: &Value) -> Option<Question> {
    if object["type"] != "Question" {
        return None;
    }
    let (items, multiple) = match (object["oneOf"].as_array(), object["anyOf"].as_array()) {
        (Some(items), _) if !items.is_empty() => (items, false),
        (_, Some(items)) => (items, true),
        _ => return None,
    };
    let options: Vec<String> = items.iter().filter_map(|o| o["name"].as_str().map(String::from)).collect();
    if options.len() < 2 || options.len() != items.len() {
        return None;
    }
    let votes = items.iter().map(|o| o["replies"]["totalItems"].as_u64().unwrap_or(0)).collect();
    let end = object["endTime"].as_str().or_else(|| object["closed"].as_str());
    let expires_at = end.and_then(|e| e.parse::<DateTime<Utc>>().ok())?;
    Some(Question { options, multiple, expires_at, votes, voters: object["votersCount"].as_u64() })
}

/// Store (or update) the poll of the remote status `status_id` from its `Question`; a new poll
/// that is still open gets its `poll_end` job.
pub async fn store<C: ConnectionTrait>(conn: &C, status_id: &str, question: &Question) -> Result<(), AppError> {
    let now = Utc::now();
    let existed = poll::Entity::find_by_id(status_id).one(conn).await?.is_some();
    let voters = question.voters.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    let row = poll::ActiveModel {
        status_id: Set(status_id.to_string()),
        options: Set(json!(question.options)),
        multiple: Set(question.multiple),
        expires_at: Set(question.expires_at),
        created_at: Set(now),
        remote_votes: Set(Some(json!(question.votes))),
        remote_voters: Set(voters),
        refreshed_at: Set(Some(now)),
        refresh_requested_at: Set(None),
    };
    poll::Entity::insert(row)
        .on_conflict(
            OnConflict::column(poll::Column::StatusId)
                .update_columns([
                    poll::Column::Options,
                    poll::Column::Multiple,
                    poll::Column::ExpiresAt,
                    poll::Column::RemoteVotes,
                    poll::Column::RemoteVoters,
                    poll::Column::RefreshedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if !existed && question.expires_at > now {
        jobs::enqueue_at(conn, &PollEnd { status_id: status_id.to_string() }, question.expires_at).await?;
    }
    Ok(())
}

/// Ask for a refresh of a remote poll being read, as Pleroma: only while it has not been
/// fetched since it closed, and at most once every [`REFRESH_INTERVAL`] (one conditional update
/// decides, so concurrent readers and processes enqueue one job).
pub async fn maybe_refresh(db: &Db, status: &status::Model, poll: &poll::Model) -> Result<bool, AppError> {
    if status.local || poll.refreshed_at.is_some_and(|at| at >= poll.expires_at) {
        return Ok(false);
    }
    request_refresh(db, &status.id).await
}

/// Enqueue a [`PollRefresh`] unless one was asked for less than [`REFRESH_INTERVAL`] ago.
pub async fn request_refresh(db: &Db, status_id: &str) -> Result<bool, AppError> {
    let now = Utc::now();
    let claimed = poll::Entity::update_many()
        .col_expr(poll::Column::RefreshRequestedAt, Expr::value(Some(now)))
        .filter(poll::Column::StatusId.eq(status_id))
        .filter(
            sea_orm::Condition::any()
                .add(poll::Column::RefreshRequestedAt.is_null())
                .add(poll::Column::RefreshRequestedAt.lte(now - REFRESH_INTERVAL)),
        )
        .exec(&db.write)
        .await?;
    if claimed.rows_affected == 1 {
        jobs::enqueue(&db.write, &PollRefresh { status_id: status_id.to_string() }).await?;
        return Ok(true);
    }
    Ok(false)
}

/// Fetch the poll's `Question` from its origin and store what it says now.
async fn refresh(db: &Db, settings: &Settings, status_id: &str) -> Result<(), AppError> {
    let Some(status) = status::Entity::find_by_id(status_id).one(&db.read).await? else { return Ok(()) };
    if status.local {
        return Ok(());
    }
    let object = fetch_document(db, settings, &status.ap_id).await.map_err(|e| AppError::internal(e.to_string()))?;
    if object["id"].as_str() != Some(status.ap_id.as_str()) {
        return Err(AppError::internal(format!("{} answered with another id", status.ap_id)));
    }
    match parse(&object) {
        Some(question) => store(&db.write, status_id, &question).await,
        None => {
            tracing::info!(ap_id = %status.ap_id, "poll refresh: the object is no longer a poll");
            Ok(())
        }
    }
}

/// A local vote in a remote poll, inside the vote's transaction: the origin's counts grow by it
/// (Pleroma's `Object.increase_vote_count`) and each chosen option goes to the poll's author.
pub async fn voted<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    voter: &user::Model,
    status: &status::Model,
    poll: &poll::Model,
    choices: &[i32],
) -> Result<(), AppError> {
    if status.local {
        return Ok(());
    }
    if let Some(Value::Array(counts)) = &poll.remote_votes {
        let mut counts: Vec<u64> = counts.iter().map(|c| c.as_u64().unwrap_or(0)).collect();
        for choice in choices {
            if let Some(slot) = usize::try_from(*choice).ok().and_then(|i| counts.get_mut(i)) {
                *slot += 1;
            }
        }
        poll::Entity::update_many()
            .col_expr(poll::Column::RemoteVotes, Expr::value(json!(counts)))
            .col_expr(poll::Column::RemoteVoters, Expr::value(poll.remote_voters.map(|v| v + 1)))
            .filter(poll::Column::StatusId.eq(poll.status_id.as_str()))
            .exec(conn)
            .await?;
    }
    let Some(author) = user::Entity::find_by_id(status.user_id.as_str()).one(conn).await? else { return Ok(()) };
    let titles = crate::domain::polls::titles(poll);
    for choice in choices {
        let Some(name) = usize::try_from(*choice).ok().and_then(|i| titles.get(i)) else { continue };
        let id = format!("{}/objects/{}", settings.instance_url, crate::ids::flake_id());
        let activity = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": format!("{}/activities/{}", settings.instance_url, crate::ids::flake_id()),
            "type": "Create",
            "actor": voter.ap_id,
            "to": [author.ap_id],
            "cc": [],
            "object": {
                "id": id,
                "type": "Note",
                "name": name,
                "inReplyTo": status.ap_id,
                "attributedTo": voter.ap_id,
                "to": [author.ap_id],
                "cc": [],
                "context": status.context,
            },
        });
        let job = FederationPublish {
            signer: SignedBy::User(voter.id.clone()),
            body: Body::Activity { activity },
            to: vec![author.ap_id.clone()],
            followers: false,
        };
        jobs::enqueue(conn, &job).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_become_polls() {
        let q = json!({
            "type": "Question", "endTime": "2026-12-20T10:00:00Z", "votersCount": 3,
            "anyOf": [{"name": "a", "replies": {"totalItems": 2}}, {"name": "b", "replies": {"totalItems": 1}}],
        });
        let poll = parse(&q).unwrap();
        assert!(poll.multiple);
        assert_eq!(poll.options, ["a", "b"]);
        assert_eq!(poll.votes, [2, 1]);
        assert_eq!(poll.voters, Some(3));
        assert!(parse(&json!({"type": "Note"})).is_none());
        assert!(
            parse(&json!({"type": "Question", "oneOf": [{"name": "a"}], "closed": "2026-12-20T10:00:00Z"})).is_none()
        );
    }
}
