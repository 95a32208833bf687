//! Statuses: posting and reading them (Mastodon API), and the Admin API's status routes
//! (ROUTES.md §8, §9, §14).
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use super::{
    engine::params::Booleans, operation, present, read, walk, walked, Answer, Call, Drift, Fields, Kind, Mapped,
    Mapper, Nodes, Opaque, Ordered, RestError, Route, Shape, Wire, UPLOAD_BODY,
};
use crate::{auth::Access, error::AppError, state::AppState};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![
        // Supporting endpoints: Mastodon paths, no /api/pleroma alias.
        Route::admin(
            Method::POST,
            "/api/v1/statuses",
            "Post a status",
            operation!("statuses/create"),
            Shape::at("status").mapped(wire_statuses),
        )
        .mastodon_errors(),
        Route::admin(
            Method::GET,
            "/api/v1/statuses/{id}",
            "A status the caller may see",
            operation!("statuses/show"),
            Shape::FIELD_OR_404.mapped(wire_statuses),
        )
        .mastodon_errors(),
        Route::admin(
            Method::DELETE,
            "/api/v1/statuses/{id}",
            "Delete one of the caller's statuses",
            operation!("statuses/delete"),
            Shape::at("status").mapped(wire_statuses),
        )
        .mastodon_errors(),
        Route::admin(
            Method::POST,
            "/api/v1/statuses/{id}/reblog",
            "Reblog a status",
            operation!("statuses/reblog"),
            Shape::at("status").mapped(wire_statuses),
        )
        .mastodon_errors(),
        Route::admin(
            Method::POST,
            "/api/v1/statuses/{id}/unreblog",
            "Undo a reblog",
            operation!("statuses/unreblog"),
            Shape::at("status").mapped(wire_statuses),
        )
        .mastodon_errors(),
        Route::admin(
            Method::POST,
            "/api/v1/statuses/{id}/pin",
            "Pin one of the caller's statuses to their profile",
            operation!("statuses/pin"),
            Shape::at("status").mapped(wire_statuses),
        )
        .mastodon_errors(),
        Route::admin(
            Method::POST,
            "/api/v1/statuses/{id}/unpin",
            "Unpin a status",
            operation!("statuses/unpin"),
            Shape::at("status").mapped(wire_statuses),
        )
        .mastodon_errors(),
        Route::admin(
            Method::GET,
            "/api/v1/accounts/{id}/statuses",
            "An account's statuses the caller may see",
            operation!("statuses/account_statuses"),
            Shape::Convert(mastodon_list),
        )
        // AccountController.statuses: 404 "Can't find user" (unknown, or deactivated).
        .plain_errors(),
        // Supporting endpoint: uploads (admin-fe's settings images too), served back below.
        Route::admin(
            Method::POST,
            "/api/v1/media",
            "Upload a media attachment",
            operation!("statuses/upload_media"),
            Shape::at("attachment"),
        )
        .mastodon_errors()
        // Room for the multipart envelope around a file at the upload limit, so that the limit
        // answers Pleroma's 422 rather than a bare 413.
        .body_limit(UPLOAD_BODY + 1024 * 1024),
        Route::native(
            Method::GET,
            "/media/{file}",
            "An uploaded file",
            Access::Public,
            |m| axum::routing::on(m, serve_media),
            &[(200, "The file, with its content type"), (404, "No such upload")],
        ),
        // §4 (users): one user's statuses, `{total, activities}`.
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/users/{nickname}/statuses",
            "Statuses of a user",
            operation!("statuses/user_list"),
            Shape::FIELD.mapped(wire_statuses),
        )
        // `godmode`/`with_reblogs` compared with "true" by hand (AdminAPIController).
        .booleans(Booleans::OnlyTrue),
        // §8.
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/statuses",
            "All statuses",
            operation!("statuses/list"),
            Shape::at("activities").mapped(wire_statuses),
        ),
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/statuses/{id}",
            "Show a status",
            operation!("statuses/admin_show"),
            Shape::FIELD_OR_404.mapped(wire_statuses),
        ),
        Route::admin(
            Method::PUT,
            "/api/v1/pleroma/admin/statuses/{id}",
            "Change a status's sensitivity or visibility",
            operation!("statuses/update"),
            Shape::at("status").mapped(wire_statuses),
        )
        // Admin.StatusOperation's `visibility: VisibilityScope`.
        .param_enums(&[("visibility", &["public", "unlisted", "local", "private", "direct", "list"])]),
        Route::admin(
            Method::DELETE,
            "/api/v1/pleroma/admin/statuses/{id}",
            "Delete a status",
            operation!("statuses/admin_delete"),
            Shape::Literal("{}"),
        ),
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/statuses/{id}/quotes",
            "Statuses quoting a status",
            operation!("statuses/quotes"),
            Shape::Convert(mastodon_list),
        )
        .mastodon_errors(),
        // §9.
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/instances/{instance}/statuses",
            "Latest statuses from a remote instance",
            operation!("statuses/instance_list"),
            Shape::FIELD.mapped(wire_statuses),
        )
        // `with_reblogs` compared with "true" by hand (InstanceController).
        .booleans(Booleans::OnlyTrue),
        // §14.
        Route::admin(
            Method::GET,
            "/api/v1/pleroma/admin/stats",
            "Status counts by visibility",
            operation!("statuses/stats"),
            Shape::FIELD.mapped(super::typed::<Stats>),
        ),
    ]
}

