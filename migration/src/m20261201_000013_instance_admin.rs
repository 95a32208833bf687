//! Instance administration: registration invites, announcements with their per-user
//! dismissals, and the instance rules.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UserInviteTokens {
    Table,
    Id,
    Token,
    Used,
    MaxUse,
    ExpiresAt,
    Uses,
    InviteType,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Announcements {
    Table,
    Id,
    Content,
    Rendered,
    AllDay,
    StartsAt,
    EndsAt,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnnouncementReads {
    Table,
    UserId,
    AnnouncementId,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Rules {
    Table,
    Id,
    Priority,
    Text,
    Hint,
    InsertedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pleroma's `user_invite_tokens`.
        manager
            .create_table(
                Table::create()
                    .table(UserInviteTokens::Table)
                    .col(ColumnDef::new(UserInviteTokens::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(UserInviteTokens::Token).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(UserInviteTokens::Used).boolean().not_null().default(false))
                    .col(ColumnDef::new(UserInviteTokens::MaxUse).integer())
                    .col(ColumnDef::new(UserInviteTokens::ExpiresAt).date())
                    .col(ColumnDef::new(UserInviteTokens::Uses).integer().not_null().default(0))
                    .col(ColumnDef::new(UserInviteTokens::InviteType).string_len(32).not_null())
                    .col(ColumnDef::new(UserInviteTokens::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(UserInviteTokens::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;

        // Announcements: raw content and its rendered HTML.
        manager
            .create_table(
                Table::create()
                    .table(Announcements::Table)
                    .col(ColumnDef::new(Announcements::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Announcements::Content).text().not_null())
                    .col(ColumnDef::new(Announcements::Rendered).text().not_null())
                    .col(ColumnDef::new(Announcements::AllDay).boolean().not_null().default(false))
                    .col(ColumnDef::new(Announcements::StartsAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Announcements::EndsAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Announcements::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Announcements::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnnouncementReads::Table)
                    .col(ColumnDef::new(AnnouncementReads::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(AnnouncementReads::AnnouncementId).string_len(32).not_null())
                    .col(ColumnDef::new(AnnouncementReads::InsertedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(AnnouncementReads::UserId).col(AnnouncementReads::AnnouncementId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnnouncementReads::Table, AnnouncementReads::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnnouncementReads::Table, AnnouncementReads::AnnouncementId)
                            .to(Announcements::Table, Announcements::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // Instance rules, ordered by priority then id.
        manager
            .create_table(
                Table::create()
                    .table(Rules::Table)
                    .col(ColumnDef::new(Rules::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Rules::Priority).integer().not_null().default(0))
                    .col(ColumnDef::new(Rules::Text).text().not_null())
                    .col(ColumnDef::new(Rules::Hint).text())
                    .col(ColumnDef::new(Rules::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Rules::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Rules::Table.into_iden(),
            AnnouncementReads::Table.into_iden(),
            Announcements::Table.into_iden(),
            UserInviteTokens::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
