//! Request parameters, merged as Pleroma merges them (path > body > query), from the query
//! string, JSON, form-urlencoded and multipart bodies, then coerced to an operation's variables.
use axum::{
    body::{Body, Bytes},
    extract::{multipart::MultipartError, FromRequest, Multipart, Request},
    http::{header, request::Parts, HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value};

use super::{schema_index::SchemaIndex, RestError};
use async_graphql::parser::types::{BaseType, Type};

/// A file part of a multipart body, kept in an anonymous temporary file until the operation
/// has read it.
pub struct FilePart {
    /// The form field's name (`file`, `files[]` → `files`).
    pub name: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub file: std::fs::File,
}

impl FilePart {
    /// As an `Upload` variable's value.
    pub fn upload(&self) -> Result<async_graphql::UploadValue, ParamError> {
        let content = self.file.try_clone().map_err(|e| ParamError::other(&self.name, e.to_string()))?;
        Ok(async_graphql::UploadValue {
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            content,
        })
    }
}

impl FilePart {
    /// The file's content as text, for a parameter that Pleroma takes as text or as a file
    /// (`list` of the imports): `None` when it is not UTF-8.
    pub fn text(&self) -> Result<Option<String>, ParamError> {
        use std::io::{Read, Seek};
        let failed = |e: std::io::Error| ParamError::other(&self.name, e.to_string());
        let mut file = self.file.try_clone().map_err(failed)?;
        file.rewind().map_err(failed)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(failed)?;
        Ok(String::from_utf8(bytes).ok())
    }
}

/// A request's parameters and its file parts.
pub type Decoded = (Map<String, Value>, Vec<FilePart>);

fn malformed(e: impl std::fmt::Display) -> RestError {
    RestError::bad_request(&format!("Malformed multipart body: {e}"))
}

/// A row's body limit, put in the request's extensions by the row (see [`within_limit`]).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// The 413 of a body over its row's limit: Pleroma's text for an upload (`File is too large`,
/// `AccountController`), with the limit in bytes.
pub fn too_large(multipart: bool, limit: Option<usize>) -> RestError {
    let message = if multipart { "File is too large" } else { "Request body too large" };
    let mut body = serde_json::json!({ "error": message });
    if let Some(limit) = limit {
        body["limit"] = limit.into();
    }
    RestError { status: StatusCode::PAYLOAD_TOO_LARGE, body }
}

/// Whether an error (or one of its sources) is a body exceeding its limit (the row's, or the
/// cap every request gets before routing, which axum's own check does not see through).
pub fn is_length_limit(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(err) = current {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = err.source();
    }
    false
}

/// A multipart body that failed: 413 past the row's limit (streamed, so a body without a
/// declared length is caught too), 400 when malformed.
fn multipart_failed(e: MultipartError, limit: Option<usize>) -> RestError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE || is_length_limit(&e) {
        too_large(true, limit)
    } else {
        malformed(e.body_text())
    }
}

/// A row's body limit: a declared length over it is refused before the body is read (the rest
/// is enforced while it streams, by `DefaultBodyLimit`); the limit goes on for the decoder.
pub async fn within_limit(limit: usize, mut request: Request, next: Next) -> Response {
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(is_multipart(request.headers()), Some(limit)).into_response();
    }
    let multipart = is_multipart(request.headers());
    request.extensions_mut().insert(BodyLimit(limit));
    let response = next.run(request).await;
    // axum's `Bytes` extractor (native rows such as the inboxes) answers a streamed body past
    // the limit in plain text: the same JSON as every other refusal instead.
    let plain = response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/plain"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return too_large(multipart, Some(limit)).into_response();
    }
    response
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Stream one file part to a temporary file.
async fn save_file(
    mut field: axum::extract::multipart::Field<'_>,
    name: String,
    limit: Option<usize>,
) -> Result<FilePart, RestError> {
    use std::io::{Seek, Write};
    let filename = field.file_name().unwrap_or_default().to_string();
    let content_type = field.content_type().map(String::from);
    let mut file = tempfile::tempfile().map_err(|e| RestError::from(crate::error::AppError::internal(e)))?;
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_failed(e, limit))? {
        file.write_all(&chunk).map_err(|e| RestError::from(crate::error::AppError::internal(e)))?;
    }
    file.rewind().map_err(|e| RestError::from(crate::error::AppError::internal(e)))?;
    Ok(FilePart { name, filename, content_type, file })
}

