//! Scrobbles over HTTP (Pleroma's
//! `test/pleroma/web/pleroma_api/controllers/scrobble_controller_test.exs`).
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{both_prefixes, keys, TestApp};

#[tokio::test]
async fn scrobbles_are_posted_and_listed_as_pleroma_does() {
    let app = TestApp::new().await;
    let user = app.user("lain").await;
    let other = app.user("other").await;
    let token = app.token(&user, "write read").await;
    let other_token = app.token(&other, "read").await;

    let mut made = Vec::new();
    for (i, path) in both_prefixes("/api/v1/pleroma/scrobble").iter().enumerate() {
        let reply = app
            .request(
                Method::POST,
                path,
                Some(&token),
                Some(json!({
                    "title": format!("lain radio episode {i}"),
                    "artist": "lain",
                    "album": "<b>lain radio</b>",
                    "length": "180000",
                    "externalLink": "https://www.last.fm/music/lain/lain+radio/lain+radio+episode+1"
                })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(
            keys(&reply.body),
            ["account", "album", "artist", "created_at", "externalLink", "id", "length", "title"]
        );
        assert_eq!(reply.body["title"], format!("lain radio episode {i}"));
        assert_eq!(reply.body["album"], "lain radio");
        assert_eq!(reply.body["length"], 180000);
        assert_eq!(reply.body["account"]["id"], user.id.as_str());
        assert!(reply.body["created_at"].as_str().unwrap().ends_with('Z'));
        made.push(reply.body["id"].as_str().unwrap().to_string());
    }
    // A private one, and a title only.
    let private = app
        .request(
            Method::POST,
            "/api/v1/pleroma/scrobble",
            Some(&token),
            Some(json!({"title": "secret", "visibility": "private"})),
        )
        .await;
    assert_eq!(private.status, StatusCode::OK, "{}", private.text);
    assert_eq!(
        (&private.body["artist"], &private.body["externalLink"], &private.body["length"]),
        (&json!(""), &json!(null), &json!(null))
    );

    // Missing title: OpenApiSpex's 400.
    let reply = app.request(Method::POST, "/api/v1/pleroma/scrobble", Some(&token), Some(json!({"artist": "x"}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // write scope needed; a user needed.
    let reply =
        app.request(Method::POST, "/api/v1/pleroma/scrobble", Some(&other_token), Some(json!({"title": "x"}))).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: write."}))
    );
    let reply = app.request(Method::POST, "/api/v1/pleroma/scrobble", None, Some(json!({"title": "x"}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));

    // The list: newest first; by id or nickname; anonymous callers see the public ones.
    for path in both_prefixes(&format!("/api/v1/pleroma/accounts/{}/scrobbles", user.id)) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body.as_array().unwrap().len(), 3);
        assert!(reply.headers.contains_key("link"));
    }
    let public = app.get("/api/v1/pleroma/accounts/lain/scrobbles", None).await.body;
    let listed: Vec<&str> = public.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [made[1].as_str(), made[0].as_str()]);
    let page = app
        .get(&format!("/api/v1/pleroma/accounts/lain/scrobbles?limit=1&max_id={}", made[1]), Some(&other_token))
        .await
        .body;
    assert_eq!(page[0]["id"], made[0].as_str());
    let missing = app.get("/api/v1/pleroma/accounts/nobody/scrobbles", None).await;
    assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
}
