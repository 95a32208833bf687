//! `POST /graphql` (JSON only: a cross-site form cannot post JSON without a preflight) and
//! `GET /graphql` (GraphiQL; operations are never run over GET).
use async_graphql::BatchRequest;
use async_graphql_axum::{rejection::GraphQLRejection, GraphQLBatchRequest, GraphQLResponse};
use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::{
    auth::Viewer,
    graphql::{
        limits,
        plain::{self, RawJson},
        request_data_in, WorkBudget, MAX_BATCH, MAX_COMPLEXITY, MAX_NESTING,
    },
    rest::RestError,
    state::AppState,
};

/// A 400 carrying one GraphQL error with code `BAD_REQUEST`, for requests refused before any
/// operation runs.
fn refuse(status: StatusCode, message: &str) -> Response {
    let body = json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] });
    (status, Json(body)).into_response()
}

/// Run a GraphQL request or batch.
pub async fn graphql_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    request: Result<GraphQLBatchRequest, GraphQLRejection>,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let json =
        content_type.starts_with("application/json") || content_type.starts_with("application/graphql-response+json");
    if !json && !headers.contains_key("x-graphql-csrf") {
        return RestError::bad_request(
            "GraphQL requests must be sent as application/json (or carry an X-GraphQL-CSRF header).",
        )
        .into_response();
    }
    // Malformed JSON (including variables nested past serde_json's recursion limit of 128).
    let request = match request {
        Ok(request) => request,
        Err(GraphQLRejection(async_graphql::ParseRequestError::PayloadTooLarge)) => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.")
        }
        Err(GraphQLRejection(err)) => return refuse(StatusCode::BAD_REQUEST, &format!("Malformed request: {err}")),
    };
    let request = request.into_inner();
    // The parser recurses per bracket: refuse deep documents before any is parsed.
    if request.iter().any(|r| limits::nesting_exceeds(&r.query, MAX_NESTING)) {
        return refuse(StatusCode::BAD_REQUEST, &limits::too_deep());
    }
    // One complexity budget for the whole HTTP request, batch included.
    let budget = WorkBudget::new(MAX_COMPLEXITY);
    let batch = match request {
        BatchRequest::Single(single) => {
            let single = request_data_in(single, viewer, &state.db, &state.live, &budget).data(RawJson::default());
            return single_response(state.schema.execute(single).await);
        }
        BatchRequest::Batch(list) if list.len() > MAX_BATCH => {
            return RestError::bad_request(&format!("A batch may hold at most {MAX_BATCH} operations."))
                .into_response();
        }
        BatchRequest::Batch(list) => BatchRequest::Batch(
            list.into_iter().map(|r| request_data_in(r, viewer.clone(), &state.db, &state.live, &budget)).collect(),
        ),
    };
    GraphQLResponse::from(state.schema.execute_batch(batch).await).into_response()
}

/// The HTTP response of one operation, as `GraphQLResponse` makes it, written by
/// [`plain::response_json`]: its data may hold plain objects answered as JSON text ([`RawJson`]).
fn single_response(response: async_graphql::Response) -> Response {
    let mut http = Response::new(Body::from(plain::response_json(&response)));
    let headers = http.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/graphql-response+json"));
    let cache_control = response.is_ok().then(|| response.cache_control.value()).flatten();
    if let Some(value) = cache_control.and_then(|value| HeaderValue::from_str(&value).ok()) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.extend(response.http_headers);
    http
}

/// The GraphiQL IDE, served offline from the binary.
pub async fn graphiql() -> Response {
    super::graphiql::page().await
}
