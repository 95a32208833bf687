use sea_orm::entity::prelude::*;

/// The token in the confirmation link mailed to a local account awaiting email confirmation
/// (Pleroma's `users.confirmation_token`); one per user, removed once confirmed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_confirmation_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// SHA-256 (hex) of the token in the link.
    pub token: String,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
