//! `[instance]`: Pleroma's `:instance` settings, with its multi-factor authentication.

use serde::Deserialize;

use crate::domain::privileges::Privilege;

/// Pleroma's `[:instance]`-style settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Instance {
    pub name: String,
    pub description: String,
    pub email: String,
    pub registrations_open: bool,
    pub account_activation_required: bool,
    pub account_approval_required: bool,
    pub invites_enabled: bool,
    /// A private instance refuses anonymous callers on public API routes.
    pub public: bool,
    pub healthcheck: bool,
    /// Privileges an admin holds (Pleroma's `admin_privileges`).
    pub admin_privileges: Vec<Privilege>,
    /// Privileges a moderator holds (Pleroma's `moderator_privileges`).
    pub moderator_privileges: Vec<Privilege>,
    /// Admin routes demand admin scopes in the token (Pleroma's default, and its only mode since 2.3).
    pub enforce_oauth_admin_scope_usage: bool,
    pub limit: usize,
    /// Pleroma's `:instance, :multi_factor_authentication`.
    pub multi_factor_authentication: MultiFactorAuthentication,
    /// Public local statuses are announced by the relay actor (Pleroma's `:instance, :allow_relay`).
    pub allow_relay: bool,
}

/// Pleroma's `:instance, :multi_factor_authentication`: the TOTP code's digits and period, and
/// how many backup codes are made and how long each is (hex characters).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultiFactorAuthentication {
    pub totp: TotpSettings,
    pub backup_codes: BackupCodeSettings,
}

impl Default for MultiFactorAuthentication {
    fn default() -> Self {
        MultiFactorAuthentication {
            totp: TotpSettings { digits: 6, period: 30 },
            backup_codes: BackupCodeSettings { number: 5, length: 16 },
        }
    }
}

/// `totp: [digits: 6, period: 30]` (digits 6 or 8).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpSettings {
    pub digits: usize,
    pub period: u64,
}

impl Default for TotpSettings {
    fn default() -> Self {
        MultiFactorAuthentication::default().totp
    }
}

/// `backup_codes: [number: 5, length: 16]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupCodeSettings {
    pub number: usize,
    pub length: usize,
}

impl Default for BackupCodeSettings {
    fn default() -> Self {
        MultiFactorAuthentication::default().backup_codes
    }
}

impl Default for Instance {
    fn default() -> Self {
        Instance {
            name: "Pleroma Gateway".into(),
            description: "A Pleroma admin gateway".into(),
            email: "admin@localhost".into(),
            registrations_open: true,
            account_activation_required: false,
            account_approval_required: false,
            invites_enabled: false,
            public: true,
            healthcheck: true,
            admin_privileges: Privilege::ALL.to_vec(),
            moderator_privileges: vec![Privilege::MessagesDelete, Privilege::ReportsManageReports],
            enforce_oauth_admin_scope_usage: true,
            limit: 5000,
            multi_factor_authentication: MultiFactorAuthentication::default(),
            allow_relay: true,
        }
    }
}
