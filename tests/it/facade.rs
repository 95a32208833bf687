//! The facade machinery: operations, fallbacks and the OpenAPI document.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestApp;

/// Every route's operation parses and fits the schema (the facade refuses to start otherwise),
/// and each route is served on both prefixes.
#[tokio::test]
async fn every_operation_compiles_and_is_served() {
    let app = TestApp::new().await;
    let facade = &app.state.facade;
    assert!(!facade.routes.is_empty());
    for compiled in &facade.routes {
        let paths = compiled.route.paths();
        if compiled.route.path.starts_with("/api/v1/pleroma/") && compiled.route.legacy_alias {
            assert_eq!(paths.len(), 2, "{}", compiled.route.path);
        }
    }
}

#[tokio::test]
async fn fallbacks_are_json() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v1/pleroma/admin/nonexistent", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not implemented"})));
    let reply = app.get("/nowhere", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
    let reply = app.request(Method::PATCH, "/api/v1/pleroma/admin/users/bob/credentials/x", None, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/users/bob/permission_group", None, None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::METHOD_NOT_ALLOWED, json!({"error": "Method not allowed"})));
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = TestApp::new().await;
    let reply = app.get("/api/openapi", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.body;
    assert_eq!(doc["openapi"], "3.0.3");
    for compiled in &app.state.facade.routes {
        for path in compiled.route.paths() {
            let op = &doc["paths"][&path][compiled.route.method.as_str().to_lowercase()];
            assert!(op.is_object(), "{} {path} missing", compiled.route.method);
            assert_eq!(op["summary"], compiled.route.summary);
            assert!(op["responses"]["403"].is_object());
        }
    }
    let list = &doc["paths"]["/api/pleroma/admin/users"]["get"];
    let names: Vec<&str> = list["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["query", "filters[]", "page", "page_size", "tags[]", "actor_types[]", "name", "email"]);
    assert_eq!(list["security"], json!([{"oAuth": ["admin:read:accounts"]}]));
    let show = &doc["paths"]["/api/v1/pleroma/admin/users/{nickname}"]["get"];
    assert_eq!(
        show["parameters"][0],
        json!({"name": "nickname", "in": "path", "required": true, "schema": {"type": "string"}})
    );
    assert!(show["responses"]["404"].is_object());
}
