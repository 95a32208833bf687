use sea_orm::entity::prelude::*;

/// A registration invite (Pleroma's `user_invite_tokens`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_invite_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub token: String,
    /// Revoked, or used up.
    pub used: bool,
    pub max_use: Option<i32>,
    pub expires_at: Option<Date>,
    pub uses: i32,
    /// `one_time`, `reusable`, `date_limited` or `reusable_date_limited`.
    pub invite_type: String,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
