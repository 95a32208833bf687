//! Bookmarks and bookmark folders (Pleroma's `bookmarks`, `bookmark_folders`), direct
//! conversations (`conversations`, `conversation_participations`,
//! `conversation_participation_recipient_ships`) and scrobbles (Pleroma's `Listen` activities,
//! kept in a table of their own).
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
enum BookmarkFolders {
    Table,
    Id,
    UserId,
    Name,
    Emoji,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Bookmarks {
    Table,
    Id,
    UserId,
    StatusId,
    FolderId,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    ApId,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConversationParticipations {
    Table,
    Id,
    UserId,
    ConversationId,
    Read,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConversationRecipients {
    Table,
    ParticipationId,
    UserId,
}

#[derive(DeriveIden)]
enum Scrobbles {
    Table,
    Id,
    ApId,
    UserId,
    Title,
    Artist,
    Album,
    Length,
    ExternalLink,
    Visibility,
    CreatedAt,
}

fn cascade(
    table: impl IntoIden,
    col: impl IntoIden,
    to: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(to, to_col).on_delete(ForeignKeyAction::Cascade).to_owned()
}

fn index(name: &str, table: impl IntoTableRef, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(Alias::new(*col));
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BookmarkFolders::Table)
                    .col(ColumnDef::new(BookmarkFolders::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(BookmarkFolders::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(BookmarkFolders::Name).string_len(255).not_null())
                    .col(ColumnDef::new(BookmarkFolders::Emoji).string_len(255).null())
                    .col(ColumnDef::new(BookmarkFolders::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(BookmarkFolders::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(BookmarkFolders::Table, BookmarkFolders::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        // A name once per user (Pleroma's unique index on `[:user_id, :name]`).
        manager
            .create_index(index("idx_bookmark_folders_user_name", BookmarkFolders::Table, &["user_id", "name"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Bookmarks::Table)
                    .col(ColumnDef::new(Bookmarks::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Bookmarks::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(Bookmarks::StatusId).string_len(32).not_null())
                    .col(ColumnDef::new(Bookmarks::FolderId).string_len(32).null())
                    .col(ColumnDef::new(Bookmarks::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(Bookmarks::Table, Bookmarks::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(Bookmarks::Table, Bookmarks::StatusId, Statuses::Table, Statuses::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookmarks::Table, Bookmarks::FolderId)
                            .to(BookmarkFolders::Table, BookmarkFolders::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // One bookmark per user and status; the list pages by id within a user (and folder).
        manager
            .create_index(index("idx_bookmarks_user_status", Bookmarks::Table, &["user_id", "status_id"], true))
            .await?;
        manager.create_index(index("idx_bookmarks_user_id", Bookmarks::Table, &["user_id", "id"], false)).await?;
        manager.create_index(index("idx_bookmarks_folder", Bookmarks::Table, &["folder_id", "id"], false)).await?;
        manager.create_index(index("idx_bookmarks_status", Bookmarks::Table, &["status_id"], false)).await?;

        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .col(ColumnDef::new(Conversations::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Conversations::ApId).text().not_null().unique_key())
                    .col(ColumnDef::new(Conversations::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Conversations::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConversationParticipations::Table)
                    .col(
                        ColumnDef::new(ConversationParticipations::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ConversationParticipations::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(ConversationParticipations::ConversationId).big_integer().not_null())
                    .col(ColumnDef::new(ConversationParticipations::Read).boolean().not_null().default(false))
                    .col(ColumnDef::new(ConversationParticipations::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ConversationParticipations::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(
                        ConversationParticipations::Table,
                        ConversationParticipations::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut cascade(
                        ConversationParticipations::Table,
                        ConversationParticipations::ConversationId,
                        Conversations::Table,
                        Conversations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_conversation_participations_user_conversation",
                ConversationParticipations::Table,
                &["user_id", "conversation_id"],
                true,
            ))
            .await?;
        // The list: a user's participations, most recently bumped first.
        manager
            .create_index(index(
                "idx_conversation_participations_user_updated",
                ConversationParticipations::Table,
                &["user_id", "updated_at", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_conversation_participations_conversation",
                ConversationParticipations::Table,
                &["conversation_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConversationRecipients::Table)
                    .col(ColumnDef::new(ConversationRecipients::ParticipationId).big_integer().not_null())
                    .col(ColumnDef::new(ConversationRecipients::UserId).string_len(32).not_null())
                    .primary_key(
                        Index::create()
                            .col(ConversationRecipients::ParticipationId)
                            .col(ConversationRecipients::UserId),
                    )
                    .foreign_key(&mut cascade(
                        ConversationRecipients::Table,
                        ConversationRecipients::ParticipationId,
                        ConversationParticipations::Table,
                        ConversationParticipations::Id,
                    ))
                    .foreign_key(&mut cascade(
                        ConversationRecipients::Table,
                        ConversationRecipients::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Scrobbles::Table)
                    .col(ColumnDef::new(Scrobbles::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Scrobbles::ApId).text().not_null().unique_key())
                    .col(ColumnDef::new(Scrobbles::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(Scrobbles::Title).text().null())
                    .col(ColumnDef::new(Scrobbles::Artist).text().null())
                    .col(ColumnDef::new(Scrobbles::Album).text().null())
                    .col(ColumnDef::new(Scrobbles::Length).big_integer().null())
                    .col(ColumnDef::new(Scrobbles::ExternalLink).text().null())
                    .col(ColumnDef::new(Scrobbles::Visibility).string_len(16).not_null())
                    .col(ColumnDef::new(Scrobbles::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(Scrobbles::Table, Scrobbles::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_scrobbles_user_id", Scrobbles::Table, &["user_id", "id"], false)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Alias::new("scrobbles"),
            Alias::new("conversation_recipients"),
            Alias::new("conversation_participations"),
            Alias::new("conversations"),
            Alias::new("bookmarks"),
            Alias::new("bookmark_folders"),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
