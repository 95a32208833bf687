//! `[limits]`: Pleroma's `:instance` limits beside `[instance]` (`config/config.exs` defaults),
//! and its `static_dir`. Each is read per request, so a change applies to the next one.
use std::path::PathBuf;

use serde::Deserialize;

/// Pleroma's `[:instance, :poll_limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollLimits {
    /// Most options a poll may have.
    pub max_options: usize,
    /// Most characters one option may have.
    pub max_option_chars: usize,
    /// Shortest duration, in seconds.
    pub min_expiration: u64,
    /// Longest duration, in seconds.
    pub max_expiration: u64,
}

impl Default for PollLimits {
    fn default() -> Self {
        PollLimits { max_options: 20, max_option_chars: 200, min_expiration: 0, max_expiration: 365 * 24 * 60 * 60 }
    }
}

/// Pleroma's `:instance` limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceLimits {
    /// Characters beyond which a remote status is not stored (`remote_limit`).
    pub remote_limit: usize,
    /// Longest media description, in characters (`description_limit`).
    pub description_limit: usize,
    /// Longest bio, in characters (`user_bio_length`).
    pub user_bio_length: usize,
    /// Longest display name, in characters (`user_name_length`).
    pub user_name_length: usize,
    /// Most profile fields of a local account (`max_account_fields`).
    pub max_account_fields: usize,
    /// Most profile fields of a remote account (`max_remote_account_fields`).
    pub max_remote_account_fields: usize,
    /// Longest profile field name (`account_field_name_length`).
    pub account_field_name_length: usize,
    /// Longest profile field value (`account_field_value_length`).
    pub account_field_value_length: usize,
    pub poll_limits: PollLimits,
    /// Most statuses a user may pin to their profile; 0 turns pinning off
    /// (`max_pinned_statuses`).
    pub max_pinned_statuses: usize,
    /// Most accounts a user may feature on their profile; 0 turns endorsing off
    /// (`max_endorsed_users`).
    pub max_endorsed_users: u64,
    /// Days deliveries to an instance must have failed before it counts as unreachable; 0: never
    /// (`federation_reachability_timeout_days`).
    pub federation_reachability_timeout_days: u64,
    /// Largest upload, in bytes (`upload_limit`).
    pub upload_limit: u64,
    pub avatar_upload_limit: u64,
    pub banner_upload_limit: u64,
    pub background_upload_limit: u64,
    /// The instance's static directory (`static_dir`: documents, frontends, emoji); a relative
    /// path is under the data directory. Default `<data_dir>/static`.
    pub static_dir: Option<PathBuf>,
}

impl Default for InstanceLimits {
    fn default() -> Self {
        InstanceLimits {
            remote_limit: 100_000,
            description_limit: 5_000,
            user_bio_length: 5_000,
            user_name_length: 100,
            max_account_fields: 10,
            max_remote_account_fields: 20,
            account_field_name_length: 512,
            account_field_value_length: 2_048,
            poll_limits: PollLimits::default(),
            max_pinned_statuses: 1,
            max_endorsed_users: 20,
            federation_reachability_timeout_days: 7,
            upload_limit: 16_000_000,
            avatar_upload_limit: 2_000_000,
            banner_upload_limit: 4_000_000,
            background_upload_limit: 4_000_000,
            static_dir: None,
        }
    }
}
