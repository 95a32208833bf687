//! Data-export backups (Pleroma's `backups` table): one row per archive a user (or an admin for
//! them) requested; a durable job builds the zip and flips `processed`.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Backups {
    Table,
    Id,
    UserId,
    ContentType,
    FileName,
    FileSize,
    Processed,
    State,
    ProcessedNumber,
    InsertedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Backups::Table)
                    .col(ColumnDef::new(Backups::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Backups::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(Backups::ContentType).string_len(128).not_null())
                    .col(ColumnDef::new(Backups::FileName).text().not_null())
                    .col(ColumnDef::new(Backups::FileSize).big_integer().not_null().default(0))
                    .col(ColumnDef::new(Backups::Processed).boolean().not_null().default(false))
                    .col(ColumnDef::new(Backups::State).string_len(16).not_null().default("pending"))
                    .col(ColumnDef::new(Backups::ProcessedNumber).integer().not_null().default(0))
                    .col(ColumnDef::new(Backups::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Backups::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Backups::Table, Backups::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_backups_user").table(Backups::Table).col(Backups::UserId).to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Backups::Table).to_owned()).await
    }
}
