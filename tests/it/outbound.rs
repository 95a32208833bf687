//! Issue 24 §1: every fetching feature goes through the one outbound client, which refuses
//! loopback (and other non-public) addresses unless `[http] allow_private_addresses` is on, and
//! an inbox request is checked before any key is fetched. A listener on loopback counts the
//! connections that reach it.
use std::{
    path::Path,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, SystemTime},
};

use pleroma_gateway::domain::{federation::signature, media_proxy};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::TestApp;

/// A loopback HTTP server that counts the connections it accepts and answers each request
/// with `answer(base, path)` (a whole HTTP/1.1 response).
pub struct Listener {
    pub base: String,
    connections: Arc<AtomicUsize>,
}

impl Listener {
    pub async fn start(answer: fn(&str, &str) -> String) -> Listener {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let (count, own) = (connections.clone(), base.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let own = own.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&request);
                    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                    socket.write_all(answer(&own, &path).as_bytes()).await.ok();
                    socket.shutdown().await.ok();
                });
            }
        });
        Listener { base, connections }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn respond(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// An actor document with a key nobody holds, a PNG, or a redirect, by path.
fn anything(base: &str, path: &str) -> String {
    match path {
        "/actor" => respond(
            "200 OK",
            "application/activity+json",
            &json!({"id": format!("{base}/actor"), "inbox": format!("{base}/inbox")}).to_string(),
        ),
        "/cat.png" => respond("200 OK", "image/png", "\u{89}PNG"),
        "/to-ftp" => {
            "HTTP/1.1 302 Found\r\nlocation: ftp://example.org/x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                .to_string()
        }
        "/loop" => {
            format!("HTTP/1.1 302 Found\r\nlocation: {base}/loop\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        }
        _ => respond("200 OK", "application/json", "{}"),
    }
}

fn allow_private(on: bool) -> impl FnOnce(&mut pleroma_gateway::config::Settings) {
    move |s| {
        s.http.allow_private_addresses = on;
        s.media_proxy.enabled = true;
    }
}

/// POST `activity` to the app's `/inbox`, signed with a fresh key under `key_id`, with the
/// headers `adjust` leaves.
async fn post_inbox(
    app: &TestApp,
    key_id: &str,
    activity: &Value,
    adjust: impl FnOnce(&mut Vec<(String, String)>),
) -> reqwest::Response {
    let url = url::Url::parse(&format!("{}/inbox", app.base)).unwrap();
    let body = serde_json::to_vec(activity).unwrap();
    let key = signature::private_key(&signature::generate_pem().unwrap()).unwrap();
    let mut headers: Vec<(String, String)> =
        signature::sign(&key, key_id, "POST", &url, Some(&body)).into_iter().map(|(n, v)| (n.to_string(), v)).collect();
    adjust(&mut headers);
    let mut request = reqwest::Client::new().post(url).header("content-type", "application/activity+json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.body(body).send().await.unwrap()
}

/// A change to a request's headers.
type Adjust = Box<dyn FnOnce(&mut Vec<(String, String)>)>;

fn accept_from(base: &str) -> Value {
    json!({"type": "Accept", "actor": format!("{base}/actor"), "object": "http://x/activities/1"})
}

#[tokio::test]
async fn an_anonymous_inbox_request_no_longer_reaches_a_key_url_on_loopback() {
    let listener = Listener::start(anything).await;
    let key_id = format!("{}/actor#main-key", listener.base);
    let app = TestApp::self_addressed(allow_private(false)).await;
    let reply = post_inbox(&app, &key_id, &accept_from(&listener.base), |_| {}).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json::<Value>().await.unwrap(), json!({"error": "Invalid HTTP Signature"}));
    assert_eq!(listener.connections(), 0, "the key URL on loopback was fetched");

    // With the setting on the same request does reach it, once: the document does not list
    // the key, and a second request for the same key fetches nothing more.
    let app = TestApp::self_addressed(allow_private(true)).await;
    for _ in 0..2 {
        let reply = post_inbox(&app, &key_id, &accept_from(&listener.base), |_| {}).await;
        assert!(reply.status() == StatusCode::UNAUTHORIZED || reply.status() == StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(listener.connections(), 1);
}

#[tokio::test]
async fn inbox_requests_are_checked_before_any_key_is_fetched() {
    let listener = Listener::start(anything).await;
    let key_id = format!("{}/actor#main-key", listener.base);
    let app = TestApp::self_addressed(allow_private(true)).await;
    let activity = accept_from(&listener.base);
    let set = |name: &'static str, value: String| {
        move |headers: &mut Vec<(String, String)>| {
            headers.retain(|(n, _)| n != name);
            headers.push((name.to_string(), value));
        }
    };
    let signature_over =
        |fields: &str| format!("keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{fields}\",signature=\"AAAA\"");
    let stale = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(13 * 3600));
    let ahead = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2 * 3600));
    let cases: Vec<(Adjust, StatusCode, &str)> = vec![
        (Box::new(set("signature", signature_over("host date digest"))), StatusCode::UNAUTHORIZED, "no target"),
        (
            Box::new(set("signature", signature_over("(request-target) date digest"))),
            StatusCode::UNAUTHORIZED,
            "no host",
        ),
        (
            Box::new(set("signature", signature_over("(request-target) host digest"))),
            StatusCode::UNAUTHORIZED,
            "no date",
        ),
        (
            Box::new(set("signature", signature_over("(request-target) host date"))),
            StatusCode::UNAUTHORIZED,
            "no digest",
        ),
        (
            Box::new(set("signature", "keyId=\"x\",keyId=\"y\",signature=\"AAAA\"".into())),
            StatusCode::UNAUTHORIZED,
            "twice",
        ),
        (Box::new(set("date", stale)), StatusCode::UNAUTHORIZED, "stale"),
        (Box::new(set("date", ahead)), StatusCode::UNAUTHORIZED, "ahead"),
        (Box::new(set("digest", "SHA-256=AAAA".into())), StatusCode::UNAUTHORIZED, "digest"),
        (Box::new(set("host", "other.example".into())), StatusCode::BAD_REQUEST, "host"),
    ];
    for (adjust, status, case) in cases {
        let reply = post_inbox(&app, &key_id, &activity, adjust).await;
        assert_eq!(reply.status(), status, "{case}");
    }
    let reply = post_inbox(&app, &key_id, &json!({"type": "Accept"}), |_| {}).await;
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST, "no actor");
    // The actor is on another origin than the key: not the actor's key.
    let other = json!({"type": "Accept", "actor": "https://relay.example/actor", "object": "x"});
    let reply = post_inbox(&app, &key_id, &other, |_| {}).await;
    assert_eq!(reply.status(), StatusCode::FORBIDDEN);
    assert_eq!(listener.connections(), 0, "a request refused before its key was fetched reached the key URL");
}

