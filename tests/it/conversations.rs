//! Threads over HTTP: a status's context (Pleroma's `status_controller_test.exs` "GET
//! /api/v1/statuses/:id/context"), and direct conversations (Pleroma's
//! `test/pleroma/web/mastodon_api/controllers/conversation_controller_test.exs`,
//! `test/pleroma/web/pleroma_api/controllers/conversation_controller_test.exs`,
//! `test/pleroma/conversation_test.exs`).
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};
use crate::statuses::post;

/// Statements of GET /api/v1/statuses/:id/context, any length (issue 26: exact on both engines).
const CONTEXT_COST: usize = 6; // prefetch: the statuses with their marks, the people (issue 26)

/// Statements of GET /api/v1/conversations, a page of any length (issue 26: exact on both engines).
const CONVERSATIONS_PAGE: usize = 8; // prefetch: the statuses with their marks, the people (issue 26)

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
}

/// A direct message from `token` to the nicknames.
async fn direct(app: &TestApp, token: &str, to: &[&str], reply_to: Option<&str>) -> String {
    let text = to.iter().map(|n| format!("@{n}")).collect::<Vec<_>>().join(" ") + " hi";
    let mut body = json!({"status": text, "visibility": "direct"});
    if let Some(parent) = reply_to {
        body["in_reply_to_id"] = json!(parent);
    }
    post(app, token, body).await["id"].as_str().unwrap().to_string()
}

