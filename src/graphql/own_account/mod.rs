//! The caller's own account: password, email, deactivation, deletion, aliases and moving
//! followers to another account. Every change but the aliases asks for the current password.
use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::{accounts::Account, ContextExt, FieldRule};
use crate::{auth::Access, domain::own_account as domain};

const READ: &[&str] = &["read:accounts"];
const WRITE: &[&str] = &["write:accounts"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "ownAliases", Access::User(READ)),
    ("Mutation", "changeOwnPassword", Access::User(WRITE)),
    ("Mutation", "changeOwnEmail", Access::User(WRITE)),
    ("Mutation", "disableOwnAccount", Access::User(WRITE)),
    ("Mutation", "deleteOwnAccount", Access::User(WRITE)),
    ("Mutation", "addOwnAlias", Access::User(WRITE)),
    ("Mutation", "removeOwnAlias", Access::User(WRITE)),
    ("Mutation", "moveOwnFollowers", Access::User(WRITE)),
];

/// Reads of the caller's own account.
#[derive(Default)]
pub struct OwnAccountQuery;

#[Object]
impl OwnAccountQuery {
    /// The caller's aliases (`alsoKnownAs`) as full nicknames (`nick@host`); unknown accounts
    /// are left out.
    async fn own_aliases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let user = ctx.viewer().require_user()?;
        Ok(domain::aliases(&ctx.db().read, ctx.settings(), user).await?)
    }
}

/// A new password.
#[derive(InputObject)]
pub struct ChangeOwnPasswordInput {
    /// The current password.
    pub password: String,
    /// The new password.
    pub new_password: String,
    /// The new password again.
    pub new_password_confirmation: String,
}

/// A new email address.
#[derive(InputObject)]
pub struct ChangeOwnEmailInput {
    /// The current password.
    pub password: String,
    /// The new address; empty removes it (unless the instance requires activation).
    pub email: String,
}

/// The current password, confirming a change.
#[derive(InputObject)]
pub struct OwnPasswordInput {
    /// The current password.
    pub password: String,
}

/// An alias: another account of the caller.
#[derive(InputObject)]
pub struct OwnAliasInput {
    /// Its nickname (`nick` or `nick@host`).
    pub alias: String,
}

/// Moving followers to another account.
#[derive(InputObject)]
pub struct MoveOwnFollowersInput {
    /// The current password.
    pub password: String,
    /// The target's nickname (`nick` or `nick@host`); it must list the caller in `alsoKnownAs`.
    pub target_account: String,
}

/// The caller's account after a change.
#[derive(SimpleObject)]
pub struct OwnAccountPayload {
    /// The account.
    pub account: Account,
}

/// Followers moved to another account.
#[derive(SimpleObject)]
pub struct MoveOwnFollowersPayload {
    /// Local followers who now follow the target.
    pub moved: u64,
}

/// Changes to the caller's own account. A wrong current password is `BAD_REQUEST`
/// "Invalid password.".
#[derive(Default)]
pub struct OwnAccountMutation;

#[Object]
impl OwnAccountMutation {
    /// Change the password: the confirmation must match ("New password does not match
    /// confirmation."), and every token of the account is revoked, this one too.
    async fn change_own_password(
        &self,
        ctx: &Context<'_>,
        input: ChangeOwnPasswordInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::change_password(
            ctx.db(),
            user,
            &input.password,
            &input.new_password,
            &input.new_password_confirmation,
        )
        .await?;
        Ok(OwnAccountPayload { account: Account::new(row) })
    }

    /// Change the email address ("Email has invalid format.", "Email has already been taken.").
    async fn change_own_email(
        &self,
        ctx: &Context<'_>,
        input: ChangeOwnEmailInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::change_email(ctx.db(), ctx.settings(), user, &input.password, &input.email).await?;
        Ok(OwnAccountPayload { account: Account::new(row) })
    }

    /// Deactivate the account; its tokens are revoked.
    async fn disable_own_account(
        &self,
        ctx: &Context<'_>,
        input: OwnPasswordInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::disable(ctx.db(), user, &input.password).await?;
        Ok(OwnAccountPayload { account: Account::new(row) })
    }

    /// Delete the account: it is deactivated at once and its content deleted in the background.
    async fn delete_own_account(
        &self,
        ctx: &Context<'_>,
        input: OwnPasswordInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::delete(ctx.db(), user, &input.password).await?;
        Ok(OwnAccountPayload { account: Account::new(row) })
    }

    /// Add an alias (`BAD_REQUEST` "not_found" for an unknown account).
    async fn add_own_alias(&self, ctx: &Context<'_>, input: OwnAliasInput) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        Ok(OwnAccountPayload { account: Account::new(domain::add_alias(ctx.db(), user, &input.alias).await?) })
    }

    /// Remove an alias (`NOT_FOUND` "Account has no such alias.").
    async fn remove_own_alias(
        &self,
        ctx: &Context<'_>,
        input: OwnAliasInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        Ok(OwnAccountPayload { account: Account::new(domain::remove_alias(ctx.db(), user, &input.alias).await?) })
    }

    /// Move followers to another account of the caller: local followers who allow it follow the
    /// target instead (`NOT_FOUND` "Target account not found."; `BAD_REQUEST` when the target
    /// does not list the caller in `alsoKnownAs`).
    async fn move_own_followers(
        &self,
        ctx: &Context<'_>,
        input: MoveOwnFollowersInput,
    ) -> async_graphql::Result<MoveOwnFollowersPayload> {
        let user = ctx.viewer().require_user()?;
        let moved = domain::move_followers(ctx.db(), user, &input.password, &input.target_account).await?;
        Ok(MoveOwnFollowersPayload { moved })
    }
}
