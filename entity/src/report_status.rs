use sea_orm::entity::prelude::*;

/// A status cited by a report, with a copy of the status row taken when the report was filed
/// (Pleroma keeps the reported objects in the Flag activity), so a report still shows it after
/// the author deletes it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "report_statuses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status_id: String,
    /// The order the reporter gave.
    pub position: i32,
    /// The `statuses` row as JSON (`status::Model`'s fields).
    pub snapshot: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
