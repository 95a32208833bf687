use sea_orm::entity::prelude::*;

/// A scrobble: Pleroma's `Listen` activity (an `Audio` object with title, artist, album,
/// length and link), addressed like a status.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scrobbles")]
pub struct Model {
    /// Flake id of the activity.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// ActivityPub id of the activity.
    #[sea_orm(unique)]
    pub ap_id: String,
    pub user_id: String,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    /// Milliseconds.
    pub length: Option<i64>,
    pub external_link: Option<String>,
    /// `public`, `unlisted`, `private` or `direct`.
    pub visibility: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
