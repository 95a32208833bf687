//! Bookmarks and bookmark folders over HTTP (Pleroma's
//! `test/pleroma/web/pleroma_api/controllers/bookmark_folder_controller_test.exs` and the
//! bookmark tests of `test/pleroma/web/mastodon_api/controllers/status_controller_test.exs`).
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};
use crate::statuses::post;

/// Statements of GET /api/v1/bookmarks with MastoStatuses, a page of any length (issue 26: exact on both engines).
const BOOKMARKS_PAGE: usize = 4; // prefetch: the statuses with their marks, the people (issue 26)

const FOLDERS: &str = "/api/v1/pleroma/bookmark_folders";

async fn create_folder(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.request(Method::POST, FOLDERS, Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

/// `bookmark_folder_controller_test.exs`: list, create (unicode and custom emoji, invalid
/// emoji), update, delete, and others' folders refused with "Access denied" — on both prefixes.
#[tokio::test]
async fn folders_are_listed_created_updated_and_deleted_as_pleroma_does() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read:bookmarks write:bookmarks").await;
    let bob_token = app.token(&bob, "read write").await;

    // A custom emoji for the `:firefox:` case.
    let dir = app.data_dir.join("static/emoji/fun");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Firefox.gif"), b"GIF89a").unwrap();
    std::fs::write(dir.join("emoji.txt"), "firefox, /emoji/fun/Firefox.gif, Fun\n").unwrap();
    pleroma_gateway::domain::emoji::index(&app.state.settings()).reload();

    for path in both_prefixes(FOLDERS) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!([])), "{path}");
    }
    let folder = create_folder(&app, &token, json!({"name": "Bookmark folder", "emoji": "📁"})).await;
    assert_eq!(keys(&folder), ["emoji", "emoji_url", "id", "name"]);
    assert_eq!(
        (&folder["name"], &folder["emoji"], &folder["emoji_url"]),
        (&json!("Bookmark folder"), &json!("📁"), &Value::Null)
    );
    let id = folder["id"].as_str().unwrap().to_string();

    let custom = create_folder(&app, &token, json!({"name": "Custom", "emoji": ":firefox:"})).await;
    assert_eq!(custom["emoji"], ":firefox:");
    assert_eq!(custom["emoji_url"], "http://localhost:4000/emoji/fun/Firefox.gif");
    // A bare shortcode is quoted; a partly qualified emoji is completed.
    let quoted = create_folder(&app, &token, json!({"name": "Quoted", "emoji": "firefox"})).await;
    assert_eq!(quoted["emoji"], ":firefox:");
    let heart = create_folder(&app, &token, json!({"name": "Heart", "emoji": "\u{2764}"})).await;
    assert_eq!(heart["emoji"], "\u{2764}\u{FE0F}");
    let plain = create_folder(&app, &token, json!({"name": "Plain"})).await;
    assert_eq!((&plain["emoji"], &plain["emoji_url"]), (&Value::Null, &Value::Null));

    // Pleroma's changeset errors: 422 {"error": messages}.
    for (body, message) in [
        (json!({"name": "x", "emoji": "not an emoji"}), "Invalid emoji"),
        (json!({"name": "Bookmark folder"}), "has already been taken"),
        (json!({"emoji": "📁"}), "can't be blank"),
        (json!({"name": ""}), "can't be blank"),
    ] {
        let reply = app.request(Method::POST, FOLDERS, Some(&token), Some(body.clone())).await;
        assert_eq!((reply.status, reply.body), (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": message})), "{body}");
    }
    // Another user may use the same name.
    create_folder(&app, &bob_token, json!({"name": "Bookmark folder"})).await;

    let list = app.get(&both_prefixes(FOLDERS)[1], Some(&token)).await.body;
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bookmark folder", "Custom", "Quoted", "Heart", "Plain"]);

    // Update: a new name; the emoji is replaced by what is sent (none: cleared, as Pleroma).
    for path in both_prefixes(&format!("{FOLDERS}/{id}")) {
        let reply = app.patch(&path, &token, json!({"name": "bookmark folder"})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body, json!({"id": id, "name": "bookmark folder", "emoji": null, "emoji_url": null}));
    }
    let reply = app.patch(&format!("{FOLDERS}/{id}"), &token, json!({"emoji": ":firefox:"})).await;
    assert_eq!((&reply.body["name"], &reply.body["emoji"]), (&json!("bookmark folder"), &json!(":firefox:")));
    let reply = app.patch(&format!("{FOLDERS}/{id}"), &token, json!({"name": "Custom"})).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "has already been taken"}))
    );
    let reply = app.patch(&format!("{FOLDERS}/{id}"), &token, json!({"emoji": "nope"})).await;
    assert_eq!((reply.status, reply.body), (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Invalid emoji"})));

    // Someone else's folder, or none: 403 "Access denied".
    for (method, path) in [
        (Method::PATCH, format!("{FOLDERS}/{id}")),
        (Method::DELETE, format!("{FOLDERS}/{id}")),
        (Method::DELETE, format!("{FOLDERS}/nope")),
    ] {
        let reply = app.request(method.clone(), &path, Some(&bob_token), Some(json!({"name": "mine"}))).await;
        assert_eq!(
            (reply.status, reply.body),
            (StatusCode::FORBIDDEN, json!({"error": "Access denied"})),
            "{method} {path}"
        );
    }

    // Scopes: reading needs read:bookmarks, writing write:bookmarks.
    let reader = app.token(&alice, "read:statuses write:statuses").await;
    let reply = app.get(FOLDERS, Some(&reader)).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: read:bookmarks."}))
    );
    let reply = app.request(Method::POST, FOLDERS, Some(&reader), Some(json!({"name": "x"}))).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: write:bookmarks."}))
    );
    let reply = app.get(FOLDERS, None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));

    // Delete: the folder as it was.
    let reply = app.request(Method::DELETE, &both_prefixes(&format!("{FOLDERS}/{id}"))[1], Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["id"], id.as_str());
    assert_eq!(app.get(FOLDERS, Some(&token)).await.body.as_array().unwrap().len(), 4);
}

