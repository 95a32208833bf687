//! Request body limits, enforced while the body streams in (issue 24): a body is never read
//! past its limit, whatever its declared length (or none, with chunked encoding).
//!
//! Every request's body is capped at [`MAX_BODY`] before routing; each REST row then applies
//! its own, smaller `body_limit` (axum's `DefaultBodyLimit`, which its extractors and
//! multipart honour), and `/graphql` its own ([`GRAPHQL_JSON`], [`GRAPHQL_MULTIPART`]), since
//! async-graphql-axum's extractor reads the whole body and ignores `DefaultBodyLimit`.
use axum::{
    body::Body,
    extract::Request,
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::Limited;

pub use crate::rest::params::is_length_limit;
use crate::rest::{self, SMALL_BODY, UPLOAD_BODY};

/// The largest body any route accepts: an upload row's (a file of Pleroma's default
/// `upload_limit` with its form fields). Every row's `body_limit` is at most this.
pub const MAX_BODY: usize = UPLOAD_BODY + 1024 * 1024;
/// `/graphql` with a JSON body (queries, variables, batches of operations): twice an
/// ordinary row's.
pub const GRAPHQL_JSON: usize = 2 * SMALL_BODY;
/// `/graphql` with a multipart body (the GraphQL multipart request spec: uploads).
pub const GRAPHQL_MULTIPART: usize = MAX_BODY;

/// The declared `Content-Length`, when it parses.
pub fn declared_length(request: &Request) -> Option<u64> {
    request.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// The body, failing with [`LengthLimitError`] once more than `limit` bytes have arrived.
pub fn limited(body: Body, limit: usize) -> Body {
    Body::new(Limited::new(body, limit))
}

/// The outermost cap: a declared length over [`MAX_BODY`] is refused before anything reads
/// the body; any other body fails once it streams past it.
pub async fn cap_body(request: Request, next: Next) -> Response {
    if declared_length(&request).is_some_and(|n| n > MAX_BODY as u64) {
        let multipart =
            request.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"multipart/"));
        return rest::params::too_large(multipart, Some(MAX_BODY)).into_response();
    }
    next.run(request.map(|body| limited(body, MAX_BODY))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_past_its_limit_fails_as_a_length_limit() {
        let body = limited(Body::from(vec![0u8; 10]), 4);
        let err = axum::body::to_bytes(body, usize::MAX).await.unwrap_err();
        assert!(is_length_limit(&err));
        let fine = limited(Body::from(vec![0u8; 4]), 4);
        assert_eq!(axum::body::to_bytes(fine, usize::MAX).await.unwrap().len(), 4);
        assert!(!is_length_limit(&std::io::Error::other("other")));
    }
}
