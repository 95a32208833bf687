use sea_orm::entity::prelude::*;

/// A user's multi-factor settings (Pleroma's `multi_factor_authentication_settings`); whether
/// MFA is on is `users.mfa_enabled`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_mfa")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// The TOTP secret (base32) sealed with the instance key (`domain::sealed`), set by setup;
    /// `None` when TOTP is off.
    pub totp_secret: Option<String>,
    /// Whether the user confirmed the secret with a code (TOTP is enabled).
    pub totp_confirmed: bool,
    /// JSON list of the unused backup codes' digests.
    pub backup_codes: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
