use sea_orm::entity::prelude::*;

/// `follower_id` asked to follow the locked account `following_id` (pending).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub follower_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub following_id: String,
    pub inserted_at: DateTimeUtc,
    /// Whether the follow, once accepted, shows the account's reblogs.
    pub show_reblogs: bool,
    /// Whether the follow, once accepted, notifies of the account's posts.
    pub notify: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
