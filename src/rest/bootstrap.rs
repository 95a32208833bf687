//! Client bootstrap endpoints (ROUTES.md, "Supporting endpoints real clients need", and §30
//! Healthcheck): `GET /api/v1/instance`, `/api/v1/instance/peers`, NodeInfo discovery and
//! documents, and the healthcheck. They answer with Pleroma's exact shapes, built from the same
//! domain reads as `Query.instance` and `Query.health` (`domain::instance`); the instance and
//! nodeinfo figures come from a per-process cache refreshed in the background every 60 s, as
//! Pleroma's `Pleroma.Stats` does. Auth is skipped, even
//! on private instances, as in Pleroma.
use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};
use serde_json::{json, Value};

use super::{json, RestError, Route};
use crate::{
    auth::{Access, Privilege},
    domain::instance::{self as domain, InstanceInfo},
    error::AppError,
    state::AppState,
};

/// The bootstrap rows.
pub fn routes() -> Vec<Route> {
    vec![
        Route::native(
            Method::GET,
            "/api/v1/instance",
            "The instance (Mastodon v1 entity with Pleroma's extensions)",
            Access::Public,
            |m| on(m, instance),
            &[(200, "The instance")],
        ),
        // GET /api/v2/instance: Pleroma's InstanceView "show2.json", from the same data as v1.
        Route::native(
            Method::GET,
            "/api/v2/instance",
            "The instance (Mastodon v2 entity with Pleroma's extensions)",
            Access::Public,
            |m| on(m, instance_v2),
            &[(200, "The instance")],
        ),
        Route::native(
            Method::GET,
            "/api/v1/instance/peers",
            "Hosts of known remote accounts",
            Access::Public,
            |m| on(m, peers),
            &[(200, "Host names, sorted")],
        ),
        Route::native(
            Method::GET,
            "/.well-known/nodeinfo",
            "Where the NodeInfo documents are",
            Access::Public,
            |m| on(m, nodeinfo_links),
            &[(200, "Links to NodeInfo 2.0 and 2.1")],
        ),
        Route::native(
            Method::GET,
            "/nodeinfo/{version}",
            "NodeInfo 2.0 or 2.1 (with or without .json)",
            Access::Public,
            |m| on(m, nodeinfo),
            &[(200, "The NodeInfo document"), (404, "Unknown schema version")],
        ),
        Route::native(
            Method::GET,
            "/api/v1/pleroma/healthcheck",
            "Healthcheck",
            Access::Public,
            |m| on(m, healthcheck),
            &[(200, "Healthy"), (503, "The database does not answer, or the healthcheck is disabled")],
        ),
    ]
}

