//! What a remote instance runs (Pleroma's `Instance.scrape_metadata`): the first time a host
//! is seen with an actor the policies accept (an activity from it, an actor fetched from it), a
//! durable [`InstanceMetadata`] job
//! reads its `/.well-known/nodeinfo`, follows the 2.1 (else 2.0) link and keeps
//! `software.name`, `version` and `repository` on the instance row. Asked once per host: the
//! row's `metadata_updated_at` is set when the job is enqueued, in the same conditional update
//! that decides it, so two processes never both enqueue it.
use chrono::Utc;
use entity::instance;
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    config::Settings,
    db::Db,
    domain::{job_kinds::JobContext, mrf},
    error::AppError,
    jobs::{self, Attempt, Failure, Job, Queue},
    outbound,
};

/// The job that reads a host's nodeinfo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceMetadata {
    /// The instance row's host.
    pub host: String,
    /// Where it answers (`scheme://host[:port]`).
    pub origin: String,
}

impl Job for InstanceMetadata {
    const NAME: &'static str = "instance_metadata";
    const QUEUE: Queue = Queue::Federation;
    const MAX_ATTEMPTS: i32 = 3;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        scrape(&ctx.db, &ctx.settings(), &self).await.map_err(|e| e.to_string())
    }
}

/// `url`'s origin: `scheme://host[:port]`.
fn origin_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    Some(url.origin().ascii_serialization()).filter(|o| o != "null")
}

/// The host of `ap_id` was seen: its nodeinfo is asked for if it never was.
pub async fn noted(db: &Db, ap_id: &str) -> Result<(), AppError> {
    let (host, Some(origin)) = (mrf::host_of(ap_id), origin_of(ap_id)) else { return Ok(()) };
    if host.is_empty() {
        return Ok(());
    }
    let claimed = instance::Entity::update_many()
        .col_expr(instance::Column::MetadataUpdatedAt, Expr::value(Some(Utc::now())))
        .filter(instance::Column::Host.eq(host.as_str()))
        .filter(instance::Column::MetadataUpdatedAt.is_null())
        .exec(&db.write)
        .await?;
    if claimed.rows_affected == 1 {
        jobs::enqueue(&db.write, &InstanceMetadata { host, origin }).await?;
    }
    Ok(())
}

/// The instance row of `host` (lower-cased), if federation has seen it.
pub async fn find(db: &Db, host: &str) -> Result<Option<instance::Model>, AppError> {
    Ok(instance::Entity::find_by_id(host.trim().to_ascii_lowercase()).one(&db.read).await?)
}

/// The nodeinfo document a `/.well-known/nodeinfo` links to (2.1 preferred).
pub fn nodeinfo_link(well_known: &Value) -> Option<String> {
    let links = well_known["links"].as_array()?;
    let find = |version: &str| {
        links
            .iter()
            .find(|l| l["rel"] == format!("http://nodeinfo.diaspora.software/ns/schema/{version}"))
            .and_then(|l| l["href"].as_str())
            .map(String::from)
    };
    find("2.1").or_else(|| find("2.0"))
}

async fn get_json(client: &outbound::Client, url: &str) -> Result<Value, outbound::Error> {
    let response = client.get(client.url(url)?).header("accept", "application/json").send().await?;
    if !(200..300).contains(&response.status()) {
        return Err(outbound::Error::status(url, response.status()));
    }
    response.json().await
}

/// Read the host's nodeinfo and keep its software on the row. A host that answers without
/// nodeinfo is done with (nothing kept); one that does not answer is retried by the queue.
async fn scrape(db: &Db, settings: &Settings, job: &InstanceMetadata) -> Result<(), AppError> {
    let client = outbound::Client::new(settings.http.policy(), settings.http.federation_limits())
        .map_err(|e| AppError::internal(e.to_string()))?;
    let well_known = match get_json(&client, &format!("{}/.well-known/nodeinfo", job.origin)).await {
        Ok(document) => document,
        Err(e @ outbound::Error::Failed(_)) => return Err(AppError::internal(e.to_string())),
        Err(e) => {
            tracing::info!(host = %job.host, error = %e, "instance metadata: no nodeinfo");
            return Ok(());
        }
    };
    let software = match nodeinfo_link(&well_known) {
        Some(link) => match get_json(&client, &link).await {
            Ok(nodeinfo) => nodeinfo["software"].clone(),
            Err(e) => {
                tracing::info!(host = %job.host, error = %e, "instance metadata: nodeinfo unreadable");
                return Ok(());
            }
        },
        None => return Ok(()),
    };
    let text = |key: &str| software[key].as_str().filter(|s| !s.is_empty()).map(String::from);
    instance::Entity::update_many()
        .col_expr(instance::Column::SoftwareName, Expr::value(text("name")))
        .col_expr(instance::Column::SoftwareVersion, Expr::value(text("version")))
        .col_expr(instance::Column::SoftwareRepository, Expr::value(text("repository")))
        .col_expr(instance::Column::MetadataUpdatedAt, Expr::value(Some(Utc::now())))
        .filter(instance::Column::Host.eq(job.host.as_str()))
        .exec(&db.write)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_newest_nodeinfo_schema_is_followed() {
        let doc = json!({"links": [
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "https://r.example/nodeinfo/2.0"},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "https://r.example/nodeinfo/2.1"},
        ]});
        assert_eq!(nodeinfo_link(&doc).as_deref(), Some("https://r.example/nodeinfo/2.1"));
        assert_eq!(nodeinfo_link(&json!({})), None);
        assert_eq!(origin_of("http://127.0.0.1:8080/users/x").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin_of("https://r.example/users/x").as_deref(), Some("https://r.example"));
    }
}
