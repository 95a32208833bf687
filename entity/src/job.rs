use sea_orm::entity::prelude::*;

/// A unit of durable background work (see the gateway's `jobs` module).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub queue: String,
    /// What to do, e.g. `purge_user`.
    pub kind: String,
    pub args: Json,
    /// `available`, `running`, `completed` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    /// Not before this time (backoff after a failure).
    pub run_at: DateTimeUtc,
    /// A running job whose lock has expired is claimed again (its process died).
    pub locked_until: Option<DateTimeUtc>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub inserted_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
