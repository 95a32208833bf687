use sea_orm::entity::prelude::*;

/// A captcha handed out: the answer's keyed digest, when it was made and when it was used.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "captchas")]
pub struct Model {
    /// The random token the client echoes back (`captcha_token`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    /// `native` or `kocaptcha`: how the answer is checked.
    pub method: String,
    /// Native: HMAC-SHA256 of the answer (hex); Kocaptcha: the service's MD5 of the answer.
    pub answer_digest: String,
    pub inserted_at: DateTimeUtc,
    /// Set once, by the registration that used it.
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
