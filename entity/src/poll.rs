use sea_orm::entity::prelude::*;

/// The poll of a status (Pleroma's `Question`): its options' titles in order, one choice
/// (`oneOf`) or several (`anyOf`), and when it closes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "polls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub status_id: String,
    /// A JSON array of the options' titles.
    pub options: Json,
    pub multiple: bool,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
