//! Issue 24: request bodies are limited on every route, `/graphql` included, while they
//! stream; an upload over its limit is a 413 naming the limit.
use pleroma_gateway::app::body_limit::{GRAPHQL_JSON, MAX_BODY};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Reply, TestApp};

/// A body of `total` bytes sent in chunks, without a declared length (chunked encoding).
fn streamed(chunks: Vec<Vec<u8>>) -> reqwest::Body {
    let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    reqwest::Body::wrap_stream(stream)
}

/// A JSON GraphQL request padded past `size` bytes (a long comment in the query).
fn padded_query(size: usize) -> Vec<u8> {
    let query = format!("{{ __typename }} #{}", "x".repeat(size));
    serde_json::to_vec(&json!({ "query": query })).unwrap()
}

#[tokio::test]
async fn graphql_bodies_are_limited_while_streaming() {
    let app = TestApp::new().await;
    let url = format!("{}/graphql", app.base);
    let post = || app.client.post(&url).header("content-type", "application/json");
    let expected = |reply: &Reply| {
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
        assert_eq!(reply.body["data"], json!(null));
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        let message = reply.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(&GRAPHQL_JSON.to_string()), "{message}");
    };

    // Declared too long: refused before it is read.
    let reply = Reply::from(post().body(padded_query(GRAPHQL_JSON)).send().await.unwrap()).await;
    expected(&reply);
    // No declared length: refused once the stream passes the limit.
    let body = padded_query(3 * GRAPHQL_JSON);
    let chunks: Vec<Vec<u8>> = body.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    let reply = Reply::from(post().body(streamed(chunks)).send().await.unwrap()).await;
    expected(&reply);

    // Within the limit, streamed or not, the request runs.
    let small = padded_query(1000);
    let reply = Reply::from(post().body(small.clone()).send().await.unwrap()).await;
    assert_eq!((reply.status, &reply.body["data"]), (StatusCode::OK, &json!({"__typename": "Query"})));
    let reply = Reply::from(post().body(streamed(vec![small])).send().await.unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// The outermost cap applies to paths no row serves.
#[tokio::test]
async fn every_body_is_capped_before_routing() {
    let app = TestApp::new().await;
    let url = format!("{}/no/such/route", app.base);
    let reply = app.client.post(&url).header("content-length", (MAX_BODY + 1).to_string()).body(vec![0u8; 16]);
    let reply = Reply::from(reply.send().await.unwrap()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert_eq!(reply.body, json!({"error": "Request body too large", "limit": MAX_BODY}));
    for row in &app.state.facade.routes {
        assert!(row.route.body_limit <= MAX_BODY, "{} {} allows more than the cap", row.route.method, row.route.path);
    }
}

/// A 50 MB upload: 413 with Pleroma's text and the limit, not a malformed multipart — with a
/// declared length (refused before it is read) and streamed without one.
#[tokio::test]
async fn an_upload_over_the_limit_is_413() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let url = format!("{}/api/v1/media", app.base);
    let limit =
        app.state.facade.routes.iter().find(|r| r.route.path == "/api/v1/media").map(|r| r.route.body_limit).unwrap();
    let expected = json!({"error": "File is too large", "limit": limit});

    let big = vec![7u8; 50_000_000];
    let part = reqwest::multipart::Part::bytes(big).file_name("big.png").mime_str("image/png").unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let reply = Reply::from(app.client.post(&url).bearer_auth(&token).multipart(form).send().await.unwrap()).await;
    assert_eq!((reply.status, &reply.body), (StatusCode::PAYLOAD_TOO_LARGE, &expected), "{}", reply.text);

    let chunks: Vec<Vec<u8>> = (0..20).map(|_| vec![7u8; 1_000_000]).collect();
    let part = reqwest::multipart::Part::stream(streamed(chunks)).file_name("big.png").mime_str("image/png").unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let reply = Reply::from(app.client.post(&url).bearer_auth(&token).multipart(form).send().await.unwrap()).await;
    assert_eq!((reply.status, &reply.body), (StatusCode::PAYLOAD_TOO_LARGE, &expected), "{}", reply.text);
}

/// A native row reading its body whole (the shared inbox) answers a streamed body past its
/// limit with the same JSON 413 as every other row, not axum's plain text.
#[tokio::test]
async fn a_streamed_body_past_a_native_rows_limit_is_a_json_413() {
    let app = TestApp::new().await;
    let limit = app.state.facade.routes.iter().find(|r| r.route.path == "/inbox").map(|r| r.route.body_limit).unwrap();
    let chunks = vec![vec![b' '; 64 * 1024]; limit / (64 * 1024) + 2];
    let request = app.client.post(format!("{}/inbox", app.base)).header("content-type", "application/activity+json");
    let reply = Reply::from(request.body(streamed(chunks)).send().await.unwrap()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert_eq!(reply.body, json!({"error": "Request body too large", "limit": limit}));
}