/// Bookmark, rebookmark into a folder, list (all and per folder) with Link headers by bookmark
/// id, unbookmark; `bookmarked` and `pleroma.bookmark_folder` as the caller sees them.
#[tokio::test]
async fn statuses_are_bookmarked_listed_by_folder_and_unbookmarked() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    let carol_token = app.token(&carol, "read write").await;
    let folder = create_folder(&app, &token, json!({"name": "Later"})).await;
    let folder_id = folder["id"].as_str().unwrap();
    let other_folder = create_folder(&app, &bob_token, json!({"name": "Bob's"})).await;

    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            post(&app, &bob_token, json!({"status": format!("post {i}")})).await["id"].as_str().unwrap().to_string(),
        );
    }
    let private = post(&app, &bob_token, json!({"status": "secret", "visibility": "private"})).await;

    let reply = app.request(Method::POST, &format!("/api/v1/statuses/{}/bookmark", ids[0]), Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((&reply.body["bookmarked"], &reply.body["pleroma"]["bookmark_folder"]), (&json!(true), &Value::Null));
    assert_eq!(reply.body["id"], ids[0].as_str());
    // Into a folder (form-encoded too); someone else's folder id is ignored.
    let reply = app
        .send_raw(
            Method::POST,
            &format!("/api/v1/statuses/{}/bookmark", ids[1]),
            &token,
            crate::common::FORM_URLENCODED,
            &format!("folder_id={folder_id}"),
        )
        .await;
    assert_eq!(reply.body["pleroma"]["bookmark_folder"], folder_id, "{}", reply.text);
    let reply = app
        .request(
            Method::POST,
            &format!("/api/v1/statuses/{}/bookmark", ids[2]),
            Some(&token),
            Some(json!({"folder_id": other_folder["id"]})),
        )
        .await;
    assert_eq!((&reply.body["bookmarked"], &reply.body["pleroma"]["bookmark_folder"]), (&json!(true), &Value::Null));
    // Bob sees his own status unbookmarked.
    let shown = app.get(&format!("/api/v1/statuses/{}", ids[1]), Some(&bob_token)).await.body;
    assert_eq!((&shown["bookmarked"], &shown["pleroma"]["bookmark_folder"]), (&json!(false), &Value::Null));
    let shown = app.get(&format!("/api/v1/statuses/{}", ids[1]), Some(&token)).await.body;
    assert_eq!((&shown["bookmarked"], &shown["pleroma"]["bookmark_folder"]), (&json!(true), &json!(folder_id)));

    // A status the caller may not see, or none: 404 "Record not found".
    for id in [private["id"].as_str().unwrap(), "nope"] {
        for action in ["bookmark", "unbookmark"] {
            let reply =
                app.request(Method::POST, &format!("/api/v1/statuses/{id}/{action}"), Some(&carol_token), None).await;
            assert_eq!(
                (reply.status, reply.body),
                (StatusCode::NOT_FOUND, json!({"error": "Record not found"})),
                "{action} {id}"
            );
        }
    }

    // The list: newest bookmark first, keys of a MastoStatus, Link by bookmark id.
    let reply = app.get("/api/v1/bookmarks", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let listed: Vec<&str> = reply.body.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]);
    assert_eq!(keys(&reply.body[0]), keys(&app.get(&format!("/api/v1/statuses/{}", ids[0]), Some(&token)).await.body));
    assert!(reply.body.as_array().unwrap().iter().all(|s| s["bookmarked"] == true));
    let link = reply.headers["link"].to_str().unwrap().to_string();
    assert!(link.contains("rel=\"next\"") && link.contains("max_id="), "{link}");
    let next = regex::Regex::new(r"<http://localhost:4000(/api/v1/bookmarks\?[^>]*max_id=(\d+))>").unwrap();
    let caps = next.captures(&link).expect("a next link with a bookmark id");
    let reply = app.get(&format!("/api/v1/bookmarks?limit=1&max_id={}", &caps[2]), Some(&token)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 0, "{link}");
    let page = app.get("/api/v1/bookmarks?limit=2", Some(&token)).await;
    assert_eq!(page.body.as_array().unwrap().len(), 2);
    let link = page.headers["link"].to_str().unwrap().to_string();
    let max = next.captures(&link).unwrap()[2].to_string();
    let rest = app.get(&format!("/api/v1/bookmarks?max_id={max}"), Some(&token)).await.body;
    assert_eq!(
        rest.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect::<Vec<_>>(),
        [ids[0].as_str()]
    );

    // One folder's.
    let reply = app.get(&format!("/api/v1/bookmarks?folder_id={folder_id}"), Some(&token)).await;
    let listed: Vec<&str> = reply.body.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [ids[1].as_str()]);
    // Bookmarking again moves it out of the folder.
    app.request(Method::POST, &format!("/api/v1/statuses/{}/bookmark", ids[1]), Some(&token), None).await;
    assert_eq!(app.get(&format!("/api/v1/bookmarks?folder_id={folder_id}"), Some(&token)).await.body, json!([]));

    // Deleting a folder keeps its bookmarks.
    app.request(
        Method::POST,
        &format!("/api/v1/statuses/{}/bookmark", ids[1]),
        Some(&token),
        Some(json!({"folder_id": folder_id})),
    )
    .await;
    app.request(Method::DELETE, &format!("{FOLDERS}/{folder_id}"), Some(&token), None).await;
    assert_eq!(app.get("/api/v1/bookmarks", Some(&token)).await.body.as_array().unwrap().len(), 3);

    // Unbookmark: the status, no longer bookmarked; twice is the same.
    for _ in 0..2 {
        let reply =
            app.request(Method::POST, &format!("/api/v1/statuses/{}/unbookmark", ids[0]), Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["bookmarked"], false);
    }
    // A deleted status leaves the list.
    app.request(Method::DELETE, &format!("/api/v1/statuses/{}", ids[2]), Some(&bob_token), None).await;
    let listed = app.get("/api/v1/bookmarks", Some(&token)).await.body;
    assert_eq!(
        listed.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect::<Vec<_>>(),
        [ids[1].as_str()]
    );

    // Scopes: read:bookmarks to list, write:bookmarks to bookmark.
    let statuses_only = app.token(&alice, "read:statuses write:statuses").await;
    let reply = app.get("/api/v1/bookmarks", Some(&statuses_only)).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: read:bookmarks."}))
    );
    let reply =
        app.request(Method::POST, &format!("/api/v1/statuses/{}/bookmark", ids[0]), Some(&statuses_only), None).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: write:bookmarks."}))
    );
    let reply = app.get("/api/v1/bookmarks", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));
}

