use sea_orm::entity::prelude::*;

/// A data-export archive of one user (Pleroma's `Pleroma.User.Backup`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "backups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: String,
    pub content_type: String,
    /// The archive's name under `<data_dir>/uploads/backups`.
    pub file_name: String,
    pub file_size: i64,
    /// The archive is complete and may be downloaded.
    pub processed: bool,
    /// `pending`, `running`, `complete` or `failed` (Pleroma's backup states).
    pub state: String,
    /// Items written so far.
    pub processed_number: i32,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
