//! SQLite: the admin user list's covering index widened to the state filters' columns. The
//! deferred join (ids first, rows second) walks `(id, nickname)` backwards and skips `OFFSET`
//! entries; with `filters=local,active` each skipped entry was checked against its table row,
//! so page 1000 cost 5× page 1. With the filters' columns in the index, the walk reads no row
//! until the page's own. It replaces `idx_users_id_nickname`, of which it is an extension.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            let db = manager.get_connection();
            db.execute_unprepared(
                "CREATE INDEX idx_users_list ON users \
                 (id, nickname, local, is_active, is_approved, is_confirmed, is_admin, is_moderator, actor_type)",
            )
            .await?;
            db.execute_unprepared("DROP INDEX IF EXISTS idx_users_id_nickname").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            let db = manager.get_connection();
            db.execute_unprepared("CREATE INDEX IF NOT EXISTS idx_users_id_nickname ON users (id, nickname)").await?;
            db.execute_unprepared("DROP INDEX IF EXISTS idx_users_list").await?;
        }
        Ok(())
    }
}
