use sea_orm::entity::prelude::*;

/// An instance announcement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcements")]
pub struct Model {
    /// A flake id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The raw (plain text) content.
    pub content: String,
    /// The content rendered to sanitised HTML.
    pub rendered: String,
    pub all_day: bool,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
