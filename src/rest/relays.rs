//! Admin API — relays (ROUTES.md §10), and the ActivityPub surface relays need: the service
//! actors (`/relay`, `/internal/fetch`), WebFinger, host-meta and the signature-checked inboxes
//! (local users' documents are in `activitypub`).
use async_graphql::Value as ConstValue;
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::on,
};
use serde_json::{json, Value};

use super::{json, object, operation, read, typed, Answer, Call, RestError, Route, Shape, Wire};
use crate::{
    auth::Access,
    domain::federation::{self, LocalActor},
    error::AppError,
    state::AppState,
};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        // {"relays": [{"actor", "followed_back"}]}
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/relay",
            "List followed relays",
            operation!("relays/list"),
            Shape::FIELD.mapped(typed::<Relays>),
        ),
        // {"actor", "followed_back": false}; a refused follow is the URL as a JSON string, as in
        // Pleroma, but with 400 where Pleroma answers 500 (bad input is never a server error here).
        Route::admin(
            Method::POST,
            "/api/v1/pleroma/admin/relay",
            "Follow a relay",
            operation!("relays/follow"),
            Shape::Convert(followed),
        ),
        // The URL as a JSON string; a refused unfollow is 400 with the URL (Pleroma: 500).
        Route::admin(
            Method::DELETE,
            "/api/v1/pleroma/admin/relay",
            "Unfollow a relay",
            operation!("relays/unfollow"),
            Shape::Convert(unfollowed),
        ),
        native(Method::GET, "/relay", "The relay actor (ActivityPub)", |m| on(m, relay_actor), RELAY_ACTOR),
        native(Method::GET, "/internal/fetch", "The instance actor (ActivityPub)", |m| on(m, internal_actor), ACTOR),
        native(Method::GET, "/.well-known/webfinger", "WebFinger (JRD)", |m| on(m, webfinger), WEBFINGER),
        native(Method::GET, "/.well-known/host-meta", "host-meta (XRD)", |m| on(m, host_meta), &[(200, "XRD")]),
        native(Method::POST, "/inbox", "The shared inbox (signed ActivityPub)", |m| on(m, inbox), INBOX),
        native(Method::POST, "/relay/inbox", "The relay actor's inbox (signed ActivityPub)", |m| on(m, inbox), INBOX),
        native(
            Method::POST,
            "/users/{nickname}/inbox",
            "A local user's inbox (signed ActivityPub)",
            |m| on(m, user_inbox),
            INBOX,
        ),
    ]
}

