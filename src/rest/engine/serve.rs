//! Serving a request through its row: access first (Pleroma authorizes before it validates),
//! then parameters → variables, the operation, and the shape → the answer.
use async_graphql::{parser::types::BaseType, UploadValue, Value as ConstValue};
use axum::{
    extract::{DefaultBodyLimit, RawPathParams, Request, State},
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::on,
    Router,
};
use base64::Engine;
use serde_json::{Map, Value};

use super::{
    compile::{CompiledRoute, Facade},
    params::{self, coerce, FilePart},
    route::{Action, Call, Shape},
    Answer, ErrorStyle, RestError,
};
use crate::{
    auth::{authorize, Access, Viewer},
    error::AppError,
    graphql::request_data_in,
    state::AppState,
};

impl Facade {
    /// Every row under each of its paths, with its body limit and, for native rows, its guard.
    pub fn router(&self, state: &AppState) -> Router<AppState> {
        let mut router = Router::new();
        for (i, compiled) in self.routes.iter().enumerate() {
            let limit = DefaultBodyLimit::max(compiled.route.body_limit);
            let method_router = match &compiled.route.action {
                Action::Operation(_) => on(
                    compiled.method,
                    move |State(state): State<AppState>, path: RawPathParams, request: Request| async move {
                        let path: Vec<(String, String)> =
                            path.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                        match execute(&state, i, path, request).await {
                            Ok(answer) => answer.into_response(),
                            Err(err) => err.into_response(),
                        }
                    },
                ),
                Action::Native(native) => {
                    let handler = (native.handler)(compiled.method);
                    match native.access {
                        Access::Public => handler,
                        access => handler.route_layer(middleware::from_fn_with_state(
                            state.clone(),
                            move |State(state): State<AppState>, request: Request, next: Next| {
                                guard(state, access, request, next)
                            },
                        )),
                    }
                }
            };
            let body_limit = compiled.route.body_limit;
            let method_router =
                method_router.layer(limit).layer(middleware::from_fn(move |request: Request, next: Next| {
                    params::within_limit(body_limit, request, next)
                }));
            for path in compiled.route.paths() {
                router = router.route(&path, method_router.clone());
            }
        }
        router
    }
}

/// A native row's access check; the viewer it found is handed to the handler.
async fn guard(state: AppState, access: Access, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let viewer = match Viewer::from_request(&parts, &state.auth()).await {
        Ok(viewer) => viewer,
        Err(err) => return RestError::from(err).into_response(),
    };
    if let Err(err) = authorize(&viewer, access, &state.settings().instance) {
        return RestError::from(err).into_response();
    }
    parts.extensions.insert(viewer);
    next.run(Request::from_parts(parts, body)).await
}

