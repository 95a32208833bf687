//! Client bootstrap endpoints: `/api/v1/instance`, peers, NodeInfo, the healthcheck, and their
//! GraphQL twins `Query.instance` and `Query.health`.
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};

fn sorted(list: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}

/// Two local users, one staff member, one deactivated user and remote users on two hosts.
async fn population(app: &TestApp) {
    app.admin("admin").await;
    app.moderator("mod").await;
    app.user("bob").await;
    app.user_with("gone", |u| u.is_active = sea_orm::Set(false)).await;
    app.remote_user("zed", "z.example").await;
    app.remote_user("amy", "a.example").await;
    app.remote_user("ann", "a.example").await;
}

const INSTANCE_KEYS: &[&str] = &[
    "approval_required",
    "avatar_upload_limit",
    "background_image",
    "background_upload_limit",
    "banner_upload_limit",
    "chat_limit",
    "configuration",
    "contact_account",
    "description",
    "description_limit",
    "email",
    "languages",
    "max_media_attachments",
    "max_toot_chars",
    "pleroma",
    "poll_limits",
    "registrations",
    "rules",
    "short_description",
    "shout_limit",
    "stats",
    "thumbnail",
    "title",
    "upload_limit",
    "uri",
    "urls",
    "version",
];

#[tokio::test]
async fn instance_v1() {
    let app = TestApp::with_settings(|s| {
        s.instance.name = "Gateway Test".into();
        s.instance.account_approval_required = true;
    })
    .await;
    population(&app).await;
    // Anonymous callers are served.
    let reply = app.get("/api/v1/instance", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let body = &reply.body;
    assert_eq!(keys(body), sorted(INSTANCE_KEYS), "{body}");
    assert_eq!(body["uri"], "localhost:4000");
    assert_eq!(body["title"], "Gateway Test");
    assert_eq!(
        body["version"],
        format!("2.7.2 (compatible; Pleroma 2.7.0+pleroma-gateway-{})", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(body["urls"], json!({"streaming_api": "ws://localhost:4000"}));
    assert_eq!(body["stats"], json!({"user_count": 3, "status_count": 0, "domain_count": 2}));
    assert_eq!(body["registrations"], true);
    assert_eq!(body["approval_required"], true);
    assert_eq!(body["contact_account"], Value::Null);
    assert_eq!(body["rules"], json!([]));
    assert_eq!(body["languages"], json!(["en"]));
    assert_eq!(body["max_toot_chars"], 5000);
    for key in [
        "upload_limit",
        "avatar_upload_limit",
        "background_upload_limit",
        "banner_upload_limit",
        "shout_limit",
        "description_limit",
        "chat_limit",
        "max_media_attachments",
    ] {
        assert!(body[key].is_u64(), "{key}");
    }
    for key in ["thumbnail", "background_image", "email", "description", "short_description"] {
        assert!(body[key].is_string(), "{key}");
    }
    assert_eq!(keys(&body["configuration"]), ["accounts", "media_attachments", "polls", "statuses"]);
    assert_eq!(body["configuration"]["statuses"]["max_characters"], 5000);
    assert_eq!(keys(&body["poll_limits"]), ["max_expiration", "max_option_chars", "max_options", "min_expiration"]);
    assert_eq!(keys(&body["pleroma"]), ["metadata", "stats", "vapid_public_key"]);
    assert_eq!(
        keys(&body["pleroma"]["metadata"]),
        sorted(&[
            "account_activation_required",
            "features",
            "federation",
            "fields_limits",
            "post_formats",
            "birthday_required",
            "birthday_min_age"
        ])
    );
    let features = body["pleroma"]["metadata"]["features"].as_array().unwrap();
    assert!(features.contains(&json!("pleroma_api")) && features.contains(&json!("mastodon_api")));
    assert_eq!(body["pleroma"]["metadata"]["federation"]["enabled"], true);
    assert!(body["pleroma"]["stats"]["mau"].is_u64());
}

#[tokio::test]
async fn instance_routes_skip_auth_on_private_instances() {
    let app = TestApp::with_settings(|s| s.instance.public = false).await;
    for path in ["/api/v1/instance", "/api/v1/instance/peers", "/.well-known/nodeinfo", "/nodeinfo/2.0.json"] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    }
    let reply = app.get("/nodeinfo/2.1", None).await;
    assert_eq!(reply.body["metadata"]["private"], true);
}

#[tokio::test]
async fn peers_are_distinct_sorted_hosts() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v1/instance/peers", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!([])));
    population(&app).await;
    let reply = app.get("/api/v1/instance/peers", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!(["a.example", "z.example"]));
}

#[tokio::test]
async fn nodeinfo_discovery() {
    let app = TestApp::new().await;
    let reply = app.get("/.well-known/nodeinfo", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"links": [
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "http://localhost:4000/nodeinfo/2.0.json"},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "http://localhost:4000/nodeinfo/2.1.json"},
        ]})
    );
}

