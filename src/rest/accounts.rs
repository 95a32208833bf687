//! Mastodon accounts API routes that admin clients need.
use async_graphql::{Name, Value as ConstValue};
use axum::{
    http::{Method, StatusCode},
    response::IntoResponse,
    routing::on,
};

use super::{
    object, operation, present, read, typed, walk, walked, Drift, Fields, Kind, Mapped, Ordered, RestError, Route,
    Shape, Wire,
};
use crate::auth::Access;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    // The caller's own account (admin-fe checks pleroma.is_admin before it signs in). A Mastodon
    // path: no /api/pleroma alias.
    let mut rows = vec![
        Route::admin(
            Method::GET,
            "/api/v1/accounts/verify_credentials",
            "The authenticated user's own account",
            operation!("accounts/verify_credentials"),
            Shape::FIELD,
        ),
        Route::admin(
            Method::GET,
            "/api/v1/accounts/relationships",
            "The caller's relationships with accounts",
            operation!("accounts/relationships"),
            Shape::at("nodes"),
        )
        .mastodon_errors(),
        Route::admin(
            Method::GET,
            "/api/v1/accounts/{id}",
            "An account",
            operation!("accounts/show"),
            Shape::FIELD_OR_404.mapped(admin_accounts),
        )
        .mastodon_errors(),
    ];
    // Supporting endpoints: follows, blocks and mutes, each answering a Relationship.
    let changes: [(&'static str, &'static str, (&'static str, &'static str)); 6] = [
        ("/api/v1/accounts/{id}/follow", "Follow an account", operation!("accounts/follow")),
        ("/api/v1/accounts/{id}/unfollow", "Unfollow an account", operation!("accounts/unfollow")),
        ("/api/v1/accounts/{id}/block", "Block an account", operation!("accounts/block")),
        ("/api/v1/accounts/{id}/unblock", "Unblock an account", operation!("accounts/unblock")),
        ("/api/v1/accounts/{id}/mute", "Mute an account", operation!("accounts/mute")),
        ("/api/v1/accounts/{id}/unmute", "Unmute an account", operation!("accounts/unmute")),
    ];
    for (path, summary, op) in changes {
        rows.push(Route::admin(Method::POST, path, summary, op, Shape::at("relationship")).mastodon_errors());
    }
    rows.extend(issue_25_routes());
    rows
}

