//! ActivityPub collections and object URLs (issue 27 §3): outbox, followers and following with
//! Pleroma's paging and hide rules, the relay's collections, `/objects/:uuid`,
//! `/activities/:uuid`, `/notice/:id` and `/users/:nickname` with content negotiation, and the ids
//! of a delivered `Create` fetched back.
use std::sync::{Arc, Mutex};

use axum::{extract::State, routing::post, Json, Router};
use chrono::{Duration, Utc};
use entity::{follow, relay_follow, relay_follower, status, user};
use reqwest::{header, Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{json, Value};

use crate::common::{keys, Reply, TestApp};

const AP: &str = "application/activity+json";
const LD: &str = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// GET `path` (a path or a full URL on `app`) with an `Accept` header and maybe a token, not
/// following redirects.
async fn fetch(app: &TestApp, path: &str, accept: Option<&str>, token: Option<&str>) -> Reply {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = if path.starts_with("http") { path.to_string() } else { format!("{}{path}", app.base) };
    let mut request = client.get(url);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Reply::from(request.send().await.unwrap()).await
}

fn content_type(reply: &Reply) -> String {
    reply.headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn location(reply: &Reply) -> String {
    reply.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn path_of(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_string(),
    }
}

async fn post_status(app: &TestApp, token: &str, text: &str, visibility: &str) -> status::Model {
    let body = json!({"status": text, "visibility": visibility});
    let reply = app.request(Method::POST, "/api/v1/statuses", Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    status::Entity::find_by_id(reply.body["id"].as_str().unwrap()).one(&app.state.db.read).await.unwrap().unwrap()
}

async fn follows(app: &TestApp, follower: &user::Model, followed: &user::Model, minutes: i64) {
    follow::ActiveModel {
        follower_id: Set(follower.id.clone()),
        following_id: Set(followed.id.clone()),
        inserted_at: Set(Utc::now() + Duration::minutes(minutes)),
        show_reblogs: Set(true),
        notify: Set(false),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
}

fn uuid_of(ap_id: &str) -> String {
    ap_id.rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn followers_and_following_page_by_ten_with_the_hide_rules() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let mut others = Vec::new();
    for i in 0..15 {
        let other = app.user(&format!("fan{i:02}")).await;
        follows(&app, &other, &alice, i).await;
        follows(&app, &alice, &other, i).await;
        others.push(other);
    }
    // An inactive follower is not listed.
    let gone = app.user_with("gone", |u| u.is_active = Set(false)).await;
    follows(&app, &gone, &alice, 100).await;

    for kind in ["followers", "following"] {
        let iri = format!("{}/{kind}", alice.ap_id);
        let reply = fetch(&app, &format!("/users/alice/{kind}"), None, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert!(content_type(&reply).starts_with(AP), "{}", content_type(&reply));
        assert_eq!(keys(&reply.body), ["@context", "first", "id", "totalItems", "type"]);
        assert_eq!(reply.body["id"], json!(iri));
        assert_eq!(reply.body["type"], "OrderedCollection");
        assert_eq!(reply.body["totalItems"], 15);
        let first = &reply.body["first"];
        assert_eq!(keys(first), ["id", "next", "orderedItems", "partOf", "totalItems", "type"]);
        assert_eq!(first["id"], json!(format!("{iri}?page=1")));
        assert_eq!(first["type"], "OrderedCollectionPage");
        assert_eq!(first["partOf"], json!(iri));
        assert_eq!(first["totalItems"], 15);
        let expected: Vec<String> = others.iter().take(10).map(|u| u.ap_id.clone()).collect();
        assert_eq!(first["orderedItems"], json!(expected), "oldest follow first");
        assert_eq!(first["next"], json!(format!("{iri}?page=2")));

        let page2 = fetch(&app, &format!("/users/alice/{kind}?page=2"), Some(AP), None).await;
        assert_eq!(page2.status, StatusCode::OK);
        assert_eq!(keys(&page2.body), ["@context", "id", "next", "orderedItems", "partOf", "totalItems", "type"]);
        assert_eq!(page2.body["orderedItems"].as_array().unwrap().len(), 5);
        assert_eq!(page2.body["totalItems"], 15);
        // Pleroma's `next` rule: while the page's offset is below the total.
        assert_eq!(page2.body["next"], json!(format!("{iri}?page=3")));
        let page3 = fetch(&app, &format!("/users/alice/{kind}?page=3"), Some(AP), None).await;
        assert_eq!(page3.body["orderedItems"], json!([]));
        assert!(page3.body.get("next").is_none());

        for bad in ["0", "x", "-1"] {
            let reply = fetch(&app, &format!("/users/alice/{kind}?page={bad}"), None, None).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "page={bad}");
            assert!(reply.body["error"].is_string());
        }
        let missing = fetch(&app, &format!("/users/nobody/{kind}"), Some(AP), None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.body, json!("Not found"));
    }
}

#[tokio::test]
async fn hidden_collections_show_their_owner_only() {
    let app = TestApp::new().await;
    let shy = app
        .user_with("shy", |u| {
            u.hide_followers = Set(true);
            u.hide_follows = Set(true);
        })
        .await;
    let counted = app
        .user_with("counted", |u| {
            u.hide_followers = Set(true);
            u.hide_followers_count = Set(true);
            u.hide_follows = Set(true);
            u.hide_follows_count = Set(true);
        })
        .await;
    let fan = app.user("fan").await;
    for target in [&shy, &counted] {
        follows(&app, &fan, target, 0).await;
        follows(&app, target, &fan, 0).await;
    }
    let fan_token = app.token(&fan, "read").await;
    let shy_token = app.token(&shy, "read").await;

    // Others get the first page's URL, the count unless hidden too, and 403 on pages.
    for token in [None, Some(fan_token.as_str())] {
        let reply = fetch(&app, "/users/shy/followers", Some(AP), token).await;
        assert_eq!(reply.body["first"], json!(format!("{}/followers?page=1", shy.ap_id)));
        assert_eq!(reply.body["totalItems"], 1);
        let reply = fetch(&app, "/users/counted/followers", Some(AP), token).await;
        assert!(reply.body.get("totalItems").is_none(), "followers.json leaves a hidden count out");
        let reply = fetch(&app, "/users/counted/following", Some(AP), token).await;
        assert_eq!(reply.body["totalItems"], 0, "following.json says 0");
        assert!(reply.body["first"].is_string());
        for kind in ["followers", "following"] {
            let page = fetch(&app, &format!("/users/shy/{kind}?page=1"), Some(AP), token).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN);
            assert_eq!(page.text, "");
        }
    }
    // The owner sees their own.
    let reply = fetch(&app, "/users/shy/followers", Some(AP), Some(&shy_token)).await;
    assert_eq!(reply.body["first"]["orderedItems"], json!([fan.ap_id]));
    let page = fetch(&app, "/users/shy/following?page=1", Some(AP), Some(&shy_token)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["orderedItems"], json!([fan.ap_id]));
    assert_eq!(page.body["totalItems"], 1);
}

#[tokio::test]
async fn the_outbox_pages_by_id_and_shows_what_the_reader_may_see() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    follows(&app, &bob, &alice, 0).await;
    let token = app.token(&alice, "read write").await;
    let mut public = Vec::new();
    for i in 0..22 {
        public.push(
            post_status(&app, &token, &format!("post {i}"), if i % 2 == 0 { "public" } else { "unlisted" }).await,
        );
    }
    let private = post_status(&app, &token, "followers only", "private").await;
    let direct = post_status(&app, &token, "@carol psst", "direct").await;

    let root = fetch(&app, "/users/alice/outbox", None, None).await;
    assert_eq!(root.status, StatusCode::OK);
    assert!(content_type(&root).starts_with(AP));
    assert_eq!(keys(&root.body), ["@context", "first", "id", "type"]);
    let iri = format!("{}/outbox", alice.ap_id);
    assert_eq!(root.body["id"], json!(iri));
    assert_eq!(root.body["first"], json!(format!("{iri}?page=true")));

    // Anonymous: public and unlisted, newest first, 20 a page.
    let first = fetch(&app, "/users/alice/outbox?page=true", Some(AP), None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(keys(&first.body), ["@context", "id", "next", "orderedItems", "partOf", "prev", "type"]);
    assert_eq!(first.body["type"], "OrderedCollectionPage");
    assert_eq!(first.body["partOf"], json!(iri));
    let items = first.body["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert_eq!(items[0]["type"], "Create");
    assert_eq!(items[0]["object"]["id"], json!(public[21].ap_id));
    assert_eq!(items[0]["object"]["type"], "Note");
    assert!(items[0].get("@context").is_none());
    let next = first.body["next"].as_str().unwrap();
    assert!(next.starts_with(&iri), "{next}");
    assert!(next.contains(&format!("max_id={}", public[2].id)), "{next}");
    let second = fetch(&app, &path_of(next), Some(AP), None).await;
    let items2 = second.body["orderedItems"].as_array().unwrap();
    assert_eq!(items2.len(), 2);
    assert_eq!(items2[1]["object"]["id"], json!(public[0].ap_id));
    let again = fetch(&app, &path_of(second.body["id"].as_str().unwrap()), Some(AP), None).await;
    assert_eq!(again.body, second.body);
    let limited = fetch(&app, "/users/alice/outbox?page=true&limit=3", Some(AP), None).await;
    assert_eq!(limited.body["orderedItems"].as_array().unwrap().len(), 3);
    let bad = fetch(&app, "/users/alice/outbox?page=true&limit=x", Some(AP), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // A follower also sees the followers-only post; the mentioned user the direct one.
    let ids = |reply: &Reply| -> Vec<String> {
        reply.body["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["object"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let anonymous = ids(&fetch(&app, "/users/alice/outbox?page=true&limit=40", Some(AP), None).await);
    assert!(!anonymous.contains(&private.ap_id) && !anonymous.contains(&direct.ap_id));
    let bob_token = app.token(&bob, "read").await;
    let as_bob = ids(&fetch(&app, "/users/alice/outbox?page=true&limit=40", Some(AP), Some(&bob_token)).await);
    assert!(as_bob.contains(&private.ap_id) && !as_bob.contains(&direct.ap_id));
    let carol_token = app.token(&carol, "read").await;
    let as_carol = ids(&fetch(&app, "/users/alice/outbox?page=true&limit=40", Some(AP), Some(&carol_token)).await);
    assert!(!as_carol.contains(&private.ap_id) && as_carol.contains(&direct.ap_id));

    // An empty page has no links; unknown users are 404.
    let empty = fetch(&app, "/users/bob/outbox?page=true", Some(AP), None).await;
    assert_eq!(empty.body["orderedItems"], json!([]));
    assert!(empty.body.get("next").is_none());
    assert_eq!(fetch(&app, "/users/nobody/outbox", Some(AP), None).await.status, StatusCode::NOT_FOUND);

    // A page costs a constant number of statements, whatever its size.
    let before = app.statements();
    fetch(&app, "/users/alice/outbox?page=true&limit=2", Some(AP), None).await;
    let small = app.statements() - before;
    let before = app.statements();
    fetch(&app, "/users/alice/outbox?page=true&limit=40", Some(AP), None).await;
    assert_eq!(app.statements() - before, small, "no N+1");
}

#[tokio::test]
async fn relay_collections_list_followers_and_accepted_relays() {
    let app = TestApp::new().await;
    let relay = format!("{}/relay", app.state.settings().instance_url);
    let empty = fetch(&app, "/relay/following", None, None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(content_type(&empty).starts_with(AP));
    assert_eq!(empty.body["id"], json!(format!("{relay}/following")));
    assert_eq!(empty.body["first"]["orderedItems"], json!([]));
    relay_follower::ActiveModel {
        actor: Set("https://r.example/actor".into()),
        follow_id: Set("https://r.example/follow/1".into()),
        inserted_at: Set(Utc::now()),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
    for (actor, state) in [("https://ok.example/actor", "accepted"), ("https://wait.example/actor", "pending")] {
        relay_follow::ActiveModel {
            actor: Set(actor.into()),
            state: Set(state.into()),
            follow_id: Set(format!("{actor}/f")),
            inserted_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&app.state.db.write)
        .await
        .unwrap();
    }
    let followers = fetch(&app, "/relay/followers", None, None).await;
    assert_eq!(keys(&followers.body), ["@context", "first", "id", "totalItems", "type"]);
    assert_eq!(followers.body["first"]["orderedItems"], json!(["https://r.example/actor"]));
    let following = fetch(&app, "/relay/following", None, None).await;
    assert_eq!(following.body["first"]["orderedItems"], json!(["https://ok.example/actor"]));
    assert_eq!(following.body["totalItems"], 1);
}

#[tokio::test]
async fn objects_and_activities_negotiate_and_hide_what_is_not_public() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let public = post_status(&app, &token, "hello world", "public").await;
    let unlisted = post_status(&app, &token, "quiet", "unlisted").await;
    let private = post_status(&app, &token, "friends", "private").await;
    let direct = post_status(&app, &token, "@bob hi", "direct").await;

    for accept in [AP, LD, "application/json"] {
        let uuid = uuid_of(&public.ap_id);
        let reply = fetch(&app, &format!("/objects/{uuid}"), Some(accept), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept}: {}", reply.text);
        assert!(content_type(&reply).starts_with(AP));
        assert_eq!(reply.body["id"], json!(public.ap_id));
        assert_eq!(reply.body["type"], "Note");
        assert_eq!(reply.body["attributedTo"], json!(alice.ap_id));
        assert!(reply.body["@context"].is_array());
        for key in ["content", "published", "to", "cc", "tag", "attachment", "context", "sensitive", "summary"] {
            assert!(reply.body.get(key).is_some(), "{key}");
        }
        let activity = fetch(&app, &format!("/activities/{uuid}"), Some(accept), None).await;
        assert_eq!(activity.status, StatusCode::OK);
        assert_eq!(activity.body["type"], "Create");
        assert_eq!(activity.body["id"], json!(format!("{}/activities/{uuid}", app.state.settings().instance_url)));
        assert_eq!(activity.body["object"]["id"], json!(public.ap_id));
        assert_eq!(activity.body["actor"], json!(alice.ap_id));
    }
    let unlisted_reply = fetch(&app, &format!("/objects/{}", uuid_of(&unlisted.ap_id)), Some(AP), None).await;
    assert_eq!(unlisted_reply.status, StatusCode::OK);

    // Private and direct: 404 to anonymous callers and strangers, served to who may see them.
    let carol = app.user("carol").await;
    let carol_token = app.token(&carol, "read").await;
    let bob_token = app.token(&bob, "read").await;
    for hidden in [&private, &direct] {
        for path in [format!("/objects/{}", uuid_of(&hidden.ap_id)), format!("/activities/{}", uuid_of(&hidden.ap_id))]
        {
            for token in [None, Some(carol_token.as_str())] {
                let reply = fetch(&app, &path, Some(AP), token).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
                assert_eq!(reply.body, json!("Not found"));
            }
            assert_eq!(fetch(&app, &path, Some(AP), Some(&token)).await.status, StatusCode::OK, "the author");
        }
    }
    let mentioned = fetch(&app, &format!("/objects/{}", uuid_of(&direct.ap_id)), Some(AP), Some(&bob_token)).await;
    assert_eq!(mentioned.status, StatusCode::OK);
    assert_eq!(fetch(&app, "/objects/no-such-uuid", Some(AP), None).await.status, StatusCode::NOT_FOUND);

    // HTML: a redirect to /notice/:id for public statuses, 404 otherwise.
    for path in [format!("/objects/{}", uuid_of(&public.ap_id)), format!("/activities/{}", uuid_of(&public.ap_id))] {
        for accept in [None, Some("text/html"), Some("*/*")] {
            let reply = fetch(&app, &path, accept, None).await;
            assert_eq!(reply.status, StatusCode::FOUND, "{path} {accept:?}");
            assert_eq!(location(&reply), format!("/notice/{}", public.id));
        }
    }
    let hidden = fetch(&app, &format!("/objects/{}", uuid_of(&private.ap_id)), Some("text/html"), None).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, json!({"error": "Not found"}));
    let odd = fetch(&app, &format!("/objects/{}", uuid_of(&public.ap_id)), Some("image/png"), None).await;
    assert_eq!(odd.status, StatusCode::NOT_ACCEPTABLE);
    assert!(odd.body["error"].is_string());

    // /notice/:id: the page (HTML), a redirect to the object (ActivityPub), 404 when not public.
    let page = fetch(&app, &format!("/notice/{}", public.id), None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(content_type(&page).starts_with("text/html"));
    assert!(page.text.contains(&public.ap_id));
    let to_object = fetch(&app, &format!("/notice/{}", public.id), Some(AP), None).await;
    assert_eq!(to_object.status, StatusCode::FOUND);
    assert_eq!(location(&to_object), public.ap_id);
    for id in [private.id.as_str(), direct.id.as_str(), "nope"] {
        let reply = fetch(&app, &format!("/notice/{id}"), Some(AP), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{id}");
        assert!(content_type(&reply).starts_with("text/html"));
    }

    // A reblog: its Announce at its own id; /notice redirects to the reblogged object.
    let reblog_path = format!("/api/v1/statuses/{}/reblog", public.id);
    let bob_write = app.token(&bob, "read write").await;
    let reblog = app.request(Method::POST, &reblog_path, Some(&bob_write), None).await;
    assert_eq!(reblog.status, StatusCode::OK, "{}", reblog.text);
    let row = status::Entity::find_by_id(reblog.body["id"].as_str().unwrap()).one(&app.state.db.read).await.unwrap();
    let row = row.unwrap();
    let announce = fetch(&app, &format!("/activities/{}", uuid_of(&row.ap_id)), Some(AP), None).await;
    assert_eq!(announce.status, StatusCode::OK, "{}", announce.text);
    assert_eq!(announce.body["type"], "Announce");
    assert_eq!(announce.body["id"], json!(row.ap_id));
    assert_eq!(announce.body["object"], json!(public.ap_id));
    let to_original = fetch(&app, &format!("/notice/{}", row.id), Some(AP), None).await;
    assert_eq!(location(&to_original), public.ap_id);
}

#[tokio::test]
async fn user_documents_negotiate() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    for accept in [AP, LD, "application/json"] {
        let reply = fetch(&app, "/users/alice", Some(accept), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept}");
        assert!(content_type(&reply).starts_with(AP));
        assert_eq!(reply.body["id"], json!(alice.ap_id));
        assert_eq!(reply.body["outbox"], json!(format!("{}/outbox", alice.ap_id)));
    }
    let missing = fetch(&app, "/users/nobody", Some(AP), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body, json!("Not found"));
    // HTML: the page (Pleroma serves its frontend with the user's metadata, 200 even for none).
    for accept in [None, Some("text/html")] {
        let page = fetch(&app, "/users/alice", accept, None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(content_type(&page).starts_with("text/html"));
        assert!(page.text.contains(&alice.ap_id));
    }
    let unknown = fetch(&app, "/users/nobody", Some("text/html"), None).await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(!unknown.text.contains("/users/nobody"));
    assert_eq!(fetch(&app, "/users/alice?_format=json", None, None).await.status, StatusCode::OK);
    assert!(content_type(&fetch(&app, "/users/alice?_format=json", None, None).await).starts_with(AP));
    assert_eq!(fetch(&app, "/users/alice", Some("image/png"), None).await.status, StatusCode::NOT_ACCEPTABLE);
}

/// A stand-in remote inbox that keeps what it is sent.
async fn stand_in() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    async fn inbox(State(received): State<Arc<Mutex<Vec<Value>>>>, Json(body): Json<Value>) -> &'static str {
        received.lock().unwrap().push(body);
        "ok"
    }
    let router = Router::new().route("/inbox", post(inbox)).with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    (format!("http://{addr}"), received)
}

#[tokio::test]
async fn the_ids_of_a_delivered_create_are_fetchable() {
    let app = TestApp::self_addressed(|s| s.http.allow_private_addresses = true).await;
    let alice = app.user("alice").await;
    let (remote, received) = stand_in().await;
    let host = remote.trim_start_matches("http://").to_string();
    let fan = app
        .user_with("fan_remote", |u| {
            u.nickname = Set(format!("fan@{host}"));
            u.email = Set(None);
            u.local = Set(false);
            u.domain = Set(Some(host.clone()));
            u.password_hash = Set(None);
            u.ap_id = Set(format!("{remote}/users/fan"));
        })
        .await;
    entity::actor_inbox::ActiveModel {
        ap_id: Set(fan.ap_id.clone()),
        inbox: Set(format!("{remote}/inbox")),
        shared_inbox: Set(None),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
    follows(&app, &fan, &alice, 0).await;
    // The stand-in also follows the relay actor, which announces public statuses.
    relay_follower::ActiveModel {
        actor: Set(fan.ap_id.clone()),
        follow_id: Set(format!("{remote}/follows/1")),
        inserted_at: Set(Utc::now()),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
    let token = app.token(&alice, "read write").await;
    let posted = post_status(&app, &token, "to the world", "public").await;
    app.run_jobs().await;
    let delivered = received.lock().unwrap().clone();
    let create = delivered.iter().find(|a| a["type"] == "Create").expect("a Create was delivered").clone();
    assert_eq!(create["object"]["id"], json!(posted.ap_id));

    // Both ids resolve to the very documents delivered.
    let activity = fetch(&app, create["id"].as_str().unwrap(), Some(AP), None).await;
    assert_eq!(activity.status, StatusCode::OK, "{}", create["id"]);
    assert_eq!(activity.body, create);
    let object = fetch(&app, create["object"]["id"].as_str().unwrap(), Some(AP), None).await;
    assert_eq!(object.status, StatusCode::OK);
    let mut note = create["object"].clone();
    note["@context"] = activity.body["@context"].clone();
    assert_eq!(object.body, note);
    // And so do the actor, its followers collection and its outbox.
    for url in [&create["actor"], &create["object"]["cc"][0]] {
        let reply = fetch(&app, url.as_str().unwrap(), Some(AP), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{url}");
    }
    let outbox = fetch(&app, "/users/alice/outbox?page=true", Some(AP), None).await;
    assert_eq!(outbox.body["orderedItems"][0]["id"], create["id"]);
    // The relay's Announce too.
    let relay = format!("{}/relay", app.state.settings().instance_url);
    let announce = delivered.iter().find(|a| a["type"] == "Announce" && a["actor"] == json!(relay));
    let announce = announce.expect("the relay announced it").clone();
    assert_eq!(announce["object"], json!(posted.ap_id));
    let served = fetch(&app, announce["id"].as_str().unwrap(), Some(AP), None).await;
    assert_eq!(served.status, StatusCode::OK, "{}", announce["id"]);
    assert_eq!(served.body, announce);
    // HTML callers go to the status's page.
    let html = fetch(&app, create["id"].as_str().unwrap(), Some("text/html"), None).await;
    assert_eq!(location(&html), format!("/notice/{}", posted.id));
}
