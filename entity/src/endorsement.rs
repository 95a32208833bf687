use sea_orm::entity::prelude::*;

/// `endorser_id` features `endorsed_id` on their profile (Mastodon's pin, Pleroma's `endorsement`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "endorsements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub endorser_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub endorsed_id: String,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