fn json_response(status: StatusCode, body: &Value, content_type: &'static str) -> Response {
    let mut response = json(status, body);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn ok(body: &Value) -> Response {
    json(StatusCode::OK, body)
}

fn instance_info(state: &AppState) -> InstanceInfo {
    InstanceInfo::new(&state.settings(), state.mailer.enabled())
}

/// `GET /api/v1/instance` — Mastodon's v1 instance entity with Pleroma's extensions.
async fn instance(State(state): State<AppState>) -> Response {
    match instance_json(&state).await {
        Ok(body) => ok(&body),
        Err(err) => RestError::from(err).into_response(),
    }
}

async fn instance_json(state: &AppState) -> Result<Value, AppError> {
    let info = instance_info(state);
    let snapshot = state.instance_stats.get(&state.db.read).await?;
    // Mastodon's `rule.json`: {id, text, hint} with `hint` "" when unset; cached with the figures.
    let rules: Vec<Value> = snapshot
        .rules
        .iter()
        .map(|r| json!({ "id": r.id.to_string(), "text": r.text, "hint": r.hint.clone().unwrap_or_default() }))
        .collect();
    let (stats, mau) = (snapshot.stats, snapshot.active_month);
    let poll = info.poll_limits;
    let uploads = info.upload_limits;
    let fields = info.fields_limits;
    Ok(json!({
        "uri": info.host,
        "title": info.title,
        "description": info.description,
        "short_description": info.short_description,
        "email": info.email,
        "version": domain::mastodon_version(),
        "urls": { "streaming_api": info.streaming_url() },
        "stats": {
            "user_count": stats.user_count,
            "status_count": stats.status_count,
            "domain_count": stats.domain_count,
        },
        "thumbnail": info.thumbnail(),
        "languages": info.languages,
        "registrations": info.registrations_open,
        "approval_required": info.approval_required,
        "contact_account": null,
        "configuration": {
            "accounts": { "max_featured_tags": 0 },
            "statuses": {
                "max_characters": info.max_toot_chars,
                "max_media_attachments": info.max_media_attachments,
            },
            "media_attachments": {
                "image_size_limit": uploads.general,
                "video_size_limit": uploads.general,
                "supported_mime_types": ["application/octet-stream"],
            },
            "polls": {
                "max_options": poll.max_options,
                "max_characters_per_option": poll.max_option_chars,
                "min_expiration": poll.min_expiration,
                "max_expiration": poll.max_expiration,
            },
        },
        "rules": rules,
        "max_toot_chars": info.max_toot_chars,
        "max_media_attachments": info.max_media_attachments,
        "poll_limits": poll_limits(&info),
        "upload_limit": uploads.general,
        "avatar_upload_limit": uploads.avatar,
        "background_upload_limit": uploads.background,
        "banner_upload_limit": uploads.banner,
        "background_image": info.background_image(),
        "shout_limit": info.shout_limit,
        "description_limit": info.description_limit,
        "chat_limit": info.chat_limit,
        "pleroma": {
            "metadata": {
                "account_activation_required": info.account_activation_required,
                "features": info.features,
                "federation": federation(&info),
                "fields_limits": {
                    "max_fields": fields.max_fields,
                    "max_remote_fields": fields.max_remote_fields,
                    "name_length": fields.name_length,
                    "value_length": fields.value_length,
                },
                "post_formats": info.post_formats,
                "birthday_required": info.birthday_required,
                "birthday_min_age": info.birthday_min_age,
            },
            "stats": { "mau": mau },
            "vapid_public_key": null,
        },
    }))
}

/// `GET /api/v2/instance` — Mastodon's v2 instance entity with Pleroma's extensions
/// (`InstanceView.render("show2.json")`): v1's figures rearranged, `pleroma.metadata` gaining the
/// upload limits, background image and text limits.
async fn instance_v2(State(state): State<AppState>) -> Response {
    match instance_v2_json(&state).await {
        Ok(body) => ok(&body),
        Err(err) => RestError::from(err).into_response(),
    }
}

async fn instance_v2_json(state: &AppState) -> Result<Value, AppError> {
    let v1 = instance_json(state).await?;
    let info = instance_info(state);
    let mut configuration = v1["configuration"].clone();
    // v2 only, as Pleroma's `configuration2`.
    configuration["accounts"]["max_pinned_statuses"] = json!(state.settings().limits.max_pinned_statuses);
    configuration["statuses"]["characters_reserved_per_url"] = json!(0);
    configuration["urls"] = json!({ "streaming": info.streaming_url(), "status": null });
    configuration["vapid"] = json!({ "public_key": null });
    let mut pleroma = v1["pleroma"].clone();
    let uploads = info.upload_limits;
    if let Some(metadata) = pleroma["metadata"].as_object_mut() {
        metadata.insert("avatar_upload_limit".into(), json!(uploads.avatar));
        metadata.insert("background_upload_limit".into(), json!(uploads.background));
        metadata.insert("banner_upload_limit".into(), json!(uploads.banner));
        metadata.insert("background_image".into(), json!(info.background_image()));
        metadata.insert("chat_limit".into(), json!(info.chat_limit));
        metadata.insert("description_limit".into(), json!(info.description_limit));
        metadata.insert("shout_limit".into(), json!(info.shout_limit));
    }
    Ok(json!({
        "domain": info.host,
        "title": info.title,
        "version": domain::mastodon_version(),
        "source_url": domain::repository(),
        "description": info.short_description,
        "usage": { "users": { "active_month": v1["pleroma"]["stats"]["mau"] } },
        "thumbnail": { "url": info.thumbnail() },
        "languages": info.languages,
        "configuration": configuration,
        "registrations": {
            "enabled": info.registrations_open,
            "approval_required": info.approval_required,
            "message": null,
            "url": null,
        },
        "contact": { "email": info.email, "account": null },
        "rules": v1["rules"],
        "pleroma": pleroma,
    }))
}

fn poll_limits(info: &InstanceInfo) -> Value {
    let poll = info.poll_limits;
    json!({
        "max_options": poll.max_options,
        "max_option_chars": poll.max_option_chars,
        "min_expiration": poll.min_expiration,
        "max_expiration": poll.max_expiration,
    })
}

fn federation(info: &InstanceInfo) -> Value {
    info.federation.clone()
}

/// `GET /api/v1/instance/peers` — hosts of known remote accounts, sorted.
async fn peers(State(state): State<AppState>) -> Response {
    match domain::peers(&state.db.read).await {
        Ok(hosts) => ok(&json!(hosts)),
        Err(err) => RestError::from(err).into_response(),
    }
}

/// `GET /.well-known/nodeinfo` — where the NodeInfo documents are.
async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    let base = &state.settings().instance_url;
    ok(&json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0.json") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1.json") },
        ]
    }))
}

