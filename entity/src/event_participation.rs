use sea_orm::entity::prelude::*;

/// A user's participation in an event (the fork's `Join` activity): one per user and event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_participations")]
pub struct Model {
    /// Flake id; the string order is the time order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The event's status id.
    pub event_id: String,
    /// The participant.
    pub user_id: String,
    /// `pending`, `accept` or `reject`.
    pub state: String,
    /// What the participant wrote when asking to join a restricted event.
    pub participation_message: Option<String>,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
