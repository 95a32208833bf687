//! Polls (Pleroma's `Question` objects): made with a status (`CommonAPI.Utils.make_poll_data`,
//! limited by `:instance, :poll_limits`), voted on (`CommonAPI.vote`), counted for the views
//! (`PollView`), and closed by a durable job that notifies the author and the local voters
//! (`PollWorker`'s `poll_end`).
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{notification, poll, poll_vote, status, user};
use sea_orm::{
    sea_query::{Expr, Func},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    job_kinds::{failure, JobContext},
    IN_CHUNK,
};
use crate::{
    config::PollLimits,
    db::Db,
    error::{AppError, AppResult},
    jobs::{Attempt, Failure, Job, Queue},
};

/// The job that closes a poll (Pleroma's `PollWorker` `poll_end`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollEnd {
    /// The poll's status (a poll's id is its status's).
    pub status_id: String,
}

impl Job for PollEnd {
    const NAME: &'static str = "poll_end";
    const QUEUE: Queue = Queue::Default;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        perform_end(&ctx.db, &self.status_id).await.map_err(failure)
    }
}

/// Pleroma's refusals of a vote (422).
pub const AUTHOR_CANNOT_VOTE: &str = "Poll's author can't vote";
pub const ALREADY_VOTED: &str = "Already voted";
pub const INVALID_INDICES: &str = "Invalid indices";
pub const TOO_MANY_CHOICES: &str = "Too many choices";

/// A poll as its author asks for it (`poll[options][]`, `poll[expires_in]`, `poll[multiple]`;
/// `poll[hide_totals]` is accepted and, as in Pleroma, not applied).
#[derive(Debug, Clone, Default)]
pub struct NewPoll {
    pub options: Vec<String>,
    /// Seconds until it closes.
    pub expires_in: i64,
    pub multiple: bool,
}

/// Check a new poll against the instance's limits, in Pleroma's order (expiration, number of
/// options, their length); returns its options without repeats, as `Enum.uniq`.
pub fn validate(limits: &PollLimits, new: &NewPoll) -> AppResult<Vec<String>> {
    let mut options: Vec<String> = Vec::with_capacity(new.options.len());
    for option in &new.options {
        if !options.contains(option) {
            options.push(option.clone());
        }
    }
    let refuse = |message: String| Err(AppError::invalid("poll", &message));
    if new.expires_in > i64::try_from(limits.max_expiration).unwrap_or(i64::MAX) {
        return refuse("Expiration date is too far in the future".into());
    }
    if new.expires_in < i64::try_from(limits.min_expiration).unwrap_or(i64::MAX) {
        return refuse("Expiration date is too soon".into());
    }
    if options.len() < 2 {
        return refuse("Poll must contain at least 2 options".into());
    }
    if options.len() > limits.max_options {
        return refuse(format!("Poll can't contain more than {} options", limits.max_options));
    }
    if options.iter().any(|o| o.chars().count() > limits.max_option_chars) {
        return refuse(format!("Poll options cannot be longer than {} characters each", limits.max_option_chars));
    }
    Ok(options)
}

/// Store the poll of the new status `status_id` (options already [`validate`]d) inside the
/// caller's transaction, with the job that closes it (Pleroma schedules none for a poll that
/// is already closed).
pub async fn create_in<C: ConnectionTrait>(
    conn: &C,
    status_id: &str,
    options: Vec<String>,
    new: &NewPoll,
    now: DateTime<Utc>,
) -> AppResult<poll::Model> {
    // Whole seconds: Pleroma shows the end as `to_masto_date` does (`…:SS.000Z`).
    let expires_at = chrono::SubsecRound::trunc_subsecs(now + chrono::Duration::seconds(new.expires_in.max(0)), 0);
    let row = poll::ActiveModel {
        status_id: Set(status_id.to_string()),
        options: Set(json!(options)),
        multiple: Set(new.multiple),
        expires_at: Set(expires_at),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if expires_at > now {
        crate::jobs::enqueue_at(conn, &PollEnd { status_id: status_id.to_string() }, expires_at).await?;
    }
    Ok(row)
}

/// The options' titles of a poll row.
pub fn titles(row: &poll::Model) -> Vec<String> {
    match &row.options {
        Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
        _ => Vec::new(),
    }
}

/// A poll with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub row: poll::Model,
    /// Votes per option, in option order.
    pub votes: Vec<u64>,
    /// Distinct voters.
    pub voters: u64,
}

