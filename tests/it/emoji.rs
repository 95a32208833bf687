//! Custom emoji and emoji packs (ROUTES.md §23, §24) over real HTTP: packs made, filled by
//! upload and by URL, renamed, archived and the zip opened; a second gateway on loopback
//! downloading a pack through the remote routes; a fake remote serving tampered, hostile and
//! unshared packs; traversal, zip bombs and wrong types refused with nothing written.
use std::{
    collections::BTreeMap,
    io::{Cursor, Read, Write},
    sync::{Arc, Mutex},
};

use axum::{extract::State, routing::get, Json, Router};
use reqwest::{multipart, Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, Reply, TestApp};

/// Every file under the emoji directory, for "nothing written" checks.
fn tree(app: &TestApp) -> Vec<String> {
    crate::common::paths_under(&app.data_dir.join("static"))
}

const PACK: &str = "/api/v1/pleroma/emoji/pack";
const PACKS: &str = "/api/v1/pleroma/emoji/packs";
const FILES: &str = "/api/v1/pleroma/emoji/packs/files";

/// A tiny PNG (the signature and an IHDR chunk are what sniffing reads).
fn png(tag: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00".to_vec();
    bytes.extend_from_slice(&[tag; 16]);
    bytes
}

fn gif() -> Vec<u8> {
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,".to_vec()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.insert(entry.name().unwrap().to_string(), data);
    }
    out
}

/// Bytes that do not compress.
fn rand_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|_| rand::random::<u8>()).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02X}")).collect()
}

async fn upload(app: &TestApp, path: &str, token: &str, form: multipart::Form) -> Reply {
    let reply = app.client.post(format!("{}{path}", app.base)).bearer_auth(token).multipart(form).send().await.unwrap();
    Reply::from(reply).await
}

fn image_form(name: &str, bytes: Vec<u8>, shortcode: Option<&str>) -> multipart::Form {
    let form = multipart::Form::new().part("file", multipart::Part::bytes(bytes).file_name(name.to_string()));
    match shortcode {
        Some(code) => form.text("shortcode", code.to_string()),
        None => form,
    }
}

fn emoji_dir(app: &TestApp) -> std::path::PathBuf {
    app.data_dir.join("static").join("emoji")
}

