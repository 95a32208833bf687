//! `GET /api/openapi`: an OpenAPI 3 document of every route in the table, generated from the rows,
//! the operations' variables and selections, and the shapes (never written by hand).
use async_graphql::parser::types::{BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type};
use axum::extract::State;
use serde_json::{json, Map, Value};

use super::{
    compile::{CompiledOperation, CompiledRoute},
    route::{Action, Native, Shape},
    schema_index::root_type_name,
    SchemaIndex,
};
use crate::{auth::Access, state::AppState};

/// The schema of a built-in or custom scalar, when `name` is one.
fn scalar_schema(name: &str) -> Option<Value> {
    Some(match name {
        "Int" => json!({ "type": "integer" }),
        "Float" => json!({ "type": "number" }),
        "Boolean" => json!({ "type": "boolean" }),
        "String" | "ID" => json!({ "type": "string" }),
        "DateTime" => json!({ "type": "string", "format": "date-time" }),
        "NaiveDate" => json!({ "type": "string", "format": "date" }),
        "Upload" => json!({ "type": "string", "format": "binary" }),
        "JSON" => json!({ "description": "Any JSON value" }),
        _ => return None,
    })
}

fn schema_of(index: &SchemaIndex, ty: &Type) -> Value {
    match &ty.base {
        BaseType::List(inner) => json!({ "type": "array", "items": schema_of(index, inner) }),
        BaseType::Named(name) => scalar_schema(name).unwrap_or_else(|| {
            if index.is_enum(name) {
                json!({ "type": "string", "description": format!("one of {name} (case-insensitive)") })
            } else if index.is_input(name) {
                let props: Map<String, Value> =
                    index.input_fields(name).iter().map(|(n, t)| (n.clone(), schema_of(index, t))).collect();
                json!({ "type": "object", "properties": props })
            } else {
                json!({})
            }
        }),
    }
}

/// The JSON schema of a selection's result: `ty` selected with `set` (fragments resolved from
/// `doc`), named by response keys, as the GraphQL result (and so the REST body) has it.
fn output_schema(index: &SchemaIndex, doc: &ExecutableDocument, ty: &Type, set: &SelectionSet) -> Value {
    let mut schema = match &ty.base {
        BaseType::List(inner) => json!({ "type": "array", "items": output_schema(index, doc, inner, set) }),
        BaseType::Named(name) => scalar_schema(name).unwrap_or_else(|| {
            if index.is_enum(name) {
                json!({ "type": "string" })
            } else {
                let mut properties = Map::new();
                collect_properties(index, doc, name, set, &mut properties);
                json!({ "type": "object", "properties": properties })
            }
        }),
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

/// The schema of an operation row's success body, from the root field's selection and the shape.
fn success_schema(index: &SchemaIndex, operation: &CompiledOperation, shape: &Shape) -> Value {
    let object = || json!({ "type": "object" });
    let Some((_, op)) = operation.document.operations.iter().next() else { return object() };
    let root = root_type_name(op.node.ty);
    let field = op.node.selection_set.node.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => Some(field),
        _ => None,
    });
    let Some(field) = field else { return object() };
    if let Shape::Pages { .. } = shape {
        // The body wraps the nodes of every page, not the connection.
        return object();
    }
    let Some(ty) = index.field_type(root, field.node.name.node.as_str()) else { return object() };
    let mut schema = output_schema(index, &operation.document, ty, &field.node.selection_set.node);
    if let Some(key) = shape.key() {
        schema = schema["properties"][key].clone();
    }
    if let Shape::Json { null_is_404: true, .. } = shape {
        // A null value is the 404.
        if let Some(map) = schema.as_object_mut() {
            map.remove("nullable");
        }
    }
    if schema.is_null() {
        object()
    } else {
        schema
    }
}

/// Where the body comes from in the operation's `data`: the root field's response key, with the
/// shape's key when it reads one.
fn result_path(operation: &CompiledOperation, shape: &Shape) -> Option<String> {
    let root = operation.document.operations.iter().next().and_then(|(_, op)| {
        op.node.selection_set.node.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.response_key().node.to_string()),
            _ => None,
        })
    })?;
    match shape {
        Shape::Literal(_) | Shape::Empty(_) => None,
        Shape::Pages { .. } => Some(format!("{root}.nodes")),
        shape => Some(shape.key().map_or(root.clone(), |key| format!("{root}.{key}"))),
    }
}

