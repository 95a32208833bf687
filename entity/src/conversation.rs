use sea_orm::entity::prelude::*;

/// A direct thread (Pleroma's `Conversation`): one per context IRI.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The thread's context IRI (`statuses.context`).
    #[sea_orm(unique)]
    pub ap_id: String,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
