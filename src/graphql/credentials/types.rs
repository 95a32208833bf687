//! Types of the credentials area.
use async_graphql::{InputObject, Json, Object, SimpleObject};

use crate::domain::credentials::{self as domain, CredentialChanges};
use crate::graphql::users::User;

/// A profile field to set.
#[derive(InputObject, Clone)]
pub struct ProfileFieldInput {
    /// Label (at most 512 characters).
    pub name: String,
    /// Value (at most 2048 characters).
    pub value: String,
}

/// The account fields to change; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserCredentialsInput {
    /// The user's nickname.
    pub nickname: String,
    /// New email address (must be well-formed and unused); `""` removes it.
    pub email: Option<String>,
    /// New password. The user's tokens are revoked and they must reset their password before
    /// signing in again.
    pub password: Option<String>,
    /// Display name (at most 100 characters); `""` removes it.
    pub name: Option<String>,
    /// Bio (at most 5000 characters).
    pub bio: Option<String>,
    /// Avatar: an image URL, `{"url": "..."}` or an ActivityPub image
    /// (`{"url": [{"href": "..."}]}`); `{}` removes it.
    pub avatar: Option<Json<serde_json::Value>>,
    /// Banner, in the same forms as `avatar`.
    pub banner: Option<Json<serde_json::Value>>,
    /// Background image, in the same forms as `avatar`.
    pub background: Option<Json<serde_json::Value>>,
    /// Follows need approval.
    pub is_locked: Option<bool>,
    /// Posts are plain text only.
    pub no_rich_text: Option<bool>,
    /// Default post visibility: `public`, `unlisted`, `private` or `direct`.
    pub default_scope: Option<String>,
    /// Hide whom the user follows.
    pub hide_follows: Option<bool>,
    /// Hide the user's followers.
    pub hide_followers: Option<bool>,
    /// Hide the followers count.
    pub hide_followers_count: Option<bool>,
    /// Hide the follows count.
    pub hide_follows_count: Option<bool>,
    /// Hide favourites.
    pub hide_favorites: Option<bool>,
    /// Follow along when followed accounts move.
    pub allow_following_move: Option<bool>,
    /// Show the staff role on the profile.
    pub show_role: Option<bool>,
    /// Skip thread containment.
    pub skip_thread_containment: Option<bool>,
    /// Profile fields (at most 10), replacing the current ones.
    pub fields: Option<Vec<ProfileFieldInput>>,
    /// Listed in the directory and search engines.
    pub is_discoverable: Option<bool>,
    /// `Person` or `Service`.
    pub actor_type: Option<String>,
}

impl UpdateUserCredentialsInput {
    pub fn changes(self) -> CredentialChanges {
        CredentialChanges {
            email: self.email,
            password: self.password,
            name: self.name,
            bio: self.bio,
            avatar: self.avatar.map(|j| j.0),
            banner: self.banner.map(|j| j.0),
            background: self.background.map(|j| j.0),
            is_locked: self.is_locked,
            no_rich_text: self.no_rich_text,
            default_scope: self.default_scope,
            hide_follows: self.hide_follows,
            hide_followers: self.hide_followers,
            hide_followers_count: self.hide_followers_count,
            hide_follows_count: self.hide_follows_count,
            hide_favorites: self.hide_favorites,
            allow_following_move: self.allow_following_move,
            show_role: self.show_role,
            skip_thread_containment: self.skip_thread_containment,
            fields: self.fields.map(|f| f.into_iter().map(|f| (f.name, f.value)).collect()),
            is_discoverable: self.is_discoverable,
            actor_type: self.actor_type,
        }
    }
}

/// The result of `updateUserCredentials`.
pub struct UpdateUserCredentialsPayload {
    pub user: entity::user::Model,
}

/// The result of `updateUserCredentials`.
#[Object]
impl UpdateUserCredentialsPayload {
    /// The user as changed.
    async fn user(&self) -> User {
        User::from(self.user.clone())
    }
}

/// Whose password-reset token to create.
#[derive(InputObject)]
pub struct CreatePasswordResetTokenInput {
    /// A local user's nickname.
    pub nickname: String,
}

/// A single-use password-reset token (valid for 24 hours) and the page it opens.
#[derive(SimpleObject)]
pub struct PasswordResetTokenPayload {
    /// The token.
    pub token: String,
    /// `<instance>/api/v1/pleroma/password_reset/<token>`: the reset form.
    pub link: String,
}

/// Whose multi-factor authentication to turn off.
#[derive(InputObject)]
pub struct DisableMfaInput {
    /// Local or remote nickname.
    pub nickname: String,
}

/// The result of `disableMfa`.
#[derive(SimpleObject)]
pub struct DisableMfaPayload {
    /// The nickname as given (what Pleroma answers).
    pub nickname: String,
    /// The user, multi-factor authentication off.
    pub user: User,
}

/// The result of `resendConfirmationEmails`.
pub struct ResendConfirmationEmailsPayload {
    pub resent: domain::Resent,
}

/// The result of `resendConfirmationEmails`.
#[Object]
impl ResendConfirmationEmailsPayload {
    /// Every user the nicknames named, in request order, each once.
    async fn users(&self) -> Vec<User> {
        self.resent.users.iter().cloned().map(User::from).collect()
    }
    /// Those a confirmation mail went to: local, unconfirmed, with an email address.
    async fn mailed(&self) -> Vec<User> {
        self.resent.mailed.iter().cloned().map(User::from).collect()
    }
}
