//! Polls: a status's poll as Pleroma's `PollView` renders it, reading one
//! (`GET /api/v1/polls/:id`), voting (`POST /api/v1/polls/:id/votes`), and the batched reads
//! of counts and of the caller's own votes.
use std::{collections::HashMap, sync::Arc};

use async_graphql::{dataloader::Loader, Context, InputObject, Object, SimpleObject, ID};
use entity::status;

use super::{
    accounts::AccountEmoji,
    load_error,
    loaders::{DbLoader, LoadError},
    scalars::DateTime,
    ContextExt, FieldRule,
};
use crate::{
    auth::Access,
    domain::polls::{self as domain, Tally},
};

/// Access rules of this area's fields (Pleroma's PollController: reading is public, voting
/// needs `write:statuses`).
pub const ACCESS: &[FieldRule] =
    &[("Query", "poll", Access::Public), ("Mutation", "votePoll", Access::User(&["write:statuses"]))];

/// Key: the poll of a status, with its counts (by status id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PollOf(pub String);

/// Key: the options `viewer` (`.0`) chose in the poll of status `.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnVotesOf(pub String, pub String);

/// `None` for a status without a poll (cached too, so a page's prefetch can say so).
impl Loader<PollOf> for DbLoader {
    type Value = Option<Tally>;
    type Error = LoadError;

    async fn load(&self, keys: &[PollOf]) -> Result<HashMap<PollOf, Option<Tally>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let mut found = domain::tallies(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(ids.into_iter().map(|id| (PollOf(id.clone()), found.remove(&id))).collect())
    }
}

impl Loader<OwnVotesOf> for DbLoader {
    type Value = Vec<i32>;
    type Error = LoadError;

    async fn load(&self, keys: &[OwnVotesOf]) -> Result<HashMap<OwnVotesOf, Vec<i32>>, LoadError> {
        let mut by_viewer: HashMap<&str, Vec<String>> = HashMap::new();
        for k in keys {
            by_viewer.entry(k.0.as_str()).or_default().push(k.1.clone());
        }
        let mut out = HashMap::new();
        for (viewer, ids) in by_viewer {
            let mut found = domain::own_votes(&self.db.read, viewer, &ids).await.map_err(Arc::new)?;
            for id in ids {
                let votes = found.remove(&id).unwrap_or_default();
                out.insert(OwnVotesOf(viewer.to_string(), id), votes);
            }
        }
        Ok(out)
    }
}

/// A poll (Pleroma's `PollView`). Its id is its status's id.
pub struct Poll {
    status: status::Model,
    tally: Tally,
}

impl Poll {
    /// The poll of `status`, if it has one.
    pub async fn of(ctx: &Context<'_>, status: &status::Model) -> async_graphql::Result<Option<Poll>> {
        let tally = ctx.loader().load_one(PollOf(status.id.clone())).await.map_err(load_error)?.flatten();
        Ok(tally.map(|tally| Poll { status: status.clone(), tally }))
    }

