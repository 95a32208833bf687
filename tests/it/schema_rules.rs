//! The schema's uniformity rules, read from the exported schema (the same registry introspection
//! answers from): every element described, paged lists as connections, mutations in the
//! input/payload form. A new field that breaks a rule fails here.
use async_graphql::parser::types::{BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition};

/// Arguments that page a list.
const PAGING_ARGUMENTS: &[&str] = &["first", "after", "last", "before", "limit", "offset", "page", "pageSize"];
/// Input types that page a list (Mastodon's `max_id`/`since_id`/`min_id`/`offset`/`limit`).
const PAGING_INPUTS: &[&str] = &["StatusPageInput", "NotificationPageInput"];

fn schema() -> ServiceDocument {
    async_graphql::parser::parse_schema(pleroma_gateway::graphql::sdl()).expect("the exported schema parses")
}

fn is_builtin(name: &str) -> bool {
    name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name)
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

fn described(description: Option<&async_graphql::Positioned<String>>) -> bool {
    description.is_some_and(|d| !d.node.trim().is_empty())
}

#[test]
fn every_element_is_described() {
    let mut missing = Vec::new();
    for def in schema().definitions {
        let TypeSystemDefinition::Type(ty) = def else { continue };
        let ty = ty.node;
        let name = ty.name.node.to_string();
        if is_builtin(&name) {
            continue;
        }
        if !described(ty.description.as_ref()) && !["Query", "Mutation"].contains(&name.as_str()) {
            missing.push(format!("type {name}"));
        }
        match ty.kind {
            TypeKind::Object(object) => {
                for field in object.fields {
                    let field = field.node;
                    if !described(field.description.as_ref()) {
                        missing.push(format!("field {name}.{}", field.name.node));
                    }
                    for arg in field.arguments {
                        if !described(arg.node.description.as_ref()) {
                            missing.push(format!("argument {name}.{}({})", field.name.node, arg.node.name.node));
                        }
                    }
                }
            }
            TypeKind::InputObject(input) => {
                for field in input.fields {
                    if !described(field.node.description.as_ref()) {
                        missing.push(format!("input field {name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(values) => {
                for value in values.values {
                    if !described(value.node.description.as_ref()) {
                        missing.push(format!("enum value {name}.{}", value.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(missing.is_empty(), "{} schema elements without a description:\n{}", missing.len(), missing.join("\n"));
}

#[test]
fn paged_lists_are_connections_with_a_total() {
    let doc = schema();
    let objects: Vec<(String, Vec<String>)> = doc
        .definitions
        .iter()
        .filter_map(|def| match def {
            TypeSystemDefinition::Type(ty) => match &ty.node.kind {
                TypeKind::Object(object) => Some((
                    ty.node.name.node.to_string(),
                    object.fields.iter().map(|f| f.node.name.node.to_string()).collect(),
                )),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut offending = Vec::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else { continue };
        let TypeKind::Object(object) = &ty.node.kind else { continue };
        for field in &object.fields {
            let field = &field.node;
            let path = format!("{}.{}", ty.node.name.node, field.name.node);
            let paged = field.arguments.iter().any(|arg| {
                PAGING_ARGUMENTS.contains(&arg.node.name.node.as_str())
                    || PAGING_INPUTS.contains(&named(&arg.node.ty.node))
            });
            let returns_list = matches!(field.ty.node.base, BaseType::List(_));
            if paged && returns_list {
                offending.push(format!("{path} is paged but answers a plain list"));
            }
            let target = named(&field.ty.node);
            if paged && target.ends_with("Connection") {
                let fields = objects.iter().find(|(n, _)| n == target).map(|(_, f)| f.clone()).unwrap_or_default();
                for needed in ["edges", "nodes", "pageInfo", "totalCount"] {
                    if !fields.iter().any(|f| f == needed) {
                        offending.push(format!("{path}: {target} has no `{needed}`"));
                    }
                }
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}

#[test]
fn mutations_take_one_input_and_answer_a_payload() {
    let doc = schema();
    // Objects, or an interface of payload objects (`PermissionGroupPayload`).
    let payloads: Vec<String> = doc
        .definitions
        .iter()
        .filter_map(|def| match def {
            TypeSystemDefinition::Type(ty) if matches!(ty.node.kind, TypeKind::Object(_) | TypeKind::Interface(_)) => {
                Some(ty.node.name.node.to_string())
            }
            _ => None,
        })
        .collect();
    let inputs: Vec<String> = doc
        .definitions
        .iter()
        .filter_map(|def| match def {
            TypeSystemDefinition::Type(ty) if matches!(ty.node.kind, TypeKind::InputObject(_)) => {
                Some(ty.node.name.node.to_string())
            }
            _ => None,
        })
        .collect();
    let mut offending = Vec::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else { continue };
        if ty.node.name.node != "Mutation" {
            continue;
        }
        let TypeKind::Object(object) = &ty.node.kind else { continue };
        for field in &object.fields {
            let field = &field.node;
            let name = &field.name.node;
            let args: Vec<_> = field.arguments.iter().map(|a| &a.node).collect();
            let one_input = args.len() == 1
                && args[0].name.node == "input"
                && matches!(args[0].ty.node.base, BaseType::Named(_))
                && inputs.iter().any(|i| i == named(&args[0].ty.node));
            if !one_input {
                offending.push(format!("Mutation.{name} does not take one `input` object"));
            }
            let target = named(&field.ty.node);
            let payload = matches!(field.ty.node.base, BaseType::Named(_))
                && !field.ty.node.nullable
                && target.ends_with("Payload")
                && payloads.iter().any(|p| p == target);
            if !payload {
                offending.push(format!("Mutation.{name} answers `{}`, not a payload object", field.ty.node));
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}

/// The Mastodon-paged lists that became connections: a page's `totalCount` ignores the paging,
/// `hasNextPage` follows a full page, each edge's cursor is the next page's `maxId`, and the
/// offset-paged account search counts the same way.
#[tokio::test]
async fn former_plain_lists_page_as_connections_with_a_total() {
    use serde_json::{json, Value};

    use crate::{common::TestApp, statuses::post};

    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let token = app.token(&alice, "read write").await;
    let bob_token = app.token(&bob, "read write").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let status = post(&app, &bob_token, json!({"status": format!("post {i}")})).await;
        ids.push(status["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        for action in ["favourite", "bookmark"] {
            let reply = app
                .request(reqwest::Method::POST, &format!("/api/v1/statuses/{id}/{action}"), Some(&token), None)
                .await;
            assert_eq!(reply.status, reqwest::StatusCode::OK, "{}", reply.text);
        }
    }
    for i in 0..3 {
        let reply = app
            .request(
                reqwest::Method::POST,
                "/api/v1/pleroma/scrobble",
                Some(&token),
                Some(json!({"title": format!("song {i}")})),
            )
            .await;
        assert_eq!(reply.status, reqwest::StatusCode::OK, "{}", reply.text);
    }
    for i in 0..3 {
        post(&app, &token, json!({"status": format!("@bob direct {i}"), "visibility": "direct"})).await;
    }

    let page = "totalCount pageSize pageInfo { hasNextPage hasPreviousPage } edges { cursor }";
    let query = format!(
        "query($alice: ID!) {{
           favourites(page: {{ limit: 2 }}) {{ {page} nodes {{ id }} }}
           bookmarks(page: {{ limit: 2 }}) {{ {page} nodes {{ status {{ id }} }} }}
           accountScrobbles(id: $alice, page: {{ limit: 2 }}) {{ {page} }}
           conversations(page: {{ limit: 2 }}) {{ {page} }}
           searchAccounts(query: \"b\", limit: 1) {{ {page} nodes {{ username }} }}
         }}"
    );
    let reply = app.graphql(Some(&token), &query, json!({"alice": alice.id})).await;
    assert!(reply.get("errors").is_none(), "{reply}");
    let data = &reply["data"];
    for list in ["favourites", "bookmarks", "accountScrobbles"] {
        let connection = &data[list];
        assert_eq!(connection["totalCount"], 3, "{list}: {connection}");
        assert_eq!(connection["pageSize"], 2, "{list}: {connection}");
        assert_eq!(connection["pageInfo"], json!({"hasNextPage": true, "hasPreviousPage": false}), "{list}");
        assert_eq!(connection["edges"].as_array().unwrap().len(), 2, "{list}");
    }
    // Each direct status (none a reply) starts a conversation.
    assert_eq!(data["conversations"]["totalCount"], 3, "{data}");
    assert_eq!(data["conversations"]["pageInfo"]["hasNextPage"], true, "{data}");
    assert_eq!(data["searchAccounts"]["totalCount"], 1, "{data}");
    assert_eq!(data["searchAccounts"]["nodes"], json!([{"username": "bob"}]), "{data}");
    let newest: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    let favourite_ids: Vec<&Value> = data["favourites"]["nodes"].as_array().unwrap().iter().map(|n| &n["id"]).collect();
    assert_eq!(favourite_ids, [newest[0], newest[1]]);
    assert_eq!(data["favourites"]["edges"][1]["cursor"], newest[1], "a status's cursor is its id");

    // A conversation's statuses: its one direct status.
    let conversation = data["conversations"]["edges"][0]["cursor"].as_str().unwrap().to_string();
    let query = format!("query($id: ID!) {{ conversationStatuses(id: $id) {{ {page} }} }}");
    let statuses = app.graphql(Some(&token), &query, json!({"id": conversation})).await;
    let statuses = &statuses["data"]["conversationStatuses"];
    assert_eq!(statuses["totalCount"], 1, "{statuses}");
    assert_eq!(statuses["pageInfo"], json!({"hasNextPage": false, "hasPreviousPage": false}), "{statuses}");

    // The last cursor pages on: the rest, with a page before it.
    let cursor = data["bookmarks"]["edges"][1]["cursor"].as_str().unwrap().to_string();
    let query = format!(
        "query($max: ID) {{ bookmarks(page: {{ limit: 2, maxId: $max }}) {{ {page} nodes {{ status {{ id }} }} }} }}"
    );
    let next = app.graphql(Some(&token), &query, json!({"max": cursor})).await;
    let next = &next["data"]["bookmarks"];
    assert_eq!(next["totalCount"], 3, "{next}");
    assert_eq!(next["pageInfo"], json!({"hasNextPage": false, "hasPreviousPage": true}), "{next}");
    assert_eq!(next["nodes"], json!([{"status": {"id": newest[2]}}]), "{next}");
}
