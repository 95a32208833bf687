use sea_orm::entity::prelude::*;

/// A remote actor's public key, fetched to verify HTTP signatures and cached.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "remote_keys")]
pub struct Model {
    /// The signature's `keyId` (e.g. `https://relay.example/actor#main-key`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: String,
    /// The actor owning the key.
    pub actor: String,
    pub public_key_pem: String,
    pub fetched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
