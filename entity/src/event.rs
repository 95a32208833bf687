use sea_orm::entity::prelude::*;

/// The event record of a status (the fork's `Event` object): what, when, and how to join.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// The status that is the event.
    #[sea_orm(primary_key, auto_increment = false)]
    pub status_id: String,
    pub name: String,
    pub start_time: DateTimeUtc,
    pub end_time: Option<DateTimeUtc>,
    /// `free` or `restricted`.
    pub join_mode: String,
    /// The location as rendered (`{name, url, longitude, latitude, street, …}`), JSON text.
    pub location: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