/// The context: ancestors and descendants oldest first, the status itself left out, private
/// posts only to those who may see them, blocked authors left out; unknown id 404.
#[tokio::test]
async fn context_shows_the_thread_the_caller_may_see() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let (a, b, c) = (
        app.token(&alice, "read write follow").await,
        app.token(&bob, "read write follow").await,
        app.token(&carol, "read write follow").await,
    );
    let root = post(&app, &a, json!({"status": "root"})).await["id"].as_str().unwrap().to_string();
    let r1 = post(&app, &b, json!({"status": "one", "in_reply_to_id": root})).await["id"].as_str().unwrap().to_string();
    let r2 = post(&app, &a, json!({"status": "two", "in_reply_to_id": r1})).await["id"].as_str().unwrap().to_string();
    let private = post(&app, &b, json!({"status": "for followers", "in_reply_to_id": r2, "visibility": "private"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r3 = post(&app, &c, json!({"status": "three", "in_reply_to_id": r2})).await["id"].as_str().unwrap().to_string();
    post(&app, &a, json!({"status": "elsewhere"})).await;

    let reply = app.get(&format!("/api/v1/statuses/{r1}/context"), Some(&c)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(keys(&reply.body), ["ancestors", "descendants"]);
    assert_eq!(ids(&reply.body["ancestors"]), [root.as_str()]);
    // Carol neither follows Bob nor is addressed: his followers-only reply is not hers to see.
    assert_eq!(ids(&reply.body["descendants"]), [r2.clone(), r3.clone()]);
    assert_eq!(reply.body["descendants"][0]["in_reply_to_id"], r1.as_str());
    assert!(reply.body["ancestors"][0]["account"]["id"].is_string());
    // Alice is addressed by the reply to her post.
    let alices = app.get(&format!("/api/v1/statuses/{r1}/context"), Some(&a)).await.body;
    assert_eq!(ids(&alices["descendants"]), [r2.clone(), private.clone(), r3.clone()]);

    // Anonymous callers see the public posts; Bob sees his own private one.
    let anonymous = app.get(&format!("/api/v1/statuses/{r3}/context"), None).await.body;
    assert_eq!(ids(&anonymous["ancestors"]), [root.clone(), r1.clone(), r2.clone()]);
    assert_eq!(anonymous["descendants"], json!([]));
    let bobs = app.get(&format!("/api/v1/statuses/{r3}/context"), Some(&b)).await.body;
    assert_eq!(ids(&bobs["ancestors"]), [root.clone(), r1.clone(), r2.clone(), private.clone()]);

    // After following Bob, Carol sees it too; after Alice blocks Carol, Carol's reply is gone
    // for Alice.
    let follow = app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", bob.id), Some(&c), None).await;
    assert_eq!(follow.status, StatusCode::OK, "{}", follow.text);
    let seen = app.get(&format!("/api/v1/statuses/{root}/context"), Some(&c)).await.body;
    assert_eq!(ids(&seen["descendants"]), [r1.clone(), r2.clone(), private.clone(), r3.clone()]);
    let block = app.request(Method::POST, &format!("/api/v1/accounts/{}/block", carol.id), Some(&a), None).await;
    assert_eq!(block.status, StatusCode::OK, "{}", block.text);
    let seen = app.get(&format!("/api/v1/statuses/{root}/context"), Some(&a)).await.body;
    assert_eq!(ids(&seen["descendants"]), [r1.clone(), r2.clone(), private.clone()]);

    let missing = app.get("/api/v1/statuses/nope/context", None).await;
    assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));

    // GraphQL: the same thread.
    let body = app
        .graphql(
            Some(&a),
            "query($id: ID!) { statusContext(id: $id) { ancestors { id } descendants { id } } }",
            json!({"id": r2}),
        )
        .await;
    assert_eq!(body["data"]["statusContext"]["ancestors"], json!([{"id": root}, {"id": r1}]), "{body}");
}

/// A context of 30 posts costs the statements of a context of 2.
#[tokio::test]
async fn a_long_context_costs_a_fixed_number_of_statements() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let a = app.token(&alice, "read write").await;
    let root = post(&app, &a, json!({"status": "root"})).await["id"].as_str().unwrap().to_string();
    let mut last = root.clone();
    let mut chain = vec![root.clone()];
    for i in 0..30 {
        let author = app.user(&format!("u{i}")).await;
        let t = app.token(&author, "write").await;
        last = post(&app, &t, json!({"status": format!("r{i}"), "in_reply_to_id": last})).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        chain.push(last.clone());
    }
    app.get(&format!("/api/v1/statuses/{root}/context"), Some(&a)).await;
    let count = |id: String| {
        let (app, a) = (&app, &a);
        async move {
            app.state.db.record();
            let reply = app.get(&format!("/api/v1/statuses/{id}/context"), Some(a)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            (app.state.db.recorded().len(), reply.body)
        }
    };
    // The second post's context holds one ancestor and 29 descendants; the same thread whole.
    let (small, body) = count(chain[29].clone()).await;
    assert_eq!(body["ancestors"].as_array().unwrap().len() + body["descendants"].as_array().unwrap().len(), 30);
    let (big, _) = count(chain[1].clone()).await;
    eprintln!("GET /api/v1/statuses/:id/context: {small} statements for 30 posts");
    assert_eq!(small, big);
    assert_eq!(small, CONTEXT_COST);
}

/// `conversation_controller_test.exs` (Mastodon): a DM makes a conversation for each
/// participant — unread for the recipients, read for the author; accounts leave out the
/// caller unless alone; private posts make none; `recipients[]` filters; limit; Link header;
/// read and delete.
#[tokio::test]
async fn direct_messages_make_conversations_as_pleroma_does() {
    let app = TestApp::new().await;
    let one = app.user("one").await;
    let two = app.user("two").await;
    let three = app.user("three").await;
    let t1 = app.token(&one, "read:statuses write").await;
    let t2 = app.token(&two, "read write").await;
    let t3 = app.token(&three, "read write").await;

    let dm = direct(&app, &t1, &["two", "three"], None).await;
    post(&app, &t1, json!({"status": "Hi @two!", "visibility": "private"})).await;

    let reply = app.get("/api/v1/conversations", Some(&t1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let list = reply.body.as_array().unwrap();
    assert_eq!(list.len(), 1, "{}", reply.text);
    let conversation = &list[0];
    assert_eq!(keys(conversation), ["accounts", "id", "last_status", "unread"]);
    assert!(conversation["id"].is_string());
    let mut accounts: Vec<&str> =
        conversation["accounts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    accounts.sort();
    let mut expected = vec![two.id.as_str(), three.id.as_str()];
    expected.sort();
    assert_eq!(accounts, expected);
    assert_eq!(conversation["unread"], false);
    assert_eq!(conversation["last_status"]["id"], dm.as_str());
    assert_eq!(conversation["last_status"]["account"]["id"], one.id.as_str());
    let participation: i64 = conversation["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(conversation["last_status"]["pleroma"]["direct_conversation_id"], participation);

    // Two's copy is unread until read.
    let theirs = app.get("/api/v1/conversations", Some(&t2)).await.body;
    assert_eq!(theirs[0]["unread"], true);
    let id2 = theirs[0]["id"].as_str().unwrap().to_string();
    assert_ne!(id2, conversation["id"].as_str().unwrap());
    let read = app.request(Method::POST, &format!("/api/v1/conversations/{id2}/read"), Some(&t2), None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!((&read.body["id"], &read.body["unread"]), (&json!(id2), &json!(false)));
    // Someone else's conversation: Mastodon's 404.
    for (method, path) in [
        (Method::POST, format!("/api/v1/conversations/{id2}/read")),
        (Method::DELETE, format!("/api/v1/conversations/{id2}")),
    ] {
        let reply = app.request(method, &path, Some(&t3), None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})), "{path}");
    }

    // A reply bumps it to unread again for its recipients and updates the last status (a
    // reply is addressed to its mentions and the parent's author only, as in Pleroma).
    let answer = direct(&app, &t3, &["one"], Some(&dm)).await;
    let mine = app.get("/api/v1/conversations", Some(&t1)).await.body;
    assert_eq!((&mine[0]["unread"], &mine[0]["last_status"]["id"]), (&json!(true), &json!(answer)));
    let theirs = app.get("/api/v1/conversations", Some(&t2)).await.body;
    assert_eq!((&theirs[0]["unread"], &theirs[0]["last_status"]["id"]), (&json!(false), &json!(dm)));

    // Alone: the caller is the account shown.
    let alone = app.user("alone").await;
    let ta = app.token(&alone, "read write").await;
    direct(&app, &ta, &[], None).await;
    let mine = app.get("/api/v1/conversations", Some(&ta)).await.body;
    assert_eq!(
        mine[0]["accounts"].as_array().unwrap().iter().map(|a| a["id"].clone()).collect::<Vec<_>>(),
        [json!(alone.id)]
    );

    // recipients[] keeps conversations with exactly these participants.
    let d1 = direct(&app, &t1, &["two"], None).await;
    direct(&app, &t1, &["three"], None).await;
    let d5 = direct(&app, &t2, &["one"], None).await;
    let filtered = app.get(&format!("/api/v1/conversations?recipients[]={}", two.id), Some(&t1)).await.body;
    let last: Vec<&str> =
        filtered.as_array().unwrap().iter().map(|c| c["last_status"]["id"].as_str().unwrap()).collect();
    assert_eq!(last, [d5.as_str(), d1.as_str()]);
    let filtered = app
        .get(&format!("/api/v1/conversations?recipients[]={}&recipients[]={}", two.id, three.id), Some(&t1))
        .await
        .body;
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    assert_eq!(filtered[0]["last_status"]["id"], answer.as_str());

    // limit, and a Link header by conversation id.
    let page = app.get("/api/v1/conversations?limit=2", Some(&t1)).await;
    assert_eq!(page.body.as_array().unwrap().len(), 2);
    let link = page.headers["link"].to_str().unwrap();
    assert!(link.contains(&format!("max_id={}", page.body[1]["id"].as_str().unwrap())), "{link}");

    // Delete: {} and gone from the list.
    let gone = filtered[0]["id"].as_str().unwrap();
    let reply = app.request(Method::DELETE, &format!("/api/v1/conversations/{gone}"), Some(&t1), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    assert!(!ids(&app.get("/api/v1/conversations", Some(&t1)).await.body).contains(&gone.to_string()));

    // Scopes: read:statuses to list, write:conversations to change.
    let reply = app
        .request(
            Method::POST,
            &format!("/api/v1/conversations/{}/read", page.body[0]["id"].as_str().unwrap()),
            Some(&t1),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "write covers write:conversations: {}", reply.text);
    let no_read = app.token(&one, "write").await;
    let reply = app.get("/api/v1/conversations", Some(&no_read)).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: read:statuses."}))
    );
    let no_write = app.token(&one, "read").await;
    let reply = app
        .request(
            Method::POST,
            &format!("/api/v1/conversations/{}/read", page.body[0]["id"].as_str().unwrap()),
            Some(&no_write),
            None,
        )
        .await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: write:conversations."}))
    );
}

/// Pleroma's conversation routes (§34) on both prefixes: show, statuses (with Link), update
/// recipients, mark all read; others' ids are 404 "Unknown conversation id".
#[tokio::test]
async fn pleroma_conversation_routes_show_page_update_and_read() {
    let app = TestApp::new().await;
    let one = app.user("one").await;
    let two = app.user("two").await;
    let three = app.user("three").await;
    let t1 = app.token(&one, "read write").await;
    let t2 = app.token(&two, "read write").await;
    let t3 = app.token(&three, "read write").await;
    let first = direct(&app, &t1, &["two"], None).await;
    let second = direct(&app, &t2, &["one"], Some(&first)).await;
    let third = direct(&app, &t1, &["two"], Some(&second)).await;
    let id = app.get("/api/v1/conversations", Some(&t1)).await.body[0]["id"].as_str().unwrap().to_string();

    for path in both_prefixes(&format!("/api/v1/pleroma/conversations/{id}")) {
        let reply = app.get(&path, Some(&t1)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(keys(&reply.body), ["accounts", "id", "last_status", "unread"]);
        assert_eq!((&reply.body["id"], &reply.body["last_status"]["id"]), (&json!(id), &json!(third)));
        assert_eq!(reply.body["accounts"][0]["id"], two.id.as_str());
    }
    for path in both_prefixes(&format!("/api/v1/pleroma/conversations/{id}/statuses")) {
        let reply = app.get(&path, Some(&t1)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(ids(&reply.body), [first.clone(), second.clone(), third.clone()]);
        assert!(reply.headers.contains_key("link"));
    }
    let page = app.get(&format!("/api/v1/pleroma/conversations/{id}/statuses?limit=2"), Some(&t1)).await.body;
    assert_eq!(ids(&page), [second.clone(), third.clone()]);
    let older = app.get(&format!("/api/v1/pleroma/conversations/{id}/statuses?max_id={second}"), Some(&t1)).await.body;
    assert_eq!(ids(&older), [first.as_str()]);

    for path in [
        format!("/api/v1/pleroma/conversations/{id}"),
        format!("/api/v1/pleroma/conversations/{id}/statuses"),
        "/api/v1/pleroma/conversations/nope".to_string(),
        "/api/v1/pleroma/conversations/99999".to_string(),
    ] {
        let reply = app.get(&path, Some(&t3)).await;
        assert_eq!(
            (reply.status, reply.body),
            (StatusCode::NOT_FOUND, json!({"error": "Unknown conversation id"})),
            "{path}"
        );
    }

    // PATCH: the recipients become these (and the owner).
    for path in both_prefixes(&format!("/api/v1/pleroma/conversations/{id}")) {
        let reply = app
            .request(
                Method::PATCH,
                &format!("{path}?recipients[]={}&recipients[]={}", two.id, three.id),
                Some(&t1),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let mut accounts: Vec<&str> =
            reply.body["accounts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
        accounts.sort();
        let mut expected = vec![two.id.as_str(), three.id.as_str()];
        expected.sort();
        assert_eq!(accounts, expected);
    }
    let reply = app
        .request(Method::PATCH, &format!("/api/v1/pleroma/conversations/{id}?recipients[]={}", one.id), Some(&t3), None)
        .await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Unknown conversation id"})));
    let reply = app.request(Method::PATCH, &format!("/api/v1/pleroma/conversations/{id}"), Some(&t1), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);

    // Mark all read: those that were unread.
    direct(&app, &t2, &["one"], None).await;
    let unread = app.get("/api/v1/conversations", Some(&t1)).await.body;
    let unread_ids: Vec<String> = unread
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["unread"] == true)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!unread_ids.is_empty());
    for path in both_prefixes("/api/v1/pleroma/conversations/read") {
        let reply = app.request(Method::POST, &path, Some(&t1), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        if path.starts_with("/api/v1/") {
            assert_eq!(ids(&reply.body), unread_ids);
            assert!(reply.body.as_array().unwrap().iter().all(|c| c["unread"] == false));
        } else {
            assert_eq!(reply.body, json!([]));
        }
    }
    // Scopes.
    let reader = app.token(&one, "read").await;
    let reply = app.request(Method::POST, "/api/v1/pleroma/conversations/read", Some(&reader), None).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: write:conversations."}))
    );
    let writer = app.token(&one, "write").await;
    let reply = app.get(&format!("/api/v1/pleroma/conversations/{id}"), Some(&writer)).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: read:statuses."}))
    );
}

/// A page of 40 conversations costs the statements of a page of 1.
#[tokio::test]
async fn a_page_of_conversations_costs_a_fixed_number_of_statements() {
    let app = TestApp::new().await;
    let me = app.user("me").await;
    let t = app.token(&me, "read write").await;
    for i in 0..40 {
        let other = app.user(&format!("o{i}")).await;
        let to = app.token(&other, "write").await;
        direct(&app, &to, &["me"], None).await;
    }
    app.get("/api/v1/conversations?limit=1", Some(&t)).await;
    let count = |limit: u32| {
        let (app, t) = (&app, &t);
        async move {
            app.state.db.record();
            let reply = app.get(&format!("/api/v1/conversations?limit={limit}"), Some(t)).await;
            assert_eq!(reply.body.as_array().unwrap().len(), limit as usize, "{}", reply.text);
            app.state.db.recorded().len()
        }
    };
    let one = count(1).await;
    let forty = count(40).await;
    eprintln!("GET /api/v1/conversations: {one} statements for a page of 1, {forty} for 40");
    // The page is prefetched (`statuses::prefetch`): no field waits on a DataLoader batch.
    assert_eq!(forty, one, "a page of 40 costs {forty} statements, a page of 1 costs {one}");
    assert_eq!(one, CONVERSATIONS_PAGE);
}
