//! The caller's own account: password, email, deactivation, deletion, aliases and moving
//! followers to another account. Every change but the aliases asks for the current password.
use async_graphql::{Context, InputObject, Json, Object, SimpleObject, Upload, ID};

use super::{
    accounts::Account,
    scalars::DateTime,
    statuses::{file_url, Attachment},
    ContextExt, FieldRule,
};
use crate::{
    auth::Access,
    domain::{
        imports::{self, ImportKind},
        media::NewMedia,
        own_account as domain,
    },
    error::AppError,
};

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
    // Pleroma checks no scope on its session list, only that a user signed in.
    ("Query", "ownSessions", Access::User(&[])),
    ("Mutation", "revokeOwnSession", Access::User(&[])),
    ("Query", "frontendSettings", Access::User(READ)),
    ("Mutation", "updateFrontendSettings", Access::User(WRITE)),
    ("Query", "mascot", Access::User(READ)),
    ("Mutation", "setMascot", Access::User(WRITE)),
    ("Mutation", "importFollows", Access::User(&["follow", "write:follows"])),
    ("Mutation", "importBlocks", Access::User(&["follow", "write:blocks"])),
    ("Mutation", "importMutes", Access::User(&["follow", "write:mutes"])),
];

/// One of the caller's OAuth sessions.
pub struct OAuthSession(domain::Session);

/// A token the caller holds, and the app it was issued to.
#[Object]
impl OAuthSession {
    /// Token id (revoke it by this id).
    async fn id(&self) -> i64 {
        self.0.token.id
    }
    /// The app's name.
    async fn app_name(&self) -> &str {
        &self.0.app_name
    }
    /// When the token expires.
    async fn valid_until(&self) -> DateTime {
        DateTime(self.0.token.valid_until)
    }
}

/// The caller's mascot: their upload, or the instance's default.
pub struct Mascot(Option<entity::media_attachment::Model>);

