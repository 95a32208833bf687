//! `GET /api/openapi`: an OpenAPI 3 document of every facade route, generated from the route
//! table and the operations' variables (never written by hand).
use axum::{extract::State, Json};
use serde_json::{json, Map, Value};

use async_graphql::parser::types::{BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type};

use super::{facade::CompiledRoute, SchemaIndex, Success};
use crate::state::AppState;

fn schema_of(index: &SchemaIndex, ty: &Type) -> Value {
    use async_graphql::parser::types::BaseType;
    match &ty.base {
        BaseType::List(inner) => json!({ "type": "array", "items": schema_of(index, inner) }),
        BaseType::Named(name) => match name.as_str() {
            "Int" => json!({ "type": "integer" }),
            "Float" => json!({ "type": "number" }),
            "Boolean" => json!({ "type": "boolean" }),
            "String" | "ID" => json!({ "type": "string" }),
            "DateTime" => json!({ "type": "string", "format": "date-time" }),
            other if index.is_enum(other) => {
                json!({ "type": "string", "description": format!("one of {other} (case-insensitive)") })
            }
            other if index.is_input(other) => {
                let props: Map<String, Value> =
                    index.input_fields(other).iter().map(|(n, t)| (n.clone(), schema_of(index, t))).collect();
                json!({ "type": "object", "properties": props })
            }
            _ => json!({}),
        },
    }
}

/// The JSON schema of a selection's result: `ty` selected with `set` (fragments resolved from
/// `doc`), named by response keys, as the GraphQL result (and so the REST body) has it.
fn output_schema(index: &SchemaIndex, doc: &ExecutableDocument, ty: &Type, set: &SelectionSet) -> Value {
    let mut schema = match &ty.base {
        BaseType::List(inner) => json!({ "type": "array", "items": output_schema(index, doc, inner, set) }),
        BaseType::Named(name) => match name.as_str() {
            "Int" => json!({ "type": "integer" }),
            "Float" => json!({ "type": "number" }),
            "Boolean" => json!({ "type": "boolean" }),
            "String" | "ID" => json!({ "type": "string" }),
            "DateTime" => json!({ "type": "string", "format": "date-time" }),
            "JSON" => json!({ "description": "Any JSON value" }),
            other if index.is_enum(other) => json!({ "type": "string" }),
            other => {
                let mut properties = Map::new();
                collect_properties(index, doc, other, set, &mut properties);
                json!({ "type": "object", "properties": properties })
            }
        },
    };
    if ty.nullable {
        schema["nullable"] = Value::Bool(true);
    }
    schema
}

fn collect_properties(
    index: &SchemaIndex,
    doc: &ExecutableDocument,
    object: &str,
    set: &SelectionSet,
    out: &mut Map<String, Value>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.to_string();
                let name = field.node.name.node.as_str();
                let schema = match index.field_type(object, name) {
                    Some(ty) => output_schema(index, doc, ty, &field.node.selection_set.node),
                    None => json!({ "type": "string" }), // `__typename`
                };
                out.insert(key, schema);
            }
            Selection::InlineFragment(fragment) => {
                let on = fragment.node.type_condition.as_ref().map_or(object, |c| c.node.on.node.as_str());
                collect_properties(index, doc, on, &fragment.node.selection_set.node, out);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    collect_properties(index, doc, on, &fragment.node.selection_set.node, out);
                }
            }
        }
    }
}

/// The schema of a route's success body.
fn success_schema(index: &SchemaIndex, compiled: &CompiledRoute) -> Value {
    if let Success::Literal(text) = compiled.route.success {
        let literal: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        return json!({ "type": "string", "enum": [literal] });
    }
    let Some((_, op)) = compiled.document.operations.iter().next() else { return json!({ "type": "object" }) };
    let root = match op.node.ty {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    };
    let field = op.node.selection_set.node.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => Some(field),
        _ => None,
    });
    let Some(field) = field else { return json!({ "type": "object" }) };
    let Some(ty) = index.field_type(root, field.node.name.node.as_str()) else { return json!({ "type": "object" }) };
    let mut schema = output_schema(index, &compiled.document, ty, &field.node.selection_set.node);
    if let Success::At(key) = compiled.route.success {
        schema = schema["properties"][key].clone();
    }
    if matches!(compiled.route.success, Success::FieldOr404) {
        // A null root field is the 404.
        if let Some(map) = schema.as_object_mut() {
            map.remove("nullable");
        }
    }
    if schema.is_null() {
        json!({ "type": "object" })
    } else {
        schema
    }
}

/// Where the body comes from in the operation's `data`: `toggleUserActivation.user` for
/// [`Success::At`], the root field's response key for `Field`/`FieldOr404`, none for fixed bodies.
fn result_path(compiled: &CompiledRoute) -> Option<String> {
    use async_graphql::parser::types::Selection;
    let root = compiled.document.operations.iter().next().and_then(|(_, op)| {
        op.node.selection_set.node.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.response_key().node.to_string()),
            _ => None,
        })
    })?;
    match compiled.route.success {
        Success::Field | Success::FieldOr404 => Some(root),
        Success::At(key) => Some(format!("{root}.{key}")),
        Success::NoContent | Success::Literal(_) => None,
    }
}

