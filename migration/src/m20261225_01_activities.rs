//! The activities this instance sent and the undoable ones it received (Pleroma keeps every
//! activity in `activities`): an outbound `Follow`, `Block`, `Like`, `EmojiReact`, `Delete` or
//! `Undo` gets its id when it is enqueued and is kept here, so `/activities/:uuid` serves it and
//! its `Undo` carries it with that id; an inbound `Follow`, `Like`, `Block` or `EmojiReact` is
//! kept so that an `Undo` naming only its id is matched.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    ApId,
    Kind,
    Actor,
    Object,
    Local,
    Data,
    InsertedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Activities as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(ColumnDef::new(T::Id).string().not_null().primary_key())
                    .col(ColumnDef::new(T::ApId).string_len(2048).not_null())
                    .col(ColumnDef::new(T::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(T::Actor).string_len(2048).not_null())
                    .col(ColumnDef::new(T::Object).string_len(2048).null())
                    .col(ColumnDef::new(T::Local).boolean().not_null())
                    .col(ColumnDef::new(T::Data).json().not_null())
                    .col(ColumnDef::new(T::InsertedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_activities_ap_id").table(T::Table).col(T::ApId).unique().to_owned())
            .await?;
        // The latest `Follow` (or `Like`…) of an object by an actor: what its `Undo` carries.
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_actor_kind_object")
                    .table(T::Table)
                    .col(T::Actor)
                    .col(T::Kind)
                    .col(T::Object)
                    .col(T::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Activities::Table).to_owned()).await
    }
}