/// The image a frontend shows beside the caller's post form.
#[Object]
impl Mascot {
    /// The upload's id, or `default-mascot`.
    async fn id(&self) -> ID {
        ID(self.0.as_ref().map_or_else(|| "default-mascot".to_string(), |m| m.id.clone()))
    }
    /// The image's URL.
    async fn url(&self, ctx: &Context<'_>) -> String {
        match &self.0 {
            Some(m) => file_url(ctx.settings(), m),
            None => domain::DEFAULT_MASCOT_URL.to_string(),
        }
    }
    /// Its type.
    async fn mime_type(&self) -> &str {
        self.0.as_ref().map_or("image/png", |m| m.content_type.as_str())
    }
    /// The upload as an attachment; `null` for the instance's default.
    async fn attachment(&self) -> Option<Attachment> {
        self.0.clone().map(Attachment)
    }
}

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

    /// The caller's OAuth sessions (tokens issued to an app), newest first.
    async fn own_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OAuthSession>> {
        let user = ctx.viewer().require_user()?;
        Ok(domain::sessions(&ctx.db().read, user).await?.into_iter().map(OAuthSession).collect())
    }

    /// A frontend's settings synced for the caller (`{}` when none are stored).
    async fn frontend_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The frontend's name (`pleroma_fe`, `soapbox_fe`, …).")] app: String,
    ) -> async_graphql::Result<Json<serde_json::Value>> {
        let user = ctx.viewer().require_user()?;
        Ok(Json(domain::frontend_settings(user, &app)))
    }

    /// The caller's mascot.
    async fn mascot(&self, ctx: &Context<'_>) -> async_graphql::Result<Mascot> {
        let user = ctx.viewer().require_user()?;
        Ok(Mascot(domain::mascot(&ctx.db().read, user).await?))
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

/// The mascot set.
#[derive(SimpleObject)]
pub struct MascotPayload {
    /// The new mascot.
    pub mascot: Mascot,
}

/// A session to revoke.
#[derive(InputObject)]
pub struct RevokeOwnSessionInput {
    /// The session's (its token's) id.
    pub id: i64,
}

/// A session revoked.
#[derive(SimpleObject)]
pub struct RevokeOwnSessionPayload {
    /// Always `true`: another user's token or an unknown id changes nothing and is not an error.
    pub revoked: bool,
}

/// Changes to a frontend's synced settings.
#[derive(InputObject)]
pub struct UpdateFrontendSettingsInput {
    /// The frontend's name (`pleroma_fe`, `soapbox_fe`, …).
    pub app: String,
    /// A JSON object merged into the stored settings (objects merge key by key, `null` deletes
    /// a key).
    pub changes: Json<serde_json::Map<String, serde_json::Value>>,
}

/// A frontend's synced settings after a change.
#[derive(SimpleObject)]
pub struct UpdateFrontendSettingsPayload {
    /// The settings, merged.
    pub settings: Json<serde_json::Value>,
}

/// A new mascot.
#[derive(InputObject)]
pub struct SetMascotInput {
    /// The image to use.
    pub file: Upload,
}

/// A list of accounts to import.
#[derive(InputObject)]
pub struct ImportAccountsInput {
    /// The list: for follows a Mastodon CSV export (its first column) or one account per line;
    /// for blocks and mutes accounts separated by white space. Each account is `nickname@host`
    /// or a local nickname.
    pub list: String,
}

/// An import queued.
#[derive(SimpleObject)]
pub struct ImportPayload {
    /// Accounts named in the list (unknown ones are skipped when the import runs).
    pub accounts: u64,
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ChangeOwnPasswordInput,
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ChangeOwnEmailInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::change_email(ctx.db(), ctx.settings(), user, &input.password, &input.email).await?;
        Ok(OwnAccountPayload { account: Account::new(row) })
    }

    /// Deactivate the account; its tokens are revoked.
    async fn disable_own_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: OwnPasswordInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::disable(ctx.db(), user, &input.password).await?;
        Ok(OwnAccountPayload { account: Account::new(row) })
    }

    /// Delete the account: it is deactivated at once and its content deleted in the background.
    async fn delete_own_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: OwnPasswordInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::delete(ctx.db(), user, &input.password).await?;
        Ok(OwnAccountPayload { account: Account::new(row) })
    }

    /// Add an alias (`BAD_REQUEST` "not_found" for an unknown account).
    async fn add_own_alias(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: OwnAliasInput,
    ) -> async_graphql::Result<OwnAccountPayload> {
        let user = ctx.viewer().require_user()?;
        Ok(OwnAccountPayload { account: Account::new(domain::add_alias(ctx.db(), user, &input.alias).await?) })
    }

    /// Remove an alias (`NOT_FOUND` "Account has no such alias.").
    async fn remove_own_alias(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: OwnAliasInput,
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
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: MoveOwnFollowersInput,
    ) -> async_graphql::Result<MoveOwnFollowersPayload> {
        let user = ctx.viewer().require_user()?;
        let moved = domain::move_followers(ctx.db(), user, &input.password, &input.target_account).await?;
        Ok(MoveOwnFollowersPayload { moved })
    }

    /// Revoke one of the caller's sessions; another user's token or an unknown id changes
    /// nothing.
    async fn revoke_own_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session to revoke.")] input: RevokeOwnSessionInput,
    ) -> async_graphql::Result<RevokeOwnSessionPayload> {
        let user = ctx.viewer().require_user()?;
        domain::revoke_session(ctx.db(), user, input.id).await?;
        Ok(RevokeOwnSessionPayload { revoked: true })
    }

    /// Merge changes into a frontend's synced settings (objects merge key by key, `null`
    /// deletes a key); returns the settings merged.
    async fn update_frontend_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The frontend and the changes.")] input: UpdateFrontendSettingsInput,
    ) -> async_graphql::Result<UpdateFrontendSettingsPayload> {
        let user = ctx.viewer().require_user()?;
        let settings = domain::update_frontend_settings(ctx.db(), user, &input.app, &input.changes.0).await?;
        Ok(UpdateFrontendSettingsPayload { settings: Json(settings) })
    }

    /// Upload an image as the caller's mascot (`UNSUPPORTED_TYPE` "mascots can only be images").
    async fn set_mascot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The image to use.")] input: SetMascotInput,
    ) -> async_graphql::Result<MascotPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let upload = input.file.value(ctx).map_err(|e| AppError::BadRequest(e.to_string()))?;
        let new = NewMedia {
            filename: upload.filename,
            content_type: upload.content_type,
            file: upload.content,
            description: None,
        };
        let media = domain::set_mascot(ctx.db(), ctx.settings(), &user, new).await?;
        Ok(MascotPayload { mascot: Mascot(Some(media)) })
    }

    /// Follow every known account of a list: a Mastodon CSV export (first column) or one account
    /// per line. Runs in the background.
    async fn import_follows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The accounts.")] input: ImportAccountsInput,
    ) -> async_graphql::Result<ImportPayload> {
        import(ctx, ImportKind::Follows, imports::follow_list(&input.list)).await
    }

    /// Block every known account of a white-space separated list. Runs in the background.
    async fn import_blocks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The accounts.")] input: ImportAccountsInput,
    ) -> async_graphql::Result<ImportPayload> {
        import(ctx, ImportKind::Blocks, imports::plain_list(&input.list)).await
    }

    /// Mute every known account of a white-space separated list. Runs in the background.
    async fn import_mutes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The accounts.")] input: ImportAccountsInput,
    ) -> async_graphql::Result<ImportPayload> {
        import(ctx, ImportKind::Mutes, imports::plain_list(&input.list)).await
    }
}

async fn import(ctx: &Context<'_>, kind: ImportKind, accounts: Vec<String>) -> async_graphql::Result<ImportPayload> {
    let user = ctx.viewer().require_user()?;
    let count = accounts.len() as u64;
    imports::start(ctx.db(), user, kind, accounts).await?;
    Ok(ImportPayload { accounts: count })
}
