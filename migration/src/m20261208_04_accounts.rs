//! The Mastodon account routes' state (issue 25): the profile settings Pleroma's
//! `update_credentials` stores beside the existing ones (the bio as typed, birthday, whether it shows, chat
//! acceptance, image descriptions), subscriptions to an account's posts
//! (`POST /api/v1/pleroma/accounts/:id/subscribe`, Pleroma's `inverse_subscription`), endorsed
//! accounts (`POST /api/v1/accounts/:id/pin`, Pleroma's `endorsement`), and the remote
//! instances federation knows with when each became unreachable (Pleroma's `instances` table,
//! `GET /api/v1/pleroma/federation_status`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    RawBio,
    Birthday,
    ShowBirthday,
    AcceptsChatMessages,
    AvatarDescription,
    HeaderDescription,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    SubscriberId,
    TargetId,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Endorsements {
    Table,
    EndorserId,
    EndorsedId,
    InsertedAt,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Host,
    UnreachableSince,
    UpdatedAt,
}

fn user_fk(table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        let columns = [
            // The bio as typed (`source.note`); `bio` keeps it rendered to HTML.
            ColumnDef::new(Users::RawBio).text().null().to_owned(),
            // `YYYY-MM-DD`, matched by month and day for the birthdays list.
            ColumnDef::new(Users::Birthday).string_len(10).null().to_owned(),
            ColumnDef::new(Users::ShowBirthday).boolean().not_null().default(false).to_owned(),
            ColumnDef::new(Users::AcceptsChatMessages).boolean().not_null().default(true).to_owned(),
            ColumnDef::new(Users::AvatarDescription).string().not_null().default("").to_owned(),
            ColumnDef::new(Users::HeaderDescription).string().not_null().default("").to_owned(),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(Users::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(ColumnDef::new(Subscriptions::SubscriberId).string_len(32).not_null())
                    .col(ColumnDef::new(Subscriptions::TargetId).string_len(32).not_null())
                    .col(ColumnDef::new(Subscriptions::InsertedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(Subscriptions::SubscriberId).col(Subscriptions::TargetId))
                    .foreign_key(&mut user_fk(Subscriptions::Table, Subscriptions::SubscriberId))
                    .foreign_key(&mut user_fk(Subscriptions::Table, Subscriptions::TargetId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_subscriptions_target_id")
                    .table(Subscriptions::Table)
                    .col(Subscriptions::TargetId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Endorsements::Table)
                    .col(ColumnDef::new(Endorsements::EndorserId).string_len(32).not_null())
                    .col(ColumnDef::new(Endorsements::EndorsedId).string_len(32).not_null())
                    .col(ColumnDef::new(Endorsements::InsertedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(Endorsements::EndorserId).col(Endorsements::EndorsedId))
                    .foreign_key(&mut user_fk(Endorsements::Table, Endorsements::EndorserId))
                    .foreign_key(&mut user_fk(Endorsements::Table, Endorsements::EndorsedId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_endorsements_endorsed_id")
                    .table(Endorsements::Table)
                    .col(Endorsements::EndorsedId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Instances::Table)
                    .col(ColumnDef::new(Instances::Host).string_len(255).not_null().primary_key())
                    .col(ColumnDef::new(Instances::UnreachableSince).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Instances::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_instances_unreachable_since")
                    .table(Instances::Table)
                    .col(Instances::UnreachableSince)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Instances::Table.into_iden(), Endorsements::Table.into_iden(), Subscriptions::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for column in [
            Users::RawBio.into_iden(),
            Users::Birthday.into_iden(),
            Users::ShowBirthday.into_iden(),
            Users::AcceptsChatMessages.into_iden(),
            Users::AvatarDescription.into_iden(),
            Users::HeaderDescription.into_iden(),
        ] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
