//! A per-database "auth generation": one counter row that every change able to withdraw an
//! access token bumps in the same transaction — any update or deletion of a user (deactivation,
//! deletion, password change, role change) or of a token (revoke, refresh, expiry purge). A
//! gateway process caches token lookups keyed by the token digest and tagged with the generation
//! it read before the lookup; a request reads the counter (one primary-key read) and uses the
//! cached lookup only while the generation is unchanged, so a revoke on any process sharing the
//! database takes effect on the next request everywhere.
//!
//! SQLite: row triggers (its only kind) run inside the writing statement's transaction.
//! PostgreSQL: deferred constraint triggers bump the row at commit, so the counter's row lock is
//! the last one a writing transaction takes and is held only while it commits (an early lock
//! would serialise, and could deadlock, concurrent user updates).
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const WATCHED: &[(&str, &str)] =
    &[("users", "UPDATE"), ("users", "DELETE"), ("oauth_tokens", "UPDATE"), ("oauth_tokens", "DELETE")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("CREATE TABLE auth_generation (id INTEGER PRIMARY KEY, generation BIGINT NOT NULL)")
            .await?;
        conn.execute_unprepared("INSERT INTO auth_generation (id, generation) VALUES (1, 0)").await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                conn.execute_unprepared(
                    "CREATE FUNCTION bump_auth_generation() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; RETURN NULL; END $$",
                )
                .await?;
                for (table, event) in WATCHED {
                    let name = format!("auth_generation_{table}_{}", event.to_lowercase());
                    conn.execute_unprepared(&format!(
                        "CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} DEFERRABLE INITIALLY DEFERRED \
                         FOR EACH ROW EXECUTE FUNCTION bump_auth_generation()"
                    ))
                    .await?;
                }
            }
            _ => {
                for (table, event) in WATCHED {
                    let name = format!("auth_generation_{table}_{}", event.to_lowercase());
                    conn.execute_unprepared(&format!(
                        "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN \
                         UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for (table, event) in WATCHED {
            let name = format!("auth_generation_{table}_{}", event.to_lowercase());
            let sql = match manager.get_database_backend() {
                DbBackend::Postgres => format!("DROP TRIGGER IF EXISTS {name} ON {table}"),
                _ => format!("DROP TRIGGER IF EXISTS {name}"),
            };
            conn.execute_unprepared(&sql).await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared("DROP FUNCTION IF EXISTS bump_auth_generation()").await?;
        }
        conn.execute_unprepared("DROP TABLE IF EXISTS auth_generation").await?;
        Ok(())
    }
}
