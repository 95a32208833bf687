use sea_orm::entity::prelude::*;

/// An uploaded file, stored under the data directory's `uploads/` and attached to at most one
/// status.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub status_id: Option<String>,
    /// The file's name under the uploads directory.
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub description: Option<String>,
    /// Where a remote attachment lives.
    pub remote_url: Option<String>,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
