//! Credentials: editing a user's account fields, password resets, MFA and email confirmation.
use async_graphql::{Context, InputObject, Json, Object, SimpleObject};

use super::{
    users::{log_actor, ChangedUsersPayload, User, UserBatchInput},
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::credentials::{self as domain, CredentialChanges},
};

const WRITE_ACCOUNTS: &[&str] = &["admin:write:accounts"];
const WRITE: &[&str] = &["admin:write"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Mutation", "updateUserCredentials", Access::Staff(Privilege::UsersManageCredentials, WRITE_ACCOUNTS)),
    ("Mutation", "createPasswordResetToken", Access::Staff(Privilege::UsersManageCredentials, WRITE_ACCOUNTS)),
    ("Mutation", "forcePasswordReset", Access::Staff(Privilege::UsersManageCredentials, WRITE_ACCOUNTS)),
    ("Mutation", "disableMfa", Access::Staff(Privilege::UsersManageCredentials, WRITE_ACCOUNTS)),
    // Pleroma checks the broad `admin:write` for these two.
    ("Mutation", "confirmEmails", Access::Staff(Privilege::UsersManageCredentials, WRITE)),
    ("Mutation", "resendConfirmationEmails", Access::Staff(Privilege::UsersManageCredentials, WRITE)),
];

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
    fn changes(self) -> CredentialChanges {
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
    user: entity::user::Model,
}

/// The result of `updateUserCredentials`.
#[Object]
impl UpdateUserCredentialsPayload {
    /// The user as changed.
    async fn user(&self) -> User {
        User(self.user.clone())
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
    resent: domain::Resent,
}

/// The result of `resendConfirmationEmails`.
#[Object]
impl ResendConfirmationEmailsPayload {
    /// Every user the nicknames named, in request order, each once.
    async fn users(&self) -> Vec<User> {
        self.resent.users.iter().cloned().map(User).collect()
    }
    /// Those a confirmation mail went to: local, unconfirmed, with an email address.
    async fn mailed(&self) -> Vec<User> {
        self.resent.mailed.iter().cloned().map(User).collect()
    }
}

/// Credential changes.
#[derive(Default)]
pub struct CredentialsMutation;

#[Object]
impl CredentialsMutation {
    /// Change a user's account fields. A new password revokes the user's tokens and forces a
    /// password reset. Logged as `updated_users` (and `force_password_reset`).
    async fn update_user_credentials(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserCredentialsInput,
    ) -> async_graphql::Result<UpdateUserCredentialsPayload> {
        let actor = log_actor(ctx)?;
        let nickname = input.nickname.clone();
        let user = domain::update_credentials(ctx.db(), &actor, &nickname, input.changes()).await?;
        Ok(UpdateUserCredentialsPayload { user })
    }

    /// Create a password-reset token for a local user and return it with its link (no mail is
    /// sent).
    async fn create_password_reset_token(
        &self,
        ctx: &Context<'_>,
        input: CreatePasswordResetTokenInput,
    ) -> async_graphql::Result<PasswordResetTokenPayload> {
        let (token, link) = domain::admin_reset_link(ctx.db(), ctx.settings(), &input.nickname).await?;
        Ok(PasswordResetTokenPayload { token, link })
    }

    /// Require users to reset their password before signing in again; revokes their tokens.
    /// Logged as `force_password_reset`.
    async fn force_password_reset(
        &self,
        ctx: &Context<'_>,
        input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(domain::force_password_reset(ctx.db(), &actor, &input.nicknames).await?))
    }

    /// Turn off a user's multi-factor authentication. Not logged, as in Pleroma.
    async fn disable_mfa(&self, ctx: &Context<'_>, input: DisableMfaInput) -> async_graphql::Result<DisableMfaPayload> {
        let user = User(domain::disable_mfa(ctx.db(), &input.nickname).await?);
        Ok(DisableMfaPayload { nickname: input.nickname, user })
    }

    /// Mark users' email addresses confirmed. Logged as `confirm_email`.
    async fn confirm_emails(
        &self,
        ctx: &Context<'_>,
        input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(domain::confirm_emails(ctx.db(), &actor, &input.nicknames).await?))
    }

    /// Mail the confirmation link again to those of the users still awaiting confirmation.
    /// Logged as `resend_confirmation_email`.
    async fn resend_confirmation_emails(
        &self,
        ctx: &Context<'_>,
        input: UserBatchInput,
    ) -> async_graphql::Result<ResendConfirmationEmailsPayload> {
        let actor = log_actor(ctx)?;
        let resent =
            domain::resend_confirmation_emails(ctx.db(), ctx.settings(), ctx.mailer(), &actor, &input.nicknames)
                .await?;
        Ok(ResendConfirmationEmailsPayload { resent })
    }
}
