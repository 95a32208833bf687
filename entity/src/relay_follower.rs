use sea_orm::entity::prelude::*;

/// A relay or instance that follows the relay actor; it gets the relay's `Announce` of public
/// local statuses.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relay_followers")]
pub struct Model {
    /// The follower's actor id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor: String,
    /// The id of its `Follow`.
    pub follow_id: String,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
