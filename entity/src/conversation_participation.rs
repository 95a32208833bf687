use sea_orm::entity::prelude::*;

/// A user's place in a direct conversation (Pleroma's `Conversation.Participation`): its id is
/// the conversation id clients see; `read` is cleared when the thread gets a new status.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversation_participations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: String,
    pub conversation_id: i64,
    pub read: bool,
    pub inserted_at: DateTimeUtc,
    /// Bumped by every new status of the thread (the list order).
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
