//! `POST /graphql` (JSON only: a cross-site form cannot post JSON without a preflight) and
//! `GET /graphql` (GraphiQL; operations are never run over GET).
use async_graphql::BatchRequest;
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};

use crate::{
    auth::Viewer,
    graphql::{request_data, MAX_BATCH},
    rest::RestError,
    state::AppState,
};

/// Run a GraphQL request or batch.
pub async fn graphql_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    request: GraphQLBatchRequest,
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
    let batch = match request.into_inner() {
        BatchRequest::Single(single) => BatchRequest::Single(request_data(single, viewer, &state.db)),
        BatchRequest::Batch(list) if list.len() > MAX_BATCH => {
            return RestError::bad_request(&format!("A batch may hold at most {MAX_BATCH} operations."))
                .into_response();
        }
        BatchRequest::Batch(list) => {
            BatchRequest::Batch(list.into_iter().map(|r| request_data(r, viewer.clone(), &state.db)).collect())
        }
    };
    GraphQLResponse::from(state.schema.execute_batch(batch).await).into_response()
}

/// The GraphiQL IDE, served offline from the binary.
pub async fn graphiql() -> Response {
    super::graphiql::page().await
}
