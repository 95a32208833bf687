use sea_orm::entity::prelude::*;

/// A notification for `user_id` (Pleroma's `Notification`): `actor_id` did something of `kind`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    /// Integer id, as Pleroma's.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The recipient.
    pub user_id: String,
    /// `mention`, `status`, `follow`, `follow_request`, `reblog`, `favourite`, `move`,
    /// `pleroma:emoji_reaction`, `pleroma:chat_mention` or `pleroma:report`.
    pub kind: String,
    /// Who did it (the mover for `move`, the reporter for `pleroma:report`).
    pub actor_id: String,
    /// The status it is about (mentions, reblogs, favourites, reactions).
    pub status_id: Option<String>,
    /// The account moved to (`move`).
    pub target_id: Option<String>,
    /// The report (`pleroma:report`).
    pub report_id: Option<String>,
    /// The reaction (`pleroma:emoji_reaction`).
    pub emoji: Option<String>,
    pub emoji_url: Option<String>,
    /// The recipient's reference to the chat message (`pleroma:chat_mention`).
    pub chat_message_ref_id: Option<String>,
    pub seen: bool,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
