use sea_orm::entity::prelude::*;

/// A chat message (Pleroma's `ChatMessage` object): from one user to one other.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub ap_id: String,
    /// The author.
    pub user_id: String,
    pub recipient_id: String,
    /// Sanitised HTML; `None` for a message that is only an attachment.
    pub content: Option<String>,
    pub media_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
