//! `[backup]`: Pleroma's `Pleroma.User.Backup` settings.

use serde::Deserialize;

/// Pleroma's `Pleroma.User.Backup` settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backup {
    /// A user may request one archive per this many days (admins are not limited).
    pub limit_days: i64,
    /// Archives are deleted this many days after they were requested.
    pub purge_after_days: i64,
}

impl Default for Backup {
    fn default() -> Self {
        Backup { limit_days: 7, purge_after_days: 30 }
    }
}
