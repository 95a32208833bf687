//! Settings saved through the API (Pleroma's `config` table) and the version number every
//! gateway process checks to pick up changes made by another.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Config {
    Table,
    Id,
    Group,
    Key,
    Value,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConfigVersion {
    Table,
    Id,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pleroma's `config`: one row per group and key; the value in Pleroma's JSON encoding.
        manager
            .create_table(
                Table::create()
                    .table(Config::Table)
                    .col(ColumnDef::new(Config::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Config::Group).string_len(255).not_null())
                    .col(ColumnDef::new(Config::Key).string_len(255).not_null())
                    .col(ColumnDef::new(Config::Value).text().not_null())
                    .col(ColumnDef::new(Config::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Config::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("config_group_key_index")
                    .table(Config::Table)
                    .col(Config::Group)
                    .col(Config::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One row: bumped by every change, so each process sees when to reload.
        manager
            .create_table(
                Table::create()
                    .table(ConfigVersion::Table)
                    .col(ColumnDef::new(ConfigVersion::Id).integer().not_null().primary_key())
                    .col(ColumnDef::new(ConfigVersion::Version).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(ConfigVersion::Table)
                    .columns([ConfigVersion::Id, ConfigVersion::Version])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [ConfigVersion::Table.into_iden(), Config::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
