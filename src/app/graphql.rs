//! `POST /graphql` (JSON only: a cross-site form cannot post JSON without a preflight) and
//! `GET /graphql` (GraphiQL; operations are never run over GET).
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use async_graphql::{http::MultipartOptions, BatchRequest};
use async_graphql_axum::GraphQLResponse;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use futures_util::TryStreamExt;
use serde_json::json;

use super::body_limit;

use crate::{
    auth::Viewer,
    graphql::{
        document_limits,
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
    request: Request,
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
    let request = match read_request(content_type, request).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    // The parser recurses per bracket: refuse deep documents before any is parsed.
    if request.iter().any(|r| document_limits::nesting_exceeds(&r.query, MAX_NESTING)) {
        return refuse(StatusCode::BAD_REQUEST, &document_limits::too_deep());
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

/// The request's operations, its body read within its limit: [`body_limit::GRAPHQL_JSON`], or
/// [`body_limit::GRAPHQL_MULTIPART`] for a multipart body (uploads). async-graphql-axum's
/// extractor would read any body whole, so the body is limited here, while it streams.
async fn read_request(content_type: &str, request: Request) -> Result<BatchRequest, Response> {
    let multipart = content_type.starts_with("multipart/");
    let limit = if multipart { body_limit::GRAPHQL_MULTIPART } else { body_limit::GRAPHQL_JSON };
    let too_large =
        || refuse(StatusCode::PAYLOAD_TOO_LARGE, &format!("Request body too large (limit: {limit} bytes)."));
    if body_limit::declared_length(&request).is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let exceeded = Arc::new(AtomicBool::new(false));
    let seen = exceeded.clone();
    let body = body_limit::limited(request.into_body(), limit).into_data_stream().map_err(move |err| {
        if body_limit::is_length_limit(&err) {
            seen.store(true, Ordering::Relaxed);
        }
        std::io::Error::other(err)
    });
    let options = MultipartOptions::default().max_file_size(limit).max_num_files(MAX_UPLOADS);
    // No content type reads as JSON (as the extractor did).
    let content_type = Some(content_type).filter(|t| !t.is_empty());
    let parsed = async_graphql::http::receive_batch_body(content_type, body.into_async_read(), options).await;
    match parsed {
        Ok(request) => Ok(request),
        Err(_) if exceeded.load(Ordering::Relaxed) => Err(too_large()),
        Err(async_graphql::ParseRequestError::PayloadTooLarge) => Err(too_large()),
        Err(err) => Err(refuse(StatusCode::BAD_REQUEST, &format!("Malformed request: {err}"))),
    }
}

/// Files one multipart GraphQL request may carry.
const MAX_UPLOADS: usize = 16;

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
