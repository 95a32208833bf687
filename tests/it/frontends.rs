//! Frontends (ROUTES.md §19): the known list, installing a build served on loopback through the
//! job queue, hostile archives refused with nothing written, errors and privileges.
use std::{io::Write, time::Duration};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, zip_patched, TestApp};

const LIST: &str = "/api/v1/pleroma/admin/frontends";
const INSTALL: &str = "/api/v1/pleroma/admin/frontends/install";
const FAILED: &str = "Could not download or unzip the frontend";

/// A zip of `(name, content)` entries.
fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Serve `archives` (path → bytes) on a loopback port; returns its base URL.
async fn serve(archives: Vec<(&'static str, Vec<u8>)>) -> String {
    let mut router = axum::Router::new();
    for (path, bytes) in archives {
        router = router.route(path, axum::routing::get(move || async move { bytes.clone() }));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn runner(app: &TestApp) -> pleroma_gateway::jobs::RunnerHandle {
    app.state.spawn_jobs(pleroma_gateway::jobs::RunnerOptions {
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        ..Default::default()
    })
}

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|f| f["name"] == json!(name)).unwrap_or_else(|| panic!("{name} in {list}"))
}

/// Every file under `dir`, relative.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn frontends_list_pleroma_defaults_on_both_prefixes() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for path in both_prefixes(LIST) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let names: Vec<&str> = reply.body.as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["admin-fe", "fedi-fe", "glitch-lily", "kenoma", "pleroma-fe", "soapbox"]);
        let fe = find(&reply.body, "pleroma-fe");
        assert_eq!(keys(fe), ["build_url", "git", "installed", "installed_refs", "name", "ref"]);
        assert_eq!(
            fe,
            &json!({
                "name": "pleroma-fe",
                "git": "https://git.pleroma.social/pleroma/pleroma-fe",
                "build_url": "https://git.pleroma.social/pleroma/pleroma-fe/-/jobs/artifacts/${ref}/download?job=build",
                "ref": "develop",
                "installed": false,
                "installed_refs": [],
            })
        );
    }
}