/// `GET /nodeinfo/:version` — NodeInfo 2.0 or 2.1 (with or without `.json`).
async fn nodeinfo(State(state): State<AppState>, Path(version): Path<String>) -> Response {
    let (version, content_type) = match version.trim_end_matches(".json") {
        "2.0" => ("2.0", "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.0#\""),
        "2.1" => ("2.1", "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\""),
        _ => return json(StatusCode::NOT_FOUND, &json!({ "error": "Nodeinfo schema version not handled" })),
    };
    match nodeinfo_json(&state, version).await {
        Ok(body) => json_response(StatusCode::OK, &body, content_type),
        Err(err) => RestError::from(err).into_response(),
    }
}

fn privilege_names(privileges: &[Privilege]) -> Vec<&'static str> {
    privileges.iter().map(|p| p.as_str()).collect()
}

async fn nodeinfo_json(state: &AppState, version: &str) -> Result<Value, AppError> {
    let info = instance_info(state);
    let snapshot = state.instance_stats.get(&state.db.read).await?;
    let (stats, active_month, active_halfyear) = (snapshot.stats, snapshot.active_month, snapshot.active_halfyear);
    let staff = &snapshot.staff;
    let mut software = json!({ "name": "pleroma", "version": domain::software_version() });
    if version == "2.1" {
        if let (Some(map), Some(repository)) = (software.as_object_mut(), domain::repository()) {
            map.insert("repository".into(), json!(repository));
        }
    }
    let uploads = info.upload_limits;
    let fields = info.fields_limits;
    let instance = &state.settings().instance;
    Ok(json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": info.registrations_open,
        "usage": {
            "users": { "total": stats.user_count, "activeMonth": active_month, "activeHalfyear": active_halfyear },
            "localPosts": stats.status_count,
        },
        "metadata": {
            "nodeName": info.title,
            "nodeDescription": info.description,
            "private": info.private,
            "suggestions": { "enabled": false },
            "staffAccounts": staff,
            "roles": {
                "admin": privilege_names(&instance.admin_privileges),
                "moderator": privilege_names(&instance.moderator_privileges),
            },
            "federation": federation(&info),
            "pollLimits": poll_limits(&info),
            "postFormats": info.post_formats,
            "uploadLimits": {
                "general": uploads.general,
                "avatar": uploads.avatar,
                "banner": uploads.banner,
                "background": uploads.background,
            },
            "fieldsLimits": {
                "maxFields": fields.max_fields,
                "maxRemoteFields": fields.max_remote_fields,
                "nameLength": fields.name_length,
                "valueLength": fields.value_length,
            },
            "accountActivationRequired": info.account_activation_required,
            "invitesEnabled": info.invites_enabled,
            "mailerEnabled": info.mailer_enabled,
            "features": info.features,
            "restrictedNicknames": info.restricted_nicknames,
            "skipThreadContainment": info.skip_thread_containment,
        },
    }))
}

/// `GET /api/v1/pleroma/healthcheck` (and `/api/pleroma/healthcheck`) — pool, memory and job
/// figures; 503 when the database does not answer or the healthcheck is disabled.
async fn healthcheck(State(state): State<AppState>) -> Response {
    let unavailable = StatusCode::SERVICE_UNAVAILABLE;
    if !state.settings().instance.healthcheck {
        return json(unavailable, &json!({ "error": "Healthcheck disabled" }));
    }
    let health = domain::health(&state.db).await;
    let body = json!({
        "pool_size": health.pool_size,
        "active": health.active,
        "idle": health.idle,
        "memory_used": health.memory_used,
        "healthy": health.healthy,
        "job_queue_stats": {},
    });
    json(if health.healthy { StatusCode::OK } else { unavailable }, &body)
}
