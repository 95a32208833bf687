use sea_orm::entity::prelude::*;

/// The relay actor's follow of a relay.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "relay_follows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The relay's actor URL.
    #[sea_orm(unique)]
    pub actor: String,
    /// `pending`, `accepted`, `rejected` or `error`.
    pub state: String,
    /// Why the last delivery failed.
    pub last_error: Option<String>,
    /// The id of the `Follow` activity sent.
    pub follow_id: String,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
