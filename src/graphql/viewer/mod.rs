//! The caller: who they are, their privileges and token scopes.
use async_graphql::{Context, Object};

use super::{users::User, ContextExt, FieldRule};
use crate::auth::{self, Access};

/// What a staff member may do (Pleroma's `admin_privileges` and `moderator_privileges`).
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "auth::Privilege")]
pub enum Privilege {
    /// Read accounts and their details.
    UsersRead,
    /// Manage invites and approve registrations.
    UsersManageInvites,
    /// Activate and deactivate accounts.
    UsersManageActivationState,
    /// Tag and untag accounts.
    UsersManageTags,
    /// Change accounts' credentials, force password resets, turn MFA off.
    UsersManageCredentials,
    /// Delete accounts.
    UsersDelete,
    /// Read statuses and chats.
    MessagesRead,
    /// Delete and change statuses.
    MessagesDelete,
    /// Delete instances.
    InstancesDelete,
    /// Handle reports.
    ReportsManageReports,
    /// Read the moderation log.
    ModerationLogRead,
    /// Manage announcements.
    AnnouncementsManageAnnouncements,
    /// Manage custom emoji.
    EmojiManageEmoji,
    /// Read statistics.
    StatisticsRead,
}

/// The GraphQL names of these privileges.
pub fn privileges(held: &[auth::Privilege]) -> Vec<Privilege> {
    held.iter().map(|p| Privilege::from(*p)).collect()
}

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[("Query", "viewer", Access::Public)];

/// The authenticated caller.
pub struct Me {
    user: entity::user::Model,
    privileges: Vec<auth::Privilege>,
    scopes: Option<Vec<String>>,
}

/// The authenticated caller.
#[Object]
impl Me {
    /// The caller's account.
    async fn user(&self) -> User {
        User::from(self.user.clone())
    }
    /// Privileges the caller holds under this instance's settings.
    async fn privileges(&self) -> Vec<Privilege> {
        privileges(&self.privileges)
    }
    /// The token's OAuth scopes (`null` for HTTP Basic, which skips scope checks).
    async fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }
}

/// Who is calling.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The authenticated caller, or `null` when anonymous.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<Me> {
        let viewer = ctx.viewer();
        viewer.user.clone().map(|user| Me {
            privileges: auth::Privilege::held_by(&user, &ctx.settings().instance),
            scopes: viewer.scopes.clone(),
            user,
        })
    }
}
