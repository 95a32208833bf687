//! Pinned statuses (Pleroma keeps them in `users.pinned_objects`, a map of object id → time;
//! here a row per pin) and polls (Pleroma's `Question` objects with `oneOf`/`anyOf` options and
//! the voters' `Answer` activities; here the poll and one row per chosen option).
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
enum StatusPins {
    Table,
    StatusId,
    UserId,
    PinnedAt,
}

#[derive(DeriveIden)]
enum Polls {
    Table,
    StatusId,
    Options,
    Multiple,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PollVotes {
    Table,
    Id,
    StatusId,
    UserId,
    Choice,
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
        // A status is pinned by its author only, so the status is the key.
        manager
            .create_table(
                Table::create()
                    .table(StatusPins::Table)
                    .col(ColumnDef::new(StatusPins::StatusId).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(StatusPins::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(StatusPins::PinnedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(StatusPins::Table, StatusPins::StatusId, Statuses::Table, Statuses::Id))
                    .foreign_key(&mut cascade(StatusPins::Table, StatusPins::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_status_pins_user", StatusPins::Table, &["user_id", "status_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Polls::Table)
                    .col(ColumnDef::new(Polls::StatusId).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Polls::Options).json().not_null())
                    .col(ColumnDef::new(Polls::Multiple).boolean().not_null())
                    .col(ColumnDef::new(Polls::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Polls::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(Polls::Table, Polls::StatusId, Statuses::Table, Statuses::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PollVotes::Table)
                    .col(ColumnDef::new(PollVotes::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(PollVotes::StatusId).string_len(32).not_null())
                    .col(ColumnDef::new(PollVotes::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(PollVotes::Choice).integer().not_null())
                    .col(ColumnDef::new(PollVotes::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(PollVotes::Table, PollVotes::StatusId, Polls::Table, Polls::StatusId))
                    .foreign_key(&mut cascade(PollVotes::Table, PollVotes::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        // One vote per option and voter; counts group by poll, own votes look up poll and voter.
        manager
            .create_index(index(
                "idx_poll_votes_status_user_choice",
                PollVotes::Table,
                &["status_id", "user_id", "choice"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PollVotes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Polls::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StatusPins::Table).to_owned()).await?;
        Ok(())
    }
}
