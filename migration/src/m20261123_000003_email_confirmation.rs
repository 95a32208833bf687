//! Email-confirmation tokens: one per local account awaiting confirmation (Pleroma keeps it in
//! `users.confirmation_token`; a table of its own leaves the users table alone).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailConfirmationTokens {
    Table,
    UserId,
    Token,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EmailConfirmationTokens::Table)
                    .col(ColumnDef::new(EmailConfirmationTokens::UserId).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(EmailConfirmationTokens::Token).string().not_null())
                    .col(ColumnDef::new(EmailConfirmationTokens::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(EmailConfirmationTokens::Table, EmailConfirmationTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EmailConfirmationTokens::Table).to_owned()).await
    }
}
