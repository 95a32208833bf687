//! Names and archives from outside becoming files (issue 24 §3): emoji zip uploads and pack file
//! names, uploads and backups. Each hostile case is refused with a 4xx naming the problem, and
//! nothing is written. (Frontend archives: `frontends.rs`.)
use std::io::{Cursor, Write};

use reqwest::{multipart, Method, StatusCode};
use serde_json::json;

use crate::common::{paths_under, zip_patched as zip_of, Reply, TestApp};

const PACK: &str = "/api/v1/pleroma/emoji/pack";
const FILES: &str = "/api/v1/pleroma/emoji/packs/files";

fn png(tag: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00".to_vec();
    bytes.extend_from_slice(&[tag; 16]);
    bytes
}

/// Every path under the data directory but the database's own files, which come and go as it
/// works.
fn tree(root: &std::path::Path) -> Vec<String> {
    let mut out = paths_under(root);
    out.retain(|p| !p.starts_with("test.db"));
    out
}

async fn upload(app: &TestApp, path: &str, token: &str, form: multipart::Form) -> Reply {
    let reply = app.client.post(format!("{}{path}", app.base)).bearer_auth(token).multipart(form).send().await.unwrap();
    Reply::from(reply).await
}

fn file_form(name: &str, bytes: Vec<u8>) -> multipart::Form {
    multipart::Form::new().part("file", multipart::Part::bytes(bytes).file_name(name.to_string()))
}

#[tokio::test]
async fn emoji_zip_uploads_refuse_hostile_archives_with_nothing_written() {
    let app = TestApp::with_settings(|s| {
        s.emoji.max_file_size = 1024;
        s.emoji.max_unpacked_size = 4096;
        s.emoji.max_entries = 10;
    })
    .await;
    let token = app.admin_token().await;
    app.request(Method::POST, &format!("{PACK}?name=safe"), Some(&token), None).await;
    let files = format!("{FILES}?name=safe");
    let form = file_form("one.png", png(1)).text("shortcode", "uno");
    assert_eq!(upload(&app, &files, &token, form).await.status, StatusCode::OK);
    let before = tree(&app.data_dir);

    let ok: (&str, &[u8]) = ("fine.png", &png(2));
    let (p3, p4) = (png(3), png(4));
    let symlink = {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("fine.png", options).unwrap();
        zip.write_all(&png(2)).unwrap();
        zip.add_symlink("link.png", "/etc/passwd", options).unwrap();
        zip.finish().unwrap().into_inner()
    };
    let long = format!("{}.png", "a".repeat(300));
    let many: Vec<String> = (0..11).map(|i| format!("e{i}.png")).collect();
    let many: Vec<(&str, &[u8])> = many.iter().map(|n| (n.as_str(), &p3[..])).collect();
    let kilo = vec![0u8; 1000];
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        ("slip", zip_of(&[ok, ("../../x.png", &p3)], None), StatusCode::BAD_REQUEST, "climbing out"),
        ("inner dots", zip_of(&[ok, ("a/../x.png", &p3)], None), StatusCode::BAD_REQUEST, "climbing out"),
        ("absolute", zip_of(&[ok, ("/tmp/x.png", &p3)], None), StatusCode::BAD_REQUEST, "an absolute path"),
        ("backslash", zip_of(&[ok, ("..\\x.png", &p3)], None), StatusCode::BAD_REQUEST, "backslash"),
        ("nul", zip_of(&[ok, ("aXb.png", &p3)], Some(("aXb.png", "a\0b.png"))), StatusCode::BAD_REQUEST, "NUL byte"),
        ("symlink", symlink, StatusCode::BAD_REQUEST, "a symbolic link: link.png"),
        ("twice", zip_of(&[ok, ("fine.pnX", &p3)], Some(("fine.pnX", "fine.png"))), StatusCode::BAD_REQUEST, "twice"),
        (
            "file and folder",
            zip_of(&[ok, ("d.png", &p3), ("d.png/e.png", &p4)], None),
            StatusCode::BAD_REQUEST,
            "both as a file and as a folder",
        ),
        ("long", zip_of(&[ok, (long.as_str(), &p3)], None), StatusCode::BAD_REQUEST, "a name too long"),
        ("entries", zip_of(&many, None), StatusCode::BAD_REQUEST, "11 entries, more than the limit of 10"),
        ("big", zip_of(&[ok, ("big.png", &[0u8; 2000])], None), StatusCode::BAD_REQUEST, "emoji size limit of 1024"),
        (
            "bomb",
            zip_of(&[("a.png", &kilo), ("b.png", &kilo), ("c.png", &kilo), ("d.png", &kilo), ("e.png", &kilo)], None),
            StatusCode::BAD_REQUEST,
            "unpacks to more than the limit of 4096",
        ),
        ("pack.json", zip_of(&[ok, ("pack.json", &p3)], None), StatusCode::BAD_REQUEST, "Invalid file name"),
        ("hidden", zip_of(&[ok, ("sub/.x.png", &p3)], None), StatusCode::BAD_REQUEST, "Invalid"),
        ("taken file", zip_of(&[ok, ("one.png", &p3)], None), StatusCode::CONFLICT, "already in the pack"),
        ("not an image", zip_of(&[ok, ("t.png", b"#!/bin/sh")], None), StatusCode::BAD_REQUEST, "not an accepted"),
    ];
    for (name, bytes, status, why) in cases {
        let reply = upload(&app, &files, &token, file_form("pack.zip", bytes)).await;
        assert_eq!(reply.status, status, "{name}: {}", reply.text);
        let error = reply.body["error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{name}: {error}");
        assert_eq!(tree(&app.data_dir), before, "{name}");
    }
    // A good zip still goes in, under its paths.
    let good = zip_of(&[ok, ("more/two.png", &p4)], None);
    let reply = upload(&app, &files, &token, file_form("pack.zip", good)).await;
    assert_eq!(reply.body, json!({"uno": "one.png", "fine": "fine.png", "two": "more/two.png"}), "{}", reply.text);
}

