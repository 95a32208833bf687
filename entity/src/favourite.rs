use sea_orm::entity::prelude::*;

/// `user_id` favourited `status_id` (Pleroma's `Like` activity).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "favourites")]
pub struct Model {
    /// Flake id, base62: the order of a user's favourites list.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub status_id: String,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
