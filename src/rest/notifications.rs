//! Notifications: the Mastodon API's (`NotificationController`), Pleroma's mark-as-read and
//! the notification settings (ROUTES.md §28).
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, read, statuses::link_header, statuses::wire_statuses, Answer, Call, Drift, Route, Shape};
use crate::error::AppError;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let row = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).mastodon_errors()
    };
    vec![
        // Supporting endpoints: Mastodon paths, no alias. [Notification] with a Link header.
        row(
            M::GET,
            "/api/v1/notifications",
            "The caller's notifications",
            operation!("notifications/list"),
            Shape::Convert(linked),
        ),
        // `{}`.
        row(
            M::POST,
            "/api/v1/notifications/clear",
            "Delete all the caller's notifications",
            operation!("notifications/clear"),
            Shape::Literal("{}"),
        ),
        // The Notification; 403 "Cannot get notification" for anyone else's.
        row(
            M::GET,
            "/api/v1/notifications/{id}",
            "One of the caller's notifications",
            operation!("notifications/show"),
            Shape::Convert(one),
        ),
        // `{}`; 403 "Cannot dismiss notification" for anyone else's.
        row(
            M::POST,
            "/api/v1/notifications/{id}/dismiss",
            "Delete one of the caller's notifications",
            operation!("notifications/dismiss"),
            Shape::Convert(dismissed),
        ),
        // NotificationController.destroy_multiple: `{}` whatever the ids name; `ids` required.
        row(
            M::DELETE,
            "/api/v1/notifications/destroy_multiple",
            "Delete several of the caller's notifications",
            operation!("notifications/destroy_multiple"),
            Shape::Literal("{}"),
        ),
        // §28: "ok"; 400 {"error": "Cannot get notification"}.
        row(
            M::POST,
            "/api/v1/pleroma/notifications/read",
            "Mark notifications as read",
            operation!("notifications/read"),
            Shape::Literal("\"ok\""),
        ),
        // §28: only under /api/pleroma; {"status": "success"}.
        row(
            M::PUT,
            "/api/pleroma/notification_settings",
            "Update notification settings",
            operation!("notifications/settings"),
            Shape::Literal(r#"{"status":"success"}"#),
        ),
    ]
}

/// Keys a notification carries only for some types.
const BY_TYPE: [(&str, &[&str]); 6] = [
    ("status", &["mention", "status", "favourite", "reblog", "update", "poll", "pleroma:emoji_reaction"]),
    ("target", &["move"]),
    ("emoji", &["pleroma:emoji_reaction"]),
    ("emoji_url", &["pleroma:emoji_reaction"]),
    ("report", &["pleroma:report"]),
    ("chat_message", &["pleroma:chat_mention"]),
];

fn shape_notification(value: ConstValue) -> Result<ConstValue, Drift> {
    let ConstValue::Object(mut map) = value else { return Err(Drift::new("a notification", "not an object")) };
    let kind = match map.get("type") {
        Some(ConstValue::String(kind)) => kind.clone(),
        Some(ConstValue::Enum(kind)) => kind.to_string(),
        _ => return Err(Drift::new("a notification", "no `type`")),
    };
    for (key, types) in BY_TYPE {
        if !types.contains(&kind.as_str()) {
            map.shift_remove(&Name::new(key));
        }
    }
    if let Some(message) = map.shift_remove(&Name::new("chat_message")) {
        map.insert(Name::new("chat_message"), super::chats::wire_chats(message)?.value);
    }
    Ok(ConstValue::Object(map))
}

/// Notifications on the wire (Pleroma's `NotificationView`): type-specific keys only where
/// they belong, statuses shaped as everywhere.
pub fn wire_notifications(value: ConstValue) -> Result<ConstValue, Drift> {
    let value = match value {
        ConstValue::List(items) => {
            ConstValue::List(items.into_iter().map(shape_notification).collect::<Result<_, _>>()?)
        }
        other => shape_notification(other)?,
    };
    Ok(wire_statuses(value)?.value)
}

/// `{nodes}` → the list, with Pleroma's `Link` header.
fn linked(value: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    let value = wire_notifications(super::statuses::nodes(value)?)?;
    let link = link_header(&value, call);
    let mut answer = Answer::json(value);
    if let Some(link) = link {
        answer.headers.insert(axum::http::header::LINK, link);
    }
    Ok(answer)
}

/// The notification, or Pleroma's 403 "Cannot get notification" for `null`.
fn one(value: ConstValue, _: &Call<'_>) -> Result<Answer, AppError> {
    if value == ConstValue::Null {
        return Err(AppError::Forbidden(crate::domain::notifications::CANNOT_GET.into()));
    }
    Ok(Answer::json(wire_notifications(value)?))
}

/// `{}`, or Pleroma's 403 "Cannot dismiss notification" when nothing was dismissed.
fn dismissed(value: ConstValue, _: &Call<'_>) -> Result<Answer, AppError> {
    /// `dismissNotification`'s payload.
    #[derive(serde::Deserialize)]
    struct Dismissed {
        dismissed: bool,
    }
    if !read::<Dismissed>(value)?.dismissed {
        return Err(AppError::Forbidden(crate::domain::notifications::CANNOT_DISMISS.into()));
    }
    Ok(Answer::json(ConstValue::Object(Default::default())))
}
