//! OAuth apps (§15): list with Pleroma's quirks, create (secret once, 200 with field errors),
//! update, delete (400 ""), all behind admin:write.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{assert_no_content, both_prefixes, keys, TestApp};

const APPS: &str = "/api/v1/pleroma/admin/oauth_app";

#[tokio::test]
async fn crud_on_both_prefixes() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:write").await;
    for (n, base) in both_prefixes(APPS).iter().enumerate() {
        let body = json!({"name": format!("App {n}"), "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": ["read", "write"], "website": "https://example.org"});
        let created = app.request(Method::POST, base, Some(&token), Some(body)).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
        let made = created.body;
        assert_eq!(keys(&made), ["client_id", "client_secret", "id", "name", "redirect_uri", "trusted", "website"]);
        assert!(made["id"].is_i64());
        assert_eq!((made["name"].clone(), made["trusted"].clone()), (json!(format!("App {n}")), json!(false)));
        assert_eq!(made["redirect_uri"], "urn:ietf:wg:oauth:2.0:oob");
        assert!(made["client_secret"].as_str().unwrap().len() > 20, "the secret, shown once");
        // The secret works with the client credentials grant.
        let grant = app
            .request(
                Method::POST,
                "/oauth/token",
                None,
                Some(json!({"grant_type": "client_credentials", "client_id": made["client_id"], "client_secret": made["client_secret"]})),
            )
            .await;
        assert_eq!(grant.status, StatusCode::OK, "{}", grant.text);

        let trusted = app
            .request(
                Method::POST,
                base,
                Some(&token),
                Some(json!({"name": format!("Trusted {n}"), "redirect_uris": "https://t.example/cb", "scopes": ["read"], "trusted": true})),
            )
            .await;
        assert_eq!(trusted.body["trusted"], true, "{}", trusted.text);

        // Model failures: 200 with a field → message map (no scopes is the schema's `[]`, valid).
        let invalid =
            app.request(Method::POST, base, Some(&token), Some(json!({"name": "  ", "redirect_uris": "y"}))).await;
        assert_eq!((invalid.status, invalid.body), (StatusCode::OK, json!({"name": "can't be blank"})));
        let missing = app.request(Method::POST, base, Some(&token), Some(json!({"redirect_uris": "y"}))).await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        assert_eq!(missing.body["error"], "Missing field: name.");

        // Update: missing fields keep their value; unknown id 400 "".
        let path = format!("{base}/{}", made["id"]);
        let changed = app.patch(&path, &token, json!({"trusted": true, "name": "Renamed"})).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        assert_eq!((changed.body["name"].clone(), changed.body["trusted"].clone()), (json!("Renamed"), json!(true)));
        assert_eq!(changed.body["website"], "https://example.org");
        assert_eq!(changed.body["client_secret"], "", "only its digest is kept");
        let unknown = app.patch(&format!("{base}/999999"), &token, json!({"name": "x"})).await;
        assert_eq!((unknown.status, unknown.body), (StatusCode::BAD_REQUEST, json!("")));

        // Delete: 204; again 400 "".
        let deleted = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_no_content(&deleted);
        let again = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!((again.status, again.body), (StatusCode::BAD_REQUEST, json!("")));
    }
    // Refusals: admin only, admin:write even to list.
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let refused = app.get(APPS, Some(&mod_token)).await;
    assert_eq!((refused.status, refused.body), (StatusCode::FORBIDDEN, json!({"error": "User is not an admin."})));
    let read_only = app.token(&admin, "admin:read").await;
    let refused = app.get(APPS, Some(&read_only)).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: admin:write."}))
    );
}

#[tokio::test]
async fn list_quirks() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:write").await;
    for (name, trusted) in [("a", false), ("b", false), ("c", true)] {
        let body =
            json!({"name": name, "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": ["read"], "trusted": trusted});
        assert_eq!(app.request(Method::POST, APPS, Some(&token), Some(body)).await.status, StatusCode::OK);
    }
    let names = |body: &Value| -> Vec<String> {
        body["apps"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect()
    };
    for base in both_prefixes(APPS) {
        let all = app.get(&base, Some(&token)).await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.text);
        assert_eq!(keys(&all.body), ["apps", "count", "page_size"]);
        // Omitting `trusted` lists untrusted apps only (the suite's own "test" app among them);
        // `count` counts every app.
        assert_eq!(names(&all.body), ["test", "a", "b"]);
        assert_eq!((all.body["count"].clone(), all.body["page_size"].clone()), (json!(4), json!(50)));
        assert_eq!(all.body["apps"][0]["client_secret"], "");
        let trusted = app.get(&format!("{base}?trusted=true"), Some(&token)).await;
        assert_eq!(names(&trusted.body), ["c"]);
        let by_name = app.get(&format!("{base}?name=b"), Some(&token)).await;
        assert_eq!(names(&by_name.body), ["b"]);
        assert_eq!(by_name.body["count"], 4);
        let client_id = all.body["apps"][1]["client_id"].as_str().unwrap();
        let by_id = app.get(&format!("{base}?client_id={client_id}"), Some(&token)).await;
        assert_eq!(names(&by_id.body), ["a"]);
        let page = app.get(&format!("{base}?page=2&page_size=1"), Some(&token)).await;
        assert_eq!((names(&page.body), page.body["page_size"].clone()), (vec!["a".to_string()], json!(1)));
    }
    let body = app
        .graphql(
            Some(&token),
            "{ oauthApps(filter: {trusted: true}) { totalCount allCount nodes { name clientSecret } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["oauthApps"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["oauthApps"]["allCount"], 4);
    assert_eq!(body["data"]["oauthApps"]["nodes"][0]["clientSecret"], Value::Null);
}
