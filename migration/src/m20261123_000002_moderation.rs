//! The moderation log and single-use password-reset tokens.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ModerationLog {
    Table,
    Id,
    ActorId,
    Data,
    Message,
    InsertedAt,
}

#[derive(DeriveIden)]
enum PasswordResetTokens {
    Table,
    Token,
    UserId,
    Used,
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
                    .table(ModerationLog::Table)
                    .col(ColumnDef::new(ModerationLog::Id).big_integer().not_null().auto_increment().primary_key())
                    // No foreign key: entries outlive the actor they name.
                    .col(ColumnDef::new(ModerationLog::ActorId).string_len(32).null())
                    .col(ColumnDef::new(ModerationLog::Data).json().not_null())
                    .col(ColumnDef::new(ModerationLog::Message).text().not_null())
                    .col(ColumnDef::new(ModerationLog::InsertedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_moderation_log_inserted_at", ModerationLog::InsertedAt),
            ("idx_moderation_log_actor", ModerationLog::ActorId),
        ] {
            manager.create_index(Index::create().name(name).table(ModerationLog::Table).col(col).to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PasswordResetTokens::Table)
                    .col(ColumnDef::new(PasswordResetTokens::Token).string().not_null().primary_key())
                    .col(ColumnDef::new(PasswordResetTokens::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(PasswordResetTokens::Used).boolean().not_null().default(false))
                    .col(ColumnDef::new(PasswordResetTokens::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(PasswordResetTokens::Table, PasswordResetTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PasswordResetTokens::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ModerationLog::Table).to_owned()).await
    }
}
