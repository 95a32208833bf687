//! Credentials: editing a user's account fields, password resets, MFA and email confirmation.
mod types;

use async_graphql::{Context, Object};
pub use types::*;

use super::{
    users::{log_actor, ChangedUsersPayload, User, UserBatchInput},
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::credentials::{self as domain},
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateUserCredentialsInput,
    ) -> async_graphql::Result<UpdateUserCredentialsPayload> {
        let actor = log_actor(ctx)?;
        let nickname = input.nickname.clone();
        let user = domain::update_credentials(ctx.db(), ctx.settings(), &actor, &nickname, input.changes()).await?;
        Ok(UpdateUserCredentialsPayload { user })
    }

    /// Create a password-reset token for a local user and return it with its link (no mail is
    /// sent).
    async fn create_password_reset_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreatePasswordResetTokenInput,
    ) -> async_graphql::Result<PasswordResetTokenPayload> {
        let (token, link) = domain::admin_reset_link(ctx.db(), ctx.settings(), &input.nickname).await?;
        Ok(PasswordResetTokenPayload { token, link })
    }

    /// Require users to reset their password before signing in again; revokes their tokens.
    /// Logged as `force_password_reset`.
    async fn force_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(domain::force_password_reset(ctx.db(), &actor, &input.nicknames).await?))
    }

    /// Turn off a user's multi-factor authentication. Not logged, as in Pleroma.
    async fn disable_mfa(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DisableMfaInput,
    ) -> async_graphql::Result<DisableMfaPayload> {
        let user = User::from(domain::disable_mfa(ctx.db(), &input.nickname).await?);
        Ok(DisableMfaPayload { nickname: input.nickname, user })
    }

    /// Mark users' email addresses confirmed. Logged as `confirm_email`.
    async fn confirm_emails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        let before = crate::domain::users::require_by_nicknames(&ctx.db().write, &input.nicknames).await?;
        let after = domain::confirm_emails(ctx.db(), &actor, &input.nicknames).await?;
        crate::domain::registration::welcome_newly_active(ctx.db(), ctx.settings(), ctx.mailer(), &before, &after)
            .await;
        Ok(ChangedUsersPayload(after))
    }

    /// Mail the confirmation link again to those of the users still awaiting confirmation.
    /// Logged as `resend_confirmation_email`.
    async fn resend_confirmation_emails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserBatchInput,
    ) -> async_graphql::Result<ResendConfirmationEmailsPayload> {
        let actor = log_actor(ctx)?;
        let resent =
            domain::resend_confirmation_emails(ctx.db(), ctx.settings(), ctx.mailer(), &actor, &input.nicknames)
                .await?;
        Ok(ResendConfirmationEmailsPayload { resent })
    }
}