/// Issue 25: the Mastodon account routes clients call first, and Pleroma's account tail
/// (ROUTES.md §26, §41).
fn issue_25_routes() -> Vec<Route> {
    use Method as M;
    let relationship = Shape::at("relationship");
    vec![
        // MastodonAPI.AccountController.lookup: no auth; 404 {"error": "Can't find user"}.
        Route::admin(
            M::GET,
            "/api/v1/accounts/lookup",
            "An account by its exact nickname",
            operation!("accounts/lookup"),
            Shape::FIELD.mapped(admin_accounts),
        ),
        // SearchController.account_search: [MastoAccount] (read:search optional).
        Route::admin(
            M::GET,
            "/api/v1/accounts/search",
            "Search accounts",
            operation!("accounts/search_accounts"),
            Shape::FIELD.mapped(found_accounts),
        ),
        // SearchController.search2: {accounts, statuses, hashtags: [{name, url}]}.
        Route::admin(
            M::GET,
            "/api/v2/search",
            "Search accounts, statuses and hashtags",
            operation!("accounts/search"),
            Shape::FIELD.mapped(admin_accounts),
        ),
        // SearchController.search (v1): hashtags as plain names.
        Route::admin(
            M::GET,
            "/api/v1/search",
            "Search accounts, statuses and hashtags (v1: hashtags as names)",
            operation!("accounts/search"),
            Shape::FIELD.mapped(search_v1),
        ),
        // AccountController.update_credentials: the account with `source`; 413 {"error": "Bio is
        // too long"}, …; 403 {"error": "Invalid request"}.
        Route::admin(
            M::PATCH,
            "/api/v1/accounts/update_credentials",
            "Change the caller's profile",
            operation!("accounts/update_credentials"),
            Shape::at("account"),
        )
        .mastodon_errors()
        .body_limit(super::UPLOAD_BODY)
        .param_aliases(&[
            ("avatar", "avatar_text"),
            ("header", "header_text"),
            ("pleroma_background_image", "pleroma_background_image_text"),
        ]),
        // FollowRequestController (not in routes.json; Pleroma's clients call it): the accounts
        // waiting for the caller's answer, then a Relationship from the caller's side.
        Route::admin(
            M::GET,
            "/api/v1/follow_requests",
            "Accounts asking to follow the caller",
            operation!("accounts/follow_requests"),
            Shape::FIELD.mapped(admin_accounts),
        ),
        Route::admin(
            M::POST,
            "/api/v1/follow_requests/{id}/authorize",
            "Accept a follow request",
            operation!("accounts/authorize_follow_request"),
            relationship,
        )
        .mastodon_errors(),
        Route::admin(
            M::POST,
            "/api/v1/follow_requests/{id}/reject",
            "Reject a follow request",
            operation!("accounts/reject_follow_request"),
            relationship,
        )
        .mastodon_errors(),
        // AccountController.endorsements: the caller's endorsed accounts.
        Route::admin(
            M::GET,
            "/api/v1/endorsements",
            "Accounts the caller endorses",
            operation!("accounts/my_endorsements"),
            Shape::FIELD.mapped(admin_accounts),
        ),
        // AccountController.endorse / unendorse: Relationship (endorsed); 400 {"error": "Could not
        // endorse: You are not following bob"}.
        Route::admin(
            M::POST,
            "/api/v1/accounts/{id}/pin",
            "Endorse an account",
            operation!("accounts/pin"),
            relationship,
        )
        .mastodon_errors(),
        Route::admin(
            M::POST,
            "/api/v1/accounts/{id}/unpin",
            "Stop endorsing an account",
            operation!("accounts/unpin"),
            relationship,
        )
        .mastodon_errors(),
        // PleromaAPI.AccountController.subscribe / unsubscribe (deprecated): Relationship.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/accounts/{id}/subscribe",
            "Subscribe to a user's posts (deprecated)",
            operation!("accounts/subscribe"),
            relationship,
        )
        .mastodon_errors(),
        Route::admin(
            M::POST,
            "/api/v1/pleroma/accounts/{id}/unsubscribe",
            "Unsubscribe from a user's posts (deprecated)",
            operation!("accounts/unsubscribe"),
            relationship,
        )
        .mastodon_errors(),
        // PleromaAPI.AccountController.endorsements: no auth needed.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/accounts/{id}/endorsements",
            "Accounts a user endorses (pins)",
            operation!("accounts/endorsements"),
            Shape::FIELD.mapped(admin_accounts),
        )
        .mastodon_errors(),
        // PleromaAPI.AccountController.birthdays: followed accounts showing their birthday.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/birthdays",
            "Birthdays of followed accounts",
            operation!("accounts/birthdays"),
            Shape::FIELD.mapped(admin_accounts),
        ),
        // §26: removed from Pleroma in 2020; served as its last implementation ({"url": …}).
        // The image field is required (its last `update_avatar` crashed without one): 400
        // "Missing field: img." (`banner` on update_banner, the field that route read).
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/accounts/update_avatar",
            "Set or clear the caller's avatar (removed upstream)",
            operation!("accounts/update_avatar"),
            Shape::FIELD,
        )
        .mastodon_errors()
        .body_limit(super::UPLOAD_BODY)
        .param_aliases(&[("img", "img_text")])
        .required_params(&["img"]),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/accounts/update_banner",
            "Set or clear the caller's banner (removed upstream)",
            operation!("accounts/update_banner"),
            Shape::FIELD,
        )
        .mastodon_errors()
        .body_limit(super::UPLOAD_BODY)
        .param_aliases(&[("banner", "banner_text")])
        .required_params(&["banner"]),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/accounts/update_background",
            "Set or clear the caller's background (removed upstream)",
            operation!("accounts/update_background"),
            Shape::FIELD,
        )
        .mastodon_errors()
        .body_limit(super::UPLOAD_BODY)
        .param_aliases(&[("img", "img_text")])
        .required_params(&["img"]),
        // §41 UtilController.remote_interaction: {"url"}; 200 {"error": "Couldn't find user"}.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/remote_interaction",
            "Resolve a remote-interaction URL",
            operation!("accounts/remote_interaction"),
            Shape::FIELD,
        )
        .refusal_is_ok(),
        // §41 InstancesController.show: {"unreachable": {"<host>": "<naive datetime>"}}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/federation_status",
            "Instances currently unreachable",
            operation!("accounts/federation_status"),
            Shape::FIELD.mapped(typed::<UnreachableList>),
        ),
        // §41 UploaderController.callback: no uploader ever waits here (uploads complete in the
        // request), so every callback is Pleroma's 400 {"error": "bad request"}.
        Route::native(
            M::POST,
            "/api/v1/pleroma/uploader_callback/{upload_path}",
            "Callback for asynchronous external uploaders",
            Access::Public,
            |m| on(m, uploader_callback),
            &[(400, "No upload waits for this path")],
        ),
    ]
}

/// `UploaderController.process_callback` without a waiting uploader.
async fn uploader_callback() -> axum::response::Response {
    RestError { status: StatusCode::BAD_REQUEST, body: serde_json::json!({ "error": "bad request" }) }.into_response()
}

/// A v2 search result: its hashtags, the rest (accounts, statuses) as it is.
#[derive(serde::Deserialize)]
struct SearchV2 {
    hashtags: Vec<Hashtag>,
    #[serde(flatten)]
    rest: Fields,
}

