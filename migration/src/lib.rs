//! Schema migrations. One file per migration; a landed migration is never edited — add a new one.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_moderation;
mod m20261123_000003_email_confirmation;
mod m20261123_000004_user_search;
mod m20261130_000005_secret_digests;
mod m20261130_000006_case_insensitive_users;
mod m20261201_000007_auth_generation;
mod m20261201_000008_users_id_nickname;
mod m20261201_000009_content;
mod m20261201_000013_instance_admin;
mod m20261201_000014_federation;
mod m20261201_000015_backups;
mod m20261201_000016_config;
mod m20261201_000019_chats;
mod m20261201_000020_mascots;
mod m20261201_000021_users_list_index;
mod m20261206_000024_invite_token_digests;
mod m20261207_04_live_settings;
mod m20261207_05_captchas;
mod m20261208_01_signin;
mod m20261208_02_notifications;
mod m20261208_03_bookmarks;
mod m20261208_04_accounts;
mod m20261208_05_events;
mod m20261209_02_tail;
mod m20261209_03_polls;
mod m20261210_01_counters;
mod m20261211_01_outbound;
mod m20261212_01_storage_version;
mod m20261216_01_remote_resolution;
mod m20261217_01_visibility_counts;
mod m20261218_01_report_groups;
mod m20261225_01_activities;
mod m20261229_01_reblog_marks;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_moderation::Migration),
            Box::new(m20261123_000003_email_confirmation::Migration),
            Box::new(m20261123_000004_user_search::Migration),
            Box::new(m20261130_000005_secret_digests::Migration),
            Box::new(m20261130_000006_case_insensitive_users::Migration),
            Box::new(m20261201_000007_auth_generation::Migration),
            Box::new(m20261201_000008_users_id_nickname::Migration),
            Box::new(m20261201_000009_content::Migration),
            Box::new(m20261201_000013_instance_admin::Migration),
            Box::new(m20261201_000014_federation::Migration),
            Box::new(m20261201_000015_backups::Migration),
            Box::new(m20261201_000019_chats::Migration),
            Box::new(m20261201_000020_mascots::Migration),
            Box::new(m20261201_000016_config::Migration),
            Box::new(m20261201_000021_users_list_index::Migration),
            Box::new(m20261206_000024_invite_token_digests::Migration),
            Box::new(m20261207_04_live_settings::Migration),
            Box::new(m20261207_05_captchas::Migration),
            Box::new(m20261208_05_events::Migration),
            Box::new(m20261208_01_signin::Migration),
            Box::new(m20261208_03_bookmarks::Migration),
            Box::new(m20261208_04_accounts::Migration),
            Box::new(m20261208_02_notifications::Migration),
            Box::new(m20261209_02_tail::Migration),
            Box::new(m20261209_03_polls::Migration),
            Box::new(m20261212_01_storage_version::Migration),
            Box::new(m20261210_01_counters::Migration),
            Box::new(m20261211_01_outbound::Migration),
            Box::new(m20261216_01_remote_resolution::Migration),
            Box::new(m20261217_01_visibility_counts::Migration),
            Box::new(m20261218_01_report_groups::Migration),
            Box::new(m20261225_01_activities::Migration),
            Box::new(m20261229_01_reblog_marks::Migration),
        ]
    }
}
