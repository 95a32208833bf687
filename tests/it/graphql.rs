//! The GraphQL endpoint: guards, typed errors, limits, CSRF rules and the exported SDL.
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestApp, FORM_URLENCODED};

const USERS: &str = "query($first: Int, $after: String, $filter: UserFilter) {
  users(first: $first, after: $after, filter: $filter) {
    totalCount pageSize
    pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { nickname tags roles { admin moderator } }
  }
}";

#[tokio::test]
async fn users_connection_with_cursor_and_total() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for i in 0..5 {
        app.user(&format!("user{i}")).await;
    }
    let page =
        app.graphql(Some(&token), USERS, json!({"first": 2, "filter": {"states": ["LOCAL"], "query": "user"}})).await;
    let users = &page["data"]["users"];
    assert_eq!(users["totalCount"], 5);
    assert_eq!(users["pageSize"], 2);
    assert_eq!(
        users["nodes"],
        json!([
            {"nickname": "user4", "tags": [], "roles": {"admin": false, "moderator": false}},
            {"nickname": "user3", "tags": [], "roles": {"admin": false, "moderator": false}},
        ])
    );
    assert_eq!(users["pageInfo"]["hasNextPage"], true);
    let after = users["pageInfo"]["endCursor"].as_str().unwrap();
    let next = app.graphql(Some(&token), USERS, json!({"first": 2, "after": after, "filter": {"query": "user"}})).await;
    let names: Vec<&str> =
        next["data"]["users"]["nodes"].as_array().unwrap().iter().map(|n| n["nickname"].as_str().unwrap()).collect();
    assert_eq!(names, ["user2", "user1"]);
    assert_eq!(next["data"]["users"]["pageInfo"]["hasPreviousPage"], true);
}

/// A guarded field: admin allowed; moderator without the privilege, plain user and anonymous refused
/// with typed errors.
#[tokio::test]
async fn guarded_field_refusals() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let moderator = app.moderator("mod").await;
    let user = app.user("plain").await;
    let mod_token = app.token(&moderator, "admin").await;
    let user_token = app.token(&user, "read admin").await;
    let query = "{ users { totalCount } }";
    let ok = app.graphql(Some(&admin_token), query, json!({})).await;
    assert_eq!(ok["data"]["users"]["totalCount"], 3);
    for (token, message, code) in [
        (Some(mod_token.as_str()), "User isn't privileged.", "FORBIDDEN"),
        (Some(user_token.as_str()), "User is not a staff member.", "FORBIDDEN"),
        // Issue 28 §5: the anonymous caller is told a token is needed (REST keeps Pleroma's words).
        (
            None,
            "This field needs a staff member's access token: send the header `Authorization: Bearer <token>` (no token was sent).",
            "UNAUTHENTICATED",
        ),
    ] {
        let reply = app.graphql(token, query, json!({})).await;
        assert_eq!(reply["data"], serde_json::Value::Null, "{reply}");
        assert_eq!(reply["errors"][0]["message"], message);
        assert_eq!(reply["errors"][0]["extensions"]["code"], code);
        assert_eq!(reply["errors"][0]["path"], json!(["users"]));
    }
    // The moderator is refused by privilege, yet may read who they are.
    let me = app.graphql(Some(&mod_token), "{ viewer { user { nickname } privileges scopes } }", json!({})).await;
    assert_eq!(
        me["data"]["viewer"],
        json!({"user": {"nickname": "mod"}, "privileges": ["MESSAGES_DELETE", "REPORTS_MANAGE_REPORTS"], "scopes": ["admin"]})
    );
    let anon = app.graphql(None, "{ viewer { privileges } }", json!({})).await;
    assert_eq!(anon["data"]["viewer"], serde_json::Value::Null);
}

