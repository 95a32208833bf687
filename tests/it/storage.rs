//! Shared storage (issue 28 §4): two gateway processes on one database, each with its own data
//! directory, share uploads, emoji packs, installed frontends and backups through the storage —
//! an S3-compatible object store (s3s over a directory, in-process on loopback) or a shared
//! directory — and every process reloads its emoji index when another changes a pack.
use std::{
    io::Write,
    time::{Duration, Instant},
};

use pleroma_gateway::config::{storage::Backend, FrontendRef, Settings, Storage};
use reqwest::{multipart, Method, StatusCode};
use serde_json::{json, Value};

use crate::common::TestApp;

/// A tiny PNG (the signature and an IHDR chunk are what sniffing reads).
fn png(tag: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00".to_vec();
    bytes.extend_from_slice(&[tag; 16]);
    bytes
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const ACCESS_KEY: &str = "gateway-test";
const SECRET_KEY: &str = "gateway-test-secret";
const BUCKET: &str = "gateway";

/// An S3-compatible server on loopback (s3s-fs keeps the objects under a temporary directory);
/// returns its endpoint and the directory.
async fn s3_server() -> (String, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join(BUCKET)).unwrap();
    let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build().into_shared();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { continue };
            let service = service.clone();
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(socket);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    (format!("http://{addr}"), root)
}

fn s3(endpoint: &str) -> Storage {
    Storage {
        backend: Backend::S3,
        bucket: Some(BUCKET.into()),
        endpoint: Some(endpoint.into()),
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(SECRET_KEY.into()),
        allow_http: true,
        ..Storage::default()
    }
}

fn configure(settings: &mut Settings, storage: &Storage) {
    settings.storage = storage.clone();
    settings.frontends.admin = Some(FrontendRef { name: "admin-fe".into(), git_ref: "stable".into() });
}

