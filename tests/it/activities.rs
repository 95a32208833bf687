//! Kept activities (issue 27): an outbound `Follow`, `Block`, `Like`, `EmojiReact` and `Delete`
//! gets its id when enqueued; that id dereferences at `/activities/:uuid` to the document that
//! was delivered (Pleroma's visibility rules: 404 for what the reader may not see), and its
//! `Undo` carries it with that id. An inbound `Undo` naming only the id of what it undoes is
//! matched by that id.
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    common::{Reply, TestApp},
    federation::{create, deliver, federating_app, note, relation, remote_at, remote_row, send_as, Remote},
};

const AP: &str = "application/activity+json";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// GET `url` (on `app`) with `accept` and maybe a token, not following redirects.
async fn fetch(url: &str, accept: &str, token: Option<&str>) -> Reply {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut request = client.get(url).header(header::ACCEPT, accept);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Reply::from(request.send().await.unwrap()).await
}

/// Run the jobs and take the one activity of `kind` delivered since `before` deliveries.
async fn delivered(app: &TestApp, remote: &Remote, before: usize, kind: &str) -> Value {
    app.run_jobs().await;
    let received = remote.received();
    let mut found: Vec<Value> = received[before..]
        .iter()
        .filter(|(a, _)| a["type"] == kind)
        .map(|(a, valid)| {
            assert!(valid, "signed: {a}");
            a.clone()
        })
        .collect();
    assert_eq!(found.len(), 1, "one {kind} in {:?}", &received[before..]);
    found.pop().unwrap()
}

/// Without `@context`, as an `Undo` embeds it.
fn bare(mut activity: Value) -> Value {
    activity.as_object_mut().unwrap().remove("@context");
    activity
}

/// The activity is served at its id as delivered (anonymously when public, else to `token`).
async fn dereferences(app: &TestApp, activity: &Value, token: Option<&str>) {
    let id = activity["id"].as_str().unwrap();
    assert!(id.starts_with(&format!("{}/activities/", app.base)), "{id}");
    let reply = fetch(id, AP, token).await;
    assert_eq!(reply.status, StatusCode::OK, "{id}: {}", reply.text);
    assert!(reply.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with(AP));
    assert_eq!(&reply.body, activity);
}

/// 404 with Pleroma's ActivityPub body.
async fn hidden(url: &str, token: Option<&str>) {
    let reply = fetch(url, AP, token).await;
    assert_eq!((reply.status, reply.body.clone()), (StatusCode::NOT_FOUND, json!("Not found")), "{url}");
}

