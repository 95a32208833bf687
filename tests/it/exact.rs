//! Exact bodies (issue 25 §4): parameter errors as Pleroma's OpenApiSpex casting renders them,
//! and the answers that differed from Pleroma's.
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use pleroma_gateway::rest::Action;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, TestApp};

/// The schema's own type names a client must never read in a REST error: input objects, enums
/// and object types named by compound words (`ModerationLogFilter`, `CreateAnnouncementInput`).
fn graphql_type_names(sdl: &str) -> Vec<String> {
    let mut names = Vec::new();
    for def in async_graphql::parser::parse_schema(sdl).unwrap().definitions {
        let TypeSystemDefinition::Type(ty) = def else { continue };
        let name = ty.node.name.node.to_string();
        let compound = name.chars().filter(char::is_ascii_uppercase).count() >= 2;
        let kind_named = matches!(ty.node.kind, TypeKind::InputObject(_) | TypeKind::Enum(_) | TypeKind::Scalar);
        if (compound || kind_named) && !name.starts_with("__") {
            names.push(name);
        }
    }
    names
}

/// A JSON value of the wrong type for `ty` (what a client gets wrong most often).
fn wrong_value(index: &pleroma_gateway::rest::SchemaIndex, ty: &Type) -> Option<Value> {
    Some(match &ty.base {
        BaseType::List(item) if matches!(&item.base, BaseType::Named(n) if index.is_enum(n)) => json!(7),
        BaseType::List(_) => json!("not-a-list"),
        BaseType::Named(name) => match name.as_str() {
            "String" | "ID" => json!({"an": "object"}),
            "Int" => json!("abc"),
            "Float" => json!("abc"),
            "Boolean" => json!("maybe"),
            "DateTime" => json!("not a time"),
            "NaiveDate" => json!("not a date"),
            "Upload" | "JSON" => return None,
            other if index.is_enum(other) => json!("no_such_value"),
            other if index.is_input(other) => json!("not-an-object"),
            _ => json!([1, 2]),
        },
    })
}