/// The count of statuses by visibility.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct Stats(async_graphql::indexmap::IndexMap<String, i64>);

/// `{"status_visibility": {...}}`.
impl Wire for Stats {
    fn wire(self) -> ConstValue {
        super::object([("status_visibility", super::to_value(&self.0))])
    }
}

/// A Mastodon list of statuses (or of what holds them: conversations) with its `Link` header.
pub(super) fn mastodon_list(value: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    linked(value, call, wire_statuses)
}

/// A connection's `nodes` through `map`, with the `Link` header of their ids.
pub(super) fn linked(value: ConstValue, call: &Call<'_>, map: Mapper) -> Result<Answer, AppError> {
    let value = map(nodes(value)?)?.value;
    let link = link_header(&value, call);
    let mut answer = Answer::json(value);
    if let Some(link) = link {
        answer.headers.insert(axum::http::header::LINK, link);
    }
    Ok(answer)
}

/// The `nodes` of a connection (a list answered as a list stays one); anything else is a drift.
pub(super) fn nodes(value: ConstValue) -> Result<ConstValue, Drift> {
    match value {
        list @ ConstValue::List(_) => Ok(list),
        other => Ok(ConstValue::List(read::<Nodes<Opaque>>(other)?.nodes)),
    }
}

/// The `Link` header of a Mastodon list (`next`: older than the last item, `prev`: newer than the
/// first), as Pleroma's `add_link_headers` writes it; `None` for an empty list.
pub(super) fn link_header(value: &ConstValue, call: &Call<'_>) -> Option<axum::http::HeaderValue> {
    let ids: Vec<String> = match value {
        ConstValue::List(items) => items
            .iter()
            .filter_map(|item| match item {
                ConstValue::Object(map) => match map.get("id") {
                    Some(ConstValue::String(id)) => Some(id.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
        _ => vec![],
    };
    let (first, last) = (ids.first()?, ids.last()?);
    let others: Vec<(String, String)> = call
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| !matches!(k.as_ref(), "max_id" | "min_id" | "since_id"))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let link = |key: &str, id: &str, rel: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(others.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        query.append_pair(key, id);
        format!("<{}{}?{}>; rel=\"{rel}\"", call.instance_url, call.uri.path(), query.finish())
    };
    let header = format!("{}, {}", link("max_id", last, "next"), link("min_id", first, "prev"));
    axum::http::HeaderValue::from_str(&header).ok()
}

/// Keys of Pleroma's view of a reblog (an `Announce`): fewer than a post's.
const REBLOG_KEYS: [&str; 27] = [
    "id",
    "uri",
    "url",
    "account",
    "in_reply_to_id",
    "in_reply_to_account_id",
    "reblog",
    "content",
    "created_at",
    "reblogs_count",
    "replies_count",
    "favourites_count",
    "reblogged",
    "favourited",
    "bookmarked",
    "muted",
    "pinned",
    "sensitive",
    "spoiler_text",
    "visibility",
    "media_attachments",
    "mentions",
    "tags",
    "application",
    "language",
    "emojis",
    "pleroma",
];

/// `pleroma` keys of a reblog.
const REBLOG_PLEROMA_KEYS: [&str; 3] = ["local", "pinned_at", "bookmark_folder"];

/// A status as the walker reads it: the keys it is known by and those it rewrites, typed; the
/// others carried on.
#[derive(serde::Deserialize)]
pub struct Status {
    uri: String,
    visibility: String,
    media_attachments: Vec<Opaque>,
    /// The status this one reblogs (`null` or absent when it is a post).
    reblog: Option<Opaque>,
    pleroma: Option<Ordered<StatusPleroma>>,
    #[serde(flatten)]
    rest: Fields,
}

/// A status's `pleroma` object, as the walker reads it.
#[derive(serde::Deserialize)]
struct StatusPleroma {
    #[serde(default, deserialize_with = "present")]
    quote: Option<Option<Opaque>>,
    #[serde(default, deserialize_with = "present")]
    event: Option<Option<Opaque>>,
    #[serde(flatten)]
    rest: Fields,
}

/// A status as Pleroma's `StatusView` renders it: a reblog keeps the keys of an `Announce`; a
/// quoted status (rendered with `show_quote: false`) has `reblog` and `pleroma.quote` `null`.
impl Wire for Status {
    fn wire(self) -> ConstValue {
        let reblog = self.reblog.is_some();
        let mut out = self.rest;
        out.insert(Name::new("uri"), ConstValue::String(self.uri));
        out.insert(Name::new("visibility"), ConstValue::String(self.visibility));
        out.insert(Name::new("media_attachments"), ConstValue::List(self.media_attachments));
        out.insert(Name::new("reblog"), self.reblog.unwrap_or(ConstValue::Null));
        if let Some(pleroma) = self.pleroma {
            let pleroma = pleroma.wire_in_order(|pleroma| {
                let mut inner = pleroma.rest;
                match pleroma.quote {
                    Some(quote) => {
                        inner.insert(Name::new("quote"), quote.unwrap_or(ConstValue::Null));
                    }
                    // A post without `quote` gets `quote: null`; a reblog has no such key.
                    None if !reblog => {
                        inner.insert(Name::new("quote"), ConstValue::Null);
                    }
                    None => {}
                }
                // Only events carry `pleroma.event` (the events fork, §31); mainline Pleroma's
                // statuses have no such key.
                if let Some(Some(event)) = pleroma.event {
                    inner.insert(Name::new("event"), event);
                }
                if reblog {
                    inner.retain(|k, _| REBLOG_PLEROMA_KEYS.contains(&k.as_str()));
                }
                inner
            });
            out.insert(Name::new("pleroma"), pleroma);
        }
        if reblog {
            out.retain(|k, _| REBLOG_KEYS.contains(&k.as_str()));
        }
        ConstValue::Object(out)
    }
}

impl Kind for Status {
    fn is(map: &Fields) -> bool {
        map.contains_key("uri") && map.contains_key("visibility") && map.contains_key("media_attachments")
    }
}

/// Statuses on the wire ([`Status`]), with their polls ([`super::polls::Poll`]) and accounts
/// ([`super::accounts::Account`], the admin side merged).
/// A walker: the start-up check requires a row's sample to hold a status.
pub fn wire_statuses(value: ConstValue) -> Result<Mapped, Drift> {
    walked(value, |value| {
        let found = walk::<Status>(value)?;
        walk::<super::polls::Poll>(value)?;
        walk::<super::accounts::Account>(value)?;
        Ok(found)
    })
}

/// `?name=`: the file name a client asks the download to carry (Pleroma's `UploadedMedia`).
#[derive(serde::Deserialize)]
struct MediaQuery {
    name: Option<String>,
}

/// An upload: inline only for the types Pleroma shows inline, otherwise an attachment with a
/// type no browser runs (`domain::media::served_as`); never sniffed, sandboxed as Pleroma's
/// `UploadedMedia` does (`Content-Security-Policy: sandbox`).
async fn serve_media(
    State(state): State<AppState>,
    Path(file): Path<String>,
    axum::extract::Query(query): axum::extract::Query<MediaQuery>,
) -> Response {
    let not_found = || RestError { status: StatusCode::NOT_FOUND, body: serde_json::json!({"error": "Not found"}) };
    if file.contains('/') || file.contains("..") || file.contains('\\') {
        return not_found().into_response();
    }
    let row = match crate::domain::media::by_file_name(&state.db.read, &file).await {
        Ok(Some(row)) => row,
        Ok(None) => return not_found().into_response(),
        Err(err) => return RestError::from(err).into_response(),
    };
    let settings = state.settings();
    let path = crate::domain::statuses::uploads_dir(&settings).join(&row.file_name);
    let bytes = match crate::domain::storage::read(&settings, &path).await {
        Ok(Some(bytes)) => bytes,
        _ => return not_found().into_response(),
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    let (content_type, inline) = crate::domain::media::served_as(&row.content_type);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // Printable ASCII only: quotes, backslashes and control characters cannot break out of the
    // quoted name, and the header always forms.
    let name: Option<String> = query
        .name
        .map(|n| n.chars().filter(|c| (c.is_ascii_graphic() || *c == ' ') && *c != '"' && *c != '\\').collect());
    let disposition = match (inline, name) {
        (true, None) => None,
        (true, Some(name)) => Some(format!("inline; filename=\"{name}\"")),
        (false, name) => Some(format!("attachment; filename=\"{}\"", name.unwrap_or(row.file_name))),
    };
    if let Some(value) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    response
}
