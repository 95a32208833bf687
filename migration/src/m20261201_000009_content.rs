//! Content and moderation: statuses, media, mentions, blocks and mutes, reports with their notes,
//! and the durable jobs table.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Follows {
    Table,
    ShowReblogs,
    Notify,
}

#[derive(DeriveIden)]
enum Statuses {
    Table,
    Id,
    ApId,
    UserId,
    Content,
    Source,
    ContentType,
    Visibility,
    Sensitive,
    SpoilerText,
    InReplyToId,
    InReplyToUserId,
    ReblogOfId,
    QuoteOfId,
    Context,
    Language,
    Local,
    IdempotencyKey,
    CreatedAt,
    EditedAt,
}

#[derive(DeriveIden)]
enum MediaAttachments {
    Table,
    Id,
    UserId,
    StatusId,
    FileName,
    ContentType,
    Size,
    Description,
    RemoteUrl,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Mentions {
    Table,
    StatusId,
    UserId,
}

#[derive(DeriveIden)]
enum Blocks {
    Table,
    BlockerId,
    BlockedId,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Mutes {
    Table,
    MuterId,
    MutedId,
    Notifications,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    ApId,
    ActorId,
    AccountId,
    Content,
    State,
    Forwarded,
    RuleIds,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReportStatuses {
    Table,
    ReportId,
    StatusId,
    Position,
    Snapshot,
}

#[derive(DeriveIden)]
enum ReportNotes {
    Table,
    Id,
    ReportId,
    UserId,
    Content,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Queue,
    Kind,
    Args,
    State,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedUntil,
    LockedBy,
    LastError,
    InsertedAt,
    CompletedAt,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(32).not_null().to_owned()
}

fn user_fk(table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Mastodon's follow options.
        manager
            .alter_table(
                Table::alter()
                    .table(Follows::Table)
                    .add_column(ColumnDef::new(Follows::ShowReblogs).boolean().not_null().default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Follows::Table)
                    .add_column(ColumnDef::new(Follows::Notify).boolean().not_null().default(false))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Statuses::Table)
                    .col(id(Statuses::Id).primary_key())
                    .col(ColumnDef::new(Statuses::ApId).text().not_null().unique_key())
                    .col(id(Statuses::UserId))
                    .col(ColumnDef::new(Statuses::Content).text().not_null().default(""))
                    .col(ColumnDef::new(Statuses::Source).text().null())
                    .col(ColumnDef::new(Statuses::ContentType).string_len(64).not_null().default("text/plain"))
                    .col(ColumnDef::new(Statuses::Visibility).string_len(16).not_null())
                    .col(ColumnDef::new(Statuses::Sensitive).boolean().not_null().default(false))
                    .col(ColumnDef::new(Statuses::SpoilerText).text().not_null().default(""))
                    // No foreign keys on these: a reply outlives its parent, as in Pleroma.
                    .col(ColumnDef::new(Statuses::InReplyToId).string_len(32).null())
                    .col(ColumnDef::new(Statuses::InReplyToUserId).string_len(32).null())
                    .col(ColumnDef::new(Statuses::ReblogOfId).string_len(32).null())
                    .col(ColumnDef::new(Statuses::QuoteOfId).string_len(32).null())
                    .col(ColumnDef::new(Statuses::Context).text().not_null())
                    .col(ColumnDef::new(Statuses::Language).string_len(16).null())
                    .col(ColumnDef::new(Statuses::Local).boolean().not_null())
                    .col(ColumnDef::new(Statuses::IdempotencyKey).string_len(255).null())
                    .col(ColumnDef::new(Statuses::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Statuses::EditedAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut user_fk(Statuses::Table, Statuses::UserId))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            ("idx_statuses_user_id", vec![Statuses::UserId, Statuses::Id], false),
            ("idx_statuses_visibility_id", vec![Statuses::Visibility, Statuses::Id], false),
            ("idx_statuses_in_reply_to", vec![Statuses::InReplyToId], false),
            ("idx_statuses_reblog_of", vec![Statuses::ReblogOfId], false),
            ("idx_statuses_quote_of", vec![Statuses::QuoteOfId], false),
            ("idx_statuses_context", vec![Statuses::Context], false),
            ("idx_statuses_idempotency", vec![Statuses::UserId, Statuses::IdempotencyKey], true),
        ] {
            let mut index = Index::create().name(name).table(Statuses::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(MediaAttachments::Table)
                    .col(id(MediaAttachments::Id).primary_key())
                    .col(id(MediaAttachments::UserId))
                    .col(ColumnDef::new(MediaAttachments::StatusId).string_len(32).null())
                    .col(ColumnDef::new(MediaAttachments::FileName).text().not_null())
                    .col(ColumnDef::new(MediaAttachments::ContentType).string_len(128).not_null())
                    .col(ColumnDef::new(MediaAttachments::Size).big_integer().not_null())
                    .col(ColumnDef::new(MediaAttachments::Description).text().null())
                    .col(ColumnDef::new(MediaAttachments::RemoteUrl).text().null())
                    .col(ColumnDef::new(MediaAttachments::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut user_fk(MediaAttachments::Table, MediaAttachments::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_media_attachments_status")
                    .table(MediaAttachments::Table)
                    .col(MediaAttachments::StatusId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Mentions::Table)
                    .col(id(Mentions::StatusId))
                    .col(id(Mentions::UserId))
                    .primary_key(Index::create().col(Mentions::StatusId).col(Mentions::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Mentions::Table, Mentions::StatusId)
                            .to(Statuses::Table, Statuses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut user_fk(Mentions::Table, Mentions::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mentions_user")
                    .table(Mentions::Table)
                    .col(Mentions::UserId)
                    .col(Mentions::StatusId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Blocks::Table)
                    .col(id(Blocks::BlockerId))
                    .col(id(Blocks::BlockedId))
                    .col(ColumnDef::new(Blocks::InsertedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(Blocks::BlockerId).col(Blocks::BlockedId))
                    .foreign_key(&mut user_fk(Blocks::Table, Blocks::BlockerId))
                    .foreign_key(&mut user_fk(Blocks::Table, Blocks::BlockedId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_blocks_blocked").table(Blocks::Table).col(Blocks::BlockedId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Mutes::Table)
                    .col(id(Mutes::MuterId))
                    .col(id(Mutes::MutedId))
                    .col(ColumnDef::new(Mutes::Notifications).boolean().not_null().default(true))
                    .col(ColumnDef::new(Mutes::InsertedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(Mutes::MuterId).col(Mutes::MutedId))
                    .foreign_key(&mut user_fk(Mutes::Table, Mutes::MuterId))
                    .foreign_key(&mut user_fk(Mutes::Table, Mutes::MutedId))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .col(id(Reports::Id).primary_key())
                    .col(ColumnDef::new(Reports::ApId).text().not_null().unique_key())
                    .col(id(Reports::ActorId))
                    .col(id(Reports::AccountId))
                    .col(ColumnDef::new(Reports::Content).text().null())
                    .col(ColumnDef::new(Reports::State).string_len(16).not_null().default("open"))
                    .col(ColumnDef::new(Reports::Forwarded).boolean().not_null().default(false))
                    .col(ColumnDef::new(Reports::RuleIds).json().not_null())
                    .col(ColumnDef::new(Reports::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Reports::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut user_fk(Reports::Table, Reports::ActorId))
                    .foreign_key(&mut user_fk(Reports::Table, Reports::AccountId))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [("idx_reports_state_id", Reports::State), ("idx_reports_actor", Reports::ActorId)] {
            manager
                .create_index(Index::create().name(name).table(Reports::Table).col(col).col(Reports::Id).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create().name("idx_reports_account").table(Reports::Table).col(Reports::AccountId).to_owned(),
            )
            .await?;

        // The reported statuses, with a copy of each taken when the report was filed, so a
        // report still shows what was reported after the author deletes it.
        manager
            .create_table(
                Table::create()
                    .table(ReportStatuses::Table)
                    .col(id(ReportStatuses::ReportId))
                    .col(id(ReportStatuses::StatusId))
                    .col(ColumnDef::new(ReportStatuses::Position).integer().not_null())
                    .col(ColumnDef::new(ReportStatuses::Snapshot).json().not_null())
                    .primary_key(Index::create().col(ReportStatuses::ReportId).col(ReportStatuses::StatusId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReportStatuses::Table, ReportStatuses::ReportId)
                            .to(Reports::Table, Reports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_report_statuses_status")
                    .table(ReportStatuses::Table)
                    .col(ReportStatuses::StatusId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReportNotes::Table)
                    .col(ColumnDef::new(ReportNotes::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(id(ReportNotes::ReportId))
                    .col(id(ReportNotes::UserId))
                    .col(ColumnDef::new(ReportNotes::Content).text().not_null())
                    .col(ColumnDef::new(ReportNotes::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReportNotes::Table, ReportNotes::ReportId)
                            .to(Reports::Table, Reports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut user_fk(ReportNotes::Table, ReportNotes::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_report_notes_report")
                    .table(ReportNotes::Table)
                    .col(ReportNotes::ReportId)
                    .to_owned(),
            )
            .await?;

        // Durable background work (src/jobs): claimed by one process at a time, retried with
        // backoff, kept after completion for inspection.
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(ColumnDef::new(Jobs::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Jobs::Queue).string_len(64).not_null())
                    .col(ColumnDef::new(Jobs::Kind).string_len(64).not_null())
                    .col(ColumnDef::new(Jobs::Args).json().not_null())
                    .col(ColumnDef::new(Jobs::State).string_len(16).not_null().default("available"))
                    .col(ColumnDef::new(Jobs::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(Jobs::MaxAttempts).integer().not_null().default(5))
                    .col(ColumnDef::new(Jobs::RunAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Jobs::LockedUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Jobs::LockedBy).string_len(64).null())
                    .col(ColumnDef::new(Jobs::LastError).text().null())
                    .col(ColumnDef::new(Jobs::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Jobs::CompletedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_jobs_state_run_at")
                    .table(Jobs::Table)
                    .col(Jobs::State)
                    .col(Jobs::RunAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Jobs::Table.into_iden(),
            ReportNotes::Table.into_iden(),
            ReportStatuses::Table.into_iden(),
            Reports::Table.into_iden(),
            Mutes::Table.into_iden(),
            Blocks::Table.into_iden(),
            Mentions::Table.into_iden(),
            MediaAttachments::Table.into_iden(),
            Statuses::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [Follows::ShowReblogs, Follows::Notify] {
            manager.alter_table(Table::alter().table(Follows::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
