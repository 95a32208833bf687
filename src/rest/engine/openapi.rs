//! `GET /api/openapi`: an OpenAPI 3 document of every facade route, generated from the route
//! table and the operations' variables (never written by hand).
use axum::{extract::State, Json};
use serde_json::{json, Map, Value};

use super::{
    compile::{CompiledOperation, CompiledRoute},
    route::{Action, Native, Shape},
};
use crate::{auth::Access, state::AppState};

fn schema_of(index: &super::SchemaIndex, ty: &async_graphql::parser::types::Type) -> Value {
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

/// Where the body comes from in the operation's `data`: the root field's response key, with the
/// shape's key when it reads one.
fn result_path(operation: &CompiledOperation, shape: &Shape) -> Option<String> {
    use async_graphql::parser::types::Selection;
    let root = operation.document.operations.iter().next().and_then(|(_, op)| {
        op.node.selection_set.node.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.response_key().node.to_string()),
            _ => None,
        })
    })?;
    match shape {
        Shape::Literal(_) | Shape::Empty(_) => None,
        shape => Some(shape.key().map_or(root.clone(), |key| format!("{root}.{key}"))),
    }
}

fn describe(access: &[Access]) -> String {
    access.iter().map(Access::describe).collect::<Vec<_>>().join("; ")
}

fn scopes(access: &[Access]) -> Vec<&'static str> {
    access.iter().flat_map(|a| a.scopes().iter().copied()).collect()
}

fn security(access: &[Access]) -> Value {
    let scopes = scopes(access);
    if scopes.is_empty() {
        json!([])
    } else {
        json!([{ "oAuth": scopes }])
    }
}

fn operation(index: &super::SchemaIndex, compiled: &CompiledRoute, path: &str) -> Value {
    let route = &compiled.route;
    let (row, operation) = match (&route.action, &compiled.operation) {
        (Action::Operation(row), Some(operation)) => (row, operation),
        (Action::Native(native), _) => return native_operation(compiled, native, path),
        _ => return json!({}),
    };
    let in_path = |name: &str| path.contains(&format!("{{{name}}}"));
    let body_method = !matches!(route.method.as_str(), "GET" | "HEAD");
    let mut parameters = Vec::new();
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
            let array = matches!(ty.base, async_graphql::parser::types::BaseType::List(_));
            parameters.push(json!({
                "name": if array { format!("{name}[]") } else { name.clone() },
                "in": "query",
                "required": !ty.nullable,
                "schema": schema_of(index, ty),
            }));
        }
    }
    let success = match row.shape {
        Shape::Empty(status) => json!({ status.as_u16().to_string(): { "description": "No content" } }),
        Shape::Redirect { .. } => json!({ "302": { "description": "Redirect" } }),
        Shape::Text { content_type, .. } | Shape::Binary { content_type, .. } => {
            json!({ "200": { "description": "Success", "content": { content_type: { "schema": { "type": "string" } } } } })
        }
        _ => json!({ "200": { "description": "Success", "content": { "application/json": { "schema": {} } } } }),
    };
    let mut responses = success.as_object().cloned().unwrap_or_default();
    responses.insert("400".into(), json!({ "description": "Invalid parameters" }));
    responses.insert("403".into(), json!({ "description": format!("Refused ({})", describe(&compiled.access)) }));
    if matches!(row.shape, Shape::Json { null_is_404: true, .. } | Shape::Convert(_)) || compiled.access.len() > 1 {
        responses.insert("404".into(), json!({ "description": "Not found" }));
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
        let schema = json!({ "type": "object", "properties": body, "required": required });
        op["requestBody"] = json!({ "content": {
            "application/json": { "schema": schema },
            "application/x-www-form-urlencoded": { "schema": schema },
            "multipart/form-data": { "schema": schema },
        }});
    }
    op
}

/// A native row: its declared answers, path parameters and access.
fn native_operation(compiled: &CompiledRoute, native: &Native, path: &str) -> Value {
    let route = &compiled.route;
    let parameters: Vec<Value> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    let mut responses: Map<String, Value> = native
        .responses
        .iter()
        .map(|(status, description)| (status.to_string(), json!({ "description": description })))
        .collect();
    if native.access != Access::Public {
        responses.insert("403".into(), json!({ "description": format!("Refused ({})", describe(&compiled.access)) }));
    }
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
    for compiled in &state.facade.routes {
        for path in compiled.route.paths() {
            let entry = paths.entry(path.clone()).or_insert_with(|| json!({}));
            entry[compiled.route.method.as_str().to_lowercase()] = operation(&state.facade.index, compiled, &path);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Pleroma API (pleroma-gateway)", "version": env!("CARGO_PKG_VERSION") },
        "servers": [{ "url": state.settings.instance_url }],
        "components": { "securitySchemes": { "oAuth": {
            "type": "oauth2",
            "flows": { "password": { "tokenUrl": "/oauth/token", "scopes": {} } },
        }}},
        "paths": paths,
    })
}

/// Serve the document.
pub async fn serve(State(state): State<AppState>) -> Json<Value> {
    Json(document(&state))
}