#[tokio::test]
async fn frontend_installed_from_a_zip_served_on_loopback() {
    let app = TestApp::with_settings(|s| s.http.allow_private_addresses = true).await;
    let token = app.admin_token().await;
    let build = zip_of(&[("dist/index.html", "<html>fe</html>"), ("dist/static/app.js", "app()"), ("README", "x")]);
    let other = zip_of(&[("build/index.html", "<html>custom</html>")]);
    let base = serve(vec![("/builds/stable.zip", build), ("/custom.zip", other)]).await;
    let jobs = runner(&app);
    let [v1, legacy] = both_prefixes(INSTALL);
    let body = json!({"name": "pleroma-fe", "ref": "stable", "build_url": format!("{base}/builds/${{ref}}.zip")});
    let reply = app.request(Method::POST, &v1, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let fe = find(&reply.body, "pleroma-fe");
    assert_eq!(fe["installed"], json!(true));
    assert_eq!(fe["installed_refs"], json!(["stable"]));
    let dir = app.data_dir.join("static/frontends/pleroma-fe/stable");
    assert_eq!(files_under(&dir), ["index.html", "static/app.js"]);
    assert_eq!(std::fs::read_to_string(dir.join("index.html")).unwrap(), "<html>fe</html>");

    // A frontend the configuration does not know, with its own build_dir, on the old prefix:
    // listed after the known ones with null git/build_url/ref.
    let body =
        json!({"name": "custom-fe", "ref": "v1", "build_url": format!("{base}/custom.zip"), "build_dir": "build"});
    let reply = app.request(Method::POST, &legacy, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let list = reply.body.as_array().unwrap();
    assert_eq!(
        list.last().unwrap(),
        &json!({"name": "custom-fe", "git": null, "build_url": null, "ref": null, "installed": true, "installed_refs": ["v1"]})
    );
    let reply = app.get(LIST, Some(&token)).await;
    assert_eq!(reply.body, Value::Array(list.clone()));

    // From a server-side file in the frontend archive directory, replacing the installed ref.
    std::fs::create_dir_all(app.data_dir.join("frontend_archives")).unwrap();
    let file = app.data_dir.join("frontend_archives/upload.zip");
    std::fs::write(&file, zip_of(&[("dist/index.html", "<html>v2</html>")])).unwrap();
    let body = json!({"name": "pleroma-fe", "ref": "stable", "file": file.display().to_string()});
    let reply = app.request(Method::POST, INSTALL, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(files_under(&dir), ["index.html"]);
    assert_eq!(std::fs::read_to_string(dir.join("index.html")).unwrap(), "<html>v2</html>");
    jobs.stop().await;
}

/// Every hostile archive is refused whole with a 400 naming the problem (after Pleroma's text),
/// and nothing is written: no frontend, no escaped file, no leftovers. The archives are read
/// from the archive directory, the same unpacking a download goes through.
#[tokio::test]
async fn hostile_frontend_archives_are_refused_with_nothing_written() {
    let app = TestApp::with_settings(|s| s.http.allow_private_addresses = true).await;
    let token = app.admin_token().await;
    let ok: (&str, &[u8]) = ("dist/index.html", b"ok");
    let symlink = {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("dist/index.html", options).unwrap();
        zip.write_all(b"ok").unwrap();
        zip.add_symlink("dist/passwd", "/etc/passwd", options).unwrap();
        zip.finish().unwrap().into_inner()
    };
    let long = format!("dist/{}", "a".repeat(300));
    let many: Vec<String> = (0..=20_000).map(|i| format!("dist/{i}")).collect();
    let many: Vec<(&str, &[u8])> = many.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let zeros = vec![0u8; 4 << 20];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("slip", zip_patched(&[ok, ("../evil.txt", b"x")], None), "a path climbing out with \"..\": ../evil.txt"),
        ("nested", zip_patched(&[ok, ("dist/../../evil.txt", b"x")], None), "climbing out"),
        ("inner", zip_patched(&[ok, ("dist/../dist/x", b"x")], None), "climbing out"),
        ("absolute", zip_patched(&[ok, ("/tmp/pleroma-gateway-evil.txt", b"x")], None), "an absolute path"),
        ("drive", zip_patched(&[ok, ("C:/evil.txt", b"x")], None), "an absolute path"),
        ("backslash", zip_patched(&[ok, ("dist\\..\\..\\evil.txt", b"x")], None), "a name with a backslash"),
        ("nul", zip_patched(&[ok, ("dist/aXb", b"x")], Some(("dist/aXb", "dist/a\0b"))), "a name with a NUL byte"),
        ("empty", zip_patched(&[ok, ("dist//x", b"x")], None), "an empty or \".\" path segment"),
        ("dot", zip_patched(&[ok, ("./dist/x", b"x")], None), "an empty or \".\" path segment"),
        ("symlink", symlink, "a symbolic link: dist/passwd"),
        ("twice", zip_patched(&[ok, ("dist/index.htmX", b"evil")], Some(("index.htmX", "index.html"))), "twice"),
        (
            "file-folder",
            zip_patched(&[ok, ("dist/a", b"x"), ("dist/a/b", b"y")], None),
            "both as a file and as a folder",
        ),
        ("long", zip_patched(&[ok, (long.as_str(), b"x")], None), "a name too long"),
        ("entries", zip_patched(&many, None), "more than the limit of 20000"),
        ("bomb", zip_patched(&[ok, ("dist/zeros.bin", &zeros)], None), "compressed more than 100 to 1"),
        ("no-dist", zip_patched(&[("build/index.html", b"x")], None), "no dist folder"),
        ("garbage", b"not a zip".to_vec(), "Not a zip archive"),
    ];
    let archives = app.data_dir.join("frontend_archives");
    std::fs::create_dir_all(&archives).unwrap();
    let jobs = runner(&app);
    for (i, (name, bytes, why)) in cases.into_iter().enumerate() {
        std::fs::write(archives.join(format!("{name}.zip")), bytes).unwrap();
        let path = both_prefixes(INSTALL)[i % 2].clone();
        let body = json!({"name": "pleroma-fe", "ref": "bad", "file": format!("{name}.zip")});
        let reply = app.request(Method::POST, &path, Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}: {}", reply.text);
        let error = reply.body["error"].as_str().unwrap_or_default();
        assert!(error.starts_with(&format!("{FAILED}: ")) && error.contains(why), "{name}: {error}");
    }
    jobs.stop().await;
    assert_eq!(files_under(&app.data_dir.join("static")), Vec::<String>::new());
    assert_eq!(files_under(&app.data_dir.join("tmp")), Vec::<String>::new());
    assert!(!app.data_dir.join("evil.txt").exists());
    assert!(!std::path::Path::new("/tmp/pleroma-gateway-evil.txt").exists());
    let reply = app.get(LIST, Some(&token)).await;
    assert_eq!(find(&reply.body, "pleroma-fe")["installed"], json!(false));
}

/// A download that fails is Pleroma's text and the reason.
#[tokio::test]
async fn a_failed_download_names_the_reason() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let base = serve(vec![]).await;
    let jobs = runner(&app);
    let body = json!({"name": "pleroma-fe", "ref": "bad", "build_url": format!("{base}/missing.zip")});
    let reply = app.request(Method::POST, INSTALL, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap_or_default().starts_with(&format!("{FAILED}: ")), "{}", reply.text);
    jobs.stop().await;
}

#[tokio::test]
async fn frontend_install_errors_and_refusals() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    // No ref given or configured.
    let reply = app.request(Method::POST, INSTALL, Some(&token), Some(json!({"name": "unknown-fe"}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "No ref given or configured"}));
    // A name or ref that would leave the frontends directory.
    let reply = app
        .request(Method::POST, INSTALL, Some(&token), Some(json!({"name": "../x", "ref": "a", "file": "/x.zip"})))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app
        .request(
            Method::POST,
            INSTALL,
            Some(&token),
            Some(json!({"name": "pleroma-fe", "ref": "..", "file": "/x.zip"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // Missing name: validation.
    let reply = app.request(Method::POST, INSTALL, Some(&token), Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // Privileges and scopes.
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let reply = app.get(LIST, Some(&mod_token)).await;
    assert_eq!(reply.body, json!({"error": "User is not an admin."}));
    let admin = app.admin("boss").await;
    let read_only = app.token(&admin, "admin:read").await;
    assert_eq!(app.get(LIST, Some(&read_only)).await.status, StatusCode::OK);
    let reply = app.request(Method::POST, INSTALL, Some(&read_only), Some(json!({"name": "pleroma-fe"}))).await;
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: admin:write."}));
}

#[tokio::test]
async fn configured_frontends_replace_the_defaults() {
    let app = TestApp::with_settings(|s| {
        s.frontends.available = Some(vec![pleroma_gateway::config::FrontendEntry {
            name: "mine".into(),
            git: None,
            build_url: Some("http://127.0.0.1:9/${ref}.zip".into()),
            git_ref: Some("main".into()),
            build_dir: None,
        }])
    })
    .await;
    let token = app.admin_token().await;
    let reply = app.get(LIST, Some(&token)).await;
    assert_eq!(
        reply.body,
        json!([{"name": "mine", "git": null, "build_url": "http://127.0.0.1:9/${ref}.zip", "ref": "main", "installed": false, "installed_refs": []}])
    );
    let body = app.graphql(Some(&token), "{ frontends { name ref installedRefs } }", json!({})).await;
    assert_eq!(body["data"]["frontends"], json!([{"name": "mine", "ref": "main", "installedRefs": []}]));
}

#[tokio::test]
async fn archives_over_the_size_cap_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // 2 MiB that do not compress (a zip bomb's high ratio is refused on its own, above).
    let mut noise = Vec::with_capacity(2 << 20);
    let mut x: u32 = 0x9e37_79b9;
    while noise.len() < 2 << 20 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise.extend_from_slice(&x.to_le_bytes());
    }
    let bytes = zip_patched(&[("dist/index.html", b"ok"), ("dist/noise.bin", &noise)], None);
    let (tmp, root) = (dir.path().join("tmp"), dir.path().join("frontends"));
    let target = pleroma_gateway::domain::frontends::Target {
        tmp_parent: &tmp,
        root: &root,
        name: "fe",
        git_ref: "r",
        build_dir: "dist",
    };
    let err = pleroma_gateway::domain::frontends::install_archive(&bytes, &target, 1 << 20).unwrap_err();
    assert!(err.to_string().contains("size limit of 1048576 bytes"), "{err}");
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
    // Under a cap it fits, it installs; installing again replaces it.
    pleroma_gateway::domain::frontends::install_archive(&bytes, &target, 8 << 20).unwrap();
    assert_eq!(files_under(&root), ["fe/r/index.html", "fe/r/noise.bin"]);
    let other = zip_patched(&[("dist/index.html", b"v2")], None);
    pleroma_gateway::domain::frontends::install_archive(&other, &target, 8 << 20).unwrap();
    assert_eq!(files_under(&root), ["fe/r/index.html"]);
    assert_eq!(files_under(&tmp), Vec::<String>::new());
}

/// `file` names an archive on the server: only a regular file inside the frontend archive
/// directory (symlinks resolved), never the database's files. Each refusal is a 400 naming the
/// problem, before any job runs, and nothing is written.
#[tokio::test]
async fn frontend_install_file_only_from_the_archive_directory() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let jobs = runner(&app);
    let archives = app.data_dir.join("frontend_archives");
    std::fs::create_dir_all(archives.join("sub")).unwrap();
    let good = zip_of(&[("dist/index.html", "<html>good</html>")]);
    std::fs::write(archives.join("good.zip"), &good).unwrap();
    std::fs::write(app.data_dir.join("outside.zip"), &good).unwrap();
    std::os::unix::fs::symlink(app.data_dir.join("outside.zip"), archives.join("link.zip")).unwrap();
    std::os::unix::fs::symlink(&app.data_dir, archives.join("up")).unwrap();
    // The database (SQLite's file, or on PostgreSQL the data directory's default one), also
    // hard-linked into the archive directory under an innocent name.
    let url = app.state.settings().database_url.clone();
    let db_file = match url.strip_prefix("sqlite://") {
        Some(rest) => std::path::PathBuf::from(rest.split('?').next().unwrap()),
        None => {
            std::fs::write(app.data_dir.join("gateway.db"), b"SQLite format 3\0").unwrap();
            app.data_dir.join("gateway.db")
        }
    };
    std::fs::hard_link(&db_file, archives.join("db.zip")).unwrap();
    let db = db_file.display().to_string();
    let outside = app.data_dir.join("outside.zip").display().to_string();
    let dotted = archives.join("sub/../good.zip").display().to_string();
    let cases: &[(&str, &str)] = &[
        ("/etc/passwd", "is outside the frontend archive directory"),
        (&dotted, "is outside the frontend archive directory"),
        ("/proc/self/environ", "is outside the frontend archive directory"),
        (&outside, "is outside the frontend archive directory"),
        ("../outside.zip", "is outside the frontend archive directory"),
        ("sub/../../outside.zip", "is outside the frontend archive directory"),
        ("link.zip", "resolves outside the frontend archive directory"),
        ("up/outside.zip", "resolves outside the frontend archive directory"),
        (&db, "is outside the frontend archive directory"),
        ("db.zip", "is one of the gateway's database files"),
        ("sub", "is not a regular file"),
        ("missing.zip", "is not in the frontend archive directory"),
        ("bad\0.zip", "NUL"),
        ("", "is not a file name"),
    ];
    for (i, (file, why)) in cases.iter().enumerate() {
        let path = both_prefixes(INSTALL)[i % 2].clone();
        let body = json!({"name": "pleroma-fe", "ref": "stable", "file": file});
        let reply = app.request(Method::POST, &path, Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{file}: {}", reply.text);
        let error = reply.body["error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{file}: {error}");
    }
    // GraphQL refuses the same way.
    let query =
        "mutation($f: String) { installFrontend(input: {name: \"pleroma-fe\", ref: \"stable\", file: $f}) { jobId } }";
    let body = app.graphql(Some(&token), query, json!({"f": "/etc/passwd"})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("is outside"), "{body}");
    assert_eq!(files_under(&app.data_dir.join("static")), Vec::<String>::new());
    assert_eq!(files_under(&app.data_dir.join("tmp")), Vec::<String>::new());
    // The database still takes and keeps writes.
    let user = app.user("after").await;
    assert_eq!(app.get(&format!("/api/v1/accounts/{}", user.id), None).await.status, StatusCode::OK);

    // An archive in the directory installs, named relatively or absolutely.
    let body = json!({"name": "pleroma-fe", "ref": "stable", "file": "good.zip"});
    let reply = app.request(Method::POST, INSTALL, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let installed = app.data_dir.join("static/frontends/pleroma-fe/stable/index.html");
    assert_eq!(std::fs::read_to_string(installed).unwrap(), "<html>good</html>");
    let absolute = archives.join("good.zip").display().to_string();
    let body = json!({"name": "pleroma-fe", "ref": "v2", "file": absolute});
    let reply = app.request(Method::POST, INSTALL, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    jobs.stop().await;
}

/// An archive directory that holds the database (configured as the data directory itself)
/// still never hands out the database's files.
#[tokio::test]
async fn frontend_install_file_never_reads_the_database() {
    let app = TestApp::with_settings(|s| s.frontends.archive_dir = Some(s.data_dir.clone())).await;
    let token = app.admin_token().await;
    let url = app.state.settings().database_url.clone();
    let mut names = vec!["gateway.db".to_string(), "gateway.db-wal".to_string(), "gateway.db-shm".to_string()];
    for name in &names {
        std::fs::write(app.data_dir.join(name), b"placeholder").unwrap();
    }
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let db = std::path::Path::new(rest.split('?').next().unwrap());
        names.push(db.file_name().unwrap().to_string_lossy().into_owned());
    }
    for name in &names {
        let body = json!({"name": "pleroma-fe", "ref": "stable", "file": name});
        let reply = app.request(Method::POST, INSTALL, Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}: {}", reply.text);
        assert_eq!(reply.body["error"], json!(format!("file \"{name}\" is one of the gateway's database files")));
    }
    assert_eq!(files_under(&app.data_dir.join("static")), Vec::<String>::new());
}
