//! The facade machinery: operations, fallbacks and the OpenAPI document.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::TestApp;

/// Every route's operation parses and fits the schema (the facade refuses to start otherwise),
/// and each route is served on both prefixes.
#[tokio::test]
async fn every_operation_compiles_and_is_served() {
    let app = TestApp::new().await;
    let facade = &app.state.facade;
    assert!(!facade.routes.is_empty());
    for compiled in &facade.routes {
        let paths = compiled.route.paths();
        if compiled.route.path.starts_with("/api/v1/pleroma/") && compiled.route.legacy_alias {
            assert_eq!(paths.len(), 2, "{}", compiled.route.path);
        }
        // Fixed bodies are sent as written: they must be JSON (start-up checks it too).
        if let pleroma_gateway::rest::Action::Operation(op) = &compiled.route.action {
            if let pleroma_gateway::rest::Shape::Literal(text) = op.shape {
                assert!(serde_json::from_str::<serde_json::Value>(text).is_ok(), "{text}");
            }
        }
    }
}

#[tokio::test]
async fn fallbacks_are_json() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v1/pleroma/admin/nonexistent", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not implemented"})));
    let reply = app.get("/nowhere", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
    let reply = app.request(Method::PATCH, "/api/v1/pleroma/admin/users/bob/credentials/x", None, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/users/bob/permission_group", None, None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::METHOD_NOT_ALLOWED, json!({"error": "Method not allowed"})));
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = TestApp::new().await;
    let reply = app.get("/api/openapi", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.body;
    assert_eq!(doc["openapi"], "3.0.3");
    for compiled in &app.state.facade.routes {
        for path in compiled.route.paths() {
            // A catch-all `{*rest}` is documented as `{rest}`.
            let path = path.replace("{*", "{");
            let op = &doc["paths"][&path][compiled.route.method.as_str().to_lowercase()];
            assert!(op.is_object(), "{} {path} missing", compiled.route.method);
            assert_eq!(op["summary"], compiled.route.summary);
            if compiled.access.iter().any(|a| *a != pleroma_gateway::auth::Access::Public) {
                assert!(op["responses"]["403"].is_object(), "{path}");
            }
            // Every path segment parameter is declared (OpenAPI requires it).
            for segment in path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
                let declared =
                    op["parameters"].as_array().unwrap().iter().any(|p| p["name"] == segment && p["in"] == "path");
                assert!(declared, "{path}: path parameter {segment} undeclared");
            }
        }
    }
    let list = &doc["paths"]["/api/pleroma/admin/users"]["get"];
    let names: Vec<&str> = list["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["query", "filters[]", "page", "page_size", "tags[]", "actor_types[]", "name", "email"]);
    assert_eq!(list["security"], json!([{"oAuth": ["admin:read:accounts"]}]));
    let show = &doc["paths"]["/api/v1/pleroma/admin/users/{nickname}"]["get"];
    assert_eq!(
        show["parameters"][0],
        json!({"name": "nickname", "in": "path", "required": true, "schema": {"type": "string"}})
    );
    assert!(show["responses"]["404"].is_object());
}

/// Every admin route in the table refuses anonymous callers, plain users, unprivileged
/// moderators and tokens without its scope — with Pleroma's exact bodies, on both prefixes.
#[tokio::test]
async fn every_admin_route_refuses_the_unauthorized() {
    use pleroma_gateway::auth::Access;
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let plain = app.user("plain").await;
    let moderator = app.moderator("mod").await;
    let plain_token = app.token(&plain, "read write follow push admin").await;
    let mod_token = app.token(&moderator, "read write follow push admin").await;
    let scopeless = app.token(&admin, "read write follow push").await;
    let moderator_privileges = app.state.settings().instance.moderator_privileges.clone();
    let param = regex::Regex::new(r"\{[a-z_]+\}").unwrap();
    let mut checked = 0;
    for compiled in &app.state.facade.routes {
        if !compiled.access.iter().any(|a| matches!(a, Access::Admin(_) | Access::Staff(..))) {
            // Rows for any signed-in user or any token refuse anonymous callers alike.
            if compiled.access.iter().any(|a| *a != Access::Public) {
                for path in compiled.route.paths() {
                    let path = param.replace_all(&path, "plain").to_string();
                    let method = reqwest::Method::from_bytes(compiled.route.method.as_str().as_bytes()).unwrap();
                    let reply = app.request(method.clone(), &path, None, None).await;
                    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}: {}", reply.text);
                    assert_eq!(reply.body, json!({ "error": "Invalid credentials." }), "{method} {path}");
                }
            }
            continue;
        }
        let admin_only = compiled.access.iter().any(|a| matches!(a, Access::Admin(_)));
        let unprivileged =
            compiled.access.iter().any(|a| matches!(a, Access::Staff(p, _) if !moderator_privileges.contains(p)));
        for path in compiled.route.paths() {
            let path = param.replace_all(&path, "plain").to_string();
            let method = reqwest::Method::from_bytes(compiled.route.method.as_str().as_bytes()).unwrap();
            let expect = |reply: crate::common::Reply, message: String| {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}: {}", reply.text);
                assert_eq!(reply.body, json!({ "error": message }), "{method} {path}");
            };
            expect(app.request(method.clone(), &path, None, None).await, "Invalid credentials.".into());
            expect(
                app.request(method.clone(), &path, Some(&plain_token), None).await,
                "User is not a staff member.".into(),
            );
            if admin_only {
                expect(
                    app.request(method.clone(), &path, Some(&mod_token), None).await,
                    "User is not an admin.".into(),
                );
            } else if unprivileged {
                expect(
                    app.request(method.clone(), &path, Some(&mod_token), None).await,
                    "User isn't privileged.".into(),
                );
            }
            let scopes = compiled.access[0].scopes().join(" | ");
            expect(
                app.request(method.clone(), &path, Some(&scopeless), None).await,
                format!("Insufficient permissions: {scopes}."),
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} admin route paths checked");
}

/// Phoenix's method override: a POST carrying `_method` in a form or JSON body is that method.
#[tokio::test]
async fn method_override_in_form_and_json_bodies() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("bob").await;
    let form = app
        .send_raw(
            Method::POST,
            "/api/pleroma/admin/users/tag",
            &token,
            crate::common::FORM_URLENCODED,
            "_method=PUT&nicknames[]=bob&tags[]=force_nsfw",
        )
        .await;
    assert_eq!(form.status, StatusCode::NO_CONTENT, "{}", form.text);
    let bob = app.get("/api/v1/pleroma/admin/users/bob", Some(&token)).await;
    assert_eq!(bob.body["tags"], json!(["force_nsfw"]));
    let reply = app
        .request(
            Method::POST,
            "/api/v1/pleroma/admin/users/tag",
            Some(&token),
            Some(json!({"_method": "delete", "nicknames": ["bob"], "tags": ["force_nsfw"]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let bob = app.get("/api/v1/pleroma/admin/users/bob", Some(&token)).await;
    assert_eq!(bob.body["tags"], json!([]));
    // Without an override a POST stays a POST.
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/users/tag", Some(&token), Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// The longest array anywhere in a body.
fn longest_list(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Array(items) => items.len().max(items.iter().map(longest_list).max().unwrap_or(0)),
        serde_json::Value::Object(map) => map.values().map(longest_list).max().unwrap_or(0),
        _ => 0,
    }
}

/// Every list route in the table (a GET operation with `page_size`) runs as many statements for
/// a page of 20 as for a page of 1: an N+1 in any area, present or future, fails here.
#[tokio::test]
async fn every_list_route_runs_a_constant_number_of_statements() {
    use pleroma_gateway::rest::Action;
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let reporter = app.user("reporter").await;
    for i in 0..25 {
        let user = app.user(&format!("user{i}")).await;
        // A report about each user to list.
        let report = pleroma_gateway::domain::reports::NewReport { account_id: user.id.clone(), ..Default::default() };
        pleroma_gateway::domain::reports::file(&app.state.db, &app.state.settings(), &reporter, &report).await.unwrap();
        // Tags and moderation-log entries to list.
        let tag = json!({"nicknames": [format!("user{i}")], "tags": ["x", format!("t{i}")]});
        let reply = app.request(Method::PUT, "/api/v1/pleroma/admin/users/tag", Some(&token), Some(tag)).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
    }
    // OAuth apps to list (untrusted: the admin list's default filter).
    for i in 0..25 {
        let new = pleroma_gateway::domain::oauth::NewApp {
            client_name: format!("app{i}"),
            redirect_uris: "urn:ietf:wg:oauth:2.0:oob".into(),
            scopes: vec!["read".into()],
            website: None,
            user_id: None,
        };
        pleroma_gateway::domain::oauth::create_app(&app.state.db.write, new).await.unwrap();
    }
    // Statuses to list: user0's, and a remote instance's.
    let user0 = pleroma_gateway::domain::users::find_by_nickname(&app.state.db.read, "user0").await.unwrap().unwrap();
    let remote = app.remote_user("carol", "remote.example").await;
    for i in 0..25 {
        let new =
            pleroma_gateway::domain::statuses::NewStatus { status: Some(format!("post {i}")), ..Default::default() };
        pleroma_gateway::domain::statuses::create(&app.state.db, &app.state.settings(), &user0, new).await.unwrap();
        crate::statuses::remote_status(&app, &remote, "public").await;
    }
    // Banned media-proxy URLs to list.
    let banned: Vec<String> = (0..25).map(|i| format!("https://media.example/{i}.png")).collect();
    pleroma_gateway::domain::media_proxy::ban(&app.state.db.write, &banned).await.unwrap();
    let param = regex::Regex::new(r"\{[a-z_]+\}").unwrap();
    let mut checked = Vec::new();
    for compiled in &app.state.facade.routes {
        let (Action::Operation(_), Some(operation)) = (&compiled.route.action, &compiled.operation) else { continue };
        if compiled.route.method != axum::http::Method::GET
            || !operation.variables.iter().any(|(n, _)| n == "page_size")
        {
            continue;
        }
        // Emoji pack lists are read from the emoji directory, not the database (no statements at
        // all); their paging is checked in tests/it/emoji.rs.
        if compiled.route.path.starts_with("/api/v1/pleroma/emoji/") {
            continue;
        }
        let path = compiled.route.path.replace("{instance}", "remote.example");
        let path = param.replace_all(&path, "user0").to_string();
        let run = |size: usize| {
            let (app, token, path) = (&app, token.clone(), path.clone());
            async move {
                let url = format!("{path}?page_size={size}");
                app.get(&url, Some(&token)).await; // warm-up
                let before = app.statements();
                let reply = app.get(&url, Some(&token)).await;
                assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.text);
                (app.statements() - before, longest_list(&reply.body))
            }
        };
        let (one, _) = run(1).await;
        let (twenty, len) = run(20).await;
        assert_eq!(len, 20, "{path}: the page of 20 should list 20 items");
        assert_eq!(one, twenty, "{path}: statements for a page of 1 vs 20");
        checked.push(path);
    }
    assert!(checked.len() >= 2, "list routes checked: {checked:?}");
}

/// The readable reference beside the document: every route of the document on one offline page.
#[tokio::test]
async fn openapi_reference_page_lists_every_route() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi", None).await.body;
    let page = app.client.get(format!("{}/api/openapi.html", app.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    let html = page.text().await.unwrap();
    // Offline: nothing to load, and every link stays on the page or the gateway.
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src="), "offline");
    for link in html.split("href=\"").skip(1) {
        assert!(link.starts_with('#') || link.starts_with('/'), "{}", &link[..40.min(link.len())]);
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = format!("{method}-{path}").replace(['{', '}', '.'], "-");
            assert!(html.contains(&format!("id=\"{id}\"")), "{method} {path} missing");
            let summary = op["summary"]
                .as_str()
                .unwrap()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            assert!(html.contains(&summary), "{method} {path}: {summary}");
        }
    }
    assert!(html.contains("<code>admin:read:accounts</code>"));
    assert!(html.contains("<code>nickname</code></td><td>path</td><td>yes</td>"));
}

/// Every route of the specification (`tests/data/pleroma_routes.json`, a copy of the spec's
/// `routes.json`: Pleroma's router plus the routes its clients call) is served and documented, on
/// its path and on every alias it lists.
#[tokio::test]
async fn every_route_of_the_specification_is_in_the_openapi_document() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi", None).await.body;
    let spec: Value = serde_json::from_str(include_str!("../data/pleroma_routes.json")).unwrap();
    let mut missing = Vec::new();
    for route in spec.as_array().unwrap() {
        let method = route["method"].as_str().unwrap().to_lowercase();
        let aliases = route["aliases"].as_array().into_iter().flatten();
        for path in std::iter::once(&route["path"]).chain(aliases) {
            // `:name` segments are OpenAPI's `{name}`.
            let path: Vec<String> = path
                .as_str()
                .unwrap()
                .split('/')
                .map(|s| s.strip_prefix(':').map_or_else(|| s.to_owned(), |name| format!("{{{name}}}")))
                .collect();
            let path = path.join("/");
            if !doc["paths"][&path][&method].is_object() {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "{} routes not served: {missing:#?}", missing.len());
    // OpenAPI requires operation ids unique (`PUT` and its `POST` alias on one path included).
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                ids.insert(op["operationId"].to_string()),
                "{method} {path}: operationId {} repeated",
                op["operationId"]
            );
        }
    }
}
