//! Favourites (Pleroma's `Like`), emoji reactions (`EmojiReact`), notifications and each user's
//! notification settings. Favourites and reactions go with their status and their user;
//! notifications go with their recipient, their actor, and the status or report they are about.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Statuses {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Favourites {
    Table,
    Id,
    UserId,
    StatusId,
    InsertedAt,
}

#[derive(DeriveIden)]
enum EmojiReactions {
    Table,
    Id,
    UserId,
    StatusId,
    Emoji,
    Url,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    ActorId,
    StatusId,
    TargetId,
    ReportId,
    Emoji,
    EmojiUrl,
    Seen,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    UserId,
    BlockFromStrangers,
    HideNotificationContents,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(32).not_null().to_owned()
}

fn fk(table: impl IntoIden, col: impl IntoIden, to: impl IntoIden, to_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(to, to_col).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Favourites::Table)
                    .col(id(Favourites::Id).primary_key())
                    .col(id(Favourites::UserId))
                    .col(id(Favourites::StatusId))
                    .col(ColumnDef::new(Favourites::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut fk(Favourites::Table, Favourites::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(Favourites::Table, Favourites::StatusId, Statuses::Table, Statuses::Id))
                    .to_owned(),
            )
            .await?;
        // One favourite per user and status; a user's favourites newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_favourites_user_status")
                    .table(Favourites::Table)
                    .col(Favourites::UserId)
                    .col(Favourites::StatusId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_favourites_user_id")
                    .table(Favourites::Table)
                    .col(Favourites::UserId)
                    .col(Favourites::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_favourites_status")
                    .table(Favourites::Table)
                    .col(Favourites::StatusId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmojiReactions::Table)
                    .col(id(EmojiReactions::Id).primary_key())
                    .col(id(EmojiReactions::UserId))
                    .col(id(EmojiReactions::StatusId))
                    .col(ColumnDef::new(EmojiReactions::Emoji).string_len(255).not_null())
                    .col(ColumnDef::new(EmojiReactions::Url).text().null())
                    .col(ColumnDef::new(EmojiReactions::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut fk(EmojiReactions::Table, EmojiReactions::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(
                        EmojiReactions::Table,
                        EmojiReactions::StatusId,
                        Statuses::Table,
                        Statuses::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_emoji_reactions_unique")
                    .table(EmojiReactions::Table)
                    .col(EmojiReactions::StatusId)
                    .col(EmojiReactions::UserId)
                    .col(EmojiReactions::Emoji)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(ColumnDef::new(Notifications::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(id(Notifications::UserId))
                    .col(ColumnDef::new(Notifications::Kind).string_len(32).not_null())
                    .col(id(Notifications::ActorId))
                    .col(ColumnDef::new(Notifications::StatusId).string_len(32).null())
                    .col(ColumnDef::new(Notifications::TargetId).string_len(32).null())
                    .col(ColumnDef::new(Notifications::ReportId).string_len(32).null())
                    .col(ColumnDef::new(Notifications::Emoji).string_len(255).null())
                    .col(ColumnDef::new(Notifications::EmojiUrl).text().null())
                    .col(ColumnDef::new(Notifications::Seen).boolean().not_null().default(false))
                    .col(ColumnDef::new(Notifications::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Notifications::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut fk(Notifications::Table, Notifications::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(Notifications::Table, Notifications::ActorId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(Notifications::Table, Notifications::TargetId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(Notifications::Table, Notifications::StatusId, Statuses::Table, Statuses::Id))
                    .foreign_key(&mut fk(Notifications::Table, Notifications::ReportId, Reports::Table, Reports::Id))
                    .to_owned(),
            )
            .await?;
        // A user's notifications newest first, and those about a status.
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user_id")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_status")
                    .table(Notifications::Table)
                    .col(Notifications::StatusId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationSettings::Table)
                    .col(id(NotificationSettings::UserId).primary_key())
                    .col(ColumnDef::new(NotificationSettings::BlockFromStrangers).boolean().not_null().default(false))
                    .col(
                        ColumnDef::new(NotificationSettings::HideNotificationContents)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .foreign_key(&mut fk(
                        NotificationSettings::Table,
                        NotificationSettings::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NotificationSettings::Table.into_iden(),
            Notifications::Table.into_iden(),
            EmojiReactions::Table.into_iden(),
            Favourites::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
