//! Events (the events API of mkljczk's Pleroma fork, ROUTES.md §31): an event is a status with
//! an event record (name, times, join mode, location), and the participations of other users
//! (Pleroma's `Join` activities with their `state`: pending, accept or reject).
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
enum Events {
    Table,
    StatusId,
    Name,
    StartTime,
    EndTime,
    JoinMode,
    Location,
}

#[derive(DeriveIden)]
enum EventParticipations {
    Table,
    Id,
    EventId,
    UserId,
    State,
    ParticipationMessage,
    InsertedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(ColumnDef::new(Events::StatusId).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Events::Name).text().not_null())
                    .col(ColumnDef::new(Events::StartTime).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Events::EndTime).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Events::JoinMode).string_len(16).not_null())
                    // The location as rendered (`{name, url, longitude, latitude, street, …}`), JSON text.
                    .col(ColumnDef::new(Events::Location).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::StatusId)
                            .to(Statuses::Table, Statuses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventParticipations::Table)
                    .col(ColumnDef::new(EventParticipations::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(EventParticipations::EventId).string_len(32).not_null())
                    .col(ColumnDef::new(EventParticipations::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(EventParticipations::State).string_len(16).not_null())
                    .col(ColumnDef::new(EventParticipations::ParticipationMessage).text().null())
                    .col(ColumnDef::new(EventParticipations::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventParticipations::Table, EventParticipations::EventId)
                            .to(Events::Table, Events::StatusId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventParticipations::Table, EventParticipations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One participation per user and event; an event's participants by state.
        manager
            .create_index(
                Index::create()
                    .name("idx_event_participations_event_user")
                    .table(EventParticipations::Table)
                    .col(EventParticipations::EventId)
                    .col(EventParticipations::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_participations_event_state")
                    .table(EventParticipations::Table)
                    .col(EventParticipations::EventId)
                    .col(EventParticipations::State)
                    .to_owned(),
            )
            .await?;
        // A user's joined events, newest first (`joined_events`).
        manager
            .create_index(
                Index::create()
                    .name("idx_event_participations_user_event")
                    .table(EventParticipations::Table)
                    .col(EventParticipations::UserId)
                    .col(EventParticipations::EventId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EventParticipations::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Events::Table).to_owned()).await
    }
}