/// Decode `a=1&tags[]=x&tags[]=y` into a JSON object (`name[]` and repeated keys make arrays).
pub fn decode_form(input: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in url::form_urlencoded::parse(input.as_bytes()) {
        let (key, is_array) = match key.strip_suffix("[]") {
            Some(k) => (k.to_string(), true),
            None => (key.into_owned(), false),
        };
        let value = Value::String(value.into_owned());
        match out.get_mut(&key) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None if is_array => {
                out.insert(key, Value::Array(vec![value]));
            }
            None => {
                out.insert(key, value);
            }
        }
    }
    nest_brackets(&mut out);
    out
}

/// Plug's nested form keys: `source[privacy]=x` and `fields_attributes[0][name]=y` also give
/// `{"source": {"privacy": "x"}}` and `{"fields_attributes": {"0": {"name": "y"}}}` (the flat
/// keys stay, for readers that look them up as sent). A plain key of the same name wins.
fn nest_brackets(out: &mut Map<String, Value>) {
    let nested: Vec<(String, Vec<String>, Value)> = out
        .iter()
        .filter_map(|(key, value)| {
            let (base, rest) = key.split_once('[')?;
            let rest = rest.strip_suffix(']')?;
            let path: Vec<String> = rest.split("][").map(String::from).collect();
            (!base.is_empty() && path.iter().all(|p| !p.is_empty() && !p.contains(['[', ']'])))
                .then(|| (base.to_string(), path, value.clone()))
        })
        .collect();
    for (base, path, value) in nested {
        let slot = out.entry(base).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = slot {
            insert_path(map, &path, value);
        }
    }
    fn insert_path(map: &mut Map<String, Value>, path: &[String], value: Value) {
        match path {
            [] => {}
            [last] => {
                map.insert(last.clone(), value);
            }
            [first, rest @ ..] => {
                let child = map.entry(first.clone()).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(child) = child {
                    insert_path(child, rest, value);
                }
            }
        }
    }
}

/// Parse a request body by its content type.
pub async fn decode_body(headers: &HeaderMap, request: axum::extract::Request) -> Result<Decoded, RestError> {
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let limit = request.extensions().get::<BodyLimit>().map(|l| l.0);
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(malformed)?;
        let mut fields = String::new();
        let mut files = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(|e| multipart_failed(e, limit))? {
            let Some(name) = field.name().map(String::from) else { continue };
            if field.file_name().is_some() {
                let name = name.strip_suffix("[]").unwrap_or(&name).to_string();
                files.push(save_file(field, name, limit).await?);
                continue;
            }
            let text = field.text().await.map_err(|e| multipart_failed(e, limit))?;
            // NUL cannot be stored in text on PostgreSQL (JSON and form bodies are checked in `app`).
            if text.contains('\0') || name.contains('\0') {
                return Err(RestError::bad_request(NUL_MESSAGE));
            }
            if !fields.is_empty() {
                fields.push('&');
            }
            fields.push_str(&url::form_urlencoded::Serializer::new(String::new()).append_pair(&name, &text).finish());
        }
        return Ok((decode_form(&fields), files));
    }
    // The extractor honours the row's body limit (`DefaultBodyLimit`).
    let bytes = Bytes::from_request(request, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE || is_length_limit(&e) {
            return too_large(false, limit);
        }
        RestError { status: e.status(), body: serde_json::json!({ "error": "Request body unreadable" }) }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok((Map::new(), Vec::new()));
    }
    if content_type.starts_with("application/json") || content_type.contains("+json") {
        return match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok((map, Vec::new())),
            // Pleroma puts a non-object JSON body under `_json`.
            Ok(other) => Ok((Map::from_iter([("_json".to_string(), other)]), Vec::new())),
            Err(e) => Err(RestError::bad_request(&format!("Malformed JSON body: {e}"))),
        };
    }
    Ok((decode_form(&String::from_utf8_lossy(&bytes)), Vec::new()))
}

