use sea_orm::entity::prelude::*;

/// An activity this instance sent, or an undoable one it received (Pleroma's `activities`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    /// A flake id; a local activity's `ap_id` is `/activities/:id`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub ap_id: String,
    /// `Follow`, `Block`, `Like`, `EmojiReact`, `Delete`, `Undo`.
    pub kind: String,
    /// The actor's ap_id.
    pub actor: String,
    /// The object's ap_id (a followed or blocked actor, a liked status…).
    pub object: Option<String>,
    pub local: bool,
    /// The activity document as sent or received.
    pub data: Json,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