/// The polls of these statuses with their counts (three statements whatever the number).
pub async fn tallies<C: ConnectionTrait>(conn: &C, status_ids: &[String]) -> AppResult<HashMap<String, Tally>> {
    let mut out = HashMap::new();
    for chunk in status_ids.chunks(IN_CHUNK) {
        let rows = poll::Entity::find().filter(poll::Column::StatusId.is_in(chunk.to_vec())).all(conn).await?;
        if rows.is_empty() {
            continue;
        }
        let ids: Vec<String> = rows.iter().map(|r| r.status_id.clone()).collect();
        let per_option: Vec<(String, i32, i64)> = poll_vote::Entity::find()
            .select_only()
            .column(poll_vote::Column::StatusId)
            .column(poll_vote::Column::Choice)
            .column_as(poll_vote::Column::Id.count(), "n")
            .filter(poll_vote::Column::StatusId.is_in(ids.clone()))
            .group_by(poll_vote::Column::StatusId)
            .group_by(poll_vote::Column::Choice)
            .into_tuple()
            .all(conn)
            .await?;
        let voters: Vec<(String, i64)> = poll_vote::Entity::find()
            .select_only()
            .column(poll_vote::Column::StatusId)
            .column_as(Expr::from(Func::count_distinct(Expr::col(poll_vote::Column::UserId))), "n")
            .filter(poll_vote::Column::StatusId.is_in(ids))
            .group_by(poll_vote::Column::StatusId)
            .into_tuple()
            .all(conn)
            .await?;
        for row in rows {
            // A remote poll counts as its origin last said, plus the local votes cast since.
            if let Some(Value::Array(counts)) = &row.remote_votes {
                let votes = counts.iter().map(|c| c.as_u64().unwrap_or(0)).collect();
                let voters = u64::try_from(row.remote_voters.unwrap_or(0)).unwrap_or(0);
                out.insert(row.status_id.clone(), Tally { row, votes, voters });
                continue;
            }
            let mut votes = vec![0u64; titles(&row).len()];
            for (_, choice, n) in per_option.iter().filter(|(id, _, _)| *id == row.status_id) {
                if let Some(slot) = usize::try_from(*choice).ok().and_then(|i| votes.get_mut(i)) {
                    *slot = u64::try_from(*n).unwrap_or(0);
                }
            }
            let voters = voters.iter().find(|(id, _)| *id == row.status_id).map_or(0, |(_, n)| *n);
            let voters = u64::try_from(voters).unwrap_or(0);
            out.insert(row.status_id.clone(), Tally { row, votes, voters });
        }
    }
    Ok(out)
}

/// The options `viewer` chose in each of these polls (polls not voted in are absent).
pub async fn own_votes<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    status_ids: &[String],
) -> AppResult<HashMap<String, Vec<i32>>> {
    let mut out: HashMap<String, Vec<i32>> = HashMap::new();
    for chunk in status_ids.chunks(IN_CHUNK) {
        let rows = poll_vote::Entity::find()
            .filter(poll_vote::Column::UserId.eq(viewer))
            .filter(poll_vote::Column::StatusId.is_in(chunk.to_vec()))
            .all(conn)
            .await?;
        for row in rows {
            out.entry(row.status_id).or_default().push(row.choice);
        }
    }
    for choices in out.values_mut() {
        choices.sort_unstable();
    }
    Ok(out)
}

/// A poll's status, when `viewer` may see it and it has a poll (`Record not found` otherwise).
pub async fn visible_poll<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    viewer: Option<&str>,
) -> AppResult<Option<(status::Model, poll::Model)>> {
    let Some(status) = super::statuses::find_visible(conn, id, viewer).await? else { return Ok(None) };
    Ok(poll::Entity::find_by_id(id).one(conn).await?.map(|p| (status, p)))
}

/// Vote in the poll of status `id` (Pleroma's `CommonAPI.vote`): `choices` are option indices.
/// Refused in Pleroma's order: unknown or hidden poll (`Record not found`), the author, a
/// second vote, an index out of range, several choices in a one-choice poll. Pleroma takes
/// votes on a closed poll too (nothing in `CommonAPI.vote` or the `Answer` validator checks
/// `closed`), and so does this.
pub async fn vote(
    db: &Db,
    settings: &crate::config::Settings,
    voter: &user::Model,
    id: &str,
    choices: &[i32],
) -> AppResult<status::Model> {
    let txn = db.write.begin().await?;
    let (status, poll) =
        visible_poll(&txn, id, Some(&voter.id)).await?.ok_or_else(|| AppError::NotFound("Record not found".into()))?;
    if status.user_id == voter.id {
        return Err(AppError::invalid("choices", AUTHOR_CANNOT_VOTE));
    }
    let existing = poll_vote::Entity::find()
        .filter(poll_vote::Column::StatusId.eq(id))
        .filter(poll_vote::Column::UserId.eq(&voter.id))
        .one(&txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::invalid("choices", ALREADY_VOTED));
    }
    let count = titles(&poll).len();
    if choices.iter().any(|c| usize::try_from(*c).map_or(true, |c| c >= count)) {
        return Err(AppError::invalid("choices", INVALID_INDICES));
    }
    let max = if poll.multiple { count } else { 1 };
    if choices.len() > max {
        return Err(AppError::invalid("choices", TOO_MANY_CHOICES));
    }
    let unique: Vec<i32> = choices.iter().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    if !unique.is_empty() {
        let now = Utc::now();
        poll_vote::Entity::insert_many(unique.into_iter().map(|choice| poll_vote::ActiveModel {
            status_id: Set(id.to_string()),
            user_id: Set(voter.id.clone()),
            choice: Set(choice),
            created_at: Set(now),
            ..Default::default()
        }))
        .exec(&txn)
        .await?;
    }
    super::federation::questions::voted(&txn, settings, voter, &status, &poll, choices).await?;
    txn.commit().await?;
    Ok(status)
}

