//! The ActivityPub documents of local users and statuses (Pleroma's `ActivityPubController`,
//! `OStatusController` and `Feed.UserController.feed_redirect`): a user's actor document, outbox,
//! followers and following; the relay's followers and following; `/objects/:uuid`,
//! `/activities/:uuid` and `/notice/:id` with content negotiation (`Accept` or `_format`:
//! `application/activity+json`, `application/ld+json` or `application/json` get the document,
//! `text/html` — the default — the web page or a redirect to it).
use std::collections::BTreeMap;

use axum::{
    extract::{Path, Request, State},
    http::{header, request::Parts, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};
use serde_json::{json, Value};

use super::{json, RestError, Route};
use crate::{
    auth::{Access, Viewer},
    domain::{
        federation::{
            self,
            collections::{self, Relationship},
            objects,
        },
        statuses::MastodonPage,
    },
    error::AppError,
    state::AppState,
};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        native(
            Method::GET,
            "/users/{nickname}",
            "A local user's actor document, or its web page",
            |m| on(m, user),
            USER,
        ),
        native(
            Method::GET,
            "/users/{nickname}/outbox",
            "A local user's outbox (ActivityPub)",
            |m| on(m, outbox),
            OUTBOX,
        ),
        native(
            Method::GET,
            "/users/{nickname}/followers",
            "A local user's followers (ActivityPub)",
            |m| on(m, followers),
            COLLECTION,
        ),
        native(
            Method::GET,
            "/users/{nickname}/following",
            "The accounts a local user follows (ActivityPub)",
            |m| on(m, following),
            COLLECTION,
        ),
        native(
            Method::GET,
            "/relay/followers",
            "The relay actor's followers (ActivityPub)",
            |m| on(m, relay_followers),
            RELAY,
        ),
        native(
            Method::GET,
            "/relay/following",
            "The relays the relay actor follows (ActivityPub)",
            |m| on(m, relay_following),
            RELAY,
        ),
        native(
            Method::GET,
            "/objects/{uuid}",
            "A local status's object (ActivityPub), or a redirect to its page",
            |m| on(m, object),
            OBJECT,
        ),
        native(
            Method::GET,
            "/activities/{uuid}",
            "A local status's Create or a reblog's Announce (ActivityPub), or a redirect to its page",
            |m| on(m, activity),
            OBJECT,
        ),
        native(
            Method::GET,
            "/notice/{id}",
            "A status's web page, or a redirect to its object",
            |m| on(m, notice),
            NOTICE,
        ),
    ]
}

const USER: &[(u16, &str)] = &[
    (200, "The actor document (ActivityPub types), or the web page (text/html)"),
    (404, "No such local user (ActivityPub types)"),
    (406, "No acceptable type"),
];
const OUTBOX: &[(u16, &str)] = &[
    (200, "The OrderedCollection, or with page=true an OrderedCollectionPage"),
    (400, "A bad limit"),
    (404, "No such local user"),
];
const COLLECTION: &[(u16, &str)] = &[
    (200, "The OrderedCollection, or with page=N an OrderedCollectionPage"),
    (400, "A page that is not a positive number"),
    (403, "The user hides this collection (pages only; empty body)"),
    (404, "No such local user"),
];
const RELAY: &[(u16, &str)] = &[(200, "The OrderedCollection")];
const OBJECT: &[(u16, &str)] = &[
    (200, "The document (ActivityPub types)"),
    (302, "To /notice/:id (text/html)"),
    (404, "No such local status the caller may see"),
    (406, "No acceptable type"),
];
const NOTICE: &[(u16, &str)] = &[
    (200, "The web page (text/html)"),
    (302, "To the status's object (ActivityPub types)"),
    (404, "No such public status"),
    (406, "No acceptable type"),
];

fn native(
    method: Method,
    path: &'static str,
    summary: &'static str,
    handler: fn(axum::routing::MethodFilter) -> axum::routing::MethodRouter<AppState>,
    responses: &'static [(u16, &'static str)],
) -> Route {
    Route::native(method, path, summary, Access::Public, handler, responses)
}

// ---- Negotiation ---------------------------------------------------------------------------------

