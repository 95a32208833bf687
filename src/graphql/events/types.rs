//! Types of the events area: the event a status is, and a participation in it.
use async_graphql::{Context, Enum, Json, Object, ID};
use entity::{event, event_participation as participation};

use super::loaders::{EventOf, JoinStateOf, ParticipantsCountOf, RequestsCountOf};
use crate::graphql::{accounts::Account, load_error, scalars::DateTime, ContextExt};

/// How users join an event.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EventJoinMode {
    /// Anyone who may see the event joins at once.
    Free,
    /// Each request waits for the organiser's answer.
    Restricted,
}

impl EventJoinMode {
    /// The fork's name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventJoinMode::Free => "free",
            EventJoinMode::Restricted => "restricted",
        }
    }
}

/// Where a participation stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ParticipationState {
    /// Asked to join a restricted event; not answered yet.
    Pending,
    /// Taking part.
    Accept,
    /// Refused by the organiser.
    Reject,
}

impl ParticipationState {
    /// The fork's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipationState::Pending => "pending",
            ParticipationState::Accept => "accept",
            ParticipationState::Reject => "reject",
        }
    }
}

/// The event a status is (the fork's `pleroma.event`).
pub struct StatusEvent {
    record: event::Model,
    organiser_id: String,
}

impl StatusEvent {
    /// The event of the status `status_id` by `organiser_id`, when it is one.
    pub async fn of(ctx: &Context<'_>, status_id: &str, organiser_id: &str) -> async_graphql::Result<Option<Self>> {
        let record = ctx.loader().load_one(EventOf(status_id.to_string())).await.map_err(load_error)?.flatten();
        Ok(record.map(|record| StatusEvent { record, organiser_id: organiser_id.to_string() }))
    }
}

/// What, when and how to join.
#[Object]
impl StatusEvent {
    /// The event's name.
    async fn name(&self) -> &str {
        &self.record.name
    }
    /// When it starts.
    async fn start_time(&self) -> DateTime {
        DateTime(self.record.start_time)
    }
    /// When it ends, if said.
    async fn end_time(&self) -> Option<DateTime> {
        self.record.end_time.map(DateTime)
    }
    /// `free` or `restricted`.
    async fn join_mode(&self) -> &str {
        &self.record.join_mode
    }
    /// Accepted participants.
    async fn participants_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let key = ParticipantsCountOf(self.record.status_id.clone());
        Ok(ctx.loader().load_one(key).await.map_err(load_error)?.unwrap_or(0))
    }
    /// Where it takes place (`{name, url, longitude, latitude, street, postal_code, locality,
    /// region, country}`); no location provider is configured, so `null`.
    async fn location(&self) -> Option<Json<serde_json::Value>> {
        self.record.location.as_deref().and_then(|l| serde_json::from_str(l).ok()).map(Json)
    }
    /// The caller's participation state (`pending`, `accept`, `reject`), `null` when they have
    /// none or are anonymous.
    async fn join_state(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(viewer) = ctx.viewer().user.as_ref() else { return Ok(None) };
        let key = JoinStateOf(viewer.id.clone(), self.record.status_id.clone());
        Ok(ctx.loader().load_one(key).await.map_err(load_error)?.flatten())
    }
    /// Pending participation requests, for the organiser only (`null` for anyone else).
    async fn participation_request_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<u64>> {
        if ctx.viewer().user.as_ref().map(|u| u.id.as_str()) != Some(self.organiser_id.as_str()) {
            return Ok(None);
        }
        let key = RequestsCountOf(self.record.status_id.clone());
        Ok(Some(ctx.loader().load_one(key).await.map_err(load_error)?.unwrap_or(0)))
    }
}

/// A user's participation in an event.
pub struct EventParticipation(pub participation::Model);

/// Who takes part (or asks to), and where it stands.
#[Object]
impl EventParticipation {
    /// Participation id (a flake id: the order is the time order).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The participant.
    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Account> {
        Account::required(ctx, &self.0.user_id, || format!("participation {}", self.0.id)).await
    }
    /// `pending`, `accept` or `reject`.
    async fn state(&self) -> &str {
        &self.0.state
    }
    /// What the participant wrote when asking to join.
    async fn participation_message(&self) -> Option<&str> {
        self.0.participation_message.as_deref()
    }
    /// When they joined or asked to.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.inserted_at)
    }
}
