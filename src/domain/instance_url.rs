//! The instance URL, stored at first start (issue 28): users' ActivityPub ids are made from it
//! and are permanent, so every process (server or command line) must use the same one.
//!
//! It lives in `instance_secrets` (a name → value table written once) under [`KEY`]; it is no
//! secret, but it has the same life: made once, kept, read back by every process.
use chrono::Utc;
use entity::instance_secret;
use sea_orm::{sea_query::OnConflict, ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::error::{AppError, AppResult};

/// The row's name in `instance_secrets`.
pub const KEY: &str = "instance_url";

/// The URL this process must use.
///
/// - Nothing stored yet: `configured` is stored and used.
/// - Stored and equal, or `change` (the operator's `--change-instance-url`): `configured`.
/// - Stored, different, and `configured` only derived from the listen address (`given` false):
///   the stored URL, so that a command run without `--listen` makes the same addresses as the server.
/// - Stored, different, and `configured` given explicitly: refused, naming both.
pub async fn settle<C: ConnectionTrait>(conn: &C, configured: &str, given: bool, change: bool) -> AppResult<String> {
    let stored = match instance_secret::Entity::find_by_id(KEY.to_string()).one(conn).await? {
        Some(row) => row,
        None => {
            let row = instance_secret::ActiveModel {
                name: Set(KEY.into()),
                value: Set(configured.into()),
                inserted_at: Set(Utc::now()),
            };
            // Two first starts at once: the row that landed wins and is judged below.
            instance_secret::Entity::insert(row)
                .on_conflict(OnConflict::column(instance_secret::Column::Name).do_nothing().to_owned())
                .exec_without_returning(conn)
                .await?;
            instance_secret::Entity::find_by_id(KEY.to_string())
                .one(conn)
                .await?
                .ok_or_else(|| AppError::Internal("the stored instance URL vanished".into()))?
        }
    };
    if stored.value == configured {
        return Ok(stored.value);
    }
    if change {
        let mut row: instance_secret::ActiveModel = stored.into();
        row.value = Set(configured.into());
        row.update(conn).await?;
        return Ok(configured.into());
    }
    if !given {
        return Ok(stored.value);
    }
    Err(AppError::BadRequest(mismatch(&stored.value, configured)))
}

/// The refusal, naming both URLs and the ways out.
pub fn mismatch(stored: &str, configured: &str) -> String {
    format!(
        "the instance URL configured ({configured}, from --instance-url, GATEWAY_INSTANCE_URL or instance_url in \
         the config file) differs from the one stored in the database at first start ({stored}); users' addresses \
         are made from it and never change. Configure {stored} again, or pass --change-instance-url to store \
         {configured} (existing accounts keep their {stored} addresses)"
    )
}