/// The `poll_end` job: a `poll` notification to the author and each local voter
/// (`Notification.create_poll_notifications`), and for a remote poll a last refresh. Idempotent: a user already notified of this
/// poll's end is not notified again; a poll deleted since is nothing to do.
async fn perform_end(db: &Db, id: &str) -> AppResult<()> {
    let txn = db.write.begin().await?;
    let Some(status) = status::Entity::find_by_id(id).one(&txn).await? else { return Ok(()) };
    if poll::Entity::find_by_id(id).one(&txn).await?.is_none() {
        return Ok(());
    }
    let voters: Vec<String> = poll_vote::Entity::find()
        .select_only()
        .column(poll_vote::Column::UserId)
        .distinct()
        .filter(poll_vote::Column::StatusId.eq(id))
        .into_tuple()
        .all(&txn)
        .await?;
    let mut wanted = vec![status.user_id.clone()];
    wanted.extend(voters.into_iter().filter(|v| *v != status.user_id));
    let local: HashSet<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(wanted.clone()))
        .filter(user::Column::Local.eq(true))
        .into_tuple::<String>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let notified: HashSet<String> = notification::Entity::find()
        .select_only()
        .column(notification::Column::UserId)
        .filter(notification::Column::StatusId.eq(id))
        .filter(notification::Column::Kind.eq("poll"))
        .into_tuple::<String>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let now = Utc::now();
    let rows: Vec<notification::ActiveModel> = wanted
        .into_iter()
        .filter(|u| local.contains(u) && !notified.contains(u))
        .map(|user_id| notification::ActiveModel {
            user_id: Set(user_id),
            kind: Set("poll".into()),
            actor_id: Set(status.user_id.clone()),
            status_id: Set(Some(status.id.clone())),
            target_id: Set(None),
            report_id: Set(None),
            emoji: Set(None),
            emoji_url: Set(None),
            seen: Set(false),
            inserted_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        notification::Entity::insert_many(rows).exec(&txn).await?;
    }
    // A remote poll is fetched once more after it closed (Pleroma's `PollWorker` final refresh).
    if !status.local && notified.is_empty() {
        let refresh = super::federation::questions::PollRefresh { status_id: status.id.clone() };
        crate::jobs::enqueue(&txn, &refresh).await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(options: &[&str], expires_in: i64) -> NewPoll {
        NewPoll { options: options.iter().map(|s| s.to_string()).collect(), expires_in, multiple: false }
    }

    fn refusal(result: AppResult<Vec<String>>) -> String {
        match result {
            Err(AppError::Invalid(fields)) => fields.values().cloned().collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn limits_refuse_with_pleromas_messages_in_its_order() {
        let limits = PollLimits { max_options: 3, max_option_chars: 5, min_expiration: 60, max_expiration: 600 };
        assert_eq!(refusal(validate(&limits, &new(&["a"], 601))), "Expiration date is too far in the future");
        assert_eq!(refusal(validate(&limits, &new(&["a"], 59))), "Expiration date is too soon");
        assert_eq!(refusal(validate(&limits, &new(&["a", "a"], 60))), "Poll must contain at least 2 options");
        assert_eq!(
            refusal(validate(&limits, &new(&["a", "b", "c", "d"], 60))),
            "Poll can't contain more than 3 options"
        );
        assert_eq!(
            refusal(validate(&limits, &new(&["a", "toolong"], 60))),
            "Poll options cannot be longer than 5 characters each"
        );
        assert_eq!(validate(&limits, &new(&["a", "b", "a"], 600)).ok(), Some(vec!["a".into(), "b".into()]));
    }
}
