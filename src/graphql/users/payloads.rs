//! Inputs and payloads of the users area's mutations.
use async_graphql::{InputObject, Object, SimpleObject};
use entity::user;

use super::{to_users, User};
use crate::domain::{moderation_log::Permission, user_admin::FollowPair};

/// One local account to create.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Nickname: letters, digits, `_` and `-`, not a reserved path name.
    pub nickname: String,
    /// Email address (well-formed, unused).
    pub email: String,
    /// Password (not blank).
    pub password: String,
}

/// Accounts to create, all or none.
#[derive(InputObject)]
pub struct CreateUsersInput {
    /// The accounts. When any is invalid nothing is created and the error's
    /// `extensions.details` lists every account (in reverse order, as Pleroma does) with its
    /// first error (`""` for the valid ones).
    pub users: Vec<CreateUserInput>,
}

/// The result of `createUsers`.
#[derive(SimpleObject)]
pub struct CreateUsersPayload {
    /// The new accounts, in request order.
    pub users: Vec<User>,
}

/// Accounts to delete.
#[derive(InputObject)]
pub struct DeleteUsersInput {
    /// Local or remote nicknames; each must exist, or nothing is deleted.
    pub nicknames: Option<Vec<String>>,
    /// One nickname (Pleroma's deprecated single-user form); wins over `nicknames`.
    pub nickname: Option<String>,
}

/// The result of `deleteUsers`.
#[derive(SimpleObject)]
pub struct DeleteUsersPayload {
    /// The nicknames as given (every one existed and is gone).
    pub nicknames: Vec<String>,
}

/// Who should follow (or stop following) whom.
#[derive(InputObject)]
pub struct UserFollowInput {
    /// Nickname of the follower.
    pub follower: String,
    /// Nickname of the followed account.
    pub followed: String,
}

/// The result of `followUser` and `unfollowUser`.
pub struct UserFollowPayload(pub Option<FollowPair>);

/// The result of `followUser` and `unfollowUser`.
#[Object]
impl UserFollowPayload {
    /// Whether both accounts exist (when not, nothing happened and nothing was logged).
    async fn applied(&self) -> bool {
        self.0.is_some()
    }
    /// The follower, when both accounts exist.
    async fn follower(&self) -> Option<User> {
        self.0.as_ref().map(|p| User::from(p.follower.clone()))
    }
    /// The followed account, when both accounts exist.
    async fn followed(&self) -> Option<User> {
        self.0.as_ref().map(|p| User::from(p.followed.clone()))
    }
}

/// One user, by nickname.
#[derive(InputObject)]
pub struct UserNicknameInput {
    /// Local or remote nickname.
    pub nickname: String,
}

/// The result of `toggleUserActivation`.
#[derive(SimpleObject)]
pub struct ToggleUserActivationPayload {
    /// The user after the toggle.
    pub user: User,
}

/// Set one user's activation (the older Akkoma Admin API form).
#[derive(InputObject)]
pub struct SetUserActivationInput {
    /// Local or remote nickname.
    pub nickname: String,
    /// `true` activates, `false` deactivates (and revokes the user's tokens).
    pub active: bool,
}

/// The result of `setUserActivation`.
#[derive(SimpleObject)]
pub struct SetUserActivationPayload {
    /// The user as changed.
    pub user: User,
}

/// Users to act on, by nickname (every bulk action on users: activation, approval,
/// suggestions, forced password resets, email confirmation).
#[derive(InputObject)]
pub struct UserBatchInput {
    /// Local or remote nicknames; each must exist, or nothing changes and nothing is logged
    /// (`NOT_FOUND`).
    pub nicknames: Vec<String>,
}

/// Users and tags.
#[derive(InputObject)]
pub struct TagUsersInput {
    /// Local or remote nicknames; each must exist, or nothing changes (`NOT_FOUND`).
    pub nicknames: Vec<String>,
    /// Tags (stored lower-cased), e.g. `force_nsfw`, `mrf_tag:disable-any-subscription`.
    pub tags: Vec<String>,
}

/// The users a mutation changed.
pub struct ChangedUsersPayload(pub Vec<user::Model>);

/// The users a mutation changed.
#[Object]
impl ChangedUsersPayload {
    /// The users, in request order, as changed.
    async fn users(&self) -> Vec<User> {
        to_users(self.0.clone())
    }
}

/// A permission group for many users.
#[derive(InputObject)]
pub struct PermissionGroupInput {
    /// `admin` or `moderator` (anything else is `NOT_FOUND`: "No such permission_group").
    pub group: String,
    /// Local or remote nicknames; each must exist, or nothing changes.
    pub nicknames: Vec<String>,
}

/// A permission group for one user.
#[derive(InputObject)]
pub struct UserPermissionGroupInput {
    /// Local or remote nickname.
    pub nickname: String,
    /// `admin` or `moderator`.
    pub group: String,
}

/// The result of a permission-group change: the flag that changed, with its new value.
#[derive(async_graphql::Interface)]
#[graphql(field(name = "users", ty = "Vec<User>", desc = "The users, in request order, as changed."))]
pub enum PermissionGroupPayload {
    /// The `admin` group changed.
    Admin(AdminGroupPayload),
    /// The `moderator` group changed.
    Moderator(ModeratorGroupPayload),
}

/// The `admin` group was granted or revoked.
pub struct AdminGroupPayload {
    value: bool,
    users: Vec<user::Model>,
}

/// The `admin` group was granted or revoked.
#[Object]
impl AdminGroupPayload {
    /// The users' admin flag now.
    async fn is_admin(&self) -> bool {
        self.value
    }
    /// The users, in request order, as changed.
    async fn users(&self) -> Vec<User> {
        to_users(self.users.clone())
    }
}

/// The `moderator` group was granted or revoked.
pub struct ModeratorGroupPayload {
    value: bool,
    users: Vec<user::Model>,
}

/// The `moderator` group was granted or revoked.
#[Object]
impl ModeratorGroupPayload {
    /// The users' moderator flag now.
    async fn is_moderator(&self) -> bool {
        self.value
    }
    /// The users, in request order, as changed.
    async fn users(&self) -> Vec<User> {
        to_users(self.users.clone())
    }
}

pub(super) fn group_payload(
    (permission, users): (Permission, Vec<user::Model>),
    value: bool,
) -> PermissionGroupPayload {
    match permission {
        Permission::Admin => PermissionGroupPayload::Admin(AdminGroupPayload { value, users }),
        Permission::Moderator => PermissionGroupPayload::Moderator(ModeratorGroupPayload { value, users }),
    }
}