/// What the caller accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    /// JSON or ActivityPub JSON: the document.
    Json,
}

/// Phoenix's `accepts` with Pleroma's types: `_format` wins, then `Accept` by quality; no header
/// or `*/*` is the first type (HTML); `None` when nothing offered is acceptable (406).
fn negotiate(parts: &Parts) -> Option<Format> {
    let by_name = |name: &str| match name {
        "html" => Some(Format::Html),
        "json" | "activity+json" => Some(Format::Json),
        _ => None,
    };
    if let Some(format) = query(parts).get("_format") {
        return by_name(format);
    }
    let accept = parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mut ranges: Vec<(f32, usize, String)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, range)| {
            let mut pieces = range.split(';').map(str::trim);
            let mime = pieces.next()?.to_ascii_lowercase();
            let q = pieces.filter_map(|p| p.strip_prefix("q=")).find_map(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            (!mime.is_empty() && q > 0.0).then_some((q, i, mime))
        })
        .collect();
    if ranges.is_empty() {
        return Some(Format::Html);
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().find_map(|(_, _, mime)| match mime.as_str() {
        "*/*" | "text/*" | "text/html" => Some(Format::Html),
        "application/*" | "application/json" | "application/activity+json" | "application/ld+json" => {
            Some(Format::Json)
        }
        _ => None,
    })
}

fn not_acceptable() -> Response {
    json(StatusCode::NOT_ACCEPTABLE, &json!({"error": "Not acceptable"}))
}

/// The query string's parameters (the last of a repeated name wins).
fn query(parts: &Parts) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect()
}

/// The caller's user id; a bad or missing token is an anonymous caller, as Pleroma's
/// `:authenticate` plug leaves it.
async fn viewer(state: &AppState, parts: &Parts) -> Option<String> {
    let viewer = Viewer::from_request(parts, &state.auth()).await.ok()?;
    viewer.user.map(|u| u.id)
}

// ---- Responses -----------------------------------------------------------------------------------

