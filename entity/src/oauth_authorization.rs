use sea_orm::entity::prelude::*;

/// An authorization code the login form issued (Pleroma's `oauth_authorizations`): redeemed
/// once, before `valid_until`, by the app it was issued to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_authorizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 (hex) of the code; the code itself is shown once.
    #[sea_orm(unique)]
    pub token: String,
    pub app_id: i64,
    pub user_id: String,
    /// Space-separated.
    pub scopes: String,
    /// The redirect URI the code was issued for.
    pub redirect_uri: Option<String>,
    /// PKCE (RFC 7636): the challenge and its method (`S256` or `plain`).
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub used: bool,
    pub valid_until: DateTimeUtc,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