    async fn own_votes_of(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<i32>>> {
        let Some(viewer) = ctx.viewer().user.as_ref() else { return Ok(None) };
        let key = OwnVotesOf(viewer.id.clone(), self.status.id.clone());
        Ok(Some(ctx.loader().load_one(key).await.map_err(load_error)?.unwrap_or_default()))
    }
}

/// One option of a poll.
#[derive(SimpleObject)]
pub struct PollOption {
    /// The option's text.
    pub title: String,
    /// Votes for it.
    pub votes_count: u64,
}

/// Pleroma's additions to a poll.
#[derive(SimpleObject)]
pub struct PollPleroma {
    /// Whether voters are shown (`nonAnonymous`; local polls are anonymous: `false`).
    pub non_anonymous: bool,
}

/// A poll attached to a status.
#[Object]
impl Poll {
    /// The poll's id (its status's id).
    async fn id(&self) -> ID {
        ID(self.tally.row.status_id.clone())
    }
    /// When it closes.
    async fn expires_at(&self) -> DateTime {
        DateTime(self.tally.row.expires_at)
    }
    /// Whether it has closed.
    async fn expired(&self) -> bool {
        self.tally.row.expires_at < chrono::Utc::now()
    }
    /// Whether a voter may choose several options.
    async fn multiple(&self) -> bool {
        self.tally.row.multiple
    }
    /// Votes over all options.
    async fn votes_count(&self) -> u64 {
        self.tally.votes.iter().sum()
    }
    /// Accounts that voted.
    async fn voters_count(&self) -> u64 {
        self.tally.voters
    }
    /// The options, in order, with their votes.
    async fn options(&self) -> Vec<PollOption> {
        domain::titles(&self.tally.row)
            .into_iter()
            .enumerate()
            .map(|(i, title)| PollOption { title, votes_count: self.tally.votes.get(i).copied().unwrap_or(0) })
            .collect()
    }
    /// Whether the caller voted in it (always for its author); `null` for an anonymous caller,
    /// whom Pleroma does not tell.
    async fn voted(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<bool>> {
        let Some(viewer) = ctx.viewer().user.as_ref() else { return Ok(None) };
        let own = self.own_votes_of(ctx).await?.unwrap_or_default();
        Ok(Some(!own.is_empty() || viewer.id == self.status.user_id))
    }
    /// Indices of the options the caller chose; `null` for an anonymous caller.
    async fn own_votes(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<i32>>> {
        self.own_votes_of(ctx).await
    }
    /// This instance's custom emoji its status and options name as `:shortcode:`.
    async fn emojis(&self, ctx: &Context<'_>) -> Vec<AccountEmoji> {
        let base = &ctx.settings().instance_url;
        let titles = domain::titles(&self.tally.row);
        let mut texts: Vec<&str> = vec![&self.status.content, &self.status.spoiler_text];
        texts.extend(titles.iter().map(String::as_str));
        crate::domain::emoji::index(ctx.settings())
            .used_in(&texts)
            .into_iter()
            .map(|emoji| {
                let url = format!("{base}{}", emoji.file);
                AccountEmoji { shortcode: emoji.shortcode, static_url: url.clone(), url, visible_in_picker: true }
            })
            .collect()
    }
    /// Pleroma's additions.
    async fn pleroma(&self) -> PollPleroma {
        PollPleroma { non_anonymous: false }
    }
}

/// A poll to attach to a new status.
#[derive(InputObject)]
pub struct PollInput {
    /// The options (repeats are dropped); at least 2, at most the instance's `max_options`,
    /// each at most `max_option_chars` long.
    pub options: Vec<String>,
    /// Seconds until it closes, within the instance's `min_expiration`..`max_expiration`.
    pub expires_in: i32,
    /// Let voters choose several options.
    pub multiple: Option<bool>,
    /// Hide the counts until it closes (accepted; Pleroma does not apply it either).
    pub hide_totals: Option<bool>,
}

impl From<PollInput> for domain::NewPoll {
    fn from(input: PollInput) -> Self {
        domain::NewPoll {
            options: input.options,
            expires_in: i64::from(input.expires_in),
            multiple: input.multiple.unwrap_or(false),
        }
    }
}

/// Poll reads.
#[derive(Default)]
pub struct PollsQuery;

#[Object]
impl PollsQuery {
    /// The poll of a status the caller may see (`null` when there is none or it is hidden). A
    /// remote poll not fetched since it closed is fetched again in the background, at most every
    /// 120 s (this answer shows the counts as they are).
    async fn poll(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The poll's (its status's) id.")] id: ID,
    ) -> async_graphql::Result<Option<Poll>> {
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.as_str());
        match domain::visible_poll(&ctx.db().read, &id, viewer).await? {
            Some((status, poll)) => {
                crate::domain::federation::questions::maybe_refresh(ctx.db(), &status, &poll).await?;
                Poll::of(ctx, &status).await
            }
            None => Ok(None),
        }
    }
}

/// A vote.
#[derive(InputObject)]
pub struct VotePollInput {
    /// The poll.
    pub id: ID,
    /// Indices of the chosen options (one, unless the poll is `multiple`).
    pub choices: Vec<i32>,
}

/// The poll after a vote.
#[derive(SimpleObject)]
pub struct VotePollPayload {
    /// The poll, counting the vote.
    pub poll: Poll,
}

/// Voting.
#[derive(Default)]
pub struct PollsMutation;

#[Object]
impl PollsMutation {
    /// Vote in a poll, once. Refusals are `VALIDATION_FAILED` with Pleroma's messages ("Poll's
    /// author can't vote", "Already voted", "Invalid indices", "Too many choices"); an unknown
    /// or hidden poll is `NOT_FOUND`. As in Pleroma, a closed poll still takes votes.
    async fn vote_poll(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: VotePollInput,
    ) -> async_graphql::Result<VotePollPayload> {
        let voter = ctx.viewer().require_user()?.clone();
        let status = domain::vote(ctx.db(), ctx.settings(), &voter, &input.id, &input.choices).await?;
        let poll =
            Poll::of(ctx, &status).await?.ok_or_else(|| crate::error::AppError::NotFound("Record not found".into()))?;
        Ok(VotePollPayload { poll })
    }
}
