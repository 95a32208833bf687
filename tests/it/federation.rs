//! Inbound ActivityPub (issue 27, part 1): a remote instance on loopback serves its actors'
//! documents and objects, signs and POSTs each activity type to the gateway's inboxes, and the
//! stored effect is checked through the REST API.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode as AxumStatus},
    routing::{get, post},
    Json, Router,
};
use entity::{instance, user};
use pleroma_gateway::{config::mrf::DomainRule, domain::federation::signature};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::common::TestApp;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The remote instance: its actors share one key (each under its own key id); objects it
/// serves by path; what its inboxes received, with whether the signature held.
#[derive(Clone)]
pub(crate) struct Remote {
    pub(crate) base: String,
    gateway: String,
    pem: String,
    objects: Arc<Mutex<HashMap<String, Value>>>,
    received: Arc<Mutex<Vec<(Value, bool)>>>,
}

impl Remote {
    pub(crate) fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    pub(crate) fn serve(&self, path: &str, document: Value) {
        self.objects.lock().unwrap().insert(path.to_string(), document);
    }

    pub(crate) fn received(&self) -> Vec<(Value, bool)> {
        self.received.lock().unwrap().clone()
    }
}

async fn actor_document(State(remote): State<Remote>, Path(name): Path<String>) -> Result<Json<Value>, AxumStatus> {
    if let Some(document) = remote.objects.lock().unwrap().get(&format!("/users/{name}")) {
        return Ok(Json(document.clone()));
    }
    let key = signature::private_key(&remote.pem).unwrap();
    let id = remote.actor(&name);
    Ok(Json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": if name == "actor" { "Application" } else { "Person" },
        "preferredUsername": name,
        "name": format!("Remote {name}"),
        "summary": "<p>from afar</p>",
        "inbox": format!("{id}/inbox"),
        "followers": format!("{id}/followers"),
        "icon": {"type": "Image", "url": format!("{}/media/{name}.png", remote.base)},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": signature::public_pem(&key).unwrap()},
    })))
}

async fn object(State(remote): State<Remote>, Path(id): Path<String>) -> Result<Json<Value>, AxumStatus> {
    remote.objects.lock().unwrap().get(&format!("/objects/{id}")).cloned().map(Json).ok_or(AxumStatus::NOT_FOUND)
}

async fn inbox(State(remote): State<Remote>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> AxumStatus {
    let activity: Value = serde_json::from_slice(&body).unwrap();
    let path = format!("/users/{name}/inbox");
    let valid = match signature::prepare(
        &signature::Headers::from_pairs(headers.iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap()))),
        "POST",
        &path,
        &body,
    ) {
        Ok(prepared) => {
            let (parsed, string) = (&prepared.header, &prepared.signing_strings[0]);
            let actor: Value = reqwest::Client::new()
                .get(&parsed.key_id)
                .header("accept", "application/activity+json")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            signature::verify(actor["publicKey"]["publicKeyPem"].as_str().unwrap(), string, &parsed.signature)
        }
        Err(_) => false,
    };
    remote.received.lock().unwrap().push((activity, valid));
    AxumStatus::ACCEPTED
}