#[tokio::test]
async fn key_fetches_are_limited_per_remote_host() {
    let listener = Listener::start(anything).await;
    let app = TestApp::self_addressed(allow_private(true)).await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let key_id = format!("{}/actor#key-{i}", listener.base);
        statuses.push(post_inbox(&app, &key_id, &accept_from(&listener.base), |_| {}).await.status());
    }
    assert_eq!(listener.connections(), 10);
    assert_eq!(statuses[11], StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn relay_follows_refuse_loopback_unless_allowed() {
    let listener = Listener::start(anything).await;
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let actor = format!("{}/actor", listener.base);
    let reply =
        app.request(Method::POST, "/api/v1/pleroma/admin/relay", Some(&token), Some(json!({"relay_url": actor}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    app.run_jobs().await;
    let body = app.graphql(Some(&token), "{ relays { state lastError } }", json!({})).await;
    let error = body["data"]["relays"][0]["lastError"].as_str().unwrap().to_string();
    assert!(error.contains("refused") && error.contains("loopback"), "{error}");
    assert_eq!(listener.connections(), 0);
    // Unfollowing without force needs the relay: refused too.
    let reply = app
        .request(Method::DELETE, "/api/v1/pleroma/admin/relay", Some(&token), Some(json!({"relay_url": actor})))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(listener.connections(), 0);

    let app = TestApp::with_settings(allow_private(true)).await;
    let token = app.admin_token().await;
    app.request(Method::POST, "/api/v1/pleroma/admin/relay", Some(&token), Some(json!({"relay_url": actor}))).await;
    app.run_jobs().await;
    assert!(listener.connections() >= 1);
}

async fn proxied(app: &TestApp, url: &str) -> StatusCode {
    let secret = media_proxy::secret(&app.state.db.write).await.unwrap();
    let path = media_proxy::encode_url(&secret, "", url);
    reqwest::Client::new().get(format!("{}{path}", app.base)).send().await.unwrap().status()
}

#[tokio::test]
async fn the_media_proxy_refuses_loopback_and_bad_redirects() {
    let listener = Listener::start(anything).await;
    let app = TestApp::with_settings(allow_private(false)).await;
    assert_eq!(proxied(&app, &format!("{}/cat.png", listener.base)).await, StatusCode::BAD_GATEWAY);
    assert_eq!(proxied(&app, "http://[::1]:9/cat.png").await, StatusCode::BAD_GATEWAY);
    assert_eq!(proxied(&app, "http://169.254.169.254/latest/meta-data/x.png").await, StatusCode::BAD_GATEWAY);
    assert_eq!(listener.connections(), 0);

    let app = TestApp::with_settings(allow_private(true)).await;
    assert_eq!(proxied(&app, &format!("{}/cat.png", listener.base)).await, StatusCode::OK);
    assert_eq!(listener.connections(), 1);
    // A redirect to another scheme, and a redirect loop: followed no further than allowed.
    assert_eq!(proxied(&app, &format!("{}/to-ftp", listener.base)).await, StatusCode::BAD_GATEWAY);
    let before = listener.connections();
    assert_eq!(proxied(&app, &format!("{}/loop", listener.base)).await, StatusCode::BAD_GATEWAY);
    assert_eq!(listener.connections() - before, 4, "the first request and three redirects");
}

#[tokio::test]
async fn emoji_listing_and_downloads_refuse_loopback() {
    let listener = Listener::start(anything).await;
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let reply = app.get(&format!("/api/v1/pleroma/emoji/packs/remote?url={}", listener.base), Some(&token)).await;
    assert!(reply.status.is_client_error(), "{}", reply.text);
    assert!(reply.text.contains("refused"), "{}", reply.text);
    let body = json!({"url": listener.base, "name": "p", "as": "q"});
    let reply = app.request(Method::POST, "/api/v1/pleroma/emoji/packs/download", Some(&token), Some(body)).await;
    assert!(reply.status.is_client_error(), "{}", reply.text);
    assert_eq!(listener.connections(), 0);

    // With the setting on it is reached (it is no Pleroma, so the listing then fails).
    let app = TestApp::with_settings(allow_private(true)).await;
    let token = app.admin_token().await;
    app.get(&format!("/api/v1/pleroma/emoji/packs/remote?url={}", listener.base), Some(&token)).await;
    assert!(listener.connections() >= 1);
}

#[tokio::test]
async fn frontend_installs_refuse_loopback() {
    let listener = Listener::start(anything).await;
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let _jobs = app.state.spawn_jobs(pleroma_gateway::jobs::RunnerOptions {
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        ..Default::default()
    });
    let body = json!({"name": "pleroma-fe", "ref": "stable", "build_url": format!("{}/build.zip", listener.base)});
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/frontends/install", Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(listener.connections(), 0);
}

#[test]
fn only_the_outbound_module_builds_http_clients() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    crate::layers::rust_files(&root.join("src"), &mut files);
    let outbound = root.join("src/outbound");
    // The HTTP client crates are named nowhere else (a `use reqwest::Client` would be enough
    // to build one), nor hyper's client side (its server side serves us, `app::server`);
    // ClientBuilder covers any other crate's builder.
    let forbidden = [
        "reqwest",
        "hyper::client",
        "hyper_util::client",
        "client::conn",
        "ClientBuilder",
        "Client::builder",
        "ureq::",
        "isahc::",
        "surf::",
    ];
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&outbound)) {
        let text = std::fs::read_to_string(file).unwrap();
        for needle in forbidden {
            if text.contains(needle) {
                found.push(format!("{}: {needle}", file.strip_prefix(root).unwrap().display()));
            }
        }
        // RSA signing must be the blinded kind (RandomizedSigner), RUSTSEC-2023-0071.
        let unblinded = text.match_indices("Signer").any(|(i, _)| !text[..i].ends_with("Randomized"));
        if unblinded {
            found.push(format!("{}: an RSA Signer that is not randomised", file.strip_prefix(root).unwrap().display()));
        }
    }
    assert!(found.is_empty(), "HTTP clients or unblinded signing outside src/outbound: {found:#?}");
}
