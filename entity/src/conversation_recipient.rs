use sea_orm::entity::prelude::*;

/// A recipient of a participation (Pleroma's `Participation.RecipientShip`): the accounts a
/// conversation shows its owner.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversation_recipients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub participation_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