/// A remote instance at `host` (`127.0.0.1` or `localhost`, both loopback) on a fresh port.
pub(crate) async fn remote_at(app: &TestApp, host: &str) -> Remote {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let remote = Remote {
        base: format!("http://{host}:{port}"),
        gateway: app.base.clone(),
        pem: signature::generate_pem().unwrap(),
        objects: Arc::default(),
        received: Arc::default(),
    };
    let router = Router::new()
        .route("/users/{name}", get(actor_document))
        .route("/users/{name}/inbox", post(inbox))
        .route("/objects/{id}", get(object))
        .with_state(remote.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    remote
}

pub(crate) async fn federating_app() -> TestApp {
    TestApp::self_addressed(|s| s.http.allow_private_addresses = true).await
}

/// POST `activity` to the gateway's `path`, signed by the remote actor `name`.
pub(crate) async fn send_as(remote: &Remote, name: &str, path: &str, activity: &Value) -> reqwest::Response {
    let url = url::Url::parse(&format!("{}{path}", remote.gateway)).unwrap();
    let body = serde_json::to_vec(activity).unwrap();
    let key = signature::private_key(&remote.pem).unwrap();
    let key_id = format!("{}#main-key", remote.actor(name));
    let mut request = reqwest::Client::new().post(url.clone()).header("content-type", "application/activity+json");
    for (header, value) in signature::sign(&key, &key_id, "POST", &url, Some(&body)) {
        request = request.header(header, value);
    }
    request.body(body).send().await.unwrap()
}

/// Send and expect Pleroma's answer to an accepted activity: 200 `"ok"`.
pub(crate) async fn deliver(remote: &Remote, name: &str, activity: Value) {
    let reply = send_as(remote, name, "/inbox", &activity).await;
    assert_eq!(reply.status(), StatusCode::OK, "{activity}");
    assert_eq!(reply.json::<Value>().await.unwrap(), json!("ok"));
}

pub(crate) fn note(remote: &Remote, name: &str, id: &str, content: &str, extra: Value) -> Value {
    let mut note = json!({
        "id": format!("{}/objects/{id}", remote.base),
        "type": "Note",
        "attributedTo": remote.actor(name),
        "content": content,
        "published": "2026-12-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [format!("{}/followers", remote.actor(name))],
    });
    for (k, v) in extra.as_object().unwrap() {
        note[k] = v.clone();
    }
    note
}

pub(crate) fn create(remote: &Remote, name: &str, note: Value) -> Value {
    json!({
        "id": format!("{}/activities/create-{}", remote.base, note["id"].as_str().unwrap().rsplit('/').next().unwrap()),
        "type": "Create",
        "actor": remote.actor(name),
        "to": note["to"], "cc": note["cc"],
        "object": note,
    })
}

pub(crate) async fn remote_row(app: &TestApp, ap_id: &str) -> Option<user::Model> {
    user::Entity::find().filter(user::Column::ApId.eq(ap_id)).one(&app.state.db.read).await.unwrap()
}

/// One field of the viewer's relationship to `id`.
pub(crate) async fn relation(app: &TestApp, token: &str, id: &str, field: &str) -> Value {
    let reply = app.get(&format!("/api/v1/accounts/relationships?id[]={id}"), Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body[0][field].clone()
}

async fn admin_statuses(app: &TestApp, token: &str) -> Vec<Value> {
    let reply = app.get("/api/v1/pleroma/admin/statuses?godmode=true", Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body.as_array().cloned().unwrap_or_else(|| reply.body["activities"].as_array().cloned().unwrap())
}

async fn notification_types(app: &TestApp, token: &str) -> Vec<String> {
    let reply = app.get("/api/v1/notifications?include_types[]=pleroma:report&include_types[]=mention&include_types[]=follow&include_types[]=favourite&include_types[]=reblog&include_types[]=pleroma:emoji_reaction&include_types[]=move", Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body.as_array().unwrap().iter().map(|n| n["type"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn create_update_and_delete_of_a_note() {
    let app = federating_app().await;
    let admin = app.admin_token().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write").await;
    let remote = remote_at(&app, "127.0.0.1").await;
    let bob = remote.actor("bob");

    let first = note(
        &remote,
        "bob",
        "1",
        "<p>Hello <a href=\"x\">@alice</a> #Fediverse<script>alert(1)</script></p>",
        json!({
            "summary": "cw",
            "sensitive": true,
            "tag": [
                {"type": "Mention", "href": alice.ap_id, "name": "@alice"},
                {"type": "Hashtag", "name": "#fediverse", "href": "https://x/tags/fediverse"},
            ],
            "attachment": [{"type": "Document", "mediaType": "image/png", "url": format!("{}/media/1.png", remote.base)}],
        }),
    );
    deliver(&remote, "bob", create(&remote, "bob", first.clone())).await;

    // The author was fetched and stored, its host recorded.
    let author = remote_row(&app, &bob).await.expect("the remote actor is stored");
    let host_port = remote.base.trim_start_matches("http://");
    assert_eq!(author.nickname, format!("bob@{host_port}"));
    assert_eq!(author.name.as_deref(), Some("Remote bob"));
    assert!(!author.local);
    let host = instance::Entity::find_by_id("127.0.0.1").one(&app.state.db.read).await.unwrap();
    assert!(host.is_some_and(|h| h.unreachable_since.is_none()));

    // In the admin list and the account's statuses, with its attachment, mention and CW.
    let listed = admin_statuses(&app, &admin).await;
    let status = listed.iter().find(|s| s["uri"] == first["id"]).expect("listed by the admin").clone();
    assert_eq!(status["account"]["id"], author.id);
    assert_eq!(status["spoiler_text"], "cw");
    assert_eq!(status["sensitive"], true);
    assert_eq!(status["visibility"], "public");
    assert!(!status["content"].as_str().unwrap().contains("<script"));
    assert_eq!(status["media_attachments"][0]["remote_url"], format!("{}/media/1.png", remote.base));
    assert_eq!(status["mentions"][0]["id"], alice.id);
    let reply = app.get(&format!("/api/v1/accounts/{}/statuses", author.id), Some(&alice_token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.as_array().unwrap().len(), 1);
    assert_eq!(notification_types(&app, &alice_token).await, ["mention"]);

    // A reply to it; twice is one status.
    let reply_note = note(&remote, "bob", "2", "<p>and more</p>", json!({"inReplyTo": first["id"]}));
    deliver(&remote, "bob", create(&remote, "bob", reply_note.clone())).await;
    deliver(&remote, "bob", create(&remote, "bob", reply_note.clone())).await;
    let listed = admin_statuses(&app, &admin).await;
    assert_eq!(listed.len(), 2);
    let answer = listed.iter().find(|s| s["uri"] == reply_note["id"]).unwrap();
    assert_eq!(answer["in_reply_to_id"], status["id"]);

    // Update of the note: new content.
    let mut edited = first.clone();
    edited["content"] = json!("<p>edited</p>");
    let update =
        json!({"id": format!("{}/activities/u1", remote.base), "type": "Update", "actor": bob, "object": edited});
    deliver(&remote, "bob", update).await;
    let shown = app.get(&format!("/api/v1/statuses/{}", status["id"].as_str().unwrap()), Some(&alice_token)).await;
    assert_eq!(shown.body["content"], "<p>edited</p>");

    // Someone else cannot delete it; its author can.
    let delete = |by: &str| json!({"id": format!("{}/activities/d-{by}", remote.base), "type": "Delete", "actor": remote.actor(by), "object": {"id": first["id"], "type": "Tombstone"}});
    deliver(&remote, "carol", delete("carol")).await;
    assert_eq!(admin_statuses(&app, &admin).await.len(), 2);
    deliver(&remote, "bob", delete("bob")).await;
    let shown = app.get(&format!("/api/v1/statuses/{}", status["id"].as_str().unwrap()), Some(&alice_token)).await;
    assert_eq!(shown.status, StatusCode::NOT_FOUND);
    assert_eq!(admin_statuses(&app, &admin).await.len(), 1);

    // Update of the person: a new display name.
    let mut person: Value = reqwest::get(&bob).await.unwrap().json().await.unwrap();
    person["name"] = json!("Robert");
    let update =
        json!({"id": format!("{}/activities/u2", remote.base), "type": "Update", "actor": bob, "object": person});
    deliver(&remote, "bob", update).await;
    assert_eq!(remote_row(&app, &bob).await.unwrap().name.as_deref(), Some("Robert"));

    // The actor deletes itself: tombstoned, its statuses purged by the job.
    let gone = json!({"id": format!("{}/activities/bye", remote.base), "type": "Delete", "actor": bob, "object": bob});
    deliver(&remote, "bob", gone).await;
    assert!(!remote_row(&app, &bob).await.unwrap().is_active);
    app.run_jobs().await;
    assert!(admin_statuses(&app, &admin).await.is_empty());
}

#[tokio::test]
async fn follow_is_accepted_with_a_signed_accept_and_undone() {
    let app = federating_app().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write").await;
    let remote = remote_at(&app, "127.0.0.1").await;
    let bob = remote.actor("bob");
    let follow =
        json!({"id": format!("{}/activities/f1", remote.base), "type": "Follow", "actor": bob, "object": alice.ap_id});
    let reply = send_as(&remote, "bob", "/users/alice/inbox", &follow).await;
    assert_eq!(reply.status(), StatusCode::OK);

    let author = remote_row(&app, &bob).await.unwrap();
    assert_eq!(relation(&app, &alice_token, &author.id, "followed_by").await, true);
    assert_eq!(notification_types(&app, &alice_token).await, ["follow"]);

    // The Accept goes out in a job, signed with alice's key.
    assert!(remote.received().is_empty());
    assert!(app.run_jobs().await >= 1);
    let (accept, valid) = remote.received().pop().expect("an Accept was delivered");
    assert!(valid, "the Accept's signature holds against alice's published key");
    assert_eq!(accept["type"], "Accept");
    assert_eq!(accept["actor"], alice.ap_id);
    assert_eq!(accept["object"]["id"], follow["id"]);

    // Undo: no longer a follower.
    let undo = json!({"id": format!("{}/activities/uf1", remote.base), "type": "Undo", "actor": bob, "object": follow});
    deliver(&remote, "bob", undo).await;
    assert_eq!(relation(&app, &alice_token, &author.id, "followed_by").await, false);

    // A follow of someone who blocks the actor: a Reject.
    let reply = app
        .request(reqwest::Method::POST, &format!("/api/v1/accounts/{}/block", author.id), Some(&alice_token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    deliver(&remote, "bob", follow.clone()).await;
    app.run_jobs().await;
    let received = remote.received();
    let (reject, valid) = received.iter().rev().find(|(a, _)| a["type"] == "Reject").cloned().unwrap();
    assert!(valid);
    assert_eq!(reject["object"]["id"], follow["id"]);
    // The block itself went out too (Pleroma federates blocks by default).
    assert!(received.iter().any(|(a, valid)| a["type"] == "Block" && *valid));
}

#[tokio::test]
async fn likes_reactions_announces_blocks_and_their_undos() {
    let app = federating_app().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write").await;
    let posted = app
        .request(reqwest::Method::POST, "/api/v1/statuses", Some(&alice_token), Some(json!({"status": "hello"})))
        .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text);
    let (id, uri) = (posted.body["id"].as_str().unwrap().to_string(), posted.body["uri"].clone());
    let remote = remote_at(&app, "127.0.0.1").await;
    let bob = remote.actor("bob");
    let path = format!("/api/v1/statuses/{id}");

    let like = json!({"id": format!("{}/activities/l1", remote.base), "type": "Like", "actor": bob, "object": uri});
    deliver(&remote, "bob", like.clone()).await;
    let react = json!({"id": format!("{}/activities/r1", remote.base), "type": "EmojiReact", "actor": bob, "object": uri, "content": "👍"});
    deliver(&remote, "bob", react.clone()).await;
    let announce = json!({"id": format!("{}/activities/a1", remote.base), "type": "Announce", "actor": bob, "object": uri, "to": [PUBLIC]});
    deliver(&remote, "bob", announce.clone()).await;
    let shown = app.get(&path, Some(&alice_token)).await.body;
    assert_eq!(shown["favourites_count"], 1);
    assert_eq!(shown["reblogs_count"], 1);
    assert_eq!(shown["pleroma"]["emoji_reactions"][0]["name"], "👍");
    assert_eq!(shown["pleroma"]["emoji_reactions"][0]["count"], 1);
    let mut kinds = notification_types(&app, &alice_token).await;
    kinds.sort();
    assert_eq!(kinds, ["favourite", "pleroma:emoji_reaction", "reblog"]);

    for (n, undone) in [like, react, announce].into_iter().enumerate() {
        let undo = json!({"id": format!("{}/activities/undo-{n}", remote.base), "type": "Undo", "actor": bob, "object": undone});
        deliver(&remote, "bob", undo).await;
    }
    let shown = app.get(&path, Some(&alice_token)).await.body;
    assert_eq!((shown["favourites_count"].clone(), shown["reblogs_count"].clone()), (json!(0), json!(0)));
    assert_eq!(shown["pleroma"]["emoji_reactions"], json!([]));

    // A relay's announce of a remote status it serves: fetched, stored, reblogged by the relay.
    let relayed = note(&remote, "carol", "9", "<p>relayed</p>", json!({}));
    remote.serve("/objects/9", relayed.clone());
    let announce = json!({"id": format!("{}/activities/a2", remote.base), "type": "Announce", "actor": remote.actor("actor"), "object": relayed["id"], "to": [PUBLIC]});
    deliver(&remote, "actor", announce).await;
    let carol = remote_row(&app, &remote.actor("carol")).await.expect("the announced status's author is stored");
    let statuses = app.get(&format!("/api/v1/accounts/{}/statuses", carol.id), Some(&alice_token)).await;
    assert_eq!(statuses.body[0]["content"], "<p>relayed</p>");
    let relay = remote_row(&app, &remote.actor("actor")).await.unwrap();
    let statuses = app.get(&format!("/api/v1/accounts/{}/statuses", relay.id), Some(&alice_token)).await;
    assert_eq!(statuses.body[0]["reblog"]["uri"], relayed["id"]);

    // Block and its undo.
    let block =
        json!({"id": format!("{}/activities/b1", remote.base), "type": "Block", "actor": bob, "object": alice.ap_id});
    deliver(&remote, "bob", block.clone()).await;
    let bob_row = remote_row(&app, &bob).await.unwrap();
    let relation = app.get(&format!("/api/v1/accounts/relationships?id[]={}", bob_row.id), Some(&alice_token)).await;
    assert_eq!(relation.body[0]["blocked_by"], true, "{}", relation.text);
    let undo = json!({"id": format!("{}/activities/ub1", remote.base), "type": "Undo", "actor": bob, "object": block});
    deliver(&remote, "bob", undo).await;
    let relation = app.get(&format!("/api/v1/accounts/relationships?id[]={}", bob_row.id), Some(&alice_token)).await;
    assert_eq!(relation.body[0]["blocked_by"], false);
}

#[tokio::test]
async fn a_flag_becomes_a_report_from_the_remote_instance_actor() {
    let app = federating_app().await;
    let admin = app.admin_token().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write").await;
    let posted = app
        .request(reqwest::Method::POST, "/api/v1/statuses", Some(&alice_token), Some(json!({"status": "rude"})))
        .await;
    let remote = remote_at(&app, "127.0.0.1").await;
    let flag = json!({
        "id": format!("{}/activities/flag1", remote.base),
        "type": "Flag",
        "actor": remote.actor("actor"),
        "content": "spam from your instance",
        "object": [alice.ap_id, posted.body["uri"], format!("{}/objects/unknown", remote.base)],
    });
    deliver(&remote, "actor", flag.clone()).await;
    deliver(&remote, "actor", flag).await;

    let reports = app.get("/api/v1/pleroma/admin/reports", Some(&admin)).await;
    assert_eq!(reports.status, StatusCode::OK);
    assert_eq!(reports.body["total"], 1, "{}", reports.text);
    let report = &reports.body["reports"][0];
    assert_eq!(report["actor"]["acct"], format!("actor@{}", remote.base.trim_start_matches("http://")));
    assert_eq!(report["account"]["id"], alice.id);
    assert_eq!(report["content"], "spam from your instance");
    assert_eq!(report["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(report["statuses"][0]["id"], posted.body["id"]);
    assert_eq!(report["state"], "open");
}

#[tokio::test]
async fn a_move_takes_local_followers_along() {
    let app = federating_app().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write").await;
    let remote = remote_at(&app, "127.0.0.1").await;
    let (old, new) = (remote.actor("old"), remote.actor("new"));
    // alice follows old (the follow is made at once).
    deliver(&remote, "old", create(&remote, "old", note(&remote, "old", "m1", "hi", json!({})))).await;
    let old_row = remote_row(&app, &old).await.unwrap();
    let reply = app
        .request(reqwest::Method::POST, &format!("/api/v1/accounts/{}/follow", old_row.id), Some(&alice_token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let key = signature::private_key(&remote.pem).unwrap();
    let pem = signature::public_pem(&key).unwrap();
    let moved = |also: Value| {
        json!({"id": new, "type": "Person", "preferredUsername": "new", "inbox": format!("{new}/inbox"), "alsoKnownAs": also,
            "publicKey": {"id": format!("{new}#main-key"), "owner": new, "publicKeyPem": pem}})
    };
    let activity = json!({"id": format!("{}/activities/mv", remote.base), "type": "Move", "actor": old, "object": old, "target": new});
    // Without alsoKnownAs naming old: nothing moves.
    remote.serve("/users/new", moved(json!([])));
    deliver(&remote, "old", activity.clone()).await;
    assert!(remote_row(&app, &new).await.is_none());
    remote.serve("/users/new", moved(json!([old])));
    deliver(&remote, "old", activity).await;
    let new_row = remote_row(&app, &new).await.unwrap();
    let relation = app
        .get(&format!("/api/v1/accounts/relationships?id[]={}&id[]={}", old_row.id, new_row.id), Some(&alice_token))
        .await;
    assert_eq!(relation.body[0]["following"], false, "{}", relation.text);
    assert_eq!(relation.body[1]["following"], true);
    assert_eq!(notification_types(&app, &alice_token).await, ["move"]);
}

#[tokio::test]
async fn simple_policy_reject_drops_the_activities_of_an_instance() {
    let app = TestApp::self_addressed(|s| {
        s.http.allow_private_addresses = true;
        s.mrf.policies.0 = vec!["Pleroma.Web.ActivityPub.MRF.SimplePolicy".into()];
        s.mrf.simple.reject = vec![DomainRule { domain: "localhost".into(), reason: "spam".into() }];
    })
    .await;
    let admin = app.admin_token().await;
    let alice = app.user("alice").await;
    let remote = remote_at(&app, "localhost").await;
    let created = create(&remote, "bob", note(&remote, "bob", "1", "spam", json!({})));
    deliver(&remote, "bob", created).await;
    let follow = json!({"id": format!("{}/activities/f1", remote.base), "type": "Follow", "actor": remote.actor("bob"), "object": alice.ap_id});
    deliver(&remote, "bob", follow).await;
    assert!(admin_statuses(&app, &admin).await.is_empty());
    assert!(remote_row(&app, &remote.actor("bob")).await.is_none(), "a refused actor is not stored");
    assert_eq!(app.run_jobs().await, 0, "nothing is answered");
    assert!(remote.received().is_empty());
}

#[tokio::test]
async fn refusals_and_unusable_activities_are_never_a_server_error() {
    let app = federating_app().await;
    let remote = remote_at(&app, "127.0.0.1").await;
    let bob = remote.actor("bob");
    // Signed by another key under bob's key id: 401 as Pleroma's signature plug.
    let forged = Remote { pem: signature::generate_pem().unwrap(), ..remote.clone() };
    let created = create(&remote, "bob", note(&remote, "bob", "1", "hi", json!({})));
    let reply = send_as(&forged, "bob", "/inbox", &created).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json::<Value>().await.unwrap(), json!({"error": "Invalid HTTP Signature"}));
    // Unsigned.
    let reply = reqwest::Client::new().post(format!("{}/inbox", app.base)).json(&created).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);

    // Signed but not JSON: 400 (Pleroma's parser).
    let url = url::Url::parse(&format!("{}/inbox", app.base)).unwrap();
    let key = signature::private_key(&remote.pem).unwrap();
    let mut request = reqwest::Client::new().post(url.clone()).header("content-type", "application/activity+json");
    for (header, value) in signature::sign(&key, &format!("{bob}#main-key"), "POST", &url, Some(b"{not json")) {
        request = request.header(header, value);
    }
    let reply = request.body("{not json").send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);

    // Signed activities the gateway cannot use: "ok", nothing stored.
    for activity in [
        json!({"id": "x", "type": "Travel", "actor": bob}),
        json!({"type": "Create", "actor": bob, "object": 5}),
        json!({"type": "Create", "actor": bob, "object": {"type": "Note"}}),
        json!({"type": "Create", "actor": bob, "object": format!("{}/objects/missing", remote.base)}),
        json!({"type": "Like", "actor": bob, "object": "http://127.0.0.1:1/unknown"}),
        json!({"type": "Undo", "actor": bob, "object": {"type": "Like", "actor": remote.actor("eve"), "object": "x"}}),
        json!({"type": "Follow", "actor": bob, "object": "http://127.0.0.1:1/users/nobody"}),
        json!({"type": "Flag", "actor": bob, "object": []}),
        json!({"type": "Announce", "actor": bob, "object": null}),
        json!({"type": "Delete", "actor": bob, "object": {"id": "http://127.0.0.1:1/objects/x"}}),
        json!({"type": "Update", "actor": bob, "object": {"type": "Person", "id": remote.actor("eve")}}),
        json!({"type": "Move", "actor": bob, "object": bob, "target": "http://127.0.0.1:1/users/x"}),
    ] {
        deliver(&remote, "bob", activity).await;
    }
    let admin = app.admin_token().await;
    assert!(admin_statuses(&app, &admin).await.is_empty());
    assert_eq!(remote_row(&app, &remote.actor("eve")).await, None);
}

/// Articles and Pages (issue 27 §1) are stored like notes, their title shown as Pleroma's
/// `StatusView.render_content` shows it: linked to the object's `url` above the content.
#[tokio::test]
async fn an_article_and_a_page_are_stored_with_their_titles() {
    let app = federating_app().await;
    let admin = app.admin_token().await;
    let remote = remote_at(&app, "127.0.0.1").await;
    let url = format!("{}/blog/long-read", remote.base);
    let article = note(
        &remote,
        "bob",
        "a1",
        "<p>The body.</p>",
        json!({"type": "Article", "name": "A long read", "url": url,
            "attachment": [{"type": "Image", "mediaType": "image/png", "url": format!("{}/media/a.png", remote.base)}]}),
    );
    deliver(&remote, "bob", create(&remote, "bob", article.clone())).await;
    let page = note(&remote, "bob", "p1", "", json!({"type": "Page", "name": "Only a title"}));
    deliver(&remote, "bob", create(&remote, "bob", page.clone())).await;
    let listed = admin_statuses(&app, &admin).await;
    let shown = |id: &Value| listed.iter().find(|s| &s["uri"] == id).unwrap_or_else(|| panic!("{id} listed")).clone();
    let status = shown(&article["id"]);
    assert_eq!(
        status["content"],
        format!("<p><a href=\"{url}\" rel=\"noopener noreferrer\">A long read</a></p><p>The body.</p>"),
        "{status}"
    );
    assert_eq!(status["media_attachments"][0]["remote_url"], format!("{}/media/a.png", remote.base));
    let status = shown(&page["id"]);
    assert_eq!(
        status["content"],
        format!("<p><a href=\"{}\" rel=\"noopener noreferrer\">Only a title</a></p>", page["id"].as_str().unwrap())
    );
}

/// Key rotation (issue 27 §1): a cached key that no longer verifies is fetched again, but not
/// within the cooldown of its last fetch (Pleroma's `public_key_refetch_cooldown_seconds`);
/// after it, the rotated key is fetched and the activity accepted. The second fetch is made by
/// another process over the same database (this one's per-key limiter also holds for the
/// cooldown), with the cache's fetch time moved back past the cooldown.
#[tokio::test]
async fn a_rotated_key_is_fetched_again_once_the_cooldown_is_over() {
    use sea_orm::sea_query::Expr;
    let app = federating_app().await;
    let admin = app.admin_token().await;
    let remote = remote_at(&app, "127.0.0.1").await;
    let first = note(&remote, "bob", "k1", "<p>signed with the first key</p>", json!({}));
    deliver(&remote, "bob", create(&remote, "bob", first)).await;

    // bob's key changes: the actor document now lists the new one under the same key id.
    let rotated = Remote { pem: signature::generate_pem().unwrap(), ..remote.clone() };
    let key = signature::private_key(&rotated.pem).unwrap();
    let id = remote.actor("bob");
    remote.serve(
        "/users/bob",
        json!({
            "@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Person",
            "preferredUsername": "bob", "inbox": format!("{id}/inbox"), "followers": format!("{id}/followers"),
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": signature::public_pem(&key).unwrap()},
        }),
    );
    let second = note(&remote, "bob", "k2", "<p>signed with the rotated key</p>", json!({}));
    let activity = create(&remote, "bob", second.clone());
    let refused = send_as(&rotated, "bob", "/inbox", &activity).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "within the cooldown");

    let ago = chrono::Utc::now() - chrono::Duration::seconds(600);
    let moved = entity::remote_key::Entity::update_many()
        .col_expr(entity::remote_key::Column::FetchedAt, Expr::value(ago))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    assert_eq!(moved.rows_affected, 1);
    let base = app.base.clone();
    let other = app
        .sharing(|s| {
            s.instance_url = base;
            s.http.allow_private_addresses = true;
        })
        .await;
    // Signed for this instance's host, sent to the other process.
    let url = url::Url::parse(&format!("{}/inbox", app.base)).unwrap();
    let body = serde_json::to_vec(&activity).unwrap();
    let mut request = reqwest::Client::new()
        .post(format!("{}/inbox", other.base))
        .header("host", format!("{}:{}", url.host_str().unwrap(), url.port().unwrap()))
        .header("content-type", "application/activity+json");
    for (header, value) in signature::sign(&key, &format!("{id}#main-key"), "POST", &url, Some(&body)) {
        request = request.header(header, value);
    }
    let reply = request.body(body).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK, "{}", reply.text().await.unwrap());
    assert!(admin_statuses(&app, &admin).await.iter().any(|s| s["uri"] == second["id"]), "stored");
    let cached = entity::remote_key::Entity::find().one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(cached.public_key_pem, signature::public_pem(&key).unwrap(), "the cache holds the new key");
}
