//! Data-export backups: the caller's own, and an admin's request for a user (ROUTES.md §22).
use async_graphql::{Context, InputObject, Object, SimpleObject};
use entity::backup;

use super::{scalars::DateTime, ContextExt, FieldRule};
use crate::{auth::Access, domain::backups};

/// Access rules of this area's fields. Pleroma asks `read:backups` even to create one, and
/// `admin:read:accounts` for an admin's request.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "myBackups", Access::User(&["read:backups"])),
    ("Mutation", "requestBackup", Access::User(&["read:backups"])),
    ("Mutation", "createBackup", Access::Admin(&["admin:read:accounts"])),
];

/// A data-export archive.
#[derive(SimpleObject)]
pub struct Backup {
    /// Its id.
    pub id: i64,
    /// Always `application/zip`.
    pub content_type: String,
    /// Its download URL (it exists once `processed` is true).
    pub url: String,
    /// Its size in bytes (0 until processed).
    pub file_size: i64,
    /// The archive is complete.
    pub processed: bool,
    /// `pending`, `running`, `complete` or `failed`.
    pub state: String,
    /// Statuses written so far while it runs.
    pub processed_number: i32,
    /// When it was requested.
    pub inserted_at: DateTime,
}

impl Backup {
    /// With a download link signed for the caller (the row's owner or an admin).
    fn from_row(ctx: &Context<'_>, secret: &[u8], row: backup::Model) -> Backup {
        let expires = chrono::Utc::now().timestamp() + backups::LINK_LIFETIME;
        Backup {
            id: row.id,
            content_type: row.content_type,
            url: backups::signed_url(ctx.settings(), secret, &row.file_name, expires),
            file_size: row.file_size,
            processed: row.processed,
            state: row.state,
            processed_number: row.processed_number,
            inserted_at: DateTime(row.inserted_at),
        }
    }
}

/// The caller's backups after the request.
#[derive(SimpleObject)]
pub struct RequestBackupPayload {
    /// All of the caller's backups, newest first.
    pub backups: Vec<Backup>,
}

/// Whose archive to build.
#[derive(InputObject)]
pub struct CreateBackupInput {
    /// A local user's nickname.
    pub nickname: String,
}

/// The queued backup.
#[derive(SimpleObject)]
pub struct CreateBackupPayload {
    /// The new backup (not yet processed).
    pub backup: Backup,
}

/// Backup queries.
#[derive(Default)]
pub struct BackupsQuery;

#[Object]
impl BackupsQuery {
    /// The caller's backups, newest first.
    async fn my_backups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Backup>> {
        let user = ctx.viewer().require_user()?;
        let rows = backups::list(&ctx.db().read, &user.id).await?;
        let secret = backups::link_secret(&ctx.db().write, ctx.settings()).await?;
        Ok(rows.into_iter().map(|r| Backup::from_row(ctx, &secret, r)).collect())
    }
}

/// Backup mutations.
#[derive(Default)]
pub struct BackupsMutation;

#[Object]
impl BackupsMutation {
    /// Ask for an archive of the caller's data (Pleroma's `Backup.user`): at most one per
    /// `limit_days` days, else `BAD_REQUEST` `Last export was less than 7 days ago`. A job builds
    /// it and mails the caller the link.
    async fn request_backup(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<RequestBackupPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let rows = backups::request_own(ctx.db(), ctx.settings(), &user).await?;
        let secret = backups::link_secret(&ctx.db().write, ctx.settings()).await?;
        Ok(RequestBackupPayload { backups: rows.into_iter().map(|r| Backup::from_row(ctx, &secret, r)).collect() })
    }

    /// Build an archive of a local user's data, without the user's limit. Logged as
    /// `create_backup`. An unknown nickname is `NOT_FOUND`.
    async fn create_backup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateBackupInput,
    ) -> async_graphql::Result<CreateBackupPayload> {
        let admin = ctx.viewer().require_user()?.clone();
        let row = backups::request_for(ctx.db(), &admin, &input.nickname).await?;
        let secret = backups::link_secret(&ctx.db().write, ctx.settings()).await?;
        Ok(CreateBackupPayload { backup: Backup::from_row(ctx, &secret, row) })
    }
}