fn describe(access: &[Access]) -> String {
    access.iter().map(Access::describe).collect::<Vec<_>>().join("; ")
}

fn scopes(access: &[Access]) -> Vec<&'static str> {
    let mut scopes: Vec<&'static str> = Vec::new();
    for scope in access.iter().flat_map(|a| a.scopes().iter().copied()) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes
}

fn security(access: &[Access]) -> Value {
    let scopes = scopes(access);
    if scopes.is_empty() {
        json!([])
    } else {
        json!([{ "oAuth": scopes }])
    }
}

/// `{"error": …}` or a bare string, as Pleroma's error bodies are.
fn error_content() -> Value {
    json!({ "application/json": { "schema": {
        "oneOf": [{ "type": "object", "properties": { "error": { "type": "string" } } }, { "type": "string" }]
    } } })
}

/// The statuses every guarded row can answer: refused, and throttled Basic sign-ins.
fn guarded_responses(access: &[Access], responses: &mut Map<String, Value>) {
    if access.iter().any(|a| *a != Access::Public) {
        let refused = json!({ "description": format!("Refused ({})", describe(access)), "content": error_content() });
        responses.insert("403".into(), refused);
        let throttled = json!({ "description": "Too many failed sign-ins", "content": error_content() });
        responses.insert("429".into(), throttled);
    }
}