const ACTOR: &[(u16, &str)] = &[(200, "The actor document")];
const RELAY_ACTOR: &[(u16, &str)] = &[(200, "The actor document"), (404, "Relaying is off ([instance] allow_relay)")];
const WEBFINGER: &[(u16, &str)] = &[(200, "The JRD"), (400, "No resource given"), (404, "Couldn't find user")];
const INBOX: &[(u16, &str)] = &[
    (200, "Accepted"),
    (400, "Not an activity, or a Host header that is not this instance"),
    (401, "Unsigned or badly signed"),
    (403, "Signed by another actor"),
    (503, "The signing key may not be fetched just now"),
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

/// A relay as Pleroma lists it.
#[derive(serde::Deserialize, serde::Serialize)]
struct Relay {
    actor: String,
    followed_back: bool,
}

/// The relays.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct Relays(Vec<Relay>);

/// `{"relays": [...]}`.
impl Wire for Relays {
    fn wire(self) -> ConstValue {
        object([("relays", super::to_value(&self.0))])
    }
}

fn url_string(call: &Call<'_>) -> ConstValue {
    ConstValue::String(call.params.get("relay_url").and_then(Value::as_str).unwrap_or_default().to_string())
}

/// `followRelay`'s payload: the relay, `null` when it could not be followed.
#[derive(serde::Deserialize)]
struct Followed {
    relay: Option<Relay>,
}

fn followed(value: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    match read::<Followed>(value)?.relay {
        Some(relay) => Ok(Answer::json(super::to_value(&relay))),
        None => Ok(Answer::json(url_string(call)).status(StatusCode::BAD_REQUEST)),
    }
}

/// `unfollowRelay`'s payload.
#[derive(serde::Deserialize)]
struct Unfollowed {
    unfollowed: bool,
}

fn unfollowed(value: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    let ok = read::<Unfollowed>(value)?.unfollowed;
    let answer = Answer::json(url_string(call));
    Ok(if ok { answer } else { answer.status(StatusCode::BAD_REQUEST) })
}

fn activity_json(body: &Value) -> Response {
    let mut response = json(StatusCode::OK, body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/activity+json; charset=utf-8"));
    response
}

async fn local_actor(state: &AppState, actor: LocalActor) -> Response {
    match federation::local_actor_document(&state.db, &state.settings().instance_url, actor).await {
        Ok(document) => activity_json(&document),
        Err(err) => RestError::from(err).into_response(),
    }
}

async fn relay_actor(State(state): State<AppState>) -> Response {
    // Pleroma's `relay_active?` plug: only the actor document is hidden when relaying is off
    // (its inbox and collections stay, as in Pleroma's router).
    if !state.settings().instance.allow_relay {
        return json(StatusCode::NOT_FOUND, &json!({"error": "not found"}));
    }
    local_actor(&state, LocalActor::Relay).await
}

async fn internal_actor(State(state): State<AppState>) -> Response {
    local_actor(&state, LocalActor::Internal).await
}

async fn local_user(state: &AppState, nickname: &str) -> Result<Option<entity::user::Model>, AppError> {
    let user = crate::domain::users::find_by_nickname(&state.db.read, nickname).await?;
    Ok(user.filter(|u| u.local && u.is_active))
}

#[derive(serde::Deserialize)]
struct Resource {
    resource: Option<String>,
}

/// Pleroma's `WebFinger.webfinger/2`: `acct:nick@host`, `nick@host` or the actor URL.
async fn webfinger(State(state): State<AppState>, Query(query): Query<Resource>) -> Response {
    let Some(resource) = query.resource.filter(|r| !r.is_empty()) else {
        return (StatusCode::BAD_REQUEST, "Bad Request").into_response();
    };
    let host = state.settings().host();
    let base = &state.settings().instance_url;
    let nickname = if let Some(path) = resource.strip_prefix(&format!("{base}/users/")) {
        Some(path.to_string())
    } else {
        let acct = resource.strip_prefix("acct:").unwrap_or(&resource);
        acct.rsplit_once('@').filter(|(_, h)| h.eq_ignore_ascii_case(&host)).map(|(n, _)| n.to_string())
    };
    let user = match nickname {
        Some(nickname) => local_user(&state, &nickname).await.ok().flatten(),
        None => None,
    };
    let Some(user) = user else { return (StatusCode::NOT_FOUND, "Couldn't find user").into_response() };
    let body = json!({
        "subject": format!("acct:{}@{host}", user.nickname),
        "aliases": [user.ap_id],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": user.ap_id},
            {"rel": "self", "type": "application/activity+json", "href": user.ap_id},
            {"rel": "self", "type": "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", "href": user.ap_id},
        ],
    });
    let mut response = json(StatusCode::OK, &body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/jrd+json; charset=utf-8"));
    response
}

async fn host_meta(State(state): State<AppState>) -> Response {
    let base = &state.settings().instance_url;
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\
         <Link rel=\"lrdd\" type=\"application/xrd+xml\" template=\"{base}/.well-known/webfinger?resource={{uri}}\" /></XRD>"
    );
    ([(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")], body).into_response()
}

async fn user_inbox(
    State(state): State<AppState>,
    Path(nickname): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match local_user(&state, &nickname).await {
        Ok(Some(_)) => receive(&state, &uri, &headers, &body).await,
        Ok(None) => json(StatusCode::NOT_FOUND, &json!({"error": "Not found"})),
        Err(err) => RestError::from(err).into_response(),
    }
}

async fn inbox(State(state): State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    receive(&state, &uri, &headers, &body).await
}

/// The request's headers as the domain's signature checks read them: plain text, in order.
fn plain_headers(headers: &HeaderMap) -> federation::signature::Headers {
    federation::signature::Headers::from_pairs(headers.iter().filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))))
}

/// Check the request and its signature (nothing changes when they fail: 400 for a `Host`
/// that is not this instance or a body that is no activity, 401 for a bad signature, 403 for
/// a key that is not the actor's, 503 when the key may not be fetched just now), then handle
/// the activity.
async fn receive(state: &AppState, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let settings = state.settings();
    let verified = federation::verify_request(
        &state.db,
        &settings,
        &state.key_fetches,
        &plain_headers(headers),
        "POST",
        target,
        body,
    )
    .await;
    let (signer, activity) = match verified {
        Ok(verified) => verified,
        Err(refusal) => {
            tracing::info!(?refusal, "inbox request refused");
            let (status, message) = refusal.status_and_message();
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            return json(status, &json!({ "error": message }));
        }
    };
    match federation::receive(&state.db, &settings, &signer, &activity).await {
        Ok(()) => json(StatusCode::OK, &json!("ok")),
        Err(err) => RestError::from(err).into_response(),
    }
}
