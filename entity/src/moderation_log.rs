use sea_orm::entity::prelude::*;

/// One admin action, written in the same transaction as the action itself.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor_id: Option<String>,
    /// Pleroma's `data` map: `{"actor": {...}, "action": "...", ...}`.
    pub data: Json,
    /// The rendered message, e.g. `@admin deactivated users: @bob`.
    pub message: String,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
