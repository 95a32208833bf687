use sea_orm::entity::prelude::*;

/// The token a password login with MFA on answers with (Pleroma's `mfa_tokens`): it carries the
/// login's authorization on to the second factor, for five minutes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mfa_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 (hex) of the token.
    #[sea_orm(unique)]
    pub token: String,
    pub user_id: String,
    pub authorization_id: Option<i64>,
    pub valid_until: DateTimeUtc,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