fn activity_json(status: StatusCode, body: &Value) -> Response {
    let mut response = json(status, body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/activity+json; charset=utf-8"));
    response
}

/// Pleroma's ActivityPub 404: the JSON string `"Not found"`.
fn not_found() -> Response {
    activity_json(StatusCode::NOT_FOUND, &json!("Not found"))
}

fn bad_request(message: &str) -> Response {
    json(StatusCode::BAD_REQUEST, &json!({ "error": message }))
}

fn failed(err: AppError) -> Response {
    RestError::from(err).into_response()
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The web page the gateway serves where Pleroma serves its frontend's `index.html` with the
/// page's metadata (`RedirectController.redirector_with_meta`): the instance's title and, for a
/// user or a status, links to its ActivityPub document.
fn page(state: &AppState, status: StatusCode, alternate: Option<&str>) -> Response {
    let settings = state.settings();
    let mut head = format!("<meta charset=\"utf-8\"><title>{}</title>", escape(&settings.instance.name));
    if let Some(href) = alternate {
        let href = escape(href);
        head.push_str(&format!(
            "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{href}\">\
             <meta property=\"og:url\" content=\"{href}\">"
        ));
    }
    let body = match alternate {
        Some(href) => format!("<a href=\"{}\">{}</a>", escape(href), escape(href)),
        None => String::new(),
    };
    let html = format!("<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>");
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn local_user(state: &AppState, nickname: &str) -> Result<Option<entity::user::Model>, AppError> {
    let user = crate::domain::users::find_by_nickname(&state.db.read, nickname).await?;
    Ok(user.filter(|u| u.local && u.is_active))
}

// ---- Users ---------------------------------------------------------------------------------------

/// `GET /users/:nickname`: the actor document for ActivityPub types; for HTML the page of the
/// user (any user, by nickname), or the instance's page when there is none (Pleroma: 200 both).
async fn user(State(state): State<AppState>, Path(nickname): Path<String>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    match negotiate(&parts) {
        Some(Format::Json) => match local_user(&state, &nickname).await {
            Ok(Some(user)) => match federation::user_document(&state.db, &state.settings().instance_url, &user).await {
                Ok(document) => activity_json(StatusCode::OK, &document),
                Err(err) => failed(err),
            },
            Ok(None) => not_found(),
            Err(err) => failed(err),
        },
        Some(Format::Html) => {
            let known = crate::domain::users::find_by_nickname(&state.db.read, &nickname).await;
            match known {
                Ok(user) => page(&state, StatusCode::OK, user.filter(|u| u.is_active).map(|u| u.ap_id).as_deref()),
                Err(err) => failed(err),
            }
        }
        None => not_acceptable(),
    }
}

/// `GET /users/:nickname/outbox`.
async fn outbox(State(state): State<AppState>, Path(nickname): Path<String>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let owner = match local_user(&state, &nickname).await {
        Ok(Some(user)) => user,
        Ok(None) => return not_found(),
        Err(err) => return failed(err),
    };
    let params = query(&parts);
    if !matches!(params.get("page").map(String::as_str), Some("true")) {
        return activity_json(StatusCode::OK, &collections::outbox(&owner));
    }
    let limit = match params.get("limit").map(|l| l.parse::<u64>()) {
        None => None,
        Some(Ok(limit)) => Some(limit),
        Some(Err(_)) => return bad_request("limit must be a number"),
    };
    let paging = MastodonPage {
        max_id: params.get("max_id").cloned(),
        since_id: params.get("since_id").cloned(),
        min_id: params.get("min_id").cloned(),
        offset: None,
        limit,
    };
    let viewer = viewer(&state, &parts).await;
    let settings = state.settings();
    let (mut document, ids) =
        match collections::outbox_page(&state.db.read, &settings, &owner, viewer.as_deref(), &paging).await {
            Ok(page) => page,
            Err(err) => return failed(err),
        };
    // Pleroma's `get_pagination_fields`: links on this URL, without its id keys.
    if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
        let path = format!("{}{}", settings.instance_url, parts.uri.path());
        let link = |key: &str, value: &str| {
            let mut kept = params.clone();
            for id_key in ["max_id", "min_id", "offset"] {
                kept.remove(id_key);
            }
            kept.insert(key.to_string(), value.to_string());
            let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&kept).finish();
            format!("{path}?{query}")
        };
        document["next"] = json!(link("max_id", last));
        document["prev"] = json!(link("min_id", first));
        let own = match parts.uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        document["id"] = json!(own);
    }
    activity_json(StatusCode::OK, &document)
}

async fn relationship(state: AppState, nickname: String, request: Request, kind: Relationship) -> Response {
    let (parts, _) = request.into_parts();
    let owner = match local_user(&state, &nickname).await {
        Ok(Some(user)) => user,
        Ok(None) => return not_found(),
        Err(err) => return failed(err),
    };
    let viewer = viewer(&state, &parts).await;
    let Some(page) = query(&parts).get("page").cloned() else {
        return match collections::collection(&state.db.read, &owner, kind, viewer.as_deref()).await {
            Ok(document) => activity_json(StatusCode::OK, &document),
            Err(err) => failed(err),
        };
    };
    // Pleroma's `Integer.parse`: leading digits.
    let digits: String = page.chars().take_while(char::is_ascii_digit).collect();
    let Some(page) = digits.parse::<u64>().ok().filter(|p| (1..=1_000_000).contains(p)) else {
        return bad_request("page must be a positive number");
    };
    match collections::page(&state.db.read, &owner, kind, viewer.as_deref(), page).await {
        Ok(Some(document)) => activity_json(StatusCode::OK, &document),
        Ok(None) => {
            let mut response = StatusCode::FORBIDDEN.into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/activity+json; charset=utf-8"));
            response
        }
        Err(err) => failed(err),
    }
}

/// `GET /users/:nickname/followers`.
async fn followers(State(state): State<AppState>, Path(nickname): Path<String>, request: Request) -> Response {
    relationship(state, nickname, request, Relationship::Followers).await
}

/// `GET /users/:nickname/following`.
async fn following(State(state): State<AppState>, Path(nickname): Path<String>, request: Request) -> Response {
    relationship(state, nickname, request, Relationship::Following).await
}

async fn relay_collection(state: AppState, kind: Relationship) -> Response {
    match collections::relay_collection(&state.db.read, &state.settings(), kind).await {
        Ok(document) => activity_json(StatusCode::OK, &document),
        Err(err) => failed(err),
    }
}

/// `GET /relay/followers`.
async fn relay_followers(State(state): State<AppState>) -> Response {
    relay_collection(state, Relationship::Followers).await
}

/// `GET /relay/following`.
async fn relay_following(State(state): State<AppState>) -> Response {
    relay_collection(state, Relationship::Following).await
}

// ---- Objects -------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Kind {
    Object,
    Activity,
}

