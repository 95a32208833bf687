use sea_orm::entity::prelude::*;

/// `muter_id` mutes `muted_id` (and their notifications when `notifications`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mutes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub muter_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub muted_id: String,
    pub notifications: bool,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
