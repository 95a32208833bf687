//! Input and resource limits (issue 13): deep documents, unbounded work, sizes, NUL bytes,
//! CORS and the OpenAPI document.
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{basic, Reply, TestApp, FORM_URLENCODED};

/// POST a raw JSON text to /graphql.
async fn post_graphql(app: &TestApp, token: Option<&str>, body: String) -> Reply {
    let mut req =
        app.client.post(format!("{}/graphql", app.base)).header(header::CONTENT_TYPE, "application/json").body(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    Reply::from(req.send().await.expect("request")).await
}

fn assert_bad_request_graphql(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text.chars().take(300).collect::<String>());
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{}", reply.text);
}

/// A deeply nested document is refused before the recursive parser sees it, on every path
/// (anonymous, single, batch, variable defaults), and the server keeps serving.
#[tokio::test]
async fn deep_documents_are_refused_without_crashing() {
    let app = TestApp::new().await;
    // 1 MB of brackets.
    let megabyte = json!({ "query": "[".repeat(1 << 20) }).to_string();
    assert_bad_request_graphql(&post_graphql(&app, None, megabyte).await);
    // The 3 KB case of the issue: a list literal 1,600 deep in an argument.
    let deep = format!("{{ instance {{ title(x: {}1{}) }} }}", "[".repeat(1600), "]".repeat(1600));
    assert!(deep.len() < 4000);
    let reply = post_graphql(&app, None, json!({ "query": deep }).to_string()).await;
    assert_bad_request_graphql(&reply);
    assert_eq!(reply.body["errors"][0]["message"], "Query is nested too deeply (limit 64).");
    // Objects, and a variable default.
    let objects = format!("{{ instance {{ title(x: {}) }} }}", "{a: ".repeat(1600) + &"}".repeat(1600));
    assert_bad_request_graphql(&post_graphql(&app, None, json!({ "query": objects }).to_string()).await);
    let default = format!("query($v: [Int] = {}1{}) {{ instance {{ title }} }}", "[".repeat(3000), "]".repeat(3000));
    assert_bad_request_graphql(&post_graphql(&app, None, json!({ "query": default }).to_string()).await);
    // In a batch.
    let batch = json!([{ "query": "{ instance { title } }" }, { "query": deep }]).to_string();
    assert_bad_request_graphql(&post_graphql(&app, None, batch).await);
    // Variables JSON past serde_json's recursion limit: a 400 JSON error, not a crash.
    let variables = format!(
        r#"{{"query": "{{ instance {{ title }} }}", "variables": {{"v": {}1{}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert_bad_request_graphql(&post_graphql(&app, None, variables).await);
    // Variables just under that limit are validated without trouble.
    let variables = format!(
        r#"{{"query": "query($v: JSON) {{ instance {{ title }} }}", "variables": {{"v": {}1{}}}}}"#,
        "[".repeat(120),
        "]".repeat(120)
    );
    assert_ne!(post_graphql(&app, None, variables).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    // Brackets inside a string are text, not nesting.
    let quoted = format!("{{ instance {{ title }} }} # {}", "[".repeat(5000));
    let reply = post_graphql(&app, None, json!({ "query": quoted }).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // The same server still answers.
    let reply = post_graphql(&app, None, json!({ "query": "{ instance { title } }" }).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.body["data"]["instance"]["title"].is_string(), "{}", reply.text);
}

const NODE_FIELDS: &str = "id nickname email displayName avatar isActive registrationReason local tags \
    roles { admin moderator } isConfirmed isApproved isSuggested url apId actorType createdAt";

/// Page size counts in complexity: one big page fits, many aliased big pages do not, and a
/// batch shares one budget.
#[tokio::test]
async fn complexity_counts_page_size_and_batches_share_a_budget() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let page = format!("{{ users(first: 500) {{ totalCount nodes {{ {NODE_FIELDS} }} }} }}");
    let reply = app.graphql(Some(&token), &page, json!({})).await;
    assert!(reply["errors"].is_null(), "{reply}");
    let aliased: String =
        (0..6).map(|i| format!("a{i}: users(pageSize: 500) {{ nodes {{ {NODE_FIELDS} }} }} ")).collect();
    let reply = app.graphql(Some(&token), &format!("{{ {aliased} }}"), json!({})).await;
    assert!(reply["errors"][0]["message"].as_str().unwrap().contains("complex"), "{reply}");
    // Small pages are cheap.
    let small: String = (0..20).map(|i| format!("a{i}: users(first: 5) {{ nodes {{ nickname }} }} ")).collect();
    assert!(app.graphql(Some(&token), &format!("{{ {small} }}"), json!({})).await["errors"].is_null());
    // Operations that each fit alone exceed the request's budget together.
    let one = json!({ "query": format!("{{ users(first: 500) {{ nodes {{ {NODE_FIELDS} }} }} }}") });
    let reply = app.request(Method::POST, "/graphql", Some(&token), Some(json!([one.clone()]))).await;
    assert!(reply.body[0]["errors"].is_null(), "{}", reply.text);
    let batch = vec![one; 6];
    let reply = app.request(Method::POST, "/graphql", Some(&token), Some(json!(batch))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let answers = reply.body.as_array().unwrap();
    assert!(answers[0]["errors"].is_null(), "{}", reply.text);
    let errors: Vec<&Value> = answers.iter().filter(|r| !r["errors"].is_null()).collect();
    assert!(!errors.is_empty(), "{}", reply.text);
    assert!(errors.iter().all(|e| e["errors"][0]["extensions"]["code"] == "BAD_REQUEST"), "{}", reply.text);
    // The REST list at its largest page still runs; larger pages are clamped to it.
    let reply = app.get("/api/v1/pleroma/admin/users?page_size=500", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = app.get("/api/v1/pleroma/admin/users?page_size=100000", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["page_size"], 500);
    let reply = app.get("/api/v1/pleroma/admin/moderation_log?page_size=100000", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// Search terms, tags and lists have bounded sizes: clear 400s, never 500s.
#[tokio::test]
async fn sizes_are_bounded() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("alice").await;
    // Search terms.
    let long = "a".repeat(257);
    for path in [
        format!("/api/v1/pleroma/admin/users?query={long}"),
        format!("/api/v1/pleroma/admin/users?name={long}"),
        format!("/api/v1/pleroma/admin/moderation_log?search={long}"),
    ] {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.text);
        assert!(reply.body["error"].as_str().unwrap().contains("at most 256 characters"), "{}", reply.text);
    }
    // A body over the row's limit is refused before it is read whole.
    let huge = "x".repeat(6 << 20);
    let reply =
        app.request(Method::GET, "/api/v1/pleroma/admin/users", Some(&token), Some(json!({ "query": huge }))).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text.chars().take(200).collect::<String>());
    let reply = app
        .graphql(Some(&token), "query($q: String) { users(filter: {query: $q}) { totalCount } }", json!({"q": long}))
        .await;
    assert_eq!(reply["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{reply}");
    let ok = app.get(&format!("/api/v1/pleroma/admin/users?query={}", "a".repeat(256)), Some(&token)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    // Tags: 255 characters as Pleroma's column allows, not more.
    let tag = |tags: Value| json!({ "nicknames": ["alice"], "tags": tags });
    let reply = app
        .request(Method::PUT, "/api/v1/pleroma/admin/users/tag", Some(&token), Some(tag(json!(["t".repeat(255)]))))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let reply = app
        .request(Method::PUT, "/api/v1/pleroma/admin/users/tag", Some(&token), Some(tag(json!(["t".repeat(256)]))))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text.chars().take(200).collect::<String>());
    // A 10 MB tag is over the row's body limit: refused before it is read whole.
    let reply = app
        .request(Method::PUT, "/api/v1/pleroma/admin/users/tag", Some(&token), Some(tag(json!(["t".repeat(10 << 20)]))))
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text.chars().take(200).collect::<String>());
    let many: Vec<String> = (0..40_000).map(|i| format!("t{i}")).collect();
    let reply = app.request(Method::PUT, "/api/v1/pleroma/admin/users/tag", Some(&token), Some(tag(json!(many)))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // 40,000 nicknames: refused with a 400 on every bulk route and in the user search.
    let nicknames: Vec<String> = (0..40_000).map(|i| format!("user{i}")).collect();
    for (method, path) in [
        (Method::PATCH, "/api/v1/pleroma/admin/users/deactivate"),
        (Method::DELETE, "/api/v1/pleroma/admin/users"),
        (Method::PUT, "/api/v1/pleroma/admin/users/tag"),
    ] {
        let body = json!({ "nicknames": nicknames, "tags": ["x"] });
        let reply = app.request(method, path, Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.text);
    }
    let reply =
        app.request(Method::GET, "/api/v1/pleroma/admin/users", Some(&token), Some(json!({ "tags": many }))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let accounts: Vec<Value> = (0..101)
        .map(|i| json!({"nickname": format!("n{i}"), "email": format!("n{i}@example.org"), "password": "p"}))
        .collect();
    let reply = app
        .request(Method::POST, "/api/v1/pleroma/admin/users", Some(&token), Some(json!({ "users": accounts })))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // Batched lookups by id stay clear of the bind-variable limit.
    let ids: Vec<String> = (0..40_000).map(|i| format!("id{i}")).collect();
    let tags = pleroma_gateway::domain::users::tags_of(&app.state.db.read, &ids).await.unwrap();
    assert!(tags.is_empty());
    let users = pleroma_gateway::domain::users::by_ids(&app.state.db.read, &ids).await.unwrap();
    assert!(users.is_empty());
}

/// NUL characters are refused with a 400 wherever they enter, on both engines.
#[tokio::test]
async fn nul_bytes_are_refused_at_the_edge() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user("alice").await;
    let is_400 = |reply: &Reply, what: &str| {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", reply.text);
        assert!(reply.body.is_object() || reply.body.is_string(), "{what}: {}", reply.text);
    };
    // Path and query string.
    for path in [
        "/api/v1/pleroma/admin/users/a%00b",
        "/api/v1/pleroma/admin/users?query=a%00b",
        "/api/v1/pleroma/admin/users?query=%00ab",
        "/api/v1/pleroma/admin/moderation_log?search=a%00b",
        "/api/v1/pleroma/password_reset/a%00b",
        "/api/pleroma/password_reset/a%00b",
    ] {
        is_400(&app.get(path, Some(&token)).await, path);
    }
    is_400(&app.get("/api/v1/pleroma/admin/users?access_token=a%00b", None).await, "access_token");
    let legacy = app
        .request(
            Method::PUT,
            "/api/v1/pleroma/admin/users/a%00b/activation_status",
            Some(&token),
            Some(json!({"status": true})),
        )
        .await;
    assert_eq!(legacy.status, StatusCode::BAD_REQUEST);
    assert_eq!(legacy.body, json!("Invalid parameters"));
    // JSON, form and multipart bodies.
    for (method, path) in [
        (Method::PATCH, "/api/v1/pleroma/admin/users/deactivate"),
        (Method::POST, "/oauth/token"),
        (Method::POST, "/oauth/revoke"),
        (Method::POST, "/api/v1/apps"),
        (Method::GET, "/api/v1/pleroma/admin/users"),
    ] {
        let json_body = json!({ "nicknames": ["a\u{0}b"], "query": "a\u{0}b", "token": "a\u{0}b", "client_name": "a\u{0}b",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "grant_type": "password", "username": "a\u{0}b", "password": "x",
            "client_id": "a\u{0}b", "client_secret": "x" });
        let reply = app.request(method.clone(), path, Some(&token), Some(json_body)).await;
        is_400(&reply, &format!("JSON {path}"));
        let form = "nicknames[]=a%00b&query=a%00b&token=a%00b&client_name=a%00b&redirect_uris=x&grant_type=password&username=a%00b&password=x";
        let reply = app.send_raw(method.clone(), path, &token, FORM_URLENCODED, form).await;
        is_400(&reply, &format!("form {path}"));
        let multipart = reqwest::multipart::Form::new()
            .text("query", "a\u{0}b")
            .text("client_name", "a\u{0}b")
            .text("token", "a\u{0}b");
        let reply = Reply::from(
            app.client
                .request(method.clone(), format!("{}{path}", app.base))
                .bearer_auth(&token)
                .multipart(multipart)
                .send()
                .await
                .unwrap(),
        )
        .await;
        is_400(&reply, &format!("multipart {path}"));
    }
    // A literal `\u0000` text (escaped backslash) is ordinary text.
    let reply = app
        .request(Method::GET, "/api/v1/pleroma/admin/users", Some(&token), Some(json!({ "query": "\\u0000" })))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // HTTP Basic credentials.
    is_400(&basic(&app, Method::GET, "/api/v1/pleroma/admin/users", "a\u{0}b", "pw").await, "basic user");
    is_400(&basic(&app, Method::GET, "/api/v1/pleroma/admin/users", "admin", "p\u{0}w").await, "basic password");
    // Auth schemes are case-insensitive: `basic` is checked too.
    let lower = app
        .client
        .get(format!("{}/api/v1/pleroma/admin/users", app.base))
        .header(header::AUTHORIZATION, "basic YQBiOnB3") // "a\0b:pw"
        .send()
        .await
        .unwrap();
    is_400(&Reply::from(lower).await, "lower-case basic");
    // GraphQL variables and literals.
    let reply = app.request(
        Method::POST,
        "/graphql",
        Some(&token),
        Some(json!({ "query": "query($q: String) { users(filter: {query: $q}) { totalCount } }", "variables": {"q": "ab\u{0}c"} })),
    ).await;
    // Refused by the input guard as a GraphQL request error (GraphQL over HTTP answers those 200).
    assert_eq!(reply.body["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{}", reply.text);
    assert_eq!(reply.body["data"], Value::Null, "{}", reply.text);
    let literal =
        app.graphql(Some(&token), r#"{ users(filter: {query: "ab\u0000c"}) { totalCount } }"#, json!({})).await;
    assert_eq!(literal["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{literal}");
    let literal = app
        .graphql(
            Some(&token),
            r#"mutation { tagUsers(input: {nicknames: ["alice"], tags: ["a\u0000"]}) { users { nickname } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(literal["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{literal}");
    // Nothing was written, and ordinary requests work.
    let reply = app.get("/api/v1/pleroma/admin/users?query=alice", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["count"], 1);
}

/// A browser admin UI on another origin can call the API: preflights are answered with
/// Pleroma's CORS settings, and answers carry the CORS headers.
#[tokio::test]
async fn cors_preflight_from_a_foreign_origin() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for path in ["/api/v1/pleroma/admin/users", "/graphql", "/oauth/token"] {
        let reply = app
            .client
            .request(Method::OPTIONS, format!("{}{path}", app.base))
            .header(header::ORIGIN, "https://admin.example.net")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PATCH")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization,content-type")
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "{path}: {}", reply.status());
        let h = reply.headers();
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let methods = h[header::ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap().to_string();
        for m in ["POST", "PUT", "DELETE", "GET", "PATCH", "OPTIONS"] {
            assert!(methods.contains(m), "{methods}");
        }
        let allowed = h[header::ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().to_ascii_lowercase();
        for name in ["authorization", "content-type", "idempotency-key"] {
            assert!(allowed.contains(name), "{allowed}");
        }
        assert_eq!(h[header::ACCESS_CONTROL_MAX_AGE], "86400");
    }
    let reply = app
        .client
        .get(format!("{}/api/v1/pleroma/admin/users", app.base))
        .header(header::ORIGIN, "https://admin.example.net")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let exposed = reply.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS].to_str().unwrap().to_ascii_lowercase();
    for name in
        ["link", "x-ratelimit-reset", "x-ratelimit-limit", "x-ratelimit-remaining", "x-request-id", "idempotency-key"]
    {
        assert!(exposed.contains(name), "{exposed}");
    }
}

/// Collect every `required` array of a JSON tree.
fn required_arrays<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "required" && v.is_array() {
                    out.push(v);
                }
                required_arrays(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| required_arrays(v, out)),
        _ => {}
    }
}

/// The OpenAPI document is valid OpenAPI 3.0 (CI runs openapi-spec-validator on it too): no
/// empty `required`, every scope used is declared, every 200 has a schema, and the 404 and
/// 409 answers routes give are declared.
#[tokio::test]
async fn openapi_document_declares_statuses_scopes_and_schemas() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi", None).await.body;
    let mut required = Vec::new();
    required_arrays(&doc, &mut required);
    assert!(required.iter().all(|r| !r.as_array().unwrap().is_empty()), "an empty `required`");
    let declared = &doc["components"]["securitySchemes"]["oAuth"]["flows"]["password"]["scopes"];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Native rows (OAuth, discovery, pages) declare their own answers.
            if op.get("x-graphql-operation").is_none() {
                continue;
            }
            for requirement in op["security"].as_array().unwrap() {
                for scope in requirement["oAuth"].as_array().unwrap() {
                    assert!(declared.get(scope.as_str().unwrap()).is_some(), "{method} {path}: {scope} undeclared");
                }
            }
            let responses = &op["responses"];
            if let Some(ok) = responses.get("200") {
                // JSON, or the declared type of a text/binary answer (HTML documents, archives).
                let schema = ok["content"].as_object().and_then(|c| c.values().next()).map(|m| &m["schema"]);
                assert!(
                    schema.and_then(Value::as_object).is_some_and(|s| !s.is_empty()),
                    "{method} {path}: empty 200 schema"
                );
            }
            for status in ["400", "403", "429"] {
                assert!(responses.get(status).is_some(), "{method} {path}: no {status}");
            }
        }
    }
    let op = |path: &str, method: &str| doc["paths"][path][method]["responses"].clone();
    assert!(op("/api/v1/pleroma/admin/users", "post").get("409").is_some());
    for (path, method) in [
        ("/api/v1/pleroma/admin/users/{nickname}", "get"),
        ("/api/v1/pleroma/admin/users/deactivate", "patch"),
        ("/api/v1/pleroma/admin/users", "delete"),
        ("/api/pleroma/admin/users/tag", "put"),
        ("/api/v1/pleroma/admin/users/{nickname}/toggle_activation", "patch"),
    ] {
        assert!(op(path, method).get("404").is_some(), "{method} {path}: no 404");
    }
    let users = &doc["paths"]["/api/v1/pleroma/admin/users"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(users["properties"]["users"]["items"]["properties"]["nickname"]["type"], "string");
    // The 404 and 409 the document declares are the ones the routes give.
    let token = app.admin_token().await;
    let reply = app.patch("/api/v1/pleroma/admin/users/deactivate", &token, json!({"nicknames": ["nobody"]})).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let account = json!({"nickname": "admin", "email": "admin2@example.org", "password": "p"});
    let reply =
        app.request(Method::POST, "/api/v1/pleroma/admin/users", Some(&token), Some(json!({"users": [account]}))).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}