/// A page of 40 bookmarks costs the statements of a page of 1; GraphQL shows the same list.
#[tokio::test]
async fn a_page_of_bookmarks_costs_a_fixed_number_of_statements() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let folder = create_folder(&app, &token, json!({"name": "All"})).await;
    for i in 0..40 {
        let author = app.user(&format!("author{i}")).await;
        let author_token = app.token(&author, "write").await;
        let id = post(&app, &author_token, json!({"status": format!("hi @alice {i}")})).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.request(
            Method::POST,
            &format!("/api/v1/statuses/{id}/bookmark"),
            Some(&token),
            Some(json!({"folder_id": folder["id"]})),
        )
        .await;
    }
    app.get("/api/v1/bookmarks?limit=1", Some(&token)).await;
    let count = |limit: u32| {
        let (app, token) = (&app, &token);
        async move {
            app.state.db.record();
            let reply = app.get(&format!("/api/v1/bookmarks?limit={limit}"), Some(token)).await;
            assert_eq!(reply.body.as_array().unwrap().len(), limit as usize, "{}", reply.text);
            app.state.db.recorded().len()
        }
    };
    let one = count(1).await;
    let forty = count(40).await;
    eprintln!("GET /api/v1/bookmarks: {one} statements for a page of 1, {forty} for 40");
    // The page is prefetched (`statuses::prefetch`): no field waits on a DataLoader batch.
    assert_eq!(forty, one, "a page of 40 costs {forty} statements, a page of 1 costs {one}");
    assert_eq!(one, BOOKMARKS_PAGE);

    let body = app
        .graphql(
            Some(&token),
            "query($f: ID) { bookmarks(folderId: $f, page: {limit: 2}) { nodes { id folderId status { id bookmarked pleroma { bookmarkFolder } } } } bookmarkFolders { id name emoji emojiUrl } }",
            json!({"f": folder["id"]}),
        )
        .await;
    assert_eq!(body["data"]["bookmarks"]["nodes"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["data"]["bookmarks"]["nodes"][0]["folderId"], folder["id"]);
    assert_eq!(body["data"]["bookmarks"]["nodes"][0]["status"]["pleroma"]["bookmarkFolder"], folder["id"]);
    assert_eq!(body["data"]["bookmarkFolders"][0]["name"], "All");
    let refused = app.graphql(None, "{ bookmarkFolders { id } }", json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");
}
