use sea_orm::entity::prelude::*;

/// A status its author pinned to their profile (Pleroma's `users.pinned_objects` entry).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "status_pins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub status_id: String,
    /// The author, who pinned it.
    pub user_id: String,
    pub pinned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
