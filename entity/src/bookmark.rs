use sea_orm::entity::prelude::*;

/// `user_id` bookmarked `status_id`, maybe into a folder (Pleroma's `Bookmark`). The integer id
/// is what the bookmarks list pages by.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bookmarks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: String,
    pub status_id: String,
    pub folder_id: Option<String>,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
