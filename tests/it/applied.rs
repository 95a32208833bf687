//! Applied settings (issue 31 §2): each changed through `POST /admin/config` and in force on the
//! next request — `:instance` limits (status length, bio, name, profile fields, uploads,
//! descriptions, poll limits shown), `Pleroma.Upload` filters (EXIF stripped, anonymized and
//! deduplicated names, the uploads directory), `:welcome` messages, and the media proxy's
//! `:invalidation` (an HTTP purge received by a loopback server).
use std::sync::{Arc, Mutex};

use axum::{extract::Request, routing::any, Router};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::common::{both_prefixes, Reply, TestApp};

const CONFIG: &str = "/api/v1/pleroma/admin/config";

fn tuple(key: &str, value: Value) -> Value {
    json!({ "tuple": [key, value] })
}

/// Save `(sub-key, value)` pairs under `group`, `key`; the save must succeed.
async fn set(app: &TestApp, token: &str, key: &str, pairs: &[(&str, Value)]) {
    let value: Vec<Value> = pairs.iter().map(|(k, v)| tuple(k, v.clone())).collect();
    let configs = json!([{"group": ":pleroma", "key": key, "value": value}]);
    let reply = app.request(Method::POST, CONFIG, Some(token), Some(json!({ "configs": configs }))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// One multipart upload to `/api/v1/media`.
async fn upload(
    app: &TestApp,
    token: &str,
    bytes: Vec<u8>,
    name: &str,
    mime: &str,
    description: Option<&str>,
) -> Reply {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).unwrap();
    let mut form = reqwest::multipart::Form::new().part("file", part);
    if let Some(d) = description {
        form = form.text("description", d.to_string());
    }
    let sent = app.client.post(format!("{}/api/v1/media", app.base)).bearer_auth(token).multipart(form).send();
    Reply::from(sent.await.unwrap()).await
}

/// The stored file behind an upload reply.
fn stored(app: &TestApp, dir: &str, reply: &Reply) -> Vec<u8> {
    let url = reply.body["url"].as_str().unwrap();
    let name = url.rsplit('/').next().unwrap();
    std::fs::read(app.data_dir.join(dir).join(name)).unwrap()
}

/// A small JPEG with an EXIF block holding a GPS latitude (bytes 0x55) and a comment.
fn jpeg_with_gps() -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(0x8825u16.to_le_bytes());
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(5u16.to_le_bytes());
    tiff.extend(3u32.to_le_bytes());
    tiff.extend(44u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend([0x55u8; 24]);
    let segment = |marker: u8, body: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend(u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        s.extend(body);
        s
    };
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend(segment(0xE1, &[&b"Exif\0\0"[..], &tiff].concat()));
    jpeg.extend(segment(0xFE, b"secret comment"));
    jpeg.extend(segment(0xDB, &[&[0u8][..], &[1u8; 64]].concat()));
    jpeg.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    jpeg.extend([0x12, 0x34, 0x56]);
    jpeg.extend([0xFF, 0xD9]);
    jpeg
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn instance_limits_apply_on_the_next_request() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    set(
        &app,
        &admin_token,
        ":instance",
        &[
            (":limit", json!(10)),
            (":user_bio_length", json!(5)),
            (":user_name_length", json!(4)),
            (":max_account_fields", json!(1)),
            (":account_field_value_length", json!(3)),
            (":upload_limit", json!(50)),
            (":description_limit", json!(3)),
            (
                ":poll_limits",
                json!({"max_options": 3, "max_option_chars": 10, "min_expiration": 60, "max_expiration": 600}),
            ),
        ],
    )
    .await;

    // Status length: Pleroma's error text.
    let reply =
        app.request(Method::POST, "/api/v1/statuses", Some(&token), Some(json!({"status": "x".repeat(11)}))).await;
    assert_eq!(
        (reply.status, &reply.body),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!({"error": "The status is over the character limit"}))
    );
    let reply =
        app.request(Method::POST, "/api/v1/statuses", Some(&token), Some(json!({"status": "x".repeat(10)}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // Bio, name and fields through the admin's credentials edit (both prefixes).
    let too_long = "should be at most %{count} character(s)";
    for path in both_prefixes("/api/v1/pleroma/admin/users/alice/credentials") {
        let cases = [
            (json!({"bio": "x".repeat(6)}), json!({"bio": too_long})),
            (json!({"name": "x".repeat(5)}), json!({"name": too_long})),
            (
                json!({"fields": [{"name": "a", "value": "b"}, {"name": "c", "value": "d"}]}),
                json!({"fields": "should have at most %{count} item(s)"}),
            ),
            (json!({"fields": [{"name": "a", "value": "long"}]}), json!({"fields": "invalid"})),
        ];
        for (body, errors) in cases {
            let reply = app.request(Method::PATCH, &path, Some(&admin_token), Some(body.clone())).await;
            assert_eq!((reply.status, &reply.body), (StatusCode::BAD_REQUEST, &json!({"errors": errors})), "{body}");
        }
    }
    let ok = json!({"bio": "x".repeat(5), "name": "abcd", "fields": [{"name": "a", "value": "bcd"}]});
    let reply = app.patch("/api/v1/pleroma/admin/users/alice/credentials", &admin_token, ok).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // Uploads and their descriptions.
    let png = |n: usize| [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &vec![7u8; n][..]].concat();
    let reply = upload(&app, &token, png(43), "a.png", "image/png", None).await;
    assert_eq!((reply.status, &reply.body["error"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("File is too large")));
    let reply = upload(&app, &token, png(42), "a.png", "image/png", Some("long")).await;
    assert_eq!(
        (reply.status, &reply.body["error"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("Description is too long")),
        "{}",
        reply.text
    );
    let reply = upload(&app, &token, png(42), "a.png", "image/png", Some("ok")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // What clients are told.
    let instance = app.get("/api/v1/instance", None).await;
    assert_eq!(instance.body["max_toot_chars"], json!(10));
    assert_eq!(instance.body["upload_limit"], json!(50));
    assert_eq!(instance.body["description_limit"], json!(3));
    assert_eq!(
        instance.body["poll_limits"],
        json!({"max_options": 3, "max_option_chars": 10, "min_expiration": 60, "max_expiration": 600})
    );
    let v2 = app.get("/api/v2/instance", None).await;
    if v2.status == StatusCode::OK {
        assert_eq!(v2.body["configuration"]["polls"]["max_options"], json!(3));
    }
}

#[tokio::test]
async fn registration_checks_bio_and_name_lengths_and_sends_welcome_messages() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    set(&app, &admin_token, ":instance", &[(":user_bio_length", json!(3))]).await;
    set(
        &app,
        &admin_token,
        ":welcome",
        &[
            (
                ":direct_message",
                json!([
                    tuple(":enabled", json!(true)),
                    tuple(":sender_nickname", json!("admin")),
                    tuple(":message", json!("Welcome aboard!"))
                ]),
            ),
            (
                ":chat_message",
                json!([
                    tuple(":enabled", json!(true)),
                    tuple(":sender_nickname", json!("admin")),
                    tuple(":message", json!("Hello!"))
                ]),
            ),
            (
                ":email",
                json!([
                    tuple(":enabled", json!(true)),
                    tuple(":sender", json!({"tuple": ["Welcome Team", "welcome@example.org"]})),
                    tuple(":subject", json!("Hello from <%= instance_name %>")),
                    tuple(":html", json!("<p>Hi <%= user.nickname %></p>"))
                ]),
            ),
        ],
    )
    .await;
    let (_, _, app_token) = crate::registration::app_token(&app).await;
    let mut body = crate::registration::body("newbie");
    body["bio"] = json!("four");
    let reply = app.request(Method::POST, "/api/v1/accounts", Some(&app_token), Some(body.clone())).await;
    assert_eq!(
        (reply.status, &reply.body),
        (StatusCode::BAD_REQUEST, &json!({"error": "{\"bio\":[\"should be at most %{count} character(s)\"]}"}))
    );
    body["bio"] = json!("hey");
    let reply = app.request(Method::POST, "/api/v1/accounts", Some(&app_token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // The welcome DM: a direct status of the sender mentioning the new account.
    let newbie = pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, "newbie").await.unwrap().unwrap();
    let admin = pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, "admin").await.unwrap().unwrap();
    let dms = entity::status::Entity::find()
        .filter(entity::status::Column::UserId.eq(admin.id.as_str()))
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(dms.len(), 1);
    assert_eq!((dms[0].visibility.as_str(), dms[0].source.as_deref()), ("direct", Some("@newbie\nWelcome aboard!")));
    let mentioned = entity::mention::Entity::find()
        .filter(entity::mention::Column::StatusId.eq(dms[0].id.as_str()))
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(mentioned.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(), [newbie.id.as_str()]);
    // The welcome chat message, from the admin to the new account.
    let chat = entity::chat::Entity::find()
        .filter(entity::chat::Column::UserId.eq(admin.id.as_str()))
        .filter(entity::chat::Column::RecipientId.eq(newbie.id.as_str()))
        .one(&app.state.db.read)
        .await
        .unwrap();
    assert!(chat.is_some(), "no welcome chat");
    // The welcome email, its template filled.
    let mails = crate::credentials::outbox(&app);
    let welcome: Vec<_> = mails.iter().filter(|m| m.subject.starts_with("Hello from")).collect();
    assert_eq!(welcome.len(), 1, "{mails:?}");
    assert_eq!(welcome[0].subject, format!("Hello from {}", app.state.settings().instance.name));
    assert!(welcome[0].to.contains("newbie@example.org"));
    // From the configured sender, with the HTML part beside the text (Pleroma's html_body).
    let raw: Vec<String> = std::fs::read_dir(app.data_dir.join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .filter(|m| m.contains("Subject: Hello from"))
        .collect();
    assert!(
        raw[0].contains("From: \"Welcome Team\" <welcome@example.org>")
            || raw[0].contains("From: Welcome Team <welcome@example.org>"),
        "{}",
        raw[0]
    );
    assert!(raw[0].contains("Content-Type: text/html") && raw[0].contains("<p>Hi newbie</p>"), "{}", raw[0]);
}

#[tokio::test]
async fn an_account_waiting_for_approval_is_welcomed_once_approved() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    set(&app, &admin_token, ":instance", &[(":account_approval_required", json!(true))]).await;
    let message = json!([
        tuple(":enabled", json!(true)),
        tuple(":sender_nickname", json!("admin")),
        tuple(":message", json!("Hi"))
    ]);
    set(&app, &admin_token, ":welcome", &[(":direct_message", message)]).await;
    let (_, _, app_token) = crate::registration::app_token(&app).await;
    let mut body = crate::registration::body("waiting");
    body["reason"] = json!("let me in");
    let reply = app.request(Method::POST, "/api/v1/accounts", Some(&app_token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let posted = || async { entity::status::Entity::find().all(&app.state.db.read).await.unwrap() };
    assert!(posted().await.is_empty(), "not approved yet: no welcome");
    let reply = app
        .request(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/approve",
            Some(&admin_token),
            Some(json!({"nicknames": ["waiting"]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let statuses = posted().await;
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].source.as_deref(), Some("@waiting\nHi"));
    // Approving again welcomes no one twice.
    let reply = app
        .request(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/approve",
            Some(&admin_token),
            Some(json!({"nicknames": ["waiting"]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(posted().await.len(), 1);
}

#[tokio::test]
async fn upload_filters_strip_exif_and_name_files() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let jpeg = jpeg_with_gps();
    assert!(contains(&jpeg, b"Exif") && contains(&jpeg, &[0x55; 24]));

    // Dedupe: the content's hash names the file; the file name is shown.
    set(&app, &admin_token, "Pleroma.Upload", &[(":filters", json!(["Pleroma.Upload.Filter.Dedupe"]))]).await;
    let first = upload(&app, &token, jpeg.clone(), "holiday.jpg", "image/jpeg", None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let again = upload(&app, &token, jpeg.clone(), "other.jpg", "image/jpeg", None).await;
    assert_eq!(first.body["url"], again.body["url"]);
    assert!(first.body["url"].as_str().unwrap().ends_with(&format!("{}.jpg", sha256_hex(&jpeg))));
    assert_eq!(first.body["description"], "holiday.jpg");
    assert_eq!(stored(&app, "uploads", &first), jpeg, "no metadata filter: kept as sent");

    // StripLocation: the GPS data is gone, the rest of EXIF kept.
    set(&app, &admin_token, "Pleroma.Upload", &[(":filters", json!(["Pleroma.Upload.Filter.Exiftool.StripLocation"]))])
        .await;
    let reply = upload(&app, &token, jpeg.clone(), "holiday.jpg", "image/jpeg", Some("beach")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let file = stored(&app, "uploads", &reply);
    assert!(contains(&file, b"Exif") && !contains(&file, &[0x55; 24]), "GPS stripped, EXIF kept");
    assert!(!reply.body["url"].as_str().unwrap().contains(&sha256_hex(&jpeg)), "no Dedupe: a random name");

    // StripMetadata (short name, as admin-fe shows it) and AnonymizeFilename with a text, into
    // another uploads directory.
    set(
        &app,
        &admin_token,
        "Pleroma.Upload",
        &[(":filters", json!(["Exiftool.StripMetadata", "Pleroma.Upload.Filter.AnonymizeFilename"]))],
    )
    .await;
    set(&app, &admin_token, "Pleroma.Upload.Filter.AnonymizeFilename", &[(":text", json!("file.{extension}"))]).await;
    set(&app, &admin_token, "Pleroma.Uploaders.Local", &[(":uploads", json!("other_uploads"))]).await;
    let reply = upload(&app, &token, jpeg.clone(), "holiday.jpg", "image/jpeg", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["description"], "file.jpg");
    let file = stored(&app, "other_uploads", &reply);
    assert!(!contains(&file, b"Exif") && !contains(&file, b"secret comment") && !contains(&file, &[0x55; 24]));
    assert!(file.starts_with(&[0xFF, 0xD8]) && file.ends_with(&[0xFF, 0xD9]));
    let url = reply.body["url"].as_str().unwrap().replace("http://localhost:4000", &app.base);
    let served = app.client.get(&url).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().to_vec(), file);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `(method, path, x-refresh header)` of each request a loopback server received.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A loopback server recording every request.
async fn purge_server() -> (String, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = Router::new().fallback(any(move |req: Request| {
        let log = log.clone();
        async move {
            let header = req.headers().get("x-refresh").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            log.lock().unwrap().push((req.method().to_string(), req.uri().path().to_string(), header));
            "ok"
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), seen)
}

async fn wait_for(seen: &Seen, n: usize) -> Vec<(String, String, String)> {
    for _ in 0..100 {
        if seen.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    seen.lock().unwrap().clone()
}

#[tokio::test]
async fn media_proxy_invalidation_purges_over_http_when_an_admin_deletes_or_purges() {
    let app = TestApp::with_settings(|s| s.http.allow_private_addresses = true).await;
    let admin_token = app.admin_token().await;
    let (base, seen) = purge_server().await;
    set(
        &app,
        &admin_token,
        ":media_proxy",
        &[(
            ":invalidation",
            json!([
                tuple(":enabled", json!(true)),
                tuple(":provider", json!("Pleroma.Web.MediaProxy.Invalidation.Http"))
            ]),
        )],
    )
    .await;
    set(
        &app,
        &admin_token,
        "Pleroma.Web.MediaProxy.Invalidation.Http",
        &[(":method", json!(":purge")), (":headers", json!([tuple("x-refresh", json!(1))]))],
    )
    .await;

    // A remote status with remote media, deleted by an admin.
    let remote = app.remote_user("bob", "remote.example").await;
    let status = crate::statuses::remote_status(&app, &remote, "public").await;
    let media = entity::media_attachment::ActiveModel {
        id: Set(pleroma_gateway::ids::flake_id()),
        user_id: Set(remote.id.clone()),
        status_id: Set(Some(status.id.clone())),
        file_name: Set(String::new()),
        content_type: Set("image/png".into()),
        size: Set(0),
        description: Set(None),
        remote_url: Set(Some(format!("{base}/media/cat.png"))),
        inserted_at: Set(chrono::Utc::now()),
    };
    sea_orm::ActiveModelTrait::insert(media, &app.state.db.write).await.unwrap();
    let path = format!("/api/v1/pleroma/admin/statuses/{}", status.id);
    let reply = app.request(Method::DELETE, &path, Some(&admin_token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let requests = wait_for(&seen, 1).await;
    assert_eq!(requests, [("PURGE".to_string(), "/media/cat.png".to_string(), "1".to_string())]);

    // The admin's purge of the cache (Pleroma's own call), on both prefixes.
    for (i, path) in both_prefixes("/api/v1/pleroma/admin/media_proxy_caches/purge").iter().enumerate() {
        let body = json!({"urls": [format!("{base}/media/dog{i}.png")], "ban": false});
        let reply = app.request(Method::POST, path, Some(&admin_token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let requests = wait_for(&seen, 2 + i).await;
        assert_eq!(requests.last().unwrap().1, format!("/media/dog{i}.png"));
    }

    // Disabled: nothing is sent.
    set(&app, &admin_token, ":media_proxy", &[(":invalidation", json!([tuple(":enabled", json!(false))]))]).await;
    let body = json!({"urls": [format!("{base}/media/none.png")], "ban": false});
    app.request(Method::POST, "/api/v1/pleroma/admin/media_proxy_caches/purge", Some(&admin_token), Some(body)).await;
    // No fixed wait: enabled again, a later purge arrives, and the disabled one is not before it.
    let invalidation =
        json!([tuple(":enabled", json!(true)), tuple(":provider", json!("Pleroma.Web.MediaProxy.Invalidation.Http"))]);
    set(&app, &admin_token, ":media_proxy", &[(":invalidation", invalidation)]).await;
    let body = json!({"urls": [format!("{base}/media/marker.png")], "ban": false});
    app.request(Method::POST, "/api/v1/pleroma/admin/media_proxy_caches/purge", Some(&admin_token), Some(body)).await;
    let requests = wait_for(&seen, 4).await;
    let paths: Vec<&str> = requests.iter().map(|(_, path, _)| path.as_str()).collect();
    assert_eq!(paths[3..], ["/media/marker.png"], "{paths:?}");
    // A bad provider is refused, naming the setting.
    let configs = json!([{"group": ":pleroma", "key": ":media_proxy", "value": [tuple(":invalidation", json!([tuple(":provider", json!("Pleroma.Nope"))]))]}]);
    let reply = app.request(Method::POST, CONFIG, Some(&admin_token), Some(json!({ "configs": configs }))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.text.contains(":invalidation"), "{}", reply.text);
}

/// The HTTP provider goes through the outbound client: a loopback cache is refused unless the
/// settings allow private addresses.
#[tokio::test]
async fn media_proxy_invalidation_keeps_private_addresses_refused() {
    let app = TestApp::new().await;
    assert!(!app.state.settings().http.allow_private_addresses);
    let admin_token = app.admin_token().await;
    let (base, seen) = purge_server().await;
    let invalidation =
        json!([tuple(":enabled", json!(true)), tuple(":provider", json!("Pleroma.Web.MediaProxy.Invalidation.Http"))]);
    set(&app, &admin_token, ":media_proxy", &[(":invalidation", invalidation)]).await;
    let body = json!({"urls": [format!("{base}/media/cat.png")], "ban": false});
    let reply = app
        .request(Method::POST, "/api/v1/pleroma/admin/media_proxy_caches/purge", Some(&admin_token), Some(body))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // The route purges in the background; no fixed wait: the same purge, awaited here, is
    // refused before any request leaves.
    let urls = [format!("{base}/media/cat.png")];
    pleroma_gateway::domain::media_proxy::invalidate(&app.state.db.read, &app.state.settings(), &urls).await.unwrap();
    assert!(seen.lock().unwrap().is_empty(), "a private address was reached");
}

/// The script provider runs the script with the URLs as one argument.
#[cfg(unix)]
#[tokio::test]
async fn media_proxy_invalidation_runs_the_script() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let script = app.data_dir.join("purge.sh");
    let out = app.data_dir.join("purged.txt");
    std::fs::write(&script, format!("#!/bin/sh\nprintf '%s|%s' \"$#\" \"$1\" > '{}'\n", out.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    set(&app, &admin_token, ":media_proxy", &[(":invalidation", json!([tuple(":enabled", json!(true))]))]).await;
    set(
        &app,
        &admin_token,
        "Pleroma.Web.MediaProxy.Invalidation.Script",
        &[(":script_path", json!(script.display().to_string()))],
    )
    .await;
    let body = json!({"urls": ["https://remote.example/a.png", "https://remote.example/b.png"], "ban": false});
    let reply = app
        .request(Method::POST, "/api/v1/pleroma/admin/media_proxy_caches/purge", Some(&admin_token), Some(body))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "1|https://remote.example/a.png https://remote.example/b.png");
}

#[tokio::test]
async fn applied_settings_are_described_and_read_back() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let descriptions = app.get(&format!("{CONFIG}/descriptions"), Some(&token)).await;
    let find = |key: &str| {
        descriptions.body.as_array().unwrap().iter().find(|d| d["key"] == key).cloned().unwrap_or(Value::Null)
    };
    for key in [
        "Pleroma.Upload",
        "Pleroma.Uploaders.Local",
        "Pleroma.Upload.Filter.AnonymizeFilename",
        ":welcome",
        "Pleroma.Web.MediaProxy.Invalidation.Http",
        "Pleroma.Web.MediaProxy.Invalidation.Script",
    ] {
        assert!(find(key)["description"].as_str().is_some_and(|d| !d.is_empty()), "{key}");
    }
    let upload = find("Pleroma.Upload");
    let filters = upload["children"].as_array().unwrap().iter().find(|c| c["key"] == ":filters").unwrap();
    assert_eq!(filters["type"], json!(["list", "module"]));
    let config = app.get(CONFIG, Some(&token)).await;
    let entry = config.body["configs"].as_array().unwrap().iter().find(|e| e["key"] == "Pleroma.Upload").unwrap();
    // No filter by default (Pleroma has Dedupe): upload URLs stay random.
    assert!(entry["value"].as_array().unwrap().contains(&tuple(":filters", json!([]))));
    // A poll limit that is not one is refused.
    let configs =
        json!([{"group": ":pleroma", "key": ":instance", "value": [tuple(":poll_limits", json!({"max_votes": 1}))]}]);
    let reply = app.request(Method::POST, CONFIG, Some(&token), Some(json!({ "configs": configs }))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
}

/// For `config`'s round trip of every setting: a different valid value for the sub-keys of
/// this file whose Pleroma types its generic helper does not cover (`None`: not one of them).
pub fn changed_value(key: &str, sub: &str) -> Option<Value> {
    let message = |enabled: bool| {
        json!([
            tuple(":enabled", json!(enabled)),
            tuple(":sender_nickname", json!("admin")),
            tuple(":message", json!("Hi"))
        ])
    };
    Some(match (key, sub) {
        (":instance", ":poll_limits") => {
            json!({":max_options": 4, ":max_option_chars": 50, ":min_expiration": 60, ":max_expiration": 3600})
        }
        ("Pleroma.Upload", ":uploader") => json!("Pleroma.Uploaders.Local"),
        ("Pleroma.Upload", ":filters") => json!(["Pleroma.Upload.Filter.AnonymizeFilename"]),
        (":welcome", ":direct_message" | ":chat_message") => message(true),
        (":welcome", ":email") => json!([
            tuple(":enabled", json!(true)),
            tuple(":sender", json!({"tuple": ["Gateway", "welcome@example.org"]})),
            tuple(":subject", json!("Hi")),
            tuple(":html", json!("<p>Hi</p>")),
            tuple(":text", json!("Hi")),
        ]),
        (":media_proxy", ":invalidation") => {
            json!([
                tuple(":enabled", json!(true)),
                tuple(":provider", json!("Pleroma.Web.MediaProxy.Invalidation.Http"))
            ])
        }
        ("Pleroma.Web.MediaProxy.Invalidation.Http", ":method") => json!(":ban"),
        ("Pleroma.Web.MediaProxy.Invalidation.Http", ":headers") => json!([tuple("x-refresh", json!("1"))]),
        _ => return None,
    })
}

/// Whether `value` has the JSON form of one of the Pleroma types this file adds.
pub fn fits(ty: &Value, value: &Value) -> bool {
    match ty.as_str() {
        Some("keyword") => value.as_array().is_some_and(|items| items.iter().all(|i| i.get("tuple").is_some())),
        Some("module") => value.as_str().is_some_and(|s| s.starts_with("Pleroma.")),
        Some("atom") => value.as_str().is_some_and(|s| s.starts_with(':')),
        _ if *ty == json!(["list", "module"]) => {
            value.as_array().is_some_and(|items| items.iter().all(|i| i.as_str().is_some_and(|s| s.contains('.'))))
        }
        _ if *ty == json!(["keyword", "string"]) => {
            value.as_array().is_some_and(|items| items.iter().all(|i| i.get("tuple").is_some()))
        }
        _ => false,
    }
}

/// admin-fe's MediaProxy page "Enable" (`EnableMediaProxy`): `:enabled` and a partial
/// `:invalidation`, saved and in force.
#[tokio::test]
async fn admin_fes_enable_media_proxy_payload_is_saved() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let configs = json!([{
        "group": ":pleroma",
        "key": ":media_proxy",
        "value": [tuple(":enabled", json!(true)), tuple(":invalidation", json!([tuple(":enabled", true.into())]))]
    }]);
    for path in both_prefixes(CONFIG) {
        let reply = app.request(Method::POST, &path, Some(&token), Some(json!({ "configs": configs }))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    // The next request reads the settings in force.
    let config = app.get(CONFIG, Some(&token)).await;
    let settings = app.state.live.current();
    assert!(settings.media_proxy.enabled && settings.media_proxy_invalidation.invalidation.enabled);
    assert_eq!(settings.media_proxy_invalidation.invalidation.provider, "Pleroma.Web.MediaProxy.Invalidation.Script");
    let entry = config.body["configs"].as_array().unwrap().iter().find(|e| e["key"] == ":media_proxy").unwrap();
    let invalidation = entry["value"].as_array().unwrap().iter().find(|i| i["tuple"][0] == ":invalidation").unwrap();
    assert_eq!(
        invalidation["tuple"][1],
        json!([
            tuple(":enabled", json!(true)),
            tuple(":provider", json!("Pleroma.Web.MediaProxy.Invalidation.Script"))
        ])
    );
}

/// `User.endorse` reads `:instance, :max_endorsed_users` (0 turns endorsing off) and
/// `Instances.get_consistently_unreachable` `:federation_reachability_timeout_days` (0: no
/// instance is unreachable): both saved through `POST /admin/config`, in force on the next
/// request.
#[tokio::test]
async fn endorsement_limit_and_reachability_window_apply() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write follow").await;
    let mut others = Vec::new();
    for name in ["bob", "carol", "dave"] {
        let other = app.user(name).await;
        let path = format!("/api/v1/accounts/{}/follow", other.id);
        let reply = app.request(Method::POST, &path, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        others.push(other);
    }
    set(&app, &admin_token, ":instance", &[(":max_endorsed_users", json!(2))]).await;
    for (i, other) in others.iter().enumerate() {
        let reply = app.request(Method::POST, &format!("/api/v1/accounts/{}/pin", other.id), Some(&token), None).await;
        if i < 2 {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        } else {
            assert_eq!(
                (reply.status, reply.body),
                (StatusCode::BAD_REQUEST, json!({"error": "You have already pinned the maximum number of users"}))
            );
        }
    }
    set(&app, &admin_token, ":instance", &[(":max_endorsed_users", json!(3))]).await;
    let reply = app.request(Method::POST, &format!("/api/v1/accounts/{}/pin", others[2].id), Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let db = &app.state.db.write;
    let days_ago = |days: i64| chrono::Utc::now() - chrono::Duration::days(days);
    use pleroma_gateway::domain::accounts::set_reachability;
    set_reachability(db, "long.example", Some(days_ago(10))).await.unwrap();
    set_reachability(db, "recent.example", Some(days_ago(3))).await.unwrap();
    let unreachable = |reply: Reply| {
        let hosts: Vec<String> = reply.body["unreachable"].as_object().unwrap().keys().cloned().collect();
        hosts
    };
    // The default window, 7 days.
    let reply = app.get("/api/v1/pleroma/federation_status", None).await;
    assert_eq!(unreachable(reply), ["long.example"]);
    set(&app, &admin_token, ":instance", &[(":federation_reachability_timeout_days", json!(2))]).await;
    let reply = app.get("/api/v1/pleroma/federation_status", None).await;
    assert_eq!(unreachable(reply), ["long.example", "recent.example"]);
    set(&app, &admin_token, ":instance", &[(":federation_reachability_timeout_days", json!(0))]).await;
    let reply = app.get("/api/v1/pleroma/federation_status", None).await;
    assert_eq!(unreachable(reply), Vec::<String>::new());
}
