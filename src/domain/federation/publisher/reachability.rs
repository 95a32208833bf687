//! Reachability of remote hosts (Pleroma's `Instances`).
use chrono::{DateTime, Duration, Utc};
use entity::instance;
use sea_orm::{sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::{config::Settings, domain::mrf, error::AppError};

// ---- Reachability (Pleroma's `Instances`) ------------------------------------------------------

/// The host of an inbox or actor URL.
pub fn host(url: &str) -> String {
    mrf::host_of(url)
}

/// Before this, an `unreachable_since` means the host is skipped; `None` when hosts are never
/// skipped (a timeout of 0 days).
fn threshold(settings: &Settings) -> Option<DateTime<Utc>> {
    let days = settings.limits.federation_reachability_timeout_days;
    (days > 0).then(|| Utc::now() - Duration::days(days as i64))
}

/// Since when `host` has failed, if it has.
pub async fn unreachable_since<C: ConnectionTrait>(conn: &C, host: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(instance::Entity::find_by_id(host).one(conn).await?.and_then(|row| row.unreachable_since))
}

/// Whether deliveries go to a host failing since `since` (Pleroma's `Instances.reachable?`).
pub fn reachable_since(settings: &Settings, since: Option<DateTime<Utc>>) -> bool {
    match (since, threshold(settings)) {
        (Some(since), Some(limit)) => since > limit,
        _ => true,
    }
}

/// Whether deliveries go to `host` (Pleroma's `Instances.reachable?`).
pub async fn reachable<C: ConnectionTrait>(conn: &C, settings: &Settings, host: &str) -> Result<bool, AppError> {
    Ok(reachable_since(settings, unreachable_since(conn, host).await?))
}

/// The hosts among `hosts` that get nothing (Pleroma's `Instances.filter_reachable`): one
/// statement per 500 hosts, not one per host.
pub async fn skipped_hosts<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    hosts: &[String],
) -> Result<std::collections::HashSet<String>, AppError> {
    let mut out = std::collections::HashSet::new();
    let Some(limit) = threshold(settings) else { return Ok(out) };
    for chunk in hosts.chunks(500) {
        let rows: Vec<String> = instance::Entity::find()
            .select_only()
            .column(instance::Column::Host)
            .filter(instance::Column::Host.is_in(chunk.to_vec()))
            .filter(instance::Column::UnreachableSince.lte(limit))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// A delivery to `host` succeeded.
pub async fn set_reachable<C: ConnectionTrait>(conn: &C, host: &str) -> Result<(), AppError> {
    let row = instance::ActiveModel {
        host: Set(host.into()),
        unreachable_since: Set(None),
        updated_at: Set(Utc::now()),
        inserted_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    instance::Entity::insert(row)
        .on_conflict(
            OnConflict::column(instance::Column::Host)
                .update_columns([instance::Column::UnreachableSince, instance::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A delivery to `host` failed: marked unreachable since now, unless it already was.
pub async fn set_unreachable<C: ConnectionTrait>(conn: &C, host: &str) -> Result<(), AppError> {
    let now = Utc::now();
    let row = instance::ActiveModel {
        host: Set(host.into()),
        unreachable_since: Set(Some(now)),
        updated_at: Set(now),
        inserted_at: Set(Some(now)),
        ..Default::default()
    };
    instance::Entity::insert(row)
        .on_conflict(OnConflict::column(instance::Column::Host).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await
        .map(|_| ())
        .or_else(|e| match e {
            sea_orm::DbErr::RecordNotInserted => Ok(()),
            other => Err(other),
        })?;
    instance::Entity::update_many()
        .col_expr(instance::Column::UnreachableSince, sea_orm::sea_query::Expr::value(Some(now)))
        .col_expr(instance::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(instance::Column::Host.eq(host))
        .filter(instance::Column::UnreachableSince.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
