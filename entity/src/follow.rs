use sea_orm::entity::prelude::*;

/// `follower_id` follows `following_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub follower_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub following_id: String,
    pub inserted_at: DateTimeUtc,
    /// Whether the follower sees the followed account's reblogs.
    pub show_reblogs: bool,
    /// Whether the follower is notified of the followed account's posts.
    pub notify: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
