//! Issue 27 leftovers: the outbox leaves out what its reader blocks or mutes and lists nothing
//! but posts and reblogs; `/relay` is 404 when relaying is off; a `resolve=true` search for a
//! status URL fetches it from the other instance; an HTTP error status from a host is told
//! apart from a host that does not answer; with the media proxy on, remote avatars and
//! attachments render as the proxy links it serves.
use axum::{http::StatusCode as AxumStatus, Router};
use entity::{media_attachment, status, user};
use pleroma_gateway::domain::{federation::actors, media_proxy};
use reqwest::{header, Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{json, Value};

use crate::common::{Reply, TestApp};

const AP: &str = "application/activity+json";

async fn federating_app() -> TestApp {
    TestApp::self_addressed(|s| s.http.allow_private_addresses = true).await
}

async fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> Reply {
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.base)).header(header::ACCEPT, AP);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Reply::from(request.send().await.unwrap()).await
}

async fn post_status(app: &TestApp, token: &str, text: &str) -> Value {
    let body = json!({"status": text, "visibility": "public"});
    let reply = app.request(Method::POST, "/api/v1/statuses", Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

async fn act(app: &TestApp, token: &str, path: &str) {
    let reply = app.request(Method::POST, path, Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
}

/// The contents of the outbox's items as `reader` sees them (objects of `Create`s, the
/// reblogged ids of `Announce`s).
async fn outbox(app: &TestApp, reader: Option<&str>) -> Vec<(String, String)> {
    let reply = fetch(app, "/users/alice/outbox?page=true&limit=40", reader).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let object = item["object"]["id"].as_str().or_else(|| item["object"].as_str()).unwrap();
            (item["type"].as_str().unwrap().to_string(), object.to_string())
        })
        .collect()
}

#[tokio::test]
async fn the_outbox_lists_posts_and_reblogs_without_what_the_reader_blocks_or_mutes() {
    let app = TestApp::new().await;
    let (alice, bob, carol, dave, eve) = (
        app.user("alice").await,
        app.user("bob").await,
        app.user("carol").await,
        app.user("dave").await,
        app.user("eve").await,
    );
    let alice_token = app.token(&alice, "read write follow").await;
    let bob_token = app.token(&bob, "read write follow").await;
    let carol_post = post_status(&app, &app.token(&carol, "write").await, "by carol").await;
    let dave_post = post_status(&app, &app.token(&dave, "write").await, "by dave").await;

    let plain = post_status(&app, &alice_token, "plain").await;
    let to_carol = post_status(&app, &alice_token, "hi @carol").await;
    act(&app, &alice_token, &format!("/api/v1/statuses/{}/reblog", carol_post["id"].as_str().unwrap())).await;
    act(&app, &alice_token, &format!("/api/v1/statuses/{}/reblog", dave_post["id"].as_str().unwrap())).await;
    // Follows, likes and blocks are never in an outbox (Pleroma lists Create and Announce only).
    act(&app, &alice_token, &format!("/api/v1/accounts/{}/follow", dave.id)).await;
    act(&app, &alice_token, &format!("/api/v1/statuses/{}/favourite", dave_post["id"].as_str().unwrap())).await;
    act(&app, &alice_token, &format!("/api/v1/accounts/{}/block", eve.id)).await;

    let everything = outbox(&app, None).await;
    let kinds: Vec<&str> = everything.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["Announce", "Announce", "Create", "Create"], "{everything:?}");
    assert_eq!(everything[0].1, dave_post["uri"].as_str().unwrap());
    assert_eq!(everything[1].1, carol_post["uri"].as_str().unwrap());
    assert_eq!(outbox(&app, Some(&bob_token)).await, everything);

    // bob blocks carol and mutes dave: alice's reblogs of them and her mention of carol go.
    act(&app, &bob_token, &format!("/api/v1/accounts/{}/block", carol.id)).await;
    act(&app, &bob_token, &format!("/api/v1/accounts/{}/mute", dave.id)).await;
    let filtered = outbox(&app, Some(&bob_token)).await;
    assert_eq!(filtered, [("Create".to_string(), plain["uri"].as_str().unwrap().to_string())]);
    assert!(!filtered.iter().any(|(_, o)| o == to_carol["uri"].as_str().unwrap()));
    assert_eq!(outbox(&app, None).await, everything, "the anonymous reader is not affected");
    assert_eq!(outbox(&app, Some(&alice_token)).await, everything, "nor the owner");

    // Muting alice hides her whole outbox; blocking her lifts every filter (Pleroma's rule).
    act(&app, &bob_token, &format!("/api/v1/accounts/{}/mute", alice.id)).await;
    assert_eq!(outbox(&app, Some(&bob_token)).await, []);
    act(&app, &bob_token, &format!("/api/v1/accounts/{}/block", alice.id)).await;
    assert_eq!(outbox(&app, Some(&bob_token)).await, everything);
}

