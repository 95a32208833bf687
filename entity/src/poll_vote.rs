use sea_orm::entity::prelude::*;

/// One option a voter chose (Pleroma's `Answer`): `choice` is the option's index.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "poll_votes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub status_id: String,
    pub user_id: String,
    pub choice: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
