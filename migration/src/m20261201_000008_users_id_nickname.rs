//! SQLite: a covering index on `users (id, nickname)` for the deferred join of the admin user
//! list (ids first, rows second): a deep `OFFSET` then skips index entries, not table rows (the
//! list always filters out `internal.%` nicknames, so `nickname` must be in the index).
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("CREATE INDEX idx_users_id_nickname ON users (id, nickname)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS idx_users_id_nickname").await?;
        }
        Ok(())
    }
}