const METADATA_KEYS: &[&str] = &[
    "accountActivationRequired",
    "features",
    "federation",
    "fieldsLimits",
    "invitesEnabled",
    "mailerEnabled",
    "nodeDescription",
    "nodeName",
    "pollLimits",
    "postFormats",
    "private",
    "restrictedNicknames",
    "roles",
    "skipThreadContainment",
    "staffAccounts",
    "suggestions",
    "uploadLimits",
];

#[tokio::test]
async fn nodeinfo_documents() {
    let app = TestApp::new().await;
    population(&app).await;
    for (path, version) in [
        ("/nodeinfo/2.0.json", "2.0"),
        ("/nodeinfo/2.0", "2.0"),
        ("/nodeinfo/2.1.json", "2.1"),
        ("/nodeinfo/2.1", "2.1"),
    ] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            reply.headers["content-type"],
            format!("application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\"")
        );
        let body = &reply.body;
        assert_eq!(
            keys(body),
            ["metadata", "openRegistrations", "protocols", "services", "software", "usage", "version"]
        );
        assert_eq!(body["version"], version);
        assert_eq!(body["software"]["name"], "pleroma");
        assert!(body["software"]["version"].as_str().unwrap().starts_with("2.7.0+pleroma-gateway-"));
        assert_eq!(body["protocols"], json!(["activitypub"]));
        assert_eq!(body["services"], json!({"inbound": [], "outbound": []}));
        assert_eq!(body["openRegistrations"], true);
        assert_eq!(keys(&body["usage"]), ["localPosts", "users"]);
        assert_eq!(body["usage"]["users"]["total"], 3);
        assert_eq!(body["usage"]["users"]["activeMonth"], 0);
        assert_eq!(body["usage"]["users"]["activeHalfyear"], 0);
        assert_eq!(body["usage"]["localPosts"], 0);
        let meta = &body["metadata"];
        assert_eq!(keys(meta), sorted(METADATA_KEYS), "{meta}");
        assert_eq!(meta["invitesEnabled"], false);
        assert_eq!(meta["mailerEnabled"], true);
        assert_eq!(meta["accountActivationRequired"], false);
        assert_eq!(meta["private"], false);
        assert_eq!(meta["suggestions"], json!({"enabled": false}));
        assert_eq!(
            meta["staffAccounts"],
            json!(["http://localhost:4000/users/admin", "http://localhost:4000/users/mod"])
        );
        assert_eq!(meta["roles"]["moderator"], json!(["messages_delete", "reports_manage_reports"]));
        assert_eq!(meta["roles"]["admin"].as_array().unwrap().len(), 14);
        assert_eq!(keys(&meta["uploadLimits"]), ["avatar", "background", "banner", "general"]);
        assert_eq!(keys(&meta["fieldsLimits"]), ["maxFields", "maxRemoteFields", "nameLength", "valueLength"]);
        assert!(meta["features"].as_array().unwrap().contains(&json!("pleroma_api")));
        assert!(meta["restrictedNicknames"].as_array().unwrap().contains(&json!("nodeinfo")));
    }
}

#[tokio::test]
async fn nodeinfo_follows_settings_and_refuses_other_versions() {
    let app = TestApp::with_settings(|s| {
        s.instance.invites_enabled = true;
        s.instance.account_activation_required = true;
        s.mailer.enabled = false;
    })
    .await;
    let reply = app.get("/nodeinfo/2.0.json", None).await;
    assert_eq!(reply.body["metadata"]["invitesEnabled"], true);
    assert_eq!(reply.body["metadata"]["mailerEnabled"], false);
    assert_eq!(reply.body["metadata"]["accountActivationRequired"], true);
    for path in ["/nodeinfo/1.0", "/nodeinfo/2.2.json", "/nodeinfo/x"] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body, json!({"error": "Nodeinfo schema version not handled"}));
    }
}

#[tokio::test]
async fn healthcheck_on_both_prefixes() {
    let app = TestApp::new().await;
    for path in both_prefixes("/api/v1/pleroma/healthcheck") {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        let body = &reply.body;
        assert_eq!(keys(body), ["active", "healthy", "idle", "job_queue_stats", "memory_used", "pool_size"]);
        assert_eq!(body["healthy"], true);
        assert!(body["pool_size"].as_u64().unwrap() >= 1);
        assert!(body["active"].is_u64() && body["idle"].is_u64());
        assert!(body["memory_used"].as_f64().unwrap() > 0.0);
        assert_eq!(body["job_queue_stats"], json!({}));
    }
}

