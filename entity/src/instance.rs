use sea_orm::entity::prelude::*;

/// A remote instance federation knows (Pleroma's `instances`): since when it has been
/// unreachable, if it is; when it was first seen and the software its nodeinfo names
/// (Pleroma's `Instance.metadata`, fetched once in the background).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub host: String,
    pub unreachable_since: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// When the host was first seen (rows older than the column have none).
    pub inserted_at: Option<DateTimeUtc>,
    /// nodeinfo's `software.name`.
    pub software_name: Option<String>,
    /// nodeinfo's `software.version`.
    pub software_version: Option<String>,
    /// nodeinfo's `software.repository`.
    pub software_repository: Option<String>,
    /// When nodeinfo was last fetched (tried), whatever it answered.
    pub metadata_updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
