//! Captchas handed out (`GET /api/pleroma/captcha`), one row each, so that every process sharing
//! the database agrees on which were used: the answer as a keyed digest (never plain), when it was
//! made, and when it was used (single use: the use is a conditional update).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Captchas {
    Table,
    Token,
    Method,
    AnswerDigest,
    InsertedAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Captchas::Table)
                    .col(ColumnDef::new(Captchas::Token).string_len(128).not_null().primary_key())
                    .col(ColumnDef::new(Captchas::Method).string_len(16).not_null())
                    .col(ColumnDef::new(Captchas::AnswerDigest).string_len(128).not_null())
                    .col(ColumnDef::new(Captchas::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Captchas::UsedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        // Expired rows are deleted by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_captchas_inserted_at")
                    .table(Captchas::Table)
                    .col(Captchas::InsertedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Captchas::Table).to_owned()).await
    }
}