/// A folder in a pack that is a symbolic link (made by hand on the server) is never written
/// through: uploads, zips and renames naming a file under it are refused.
#[tokio::test]
async fn emoji_pack_files_never_go_through_a_symlink() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.request(Method::POST, &format!("{PACK}?name=safe"), Some(&token), None).await;
    let files = format!("{FILES}?name=safe");
    let outside = app.data_dir.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let pack = app.data_dir.join("static/emoji/safe");
    std::os::unix::fs::symlink(&outside, pack.join("sub")).unwrap();
    let form = file_form("x.png", png(1)).text("shortcode", "x").text("filename", "sub/x.png");
    let reply = upload(&app, &files, &token, form).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().contains("is a symbolic link"), "{}", reply.text);
    let reply = upload(&app, &files, &token, file_form("pack.zip", zip_of(&[("sub/y.png", &png(2))], None))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().contains("is a symbolic link"), "{}", reply.text);
    // A rename into it.
    let form = file_form("z.png", png(3)).text("shortcode", "z");
    assert_eq!(upload(&app, &files, &token, form).await.status, StatusCode::OK);
    let body = json!({"name": "safe", "shortcode": "z", "new_shortcode": "z", "new_filename": "sub/z.png"});
    let reply = app.request(Method::PATCH, FILES, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().contains("is a symbolic link"), "{}", reply.text);
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert!(pack.join("z.png").exists());
}

/// Uploads are readable by anyone holding their URL, as Pleroma serves `/media/` — published or
/// not — so the URL must not be guessable from the id; the sender's file name never becomes a
/// path.
#[tokio::test]
async fn upload_urls_are_unguessable_and_names_never_paths() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let before = tree(&app.data_dir.join("uploads"));
    let mut urls = Vec::new();
    for name in ["../../evil.png", "/etc/passwd.png", "a\\..\\b.png", &format!("{}.png", "x".repeat(400))] {
        let part = multipart::Part::bytes(png(1)).file_name(name.to_string()).mime_str("image/png").unwrap();
        let form = multipart::Form::new().part("file", part);
        let reply = upload(&app, "/api/v1/media", &token, form).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.text);
        let id = reply.body["id"].as_str().unwrap().to_string();
        let url = reply.body["url"].as_str().unwrap().to_string();
        let file = url.rsplit('/').next().unwrap().to_string();
        let token_part = file.strip_prefix(&format!("{id}-")).and_then(|r| r.strip_suffix(".png"));
        assert!(token_part.is_some_and(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())), "{url}");
        // The id alone does not find it; the URL does, for anyone.
        let guess = app.client.get(format!("{}/media/{id}.png", app.base)).send().await.unwrap();
        assert_eq!(guess.status(), StatusCode::NOT_FOUND);
        let served = app.client.get(format!("{}/media/{file}", app.base)).send().await.unwrap();
        assert_eq!(served.status(), StatusCode::OK);
        urls.push(file);
    }
    let mut after = tree(&app.data_dir.join("uploads"));
    after.retain(|p| !before.contains(p));
    urls.sort();
    assert_eq!(after, urls, "only the uploads, directly under uploads/");
    assert!(!app.data_dir.join("evil.png").exists());
}

/// A backup's file name takes the nickname only as far as it is a safe file name: an account
/// whose stored nickname holds separators or is very long still gets its archive, inside the
/// backups folder.
#[tokio::test]
async fn backup_file_names_are_safe_whatever_the_nickname() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let odd = format!("../../{}", "n".repeat(300));
    app.user_with(&odd, |_| {}).await;
    let reply = app
        .request(Method::POST, "/api/v1/pleroma/admin/backups", Some(&admin_token), Some(json!({"nickname": odd})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    app.run_jobs().await;
    let dir = app.data_dir.join("uploads/backups");
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with(&format!("archive-{}-", "n".repeat(64))) && names[0].len() < 255, "{names:?}");
    assert!(!app.data_dir.join("nnn").exists());
}
