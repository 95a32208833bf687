//! `config_version.files` counts changes to shared files that processes index in memory (the
//! emoji packs): every process sharing the database reloads its emoji index when it moves. The
//! `config_version` trigger (PostgreSQL) notifies on any update, so the count reaches every
//! process through the settings listener.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConfigVersion {
    Table,
    Files,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ConfigVersion::Table)
                    .add_column(ColumnDef::new(ConfigVersion::Files).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(ConfigVersion::Table).drop_column(ConfigVersion::Files).to_owned())
            .await
    }
}
