//! Secrets are stored as SHA-256 digests (hex) from now on: access and refresh tokens, client
//! secrets, password-reset and email-confirmation tokens. Existing plain values are replaced by
//! their digests, so issued tokens and links keep working. One-way: `down` cannot restore them.
use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement, Value},
};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The digest the gateway stores (`auth::secret::digest`).
fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Replace `columns` of every row of `table` by their digests; `key` names the row.
async fn hash_columns(manager: &SchemaManager<'_>, table: &str, key: &str, columns: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    let select = format!("SELECT {key}, {} FROM {table}", columns.join(", "));
    let rows = conn.query_all_raw(Statement::from_string(backend, select)).await?;
    let placeholder = |n: usize| if backend == DbBackend::Postgres { format!("${n}") } else { "?".to_string() };
    let sets: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} = {}", placeholder(i + 1))).collect();
    let update = format!("UPDATE {table} SET {} WHERE {key} = {}", sets.join(", "), placeholder(columns.len() + 1));
    for row in rows {
        let mut values: Vec<Value> = Vec::with_capacity(columns.len() + 1);
        for column in columns {
            let plain: String = row.try_get("", column)?;
            values.push(digest(&plain).into());
        }
        // The key keeps its type (an integer id or a string).
        let key_value: Value = match row.try_get::<i64>("", key) {
            Ok(id) => id.into(),
            Err(_) => row.try_get::<String>("", key)?.into(),
        };
        values.push(key_value);
        conn.execute_raw(Statement::from_sql_and_values(backend, update.clone(), values)).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        hash_columns(manager, "oauth_tokens", "id", &["token", "refresh_token"]).await?;
        hash_columns(manager, "oauth_apps", "id", &["client_secret"]).await?;
        hash_columns(manager, "password_reset_tokens", "token", &["token"]).await?;
        hash_columns(manager, "email_confirmation_tokens", "user_id", &["token"]).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Digests cannot be turned back into secrets; the stored values stay digests.
        Ok(())
    }
}
