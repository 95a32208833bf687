//! Secrets the instance generates once and keeps (`instance_secrets`): actor private keys and
//! the media proxy's signing key. Concurrent first uses race on the insert; the row that landed
//! wins and every caller reads it back.
use chrono::Utc;
use entity::instance_secret;
use sea_orm::{sea_query::OnConflict, ConnectionTrait, EntityTrait, Set};

use crate::error::AppError;

/// The secret `name`, made by `make` the first time.
pub async fn get_or_create<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    make: impl FnOnce() -> Result<String, AppError>,
) -> Result<String, AppError> {
    if let Some(row) = instance_secret::Entity::find_by_id(name.to_string()).one(conn).await? {
        return Ok(row.value);
    }
    let row =
        instance_secret::ActiveModel { name: Set(name.to_string()), value: Set(make()?), inserted_at: Set(Utc::now()) };
    instance_secret::Entity::insert(row)
        .on_conflict(OnConflict::column(instance_secret::Column::Name).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    instance_secret::Entity::find_by_id(name.to_string())
        .one(conn)
        .await?
        .map(|row| row.value)
        .ok_or_else(|| AppError::Internal(format!("instance secret {name} vanished")))
}
