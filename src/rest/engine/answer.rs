//! What a route sends back: status, headers and a JSON, byte or empty body. Every JSON
//! response of the REST side goes through [`json`].
use axum::{
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// `application/json; charset=utf-8`, as Phoenix sends it.
pub const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A JSON response with Phoenix's content type.
pub fn json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => bytes_response(status, JSON_UTF8, bytes),
        Err(err) => {
            tracing::error!(%err, "response not serialisable");
            bytes_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                JSON_UTF8,
                br#"{"error":"Something went wrong"}"#.to_vec(),
            )
        }
    }
}

/// A JSON response of a GraphQL value, plain objects answered as JSON text included
/// (`graphql::plain::RawJson`).
pub fn json_value(status: StatusCode, value: &async_graphql::Value) -> Response {
    bytes_response(status, JSON_UTF8, crate::graphql::plain::value_json(value))
}

fn bytes_response(status: StatusCode, content_type: &str, bytes: Vec<u8>) -> Response {
    let mut response = (status, bytes).into_response();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A route's answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: AnswerBody,
}

/// The body of an [`Answer`].
#[derive(Debug)]
pub enum AnswerBody {
    /// Serialised as JSON.
    Json(async_graphql::Value),
    /// JSON text already serialised (literals).
    RawJson(&'static str),
    /// Bytes with their content type.
    Bytes { content_type: String, bytes: Vec<u8> },
    /// Nothing (the content type stays JSON, as Pleroma sends it).
    Empty,
    /// JSON written as it is produced (chunked), see `Shape::Pages`.
    Stream(axum::body::Body),
}

impl Answer {
    /// `200` with a JSON body.
    pub fn json(value: async_graphql::Value) -> Answer {
        Answer { status: StatusCode::OK, headers: HeaderMap::new(), body: AnswerBody::Json(value) }
    }

    /// `200` with JSON text written in the route table.
    pub fn raw_json(text: &'static str) -> Answer {
        Answer { status: StatusCode::OK, headers: HeaderMap::new(), body: AnswerBody::RawJson(text) }
    }

    /// No body, JSON content type.
    pub fn empty(status: StatusCode) -> Answer {
        Answer { status, headers: HeaderMap::new(), body: AnswerBody::Empty }
    }

    /// `200` with bytes of this content type.
    pub fn bytes(content_type: &str, bytes: Vec<u8>) -> Answer {
        let body = AnswerBody::Bytes { content_type: content_type.to_string(), bytes };
        Answer { status: StatusCode::OK, headers: HeaderMap::new(), body }
    }

    /// `200` with a JSON body written as it is produced.
    pub fn stream(body: axum::body::Body) -> Answer {
        Answer { status: StatusCode::OK, headers: HeaderMap::new(), body: AnswerBody::Stream(body) }
    }

    /// `302 Found` to `location`, with the tiny HTML body of Phoenix's `redirect/2`.
    pub fn redirect(location: &str) -> Answer {
        let href = escape_html(location);
        let page = format!("<html><body>You are being <a href=\"{href}\">redirected</a>.</body></html>");
        Answer::bytes("text/html; charset=utf-8", page.into_bytes())
            .status(StatusCode::FOUND)
            .header(header::LOCATION, location)
    }

    /// The same answer with another status.
    pub fn status(mut self, status: StatusCode) -> Answer {
        self.status = status;
        self
    }

    /// The same answer with a header added (values that are not valid header text are dropped).
    pub fn header(mut self, name: HeaderName, value: &str) -> Answer {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.append(name, value);
        }
        self
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            AnswerBody::Json(value) => json_value(self.status, &value),
            AnswerBody::RawJson(text) => bytes_response(self.status, JSON_UTF8, text.as_bytes().to_vec()),
            AnswerBody::Bytes { content_type, bytes } => bytes_response(self.status, &content_type, bytes),
            AnswerBody::Empty => bytes_response(self.status, "application/json", Vec::new()),
            AnswerBody::Stream(body) => {
                let mut response = (self.status, body).into_response();
                response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
                response
            }
        };
        response.headers_mut().extend(self.headers);
        response
    }
}

/// A `Link` header for page-numbered lists (`rel="next"` and `rel="prev"`), as Pleroma's
/// `add_link_headers` writes it: the request's URL with `page` replaced.
pub fn page_links(base_url: &str, uri: &axum::http::Uri, page: u64, has_next: bool) -> Option<String> {
    let others: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let link = |page: u64, rel: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(others.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        query.append_pair("page", &page.to_string());
        format!("<{base_url}{}?{}>; rel=\"{rel}\"", uri.path(), query.finish())
    };
    let mut links = Vec::new();
    if has_next {
        links.push(link(page + 1, "next"));
    }
    if page > 1 {
        links.push(link(page - 1, "prev"));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

/// Escape text for HTML content and attribute values (the formatter's escape, as Phoenix's).
pub fn escape_html(text: &str) -> String {
    crate::domain::formatter::escape(text)
}