#[derive(serde::Deserialize)]
struct Hashtag {
    name: String,
}

/// `/api/v1/search`: the v2 answer with hashtags as plain names, accounts as everywhere.
fn search_v1(value: ConstValue) -> Result<Mapped, Drift> {
    let search = read::<SearchV2>(value)?;
    let mut out = search.rest;
    let tags = search.hashtags.into_iter().map(|t| ConstValue::String(t.name)).collect();
    out.insert(Name::new("hashtags"), ConstValue::List(tags));
    admin_accounts(ConstValue::Object(out))
}

/// An unreachable instance and since when.
#[derive(serde::Deserialize)]
struct Unreachable {
    host: String,
    since: String,
}

/// The unreachable instances.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct UnreachableList(Vec<Unreachable>);

/// `[{host, since}]` as Pleroma's `{"unreachable": {"<host>": "<naive datetime>"}}`.
impl Wire for UnreachableList {
    fn wire(self) -> ConstValue {
        let out = self.0.into_iter().map(|Unreachable { host, since }| {
            // Pleroma's `unreachable_since` is a NaiveDateTime (`2024-01-02T03:04:05.000000`).
            let naive = chrono::DateTime::parse_from_rfc3339(&since)
                .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
                .unwrap_or(since);
            (Name::new(host), ConstValue::String(naive))
        });
        object([("unreachable", ConstValue::Object(out.collect()))])
    }
}

/// An account as the walker reads it: its `pleroma` object and the `admin_user` (the
/// `AdminUser` of the same account) merged into it; the other keys carried on.
#[derive(serde::Deserialize)]
pub struct Account {
    pleroma: Option<Ordered<AccountPleroma>>,
    admin_user: Option<Fields>,
    #[serde(flatten)]
    rest: Fields,
}

/// An account's `pleroma` object: the keys of Pleroma's account view that appear only in some
/// contexts (`[key]` in ROUTES.md §2.8; `birthday` when the account shows it) are absent,
/// rather than `null`, when the context does not show them.
#[derive(serde::Deserialize)]
struct AccountPleroma {
    ap_id: String,
    hide_follows: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    is_admin: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    is_moderator: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    privileges: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    deactivated: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    birthday: Option<Option<String>>,
    #[serde(flatten)]
    rest: Fields,
}

impl AccountPleroma {
    fn wire(self) -> Fields {
        let mut out = self.rest;
        out.insert(Name::new("ap_id"), ConstValue::String(self.ap_id));
        out.insert(Name::new("hide_follows"), self.hide_follows.map_or(ConstValue::Null, ConstValue::Boolean));
        let strings = |v: Vec<String>| ConstValue::List(v.into_iter().map(ConstValue::String).collect());
        let contextual = [
            ("is_admin", self.is_admin.flatten().map(ConstValue::Boolean)),
            ("is_moderator", self.is_moderator.flatten().map(ConstValue::Boolean)),
            ("privileges", self.privileges.flatten().map(strings)),
            ("deactivated", self.deactivated.flatten().map(ConstValue::Boolean)),
            ("birthday", self.birthday.flatten().map(ConstValue::String)),
        ];
        for (key, value) in contextual {
            if let Some(value) = value {
                out.insert(Name::new(key), value);
            }
        }
        out
    }
}

/// Pleroma's `AdminAccount` on the wire: the `admin_user` object's keys merged into the
/// account — `AdminUser` keys win (`id`, `avatar`, `display_name`, `url`, `tags`, …) — and the
/// `admin_user` key gone; contextual account keys that are `null` dropped.
impl Wire for Account {
    fn wire(self) -> ConstValue {
        let mut out = self.rest;
        if let Some(pleroma) = self.pleroma {
            out.insert(Name::new("pleroma"), pleroma.wire_in_order(AccountPleroma::wire));
        }
        for (k, v) in self.admin_user.unwrap_or_default() {
            out.insert(k, v);
        }
        ConstValue::Object(out)
    }
}

impl Kind for Account {
    fn is(map: &Fields) -> bool {
        let account_pleroma = |pleroma: &Fields| pleroma.contains_key("ap_id") && pleroma.contains_key("hide_follows");
        map.contains_key("admin_user")
            || matches!(map.get("pleroma"), Some(ConstValue::Object(p)) if account_pleroma(p))
    }
}

/// The accounts of a search connection, as [`admin_accounts`] shows them.
fn found_accounts(value: ConstValue) -> Result<Mapped, Drift> {
    admin_accounts(super::statuses::nodes(value)?)
}

/// Accounts on the wire ([`Account`]) wherever they sit. A walker: the start-up check
/// requires an account (its `pleroma` keys or its `admin_user`) in the row's sample.
pub fn admin_accounts(value: ConstValue) -> Result<Mapped, Drift> {
    walked(value, walk::<Account>)
}
