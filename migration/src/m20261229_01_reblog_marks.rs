//! Issue 26: a page's "reblogged by the viewer" mark (`EXISTS (… statuses r WHERE r.user_id = ?
//! AND r.reblog_of_id = s.id)`, per status of the page) looked up by both columns. With the
//! reblogged status alone indexed, SQLite walked the viewer's statuses (`(user_id, id)`) for each
//! status of the page, thousands of rows each for an active viewer. `(reblog_of_id, user_id)`
//! answers it with one probe and serves every lookup by `reblog_of_id` the old index served, so
//! it replaces it.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX idx_statuses_reblog_of_user ON statuses (reblog_of_id, user_id)").await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_statuses_reblog_of").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX IF NOT EXISTS idx_statuses_reblog_of ON statuses (reblog_of_id)").await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_statuses_reblog_of_user").await?;
        Ok(())
    }
}