#[tokio::test]
async fn refusals_follow_pleromas_order_on_every_guarded_route() {
    let app = TestApp::new().await;
    let user = app.user("plain").await;
    let user_token = app.token(&user, "read write admin").await;
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "read write admin").await;
    let admin = app.admin("boss").await;
    let read_only = app.token(&admin, "admin:read").await;
    let guarded: [(Method, &str); 9] = [
        (Method::POST, "/api/v1/pleroma/admin/reload_emoji"),
        (Method::POST, "/api/v1/pleroma/emoji/pack?name=x"),
        (Method::PATCH, "/api/v1/pleroma/emoji/pack?name=x"),
        (Method::DELETE, "/api/v1/pleroma/emoji/pack?name=x"),
        (Method::GET, "/api/v1/pleroma/emoji/packs/import"),
        (Method::GET, "/api/v1/pleroma/emoji/packs/remote?url=http://127.0.0.1:9"),
        (Method::POST, "/api/v1/pleroma/emoji/packs/download"),
        (Method::POST, "/api/v1/pleroma/emoji/packs/files?name=x"),
        (Method::DELETE, "/api/v1/pleroma/emoji/packs/files?name=x&shortcode=y"),
    ];
    for (method, v1) in guarded {
        for path in both_prefixes(v1) {
            let anonymous = app.request(method.clone(), &path, None, None).await;
            assert_eq!(anonymous.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(anonymous.body, json!({"error": "Invalid credentials."}), "{path}");
            let plain = app.request(method.clone(), &path, Some(&user_token), None).await;
            assert_eq!(plain.body, json!({"error": "User is not a staff member."}), "{path}");
            let moderator = app.request(method.clone(), &path, Some(&mod_token), None).await;
            assert_eq!(moderator.body, json!({"error": "User isn't privileged."}), "{path}");
            let scoped = app.request(method.clone(), &path, Some(&read_only), None).await;
            assert_eq!(scoped.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(scoped.body, json!({"error": "Insufficient permissions: admin:write."}), "{path}");
        }
    }
    assert!(!emoji_dir(&app).join("x").exists());
    // PATCH files too (its JSON body is required).
    let reply = app.request(Method::PATCH, FILES, Some(&mod_token), Some(json!({"shortcode": "a"}))).await;
    assert_eq!(reply.body, json!({"error": "User isn't privileged."}));

    // A moderator granted emoji_manage_emoji gets in (the router lets moderators in with it).
    let granted = TestApp::with_settings(|s| {
        s.instance.moderator_privileges.push(pleroma_gateway::auth::Privilege::EmojiManageEmoji)
    })
    .await;
    let moderator = granted.moderator("mod").await;
    let token = granted.token(&moderator, "admin:write").await;
    let reply = granted.request(Method::POST, &format!("{PACK}?name=mods"), Some(&token), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
}

#[tokio::test]
async fn a_pack_is_made_filled_renamed_archived_and_deleted() {
    let app = TestApp::with_settings(|s| s.http.allow_private_addresses = true).await;
    let token = app.admin_token().await;
    let [v1, legacy] = both_prefixes(PACK);

    // Create: "ok"; 409 on a duplicate; blank and escaping names refused.
    let reply = app.request(Method::POST, &format!("{v1}?name=cofe"), Some(&token), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
    let reply = app.request(Method::POST, &format!("{legacy}?name=cofe"), Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body, json!({"error": "A pack named \"cofe\" already exists"}));
    let reply = app.request(Method::POST, &format!("{v1}?name=%20"), Some(&token), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "pack name cannot be empty"})));
    let before = tree(&app);
    for name in ["..", "..%2Fescape", "%2Ftmp%2Fabs", ".hidden"] {
        let reply = app.request(Method::POST, &format!("{v1}?name={name}"), Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}: {}", reply.text);
    }
    assert_eq!(tree(&app), before);
    assert!(!app.data_dir.join("static").join("escape").exists());

    // Show: empty pack; unknown pack 404; blank 400.
    let reply = app.get(&format!("{legacy}?name=cofe"), None).await;
    assert_eq!(reply.body, json!({"files": {}, "files_count": 0, "pack": {"can-download": false}}));
    let reply = app.get(&format!("{v1}?name=nope"), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Pack nope does not exist"})));
    let reply = app.get(&format!("{v1}?name="), None).await;
    assert_eq!(reply.body, json!({"error": "pack name cannot be empty"}));

    // Upload by multipart (shortcode defaults to the file name without extension).
    let [files_v1, files_legacy] = both_prefixes(FILES);
    let reply = upload(&app, &format!("{files_v1}?name=cofe"), &token, image_form("blank.png", png(1), None)).await;
    assert_eq!((reply.status, &reply.body), (StatusCode::OK, &json!({"blank": "blank.png"})), "{}", reply.text);
    let reply =
        upload(&app, &format!("{files_legacy}?name=cofe"), &token, image_form("dank.gif", gif(), Some("dank"))).await;
    assert_eq!(reply.body, json!({"blank": "blank.png", "dank": "dank.gif"}));
    // The image is served where its image_url says.
    let served = app.client.get(format!("{}/emoji/cofe/blank.png", app.base)).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png(1));

    // Upload by URL: the gateway fetches its own image.
    let url = format!("{}/emoji/cofe/blank.png", app.base);
    let form = multipart::Form::new()
        .text("file", url.clone())
        .text("shortcode", "fetched")
        .text("filename", "sub/fetched.png");
    let reply = upload(&app, &format!("{files_v1}?name=cofe"), &token, form).await;
    assert_eq!(
        reply.body,
        json!({"blank": "blank.png", "dank": "dank.gif", "fetched": "sub/fetched.png"}),
        "{}",
        reply.text
    );
    // …or in a JSON body. A file name another emoji of the pack has is refused.
    let files_path = format!("{files_v1}?name=cofe");
    let body = json!({"file": url, "shortcode": "json_fetched"});
    let reply = app.request(Method::POST, &files_path, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body, json!({"error": "A file named \"blank.png\" is already in the pack"}));
    let body = json!({"file": url, "shortcode": "json_fetched", "filename": "json.png"});
    let reply = app.request(Method::POST, &files_path, Some(&token), Some(body)).await;
    assert_eq!(reply.body["json_fetched"], json!("json.png"), "{}", reply.text);

    // Errors of the files routes.
    let reply =
        upload(&app, &format!("{files_v1}?name=cofe"), &token, image_form("blank.png", png(2), Some("blank"))).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body, json!({"error": "An emoji with the \"blank\" shortcode already exists"}));
    let reply = upload(&app, &format!("{files_v1}?name=cofe"), &token, image_form("x.png", png(2), Some(""))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body, json!({"error": "pack name, shortcode or filename cannot be empty"}));
    let reply = upload(&app, &format!("{files_v1}?name=nope"), &token, image_form("x.png", png(2), None)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "pack \"nope\" is not found"})));

    // Show pages the files; files_count is the full count.
    let reply = app.get(&format!("{v1}?name=cofe&page_size=2&page=2"), None).await;
    assert_eq!(reply.body["files"], json!({"fetched": "sub/fetched.png", "json_fetched": "json.png"}));
    assert_eq!(reply.body["files_count"], json!(4));
    let reply = app.get(&format!("{v1}?name=cofe&page_size=0"), None).await;
    assert_eq!((reply.body["files"].clone(), reply.body["files_count"].clone()), (json!({}), json!(4)));

    // Rename and move: 409 without force, unknown shortcode 400, blanks 422.
    let patch = |body: Value| app.request(Method::PATCH, &files_path, Some(&token), Some(body));
    let reply = patch(json!({"shortcode": "dank", "new_shortcode": "blank", "new_filename": "dank.gif"})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.body,
        json!({"error": "New shortcode \"blank\" is already used. If you want to override emoji use 'force' option"})
    );
    let reply = patch(json!({"shortcode": "nope", "new_shortcode": "x", "new_filename": "x.png"})).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::BAD_REQUEST, json!({"error": "Emoji \"nope\" does not exist"}))
    );
    let reply = patch(json!({"shortcode": "dank", "new_shortcode": "", "new_filename": "x.png"})).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body, json!({"error": "new_shortcode or new_filename cannot be empty"}));
    let reply = patch(json!({"shortcode": "dank", "new_shortcode": "dank2", "new_filename": "../../escape.gif"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let reply =
        patch(json!({"shortcode": "dank", "new_shortcode": "danker", "new_filename": "moved/danker.gif"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["danker"], json!("moved/danker.gif"));
    assert!(emoji_dir(&app).join("cofe/moved/danker.gif").is_file());
    assert!(!emoji_dir(&app).join("cofe/dank.gif").exists());
    let reply = app.request(Method::PATCH, &format!("{files_legacy}?name=cofe"), Some(&token), Some(json!({"shortcode": "fetched", "new_shortcode": "danker", "new_filename": "sub/fetched.png", "force": true}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["danker"], json!("sub/fetched.png"));

    // The index follows every change.
    let list = app.get("/api/pleroma/emoji.json", None).await;
    assert_eq!(list.body["blank"], json!({"image_url": "/emoji/cofe/blank.png", "tags": ["pack:cofe"]}));
    assert!(list.body.get("dank").is_none());
    let mastodon = app.get("/api/v1/custom_emojis", None).await;
    let blank = mastodon.body.as_array().unwrap().iter().find(|e| e["shortcode"] == "blank").unwrap().clone();
    assert_eq!(
        blank,
        json!({
            "shortcode": "blank",
            "static_url": "http://localhost:4000/emoji/cofe/blank.png",
            "url": "http://localhost:4000/emoji/cofe/blank.png",
            "visible_in_picker": true,
            "tags": ["pack:cofe"],
            "category": "pack:cofe",
        })
    );

    // Not shared yet: the archive is refused with Pleroma's 403.
    let [archive_v1, archive_legacy] = both_prefixes("/api/v1/pleroma/emoji/packs/archive");
    let reply = app.get(&format!("{archive_v1}?name=cofe"), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body,
        json!({"error": "Pack cofe cannot be downloaded from this instance, either pack sharing was disabled for this pack or some files are missing"})
    );
    let reply = app.get(&format!("{archive_v1}?name=nope"), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Pack nope does not exist"})));

    // Metadata: replaced whole, answered back.
    let metadata =
        json!({"license": "CC0", "homepage": "https://example.org", "description": "Coffee", "share-files": true});
    let reply = app.patch(&format!("{v1}?name=cofe"), &token, json!({"metadata": metadata})).await;
    assert_eq!((reply.status, &reply.body), (StatusCode::OK, &metadata), "{}", reply.text);

    // Listed with can-download and the archive's SHA-256.
    let [packs_v1, packs_legacy] = both_prefixes(PACKS);
    let list = app.get(&format!("{packs_v1}.json?page=1"), None).await;
    assert_eq!(list.body["count"], json!(1));
    let listed = &list.body["packs"]["cofe"];
    assert_eq!(listed["pack"]["can-download"], json!(true));
    assert_eq!(listed["files_count"], json!(3));
    assert_eq!(listed["files"].as_object().unwrap().len(), 3);
    let sha = listed["pack"]["download-sha256"].as_str().unwrap().to_string();
    assert_eq!(
        app.get(&format!("{packs_legacy}?page=2&page_size=1"), None).await.body,
        json!({"packs": {}, "count": 1})
    );

    // The archive: a real zip, named, matching the SHA-256 and the files on disk.
    let response = app.client.get(format!("{}{archive_legacy}?name=cofe", app.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"cofe.zip\"");
    let bytes = response.bytes().await.unwrap().to_vec();
    assert_eq!(sha256_hex(&bytes), sha);
    let files = unzip(&bytes);
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), ["blank.png", "json.png", "pack.json", "sub/fetched.png"]);
    for (name, data) in &files {
        assert_eq!(data, &std::fs::read(emoji_dir(&app).join("cofe").join(name)).unwrap(), "{name}");
    }
    let pack_json: Value = serde_json::from_slice(&files["pack.json"]).unwrap();
    assert_eq!(pack_json["pack"], metadata);

    // Delete a file, then the pack.
    let reply =
        app.request(Method::DELETE, &format!("{files_v1}?name=cofe&shortcode=danker"), Some(&token), None).await;
    assert_eq!(reply.body, json!({"blank": "blank.png", "json_fetched": "json.png"}));
    let reply =
        app.request(Method::DELETE, &format!("{files_v1}?name=cofe&shortcode=danker"), Some(&token), None).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::BAD_REQUEST, json!({"error": "Emoji \"danker\" does not exist"}))
    );
    let reply = app.request(Method::DELETE, &format!("{files_v1}?name=cofe&shortcode="), Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body, json!({"error": "pack name or shortcode cannot be empty"}));
    let reply = app.request(Method::DELETE, &format!("{legacy}?name=cofe"), Some(&token), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
    let reply = app.request(Method::DELETE, &format!("{v1}?name=cofe"), Some(&token), None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Pack cofe does not exist"})));
    let reply = app.request(Method::DELETE, &format!("{v1}?name="), Some(&token), None).await;
    assert_eq!(reply.body, json!({"error": "pack name cannot be empty"}));
    assert_eq!(app.get("/api/v1/pleroma/emoji", None).await.body, json!({}));
}

#[tokio::test]
async fn hostile_uploads_are_refused_with_nothing_written() {
    let app = TestApp::with_settings(|s| {
        s.emoji.max_file_size = 1024;
        s.emoji.max_unpacked_size = 4096;
    })
    .await;
    let token = app.admin_token().await;
    app.request(Method::POST, &format!("{PACK}?name=safe"), Some(&token), None).await;
    let before = tree(&app);
    let files = format!("{FILES}?name=safe");

    // Not an image (by its bytes, whatever the name says), too large, escaping names.
    let reply = upload(&app, &files, &token, image_form("evil.png", b"<script>alert(1)</script>".to_vec(), None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().contains("not an accepted image"));
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let reply = upload(&app, &files, &token, image_form("evil.svg", svg, None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let mut big = png(1);
    big.resize(2048, 0);
    let reply = upload(&app, &files, &token, image_form("big.png", big, None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body["error"].as_str().unwrap().contains("size limit of 1024 bytes"), "{}", reply.text);
    for name in ["../escape.png", "/tmp/abs.png", "sub/../../escape.png", ".hidden.png", "pack.json"] {
        let form = image_form("x.png", png(1), Some("x")).text("filename", name.to_string());
        let reply = upload(&app, &files, &token, form).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}: {}", reply.text);
    }
    let reply = upload(&app, &files, &token, image_form("x.png", png(1), Some("../x"))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // A URL that is not http(s).
    let form = multipart::Form::new().text("file", "file:///etc/passwd").text("shortcode", "passwd");
    assert_eq!(upload(&app, &files, &token, form).await.status, StatusCode::BAD_REQUEST);

    // Zip uploads: a traversal entry, a symlink, a bomb — each refused whole.
    let traversal = zip_of(&[("ok.png", &png(1)), ("../../escape.png", &png(2))]);
    let reply = upload(&app, &files, &token, image_form("pack.zip", traversal, None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().contains("climbing out"), "{}", reply.text);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.add_symlink("link.png", "/etc/passwd", zip::write::SimpleFileOptions::default()).unwrap();
    let symlink = zip.finish().unwrap().into_inner();
    let reply = upload(&app, &files, &token, image_form("pack.zip", symlink, None)).await;
    assert!(reply.body["error"].as_str().unwrap().contains("symbolic link"), "{}", reply.text);
    let bomb = zip_of(&[
        ("a.png", &vec![0u8; 1000]),
        ("b.png", &vec![0u8; 1000]),
        ("c.png", &vec![0u8; 1000]),
        ("d.png", &vec![0u8; 1000]),
        ("e.png", &vec![0u8; 1000]),
    ]);
    let reply = upload(&app, &files, &token, image_form("pack.zip", bomb, None)).await;
    assert!(reply.body["error"].as_str().unwrap().contains("unpacks to more than"), "{}", reply.text);
    let bomb = zip_of(&[("huge.png", &vec![0u8; 1_000_000])]);
    let reply = upload(&app, &files, &token, image_form("pack.zip", bomb, None)).await;
    assert!(reply.body["error"].as_str().unwrap().contains("larger than the emoji size limit"), "{}", reply.text);
    let wrong = zip_of(&[("ok.png", &png(1)), ("text.png", b"plain text")]);
    let reply = upload(&app, &files, &token, image_form("pack.zip", wrong, None)).await;
    assert!(reply.body["error"].as_str().unwrap().contains("not an accepted image"), "{}", reply.text);
    assert_eq!(tree(&app), before);

    // A good zip adds each image under its path.
    let good = zip_of(&[("one.png", &png(1)), ("more/two.gif", &gif())]);
    let reply = upload(&app, &files, &token, image_form("pack.zip", good, None)).await;
    assert_eq!(reply.body, json!({"one": "one.png", "two": "more/two.gif"}), "{}", reply.text);

    // The static route serves nothing outside the emoji directory, and no symlinks.
    std::fs::write(app.data_dir.join("secret.png"), png(9)).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(app.data_dir.join("secret.png"), emoji_dir(&app).join("safe/link.png")).unwrap();
    for path in
        ["/emoji/safe/link.png", "/emoji/../secret.png", "/emoji/safe/..%2F..%2Fsecret.png", "/emoji/safe/pack.json"]
    {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn reload_and_import_pick_up_packs_copied_by_hand() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let dir = emoji_dir(&app);
    // A pack with pack.json, one with emoji.txt, one with only images.
    std::fs::create_dir_all(dir.join("by_json")).unwrap();
    std::fs::write(dir.join("by_json/a.png"), png(1)).unwrap();
    std::fs::write(dir.join("by_json/pack.json"), r#"{"files": {"hand_a": "a.png"}, "pack": {"license": "x"}}"#)
        .unwrap();
    std::fs::create_dir_all(dir.join("by_txt")).unwrap();
    std::fs::write(dir.join("by_txt/b.png"), png(2)).unwrap();
    std::fs::write(dir.join("by_txt/emoji.txt"), "hand_b, /emoji/by_txt/b.png, Fun, Cats\n").unwrap();
    std::fs::create_dir_all(dir.join("by_files/nested")).unwrap();
    std::fs::write(dir.join("by_files/nested/c.png"), png(3)).unwrap();
    std::fs::write(dir.join("by_files/notes.txt"), "not an emoji").unwrap();

    assert!(app.get("/api/v1/pleroma/emoji", None).await.body.get("hand_a").is_none());
    for path in both_prefixes("/api/v1/pleroma/admin/reload_emoji") {
        let reply = app.request(Method::POST, &path, Some(&token), None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!("ok")));
    }
    let list = app.get("/api/pleroma/emoji", None).await.body;
    assert_eq!(list["hand_a"], json!({"image_url": "/emoji/by_json/a.png", "tags": ["pack:by_json"]}));
    assert_eq!(list["hand_b"], json!({"image_url": "/emoji/by_txt/b.png", "tags": ["Fun", "Cats"]}));
    assert_eq!(list["c"], json!({"image_url": "/emoji/by_files/nested/c.png", "tags": ["Custom"]}));
    assert_eq!(list.as_object().unwrap().len(), 3);

    // Only packs with a pack.json are listed until imported.
    assert_eq!(app.get(PACKS, None).await.body["count"], json!(1));
    let [import_v1, import_legacy] = both_prefixes("/api/v1/pleroma/emoji/packs/import");
    let reply = app.get(&import_v1, Some(&token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!(["by_files", "by_txt"])));
    assert_eq!(app.get(&import_legacy, Some(&token)).await.body, json!([]));
    let packs = app.get(PACKS, None).await.body;
    assert_eq!(packs["count"], json!(3));
    assert_eq!(packs["packs"]["by_txt"]["files"], json!({"hand_b": "b.png"}));
    assert_eq!(packs["packs"]["by_files"]["files"], json!({"c": "nested/c.png"}));
}

/// A fake remote instance: nodeinfo (with or without `shareable_emoji_packs`), one pack
/// listing and its archive, all configurable, so tampered and hostile packs can be served.
#[derive(Clone, Default)]
struct Fake {
    base: Arc<Mutex<String>>,
    shareable: bool,
    pack: Arc<Mutex<Value>>,
    archive: Arc<Mutex<Vec<u8>>>,
}

async fn fake_links(State(fake): State<Fake>) -> Json<Value> {
    let base = fake.base.lock().unwrap().clone();
    Json(
        json!({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0.json")}]}),
    )
}

async fn fake_nodeinfo(State(fake): State<Fake>) -> Json<Value> {
    let features =
        if fake.shareable { json!(["pleroma_api", "shareable_emoji_packs"]) } else { json!(["pleroma_api"]) };
    Json(json!({"version": "2.0", "metadata": {"features": features}}))
}

async fn fake_pack(State(fake): State<Fake>) -> Json<Value> {
    Json(fake.pack.lock().unwrap().clone())
}

async fn fake_archive(State(fake): State<Fake>) -> Vec<u8> {
    fake.archive.lock().unwrap().clone()
}

async fn serve_fake(fake: Fake) -> String {
    let app = Router::new()
        .route("/.well-known/nodeinfo", get(fake_links))
        .route("/nodeinfo/2.0.json", get(fake_nodeinfo))
        .route("/api/v1/pleroma/emoji/pack", get(fake_pack))
        .route("/api/v1/pleroma/emoji/packs/archive", get(fake_archive))
        .route("/fallback.zip", get(fake_archive))
        .route(
            "/slow.zip",
            // Never answers: the gateway's time limit ends the fetch.
            get(std::future::pending::<&'static str>),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *fake.base.lock().unwrap() = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    base
}

#[tokio::test]
async fn a_second_gateway_downloads_a_shared_pack_and_refuses_tampered_ones() {
    // The first gateway shares a pack; its nodeinfo lists shareable_emoji_packs.
    let first = TestApp::self_addressed(|_| {}).await;
    let first_token = first.admin_token().await;
    first.request(Method::POST, &format!("{PACK}?name=shared"), Some(&first_token), None).await;
    upload(&first, &format!("{FILES}?name=shared"), &first_token, image_form("a.png", png(1), None)).await;
    let form = image_form("b.gif", gif(), Some("b")).text("filename", "dir/b.gif");
    upload(&first, &format!("{FILES}?name=shared"), &first_token, form).await;
    let metadata = json!({"license": "CC0", "share-files": true});
    first.patch(&format!("{PACK}?name=shared"), &first_token, json!({"metadata": metadata})).await;
    let features = first.get("/nodeinfo/2.0.json", None).await.body["metadata"]["features"].clone();
    assert!(features.as_array().unwrap().contains(&json!("shareable_emoji_packs")));

    let second = TestApp::with_settings(|s| s.http.allow_private_addresses = true).await;
    let token = second.admin_token().await;
    let [remote_v1, remote_legacy] = both_prefixes("/api/v1/pleroma/emoji/packs/remote");
    let reply = second.get(&format!("{remote_v1}?url={}", first.base), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["count"], json!(1));
    assert_eq!(reply.body["packs"]["shared"]["files"], json!({"a": "a.png", "b": "dir/b.gif"}));
    let page = second.get(&format!("{remote_legacy}?url={}&page=2&page_size=1", first.base), Some(&token)).await;
    assert_eq!(page.body, json!({"packs": {}, "count": 1}));

    let [download_v1, download_legacy] = both_prefixes("/api/v1/pleroma/emoji/packs/download");
    let body = json!({"url": first.base, "name": "shared", "as": "copied"});
    let reply = second.request(Method::POST, &download_v1, Some(&token), Some(body.clone())).await;
    assert_eq!((reply.status, &reply.body), (StatusCode::OK, &json!("ok")), "{}", reply.text);
    let copied = second.get(&format!("{PACK}?name=copied"), None).await.body;
    assert_eq!(copied["files"], json!({"a": "a.png", "b": "dir/b.gif"}));
    assert_eq!(copied["pack"]["license"], json!("CC0"));
    for file in ["a.png", "dir/b.gif"] {
        assert_eq!(
            std::fs::read(emoji_dir(&second).join("copied").join(file)).unwrap(),
            std::fs::read(emoji_dir(&first).join("shared").join(file)).unwrap()
        );
    }
    assert_eq!(
        second.get("/api/v1/pleroma/emoji", None).await.body["b"]["image_url"],
        json!("/emoji/copied/dir/b.gif")
    );
    // Again under the same name: 409.
    let reply = second.request(Method::POST, &download_legacy, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    // A remote that does not share packs: 400 with Pleroma's text (Pleroma: 500).
    let plain = Fake::default();
    let plain_base = serve_fake(plain).await;
    let reply = second.get(&format!("{remote_v1}?url={plain_base}"), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "The requested instance does not support sharing emoji packs"}));
    let reply =
        second.request(Method::POST, &download_v1, Some(&token), Some(json!({"url": plain_base, "name": "x"}))).await;
    assert_eq!(reply.body, json!({"error": "The requested instance does not support sharing emoji packs"}));

    // A tampered archive: the SHA-256 announced is not the archive's.
    let good_zip = zip_of(&[("pack.json", br#"{"files": {"t": "t.png"}, "pack": {}}"#), ("t.png", &png(5))]);
    let fake = Fake { shareable: true, ..Fake::default() };
    *fake.archive.lock().unwrap() = good_zip.clone();
    let listing = |sha: &str, files: Value| {
        json!({"files": files, "files_count": files.as_object().unwrap().len(),
               "pack": {"share-files": true, "can-download": true, "download-sha256": sha}})
    };
    *fake.pack.lock().unwrap() = listing(&sha256_hex(b"something else"), json!({"t": "t.png"}));
    let fake_base = serve_fake(fake.clone()).await;
    let before = tree(&second);
    let download = |name: &str| {
        second.request(
            Method::POST,
            &download_v1,
            Some(&token),
            Some(json!({"url": fake_base, "name": "t", "as": name})),
        )
    };
    let reply = download("tampered").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "SHA256 for the pack doesn't match the one sent by the server"}));

    // Hostile packs with a matching checksum: a file outside the pack, a zip bomb, not images.
    let hostile = [
        (zip_of(&[("../escape.png", &png(1))]), json!({"e": "../escape.png"})),
        (zip_of(&[("t.png", &vec![0u8; 3_000_000])]), json!({"t": "t.png"})),
        (zip_of(&[("t.png", b"#!/bin/sh\nrm -rf /")]), json!({"t": "t.png"})),
    ];
    for (i, (archive, files)) in hostile.into_iter().enumerate() {
        *fake.pack.lock().unwrap() = listing(&sha256_hex(&archive), files);
        *fake.archive.lock().unwrap() = archive;
        let reply = download(&format!("hostile{i}")).await;
        assert!(reply.status.is_client_error(), "{i}: {}", reply.text);
        assert_ne!(reply.status, StatusCode::OK, "{i}");
    }
    assert_eq!(tree(&second), before);

    // The fallback-src path: no share-files, a fallback archive with its SHA-256.
    *fake.archive.lock().unwrap() = zip_of(&[("t.png", &png(5))]);
    let fallback_sha = sha256_hex(&fake.archive.lock().unwrap());
    *fake.pack.lock().unwrap() = json!({"files": {"t": "t.png"}, "files_count": 1,
        "pack": {"can-download": false, "fallback-src": format!("{fake_base}/fallback.zip"), "fallback-src-sha256": fallback_sha}});
    let reply = download("from_fallback").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(second.get(&format!("{PACK}?name=from_fallback"), None).await.body["files"], json!({"t": "t.png"}));
    // Neither shared nor with a fallback: refused.
    *fake.pack.lock().unwrap() = json!({"files": {}, "files_count": 0, "pack": {}});
    let reply = download("nothing").await;
    assert_eq!(
        reply.body,
        json!({"error": "The pack was not set as shared and there is no fallback src to download from"})
    );
}

#[tokio::test]
async fn a_new_fallback_src_is_checked_and_its_sha256_stored() {
    let app = TestApp::with_settings(|s| {
        s.emoji.fetch_timeout_secs = 1;
        s.http.allow_private_addresses = true;
        s.emoji.max_archive_size = 4096;
    })
    .await;
    let token = app.admin_token().await;
    app.request(Method::POST, &format!("{PACK}?name=fb"), Some(&token), None).await;
    upload(&app, &format!("{FILES}?name=fb"), &token, image_form("a.png", png(1), None)).await;
    let fake = Fake::default();
    let base = serve_fake(fake.clone()).await;
    let src = format!("{base}/fallback.zip");

    *fake.archive.lock().unwrap() = zip_of(&[("other.png", &png(1))]);
    let reply = app.patch(&format!("{PACK}?name=fb"), &token, json!({"metadata": {"fallback-src": src}})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "The fallback archive does not have all files specified in pack.json"}));

    let archive = zip_of(&[("a.png", &png(1))]);
    *fake.archive.lock().unwrap() = archive.clone();
    let reply = app.patch(&format!("{PACK}?name=fb"), &token, json!({"metadata": {"fallback-src": src}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body, json!({"fallback-src": src, "fallback-src-sha256": sha256_hex(&archive)}));
    let reply = app.patch(&format!("{PACK}?name=nope"), &token, json!({"metadata": {}})).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Fetches are capped in time and size; neither changes the pack.
    let started = std::time::Instant::now();
    let slow = json!({"metadata": {"fallback-src": format!("{base}/slow.zip")}});
    let reply = app.patch(&format!("{PACK}?name=fb"), &token, slow).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    *fake.archive.lock().unwrap() = zip_of(&[("a.png", &png(1)), ("pad.bin", &rand_bytes(8192))]);
    let reply =
        app.patch(&format!("{PACK}?name=fb"), &token, json!({"metadata": {"fallback-src": format!("{src}?2")}})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().contains("larger than the limit of 4096 bytes"), "{}", reply.text);
    let shown = app.get(&format!("{PACK}?name=fb"), None).await;
    assert_eq!(shown.body["pack"]["fallback-src-sha256"], json!(sha256_hex(&archive)));
}

#[tokio::test]
async fn graphql_has_every_capability_with_the_privilege() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin:write").await;

    let create = "mutation($name: String!) { createEmojiPack(input: {name: $name}) { pack { name filesCount } } }";
    let denied = app.graphql(Some(&mod_token), create, json!({"name": "gq"})).await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], json!("FORBIDDEN"));
    assert_eq!(denied["errors"][0]["message"], json!("User isn't privileged."));
    let made = app.graphql(Some(&token), create, json!({"name": "gq"})).await;
    assert_eq!(made["data"]["createEmojiPack"]["pack"], json!({"name": "gq", "filesCount": 0}));
    let again = app.graphql(Some(&token), create, json!({"name": "gq"})).await;
    assert_eq!(again["errors"][0]["extensions"]["code"], json!("CONFLICT"));

    let meta = "mutation($m: JSON!) { updateEmojiPackMetadata(input: {name: \"gq\", metadata: $m}) { pack { license shareFiles canDownload } } }";
    let updated = app.graphql(Some(&token), meta, json!({"m": {"license": "MIT", "share-files": true}})).await;
    assert_eq!(
        updated["data"]["updateEmojiPackMetadata"]["pack"],
        json!({"license": "MIT", "shareFiles": true, "canDownload": true})
    );

    let read = "{ emojiPacks(first: 10) { totalCount nodes { name files { totalCount } downloadSha256 } }
                  emojiPack(name: \"gq\") { name description }
                  emojiPackArchive(name: \"gq\") { filename sha256 size } }";
    let data = app.graphql(None, read, json!({})).await;
    assert_eq!(data["data"]["emojiPacks"]["totalCount"], json!(1), "{data}");
    assert_eq!(data["data"]["emojiPackArchive"]["filename"], json!("gq.zip"));
    assert_eq!(data["data"]["emojiPackArchive"]["sha256"], data["data"]["emojiPacks"]["nodes"][0]["downloadSha256"]);

    let missing = app.graphql(None, "{ emojiPack(name: \"nope\") { name } }", json!({})).await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], json!("NOT_FOUND"));
    let remote = app.graphql(None, "{ remoteEmojiPacks(url: \"http://127.0.0.1:9\") }", json!({})).await;
    assert_eq!(remote["errors"][0]["extensions"]["code"], json!("UNAUTHENTICATED"));

    let reload = app.graphql(Some(&token), "mutation { reloadEmoji { emojiCount } }", json!({})).await;
    assert_eq!(reload["data"]["reloadEmoji"]["emojiCount"], json!(0));
    let deleted =
        app.graphql(Some(&token), "mutation { deleteEmojiPack(input: {name: \"gq\"}) { name } }", json!({})).await;
    assert_eq!(deleted["data"]["deleteEmojiPack"]["name"], json!("gq"));
}

#[tokio::test]
async fn local_statuses_show_the_emoji_they_name() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.request(Method::POST, &format!("{PACK}?name=st"), Some(&token), None).await;
    upload(&app, &format!("{FILES}?name=st"), &token, image_form("blank.png", png(1), None)).await;
    upload(&app, &format!("{FILES}?name=st"), &token, image_form("dank.gif", gif(), None)).await;
    let author = app.user("author").await;
    let new = pleroma_gateway::domain::statuses::NewStatus {
        status: Some("hello :dank: :blank::blank: and :nope:".into()),
        ..Default::default()
    };
    let status =
        pleroma_gateway::domain::statuses::create(&app.state.db, &app.state.settings(), &author, new).await.unwrap();
    let reply = app.get(&format!("/api/v1/pleroma/admin/statuses/{}", status.id), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let url = |file: &str| format!("http://localhost:4000/emoji/st/{file}");
    assert_eq!(
        reply.body["emojis"],
        json!([
            {"shortcode": "blank", "url": url("blank.png"), "static_url": url("blank.png"), "visible_in_picker": true},
            {"shortcode": "dank", "url": url("dank.gif"), "static_url": url("dank.gif"), "visible_in_picker": true},
        ])
    );
}
