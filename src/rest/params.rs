//! Request parameters, merged as Pleroma merges them (path > body > query), from the query
//! string, JSON, form-urlencoded and multipart bodies, then coerced to an operation's variables.
use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, Multipart, Request},
    http::{header, request::Parts, HeaderMap},
};
use serde_json::{Map, Value};

use super::{schema_index::SchemaIndex, RestError};
use async_graphql::parser::types::{BaseType, Type};

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

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
    out
}

/// Parse a request body by its content type.
pub async fn decode_body(
    headers: &HeaderMap,
    request: axum::extract::Request,
) -> Result<Map<String, Value>, RestError> {
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| RestError::bad_request(&format!("Malformed multipart body: {e}")))?;
        let mut fields = String::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| RestError::bad_request(&format!("Malformed multipart body: {e}")))?
        {
            let Some(name) = field.name().map(String::from) else { continue };
            if field.file_name().is_some() {
                // Files are taken by the routes that upload them.
                continue;
            }
            let text =
                field.text().await.map_err(|e| RestError::bad_request(&format!("Malformed multipart body: {e}")))?;
            // NUL cannot be stored in text on PostgreSQL (JSON and form bodies are checked in `app`).
            if text.contains('\0') || name.contains('\0') {
                return Err(RestError::bad_request("Parameters must not contain NUL characters."));
            }
            if !fields.is_empty() {
                fields.push('&');
            }
            fields.push_str(&url::form_urlencoded::Serializer::new(String::new()).append_pair(&name, &text).finish());
        }
        return Ok(decode_form(&fields));
    }
    let bytes: Bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
        .await
        .map_err(|_| RestError::bad_request("Request body too large or unreadable"))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    if content_type.starts_with("application/json") || content_type.contains("+json") {
        return match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            // Pleroma puts a non-object JSON body under `_json`.
            Ok(other) => Ok(Map::from_iter([("_json".to_string(), other)])),
            Err(e) => Err(RestError::bad_request(&format!("Malformed JSON body: {e}"))),
        };
    }
    Ok(decode_form(&String::from_utf8_lossy(&bytes)))
}

/// The query string and the body merged as Pleroma merges them: body over query string.
pub async fn merge(parts: &Parts, body: Body) -> Result<Map<String, Value>, RestError> {
    let mut merged = parts.uri.query().map(decode_form).unwrap_or_default();
    merged.extend(decode_body(&parts.headers, Request::from_parts(parts.clone(), body)).await?);
    Ok(merged)
}

/// A request's parameters (see [`merge`]), with the request's parts.
pub async fn request_params(request: Request) -> Result<(Parts, Map<String, Value>), RestError> {
    let (parts, body) = request.into_parts();
    let merged = merge(&parts, body).await?;
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

/// A parameter that failed validation.
#[derive(Debug)]
pub struct ParamError {
    pub field: String,
    pub message: String,
}

/// Coerce one parameter to a GraphQL type; `Ok(None)` when absent and nullable.
pub fn coerce(index: &SchemaIndex, name: &str, ty: &Type, value: Option<&Value>) -> Result<Option<Value>, ParamError> {
    let missing = || ParamError { field: name.to_string(), message: format!("Missing field: {name}.") };
    let value = match value {
        None | Some(Value::Null) => return if ty.nullable { Ok(None) } else { Err(missing()) },
        Some(Value::String(s))
            if s.is_empty() && ty.nullable && !matches!(&ty.base, BaseType::Named(n) if n.as_str() == "String") =>
        {
            return Ok(None)
        }
        Some(v) => v,
    };
    let invalid =
        |what: &str| ParamError { field: name.to_string(), message: format!("Invalid {what}. Got: {}", short(value)) };
    match &ty.base {
        BaseType::List(item) => {
            let items: Vec<Value> = match value {
                Value::Array(items) => items.clone(),
                Value::String(s) => s
                    .split(',')
                    .map(|part| Value::String(part.trim().to_string()))
                    .filter(|v| v != &Value::String(String::new()))
                    .collect(),
                other => vec![other.clone()],
            };
            let enum_item = matches!(&item.base, BaseType::Named(n) if index.is_enum(n));
            let mut out = Vec::with_capacity(items.len());
            for v in &items {
                match coerce(index, name, item, Some(v)) {
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
            "Boolean" => Ok(truthy(value).map(Value::Bool)),
            other if index.is_enum(other) => match value {
                Value::String(s) => {
                    let upper = s.trim().to_ascii_uppercase();
                    if index.enum_has(other, &upper) {
                        Ok(Some(Value::String(upper)))
                    } else {
                        Err(invalid("value"))
                    }
                }
                _ => Err(invalid("value")),
            },
            other if index.is_input(other) => match value {
                Value::Object(fields) => {
                    let mut out = Map::new();
                    for (field, field_ty) in index.input_fields(other) {
                        if let Some(v) = coerce(index, field, field_ty, fields.get(field.as_str()))? {
                            out.insert(field.clone(), v);
                        }
                    }
                    Ok(Some(Value::Object(out)))
                }
                _ => Err(invalid("object")),
            },
            // Custom scalars (DateTime, JSON, …) parse themselves.
            _ => Ok(Some(value.clone())),
        },
    }
}

fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    text.chars().take(80).collect()
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
    fn boolean_like() {
        for f in ["0", "f", "F", "false", "FALSE", "off", "OFF"] {
            assert_eq!(truthy(&Value::String(f.into())), Some(false));
        }
        assert_eq!(truthy(&Value::String("yes".into())), Some(true));
        assert_eq!(truthy(&Value::Bool(false)), Some(false));
        assert_eq!(truthy(&Value::from(0)), Some(false));
    }
}