/// Operations that cannot answer 404: they name no user or group.
const LISTS: &[&str] = &["users/list", "moderation_log/list", "accounts/verify_credentials"];
/// Operations that answer 409.
const CONFLICTS: &[&str] = &["users/create"];

fn operation(index: &SchemaIndex, compiled: &CompiledRoute, path: &str) -> Value {
    let route = &compiled.route;
    let in_path = |name: &str| path.contains(&format!("{{{name}}}"));
    let body_method = !matches!(route.method.as_str(), "GET" | "HEAD");
    let mut parameters = Vec::new();
    let mut body = Map::new();
    let mut required = Vec::new();
    for (name, ty) in &compiled.variables {
        if in_path(name) {
            parameters.push(json!({ "name": name, "in": "path", "required": true, "schema": schema_of(index, ty) }));
        } else if body_method {
            body.insert(name.clone(), schema_of(index, ty));
            if !ty.nullable {
                required.push(name.clone());
            }
        } else {
            let array = matches!(ty.base, async_graphql::parser::types::BaseType::List(_));
            parameters.push(json!({
                "name": if array { format!("{name}[]") } else { name.clone() },
                "in": "query",
                "required": !ty.nullable,
                "schema": schema_of(index, ty),
            }));
        }
    }
    let success = match route.success {
        Success::NoContent => json!({ "204": { "description": "No content" } }),
        _ => json!({ "200": { "description": "Success", "content": { "application/json": {
            "schema": success_schema(index, compiled)
        } } } }),
    };
    let error = json!({ "application/json": { "schema": {
        "oneOf": [{ "type": "object", "properties": { "error": { "type": "string" } } }, { "type": "string" }]
    } } });
    let mut responses = success.as_object().cloned().unwrap_or_default();
    responses.insert("400".into(), json!({ "description": "Invalid parameters", "content": error }));
    responses.insert(
        "403".into(),
        json!({ "description": format!("Refused ({})", compiled.access.describe()), "content": error }),
    );
    // Every route that names a user (path, nicknames, follower, …) or a permission group answers
    // 404 for an unknown one; only the plain lists cannot.
    if !LISTS.contains(&route.operation.0) {
        responses.insert("404".into(), json!({ "description": "Not found", "content": error }));
    }
    if CONFLICTS.contains(&route.operation.0) {
        responses.insert(
            "409".into(),
            json!({ "description": "Conflict: every account with its error", "content": { "application/json": {
                "schema": { "type": "array", "items": { "type": "object" } }
            } } }),
        );
    }
    // HTTP Basic sign-ins are rate limited on every route.
    responses.insert("429".into(), json!({ "description": "Too many sign-in attempts", "content": error }));
    let mut op = json!({
        "summary": route.summary,
        "operationId": format!("{}:{}", route.operation.0, path),
        "parameters": parameters,
        "responses": responses,
        "security": if compiled.access.scopes().is_empty() { json!([]) } else { json!([{ "oAuth": compiled.access.scopes() }]) },
        "x-access": compiled.access.describe(),
        "x-graphql-operation": route.operation.0,
    });
    if let Some(result) = result_path(compiled) {
        op["x-graphql-result"] = Value::String(result);
    }
    if body_method && !body.is_empty() {
        let mut schema = json!({ "type": "object", "properties": body });
        // OpenAPI 3.0 forbids an empty `required`.
        if !required.is_empty() {
            schema["required"] = json!(required);
        }
        op["requestBody"] = json!({ "content": {
            "application/json": { "schema": schema },
            "application/x-www-form-urlencoded": { "schema": schema },
            "multipart/form-data": { "schema": schema },
        }});
    }
    op
}

/// The document.
pub fn document(state: &AppState) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for compiled in &state.facade.routes {
        for path in compiled.route.paths() {
            let entry = paths.entry(path.clone()).or_insert_with(|| json!({}));
            entry[compiled.route.method.as_str().to_lowercase()] = operation(&state.facade.index, compiled, &path);
        }
    }
    // Every scope an operation requires, declared on the flow.
    let scopes: Map<String, Value> = state
        .facade
        .routes
        .iter()
        .flat_map(|compiled| compiled.access.scopes().iter())
        .map(|scope| (scope.to_string(), Value::String(format!("The `{scope}` scope"))))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Pleroma API (pleroma-gateway)", "version": env!("CARGO_PKG_VERSION") },
        "servers": [{ "url": state.settings.instance_url }],
        "components": { "securitySchemes": { "oAuth": {
            "type": "oauth2",
            "flows": { "password": { "tokenUrl": "/oauth/token", "scopes": scopes } },
        }}},
        "paths": paths,
    })
}

/// Serve the document.
pub async fn serve(State(state): State<AppState>) -> Json<Value> {
    Json(document(&state))
}
