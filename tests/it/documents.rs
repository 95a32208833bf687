//! Instance documents (ROUTES.md §18): read, upload, delete, public URLs, errors, privileges.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{both_prefixes, TestApp};

const PATH: &str = "/api/v1/pleroma/admin/instance_document";

async fn upload(app: &TestApp, path: &str, token: &str, html: &str) -> crate::common::Reply {
    let part = reqwest::multipart::Part::bytes(html.as_bytes().to_vec())
        .file_name("panel.html")
        .mime_str("text/html")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let response =
        app.client.patch(format!("{}{path}", app.base)).bearer_auth(token).multipart(form).send().await.unwrap();
    crate::common::Reply::from(response).await
}

#[tokio::test]
async fn documents_default_upload_public_url_and_delete_on_both_prefixes() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for (name, public) in
        [("instance-panel", "/instance/panel.html"), ("terms-of-service", "/static/terms-of-service.html")]
    {
        for path in both_prefixes(&format!("{PATH}/{name}")) {
            // The default.
            let reply = app.get(&path, Some(&token)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            assert_eq!(reply.headers["content-type"], "text/html; charset=utf-8");
            assert!(!reply.text.is_empty());
            let default = reply.text.clone();
            if name == "instance-panel" {
                assert!(reply.text.contains("Welcome to"), "{}", reply.text);
            }
            // Upload.
            let html = format!("<h2>Custom {name}</h2>");
            let reply = upload(&app, &path, &token, &html).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            assert_eq!(reply.body, json!({ "url": format!("http://localhost:4000{public}") }));
            let reply = app.get(&path, Some(&token)).await;
            assert_eq!(reply.text, html);
            // The public URL, anonymous.
            let reply = app.get(public, None).await;
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.headers["content-type"], "text/html; charset=utf-8");
            assert_eq!(reply.text, html);
            // Stored under the data dir's static directory.
            let file = app.data_dir.join("static").join(public.trim_start_matches('/'));
            assert_eq!(std::fs::read_to_string(&file).unwrap(), html);
            // Delete: back to the default; a second delete is 404.
            let reply = app.request(Method::DELETE, &path, Some(&token), None).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            assert_eq!(reply.body, json!({}));
            assert_eq!(app.get(&path, Some(&token)).await.text, default);
            assert_eq!(app.get(public, None).await.text, default);
            assert!(!file.exists());
            let reply = app.request(Method::DELETE, &path, Some(&token), None).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND);
            assert_eq!(reply.body, json!({"error": "Not found"}));
        }
    }
}

#[tokio::test]
async fn documents_unknown_names_missing_file_and_refusals() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for path in both_prefixes(&format!("{PATH}/1234")) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.body, json!({"error": "Not found"}));
        let reply = upload(&app, &path, &token, "<p>x</p>").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.body, json!({"error": "Not found"}));
        let reply = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.body, json!({"error": "Not found"}));
    }
    // PATCH without a file: a validation error.
    let reply = app.patch(&format!("{PATH}/instance-panel"), &token, json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().contains("file"), "{}", reply.text);
    // A moderator is not an admin; a user is not staff; scopes are checked.
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "read write admin").await;
    let reply = app.get(&format!("{PATH}/instance-panel"), Some(&mod_token)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "User is not an admin."}));
    let user = app.user("alice").await;
    let user_token = app.token(&user, "read write admin").await;
    let reply = app.get(&format!("{PATH}/instance-panel"), Some(&user_token)).await;
    assert_eq!(reply.body, json!({"error": "User is not a staff member."}));
    let admin = app.admin("boss").await;
    let read_only = app.token(&admin, "admin:read").await;
    let reply = upload(&app, &format!("{PATH}/instance-panel"), &read_only, "<p>x</p>").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: admin:write."}));
}

#[tokio::test]
async fn documents_graphql() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let body = app
        .graphql(Some(&token), "{ instanceDocument(name: \"terms-of-service\") { name url custom } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["instanceDocument"],
        json!({"name": "terms-of-service", "url": "http://localhost:4000/static/terms-of-service.html", "custom": false})
    );
    let body = app.graphql(Some(&token), "{ instanceDocument(name: \"nope\") { name } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");
}
