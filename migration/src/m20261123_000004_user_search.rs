//! The admin user search index: substring search over `users.search_text` (nickname, display
//! name, email) and `users.name`. SQLite: an FTS5 trigram table kept in step by triggers.
//! PostgreSQL: pg_trgm GIN indexes, which serve `LIKE '%term%'` (skipped with a notice where the
//! extension cannot be created; search then scans).
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE users_search USING fts5(search_text, name, tokenize = 'trigram')",
    "INSERT INTO users_search(rowid, search_text, name) SELECT rowid, search_text, coalesce(name, '') FROM users",
    "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
       INSERT INTO users_search(rowid, search_text, name) VALUES (new.rowid, new.search_text, coalesce(new.name, ''));
     END",
    "CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
       DELETE FROM users_search WHERE rowid = old.rowid;
     END",
    "CREATE TRIGGER users_search_update AFTER UPDATE OF search_text, name ON users BEGIN
       UPDATE users_search SET search_text = new.search_text, name = coalesce(new.name, '') WHERE rowid = old.rowid;
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS users_search_update",
    "DROP TRIGGER IF EXISTS users_search_delete",
    "DROP TRIGGER IF EXISTS users_search_insert",
    "DROP TABLE IF EXISTS users_search",
];

const POSTGRES_UP: &[&str] = &[
    "DO $$ BEGIN
       CREATE EXTENSION IF NOT EXISTS pg_trgm;
     EXCEPTION WHEN OTHERS THEN
       RAISE NOTICE 'pg_trgm is unavailable: user search will scan';
     END $$",
    "DO $$ BEGIN
       IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
         CREATE INDEX IF NOT EXISTS idx_users_search_text ON users USING gin (search_text gin_trgm_ops);
         CREATE INDEX IF NOT EXISTS idx_users_name_trgm ON users USING gin (lower(name) gin_trgm_ops);
       END IF;
     END $$",
];

const POSTGRES_DOWN: &[&str] =
    &["DROP INDEX IF EXISTS idx_users_search_text", "DROP INDEX IF EXISTS idx_users_name_trgm"];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for statement in statements {
        manager.get_connection().execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(manager, SQLITE_UP).await,
            DbBackend::Postgres => run(manager, POSTGRES_UP).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(manager, SQLITE_DOWN).await,
            DbBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            _ => Ok(()),
        }
    }
}
