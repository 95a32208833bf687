//! Settings changes reach every gateway process without a per-request read (issue 31 §4):
//! `config_version.restarts` counts `GET /admin/restart`s, so every process sharing the database
//! rebuilds its reboot-time parts; on PostgreSQL a trigger sends `NOTIFY gateway_config` with
//! every change of the row — delivered at commit, in the transaction that bumped the version, so
//! whatever bumps it (a save, a restart, a hand-written `UPDATE`) reaches the listeners.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConfigVersion {
    Table,
    Restarts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ConfigVersion::Table)
                    .add_column(ColumnDef::new(ConfigVersion::Restarts).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            let conn = manager.get_connection();
            conn.execute_unprepared(
                "CREATE FUNCTION notify_gateway_config() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN PERFORM pg_notify('gateway_config', NEW.version || ' ' || NEW.restarts); RETURN NULL; END $$",
            )
            .await?;
            conn.execute_unprepared(
                "CREATE TRIGGER config_version_notify AFTER UPDATE ON config_version \
                 FOR EACH ROW EXECUTE FUNCTION notify_gateway_config()",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            let conn = manager.get_connection();
            conn.execute_unprepared("DROP TRIGGER IF EXISTS config_version_notify ON config_version").await?;
            conn.execute_unprepared("DROP FUNCTION IF EXISTS notify_gateway_config()").await?;
        }
        manager
            .alter_table(Table::alter().table(ConfigVersion::Table).drop_column(ConfigVersion::Restarts).to_owned())
            .await
    }
}
