use sea_orm::entity::prelude::*;

/// A user's bookmark folder (Pleroma's `BookmarkFolder`): a name unique per user and an
/// optional emoji (unicode, or a local custom emoji as `:shortcode:`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bookmark_folders")]
pub struct Model {
    /// Flake id, base62.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub emoji: Option<String>,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
