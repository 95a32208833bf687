//! Remote resolution (issue 27 §1) and remote polls (issue 31): each instance row keeps when it
//! was first seen and the software its nodeinfo names (Pleroma's `Instance.metadata`); a remote
//! poll keeps its origin's vote counts and when it was last fetched and last asked to be.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Instances {
    Table,
    InsertedAt,
    SoftwareName,
    SoftwareVersion,
    SoftwareRepository,
    MetadataUpdatedAt,
}

#[derive(DeriveIden)]
enum Polls {
    Table,
    RemoteVotes,
    RemoteVoters,
    RefreshedAt,
    RefreshRequestedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one at a time.
        let instance_columns = [
            ColumnDef::new(Instances::InsertedAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Instances::SoftwareName).string().null().to_owned(),
            ColumnDef::new(Instances::SoftwareVersion).string().null().to_owned(),
            ColumnDef::new(Instances::SoftwareRepository).string().null().to_owned(),
            ColumnDef::new(Instances::MetadataUpdatedAt).timestamp_with_time_zone().null().to_owned(),
        ];
        for mut column in instance_columns {
            manager.alter_table(Table::alter().table(Instances::Table).add_column(&mut column).to_owned()).await?;
        }
        let poll_columns = [
            ColumnDef::new(Polls::RemoteVotes).json().null().to_owned(),
            ColumnDef::new(Polls::RemoteVoters).big_integer().null().to_owned(),
            ColumnDef::new(Polls::RefreshedAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Polls::RefreshRequestedAt).timestamp_with_time_zone().null().to_owned(),
        ];
        for mut column in poll_columns {
            manager.alter_table(Table::alter().table(Polls::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Polls::RemoteVotes, Polls::RemoteVoters, Polls::RefreshedAt, Polls::RefreshRequestedAt] {
            manager.alter_table(Table::alter().table(Polls::Table).drop_column(column).to_owned()).await?;
        }
        for column in [
            Instances::InsertedAt,
            Instances::SoftwareName,
            Instances::SoftwareVersion,
            Instances::SoftwareRepository,
            Instances::MetadataUpdatedAt,
        ] {
            manager.alter_table(Table::alter().table(Instances::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
