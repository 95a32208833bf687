//! Each area's main read shape as a whole-body inline snapshot (issue 29): what a client of the
//! Pleroma API receives, ids, times and URLs redacted.
use reqwest::Method;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use crate::common::TestApp;

/// A chat and a message in it, as `POST /chats/by-account-id/:id` and `POST /chats/:id/messages`
/// answer them.
#[tokio::test]
async fn chat_and_message_bodies() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let chat =
        app.request(Method::POST, &format!("/api/v1/pleroma/chats/by-account-id/{}", bob.id), Some(&token), None).await;
    let id = chat.body["id"].as_str().unwrap().to_string();
    let message = app
        .request(
            Method::POST,
            &format!("/api/v1/pleroma/chats/{id}/messages"),
            Some(&token),
            Some(json!({"content": "hi"})),
        )
        .await;
    insta::assert_json_snapshot!(message.body, {
        ".id" => "[id]", ".chat_id" => "[id]", ".account_id" => "[id]", ".created_at" => "[time]"
    }, @r#"
    {
      "account_id": "[id]",
      "attachment": null,
      "card": null,
      "chat_id": "[id]",
      "content": "hi",
      "created_at": "[time]",
      "emojis": [],
      "id": "[id]",
      "unread": false
    }
    "#);
    let chat = app.get(&format!("/api/v1/pleroma/chats/{id}"), Some(&token)).await;
    insta::assert_json_snapshot!(chat.body, {
        ".id" => "[id]", ".updated_at" => "[time]",
        ".account.id" => "[id]", ".account.created_at" => "[time]", ".account.avatar" => "[url]",
        ".account.avatar_static" => "[url]", ".account.header" => "[url]", ".account.header_static" => "[url]",
        ".account.url" => "[url]", ".account.pleroma.ap_id" => "[url]", ".account.last_status_at" => "[time]",
        ".account.pleroma.favicon" => "[url]",
        ".last_message.id" => "[id]", ".last_message.chat_id" => "[id]", ".last_message.account_id" => "[id]",
        ".last_message.created_at" => "[time]"
    }, @r#"
    {
      "account": {
        "acct": "bob",
        "avatar": "[url]",
        "avatar_static": "[url]",
        "bot": false,
        "created_at": "[time]",
        "display_name": "bob",
        "emojis": [],
        "fields": [],
        "followers_count": 0,
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
      },
      "id": "[id]",
      "last_message": {
        "account_id": "[id]",
        "attachment": null,
        "card": null,
        "chat_id": "[id]",
        "content": "hi",
        "created_at": "[time]",
        "emojis": [],
        "id": "[id]",
        "unread": false
      },
      "unread": 0,
      "updated_at": "[time]"
    }
    "#);
}

/// An entry of `GET /admin/config` once saved.
#[tokio::test]
async fn config_entry_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let change =
        json!({"configs": [{"group": ":pleroma", "key": ":instance", "value": [{"tuple": [":name", "Snap"]}]}]});
    let saved = app.request(Method::POST, "/api/v1/pleroma/admin/config", Some(&token), Some(change)).await;
    assert_eq!(saved.status, reqwest::StatusCode::OK, "{}", saved.text);
    let reply = app.get("/api/v1/pleroma/admin/config?only_db=true", Some(&token)).await;
    insta::assert_json_snapshot!(reply.body, @r#"
    {
      "configs": [
        {
          "db": [
            ":name"
          ],
          "group": ":pleroma",
          "key": ":instance",
          "value": [
            {
              "tuple": [
                ":name",
                "Snap"
              ]
            }
          ]
        }
      ],
      "need_reboot": false
    }
    "#);
}

/// `GET /admin/relay` with one relay followed.
#[tokio::test]
async fn relays_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let now = chrono::Utc::now();
    entity::relay_follow::ActiveModel {
        actor: Set("https://relay.example/actor".into()),
        state: Set("accepted".into()),
        last_error: Set(None),
        follow_id: Set("https://example.com/activities/1".into()),
        inserted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
    let reply = app.get("/api/v1/pleroma/admin/relay", Some(&token)).await;
    insta::assert_json_snapshot!(reply.body, @r#"
    {
      "relays": [
        {
          "actor": "https://relay.example/actor",
          "followed_back": true
        }
      ]
    }
    "#);
}

/// `GET /api/v1/instance`, whole.
#[tokio::test]
async fn instance_body() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v1/instance", None).await;
    insta::assert_json_snapshot!(reply.body, { ".uri" => "[url]", ".urls.streaming_api" => "[url]", ".version" => "[version]" }, @r#"
    {
      "approval_required": false,
      "avatar_upload_limit": 2000000,
      "background_image": "http://localhost:4000/images/city.jpg",
      "background_upload_limit": 4000000,
      "banner_upload_limit": 4000000,
      "chat_limit": 5000,
      "configuration": {
        "accounts": {
          "max_featured_tags": 0
        },
        "media_attachments": {
          "image_size_limit": 16000000,
          "supported_mime_types": [
            "application/octet-stream"
          ],
          "video_size_limit": 16000000
        },
        "polls": {
          "max_characters_per_option": 200,
          "max_expiration": 31536000,
          "max_options": 20,
          "min_expiration": 0
        },
        "statuses": {
          "max_characters": 5000,
          "max_media_attachments": 1000
        }
      },
      "contact_account": null,
      "description": "A Pleroma admin gateway",
      "description_limit": 5000,
      "email": "admin@localhost",
      "languages": [
        "en"
      ],
      "max_media_attachments": 1000,
      "max_toot_chars": 5000,
      "pleroma": {
        "metadata": {
          "account_activation_required": false,
          "birthday_min_age": 0,
          "birthday_required": false,
          "features": [
            "pleroma_api",
            "mastodon_api",
            "shareable_emoji_packs"
          ],
          "federation": {
            "enabled": true,
            "exclusions": false,
            "mrf_hashtag": {
              "federated_timeline_removal": [],
              "reject": [],
              "sensitive": [
                "nsfw"
              ]
            },
            "mrf_object_age": {
              "actions": [
                "delist",
                "strip_followers"
              ],
              "threshold": 604800
            },
            "mrf_policies": [
              "ObjectAgePolicy",
              "TagPolicy",
              "InlineQuotePolicy",
              "HashtagPolicy"
            ],
            "quarantined_instances": [],
            "quarantined_instances_info": {
              "quarantined_instances": {}
            },
            "rejected_instances": {}
          },
          "fields_limits": {
            "max_fields": 10,
            "max_remote_fields": 20,
            "name_length": 512,
            "value_length": 2048
          },
          "post_formats": [
            "text/plain",
            "text/html",
            "text/markdown",
            "text/bbcode",
            "text/x.misskeymarkdown"
          ]
        },
        "stats": {
          "mau": 0
        },
        "vapid_public_key": null
      },
      "poll_limits": {
        "max_expiration": 31536000,
        "max_option_chars": 200,
        "max_options": 20,
        "min_expiration": 0
      },
      "registrations": true,
      "rules": [],
      "short_description": "",
      "shout_limit": 5000,
      "stats": {
        "domain_count": 0,
        "status_count": 0,
        "user_count": 0
      },
      "thumbnail": "http://localhost:4000/instance/thumbnail.jpeg",
      "title": "Pleroma Gateway",
      "upload_limit": 16000000,
      "uri": "[url]",
      "urls": {
        "streaming_api": "[url]"
      },
      "version": "[version]"
    }
    "#);
}

/// `GET /nodeinfo/2.1`, whole.
#[tokio::test]
async fn nodeinfo_body() {
    let app = TestApp::new().await;
    let reply = app.get("/nodeinfo/2.1", None).await;
    insta::assert_json_snapshot!(reply.body, { ".software.version" => "[version]" }, @r#"
    {
      "metadata": {
        "accountActivationRequired": false,
        "features": [
          "pleroma_api",
          "mastodon_api",
          "shareable_emoji_packs"
        ],
        "federation": {
          "enabled": true,
          "exclusions": false,
          "mrf_hashtag": {
            "federated_timeline_removal": [],
            "reject": [],
            "sensitive": [
              "nsfw"
            ]
          },
          "mrf_object_age": {
            "actions": [
              "delist",
              "strip_followers"
            ],
            "threshold": 604800
          },
          "mrf_policies": [
            "ObjectAgePolicy",
            "TagPolicy",
            "InlineQuotePolicy",
            "HashtagPolicy"
          ],
          "quarantined_instances": [],
          "quarantined_instances_info": {
            "quarantined_instances": {}
          },
          "rejected_instances": {}
        },
        "fieldsLimits": {
          "maxFields": 10,
          "maxRemoteFields": 20,
          "nameLength": 512,
          "valueLength": 2048
        },
        "invitesEnabled": false,
        "mailerEnabled": true,
        "nodeDescription": "A Pleroma admin gateway",
        "nodeName": "Pleroma Gateway",
        "pollLimits": {
          "max_expiration": 31536000,
          "max_option_chars": 200,
          "max_options": 20,
          "min_expiration": 0
        },
        "postFormats": [
          "text/plain",
          "text/html",
          "text/markdown",
          "text/bbcode",
          "text/x.misskeymarkdown"
        ],
        "private": false,
        "restrictedNicknames": [
          ".well-known",
          "~",
          "about",
          "activities",
          "api",
          "auth",
          "check_password",
          "dev",
          "friend-requests",
          "inbox",
          "internal",
          "main",
          "media",
          "nodeinfo",
          "notice",
          "oauth",
          "objects",
          "ostatus_subscribe",
          "pleroma",
          "proxy",
          "push",
          "registration",
          "relay",
          "settings",
          "status",
          "tag",
          "user-search",
          "user_exists",
          "users",
          "web",
          "verify_credentials",
          "update_credentials",
          "relationships",
          "search",
          "confirmation_resend",
          "mfa"
        ],
        "roles": {
          "admin": [
            "users_read",
            "users_manage_invites",
            "users_manage_activation_state",
            "users_manage_tags",
            "users_manage_credentials",
            "users_delete",
            "messages_read",
            "messages_delete",
            "instances_delete",
            "reports_manage_reports",
            "moderation_log_read",
            "announcements_manage_announcements",
            "emoji_manage_emoji",
            "statistics_read"
          ],
          "moderator": [
            "messages_delete",
            "reports_manage_reports"
          ]
        },
        "skipThreadContainment": true,
        "staffAccounts": [],
        "suggestions": {
          "enabled": false
        },
        "uploadLimits": {
          "avatar": 2000000,
          "background": 4000000,
          "banner": 4000000,
          "general": 16000000
        }
      },
      "openRegistrations": true,
      "protocols": [
        "activitypub"
      ],
      "services": {
        "inbound": [],
        "outbound": []
      },
      "software": {
        "name": "pleroma",
        "version": "[version]"
      },
      "usage": {
        "localPosts": 0,
        "users": {
          "activeHalfyear": 0,
          "activeMonth": 0,
          "total": 0
        }
      },
      "version": "2.1"
    }
    "#);
}

/// `GET /emoji/packs` with one empty pack.
#[tokio::test]
async fn emoji_packs_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let made = app.request(Method::POST, "/api/v1/pleroma/emoji/pack?name=snap", Some(&token), None).await;
    assert_eq!(made.status, reqwest::StatusCode::OK, "{}", made.text);
    let reply = app.get("/api/v1/pleroma/emoji/packs", Some(&token)).await;
    insta::assert_json_snapshot!(reply.body, @r#"
    {
      "count": 1,
      "packs": {
        "snap": {
          "files": {},
          "files_count": 0,
          "pack": {
            "can-download": false
          }
        }
      }
    }
    "#);
}

/// An announcement as the Admin API and as a user read it.
#[tokio::test]
async fn announcement_bodies() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let made = app
        .request(Method::POST, "/api/v1/pleroma/admin/announcements", Some(&token), Some(json!({"content": "Hello"})))
        .await;
    assert_eq!(made.status, reqwest::StatusCode::OK, "{}", made.text);
    let admin = app.get("/api/v1/pleroma/admin/announcements", Some(&token)).await;
    insta::assert_json_snapshot!(admin.body, {
        "[].id" => "[id]", "[].published_at" => "[time]", "[].updated_at" => "[time]"
    }, @r#"
    [
      {
        "all_day": false,
        "content": "Hello",
        "emojis": [],
        "ends_at": null,
        "id": "[id]",
        "mentions": [],
        "pleroma": {
          "raw_content": "Hello"
        },
        "published_at": "[time]",
        "reactions": [],
        "starts_at": null,
        "statuses": [],
        "tags": [],
        "updated_at": "[time]"
      }
    ]
    "#);
    let user = app.get("/api/v1/announcements", Some(&token)).await;
    insta::assert_json_snapshot!(user.body, {
        "[].id" => "[id]", "[].published_at" => "[time]", "[].updated_at" => "[time]"
    }, @r#"
    [
      {
        "all_day": false,
        "content": "Hello",
        "emojis": [],
        "ends_at": null,
        "id": "[id]",
        "mentions": [],
        "published_at": "[time]",
        "reactions": [],
        "read": false,
        "starts_at": null,
        "statuses": [],
        "tags": [],
        "updated_at": "[time]"
      }
    ]
    "#);
}

/// `GET /admin/users/invites` with one invite.
#[tokio::test]
async fn invites_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let made = app
        .request(Method::POST, "/api/v1/pleroma/admin/users/invite_token", Some(&token), Some(json!({"max_use": 3})))
        .await;
    assert_eq!(made.status, reqwest::StatusCode::OK, "{}", made.text);
    let reply = app.get("/api/v1/pleroma/admin/users/invites", Some(&token)).await;
    insta::assert_json_snapshot!(reply.body, { ".invites[].id" => "[id]", ".invites[].token" => "[token]" }, @r#"
    {
      "invites": [
        {
          "expires_at": null,
          "id": "[id]",
          "invite_type": "reusable",
          "max_use": 3,
          "token": "[token]",
          "used": false,
          "uses": 0
        }
      ]
    }
    "#);
}

/// `GET /admin/media_proxy_caches` with one banned URL.
#[tokio::test]
async fn media_proxy_cache_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let urls = json!({"urls": ["https://a.example/1.png"]});
    let purged =
        app.request(Method::POST, "/api/v1/pleroma/admin/media_proxy_caches/purge", Some(&token), Some(urls)).await;
    assert_eq!(purged.status, reqwest::StatusCode::OK, "{}", purged.text);
    let reply = app.get("/api/v1/pleroma/admin/media_proxy_caches", Some(&token)).await;
    insta::assert_json_snapshot!(reply.body, @r#"
    {
      "count": 1,
      "page_size": 50,
      "urls": [
        "https://a.example/1.png"
      ]
    }
    "#);
}

/// An OAuth app as the Admin API lists it.
#[tokio::test]
async fn oauth_app_body() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let made = json!({"name": "Snap", "redirect_uris": "https://snap.example/cb", "scopes": ["read"]});
    let made = app.request(Method::POST, "/api/v1/pleroma/admin/oauth_app", Some(&token), Some(made)).await;
    assert_eq!(made.status, reqwest::StatusCode::OK, "{}", made.text);
    let reply = app.get("/api/v1/pleroma/admin/oauth_app", Some(&token)).await;
    insta::assert_json_snapshot!(reply.body, {
        ".apps[].id" => "[id]", ".apps[].client_id" => "[secret]", ".apps[].client_secret" => "[secret]"
    }, @r#"
    {
      "apps": [
        {
          "client_id": "[secret]",
          "client_secret": "[secret]",
          "id": "[id]",
          "name": "test",
          "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
          "trusted": false,
          "website": null
        },
        {
          "client_id": "[secret]",
          "client_secret": "[secret]",
          "id": "[id]",
          "name": "Snap",
          "redirect_uri": "https://snap.example/cb",
          "trusted": false,
          "website": null
        }
      ],
      "count": 2,
      "page_size": 50
    }
    "#);
}
