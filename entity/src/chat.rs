use sea_orm::entity::prelude::*;

/// A chat as its owner sees it: one per owner and other party, bumped by every message.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// The other party.
    pub recipient_id: String,
    pub inserted_at: DateTimeUtc,
    /// The last message's time (the list order).
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