/// Every operation row, every parameter sent with the wrong type (one at a time, and all at
/// once): a 4xx, never a 5xx, and no GraphQL type name in the body. Follows
/// `Pleroma.Web.ApiSpec.CastAndValidate` / `RenderError`: a bad parameter is a 400 naming the
/// parameter, never a schema type.
#[tokio::test]
async fn wrong_types_name_no_graphql_type() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let names = graphql_type_names(&pleroma_gateway::graphql::sdl());
    assert!(names.iter().any(|n| n == "ModerationLogFilter"), "{names:?}");
    let index = &app.state.facade.index;
    let mut checked = 0;
    let mut leaks = Vec::new();
    for compiled in &app.state.facade.routes {
        let (Action::Operation(_), Some(operation)) = (&compiled.route.action, &compiled.operation) else { continue };
        let path = compiled.route.path.replace("{", "").replace("}", "");
        let path: String = path
            .split('/')
            .map(|seg| if compiled.route.path.contains(&format!("{{{seg}}}")) { "zz1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let wrong: Vec<(String, Value)> = operation
            .variables
            .iter()
            .filter(|(name, _)| !compiled.route.path.contains(&format!("{{{name}}}")))
            .filter_map(|(name, ty)| Some((name.clone(), wrong_value(index, ty)?)))
            .collect();
        let mut bodies: Vec<Value> = wrong.iter().map(|(name, value)| json!({ name.clone(): value })).collect();
        if wrong.len() > 1 {
            bodies.push(Value::Object(wrong.iter().cloned().collect()));
        }
        for body in bodies {
            let reply = app.request(compiled.route.method.clone(), &path, Some(&token), Some(body.clone())).await;
            checked += 1;
            assert!(
                reply.status.as_u16() < 500,
                "{} {path} {body}: {} {}",
                compiled.route.method,
                reply.status,
                reply.text
            );
            for name in &names {
                let leaked = reply.text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|w| w == name);
                if leaked {
                    leaks.push(format!("{} {path} {body}: {name} in {}", compiled.route.method, reply.text));
                }
            }
        }
    }
    assert!(checked > 100, "{checked}");
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

/// The 400 Pleroma's `ApiSpec.RenderError` answers for these cast errors: `error` joins
/// `name - message.` texts, `errors` has one entry each.
fn cast_errors(errors: &[(&str, &str, &str)]) -> Value {
    let text: Vec<String> = errors
        .iter()
        .map(|(name, _, message)| if name.is_empty() { format!("{message}.") } else { format!("{name} - {message}.") })
        .collect();
    let entries: Vec<Value> = errors
        .iter()
        .map(|(_, pointer, message)| {
            json!({"title": "Invalid value", "source": {"pointer": pointer}, "message": message})
        })
        .collect();
    json!({"error": text.join(" "), "errors": entries})
}

/// Follows Pleroma's test/pleroma/web/admin_api/controllers/status_controller_test.exs
/// ("returns 400 when visibility is unknown": `test - Invalid value for enum.`) and the
/// `type: :boolean` parameters of Admin.StatusOperation (OpenApiSpex casts only `true`/`false`).
#[tokio::test]
async fn admin_status_casts() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write").await;
    let status = app.request(Method::POST, "/api/v1/statuses", Some(&alice_token), Some(json!({"status": "hi"}))).await;
    let id = status.body["id"].as_str().unwrap().to_string();
    for path in both_prefixes(&format!("/api/v1/pleroma/admin/statuses/{id}")) {
        let reply = app.request(Method::PUT, &path, Some(&admin), Some(json!({"visibility": "test"}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.body, cast_errors(&[("test", "/visibility", "Invalid value for enum")]));
        let reply = app.request(Method::PUT, &path, Some(&admin), Some(json!({"sensitive": "maybe"}))).await;
        assert_eq!(reply.body, cast_errors(&[("sensitive", "/sensitive", "Invalid boolean. Got: string")]));
        let reply = app.request(Method::PUT, &path, Some(&admin), Some(json!({"sensitive": 1}))).await;
        assert_eq!(reply.body, cast_errors(&[("sensitive", "/sensitive", "Invalid boolean. Got: integer")]));
        // "true"/"false" strings are booleans to OpenApiSpex.
        let reply = app.request(Method::PUT, &path, Some(&admin), Some(json!({"sensitive": "true"}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["sensitive"], true);
    }
    for path in both_prefixes("/api/v1/pleroma/admin/statuses") {
        let reply = app.get(&format!("{path}?godmode=maybe"), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.body, cast_errors(&[("godmode", "/godmode", "Invalid boolean. Got: string")]));
        // Every bad parameter is named, each once.
        let reply = app.get(&format!("{path}?godmode=true&page=abc&local_only=1"), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let text = reply.body["error"].as_str().unwrap();
        assert!(text.contains("local_only - Invalid boolean. Got: string."), "{text}");
        assert!(text.contains("page - Invalid integer. Got: string."), "{text}");
        assert_eq!(reply.body["errors"].as_array().unwrap().len(), 2, "{}", reply.text);
        let reply = app.get(&format!("{path}?godmode=true"), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    // AdminAPIController.list_user_statuses compares `godmode` with "true" by hand: no 400.
    let reply = app.get("/api/v1/pleroma/admin/users/alice/statuses?godmode=maybe", Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// Follows Pleroma's Admin.MediaProxyCacheOperation and Admin.UserOperation: `urls` and
/// `nicknames` are `type: :array`; a string is `Invalid array`.
#[tokio::test]
async fn arrays_must_be_arrays() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    app.user("alice").await;
    for path in both_prefixes("/api/v1/pleroma/admin/media_proxy_caches/delete")
        .into_iter()
        .chain(both_prefixes("/api/v1/pleroma/admin/media_proxy_caches/purge"))
    {
        let reply =
            app.request(Method::POST, &path, Some(&admin), Some(json!({"urls": "http://example.com/a.png"}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.body, cast_errors(&[("urls", "/urls", "Invalid array. Got: string")]));
    }
    for path in both_prefixes("/api/v1/pleroma/admin/users/activate") {
        let reply = app.request(Method::PATCH, &path, Some(&admin), Some(json!({"nicknames": "alice"}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.body, cast_errors(&[("nicknames", "/nicknames", "Invalid array. Got: string")]));
        let reply = app.request(Method::PATCH, &path, Some(&admin), Some(json!({"nicknames": ["alice"]}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
}

/// Follows Pleroma's test/pleroma/web/admin_api/controllers/o_auth_app_controller_test.exs
/// ("errors", "success"): `scopes` may be left out (the `App` schema's default is `[]`); with
/// neither required field, one message naming both.
#[tokio::test]
async fn oauth_app_required_fields() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    for path in both_prefixes("/api/v1/pleroma/admin/oauth_app") {
        let reply = app.request(Method::POST, &path, Some(&admin), Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            reply.body,
            cast_errors(&[
                ("", "/name", "Missing field: name"),
                ("", "/redirect_uris", "Missing field: redirect_uris")
            ])
        );
        assert_eq!(reply.body["error"], "Missing field: name. Missing field: redirect_uris.");
        let reply = app
            .request(
                Method::POST,
                &path,
                Some(&admin),
                Some(json!({"name": "Trusted app", "redirect_uris": "https://example.com"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["name"], "Trusted app", "{}", reply.text);
        assert_eq!(reply.body["redirect_uri"], "https://example.com");
        assert_eq!(reply.body["trusted"], false);
        assert!(reply.body["client_id"].is_string() && reply.body["client_secret"].is_string());
    }
}

/// Follows Pleroma's MastodonAPI.AccountView (`last_status_at` is `NaiveDateTime.to_date`,
/// `maybe_put_activation_status` only for viewers privileged with
/// `:users_manage_activation_state`) and StatusView (`quotes_count` only under `pleroma`).
#[tokio::test]
async fn account_and_status_rendering() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let alice = app.user("alice").await;
    let alice_token = app.token(&alice, "read write").await;
    let status = app.request(Method::POST, "/api/v1/statuses", Some(&alice_token), Some(json!({"status": "hi"}))).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    assert!(status.body.get("quotes_count").is_none(), "{}", status.text);
    assert_eq!(status.body["pleroma"]["quotes_count"], 0);
    let id = status.body["id"].as_str().unwrap();
    let account = app.get(&format!("/api/v1/accounts/{}", alice.id), None).await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.text);
    let day = account.body["last_status_at"].as_str().unwrap();
    assert_eq!(day, chrono::Utc::now().format("%Y-%m-%d").to_string());
    assert!(account.body["pleroma"].get("deactivated").is_none(), "{}", account.text);
    let shown = app.get(&format!("/api/v1/statuses/{id}"), None).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert!(shown.body["account"]["pleroma"].get("deactivated").is_none(), "{}", shown.text);
    assert!(shown.body.get("quotes_count").is_none(), "{}", shown.text);
    // Staff who manage activation see it.
    let account = app.get(&format!("/api/v1/accounts/{}", alice.id), Some(&admin)).await;
    assert_eq!(account.body["pleroma"]["deactivated"], false, "{}", account.text);
}
