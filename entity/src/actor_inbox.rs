use sea_orm::entity::prelude::*;

/// Where a remote actor takes deliveries, from its actor document (Pleroma's `users.inbox` and
/// `users.shared_inbox`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actor_inboxes")]
pub struct Model {
    /// The actor's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ap_id: String,
    pub inbox: String,
    /// `endpoints.sharedInbox`, when it has one.
    pub shared_inbox: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