/// `/objects/:uuid` and `/activities/:uuid`: the document for ActivityPub types (to whoever may
/// see the status); for HTML a redirect to `/notice/:id` when the status is public.
async fn served(state: AppState, uuid: String, request: Request, kind: Kind) -> Response {
    let (parts, _) = request.into_parts();
    let Some(format) = negotiate(&parts) else { return not_acceptable() };
    let viewer = match format {
        Format::Json => viewer(&state, &parts).await,
        Format::Html => None,
    };
    let settings = state.settings();
    let found = match kind {
        Kind::Object => objects::find_object(&state.db.read, &settings, &uuid, viewer.as_deref()).await,
        Kind::Activity => objects::find_activity(&state.db.read, &settings, &uuid, viewer.as_deref()).await,
    };
    let found = match found {
        Ok(Some(found)) => found,
        Ok(None) if format == Format::Json => return not_found(),
        Ok(None) => return json(StatusCode::NOT_FOUND, &json!({"error": "Not found"})),
        Err(err) => return failed(err),
    };
    if format == Format::Html {
        return redirect(&format!("/notice/{}", found.notice_id()));
    }
    let rows: Vec<_> = found.status().into_iter().cloned().collect();
    let loaded = match objects::Loaded::read(&state.db.read, &rows).await {
        Ok(loaded) => loaded,
        Err(err) => return failed(err),
    };
    activity_json(StatusCode::OK, &objects::document(&settings, &loaded, &found))
}

/// `GET /objects/:uuid`.
async fn object(State(state): State<AppState>, Path(uuid): Path<String>, request: Request) -> Response {
    served(state, uuid, request, Kind::Object).await
}

/// `GET /activities/:uuid`.
async fn activity(State(state): State<AppState>, Path(uuid): Path<String>, request: Request) -> Response {
    served(state, uuid, request, Kind::Activity).await
}

/// `GET /notice/:id`: for ActivityPub types a redirect to the status's object; for HTML its
/// page; a status that is missing or not public is 404 (the page, as Pleroma's).
async fn notice(State(state): State<AppState>, Path(id): Path<String>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let Some(format) = negotiate(&parts) else { return not_acceptable() };
    match (objects::find_notice(&state.db.read, &id).await, format) {
        (Ok(Some((_, object))), Format::Json) => redirect(&object),
        (Ok(Some((_, object))), Format::Html) => page(&state, StatusCode::OK, Some(&object)),
        (Ok(None), _) => page(&state, StatusCode::NOT_FOUND, None),
        (Err(err), _) => failed(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(accept: Option<&str>, uri: &str) -> Parts {
        let mut builder = axum::http::Request::builder().uri(uri);
        if let Some(accept) = accept {
            builder = builder.header("accept", accept);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn negotiation_follows_phoenix() {
        assert_eq!(negotiate(&parts(None, "/x")), Some(Format::Html));
        assert_eq!(negotiate(&parts(Some("*/*"), "/x")), Some(Format::Html));
        assert_eq!(negotiate(&parts(Some("application/activity+json"), "/x")), Some(Format::Json));
        let ld = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
        assert_eq!(negotiate(&parts(Some(ld), "/x")), Some(Format::Json));
        assert_eq!(negotiate(&parts(Some("text/html;q=0.5, application/json"), "/x")), Some(Format::Json));
        assert_eq!(negotiate(&parts(Some("image/png"), "/x")), None);
        assert_eq!(negotiate(&parts(Some("text/html"), "/x?_format=json")), Some(Format::Json));
    }
}
