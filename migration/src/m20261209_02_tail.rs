//! Issue 25's tail. Follow requests to locked accounts (Pleroma's `following_relationships` in
//! state `pending`): kept apart from `follows`, which holds accepted follows only, so every
//! reader of follows stays as it is; authorizing moves the row into `follows`, rejecting deletes
//! it. And the chat message a `pleroma:chat_mention` notification is about: the recipient's
//! reference to it (what Pleroma's `NotificationView` renders as `chat_message`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    ChatMessageRefId,
}

#[derive(DeriveIden)]
enum FollowRequests {
    Table,
    FollowerId,
    FollowingId,
    InsertedAt,
    ShowReblogs,
    Notify,
}

fn user_fk(col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(FollowRequests::Table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FollowRequests::Table)
                    .col(ColumnDef::new(FollowRequests::FollowerId).string_len(32).not_null())
                    .col(ColumnDef::new(FollowRequests::FollowingId).string_len(32).not_null())
                    .col(ColumnDef::new(FollowRequests::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(FollowRequests::ShowReblogs).boolean().not_null().default(true))
                    .col(ColumnDef::new(FollowRequests::Notify).boolean().not_null().default(false))
                    .primary_key(Index::create().col(FollowRequests::FollowerId).col(FollowRequests::FollowingId))
                    .foreign_key(&mut user_fk(FollowRequests::FollowerId))
                    .foreign_key(&mut user_fk(FollowRequests::FollowingId))
                    .to_owned(),
            )
            .await?;
        // The locked account's list of requests.
        manager
            .create_index(
                Index::create()
                    .name("follow_requests_following_id_index")
                    .table(FollowRequests::Table)
                    .col(FollowRequests::FollowingId)
                    .col(FollowRequests::InsertedAt)
                    .to_owned(),
            )
            .await?;
        // No foreign key: SQLite cannot add one to an existing table; deleting a message deletes
        // its notifications in the same transaction instead.
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(ColumnDef::new(Notifications::ChatMessageRefId).string_len(32).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Notifications::Table).drop_column(Notifications::ChatMessageRefId).to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(FollowRequests::Table).to_owned()).await
    }
}
