//! `GET /api/openapi.html`: the OpenAPI document as a page a person can read, rendered on the
//! server from the same document `GET /api/openapi` serves — no script, no CDN, so it works
//! where the IDE does. It walks the document generically (paths, methods, parameters, bodies,
//! responses, component schemas), so it follows the generator as it grows.
use std::fmt::Write;

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value};

use super::escape_html as escape;
use crate::state::AppState;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// No scripts at all; the page's only style is inline.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#222}\
code,pre{font:13px/1.35 ui-monospace,monospace}pre{background:#f6f6f6;padding:.5rem;overflow:auto;margin:.25rem 0}\
section.op{border-top:1px solid #ddd;padding:.5rem 0}h3{margin:.4rem 0;font-size:1.05rem}\
.method{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}\
table{border-collapse:collapse;margin:.25rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}\
nav li{list-style:none}nav ul{padding-left:0;columns:2}.muted{color:#666}";

/// An anchor id for an operation (`get-/api/v1/...` with unsafe characters replaced).
fn anchor(method: &str, path: &str) -> String {
    let mut id = format!("{method}-");
    id.extend(path.chars().map(|c| if c.is_ascii_alphanumeric() || c == '/' || c == '_' { c } else { '-' }));
    id
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A schema as indented JSON, `$ref`s turned into links to the component section.
fn schema_block(schema: &Value) -> String {
    let pretty = serde_json::to_string_pretty(schema).unwrap_or_default();
    let mut html = String::new();
    for line in pretty.lines() {
        let escaped = escape(line);
        match line.trim().strip_prefix("\"$ref\": \"#/components/schemas/") {
            Some(rest) => {
                let name = rest.trim_end_matches(',').trim_end_matches('"');
                let indent = &line[..line.len() - line.trim_start().len()];
                let _ = writeln!(
                    html,
                    "{indent}\"$ref\": <a href=\"#schema-{}\">{}</a>{}",
                    escape(name),
                    escape(name),
                    if line.ends_with(',') { "," } else { "" }
                );
            }
            None => {
                html.push_str(&escaped);
                html.push('\n');
            }
        }
    }
    format!("<pre>{}</pre>", html.trim_end())
}

fn parameters(op: &Value, out: &mut String) {
    let Some(list) = op.get("parameters").and_then(Value::as_array).filter(|l| !l.is_empty()) else { return };
    out.push_str("<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>");
    for p in list {
        let schema = p.get("schema").map(|s| serde_json::to_string(s).unwrap_or_default()).unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code>{}</td></tr>",
            escape(text(p, "name")),
            escape(text(p, "in")),
            if p.get("required").and_then(Value::as_bool).unwrap_or(false) { "yes" } else { "no" },
            escape(&schema),
            match text(p, "description") {
                "" => String::new(),
                d => format!("<br><span class=\"muted\">{}</span>", escape(d)),
            }
        );
    }
    out.push_str("</table>");
}

/// Media types and their schemas; types that share a schema (JSON, form and multipart bodies
/// usually do) are listed together over one copy of it.
fn content(body: &Value, out: &mut String) {
    let Some(content) = body.get("content").and_then(Value::as_object) else { return };
    let mut groups: Vec<(Vec<&str>, Option<&Value>)> = Vec::new();
    for (media_type, media) in content {
        let schema = media.get("schema");
        match groups.iter_mut().find(|(_, s)| *s == schema) {
            Some((types, _)) => types.push(media_type),
            None => groups.push((vec![media_type], schema)),
        }
    }
    for (types, schema) in groups {
        let names: Vec<String> = types.iter().map(|t| escape(t)).collect();
        let _ = write!(out, "<div><code>{}</code></div>", names.join("</code>, <code>"));
        if let Some(schema) = schema {
            out.push_str(&schema_block(schema));
        }
    }
}

fn operation(method: &str, path: &str, op: &Value, out: &mut String) {
    let _ = write!(
        out,
        "<section class=\"op\" id=\"{}\"><h3><span class=\"method\">{}</span> <code>{}</code></h3><p>{}</p>",
        escape(&anchor(method, path)),
        escape(method),
        escape(path),
        escape(text(op, "summary"))
    );
    if !text(op, "description").is_empty() {
        let _ = write!(out, "<p>{}</p>", escape(text(op, "description")));
    }
    let scopes: Vec<String> = op
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|req| req.values().filter_map(Value::as_array).flatten().filter_map(Value::as_str))
        .map(escape)
        .collect();
    let access = text(op, "x-access");
    if !access.is_empty() || !scopes.is_empty() {
        let _ = write!(out, "<p><b>Access:</b> {}", escape(access));
        if !scopes.is_empty() {
            let _ = write!(out, "<br><b>OAuth scopes:</b> <code>{}</code>", scopes.join("</code>, <code>"));
        }
        out.push_str("</p>");
    }
    parameters(op, out);
    if let Some(body) = op.get("requestBody") {
        out.push_str("<h4>Request body</h4>");
        content(body, out);
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.push_str("<h4>Responses</h4><table><tr><th>status</th><th>description and body</th></tr>");
        for (status, response) in responses {
            let _ = write!(out, "<tr><td>{}</td><td>{}", escape(status), escape(text(response, "description")));
            content(response, out);
            out.push_str("</td></tr>");
        }
        out.push_str("</table>");
    }
    out.push_str("</section>\n");
}

/// The page for an OpenAPI document.
pub fn render(doc: &Value) -> String {
    let empty = Map::new();
    let paths = doc.get("paths").and_then(Value::as_object).unwrap_or(&empty);
    let title = doc.pointer("/info/title").and_then(Value::as_str).unwrap_or("API");
    let version = doc.pointer("/info/version").and_then(Value::as_str).unwrap_or("");
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — REST reference</title>\
         <style>{STYLE}</style></head><body><h1>{}</h1><p>Version {} · OpenAPI {} · \
         machine-readable: <a href=\"/api/openapi\">/api/openapi</a> · GraphQL: <a href=\"/graphql\">/graphql</a></p>",
        escape(title),
        escape(title),
        escape(version),
        escape(text(doc, "openapi"))
    );
    for server in doc.get("servers").and_then(Value::as_array).into_iter().flatten() {
        let _ = write!(out, "<p>Server: <code>{}</code></p>", escape(text(server, "url")));
    }
    let operations: Vec<(&str, &String, &Value)> = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS.iter().filter_map(move |method| item.get(*method).map(|op| (*method, path, op)))
        })
        .collect();
    let _ = write!(out, "<h2>Routes ({})</h2><nav><ul>", operations.len());
    for (method, path, _) in &operations {
        let _ = write!(
            out,
            "<li><a href=\"#{}\"><span class=\"method\">{}</span> {}</a></li>",
            escape(&anchor(method, path)),
            escape(method),
            escape(path)
        );
    }
    out.push_str("</ul></nav>\n");
    for (method, path, op) in &operations {
        operation(method, path, op, &mut out);
    }
    if let Some(schemes) = doc.pointer("/components/securitySchemes").and_then(Value::as_object) {
        out.push_str("<h2>Security schemes</h2>");
        for (name, scheme) in schemes {
            let _ = write!(out, "<h3 id=\"security-{}\">{}</h3>{}", escape(name), escape(name), schema_block(scheme));
        }
    }
    if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        out.push_str("<h2>Schemas</h2>");
        for (name, schema) in schemas {
            let _ = write!(out, "<h3 id=\"schema-{}\">{}</h3>{}", escape(name), escape(name), schema_block(schema));
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// Serve the page.
pub async fn serve(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        ],
        render(&super::openapi::document(&state)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn renders_operations_with_everything_escaped() {
        let doc = json!({
            "openapi": "3.0.3",
            "info": { "title": "T<&>", "version": "1" },
            "paths": { "/a/{x}": { "post": {
                "summary": "Do <b>it</b>",
                "security": [{ "oAuth": ["admin:write"] }],
                "x-access": "admin",

                "parameters": [{ "name": "x", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": { "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/Body" } },
                    "multipart/form-data": { "schema": { "$ref": "#/components/schemas/Body" } },
                } },
                "responses": { "200": { "description": "OK \"quoted\"" }, "403": { "description": "Refused" } },
            }}},
            "components": { "schemas": { "Body": { "type": "object", "properties": { "<k>": { "type": "string" } } } } },
        });
        let html = render(&doc);
        assert!(html.contains("<title>T&lt;&amp;&gt; — REST reference</title>"), "{html}");
        assert!(html.contains("Do &lt;b&gt;it&lt;/b&gt;"));
        assert!(html.contains("<code>admin:write</code>"));
        // One copy of a schema the media types share.
        assert!(html.contains("<code>application/json</code>, <code>multipart/form-data</code>"));
        assert_eq!(html.matches("<a href=\"#schema-Body\">").count(), 1);
        assert!(html.contains("<td><code>x</code></td><td>path</td><td>yes</td>"));
        assert!(html.contains("<a href=\"#schema-Body\">Body</a>"));
        assert!(html.contains("<h3 id=\"schema-Body\">Body</h3>"));
        assert!(html.contains("&quot;&lt;k&gt;&quot;"));
        assert!(html.contains("OK &quot;quoted&quot;"));
        assert!(!html.contains("<b>it"));
    }
}
