//! Minimum federation and the media proxy: the instance's own keys and secrets, remote actors'
//! public keys (cached), relay follows, and the media proxy's banned URLs.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InstanceSecrets {
    Table,
    Name,
    Value,
    InsertedAt,
}

#[derive(DeriveIden)]
enum RemoteKeys {
    Table,
    KeyId,
    Actor,
    PublicKeyPem,
    FetchedAt,
}

#[derive(DeriveIden)]
enum RelayFollows {
    Table,
    Id,
    Actor,
    State,
    LastError,
    FollowId,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BannedMediaUrls {
    Table,
    Url,
    InsertedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstanceSecrets::Table)
                    .col(ColumnDef::new(InstanceSecrets::Name).string().not_null().primary_key())
                    .col(ColumnDef::new(InstanceSecrets::Value).text().not_null())
                    .col(ColumnDef::new(InstanceSecrets::InsertedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RemoteKeys::Table)
                    .col(ColumnDef::new(RemoteKeys::KeyId).string().not_null().primary_key())
                    .col(ColumnDef::new(RemoteKeys::Actor).string().not_null())
                    .col(ColumnDef::new(RemoteKeys::PublicKeyPem).text().not_null())
                    .col(ColumnDef::new(RemoteKeys::FetchedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RelayFollows::Table)
                    .col(ColumnDef::new(RelayFollows::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(RelayFollows::Actor).string().not_null().unique_key())
                    .col(ColumnDef::new(RelayFollows::State).string().not_null())
                    .col(ColumnDef::new(RelayFollows::LastError).text().null())
                    .col(ColumnDef::new(RelayFollows::FollowId).string().not_null())
                    .col(ColumnDef::new(RelayFollows::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(RelayFollows::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BannedMediaUrls::Table)
                    .col(ColumnDef::new(BannedMediaUrls::Url).string().not_null().primary_key())
                    .col(ColumnDef::new(BannedMediaUrls::InsertedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InstanceSecrets::Table.into_iden(),
            RemoteKeys::Table.into_iden(),
            RelayFollows::Table.into_iden(),
            BannedMediaUrls::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
