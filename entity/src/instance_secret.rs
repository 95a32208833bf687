use sea_orm::entity::prelude::*;

/// A secret the instance generates once: actor private keys (PKCS#8 PEM) and the media proxy's
/// signing key.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_secrets")]
pub struct Model {
    /// e.g. `actor:relay`, `actor:internal`, `actor:user:<id>`, `media_proxy`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub value: String,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
