use sea_orm::entity::prelude::*;

/// An access token with its refresh token. `user_id` is `None` for app-only tokens.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 (hex) of the access token; the token itself is shown once, when issued.
    #[sea_orm(unique)]
    pub token: String,
    /// SHA-256 (hex) of the refresh token.
    #[sea_orm(unique)]
    pub refresh_token: String,
    pub app_id: i64,
    pub user_id: Option<String>,
    /// Space-separated.
    pub scopes: String,
    pub valid_until: DateTimeUtc,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
