//! Instance rules (§21): admin CRUD ordered by priority, the Mastodon instance's `rules`, and
//! reports citing them.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};

const RULES: &str = "/api/v1/pleroma/admin/rules";

#[tokio::test]
async fn crud_ordered_by_priority_on_both_prefixes() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:read admin:write").await;
    for base in &both_prefixes(RULES) {
        let made = |text: &str, body: Value| {
            let (app, token, base) = (&app, &token, &base);
            let mut body = body;
            body["text"] = json!(text);
            async move {
                let reply = app.request(Method::POST, base, Some(token), Some(body)).await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
                reply.body
            }
        };
        let late = made("Be late", json!({"priority": 5})).await;
        assert_eq!(keys(&late), ["hint", "id", "priority", "text"]);
        assert!(late["id"].is_string());
        assert_eq!((late["priority"].clone(), late["hint"].clone()), (json!(5), Value::Null));
        let kind = made("Be kind", json!({"hint": "Really."})).await;
        assert_eq!((kind["priority"].clone(), kind["hint"].clone()), (json!(0), json!("Really.")));
        let list = app.get(base, Some(&token)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        let texts: Vec<&str> = list.body.as_array().unwrap().iter().map(|r| r["text"].as_str().unwrap()).collect();
        assert_eq!(texts, ["Be kind", "Be late"], "priority first");
        // PATCH: missing params keep their value.
        let path = format!("{base}/{}", late["id"].as_str().unwrap());
        let changed = app.patch(&path, &token, json!({"priority": -1})).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        assert_eq!((changed.body["priority"].clone(), changed.body["text"].clone()), (json!(-1), json!("Be late")));
        let list = app.get(base, Some(&token)).await;
        assert_eq!(list.body[0]["id"], late["id"]);
        let missing = app.patch(&format!("{base}/99999"), &token, json!({"text": "x"})).await;
        assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
        let blank = app.request(Method::POST, base, Some(&token), Some(json!({"hint": "no text"}))).await;
        assert_eq!(blank.status, StatusCode::BAD_REQUEST);
        assert_eq!(blank.body["error"], "Missing field: text.");
        // DELETE: {} and 404.
        let deleted = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!((deleted.status, deleted.body), (StatusCode::OK, json!({})));
        let again = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!((again.status, again.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
        let weird = app.request(Method::DELETE, &format!("{base}/abc"), Some(&token), None).await;
        assert_eq!(weird.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(base, Some(&token)).await.body.as_array().unwrap().len(), 1);
        let kind_path = format!("{base}/{}", kind["id"].as_str().unwrap());
        assert_eq!(app.request(Method::DELETE, &kind_path, Some(&token), None).await.status, StatusCode::OK);
    }
    // Admin only, admin:read to list (a moderator, and a write-only token, are refused).
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let refused = app.get(RULES, Some(&mod_token)).await;
    assert_eq!((refused.status, refused.body), (StatusCode::FORBIDDEN, json!({"error": "User is not an admin."})));
    let write_only = app.token(&admin, "admin:write").await;
    let refused = app.get(RULES, Some(&write_only)).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: admin:read."}))
    );
    let refused = app.request(Method::POST, RULES, Some(&mod_token), Some(json!({"text": "x"}))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn instance_shows_rules_and_reports_cite_them() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:read admin:write admin:read:reports").await;
    let first = app.request(Method::POST, RULES, Some(&token), Some(json!({"text": "One", "priority": 2}))).await.body;
    let second = app
        .request(Method::POST, RULES, Some(&token), Some(json!({"text": "Two", "hint": "h", "priority": 1})))
        .await
        .body;
    let expected = json!([
        {"id": second["id"], "text": "Two", "hint": "h"},
        {"id": first["id"], "text": "One", "hint": ""},
    ]);
    let rules = app.get("/api/v1/instance/rules", None).await;
    assert_eq!((rules.status, rules.body), (StatusCode::OK, expected.clone()));
    assert_eq!(app.get("/api/v1/instance", None).await.body["rules"], expected);
    assert_eq!(app.get("/api/pleroma/instance/rules", None).await.status, StatusCode::NOT_FOUND);

    let carol = app.user("carol").await;
    let bob = app.user("bob").await;
    let carol_token = app.token(&carol, "write:reports").await;
    let body = json!({"account_id": bob.id, "rule_ids": [first["id"], "424242", second["id"]]});
    let filed = app.request(Method::POST, "/api/v1/reports", Some(&carol_token), Some(body)).await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.text);
    let id = filed.body["id"].as_str().unwrap();
    let report = app.get(&format!("/api/v1/pleroma/admin/reports/{id}"), Some(&token)).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert_eq!(
        report.body["rules"],
        json!([
            {"id": first["id"], "priority": 2, "text": "One", "hint": null},
            {"id": second["id"], "priority": 1, "text": "Two", "hint": "h"},
        ]),
        "unknown rule ids are dropped when filing, as Pleroma does"
    );
    // A deleted rule is no longer shown.
    app.request(Method::DELETE, &format!("{RULES}/{}", first["id"].as_str().unwrap()), Some(&token), None).await;
    let report = app.get(&format!("/api/v1/pleroma/admin/reports/{id}"), Some(&token)).await;
    assert_eq!(report.body["rules"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn graphql_rules() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:write").await;
    let created = app
        .graphql(
            Some(&token),
            "mutation { createRule(input: {text: \"Hi\", priority: 3}) { rule { id priority } } }",
            json!({}),
        )
        .await;
    assert_eq!(created["data"]["createRule"]["rule"]["priority"], 3, "{created}");
    let listed = app.graphql(None, "{ rules { totalCount nodes { text hint } } }", json!({})).await;
    assert_eq!(listed["data"]["rules"]["totalCount"], 1, "{listed}");
    let blank =
        app.graphql(Some(&token), "mutation { createRule(input: {text: \" \"}) { rule { id } } }", json!({})).await;
    assert_eq!(blank["errors"][0]["extensions"]["code"], "VALIDATION_FAILED", "{blank}");
    let anonymous = app.graphql(None, "mutation { deleteRule(input: {id: \"1\"}) { deletedId } }", json!({})).await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{anonymous}");
}
