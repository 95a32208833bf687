//! More areas' main read shapes as whole-body inline snapshots (issue 29), continuing
//! `read_shapes.rs`: ids, times, URLs and secrets redacted; the same snapshot holds on both
//! engines and, where the route has both, on both prefixes.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, TestApp};
use crate::statuses::post;

/// Every nested `account` object replaced by its `acct`: the account view is shown whole in
/// `accounts_body` (and in `read_shapes::chat_and_message_bodies`), so the bodies that embed it
/// keep to their own keys.
fn accounts_as_acct(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "account" && inner.is_object() {
                    *inner = inner["acct"].clone();
                } else if key == "accounts" && inner.is_array() {
                    for account in inner.as_array_mut().unwrap() {
                        *account = account["acct"].clone();
                    }
                } else {
                    accounts_as_acct(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(accounts_as_acct),
        _ => {}
    }
}

/// `GET /api/v1/accounts/:id` of another user, as a signed-in follower reads it.
#[tokio::test]
async fn accounts_body() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write follow").await;
    let followed = app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", bob.id), Some(&token), None).await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.text);
    let reply = app.get(&format!("/api/v1/accounts/{}", bob.id), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    insta::assert_json_snapshot!(reply.body, {
        ".id" => "[id]", ".created_at" => "[time]", ".last_status_at" => "[time]", ".url" => "[url]",
        ".avatar" => "[url]", ".avatar_static" => "[url]", ".header" => "[url]", ".header_static" => "[url]",
        ".pleroma.ap_id" => "[url]", ".pleroma.favicon" => "[url]"
    }, @r#"
    {
      "acct": "bob",
      "avatar": "[url]",
      "avatar_static": "[url]",
      "bot": false,
      "created_at": "[time]",
      "display_name": "bob",
      "emojis": [],
      "fields": [],
      "followers_count": 1,
      "following_count": 0,
      "fqn": "bob@localhost:4000",
      "header": "[url]",
      "header_static": "[url]",
      "id": "[id]",
      "last_status_at": "[time]",
      "locked": false,
      "note": ".",
      "pleroma": {
        "accepts_chat_messages": true,
        "also_known_as": [],
        "ap_id": "[url]",
        "avatar_description": "",
        "background_image": null,
        "favicon": "[url]",
        "header_description": "",
        "hide_favorites": true,
        "hide_followers": false,
        "hide_followers_count": false,
        "hide_follows": false,
        "hide_follows_count": false,
        "is_admin": false,
        "is_confirmed": true,
        "is_moderator": false,
        "is_suggested": false,
        "privileges": [],
        "relationship": {},
        "skip_thread_containment": false,
        "tags": []
      },
      "source": {
        "fields": [],
        "note": ".",
        "pleroma": {
          "actor_type": "Person",
          "discoverable": false
        },
        "sensitive": false
      },
      "statuses_count": 0,
      "url": "[url]",
      "username": "bob"
    }
    "#);
}

/// `GET /api/v1/notifications` with one mention.
#[tokio::test]
async fn notifications_body() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let alice_token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read").await;
    post(&app, &alice_token, json!({"status": "hello @bob"})).await;
    let mut body = app.get("/api/v1/notifications", Some(&bob_token)).await.body;
    accounts_as_acct(&mut body);
    insta::assert_json_snapshot!(body, {
        "[].id" => "[id]", "[].group_key" => "[id]", "[].created_at" => "[time]",
        "[].status.id" => "[id]", "[].status.created_at" => "[time]", "[].status.uri" => "[url]",
        "[].status.url" => "[url]", "[].status.mentions[].id" => "[id]", "[].status.mentions[].url" => "[url]",
        "[].status.pleroma.context" => "[url]", "[].status.pleroma.conversation_id" => "[id]",
        "[].status.content" => "[html]"
    }, @r#"
    [
      {
        "account": "alice",
        "created_at": "[time]",
        "group_key": "[id]",
        "id": "[id]",
        "pleroma": {
          "is_muted": false,
          "is_seen": false
        },
        "status": {
          "account": "alice",
          "application": null,
          "bookmarked": false,
          "card": null,
          "content": "[html]",
          "created_at": "[time]",
          "edited_at": null,
          "emojis": [],
          "favourited": false,
          "favourites_count": 0,
          "id": "[id]",
          "in_reply_to_account_id": null,
          "in_reply_to_id": null,
          "language": null,
          "media_attachments": [],
          "mentions": [
            {
              "acct": "bob",
              "id": "[id]",
              "url": "[url]",
              "username": "bob"
            }
          ],
          "muted": false,
          "pinned": false,
          "pleroma": {
            "bookmark_folder": null,
            "content": {
              "text/plain": "hello @bob"
            },
            "context": "[url]",
            "conversation_id": "[id]",
            "direct_conversation_id": null,
            "emoji_reactions": [],
            "expires_at": null,
            "in_reply_to_account_acct": null,
            "list_id": null,
            "local": true,
            "parent_visible": false,
            "pinned_at": null,
            "quote": null,
            "quote_id": null,
            "quote_url": null,
            "quote_visible": false,
            "quotes_count": 0,
            "spoiler_text": {
              "text/plain": ""
            },
            "thread_muted": false
          },
          "poll": null,
          "reblog": null,
          "reblogged": false,
          "reblogs_count": 0,
          "replies_count": 0,
          "sensitive": false,
          "spoiler_text": "",
          "tags": [],
          "text": null,
          "uri": "[url]",
          "url": "[url]",
          "visibility": "public"
        },
        "type": "mention"
      }
    ]
    "#);
}

/// `GET /api/v1/conversations` with one direct message.
#[tokio::test]
async fn conversations_body() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let alice_token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read").await;
    post(&app, &alice_token, json!({"status": "@bob psst", "visibility": "direct"})).await;
    let mut body = app.get("/api/v1/conversations", Some(&bob_token)).await.body;
    accounts_as_acct(&mut body);
    insta::assert_json_snapshot!(body, {
        "[].id" => "[id]", "[].last_status.id" => "[id]", "[].last_status.created_at" => "[time]",
        "[].last_status.uri" => "[url]", "[].last_status.url" => "[url]",
        "[].last_status.mentions[].id" => "[id]", "[].last_status.mentions[].url" => "[url]",
        "[].last_status.pleroma.context" => "[url]", "[].last_status.pleroma.conversation_id" => "[id]",
        "[].last_status.pleroma.direct_conversation_id" => "[id]", "[].last_status.content" => "[html]"
    }, @r#"
    [
      {
        "accounts": [
          "alice"
        ],
        "id": "[id]",
        "last_status": {
          "account": "alice",
          "application": null,
          "bookmarked": false,
          "card": null,
          "content": "[html]",
          "created_at": "[time]",
          "edited_at": null,
          "emojis": [],
          "favourited": false,
          "favourites_count": 0,
          "id": "[id]",
          "in_reply_to_account_id": null,
          "in_reply_to_id": null,
          "language": null,
          "media_attachments": [],
          "mentions": [
            {
              "acct": "bob",
              "id": "[id]",
              "url": "[url]",
              "username": "bob"
            }
          ],
          "muted": false,
          "pinned": false,
          "pleroma": {
            "bookmark_folder": null,
            "content": {
              "text/plain": "@bob psst"
            },
            "context": "[url]",
            "conversation_id": "[id]",
            "direct_conversation_id": "[id]",
            "emoji_reactions": [],
            "expires_at": null,
            "in_reply_to_account_acct": null,
            "list_id": null,
            "local": true,
            "parent_visible": false,
            "pinned_at": null,
            "quote": null,
            "quote_id": null,
            "quote_url": null,
            "quote_visible": false,
            "quotes_count": 0,
            "spoiler_text": {
              "text/plain": ""
            },
            "thread_muted": false
          },
          "poll": null,
          "reblog": null,
          "reblogged": false,
          "reblogs_count": 0,
          "replies_count": 0,
          "sensitive": false,
          "spoiler_text": "",
          "tags": [],
          "text": null,
          "uri": "[url]",
          "url": "[url]",
          "visibility": "direct"
        },
        "unread": true
      }
    ]
    "#);
}

/// `GET /bookmark_folders` on both prefixes, and `GET /api/v1/bookmarks` with a status in it.
#[tokio::test]
async fn bookmarks_bodies() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let folder = json!({"name": "Reading", "emoji": "📚"});
    let made = app.request(Method::POST, "/api/v1/pleroma/bookmark_folders", Some(&token), Some(folder)).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let mut bodies = Vec::new();
    for path in both_prefixes("/api/v1/pleroma/bookmark_folders") {
        let reply = app.get(&path, Some(&token)).await;
        bodies.push(reply.body);
    }
    // One snapshot for both prefixes: allow_duplicates! asserts each body against it.
    insta::allow_duplicates! {
        for body in bodies {
            insta::assert_json_snapshot!(body, { "[].id" => "[id]" }, @r#"
            [
              {
                "emoji": "📚",
                "emoji_url": null,
                "id": "[id]",
                "name": "Reading"
              }
            ]
            "#);
        }
    }
    let status = post(&app, &token, json!({"status": "keep"})).await;
    let id = status["id"].as_str().unwrap();
    let marked = app.request(Method::POST, &format!("/api/v1/statuses/{id}/bookmark"), Some(&token), None).await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.text);
    let mut body = app.get("/api/v1/bookmarks", Some(&token)).await.body;
    accounts_as_acct(&mut body);
    insta::assert_json_snapshot!(body, {
        "[].id" => "[id]", "[].created_at" => "[time]", "[].uri" => "[url]", "[].url" => "[url]",
        "[].pleroma.context" => "[url]", "[].pleroma.conversation_id" => "[id]"
    }, @r#"
    [
      {
        "account": "alice",
        "application": null,
        "bookmarked": true,
        "card": null,
        "content": "keep",
        "created_at": "[time]",
        "edited_at": null,
        "emojis": [],
        "favourited": false,
        "favourites_count": 0,
        "id": "[id]",
        "in_reply_to_account_id": null,
        "in_reply_to_id": null,
        "language": null,
        "media_attachments": [],
        "mentions": [],
        "muted": false,
        "pinned": false,
        "pleroma": {
          "bookmark_folder": null,
          "content": {
            "text/plain": "keep"
          },
          "context": "[url]",
          "conversation_id": "[id]",
          "direct_conversation_id": null,
          "emoji_reactions": [],
          "expires_at": null,
          "in_reply_to_account_acct": null,
          "list_id": null,
          "local": true,
          "parent_visible": false,
          "pinned_at": null,
          "quote": null,
          "quote_id": null,
          "quote_url": null,
          "quote_visible": false,
          "quotes_count": 0,
          "spoiler_text": {
            "text/plain": ""
          },
          "thread_muted": false
        },
        "poll": null,
        "reblog": null,
        "reblogged": false,
        "reblogs_count": 0,
        "replies_count": 0,
        "sensitive": false,
        "spoiler_text": "",
        "tags": [],
        "text": null,
        "uri": "[url]",
        "url": "[url]",
        "visibility": "public"
      }
    ]
    "#);
}

/// An event as `GET /api/v1/statuses/:id` shows it, and its participation requests on both
/// prefixes.
#[tokio::test]
async fn events_bodies() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    let body = json!({
        "name": "Picnic", "status": "Bring *bread*", "join_mode": "restricted",
        "start_time": "2023-01-01T01:00:00.000Z", "end_time": "2023-01-01T04:00:00.000Z"
    });
    let made = app.request(Method::POST, "/api/v1/pleroma/events", Some(&token), Some(body)).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let id = made.body["id"].as_str().unwrap().to_string();
    let join = json!({"participation_message": "May I?"});
    let joined =
        app.request(Method::POST, &format!("/api/v1/pleroma/events/{id}/join"), Some(&bob_token), Some(join)).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text);
    let mut shown = app.get(&format!("/api/v1/statuses/{id}"), Some(&token)).await.body;
    accounts_as_acct(&mut shown);
    insta::assert_json_snapshot!(shown, {
        ".id" => "[id]", ".created_at" => "[time]", ".uri" => "[url]", ".url" => "[url]",
        ".pleroma.context" => "[url]", ".pleroma.conversation_id" => "[id]"
    }, @r#"
    {
      "account": "alice",
      "application": null,
      "bookmarked": false,
      "card": null,
      "content": "Bring *bread*",
      "created_at": "[time]",
      "edited_at": null,
      "emojis": [],
      "favourited": false,
      "favourites_count": 0,
      "id": "[id]",
      "in_reply_to_account_id": null,
      "in_reply_to_id": null,
      "language": null,
      "media_attachments": [],
      "mentions": [],
      "muted": false,
      "pinned": false,
      "pleroma": {
        "bookmark_folder": null,
        "content": {
          "text/plain": "Bring *bread*"
        },
        "context": "[url]",
        "conversation_id": "[id]",
        "direct_conversation_id": null,
        "emoji_reactions": [],
        "event": {
          "end_time": "2023-01-01T04:00:00.000Z",
          "join_mode": "restricted",
          "join_state": null,
          "location": null,
          "name": "Picnic",
          "participants_count": 0,
          "participation_request_count": 1,
          "start_time": "2023-01-01T01:00:00.000Z"
        },
        "expires_at": null,
        "in_reply_to_account_acct": null,
        "list_id": null,
        "local": true,
        "parent_visible": false,
        "pinned_at": null,
        "quote": null,
        "quote_id": null,
        "quote_url": null,
        "quote_visible": false,
        "quotes_count": 0,
        "spoiler_text": {
          "text/plain": ""
        },
        "thread_muted": false
      },
      "poll": null,
      "reblog": null,
      "reblogged": false,
      "reblogs_count": 0,
      "replies_count": 0,
      "sensitive": false,
      "spoiler_text": "",
      "tags": [],
      "text": null,
      "uri": "[url]",
      "url": "[url]",
      "visibility": "public"
    }
    "#);
    let mut bodies = Vec::new();
    for path in both_prefixes(&format!("/api/v1/pleroma/events/{id}/participation_requests")) {
        let mut reply = app.get(&path, Some(&token)).await.body;
        accounts_as_acct(&mut reply);
        bodies.push(reply);
    }
    // One snapshot for both prefixes: allow_duplicates! asserts each body against it.
    insta::allow_duplicates! {
        for body in bodies {
            insta::assert_json_snapshot!(body, @r#"
            [
              {
                "account": "bob",
                "participation_message": "May I?"
              }
            ]
            "#);
        }
    }
}

/// `GET /api/v1/polls/:id` after a vote, as the voter reads it.
#[tokio::test]
async fn polls_body() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let alice_token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    let poll = json!({"options": ["Tea", "Coffee"], "expires_in": 600});
    let status = post(&app, &alice_token, json!({"status": "drink?", "poll": poll})).await;
    let id = status["id"].as_str().unwrap();
    let votes = json!({"choices": [1]});
    let voted = app.request(Method::POST, &format!("/api/v1/polls/{id}/votes"), Some(&bob_token), Some(votes)).await;
    assert_eq!(voted.status, StatusCode::OK, "{}", voted.text);
    let reply = app.get(&format!("/api/v1/polls/{id}"), Some(&bob_token)).await;
    insta::assert_json_snapshot!(reply.body, { ".id" => "[id]", ".expires_at" => "[time]" }, @r#"
    {
      "emojis": [],
      "expired": false,
      "expires_at": "[time]",
      "id": "[id]",
      "multiple": false,
      "options": [
        {
          "title": "Tea",
          "votes_count": 0
        },
        {
          "title": "Coffee",
          "votes_count": 1
        }
      ],
      "own_votes": [
        1
      ],
      "pleroma": {
        "non_anonymous": false
      },
      "voted": true,
      "voters_count": 1,
      "votes_count": 1
    }
    "#);
}

/// `GET /backups` once built, on both prefixes.
#[tokio::test]
async fn backups_body() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let requested = app.request(Method::POST, "/api/v1/pleroma/backups", Some(&token), None).await;
    assert_eq!(requested.status, StatusCode::OK, "{}", requested.text);
    assert!(app.run_jobs().await >= 1);
    let mut bodies = Vec::new();
    for path in both_prefixes("/api/v1/pleroma/backups") {
        let reply = app.get(&path, Some(&token)).await;
        bodies.push(reply.body);
    }
    // One snapshot for both prefixes: allow_duplicates! asserts each body against it.
    insta::allow_duplicates! {
        for body in bodies {
            insta::assert_json_snapshot!(body, {
                "[].id" => "[id]", "[].inserted_at" => "[time]", "[].url" => "[url]", "[].file_size" => "[size]"
            }, @r#"
            [
              {
                "content_type": "application/zip",
                "file_size": "[size]",
                "id": "[id]",
                "inserted_at": "[time]",
                "processed": true,
                "url": "[url]"
              }
            ]
            "#);
        }
    }
}

/// `GET /admin/frontends` on both prefixes, nothing installed.
#[tokio::test]
async fn frontends_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let mut bodies = Vec::new();
    for path in both_prefixes("/api/v1/pleroma/admin/frontends") {
        let reply = app.get(&path, Some(&token)).await;
        bodies.push(reply.body);
    }
    // One snapshot for both prefixes: allow_duplicates! asserts each body against it.
    insta::allow_duplicates! {
        for body in bodies {
            insta::assert_json_snapshot!(body, @r#"
            [
              {
                "build_url": "https://git.pleroma.social/pleroma/admin-fe/-/jobs/artifacts/${ref}/download?job=build",
                "git": "https://git.pleroma.social/pleroma/admin-fe",
                "installed": false,
                "installed_refs": [],
                "name": "admin-fe",
                "ref": "develop"
              },
              {
                "build_url": "https://git.pleroma.social/pleroma/fedi-fe/-/jobs/artifacts/${ref}/download?job=build_release",
                "git": "https://git.pleroma.social/pleroma/fedi-fe",
                "installed": false,
                "installed_refs": [],
                "name": "fedi-fe",
                "ref": "master"
              },
              {
                "build_url": "https://lily-is.land/infra/glitch-lily/-/jobs/artifacts/${ref}/download?job=build",
                "git": "https://lily-is.land/infra/glitch-lily",
                "installed": false,
                "installed_refs": [],
                "name": "glitch-lily",
                "ref": "servant"
              },
              {
                "build_url": "https://git.pleroma.social/lambadalambda/kenoma/-/jobs/artifacts/${ref}/download?job=build",
                "git": "https://git.pleroma.social/lambadalambda/kenoma",
                "installed": false,
                "installed_refs": [],
                "name": "kenoma",
                "ref": "master"
              },
              {
                "build_url": "https://git.pleroma.social/pleroma/pleroma-fe/-/jobs/artifacts/${ref}/download?job=build",
                "git": "https://git.pleroma.social/pleroma/pleroma-fe",
                "installed": false,
                "installed_refs": [],
                "name": "pleroma-fe",
                "ref": "develop"
              },
              {
                "build_url": "https://gitlab.com/soapbox-pub/soapbox/-/jobs/artifacts/${ref}/download?job=build-production",
                "git": "https://gitlab.com/soapbox-pub/soapbox",
                "installed": false,
                "installed_refs": [],
                "name": "soapbox",
                "ref": "v3.0.0-beta.1"
              }
            ]
            "#);
        }
    }
}

/// `GET /admin/rules` on both prefixes and `GET /api/v1/instance/rules`, with one rule.
#[tokio::test]
async fn rules_bodies() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let rule = json!({"text": "Be kind", "hint": "No insults", "priority": 1});
    let made = app.request(Method::POST, "/api/v1/pleroma/admin/rules", Some(&token), Some(rule)).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let mut bodies = Vec::new();
    for path in both_prefixes("/api/v1/pleroma/admin/rules") {
        let reply = app.get(&path, Some(&token)).await;
        bodies.push(reply.body);
    }
    // One snapshot for both prefixes: allow_duplicates! asserts each body against it.
    insta::allow_duplicates! {
        for body in bodies {
            insta::assert_json_snapshot!(body, { "[].id" => "[id]" }, @r#"
            [
              {
                "hint": "No insults",
                "id": "[id]",
                "priority": 1,
                "text": "Be kind"
              }
            ]
            "#);
        }
    }
    let public = app.get("/api/v1/instance/rules", None).await;
    insta::assert_json_snapshot!(public.body, { "[].id" => "[id]" }, @r#"
    [
      {
        "hint": "No insults",
        "id": "[id]",
        "text": "Be kind"
      }
    ]
    "#);
}

/// `GET /accounts/:id/scrobbles` on both prefixes, with one scrobble.
#[tokio::test]
async fn scrobbles_body() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let listen = json!({
        "title": "Duvet", "artist": "bôa", "album": "Twilight", "length": 200000,
        "externalLink": "https://music.example/duvet"
    });
    let made = app.request(Method::POST, "/api/v1/pleroma/scrobble", Some(&token), Some(listen)).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let mut bodies = Vec::new();
    for path in both_prefixes(&format!("/api/v1/pleroma/accounts/{}/scrobbles", alice.id)) {
        let mut body = app.get(&path, Some(&token)).await.body;
        accounts_as_acct(&mut body);
        bodies.push(body);
    }
    // One snapshot for both prefixes: allow_duplicates! asserts each body against it.
    insta::allow_duplicates! {
        for body in bodies {
            insta::assert_json_snapshot!(body, { "[].id" => "[id]", "[].created_at" => "[time]" }, @r#"
            [
              {
                "account": "alice",
                "album": "Twilight",
                "artist": "bôa",
                "created_at": "[time]",
                "externalLink": "https://music.example/duvet",
                "id": "[id]",
                "length": 200000,
                "title": "Duvet"
              }
            ]
            "#);
        }
    }
}

/// `GET /api/oauth_tokens`: the caller's sessions.
#[tokio::test]
async fn oauth_tokens_body() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    let reply = app.get("/api/oauth_tokens", Some(&token)).await;
    insta::assert_json_snapshot!(reply.body, { "[].id" => "[id]", "[].valid_until" => "[time]" }, @r#"
    [
      {
        "app_name": "test",
        "id": "[id]",
        "valid_until": "[time]"
      }
    ]
    "#);
}

/// `GET /api/pleroma/accounts/mfa`, its backup codes and the TOTP setup.
#[tokio::test]
async fn mfa_bodies() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let settings = app.get("/api/pleroma/accounts/mfa", Some(&token)).await;
    insta::assert_json_snapshot!(settings.body, @r#"
    {
      "settings": {
        "enabled": false,
        "totp": false
      }
    }
    "#);
    let codes = app.get("/api/pleroma/accounts/mfa/backup_codes", Some(&token)).await;
    insta::assert_json_snapshot!(codes.body, { ".codes[]" => "[code]" }, @r#"
    {
      "codes": [
        "[code]",
        "[code]",
        "[code]",
        "[code]",
        "[code]"
      ]
    }
    "#);
    let setup = app.get("/api/pleroma/accounts/mfa/setup/totp", Some(&token)).await;
    insta::assert_json_snapshot!(setup.body, { ".key" => "[secret]", ".provisioning_uri" => "[secret]" }, @r#"
    {
      "key": "[secret]",
      "provisioning_uri": "[secret]"
    }
    "#);
}
