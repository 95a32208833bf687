//! Outbound federation: where remote actors take deliveries (Pleroma keeps `inbox` and
//! `shared_inbox` on `users`; here a row per actor, filled when an actor is first delivered to)
//! and the actors that follow the relay actor (Pleroma keeps them as follows of its relay user).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ActorInboxes {
    Table,
    ApId,
    Inbox,
    SharedInbox,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RelayFollowers {
    Table,
    Actor,
    FollowId,
    InsertedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActorInboxes::Table)
                    .col(ColumnDef::new(ActorInboxes::ApId).string_len(2048).not_null().primary_key())
                    .col(ColumnDef::new(ActorInboxes::Inbox).string_len(2048).not_null())
                    .col(ColumnDef::new(ActorInboxes::SharedInbox).string_len(2048).null())
                    .col(ColumnDef::new(ActorInboxes::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RelayFollowers::Table)
                    .col(ColumnDef::new(RelayFollowers::Actor).string_len(2048).not_null().primary_key())
                    .col(ColumnDef::new(RelayFollowers::FollowId).string_len(2048).not_null())
                    .col(ColumnDef::new(RelayFollowers::InsertedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RelayFollowers::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ActorInboxes::Table).to_owned()).await
    }
}
