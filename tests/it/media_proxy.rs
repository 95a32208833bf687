//! The media proxy (ROUTES.md §16): signed `/proxy/...` links served from a loopback file server
//! (size, type and status limits, caching, bans), and the admin cache routes on both prefixes.
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use axum::{http::header, routing::get, Router};
use pleroma_gateway::domain::media_proxy;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{both_prefixes, TestApp};

const V1: &str = "/api/v1/pleroma/admin/media_proxy_caches";

/// A loopback file server; returns its base URL and its hit counter.
async fn file_server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new()
        .route("/media/cat.png", get(|| async { ([(header::CONTENT_TYPE, "image/png")], vec![137u8, 80, 78, 71]) }))
        .route("/media/big.png", get(|| async { ([(header::CONTENT_TYPE, "image/png")], vec![0u8; 4096]) }))
        .route("/page.html", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<p>hi</p>") }))
        .route("/gone.png", get(|| async { axum::http::StatusCode::NOT_FOUND }))
        .layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(req).await
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), hits)
}

async fn proxy_app() -> TestApp {
    TestApp::with_settings(|s| {
        s.media_proxy.enabled = true;
        s.media_proxy.max_body_length = 1024;
        s.http.allow_private_addresses = true; // the file server is on loopback
    })
    .await
}

/// The proxy link of `url`, as a path on the gateway.
async fn link(app: &TestApp, url: &str) -> String {
    let secret = media_proxy::secret(&app.state.db.write).await.unwrap();
    media_proxy::encode_url(&secret, "", url)
}

async fn raw(app: &TestApp, path: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.get(format!("{}{path}", app.base)).send().await.unwrap()
}