async fn execute(
    state: &AppState,
    index: usize,
    path: Vec<(String, String)>,
    request: Request,
) -> Result<Answer, RestError> {
    let compiled: &CompiledRoute = &state.facade.routes[index];
    let (Action::Operation(row), Some(operation)) = (&compiled.route.action, &compiled.operation) else {
        return Err(AppError::internal("an operation row without its operation").into());
    };
    let style = row.errors;
    let (parts, body) = request.into_parts();
    let viewer = Viewer::from_request(&parts, &state.auth()).await.map_err(|e| RestError::from_app(e, style))?;
    for access in &compiled.access {
        authorize(&viewer, *access, &state.settings().instance).map_err(|e| RestError::from_app(e, style))?;
    }

    let (mut merged, files) = params::merge(&parts, body).await.map_err(|e| match style {
        ErrorStyle::Legacy if e.status == StatusCode::BAD_REQUEST => legacy_invalid(),
        _ => e,
    })?;
    merged.extend(path.into_iter().map(|(k, v)| (k, Value::String(v))));
    for (from, to) in compiled.route.nulls_clear {
        if merged.get(*from) == Some(&Value::Null) {
            merged.insert(to.to_string(), Value::Bool(true));
        }
    }
    for (from, to) in compiled.route.param_aliases {
        if let Some(value) = merged.get(*from).cloned() {
            merged.entry(to.to_string()).or_insert(value);
        }
    }
    if let Some(prepare) = compiled.route.prepare {
        prepare(&mut merged);
    }
    // Headers Pleroma reads as parameters: the client's `Idempotency-Key` (status posting).
    if let Some(key) = parts.headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        merged.entry("idempotency_key").or_insert_with(|| Value::String(key.to_string()));
    }

    let mut variables = Map::new();
    let mut uploads: Vec<(String, UploadValue)> = Vec::new();
    // Every parameter is cast before any error is answered: Pleroma lists them all.
    let mut errors: Vec<params::ParamError> = Vec::new();
    let booleans = compiled.route.booleans.unwrap_or(match style {
        ErrorStyle::Admin => params::Booleans::Strict,
        _ => params::Booleans::Like,
    });
    for name in compiled.route.required {
        if !merged.contains_key(*name) && !files.iter().any(|f| f.name == *name) {
            errors.push(params::ParamError::missing(name));
        }
    }
    for (name, allowed) in compiled.route.param_enums {
        if let Some(value) = merged.get(*name).filter(|v| !v.is_null()) {
            if !value.as_str().is_some_and(|s| allowed.contains(&s)) {
                errors.push(params::ParamError::invalid_enum(name, value));
            }
        }
    }
    for (name, ty) in &operation.variables {
        if errors.iter().any(|e| &e.field == name) {
            continue;
        }
        if super::schema_index::named(ty) == "Upload" {
            match upload_variables(name, ty, &files, &mut variables) {
                Ok(found) => uploads.extend(found),
                Err(e) => errors.push(e),
            }
            continue;
        }
        // A file part where text is expected is read as text (Pleroma's imports take either).
        if !merged.contains_key(name.as_str()) && super::schema_index::named(ty) == "String" {
            if let Some(part) = files.iter().find(|f| &f.name == name) {
                let text = part.text().map_err(|e| invalid(vec![e], style))?.ok_or_else(|| {
                    invalid(vec![params::ParamError::other(name, format!("{name}: not UTF-8 text"))], style)
                })?;
                merged.insert(name.clone(), Value::String(text));
            }
        }
        match coerce(&state.facade.index, booleans, name, ty, merged.get(name.as_str())) {
            Ok(Some(value)) => {
                variables.insert(name.clone(), value);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(invalid(errors, style));
    }

    if let Some(writer) = row.writer {
        let body = writer(state.clone(), viewer, merged).await.map_err(|e| RestError::from_app(e, style))?;
        return Ok(Answer::stream(body));
    }
    let call = Call { params: &merged, uri: &parts.uri, instance_url: &state.settings().instance_url };
    if let Shape::Pages { open, close, map } = row.shape {
        // The first page runs before the status is sent: its errors are the route's errors.
        let first = run(state, index, variables.clone(), Vec::new(), viewer.clone()).await?;
        let pages = Pages { state: state.clone(), index, variables, viewer, map };
        return Ok(Answer::stream(pages.body(first, open, close)));
    }
    let field = run(state, index, variables, uploads, viewer).await?;
    shape_answer(row.shape, field, &call).map_err(|e| RestError::from_app(e, style))
}

/// The body a `Shape::Pages` row's operation gives `viewer` (the generic path, whatever the
/// row's writer): what tests compare a typed writer's body with. `None` for no such row.
#[doc(hidden)]
pub async fn paged_operation_body(state: &AppState, path: &str, viewer: Viewer) -> Option<Result<Vec<u8>, RestError>> {
    let index = state.facade.routes.iter().position(|c| {
        c.route.path == path
            && matches!(&c.route.action, Action::Operation(row) if matches!(row.shape, Shape::Pages { .. }))
    })?;
    let Action::Operation(row) = &state.facade.routes[index].route.action else { return None };
    let Shape::Pages { open, close, map } = row.shape else { return None };
    let first = match run(state, index, Map::new(), Vec::new(), viewer.clone()).await {
        Ok(first) => first,
        Err(err) => return Some(Err(err)),
    };
    let pages = Pages { state: state.clone(), index, variables: Map::new(), viewer, map };
    let bytes = axum::body::to_bytes(pages.body(first, open, close), usize::MAX).await;
    Some(bytes.map(|b| b.to_vec()).map_err(|e| AppError::internal(format!("paged body: {e}")).into()))
}

/// Run a row's operation with these variables: the root field's value, or the first error.
async fn run(
    state: &AppState,
    index: usize,
    variables: Map<String, Value>,
    uploads: Vec<(String, UploadValue)>,
    viewer: Viewer,
) -> Result<ConstValue, RestError> {
    let compiled: &CompiledRoute = &state.facade.routes[index];
    let (Action::Operation(row), Some(operation)) = (&compiled.route.action, &compiled.operation) else {
        return Err(AppError::internal("an operation row without its operation").into());
    };
    let mut request = async_graphql::Request::new(operation.text.clone())
        .variables(async_graphql::Variables::from_json(Value::Object(variables)));
    for (path, upload) in uploads {
        request.set_upload(&path, upload);
    }
    request.set_parsed_query(operation.document.clone());
    if row.shape.sends_as_answered() {
        request = request.data(crate::graphql::plain::RawJson::default());
    }
    let response = (state.facade.execute)(request_data_in(
        request,
        viewer,
        &state.db,
        &state.live,
        &crate::graphql::WorkBudget::new(crate::graphql::FACADE_MAX_COMPLEXITY),
    ))
    .await;
    if let Some(error) = response.errors.into_iter().next() {
        return Err(RestError::from_server_error(error, row.errors));
    }
    // The root field's value, straight from the GraphQL result (no intermediate tree).
    Ok(match response.data {
        ConstValue::Object(map) => map.into_iter().next().map(|(_, value)| value).unwrap_or(ConstValue::Null),
        _ => ConstValue::Null,
    })
}

/// What a `Shape::Pages` body needs to fetch the pages after the first.
struct Pages {
    state: AppState,
    index: usize,
    variables: Map<String, Value>,
    viewer: Viewer,
    map: super::mapper::Mapper,
}

/// Where a paged body is: a page in hand, a page to fetch, the closing text, the end.
enum Step {
    Page(ConstValue),
    After(String),
    Close,
    Done,
}

impl Pages {
    /// The chunked body: `open`, the nodes of every page, `close`. Each chunk is one page's
    /// nodes, serialised once the page is read; the next page is read when the client has
    /// taken the chunk.
    fn body(self, first: ConstValue, open: &'static str, close: &'static str) -> axum::body::Body {
        let pages = std::sync::Arc::new(self);
        let steps = futures_util::stream::unfold((Step::Page(first), true), move |(step, start)| {
            let pages = pages.clone();
            async move {
                let page = match step {
                    Step::Done => return None,
                    Step::Close => return Some((Ok(close.as_bytes().to_vec()), (Step::Done, false))),
                    Step::Page(page) => page,
                    Step::After(cursor) => {
                        let mut variables = pages.variables.clone();
                        variables.insert("after".into(), Value::String(cursor));
                        match run(&pages.state, pages.index, variables, Vec::new(), pages.viewer.clone()).await {
                            Ok(page) => page,
                            Err(err) => {
                                tracing::error!(status = %err.status, body = %err.body, "a later page failed");
                                let err = std::io::Error::other("a later page failed");
                                return Some((Err(err), (Step::Done, false)));
                            }
                        }
                    }
                };
                let (bytes, next) = pages.write(page, start, open);
                Some((Ok(bytes), (next, false)))
            }
        });
        axum::body::Body::from_stream(steps)
    }

    /// One page's nodes as JSON text (after `open` for the first), and what comes next.
    fn write(&self, page: ConstValue, start: bool, open: &str) -> (Vec<u8>, Step) {
        let ConstValue::Object(mut page) = page else { return (Vec::new(), Step::Close) };
        let mut bytes = Vec::new();
        if start {
            bytes.extend_from_slice(open.as_bytes());
        }
        let nodes = match page.shift_remove("nodes") {
            Some(ConstValue::List(nodes)) => nodes,
            _ => Vec::new(),
        };
        let empty = nodes.is_empty();
        for (i, node) in nodes.into_iter().enumerate() {
            if !(start && i == 0) {
                bytes.push(b',');
            }
            match (self.map)(node) {
                Ok(mapped) => bytes.extend(crate::graphql::plain::value_json(&mapped.value)),
                Err(drift) => {
                    // Never a node passed on unmapped: the body ends early, as on a failed page.
                    tracing::error!(drift = %drift.0, "a paged node has an unexpected shape");
                    return (bytes, Step::Done);
                }
            }
        }
        let next = match page.shift_remove("pageInfo") {
            Some(ConstValue::Object(mut info))
                if !empty && info.get("hasNextPage") == Some(&ConstValue::Boolean(true)) =>
            {
                match info.shift_remove("endCursor") {
                    Some(ConstValue::String(cursor)) => Step::After(cursor),
                    _ => Step::Close,
                }
            }
            _ => Step::Close,
        };
        (bytes, next)
    }
}

fn legacy_invalid() -> RestError {
    RestError { status: StatusCode::BAD_REQUEST, body: Value::String("Invalid parameters".into()) }
}

fn invalid(e: Vec<params::ParamError>, style: ErrorStyle) -> RestError {
    match style {
        ErrorStyle::Legacy => legacy_invalid(),
        ErrorStyle::Admin
        | ErrorStyle::EmptyString
        | ErrorStyle::Mastodon
        | ErrorStyle::RefusalIsOk
        | ErrorStyle::Plain => RestError::params(&e),
    }
}

/// Bind the multipart file parts named `name` (or `name[]`) to an `Upload` / `[Upload]`
/// variable; returns the upload paths for the request.
fn upload_variables(
    name: &str,
    ty: &async_graphql::parser::types::Type,
    files: &[FilePart],
    variables: &mut Map<String, Value>,
) -> Result<Vec<(String, UploadValue)>, params::ParamError> {
    let mut parts: Vec<&FilePart> = files.iter().filter(|f| f.name == name).collect();
    let missing = || params::ParamError::missing(name);
    let mut uploads = Vec::new();
    match &ty.base {
        BaseType::List(_) => {
            variables.insert(name.to_string(), Value::Array(vec![Value::Null; parts.len()]));
            for (i, part) in parts.into_iter().enumerate() {
                uploads.push((format!("variables.{name}.{i}"), part.upload()?));
            }
        }
        BaseType::Named(_) => match parts.pop() {
            Some(part) => {
                variables.insert(name.to_string(), Value::Null);
                uploads.push((format!("variables.{name}"), part.upload()?));
            }
            None if ty.nullable => {}
            None => return Err(missing()),
        },
    }
    if uploads.is_empty() && !ty.nullable {
        return Err(missing());
    }
    Ok(uploads)
}

/// The answer a shape makes of the root field's value.
fn shape_answer(shape: Shape, field: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    let pick = |value: ConstValue, at: Option<&str>| match (value, at) {
        (value, None) => value,
        (ConstValue::Object(mut map), Some(key)) => map.shift_remove(key).unwrap_or(ConstValue::Null),
        (_, Some(_)) => ConstValue::Null,
    };
    let string = |value: ConstValue| match value {
        ConstValue::String(s) => Ok(s),
        _ => Err(AppError::not_found()),
    };
    Ok(match shape {
        Shape::Json { at, null_is_404, map } => {
            let value = pick(field, at);
            if null_is_404 && value == ConstValue::Null {
                return Err(AppError::not_found());
            }
            Answer::json(match map {
                Some(map) => map(value)?.value,
                None => value,
            })
        }
        Shape::Literal(text) => Answer::raw_json(text),
        Shape::Empty(status) => Answer::empty(status),
        Shape::Text { at, content_type } => Answer::bytes(content_type, string(pick(field, at))?.into_bytes()),
        Shape::Binary { at, content_type } => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(string(pick(field, at))?)
                .map_err(|e| AppError::internal(format!("binary field is not base64: {e}")))?;
            Answer::bytes(content_type, bytes)
        }
        Shape::Attachment { data, filename, content_type } => {
            let ConstValue::Object(mut map) = field else { return Err(AppError::not_found()) };
            let name = string(map.shift_remove(filename).unwrap_or(ConstValue::Null))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(string(map.shift_remove(data).unwrap_or(ConstValue::Null))?)
                .map_err(|e| AppError::internal(format!("binary field is not base64: {e}")))?;
            // Plug's `send_download`: the name quoted, quotes and line breaks left out.
            let quoted: String = name.chars().filter(|c| !matches!(c, '"' | '\\' | '\r' | '\n')).collect();
            Answer::bytes(content_type, bytes)
                .header(axum::http::header::CONTENT_DISPOSITION, &format!("attachment; filename=\"{quoted}\""))
        }
        Shape::Redirect { at } => Answer::redirect(&string(pick(field, at))?),
        Shape::Convert(convert) => convert(field, call)?,
        Shape::Pages { .. } => return Err(AppError::internal("a paged shape is streamed, not shaped")),
    })
}
