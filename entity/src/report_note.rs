use sea_orm::entity::prelude::*;

/// A moderator's note on a report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_id: String,
    /// The note's author.
    pub user_id: String,
    pub content: String,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