async fn upload(app: &TestApp, path: &str, token: &str, form: multipart::Form) -> (StatusCode, Value) {
    let reply = app.client.post(format!("{}{path}", app.base)).bearer_auth(token).multipart(form).send().await.unwrap();
    let status = reply.status();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn fetch(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let response = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

/// Wait (up to 10 s) until `check` holds on what `path` answers.
async fn eventually(app: &TestApp, path: &str, check: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let reply = app.get(path, None).await;
        if check(&reply.body) {
            return reply.body;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{path} never matched: {}", reply.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Everything §4 asks, through the storage `storage`, with two processes `a` and `b`.
async fn two_processes_share(storage: Storage) {
    let a = TestApp::with_settings(|s| configure(s, &storage)).await;
    let b = a.sharing(|s| configure(s, &storage)).await;
    assert_ne!(a.data_dir, b.data_dir);
    let token = a.admin_token().await;

    // An emoji uploaded through one is served by the other, and in its index.
    let reply = a.request(Method::POST, "/api/v1/pleroma/emoji/pack?name=shared", Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let form = multipart::Form::new()
        .part("file", multipart::Part::bytes(png(7)).file_name("blob.png"))
        .text("shortcode", "blob");
    let (status, body) = upload(&a, "/api/v1/pleroma/emoji/packs/files?name=shared", &token, form).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"blob": "blob.png"})));
    assert_eq!(fetch(&b, "/emoji/shared/blob.png").await, (StatusCode::OK, png(7)));
    let list = eventually(&b, "/api/v1/pleroma/emoji", |v| v.get("blob").is_some()).await;
    assert_eq!(list["blob"], json!({"image_url": "/emoji/shared/blob.png", "tags": ["pack:shared"]}));
    let pack = b.get("/api/v1/pleroma/emoji/pack?name=shared", None).await;
    assert_eq!(pack.body["files"], json!({"blob": "blob.png"}), "{}", pack.text);
    // A change made through the other one comes back (its copy was pulled first).
    let reply = b
        .request(Method::DELETE, "/api/v1/pleroma/emoji/packs/files?name=shared&shortcode=blob", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(fetch(&a, "/emoji/shared/blob.png").await.0, StatusCode::NOT_FOUND);
    eventually(&a, "/api/v1/pleroma/emoji", |v| v.get("blob").is_none()).await;

    // A frontend installed through one is served by both.
    let jobs = a.state.spawn_jobs(pleroma_gateway::jobs::RunnerOptions {
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        ..Default::default()
    });
    std::fs::create_dir_all(a.data_dir.join("frontend_archives")).unwrap();
    let build = zip_of(&[("dist/index.html", "<html>admin</html>"), ("dist/static/app.js", "app()")]);
    std::fs::write(a.data_dir.join("frontend_archives/admin.zip"), build).unwrap();
    let body = json!({"name": "admin-fe", "ref": "stable", "file": "admin.zip"});
    let reply = a.request(Method::POST, "/api/v1/pleroma/admin/frontends/install", Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    drop(jobs);
    for app in [&a, &b] {
        assert_eq!(fetch(app, "/pleroma/admin/").await, (StatusCode::OK, b"<html>admin</html>".to_vec()));
        let response = app.client.get(format!("{}/pleroma/admin/static/app.js", app.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/javascript");
        assert_eq!(response.text().await.unwrap(), "app()");
        assert_eq!(fetch(app, "/pleroma/admin/static/missing.js").await.0, StatusCode::NOT_FOUND);
        let list = app.get("/api/v1/pleroma/admin/frontends", Some(&token)).await;
        let fe = list.body.as_array().unwrap().iter().find(|f| f["name"] == json!("admin-fe")).unwrap().clone();
        assert_eq!((&fe["installed"], &fe["installed_refs"]), (&json!(true), &json!(["stable"])), "{}", list.text);
    }

    // A backup requested on one is downloadable from the other.
    let alice = a.user("alice").await;
    let alice_token = a.token(&alice, "read write").await;
    let reply = a.request(Method::POST, "/api/v1/pleroma/backups", Some(&alice_token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // (The runner started above may have built it already.)
    a.run_jobs().await;
    let started = Instant::now();
    let list = loop {
        let list = b.get("/api/v1/pleroma/backups", Some(&alice_token)).await;
        if list.body[0]["processed"] == json!(true) {
            break list;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{}", list.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let url = list.body[0]["url"].as_str().unwrap().trim_start_matches("http://localhost:4000").to_string();
    let (status, bytes) = fetch(&b, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes.len() as i64, list.body[0]["file_size"].as_i64().unwrap());
    assert!(bytes.starts_with(b"PK"));

    // An upload made through one is served by the other.
    let part = multipart::Part::bytes(png(3)).file_name("photo.png").mime_str("image/png").unwrap();
    let (status, body) = upload(&a, "/api/v1/media", &alice_token, multipart::Form::new().part("file", part)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let file = body["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(fetch(&b, &format!("/media/{file}")).await, (StatusCode::OK, png(3)));
}

#[tokio::test]
async fn two_processes_share_files_through_an_s3_store() {
    let (endpoint, objects) = s3_server().await;
    two_processes_share(s3(&endpoint)).await;
    // The objects keep the data directory's layout.
    let bucket = objects.path().join(BUCKET);
    assert!(bucket.join("static/frontends/admin-fe/stable/index.html").is_file());
    assert!(bucket.join("static/emoji/shared/pack.json").is_file());
    assert!(std::fs::read_dir(bucket.join("uploads/backups")).unwrap().count() == 1);
}

#[tokio::test]
async fn two_processes_share_files_through_a_shared_directory() {
    let root = tempfile::tempdir().unwrap();
    two_processes_share(Storage { root: Some(root.path().to_path_buf()), ..Storage::default() }).await;
    assert!(root.path().join("static/frontends/admin-fe/stable/static/app.js").is_file());
}

/// Without `[storage]`, files stay where they always were: the data directory is the store.
#[tokio::test]
async fn the_default_storage_is_the_data_directory() {
    let app = TestApp::with_settings(|s| {
        s.frontends.admin = Some(FrontendRef { name: "admin-fe".into(), git_ref: "stable".into() })
    })
    .await;
    let token = app.admin_token().await;
    let reply = app.request(Method::POST, "/api/v1/pleroma/emoji/pack?name=local", Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let form = multipart::Form::new().part("file", multipart::Part::bytes(png(1)).file_name("a.png"));
    let (status, _) = upload(&app, "/api/v1/pleroma/emoji/packs/files?name=local", &token, form).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(std::fs::read(app.data_dir.join("static/emoji/local/a.png")).unwrap(), png(1));
    // A build copied by hand into the data directory is served.
    let dir = app.data_dir.join("static/frontends/admin-fe/stable");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<html>by hand</html>").unwrap();
    assert_eq!(fetch(&app, "/pleroma/admin").await, (StatusCode::OK, b"<html>by hand</html>".to_vec()));
    for bad in ["/pleroma/admin/..%2F..%2Fgateway.db", "/pleroma/admin/a%5Cb", "/pleroma/admin/x:y"] {
        assert_eq!(fetch(&app, bad).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
}

/// No admin frontend configured: nothing is served there.
#[tokio::test]
async fn no_admin_frontend_configured_is_not_found() {
    let app = TestApp::new().await;
    assert_eq!(fetch(&app, "/pleroma/admin/").await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, "/pleroma/admin/index.html").await.0, StatusCode::NOT_FOUND);
}