#[tokio::test]
async fn outbound_activities_dereference_and_their_undos_carry_them() {
    let app = federating_app().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write follow").await;
    let carol = app.user("carol").await;
    let carol_token = app.token(&carol, "read").await;
    let remote = remote_at(&app, "127.0.0.1").await;
    let bob = remote.actor("bob");
    let bobs_note = note(&remote, "bob", "1", "<p>hi</p>", json!({}));
    deliver(&remote, "bob", create(&remote, "bob", bobs_note.clone())).await;
    let bob_row = remote_row(&app, &bob).await.unwrap();
    let status = app.get(&format!("/api/v1/accounts/{}/statuses", bob_row.id), Some(&alice_token)).await;
    let status_id = status.body[0]["id"].as_str().unwrap().to_string();

    // Follow: its id dereferences to it (cc public: anyone may read it); the Undo carries it.
    let n = remote.received().len();
    let path = format!("/api/v1/accounts/{}/follow", bob_row.id);
    assert_eq!(app.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let follow = delivered(&app, &remote, n, "Follow").await;
    assert_eq!((follow["actor"].as_str(), follow["object"].as_str()), (Some(alice.ap_id.as_str()), Some(bob.as_str())));
    assert_eq!(follow["cc"], json!([PUBLIC]));
    dereferences(&app, &follow, None).await;
    let html = fetch(follow["id"].as_str().unwrap(), "text/html", None).await;
    assert_eq!(html.status, StatusCode::FOUND);
    assert!(html.headers[header::LOCATION].to_str().unwrap().starts_with("/notice/"));
    let n = remote.received().len();
    let path = format!("/api/v1/accounts/{}/unfollow", bob_row.id);
    assert_eq!(app.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let undo = delivered(&app, &remote, n, "Undo").await;
    assert_eq!(undo["object"], bare(follow.clone()), "the Undo carries the Follow with its id");
    assert_eq!(undo["to"], json!([bob]));
    assert_ne!(undo["id"], follow["id"]);
    // Addressed to bob only: hidden from anonymous readers and from carol, served to alice.
    hidden(undo["id"].as_str().unwrap(), None).await;
    hidden(undo["id"].as_str().unwrap(), Some(&carol_token)).await;
    dereferences(&app, &undo, Some(&alice_token)).await;

    // Like and its Undo.
    let n = remote.received().len();
    let path = format!("/api/v1/statuses/{status_id}/favourite");
    assert_eq!(app.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let like = delivered(&app, &remote, n, "Like").await;
    assert_eq!(like["object"], bobs_note["id"]);
    assert_eq!(like["cc"], json!([PUBLIC]));
    dereferences(&app, &like, None).await;
    let n = remote.received().len();
    let path = format!("/api/v1/statuses/{status_id}/unfavourite");
    assert_eq!(app.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let undo = delivered(&app, &remote, n, "Undo").await;
    assert_eq!(undo["object"], bare(like.clone()));
    dereferences(&app, &undo, None).await;

    // EmojiReact and its Undo.
    let n = remote.received().len();
    let path = format!("/api/v1/pleroma/statuses/{status_id}/reactions/👍");
    assert_eq!(app.request(Method::PUT, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let react = delivered(&app, &remote, n, "EmojiReact").await;
    assert_eq!((react["content"].as_str(), react["object"].clone()), (Some("👍"), bobs_note["id"].clone()));
    dereferences(&app, &react, None).await;
    let n = remote.received().len();
    assert_eq!(app.request(Method::DELETE, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let undo = delivered(&app, &remote, n, "Undo").await;
    assert_eq!(undo["object"], bare(react.clone()));

    // Block (to bob only: hidden from others) and its Undo.
    let n = remote.received().len();
    let path = format!("/api/v1/accounts/{}/block", bob_row.id);
    assert_eq!(app.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let block = delivered(&app, &remote, n, "Block").await;
    hidden(block["id"].as_str().unwrap(), None).await;
    dereferences(&app, &block, Some(&alice_token)).await;
    let n = remote.received().len();
    let path = format!("/api/v1/accounts/{}/unblock", bob_row.id);
    assert_eq!(app.request(Method::POST, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let undo = delivered(&app, &remote, n, "Undo").await;
    assert_eq!(undo["object"], bare(block.clone()));

    // Delete of a status bob follows: public, so anyone may read it.
    let bobs_follow =
        json!({"id": format!("{}/activities/f1", remote.base), "type": "Follow", "actor": bob, "object": alice.ap_id});
    deliver(&remote, "bob", bobs_follow).await;
    app.run_jobs().await;
    let posted =
        app.request(Method::POST, "/api/v1/statuses", Some(&alice_token), Some(json!({"status": "soon gone"}))).await;
    app.run_jobs().await;
    let n = remote.received().len();
    let path = format!("/api/v1/statuses/{}", posted.body["id"].as_str().unwrap());
    assert_eq!(app.request(Method::DELETE, &path, Some(&alice_token), None).await.status, StatusCode::OK);
    let delete = delivered(&app, &remote, n, "Delete").await;
    assert_eq!(delete["object"]["id"], posted.body["uri"]);
    dereferences(&app, &delete, None).await;

    // What was never sent.
    hidden(&format!("{}/activities/nothing-here", app.base), None).await;
}

#[tokio::test]
async fn an_undo_naming_only_an_id_is_matched_by_it() {
    let app = federating_app().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write").await;
    let posted = app.request(Method::POST, "/api/v1/statuses", Some(&alice_token), Some(json!({"status": "hi"}))).await;
    let (id, uri) = (posted.body["id"].as_str().unwrap().to_string(), posted.body["uri"].clone());
    let remote = remote_at(&app, "127.0.0.1").await;
    let (bob, eve) = (remote.actor("bob"), remote.actor("eve"));
    let activity = |kind: &str, n: &str, actor: &str, object: &Value| json!({"id": format!("{}/activities/{n}", remote.base), "type": kind, "actor": actor, "object": object});
    let follow = activity("Follow", "f1", &bob, &json!(alice.ap_id));
    let like = activity("Like", "l1", &bob, &uri);
    let eves_like = activity("Like", "l2", &eve, &uri);
    for (name, sent) in [("bob", &follow), ("bob", &like), ("eve", &eves_like)] {
        deliver(&remote, name, sent.clone()).await;
    }
    let bob_row = remote_row(&app, &bob).await.unwrap();
    let path = format!("/api/v1/statuses/{id}");
    assert_eq!(app.get(&path, Some(&alice_token)).await.body["favourites_count"], 2);
    assert_eq!(relation(&app, &alice_token, &bob_row.id, "followed_by").await, true);

    // bob undoes eve's like by its id: not his, nothing happens.
    let reply = send_as(&remote, "bob", "/inbox", &activity("Undo", "u0", &bob, &eves_like["id"])).await;
    assert!(reply.status().is_success(), "{}", reply.status());
    assert_eq!(app.get(&path, Some(&alice_token)).await.body["favourites_count"], 2);
    // His own, by id.
    deliver(&remote, "bob", activity("Undo", "u1", &bob, &like["id"])).await;
    assert_eq!(app.get(&path, Some(&alice_token)).await.body["favourites_count"], 1);
    deliver(&remote, "bob", activity("Undo", "u2", &bob, &follow["id"])).await;
    assert_eq!(relation(&app, &alice_token, &bob_row.id, "followed_by").await, false);

    let block = activity("Block", "b1", &bob, &json!(alice.ap_id));
    deliver(&remote, "bob", block.clone()).await;
    assert_eq!(relation(&app, &alice_token, &bob_row.id, "blocked_by").await, true);
    deliver(&remote, "bob", activity("Undo", "u3", &bob, &block["id"])).await;
    assert_eq!(relation(&app, &alice_token, &bob_row.id, "blocked_by").await, false);
}
