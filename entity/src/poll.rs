use sea_orm::entity::prelude::*;

/// The poll of a status (Pleroma's `Question`): its options' titles in order, one choice
/// (`oneOf`) or several (`anyOf`), and when it closes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "polls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub status_id: String,
    /// A JSON array of the options' titles.
    pub options: Json,
    pub multiple: bool,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    /// A remote poll's votes per option as its origin last counted them (a JSON array of
    /// numbers; local votes since are added as they are cast). `None` for local polls.
    pub remote_votes: Option<Json>,
    /// A remote poll's voters as its origin last counted them.
    pub remote_voters: Option<i64>,
    /// When a remote poll was last fetched from its origin.
    pub refreshed_at: Option<DateTimeUtc>,
    /// When a refresh of a remote poll was last asked for (at most one every 120 s).
    pub refresh_requested_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