#[tokio::test]
async fn healthcheck_disabled() {
    let app = TestApp::with_settings(|s| s.instance.healthcheck = false).await;
    for path in both_prefixes("/api/v1/pleroma/healthcheck") {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(reply.body, json!({"error": "Healthcheck disabled"}));
    }
    let body = app.graphql(None, "{ health { healthy } }", json!({})).await;
    assert_eq!(body["errors"][0]["message"], "Healthcheck disabled");
}

#[tokio::test]
async fn healthcheck_unhealthy_when_the_database_is_gone() {
    let app = TestApp::new().await;
    app.state.db.read.clone().close().await.unwrap();
    let reply = app.get("/api/v1/pleroma/healthcheck", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.text);
    assert_eq!(reply.body["healthy"], false);
    assert_eq!(keys(&reply.body), ["active", "healthy", "idle", "job_queue_stats", "memory_used", "pool_size"]);
}

#[tokio::test]
async fn instance_and_health_in_graphql() {
    let app = TestApp::new().await;
    population(&app).await;
    let body = app
        .graphql(
            None,
            "{ instance { uri version softwareName features registrations mailerEnabled peers staffAccounts
                 roles { moderator } stats { userCount statusCount domainCount activeMonth }
                 uploadLimits { general } pollLimits { maxOptions } }
               health { healthy poolSize memoryUsed jobQueueStats } }",
            json!({}),
        )
        .await;
    assert_eq!(body.get("errors"), None, "{body}");
    let instance = &body["data"]["instance"];
    assert_eq!(instance["uri"], "localhost:4000");
    assert!(instance["version"].as_str().unwrap().starts_with("2.7.2 (compatible; Pleroma 2.7.0"));
    assert_eq!(instance["softwareName"], "pleroma");
    assert_eq!(instance["peers"], json!(["a.example", "z.example"]));
    assert_eq!(instance["roles"]["moderator"], json!(["MESSAGES_DELETE", "REPORTS_MANAGE_REPORTS"]));
    assert_eq!(instance["stats"], json!({"userCount": 3, "statusCount": 0, "domainCount": 2, "activeMonth": 0}));
    assert_eq!(instance["staffAccounts"].as_array().unwrap().len(), 2);
    assert_eq!(body["data"]["health"]["healthy"], true);
    assert_eq!(body["data"]["health"]["jobQueueStats"], json!({}));
}

/// `GET /api/v1/instance` and nodeinfo are served from the cached figures: after the first
/// request they run no statement, and a new user shows only once the figures are refreshed.
#[tokio::test]
async fn instance_figures_are_cached() {
    let app = TestApp::new().await;
    population(&app).await;
    let reply = app.get("/api/v1/instance", None).await;
    assert_eq!(reply.body["stats"]["user_count"], 3);
    app.user("carol").await;
    let before = app.statements();
    let reply = app.get("/api/v1/instance", None).await;
    let nodeinfo = app.get("/nodeinfo/2.1.json", None).await;
    assert_eq!(app.statements() - before, 0, "served from the cache");
    assert_eq!(reply.body["stats"]["user_count"], 3);
    assert_eq!(nodeinfo.body["usage"]["users"]["total"], 3);
    assert_eq!(nodeinfo.body["metadata"]["staffAccounts"].as_array().unwrap().len(), 2);
}

/// A stale snapshot is served while a background refresh reads the new figures.
#[tokio::test]
async fn instance_figures_refresh_in_the_background() {
    use pleroma_gateway::domain::instance::StatsCache;
    let app = TestApp::new().await;
    population(&app).await;
    // Two caches, one whose snapshot stays fresh and one whose snapshot is stale at once: no
    // wall-clock window a loaded machine can miss.
    let fresh = std::sync::Arc::new(StatsCache::new(std::time::Duration::from_secs(3600)));
    let cache = std::sync::Arc::new(StatsCache::new(std::time::Duration::ZERO));
    let db = &app.state.db.read;
    assert_eq!(fresh.get(db).await.unwrap().stats.user_count, 3);
    assert_eq!(cache.get(db).await.unwrap().stats.user_count, 3);
    app.user("carol").await;
    assert_eq!(fresh.get(db).await.unwrap().stats.user_count, 3, "fresh enough");
    assert_eq!(cache.get(db).await.unwrap().stats.user_count, 3, "stale, served while refreshing");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if cache.get(db).await.unwrap().stats.user_count == 4 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the refresh never landed");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
