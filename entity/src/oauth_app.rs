use sea_orm::entity::prelude::*;

/// A registered OAuth client.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_apps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub client_name: String,
    /// Space-separated.
    pub redirect_uris: String,
    /// Space-separated.
    pub scopes: String,
    pub website: Option<String>,
    #[sea_orm(unique)]
    pub client_id: String,
    /// SHA-256 (hex) of the client secret, which `POST /api/v1/apps` shows once.
    pub client_secret: String,
    pub trusted: bool,
    pub user_id: Option<String>,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
