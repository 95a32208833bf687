//! The schema's uniformity rules, read from the exported schema (the same registry introspection
//! answers from): every element described, paged lists as connections, mutations in the
//! input/payload form. A new field that breaks a rule fails here.
use async_graphql::parser::types::{BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition};

/// Arguments that page a list.
const PAGING_ARGUMENTS: &[&str] = &["first", "after", "last", "before", "limit", "offset", "page", "pageSize"];
/// Input types that page a list (Mastodon's `max_id`/`since_id`/`min_id`/`offset`/`limit`).
const PAGING_INPUTS: &[&str] = &["StatusPageInput", "NotificationPageInput"];

/// Paged lists that still answer a plain list, with the reason; this list only shrinks.
const PLAIN_PAGED_LISTS: &[(&str, &str)] = &[
    ("Query.accountFavourites", "Mastodon keyset paging; to become a connection"),
    ("Query.accountScrobbles", "Mastodon keyset paging; to become a connection"),
    ("Query.bookmarks", "Mastodon keyset paging; to become a connection"),
    ("Query.conversationStatuses", "Mastodon keyset paging; to become a connection"),
    ("Query.conversations", "Mastodon keyset paging; to become a connection"),
    ("Query.eventParticipationRequests", "Mastodon keyset paging; to become a connection"),
    ("Query.favourites", "Mastodon keyset paging; to become a connection"),
    ("Query.joinedEvents", "Mastodon keyset paging; to become a connection"),
    ("Query.searchAccounts", "offset paging; to become a connection"),
];

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
            if paged && returns_list && !PLAIN_PAGED_LISTS.iter().any(|(p, _)| *p == path) {
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
    for (path, _) in PLAIN_PAGED_LISTS {
        let (ty, field) = path.split_once('.').unwrap();
        let still_plain = doc.definitions.iter().any(|def| match def {
            TypeSystemDefinition::Type(t) if t.node.name.node == ty => match &t.node.kind {
                TypeKind::Object(o) => o
                    .fields
                    .iter()
                    .any(|f| f.node.name.node == field && matches!(f.node.ty.node.base, BaseType::List(_))),
                _ => false,
            },
            _ => false,
        });
        if !still_plain {
            offending.push(format!("{path} is no longer a plain list: remove it from PLAIN_PAGED_LISTS"));
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
