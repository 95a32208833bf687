use sea_orm::entity::prelude::*;

/// `subscriber_id` is notified of `target_id`'s posts (Pleroma's `inverse_subscription`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub subscriber_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub target_id: String,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
