use sea_orm::entity::prelude::*;

/// `user_id` reacted to `status_id` with `emoji` (Pleroma's `EmojiReact` activity).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "emoji_reactions")]
pub struct Model {
    /// Flake id, base62: the order reactions were made in.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub status_id: String,
    /// A fully-qualified unicode emoji, or a custom emoji's shortcode without colons.
    pub emoji: String,
    /// The custom emoji's image; `None` for unicode emoji.
    pub url: Option<String>,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
