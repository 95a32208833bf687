//! Invite tokens are stored as SHA-256 digests (hex), like every other secret (issue 24):
//! existing plain tokens are replaced by their digests, so invites already handed out keep
//! working (a registration's token is digested before the lookup). One-way: `down` cannot
//! restore them.
use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The digest the gateway stores (`domain::secret::digest`).
fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let select = "SELECT id, token FROM user_invite_tokens";
        let rows = conn.query_all_raw(Statement::from_string(backend, select)).await?;
        let update = if backend == DbBackend::Postgres {
            "UPDATE user_invite_tokens SET token = $1 WHERE id = $2"
        } else {
            "UPDATE user_invite_tokens SET token = ? WHERE id = ?"
        };
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let plain: String = row.try_get("", "token")?;
            let values = vec![digest(&plain).into(), id.into()];
            conn.execute_raw(Statement::from_sql_and_values(backend, update, values)).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Digests cannot be turned back into tokens; the stored values stay digests.
        Ok(())
    }
}
