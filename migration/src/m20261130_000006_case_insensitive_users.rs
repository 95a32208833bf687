//! Nicknames and emails are unique whatever their case, as in Pleroma (whose columns are
//! `citext`): unique indexes on `lower(nickname)` and `lower(email)`, which also serve the
//! case-insensitive lookups. A database already holding such duplicates is refused with the
//! list, for an admin to resolve first.
use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "CREATE UNIQUE INDEX idx_users_lower_nickname ON users (lower(nickname))",
    "CREATE UNIQUE INDEX idx_users_lower_email ON users (lower(email))",
];

const DOWN: &[&str] = &["DROP INDEX IF EXISTS idx_users_lower_email", "DROP INDEX IF EXISTS idx_users_lower_nickname"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        for column in ["nickname", "email"] {
            let sql = format!(
                "SELECT lower({column}) AS value FROM users WHERE {column} IS NOT NULL \
                 GROUP BY lower({column}) HAVING count(*) > 1 ORDER BY 1 LIMIT 20"
            );
            let rows = conn.query_all_raw(Statement::from_string(backend, sql)).await?;
            let duplicates: Vec<String> = rows.iter().filter_map(|r| r.try_get::<String>("", "value").ok()).collect();
            if !duplicates.is_empty() {
                return Err(DbErr::Migration(format!(
                    "users differ only in the case of their {column}: {}; rename or merge them, then migrate again",
                    duplicates.join(", ")
                )));
            }
        }
        for statement in UP {
            conn.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in DOWN {
            manager.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