/// The query string and the body merged as Pleroma merges them: body over query string; with
/// the body's file parts.
pub async fn merge(parts: &Parts, body: Body) -> Result<Decoded, RestError> {
    let mut merged = parts.uri.query().map(decode_form).unwrap_or_default();
    let (body, files) = decode_body(&parts.headers, Request::from_parts(parts.clone(), body)).await?;
    merged.extend(body);
    // NUL cannot be stored in text on PostgreSQL; refused once, here, for every row.
    if merged.iter().any(|(k, v)| k.contains('\0') || has_nul(v)) {
        return Err(RestError::bad_request(NUL_MESSAGE));
    }
    Ok((merged, files))
}

/// What a parameter carrying a NUL character is told.
pub const NUL_MESSAGE: &str = "Parameters must not contain NUL characters.";

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// A request's parameters (see [`merge`]) with the request's parts, for native rows.
pub async fn request_params(request: Request) -> Result<(Parts, Map<String, Value>), RestError> {
    let (parts, body) = request.into_parts();
    let (merged, _) = merge(&parts, body).await?;
    Ok((parts, merged))
}

/// Pleroma's boolean-like rule: `false`, `0`, `"0"`, `"f"`, `"F"`, `"false"`, `"FALSE"`, `"off"`, `"OFF"` are false.
pub fn truthy(value: &Value) -> Option<bool> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_f64() != Some(0.0)),
        Value::String(s) => Some(!matches!(s.as_str(), "0" | "f" | "F" | "false" | "FALSE" | "off" | "OFF")),
        _ => Some(true),
    }
}

/// A parameter that failed validation: one OpenApiSpex cast error, as Pleroma's
/// `ApiSpec.RenderError` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    /// Where the value is (`page`, `reports/0/state`): the error's `source.pointer` without
    /// its leading `/`.
    pub field: String,
    /// The name the top-level `error` text starts with (`name - message.`); `None` for a
    /// missing field, whose message names it.
    pub name: Option<String>,
    /// `OpenApiSpex.Cast.Error.message/1`: the error's `message` (`Invalid integer. Got: string`).
    pub message: String,
}

impl ParamError {
    /// `Missing field: name`.
    pub fn missing(field: &str) -> ParamError {
        let name = field.rsplit('/').next().unwrap_or(field);
        ParamError { field: field.to_string(), name: None, message: format!("Missing field: {name}") }
    }

    /// `Invalid <type>. Got: <the value's JSON type>`, named by the last step of its path.
    pub fn invalid_type(field: &str, expected: &str, value: &Value) -> ParamError {
        let name = field.rsplit('/').next().unwrap_or(field).to_string();
        ParamError {
            field: field.to_string(),
            name: Some(name),
            message: format!("Invalid {expected}. Got: {}", term_type(value)),
        }
    }

    /// `Invalid value for enum`, named by the value (Pleroma's RenderError names an enum error
    /// by the value it refused).
    pub fn invalid_enum(field: &str, value: &Value) -> ParamError {
        let name = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        ParamError { field: field.to_string(), name: Some(name), message: "Invalid value for enum".into() }
    }

    /// `Invalid format. Expected :date`: a string that is not the date (or date-time) it must be.
    pub fn invalid_format(field: &str, format: &str) -> ParamError {
        let name = field.rsplit('/').next().unwrap_or(field).to_string();
        ParamError { field: field.to_string(), name: Some(name), message: format!("Invalid format. Expected {format}") }
    }

    /// A message of the gateway's own (a file part that is not text), shown as it is.
    pub fn other(field: &str, message: String) -> ParamError {
        ParamError { field: field.to_string(), name: None, message }
    }

