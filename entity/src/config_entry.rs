use sea_orm::entity::prelude::*;

/// A setting saved through the API (Pleroma's `config` row): its value in Pleroma's JSON
/// encoding (`":atom"`, `{"tuple": [...]}`, keyword lists as lists of 2-tuples), as text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "config")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `:pleroma`.
    pub group: String,
    /// `:instance`, `Pleroma.Emails.Mailer`, ….
    pub key: String,
    /// The JSON text.
    pub value: String,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
