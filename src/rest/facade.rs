//! The facade engine: compiles the route table against the schema once at start-up, then
//! turns each request into its operation's variables and the result into Pleroma's body.
use std::collections::HashMap;

use async_graphql::{
    parser::types::{ExecutableDocument, Type},
    Value as ConstValue,
};
use axum::{
    extract::{RawPathParams, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{on, MethodFilter},
    Router,
};
use serde_json::{Map, Value};

use super::{
    params::{self, coerce},
    routes::{route_table, Route},
    ErrorStyle, RestError, SchemaIndex,
};
use crate::{
    auth::{authorize, Access, Viewer},
    graphql::{field_rules, request_data, GatewaySchema},
    state::AppState,
};

/// How a successful result becomes the response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Success {
    /// The value of the operation's (single) root field.
    Field,
    /// The same, but `null` is a 404 `{"error": "Not found"}`.
    FieldOr404,
    /// The value of this key inside the root field's value (a mutation's payload object):
    /// `At("user")` sends `data.toggleUserActivation.user`.
    At(&'static str),
    /// `204 No Content`, empty body, JSON content type (Pleroma's quirk).
    NoContent,
    /// A fixed JSON body such as `"ok"` or `""`.
    Literal(&'static str),
}

/// A route, compiled.
pub struct CompiledRoute {
    pub route: Route,
    /// The operation's text, fragments included.
    pub text: String,
    pub document: ExecutableDocument,
    /// Variables in declaration order with their types.
    pub variables: Vec<(String, Type)>,
    /// The access rule of the operation's root field.
    pub access: Access,
}

/// The compiled route table and what it needs of the schema.
pub struct Facade {
    pub routes: Vec<CompiledRoute>,
    pub index: SchemaIndex,
}

const FRAGMENTS: &str = include_str!("operations/fragments.graphql");

/// Fragment definitions by name, from `operations/fragments.graphql`.
fn fragments() -> HashMap<String, String> {
    let mut out = HashMap::new();
    for chunk in FRAGMENTS.split("\nfragment ").map(|c| c.trim_start_matches("fragment ")) {
        if let Some(name) = chunk.split_whitespace().next() {
            if !name.starts_with('#') && !chunk.trim().is_empty() {
                out.insert(name.to_string(), format!("fragment {}", chunk.trim_end()));
            }
        }
    }
    out
}

/// The operation's text with every fragment it spreads, transitively.
fn with_fragments(source: &str, all: &HashMap<String, String>) -> String {
    let mut text = source.to_string();
    let mut included: Vec<String> = Vec::new();
    loop {
        let wanted: Vec<String> = text
            .match_indices("...")
            .filter_map(|(i, _)| {
                let name: String = text[i + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                (!name.is_empty() && name != "on" && !included.contains(&name) && all.contains_key(&name))
                    .then_some(name)
            })
            .collect();
        if wanted.is_empty() {
            return text;
        }
        for name in wanted {
            if !included.contains(&name) {
                text.push('\n');
                text.push_str(&all[&name]);
                included.push(name);
            }
        }
    }
}

impl Facade {
    /// Compile the route table; any operation that does not fit the schema is an error.
    pub fn new(schema: &GatewaySchema) -> Result<Facade, String> {
        let index = SchemaIndex::from_sdl(&schema.sdl())?;
        let rules: HashMap<(&str, &str), Access> = field_rules().into_iter().map(|(t, f, a)| ((t, f), a)).collect();
        let fragments = fragments();
        let mut routes = Vec::new();
        for route in route_table() {
            let text = with_fragments(route.operation.1, &fragments);
            let fail = |e: String| format!("{} {} ({}): {e}", route.method, route.path, route.operation.0);
            let document = async_graphql::parser::parse_query(&text).map_err(|e| fail(e.to_string()))?;
            let roots = index.check_operation(&document).map_err(fail)?;
            let root_type = match document.operations.iter().next().map(|(_, op)| op.node.ty) {
                Some(async_graphql::parser::types::OperationType::Mutation) => "Mutation",
                Some(async_graphql::parser::types::OperationType::Subscription) => "Subscription",
                _ => "Query",
            };
            let access = roots
                .first()
                .and_then(|root| rules.get(&(root_type, root.as_str())).copied())
                .ok_or_else(|| fail("its root field has no access rule".into()))?;
            let variables = document
                .operations
                .iter()
                .flat_map(|(_, op)| {
                    op.node
                        .variable_definitions
                        .iter()
                        .map(|v| (v.node.name.node.to_string(), v.node.var_type.node.clone()))
                })
                .collect();
            routes.push(CompiledRoute { route, text, document, variables, access });
        }
        Ok(Facade { routes, index })
    }

    /// Every route under each of its paths.
    pub fn router(&self) -> Router<AppState> {
        let mut router = Router::new();
        for (i, compiled) in self.routes.iter().enumerate() {
            let filter = MethodFilter::try_from(compiled.route.method.clone()).unwrap_or(MethodFilter::GET);
            for path in compiled.route.paths() {
                router = router.route(
                    &path,
                    on(
                        filter,
                        move |State(state): State<AppState>, path: RawPathParams, request: Request| async move {
                            let path: Vec<(String, String)> =
                                path.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                            run(state, i, path, request).await
                        },
                    ),
                );
            }
        }
        router
    }
}

/// Serve one facade request.
async fn run(state: AppState, index: usize, path: Vec<(String, String)>, request: Request) -> Response {
    match execute(&state, index, path, request).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn execute(
    state: &AppState,
    index: usize,
    path: Vec<(String, String)>,
    request: Request,
) -> Result<Response, RestError> {
    let compiled = &state.facade.routes[index];
    let style = compiled.route.errors;
    let (parts, body) = request.into_parts();
    let viewer = Viewer::from_request(&parts, state).await.map_err(|e| RestError::from_app(e, style))?;
    // Pleroma authenticates and authorizes before it validates parameters.
    authorize(&viewer, compiled.access, &state.settings.instance).map_err(|e| RestError::from_app(e, style))?;

    let mut merged = params::merge(&parts, body).await?;
    merged.extend(path.into_iter().map(|(k, v)| (k, Value::String(v))));

    let mut variables = Map::new();
    for (name, ty) in &compiled.variables {
        let value = coerce(&state.facade.index, name, ty, merged.get(name.as_str())).map_err(|e| match style {
            ErrorStyle::Legacy => {
                RestError { status: StatusCode::BAD_REQUEST, body: Value::String("Invalid parameters".into()) }
            }
            ErrorStyle::Admin => RestError::validation(&e.field, &e.message),
        })?;
        if let Some(value) = value {
            variables.insert(name.clone(), value);
        }
    }

    let mut request = async_graphql::Request::new(compiled.text.clone())
        .variables(async_graphql::Variables::from_json(Value::Object(variables)));
    request.set_parsed_query(compiled.document.clone());
    let response = state.schema.execute(request_data(request, viewer, &state.db)).await;
    if let Some(error) = response.errors.first() {
        let error = serde_json::to_value(error).unwrap_or(Value::Null);
        return Err(RestError::from_graphql(&error, style));
    }
    // Serialise the root field's value straight from the GraphQL result (no intermediate tree).
    let field = match response.data {
        ConstValue::Object(map) => map.into_iter().next().map(|(_, value)| value).unwrap_or(ConstValue::Null),
        _ => ConstValue::Null,
    };
    Ok(match compiled.route.success {
        Success::Field => json_response(StatusCode::OK, &field),
        Success::FieldOr404 if field == ConstValue::Null => {
            return Err(RestError::from_app(crate::error::AppError::not_found(), style))
        }
        Success::FieldOr404 => json_response(StatusCode::OK, &field),
        Success::At(key) => match &field {
            ConstValue::Object(map) => json_response(StatusCode::OK, map.get(key).unwrap_or(&ConstValue::Null)),
            _ => json_response(StatusCode::OK, &ConstValue::Null),
        },
        Success::NoContent => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Success::Literal(text) => {
            let mut response = (StatusCode::OK, text).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
            response
        }
    })
}

const JSON_UTF8: &str = "application/json; charset=utf-8";

fn json_response(status: StatusCode, body: &ConstValue) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
            response
        }
        Err(err) => RestError::from(crate::error::AppError::internal(err)).into_response(),
    }
}

impl Route {
    /// The paths this route answers on: the `/api/v1/pleroma` path and its `/api/pleroma` alias.
    pub fn paths(&self) -> Vec<String> {
        let mut paths = vec![self.path.to_string()];
        if self.legacy_alias {
            if let Some(rest) = self.path.strip_prefix("/api/v1/pleroma/") {
                paths.push(format!("/api/pleroma/{rest}"));
            }
        }
        paths
    }
}
