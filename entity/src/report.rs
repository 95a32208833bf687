use sea_orm::entity::prelude::*;

/// A report (Pleroma's Flag activity): `actor_id` reports `account_id`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    /// Flake id, base62.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub ap_id: String,
    /// The reporter.
    pub actor_id: String,
    /// The reported account.
    pub account_id: String,
    pub content: Option<String>,
    /// `open`, `closed` or `resolved`.
    pub state: String,
    pub forwarded: bool,
    /// Ids of the instance rules the report cites: `["1", "2"]`.
    pub rule_ids: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