/// A document the viewer may run whole is checked before it runs (no per-field checks); one with
/// a refused field runs with them, so the refusal is that field's error and the rest is answered.
#[tokio::test]
async fn refused_fields_fail_alone() {
    let app = TestApp::new().await;
    let admin_token = app.admin_token().await;
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let query = "{ viewer { user { nickname } } users { totalCount } }";
    let whole = app.graphql(Some(&admin_token), query, json!({})).await;
    assert_eq!(whole["data"]["users"]["totalCount"], 2, "{whole}");
    assert!(whole["errors"].is_null(), "{whole}");
    let partial = app.graphql(Some(&mod_token), query, json!({})).await;
    assert_eq!(partial["data"]["viewer"]["user"]["nickname"], "mod", "{partial}");
    assert_eq!(partial["data"]["users"], serde_json::Value::Null);
    assert_eq!(partial["errors"][0]["path"], json!(["users"]));
    assert_eq!(partial["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // Nested in a fragment, under an alias: found all the same.
    let fragment = "query { ...Q } fragment Q on Query { v: viewer { user { nickname } } u: users { totalCount } }";
    let partial = app.graphql(Some(&mod_token), fragment, json!({})).await;
    assert_eq!(partial["data"]["v"]["user"]["nickname"], "mod", "{partial}");
    assert_eq!(partial["errors"][0]["path"], json!(["u"]));
}

/// A page of users answers the same whether its plain fields are written in one pass as JSON
/// text (a single prechecked request to `/graphql`), built in one pass as values (the same
/// request run by the executor itself, as the facade's reshaped answers are) or resolved field by
/// field (the same request in a batch, which runs with the per-field extensions): aliases,
/// fragments, `__typename`, nested roles, repeated keys, fields that load (`credentials`, tags
/// outside a list) and the REST facade's own fragment.
#[tokio::test]
async fn plain_fields_answer_as_resolvers_do() {
    use pleroma_gateway::{
        auth::{AuthMethod, ClientAddress, Viewer},
        graphql::request_data,
    };
    use sea_orm::Set;
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let scopes = "read write follow push admin";
    let token = app.token(&admin, scopes).await;
    let viewer = Viewer {
        method: AuthMethod::Token,
        user: Some(admin),
        scopes: Some(scopes.split(' ').map(String::from).collect()),
        token_id: None,
        app_id: None,
        address: ClientAddress::Unknown,
    };
    app.user_with("named", |u| {
        u.name = Set(Some("Ann \"Named\"\n".into()));
        u.avatar = Set(Some("https://cdn.example/a.png".into()));
        u.registration_reason = Set(Some("because".into()));
    })
    .await;
    app.remote_user("far", "remote.example").await;
    app.moderator("mod").await;
    let tagged = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/pleroma/admin/users/tag",
            Some(&token),
            Some(json!({"nicknames": ["named", "mod"], "tags": ["force_nsfw", "mrf_tag:sandbox"]})),
        )
        .await;
    assert_eq!(tagged.status, StatusCode::NO_CONTENT, "{}", tagged.text);
    let fragment = "fragment F on User { id email avatar nickname dn: displayName isActive local domain
      roles { admin moderator __typename } tags isConfirmed isApproved isSuggested url apId registrationReason
      actorType passwordResetPending createdAt isAdmin isModerator __typename ... on User { x: nickname } }";
    let queries = [
        format!("{{ users(pageSize: 50) {{ totalCount nodes {{ ...F }} edges {{ cursor node {{ id t: __typename }} }} }} }} {fragment}"),
        "{ users { nodes { id id roles { admin } roles { moderator } r: roles { admin } } } }".into(),
        "{ users(first: 3) { nodes { nickname credentials { email name } } } }".into(),
        // One root field per query: async-graphql 7.2 resolves sibling fields concurrently and
        // keys them in the order they finish, so `{ users viewer }` may come back either way.
        "{ users { nodes { ... { nickname } ... on User { local } } } }".into(),
        "{ viewer { user { nickname tags avatar } } }".into(),
        "{ users { nodes { __typename } } }".into(),
        "{ users { nodes { a: isActive @not c: isConfirmed @not roles { admin } isAdmin @not } } }".into(),
    ];
    for query in queries {
        let single =
            app.request(reqwest::Method::POST, "/graphql", Some(&token), Some(json!({ "query": query }))).await;
        assert!(single.body["errors"].is_null(), "{}", single.text);
        let batch =
            app.request(reqwest::Method::POST, "/graphql", Some(&token), Some(json!([{ "query": query }]))).await;
        assert_eq!(batch.status, StatusCode::OK, "{}", batch.text);
        // The same bytes: values, and keys in the same order.
        assert_eq!(format!("[{}]", single.text), batch.text, "{query}");
        let request = request_data(async_graphql::Request::new(&query), viewer.clone(), &app.state.db, &app.state.live);
        let values = app.state.schema.execute(request).await;
        assert_eq!(serde_json::to_string(&values).unwrap(), single.text, "{query}");
    }
    let listed = app.get("/api/v1/pleroma/admin/users?page_size=50", Some(&token)).await;
    let named = listed.body["users"].as_array().unwrap().iter().find(|u| u["nickname"] == "named").unwrap().clone();
    assert_eq!(named["tags"], json!(["force_nsfw", "mrf_tag:sandbox"]));
    assert_eq!(named["display_name"], "Ann \"Named\"\n");
    assert_eq!(named["avatar"], "https://cdn.example/a.png");
}

