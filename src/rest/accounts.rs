//! Mastodon accounts API routes that admin clients need.
use async_graphql::Value as ConstValue;
use axum::http::Method;

use super::{operation, Route, Shape};

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
            Shape::FIELD,
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
    rows
}

/// Keys of Pleroma's account view that appear only in some contexts (`[key]` in ROUTES.md
/// §2.8): absent, rather than `null`, when the context does not show them.
const CONTEXTUAL_ACCOUNT_KEYS: [&str; 4] = ["is_admin", "is_moderator", "privileges", "deactivated"];

/// Pleroma's `AdminAccount` on the wire: walks a response tree and merges every `admin_user`
/// object (the `AdminUser` of the same account) into its parent — `AdminUser` keys win (`id`,
/// `avatar`, `display_name`, `url`, `tags`, …) — removing the `admin_user` key. Contextual
/// account keys that are `null` are dropped on the way.
pub fn merge_admin_accounts(value: &mut ConstValue) {
    match value {
        ConstValue::Object(map) => {
            for child in map.values_mut() {
                merge_admin_accounts(child);
            }
            if let Some(ConstValue::Object(pleroma)) = map.get_mut("pleroma") {
                if map_is_account_pleroma(pleroma) {
                    pleroma.retain(|k, v| !(CONTEXTUAL_ACCOUNT_KEYS.contains(&k.as_str()) && *v == ConstValue::Null));
                }
            }
            if let Some(ConstValue::Object(admin)) = map.shift_remove("admin_user") {
                for (k, v) in admin {
                    map.insert(k, v);
                }
            }
        }
        ConstValue::List(items) => items.iter_mut().for_each(merge_admin_accounts),
        _ => {}
    }
}

fn map_is_account_pleroma(pleroma: &async_graphql::indexmap::IndexMap<async_graphql::Name, ConstValue>) -> bool {
    pleroma.contains_key("ap_id") && pleroma.contains_key("hide_follows")
}

/// [`merge_admin_accounts`] as a Shape mapping.
pub fn admin_accounts(mut value: ConstValue) -> ConstValue {
    merge_admin_accounts(&mut value);
    value
}