#[tokio::test]
async fn the_relay_actor_is_not_found_when_relaying_is_off() {
    let on = TestApp::new().await;
    assert_eq!(fetch(&on, "/relay", None).await.status, StatusCode::OK);

    let off = TestApp::with_settings(|s| s.instance.allow_relay = false).await;
    let reply = fetch(&off, "/relay", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, json!({"error": "not found"}));
    // Pleroma's `relay_active?` plug guards only the actor: its collections stay.
    assert_eq!(fetch(&off, "/relay/followers", None).await.status, StatusCode::OK);
    assert_eq!(fetch(&off, "/relay/following", None).await.status, StatusCode::OK);
    assert_eq!(fetch(&off, "/internal/fetch", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_resolving_search_for_a_status_url_fetches_the_status() {
    let (a, b) = (federating_app().await, federating_app().await);
    let alice = a.user("alice").await;
    let posted = post_status(&a, &a.token(&alice, "write").await, "a post from far away").await;
    let url = posted["uri"].as_str().unwrap().to_string();
    let bob = b.user("bob").await;
    let bob_token = b.token(&bob, "read").await;
    let search = |resolve: bool| {
        format!(
            "/api/v2/search?q={}&resolve={resolve}",
            url::form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
        )
    };

    // Without resolve, or anonymously, nothing is fetched.
    let plain = b.get(&search(false), Some(&bob_token)).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
    assert_eq!(plain.body["statuses"], json!([]));
    assert_eq!(b.get(&search(true), None).await.body["statuses"], json!([]));

    let found = b.get(&search(true), Some(&bob_token)).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let statuses = found.body["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 1, "{}", found.text);
    assert_eq!(statuses[0]["uri"], json!(url));
    assert!(statuses[0]["content"].as_str().unwrap().contains("a post from far away"));
    assert_eq!(statuses[0]["account"]["acct"], json!(format!("alice@{}", a.state.settings().host())));
    // Stored now: the next search finds it without a fetch, once.
    let again = b.get(&search(true), Some(&bob_token)).await;
    assert_eq!(again.body["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(status::Entity::find().all(&b.state.db.read).await.unwrap().len(), 1);

    // A URL that names nothing, or a local one, is no error.
    let missing =
        b.get("/api/v2/search?q=http%3A%2F%2F127.0.0.1%3A9%2Fobjects%2Fnone&resolve=true", Some(&bob_token)).await;
    assert_eq!(missing.status, StatusCode::OK, "{}", missing.text);
    assert_eq!(missing.body["statuses"], json!([]));
}

#[tokio::test]
async fn an_error_status_is_no_connection_failure() {
    let app = federating_app().await;
    // A host that answers 404 to everything: reachable, just not serving the actor.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = Router::new().fallback(|| async { AxumStatus::NOT_FOUND });
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    let settings = app.state.settings();
    let answered = actors::fetch_and_store(&app.state.db, &settings, &format!("http://127.0.0.1:{port}/users/x")).await;
    match answered {
        Err(actors::Fetched::Other(actors::Unresolved::Fetch(why))) => assert!(why.ends_with(": HTTP 404"), "{why}"),
        other => panic!("expected a fetch error, got {other:?}"),
    }
    // A closed port is a connection failure.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused =
        actors::fetch_and_store(&app.state.db, &settings, &format!("http://127.0.0.1:{closed_port}/users/x")).await;
    assert!(matches!(refused, Err(actors::Fetched::Unreachable(_))), "{refused:?}");
}

#[tokio::test]
async fn with_the_media_proxy_on_remote_media_render_as_proxy_links_the_proxy_serves() {
    let app = TestApp::with_settings(|s| {
        s.media_proxy.enabled = true;
        s.http.allow_private_addresses = true; // the file server is on loopback
    })
    .await;
    let router = Router::new().route(
        "/media/cat.png",
        axum::routing::get(|| async { ([(header::CONTENT_TYPE, "image/png")], vec![137u8, 80, 78, 71]) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let files = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    let cat = format!("{files}/media/cat.png");
    let settings = app.state.settings();
    let secret = media_proxy::secret(&app.state.db.write).await.unwrap();
    let link = media_proxy::encode_url(&secret, &settings.instance_url, &cat);
    assert!(link.starts_with(&format!("{}/proxy/", settings.instance_url)) && link.ends_with("/cat.png"), "{link}");

    // A remote account's avatar is proxied; its default header (this instance's) is not.
    let bob = app.remote_user("bob", "remote.example").await;
    let mut row: user::ActiveModel = bob.clone().into();
    row.avatar = Set(Some(cat.clone()));
    row.update(&app.state.db.write).await.unwrap();
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let account = app.get(&format!("/api/v1/accounts/{}", bob.id), Some(&token)).await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.text);
    assert_eq!(account.body["avatar"], json!(link));
    assert_eq!(account.body["avatar_static"], json!(link));
    assert_eq!(account.body["header"], json!(format!("{}/images/banner.png", settings.instance_url)));
    let own = app.get(&format!("/api/v1/accounts/{}", alice.id), Some(&token)).await;
    assert_eq!(own.body["avatar"], json!(format!("{}/images/avi.png", settings.instance_url)));

    // A remote attachment: url and preview_url proxied, remote_url the original.
    let media_id = pleroma_gateway::ids::flake_id();
    media_attachment::ActiveModel {
        id: Set(media_id.clone()),
        user_id: Set(alice.id.clone()),
        status_id: Set(None),
        file_name: Set("cat.png".into()),
        content_type: Set("image/png".into()),
        size: Set(4),
        description: Set(None),
        remote_url: Set(Some(cat.clone())),
        inserted_at: Set(chrono::Utc::now()),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
    let body = json!({"status": "a cat", "media_ids": [media_id]});
    let posted = app.request(Method::POST, "/api/v1/statuses", Some(&token), Some(body)).await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text);
    let attachment = &posted.body["media_attachments"][0];
    assert_eq!(attachment["url"], json!(link));
    assert_eq!(attachment["preview_url"], json!(link));
    assert_eq!(attachment["remote_url"], json!(cat));

    // The rendered link is one the proxy serves; purged with a ban, the admin list holds it and
    // the link is refused.
    let path = link.strip_prefix(settings.instance_url.as_str()).unwrap();
    let served = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().to_vec(), vec![137u8, 80, 78, 71]);
    let admin = app.admin_token().await;
    let caches = "/api/v1/pleroma/admin/media_proxy_caches";
    let purge = json!({"urls": [cat], "ban": true});
    let reply = app.request(Method::POST, &format!("{caches}/purge"), Some(&admin), Some(purge)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let listed = app.get(caches, Some(&admin)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["urls"], json!([cat]), "{}", listed.text);
    assert_eq!(reqwest::get(format!("{}{path}", app.base)).await.unwrap().status(), StatusCode::NOT_FOUND);

    // With the proxy off, the same account shows the original URL.
    let off = TestApp::with_settings(|s| s.media_proxy.enabled = false).await;
    let carol = off.remote_user("carol", "remote.example").await;
    let mut row: user::ActiveModel = carol.clone().into();
    row.avatar = Set(Some(cat.clone()));
    row.update(&off.state.db.write).await.unwrap();
    let reader = off.user("dave").await;
    let token = off.token(&reader, "read").await;
    assert_eq!(off.get(&format!("/api/v1/accounts/{}", carol.id), Some(&token)).await.body["avatar"], json!(cat));
}