fn operation(index: &SchemaIndex, compiled: &CompiledRoute, path: &str) -> Value {
    let route = &compiled.route;
    let (row, operation) = match (&route.action, &compiled.operation) {
        (Action::Operation(row), Some(operation)) => (row, operation),
        (Action::Native(native), _) => return native_operation(compiled, native, path),
        _ => return json!({}),
    };
    let in_path = |name: &str| path.contains(&format!("{{{name}}}"));
    let body_method = !matches!(route.method.as_str(), "GET" | "HEAD");
    // Path segments the shape reads rather than the operation (a group name checked by the row).
    let mut parameters: Vec<Value> = path_parameters(path)
        .filter(|name| !operation.variables.iter().any(|(v, _)| v == name))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    let mut body = Map::new();
    let mut required = Vec::new();
    for (name, ty) in &operation.variables {
        if in_path(name) {
            parameters.push(json!({ "name": name, "in": "path", "required": true, "schema": schema_of(index, ty) }));
        } else if body_method {
            body.insert(name.clone(), schema_of(index, ty));
            if !ty.nullable {
                required.push(name.clone());
            }
        } else {
            let array = matches!(ty.base, BaseType::List(_));
            parameters.push(json!({
                "name": if array { format!("{name}[]") } else { name.clone() },
                "in": "query",
                "required": !ty.nullable,
                "schema": schema_of(index, ty),
            }));
        }
    }
    let json_success = || {
        json!({ "description": "Success", "content": { "application/json": {
        "schema": success_schema(index, operation, &row.shape)
    } } })
    };
    let mut responses = Map::new();
    match row.shape {
        Shape::Empty(status) => {
            responses.insert(status.as_u16().to_string(), json!({ "description": "No content" }));
        }
        Shape::Redirect { .. } => {
            responses.insert("302".into(), json!({ "description": "Redirect to the URL in Location" }));
        }
        Shape::Text { content_type, .. }
        | Shape::Binary { content_type, .. }
        | Shape::Attachment { content_type, .. } => {
            let content = json!({ content_type: { "schema": { "type": "string", "format": "binary" } } });
            responses.insert("200".into(), json!({ "description": "Success", "content": content }));
        }
        Shape::Literal(text) => {
            let literal: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            let schema =
                if literal.is_object() { literal.clone() } else { json!({ "type": "string", "enum": [literal] }) };
            let schema = if literal.is_object() { json!({ "type": "object", "example": schema }) } else { schema };
            responses.insert(
                "200".into(),
                json!({ "description": "Success", "content": { "application/json": { "schema": schema } } }),
            );
        }
        Shape::Json { .. } | Shape::Convert(_) | Shape::Pages { .. } => {
            responses.insert("200".into(), json_success());
        }
    }
    responses.insert("400".into(), json!({ "description": "Invalid parameters", "content": error_content() }));
    guarded_responses(&compiled.access, &mut responses);
    // Operation rows read the caller even when anyone may call them (optional sign-in): bad
    // credentials are refused and failed Basic sign-ins throttled there too.
    if !responses.contains_key("403") {
        let refused = json!({ "description": "Refused (bad credentials)", "content": error_content() });
        responses.insert("403".into(), refused);
        let throttled = json!({ "description": "Too many failed sign-ins", "content": error_content() });
        responses.insert("429".into(), throttled);
    }
    // A write, or a read that names something (a required parameter), answers 404 when what it
    // names does not exist; so does a shape that maps null to 404. Only the plain lists cannot.
    let mutation =
        matches!(operation.document.operations.iter().next(), Some((_, op)) if op.node.ty == OperationType::Mutation);
    let names_something = operation.variables.iter().any(|(_, ty)| !ty.nullable);
    if mutation || names_something || matches!(row.shape, Shape::Json { null_is_404: true, .. } | Shape::Convert(_)) {
        responses.insert("404".into(), json!({ "description": "Not found", "content": error_content() }));
    }
    // Writes answer 409 for a conflict (a taken nickname, a race on a unique key).
    if mutation {
        let conflict = json!({ "oneOf": [{ "type": "object" }, { "type": "array", "items": { "type": "object" } }] });
        responses.insert(
            "409".into(),
            json!({ "description": "Conflict", "content": { "application/json": { "schema": conflict } } }),
        );
    }
    let mut op = json!({
        "summary": route.summary,
        "operationId": format!("{}:{}", row.name, path),
        "parameters": parameters,
        "responses": responses,
        "security": security(&compiled.access),
        "x-access": describe(&compiled.access),
        "x-graphql-operation": row.name,
    });
    if let Some(result) = result_path(operation, &row.shape) {
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

/// The `{name}` segments of a path.
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

/// A native row: its declared answers, path parameters and access.
fn native_operation(compiled: &CompiledRoute, native: &Native, path: &str) -> Value {
    let route = &compiled.route;
    let parameters: Vec<Value> = path_parameters(path)
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    let mut responses: Map<String, Value> = native
        .responses
        .iter()
        .map(|(status, description)| (status.to_string(), json!({ "description": description })))
        .collect();
    guarded_responses(&compiled.access, &mut responses);
    json!({
        "summary": route.summary,
        "operationId": format!("{}:{}", route.method.as_str().to_lowercase(), path),
        "parameters": parameters,
        "responses": responses,
        "security": security(&compiled.access),
        "x-access": describe(&compiled.access),
    })
}

/// The document.
pub fn document(state: &AppState) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    let mut operation_ids = std::collections::HashSet::new();
    for compiled in &state.facade.routes {
        for path in compiled.route.paths() {
            // axum's catch-all `{*rest}` is OpenAPI's `{rest}` (one parameter, slashes allowed).
            let path = path.replace("{*", "{");
            let method = compiled.route.method.as_str().to_lowercase();
            let mut op = operation(&state.facade.index, compiled, &path);
            // One operation served on one path by two methods (a method kept as an alias) needs
            // a second id: OpenAPI requires them unique.
            if !operation_ids.insert(op["operationId"].to_string()) {
                op["operationId"] =
                    Value::String(format!("{}:{method}", op["operationId"].as_str().unwrap_or_default()));
            }
            let entry = paths.entry(path.clone()).or_insert_with(|| json!({}));
            entry[method] = op;
        }
    }
    // Every scope an operation requires, declared on the flow.
    let scopes: Map<String, Value> = state
        .facade
        .routes
        .iter()
        .flat_map(|compiled| scopes(&compiled.access))
        .map(|scope| (scope.to_string(), Value::String(format!("The `{scope}` scope"))))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Pleroma API (pleroma-gateway)", "version": env!("CARGO_PKG_VERSION") },
        "servers": [{ "url": state.settings().instance_url }],
        "components": { "securitySchemes": { "oAuth": {
            "type": "oauth2",
            "flows": { "password": { "tokenUrl": "/oauth/token", "scopes": scopes } },
        }}},
        "paths": paths,
    })
}

/// Serve the document.
pub async fn serve(State(state): State<AppState>) -> axum::response::Response {
    super::json(axum::http::StatusCode::OK, &document(&state))
}
