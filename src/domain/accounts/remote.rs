//! Accounts on other instances: federation reachability (`Instances`) and remote interaction
//! (`UtilController.remote_interaction`).
use std::collections::BTreeMap;

use chrono::Utc;
use entity::instance;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;

use crate::{
    config::Settings,
    error::{AppError, AppResult},
};

/// Hosts federation has found unreachable for longer than `timeout_days`
/// (`:instance, :federation_reachability_timeout_days`), with since when (Pleroma's
/// `Instances.get_consistently_unreachable`). With 0 days none is (Pleroma's threshold is then
/// the year 0).
pub async fn unreachable_instances<C: ConnectionTrait>(
    conn: &C,
    timeout_days: u64,
) -> AppResult<BTreeMap<String, chrono::DateTime<Utc>>> {
    if timeout_days == 0 {
        return Ok(BTreeMap::new());
    }
    let days = i64::try_from(std::cmp::min(timeout_days, 365_000)).unwrap_or(365_000);
    let threshold = Utc::now() - chrono::Duration::days(days);
    Ok(instance::Entity::find()
        .filter(instance::Column::UnreachableSince.lt(threshold))
        .order_by_asc(instance::Column::UnreachableSince)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|i| Some((i.host, i.unreachable_since?)))
        .collect())
}

/// Record that delivery to `host` failed since `at` (an earlier first failure is kept) or worked
/// again (`None`): what federation's deliveries report (`Instances.set_unreachable` and
/// `set_reachable`).
pub async fn set_reachability<C: ConnectionTrait>(
    conn: &C,
    host: &str,
    unreachable_at: Option<chrono::DateTime<Utc>>,
) -> AppResult<()> {
    let now = Utc::now();
    let unreachable = unreachable_at.is_some();
    let host = host.to_lowercase();
    let existing = instance::Entity::find_by_id(host.clone()).one(conn).await?;
    let since = if unreachable { existing.as_ref().and_then(|i| i.unreachable_since).or(unreachable_at) } else { None };
    let row = instance::ActiveModel {
        host: Set(host),
        unreachable_since: Set(since),
        updated_at: Set(now),
        inserted_at: Set(Some(now)),
        ..Default::default()
    };
    instance::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(instance::Column::Host)
                .update_columns([instance::Column::UnreachableSince, instance::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// What a remote-interaction form is told when the profile cannot be fingered.
pub const NO_SUCH_REMOTE_USER: &str = "Couldn't find user";

/// `POST /api/v1/pleroma/remote_interaction` (`UtilController.remote_interaction`): finger the
/// remote `profile` (`alice@remote.example` or an actor URL) over WebFinger and give its
/// subscribe template (`http://ostatus.org/schema/1.0/subscribe`) with `{uri}` replaced by
/// `ap_id`. Anything failing is `BadRequest("Couldn't find user")`.
pub async fn remote_interaction_url(settings: &Settings, profile: &str, ap_id: &str) -> AppResult<String> {
    let not_found = || AppError::BadRequest(NO_SUCH_REMOTE_USER.into());
    let profile = profile.trim().trim_start_matches('@');
    let (resource, host) = if profile.starts_with("https://") || profile.starts_with("http://") {
        let url = url::Url::parse(profile).map_err(|_| not_found())?;
        (profile.to_string(), url.host_str().ok_or_else(not_found)?.to_string())
    } else {
        let (_, host) = profile.rsplit_once('@').ok_or_else(not_found)?;
        (format!("acct:{profile}"), host.to_string())
    };
    if host.is_empty() || host.contains(['/', '?', '#']) {
        return Err(not_found());
    }
    let client = crate::outbound::Client::new(settings.http.policy(), settings.http.federation_limits())
        .map_err(|_| not_found())?;
    let mut url = client.url(&format!("https://{host}/.well-known/webfinger")).map_err(|_| not_found())?;
    url.query_pairs_mut().append_pair("resource", &resource);
    let response = client
        .get(url)
        .header("accept", "application/jrd+json, application/json")
        .send()
        .await
        .map_err(|_| not_found())?;
    if !(200..300).contains(&response.status()) {
        return Err(not_found());
    }
    let document = response.json().await.map_err(|_| not_found())?;
    subscribe_template(&document).map(|t| t.replace("{uri}", ap_id)).ok_or_else(not_found)
}

/// The subscribe template of a WebFinger document (`WebFinger.webfinger_from_json`).
pub fn subscribe_template(document: &Value) -> Option<String> {
    document["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == "http://ostatus.org/schema/1.0/subscribe")
        .and_then(|l| l["template"].as_str())
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_subscribe_template_is_found() {
        let doc = json!({"links": [
            {"rel": "self", "href": "https://r.example/users/a"},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": "https://r.example/ostatus_subscribe?acct={uri}"}
        ]});
        assert_eq!(subscribe_template(&doc).as_deref(), Some("https://r.example/ostatus_subscribe?acct={uri}"));
        assert_eq!(subscribe_template(&json!({})), None);
    }
}