    /// The error as the top-level `error` text shows it: `page - Invalid integer. Got: string.`,
    /// `Missing field: name.`.
    pub fn rendered(&self) -> String {
        let message = self.message.trim_end_matches('.');
        match &self.name {
            Some(name) => format!("{name} - {message}."),
            None => format!("{message}."),
        }
    }
}

/// `OpenApiSpex.TermType.type/1`: a JSON value's type as a cast error names it.
fn term_type(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Null => "null",
    }
}

/// How a row reads its boolean parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booleans {
    /// OpenApiSpex's `type: :boolean`: JSON `true`/`false` and the strings `"true"`/`"false"`;
    /// anything else is `Invalid boolean`.
    Strict,
    /// Pleroma's `BooleanLike` schema (`truthy_param?`): every value is read, see [`truthy`].
    Like,
    /// Controllers that compare by hand (`params["godmode"] == "true" || params["godmode"] ==
    /// true`, `AdminAPIController.list_user_statuses`): `true` or `"true"` is true, anything else
    /// false, nothing refused.
    OnlyTrue,
}

/// `expiresIn` → `expires_in`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Coerce one parameter to a GraphQL type; `Ok(None)` when absent and nullable.
pub fn coerce(
    index: &SchemaIndex,
    booleans: Booleans,
    name: &str,
    ty: &Type,
    value: Option<&Value>,
) -> Result<Option<Value>, ParamError> {
    let value = match value {
        None | Some(Value::Null) => {
            return if ty.nullable { Ok(None) } else { Err(ParamError::missing(name)) };
        }
        Some(Value::String(s))
            if s.is_empty() && ty.nullable && !matches!(&ty.base, BaseType::Named(n) if n.as_str() == "String") =>
        {
            return Ok(None)
        }
        Some(v) => v,
    };
    let invalid = |what: &str| ParamError::invalid_type(name, what, value);
    match &ty.base {
        BaseType::List(item) => {
            let enum_item = matches!(&item.base, BaseType::Named(n) if index.is_enum(n));
            let items: Vec<Value> = match value {
                Value::Array(items) => items.clone(),
                // Plug's indexed form lists (`fields_attributes[0][name]=…`), in index order.
                Value::Object(map) if !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok()) => {
                    let mut indexed: Vec<(usize, &Value)> =
                        map.iter().filter_map(|(k, v)| Some((k.parse::<usize>().ok()?, v))).collect();
                    indexed.sort_by_key(|(i, _)| *i);
                    indexed.into_iter().map(|(_, v)| v.clone()).collect()
                }
                // A list of flags may come comma-separated (`filters=local,deactivated`, which
                // Pleroma declares as a string and splits); any other list must be an array.
                Value::String(s) if enum_item => s
                    .split(',')
                    .map(|part| Value::String(part.trim().to_string()))
                    .filter(|v| v != &Value::String(String::new()))
                    .collect(),
                _ => return Err(invalid("array")),
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                match coerce(index, booleans, &format!("{name}/{i}"), item, Some(v)) {
                    Ok(Some(v)) => out.push(v),
                    Ok(None) => {}
                    // Unknown names in a list of flags are ignored, as Pleroma ignores unknown filters.
                    Err(_) if enum_item => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(Some(Value::Array(out)))
        }
        BaseType::Named(type_name) => match type_name.as_str() {
            "String" | "ID" => match value {
                Value::String(_) => Ok(Some(value.clone())),
                Value::Number(n) => Ok(Some(Value::String(n.to_string()))),
                Value::Bool(b) => Ok(Some(Value::String(b.to_string()))),
                _ => Err(invalid("string")),
            },
            "Int" => match value {
                Value::Number(n) if n.is_i64() => Ok(Some(value.clone())),
                Value::String(s) => {
                    s.trim().parse::<i32>().map(|n| Some(Value::from(n))).map_err(|_| invalid("integer"))
                }
                _ => Err(invalid("integer")),
            },
            "Float" => match value {
                Value::Number(_) => Ok(Some(value.clone())),
                Value::String(s) => {
                    s.trim().parse::<f64>().map(|n| Some(Value::from(n))).map_err(|_| invalid("number"))
                }
                _ => Err(invalid("number")),
            },
            "Boolean" => match (booleans, value) {
                (Booleans::Like, _) => Ok(truthy(value).map(Value::Bool)),
                (Booleans::OnlyTrue, _) => Ok(Some(Value::Bool(matches!(value, Value::Bool(true)) || value == "true"))),
                (Booleans::Strict, Value::Bool(_)) => Ok(Some(value.clone())),
                (Booleans::Strict, Value::String(s)) if s == "true" || s == "false" => {
                    Ok(Some(Value::Bool(s == "true")))
                }
                (Booleans::Strict, _) => Err(invalid("boolean")),
            },
            other if index.is_enum(other) => match value {
                Value::String(s) => {
                    let upper = s.trim().to_ascii_uppercase();
                    if index.enum_has(other, &upper) {
                        Ok(Some(Value::String(upper)))
                    } else {
                        Err(ParamError::invalid_enum(name, value))
                    }
                }
                _ => Err(ParamError::invalid_enum(name, value)),
            },
            other if index.is_input(other) => match value {
                Value::Object(fields) => {
                    let mut out = Map::new();
                    for (field, field_ty) in index.input_fields(other) {
                        // Pleroma's nested keys are snake_case (`poll[expires_in]`), GraphQL's
                        // input fields camelCase (`expiresIn`): either is read.
                        let snake = snake_case(field);
                        let path = format!("{name}/{snake}");
                        let given = fields.get(field.as_str()).or_else(|| fields.get(snake.as_str()));
                        if let Some(v) = coerce(index, booleans, &path, field_ty, given)? {
                            out.insert(field.clone(), v);
                        }
                    }
                    Ok(Some(Value::Object(out)))
                }
                _ => Err(invalid("object")),
            },
            // Custom scalars parse themselves; a value that cannot be one is refused here, so
            // GraphQL's own message (which names the type) never reaches a client.
            "DateTime" => match value {
                Value::String(s) if crate::graphql::scalars::parse_datetime(s.trim()).is_some() => {
                    Ok(Some(Value::String(s.trim().to_string())))
                }
                Value::String(_) => Err(ParamError::invalid_format(name, ":\"date-time\"")),
                _ => Err(invalid("string")),
            },
            "NaiveDate" => match value {
                Value::String(s) if chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").is_ok() => {
                    Ok(Some(Value::String(s.trim().to_string())))
                }
                Value::String(_) => Err(ParamError::invalid_format(name, ":date")),
                _ => Err(invalid("string")),
            },
            _ => Ok(Some(value.clone())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_make_arrays() {
        let map = decode_form("tags[]=a&tags[]=b&page=2&x=1&x=2");
        assert_eq!(map["tags"], serde_json::json!(["a", "b"]));
        assert_eq!(map["page"], "2");
        assert_eq!(map["x"], serde_json::json!(["1", "2"]));
    }

    #[test]
    fn forms_nest_bracketed_keys() {
        let map = decode_form("source%5Bprivacy%5D=unlisted&f%5B0%5D%5Bname%5D=a&f%5B0%5D%5Bvalue%5D=b&page=1");
        assert_eq!(map["source"], serde_json::json!({"privacy": "unlisted"}));
        assert_eq!(map["f"], serde_json::json!({"0": {"name": "a", "value": "b"}}));
        assert_eq!(map["source[privacy]"], "unlisted");
        // A plain key of the same name is left alone.
        let map = decode_form("data=x&data%5Btoken%5D=t");
        assert_eq!(map["data"], "x");
    }

    #[test]
    fn boolean_like() {
        for f in ["0", "f", "F", "false", "FALSE", "off", "OFF"] {
            assert_eq!(truthy(&Value::String(f.into())), Some(false));
        }
        assert_eq!(truthy(&Value::String("yes".into())), Some(true));
        assert_eq!(truthy(&Value::Bool(false)), Some(false));
        assert_eq!(truthy(&Value::from(0)), Some(false));
    }
}