#[tokio::test]
async fn proxy_serves_caches_and_refuses() {
    let app = proxy_app().await;
    let (files, hits) = file_server().await;
    let cat = format!("{files}/media/cat.png");
    let path = link(&app, &cat).await;
    assert!(path.ends_with("/cat.png"), "{path}");

    let response = raw(&app, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["content-security-policy"], "sandbox;");
    assert_eq!(response.bytes().await.unwrap().to_vec(), vec![137u8, 80, 78, 71]);
    // Cached: a second request does not reach the remote.
    assert_eq!(raw(&app, &path).await.status(), StatusCode::OK);
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Without the file name, and with a wrong one (redirect to the right one).
    let bare = path.trim_end_matches("/cat.png").to_string();
    assert_eq!(raw(&app, &bare).await.status(), StatusCode::OK);
    let wrong = raw(&app, &format!("{bare}/dog.png")).await;
    assert_eq!(wrong.status(), StatusCode::FOUND);
    assert!(wrong.headers()["location"].to_str().unwrap().ends_with(&path));

    // A forged signature.
    let parts: Vec<&str> = path.split('/').collect();
    let forged = raw(&app, &format!("/proxy/AAAAAAAA/{}", parts[3])).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(forged.text().await.unwrap(), "Forbidden");

    // Limits: size, type, remote status.
    let big = link(&app, &format!("{files}/media/big.png")).await;
    assert_eq!(raw(&app, &big).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = link(&app, &format!("{files}/page.html")).await;
    assert_eq!(raw(&app, &page).await.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let gone = link(&app, &format!("{files}/gone.png")).await;
    assert_eq!(raw(&app, &gone).await.status(), StatusCode::NOT_FOUND);
    let closed = link(&app, "http://127.0.0.1:9/x.png").await;
    assert_eq!(raw(&app, &closed).await.status(), StatusCode::BAD_GATEWAY);

    // Purge with ban: never fetched again, even though it was cached.
    let token = app.admin_token().await;
    let before = hits.load(Ordering::SeqCst);
    let reply = app.request(Method::POST, &format!("{V1}/purge"), Some(&token), Some(json!({"urls": [cat]}))).await;
    assert_eq!((reply.status, reply.body.clone()), (StatusCode::OK, json!({})));
    let banned = raw(&app, &path).await;
    assert_eq!(banned.status(), StatusCode::NOT_FOUND);
    assert_eq!(banned.text().await.unwrap(), "Not Found");
    assert_eq!(hits.load(Ordering::SeqCst), before);
    // Unban: fetched again (the purge emptied the cache).
    let reply = app.request(Method::POST, &format!("{V1}/delete"), Some(&token), Some(json!({"urls": [cat]}))).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    assert_eq!(raw(&app, &path).await.status(), StatusCode::OK);
    assert_eq!(hits.load(Ordering::SeqCst), before + 1);
}

#[tokio::test]
async fn disabled_proxy_answers_404() {
    let app = TestApp::new().await;
    let path = link(&app, "https://remote.example/a.png").await;
    let response = raw(&app, &path).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admin_cache_routes_list_ban_and_unban_on_both_prefixes() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for (i, base) in both_prefixes(V1).iter().enumerate() {
        let urls: Vec<String> = (0..3).map(|n| format!("https://p{i}.example/media/{n}.jpg")).collect();
        // `ban` defaults to true.
        let reply =
            app.request(Method::POST, &format!("{base}/purge"), Some(&token), Some(json!({"urls": urls}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})), "{base}");
        // ban: false purges without banning.
        let reply = app
            .request(
                Method::POST,
                &format!("{base}/purge"),
                Some(&token),
                Some(json!({"urls": [format!("https://p{i}.example/other.jpg")], "ban": false})),
            )
            .await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));

        let reply = app.get(&format!("{base}?query=p{i}.example&page_size=2"), Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, json!({"urls": [urls[0], urls[1]], "count": 3, "page_size": 2}), "{base}");
        let reply = app.get(&format!("{base}?query=P{i}\\.EXAMPLE/media/2&page=1"), Some(&token)).await;
        assert_eq!(reply.body, json!({"urls": [urls[2]], "count": 1, "page_size": 50}));
        let reply = app.get(&format!("{base}?query=p{i}&page_size=2&page=2"), Some(&token)).await;
        assert_eq!(reply.body["urls"], json!([urls[2]]));
        // Not a regular expression: a substring.
        let reply = app.get(&format!("{base}?query=%5Bp{i}"), Some(&token)).await;
        assert_eq!(reply.body, json!({"urls": [], "count": 0, "page_size": 50}));

        let reply =
            app.request(Method::POST, &format!("{base}/delete"), Some(&token), Some(json!({"urls": [urls[0]]}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
        let reply = app.get(&format!("{base}?query=p{i}.example"), Some(&token)).await;
        assert_eq!(reply.body["count"], 2);

        // `urls` is required.
        let reply = app.request(Method::POST, &format!("{base}/delete"), Some(&token), Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        let reply = app.request(Method::POST, &format!("{base}/purge"), Some(&token), Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    }
    let reply = app.get(V1, Some(&token)).await;
    assert_eq!(reply.body["count"], 4);
}

#[tokio::test]
async fn media_proxy_refuses_the_unprivileged() {
    let app = TestApp::new().await;
    let moderator = app.moderator("mod").await;
    let token = app.token(&moderator, "admin").await;
    let reply = app.get(V1, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let admin = app.admin("boss").await;
    let read_only = app.token(&admin, "admin:read:media_proxy_caches").await;
    assert_eq!(app.get(V1, Some(&read_only)).await.status, StatusCode::OK);
    let reply = app.request(Method::POST, &format!("{V1}/purge"), Some(&read_only), Some(json!({"urls": ["x"]}))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn graphql_lists_banned_urls() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let body = app
        .graphql(
            Some(&token),
            "mutation { purgeMediaProxyUrls(input: {urls: [\"https://a.example/1.png\"]}) { urls } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["purgeMediaProxyUrls"]["urls"], json!(["https://a.example/1.png"]));
    let body =
        app.graphql(Some(&token), "{ mediaProxyBannedUrls(first: 5) { totalCount nodes { url } } }", json!({})).await;
    assert_eq!(
        body["data"]["mediaProxyBannedUrls"],
        json!({"totalCount": 1, "nodes": [{"url": "https://a.example/1.png"}]})
    );
}
