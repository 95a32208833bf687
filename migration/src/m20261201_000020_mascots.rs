//! Users' mascots (Pleroma keeps the attachment in `users.mascot`): an upload of the user's.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MediaAttachments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Mascots {
    Table,
    UserId,
    MediaId,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Mascots::Table)
                    .col(ColumnDef::new(Mascots::UserId).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Mascots::MediaId).string_len(32).not_null())
                    .col(ColumnDef::new(Mascots::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Mascots::Table, Mascots::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Mascots::Table, Mascots::MediaId)
                            .to(MediaAttachments::Table, MediaAttachments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Mascots::Table).to_owned()).await?;
        Ok(())
    }
}
