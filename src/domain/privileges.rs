//! What a staff member may do: Pleroma's privileges, granted per role by the settings.
use serde::{Deserialize, Serialize};

use crate::config::Instance;

/// Pleroma's `admin_privileges`: what a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    UsersRead,
    UsersManageInvites,
    UsersManageActivationState,
    UsersManageTags,
    UsersManageCredentials,
    UsersDelete,
    MessagesRead,
    MessagesDelete,
    InstancesDelete,
    ReportsManageReports,
    ModerationLogRead,
    AnnouncementsManageAnnouncements,
    EmojiManageEmoji,
    StatisticsRead,
}

impl Privilege {
    /// Every privilege, in Pleroma's order.
    pub const ALL: [Privilege; 14] = [
        Privilege::UsersRead,
        Privilege::UsersManageInvites,
        Privilege::UsersManageActivationState,
        Privilege::UsersManageTags,
        Privilege::UsersManageCredentials,
        Privilege::UsersDelete,
        Privilege::MessagesRead,
        Privilege::MessagesDelete,
        Privilege::InstancesDelete,
        Privilege::ReportsManageReports,
        Privilege::ModerationLogRead,
        Privilege::AnnouncementsManageAnnouncements,
        Privilege::EmojiManageEmoji,
        Privilege::StatisticsRead,
    ];

    /// Pleroma's name for it (`users_read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::UsersRead => "users_read",
            Privilege::UsersManageInvites => "users_manage_invites",
            Privilege::UsersManageActivationState => "users_manage_activation_state",
            Privilege::UsersManageTags => "users_manage_tags",
            Privilege::UsersManageCredentials => "users_manage_credentials",
            Privilege::UsersDelete => "users_delete",
            Privilege::MessagesRead => "messages_read",
            Privilege::MessagesDelete => "messages_delete",
            Privilege::InstancesDelete => "instances_delete",
            Privilege::ReportsManageReports => "reports_manage_reports",
            Privilege::ModerationLogRead => "moderation_log_read",
            Privilege::AnnouncementsManageAnnouncements => "announcements_manage_announcements",
            Privilege::EmojiManageEmoji => "emoji_manage_emoji",
            Privilege::StatisticsRead => "statistics_read",
        }
    }

    /// The privileges a user holds under these settings.
    pub fn held_by(user: &entity::user::Model, instance: &Instance) -> Vec<Privilege> {
        Privilege::ALL
            .into_iter()
            .filter(|p| {
                (user.is_admin && instance.admin_privileges.contains(p))
                    || (user.is_moderator && instance.moderator_privileges.contains(p))
            })
            .collect()
    }
}