/// The REST facade writes users straight as JSON text (`graphql::plain::RawJson`): the same bytes
/// as `/graphql` answers for the route's own operation, in one pass or field by field, the inverse
/// flags included (`@not`).
#[tokio::test]
async fn the_facades_users_are_the_graphql_answer() {
    use sea_orm::Set;
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    app.user_with("named", |u| {
        u.name = Set(Some("Ann \"Named\" \\ \u{7}\n".into()));
        u.is_confirmed = Set(false);
        u.registration_reason = Set(Some("<b>because</b>".into()));
    })
    .await;
    app.user_with("sleepy", |u| u.is_active = Set(false)).await;
    app.remote_user("far", "remote.example").await;
    app.moderator("mod").await;
    let tagged = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/pleroma/admin/users/tag",
            Some(&token),
            Some(json!({"nicknames": ["named"], "tags": ["force_nsfw", "mrf_tag:sandbox"]})),
        )
        .await;
    assert_eq!(tagged.status, StatusCode::NO_CONTENT, "{}", tagged.text);
    let operation = |path: &str| {
        let route =
            app.state.facade.routes.iter().find(|r| r.route.path == path && r.route.method == reqwest::Method::GET);
        route.and_then(|r| r.operation.as_ref()).map(|op| op.text.clone()).unwrap()
    };
    let cases = [
        ("/api/v1/pleroma/admin/users", "users", "?page_size=50", json!({"page_size": 50})),
        (
            "/api/v1/pleroma/admin/users",
            "users",
            "?page_size=2&page=2&filters=local",
            json!({"page_size": 2, "page": 2, "filters": ["LOCAL"]}),
        ),
        ("/api/v1/pleroma/admin/users/{nickname}", "user", "", json!({"nickname": "named"})),
    ];
    for (path, field, query, variables) in cases {
        let url = format!("{}{query}", path.replace("{nickname}", "named"));
        let rest = app.get(&url, Some(&token)).await;
        assert_eq!(rest.status, StatusCode::OK, "{}", rest.text);
        let body = json!({ "query": operation(path), "variables": variables });
        let single = app.request(reqwest::Method::POST, "/graphql", Some(&token), Some(body.clone())).await;
        assert_eq!(single.text, format!(r#"{{"data":{{"{field}":{}}}}}"#, rest.text), "{url}");
        let batch = app.request(reqwest::Method::POST, "/graphql", Some(&token), Some(json!([body]))).await;
        assert_eq!(batch.text, format!("[{}]", single.text), "{url}");
    }
    let named = app.get("/api/v1/pleroma/admin/users/named", Some(&token)).await;
    assert_eq!(named.body["display_name"], "Ann \"Named\" \\ \u{7}\n");
    assert_eq!((&named.body["is_confirmed"], &named.body["confirmation_pending"]), (&json!(false), &json!(true)));
    assert_eq!(named.body["tags"], json!(["force_nsfw", "mrf_tag:sandbox"]));
}

/// Every root field declares its access rule (deny by default), and every rule names a real field.
#[test]
fn every_root_field_has_an_access_rule() {
    let sdl = pleroma_gateway::graphql::sdl();
    let doc = async_graphql::parser::parse_schema(&sdl).unwrap();
    let rules = pleroma_gateway::graphql::field_rules();
    let mut root_fields = Vec::new();
    for def in doc.definitions {
        if let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = def {
            let name = ty.node.name.node.to_string();
            if let async_graphql::parser::types::TypeKind::Object(object) = ty.node.kind {
                for field in object.fields {
                    let field = field.node.name.node.to_string();
                    if ["Query", "Mutation", "Subscription"].contains(&name.as_str()) {
                        assert!(
                            rules.iter().any(|(t, f, _)| *t == name && *f == field),
                            "{name}.{field} has no access rule"
                        );
                    }
                    root_fields.push((name.clone(), field));
                }
            }
        }
    }
    for (t, f, _) in &rules {
        assert!(root_fields.iter().any(|(tt, ff)| tt == t && ff == f), "rule for {t}.{f} names no field");
    }
    // A root that stands in for a nested rule is a root field with a rule, over a field with one.
    for (t, f, roots) in pleroma_gateway::graphql::within_rules() {
        assert!(rules.iter().any(|(tt, ff, _)| *tt == t && *ff == f), "{t}.{f} stands in for no rule");
        for (rt, rf) in roots {
            assert!(rules.iter().any(|(tt, ff, _)| tt == rt && ff == rf), "{rt}.{rf} is no root field with a rule");
        }
    }
}

#[test]
fn schema_file_is_in_sync() {
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        on_disk == pleroma_gateway::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}

#[tokio::test]
async fn limits_and_csrf() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    // Depth.
    let deep = format!("{{ {}nickname{} }}", "viewer { user { ", " } }");
    assert!(app.graphql(Some(&token), &deep, json!({})).await["errors"].is_null());
    let too_deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
        "ofType { ".repeat(14),
        " }".repeat(14)
    );
    let reply = app.graphql(Some(&token), &too_deep, json!({})).await;
    assert_eq!(reply["errors"][0]["message"], "Query is nested too deep.", "{reply}");
    let nested = "{ users { edges { node { nickname } } pageInfo { hasNextPage } } }";
    assert!(app.graphql(Some(&token), nested, json!({})).await["errors"].is_null());
    // Aliases.
    let many: String = (0..200).map(|i| format!("a{i}: viewer {{ privileges }} ")).collect();
    let reply = app.graphql(Some(&token), &format!("{{ {many} }}"), json!({})).await;
    assert_eq!(reply["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{reply}");
    // Batches.
    let batch: Vec<_> = (0..11).map(|_| json!({"query": "{ viewer { privileges } }"})).collect();
    let reply = app.request(reqwest::Method::POST, "/graphql", Some(&token), Some(json!(batch))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let batch: Vec<_> = (0..2).map(|_| json!({"query": "{ viewer { privileges } }"})).collect();
    let reply = app.request(reqwest::Method::POST, "/graphql", Some(&token), Some(json!(batch))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.as_array().unwrap().len(), 2);
    // A cross-site form post is refused; GET serves GraphiQL and runs nothing.
    let form = app
        .send_raw(reqwest::Method::POST, "/graphql", &token, FORM_URLENCODED, "query=%7Busers%7BtotalCount%7D%7D")
        .await;
    assert_eq!(form.status, StatusCode::BAD_REQUEST);
    let get = app.client.get(format!("{}/graphql?query=%7Busers%7BtotalCount%7D%7D", app.base)).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::OK);
    assert!(get.text().await.unwrap().contains("graphiql"));
}
