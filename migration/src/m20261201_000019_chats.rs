//! Chats (Pleroma's `chats` and `chat_message_references`) and their messages: one chat per
//! owner and other party; each message is referenced from the chats of both parties, each
//! reference with its own unread flag.
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
enum Chats {
    Table,
    Id,
    UserId,
    RecipientId,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ChatMessages {
    Table,
    Id,
    ApId,
    UserId,
    RecipientId,
    Content,
    MediaId,
    IdempotencyKey,
    InsertedAt,
}

#[derive(DeriveIden)]
enum ChatMessageRefs {
    Table,
    Id,
    ChatId,
    MessageId,
    Unread,
    InsertedAt,
}

fn user_fk(table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Chats::Table)
                    .col(ColumnDef::new(Chats::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Chats::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(Chats::RecipientId).string_len(32).not_null())
                    .col(ColumnDef::new(Chats::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Chats::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut user_fk(Chats::Table, Chats::UserId))
                    .foreign_key(&mut user_fk(Chats::Table, Chats::RecipientId))
                    .to_owned(),
            )
            .await?;
        // One chat per owner and other party; lists go newest-bumped first.
        manager
            .create_index(
                Index::create()
                    .name("idx_chats_user_recipient")
                    .table(Chats::Table)
                    .col(Chats::UserId)
                    .col(Chats::RecipientId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_chats_user_updated")
                    .table(Chats::Table)
                    .col(Chats::UserId)
                    .col(Chats::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_chats_recipient").table(Chats::Table).col(Chats::RecipientId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChatMessages::Table)
                    .col(ColumnDef::new(ChatMessages::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(ChatMessages::ApId).text().not_null().unique_key())
                    .col(ColumnDef::new(ChatMessages::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(ChatMessages::RecipientId).string_len(32).not_null())
                    .col(ColumnDef::new(ChatMessages::Content).text())
                    .col(ColumnDef::new(ChatMessages::MediaId).string_len(32))
                    .col(ColumnDef::new(ChatMessages::IdempotencyKey).string_len(256))
                    .col(ColumnDef::new(ChatMessages::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut user_fk(ChatMessages::Table, ChatMessages::UserId))
                    .foreign_key(&mut user_fk(ChatMessages::Table, ChatMessages::RecipientId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChatMessages::Table, ChatMessages::MediaId)
                            .to(MediaAttachments::Table, MediaAttachments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // `Idempotency-Key` per author.
        manager
            .create_index(
                Index::create()
                    .name("idx_chat_messages_idempotency")
                    .table(ChatMessages::Table)
                    .col(ChatMessages::UserId)
                    .col(ChatMessages::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_chat_messages_recipient")
                    .table(ChatMessages::Table)
                    .col(ChatMessages::RecipientId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChatMessageRefs::Table)
                    .col(ColumnDef::new(ChatMessageRefs::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(ChatMessageRefs::ChatId).string_len(32).not_null())
                    .col(ColumnDef::new(ChatMessageRefs::MessageId).string_len(32).not_null())
                    .col(ColumnDef::new(ChatMessageRefs::Unread).boolean().not_null().default(true))
                    .col(ColumnDef::new(ChatMessageRefs::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChatMessageRefs::Table, ChatMessageRefs::ChatId)
                            .to(Chats::Table, Chats::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChatMessageRefs::Table, ChatMessageRefs::MessageId)
                            .to(ChatMessages::Table, ChatMessages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A chat's messages, newest first, and each message once per chat.
        manager
            .create_index(
                Index::create()
                    .name("idx_chat_message_refs_chat")
                    .table(ChatMessageRefs::Table)
                    .col(ChatMessageRefs::ChatId)
                    .col(ChatMessageRefs::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_chat_message_refs_chat_message")
                    .table(ChatMessageRefs::Table)
                    .col(ChatMessageRefs::ChatId)
                    .col(ChatMessageRefs::MessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_chat_message_refs_message")
                    .table(ChatMessageRefs::Table)
                    .col(ChatMessageRefs::MessageId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ChatMessageRefs::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ChatMessages::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Chats::Table).to_owned()).await?;
        Ok(())
    }
}
