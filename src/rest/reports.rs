//! Reports: filing one (Mastodon's `POST /api/v1/reports`, ROUTES.md "Supporting endpoints"),
//! the Admin API's reports (§11) and the user's own reports (§39), in the docs' order.
use async_graphql::{Name, Value as ConstValue};
use axum::http::{Method, StatusCode};

use super::{operation, Answer, Call, Route, Shape};
use crate::error::AppError;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // GET /admin/reports: {"total", "reports"}; `state` outside the enum is the validation 400.
        Route::admin(M::GET, "/api/v1/pleroma/admin/reports", "List reports", operation!("reports/list"), REPORTS),
        // GET /admin/grouped_reports (removed upstream in 2020; still in every doc): the whole
        // list, unpaged as Pleroma served it, streamed a page of groups at a time.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/grouped_reports",
            "Reports grouped by reported status",
            operation!("reports/grouped"),
            Shape::Pages { open: r#"{"reports":["#, close: "]}", map: grouped },
        ),
        // GET /admin/reports/:id: 404 {"error": "Not found"}.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/reports/{id}",
            "Show one report",
            operation!("reports/show"),
            REPORTS.or_404(),
        ),
        // PATCH /admin/reports: 204, or 400 [{id, error}] (the other entries stay applied).
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/reports",
            "Change the state of reports",
            operation!("reports/update"),
            Shape::Convert(batch_errors),
        ),
        // POST /admin/reports/:id/notes: 204; 400 "" when the note cannot be made.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/reports/{id}/notes",
            "Add a moderator note to a report",
            operation!("reports/note_add"),
            Shape::NO_CONTENT,
        )
        .empty_string_errors(),
        // DELETE /admin/reports/:report_id/notes/:id: 204; 400 "".
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/reports/{report_id}/notes/{id}",
            "Delete a report note",
            operation!("reports/note_delete"),
            Shape::NO_CONTENT,
        )
        .empty_string_errors(),
        // POST /admin/reports/:id/respond (older Akkoma doc 003): the direct status posted;
        // bare-string errors ("Invalid parameters", "Not found").
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/reports/{id}/respond",
            "Reply to a report with a direct status (legacy)",
            operation!("reports/respond"),
            Shape::at("status").mapped(super::statuses::wire_statuses),
        )
        .legacy_errors(),
        // GET /api/v0/pleroma/reports and /:id: the caller's own reports (no alias).
        Route::admin(
            M::GET,
            "/api/v0/pleroma/reports",
            "Reports filed by the caller",
            operation!("reports/mine"),
            REPORTS,
        )
        .mastodon_errors(),
        Route::admin(
            M::GET,
            "/api/v0/pleroma/reports/{id}",
            "One report filed by the caller",
            operation!("reports/mine_show"),
            REPORTS,
        )
        .mastodon_errors(),
        // POST /api/v1/reports: {"id", "action_taken": false}; a Mastodon path (no alias).
        Route::admin(
            M::POST,
            "/api/v1/reports",
            "File a report",
            operation!("reports/file"),
            Shape::FIELD.mapped(filed),
        ),
    ]
}

/// Reports (or a page of them): statuses and accounts as Pleroma renders them.
const REPORTS: Shape = Shape::FIELD.mapped(super::statuses::wire_statuses);

fn object(fields: impl IntoIterator<Item = (&'static str, ConstValue)>) -> ConstValue {
    ConstValue::Object(fields.into_iter().map(|(k, v)| (Name::new(k), v)).collect())
}

/// `{"report": {"id"}, "action_taken"}` → Mastodon's `{"id", "action_taken"}`.
fn filed(value: ConstValue) -> ConstValue {
    let ConstValue::Object(mut map) = value else { return value };
    let id = match map.shift_remove("report") {
        Some(ConstValue::Object(mut report)) => report.shift_remove("id").unwrap_or(ConstValue::Null),
        _ => ConstValue::Null,
    };
    let taken = map.shift_remove("action_taken").unwrap_or(ConstValue::Boolean(false));
    object([("id", id), ("action_taken", taken)])
}

/// 204 when every entry was applied; else 400 with the failed entries.
fn batch_errors(value: ConstValue, _: &Call<'_>) -> Result<Answer, AppError> {
    let errors = match value {
        ConstValue::Object(mut map) => map.shift_remove("errors").unwrap_or(ConstValue::Null),
        _ => ConstValue::Null,
    };
    Ok(match errors {
        ConstValue::List(list) if !list.is_empty() => {
            Answer::json(ConstValue::List(list)).status(StatusCode::BAD_REQUEST)
        }
        _ => Answer::empty(StatusCode::NO_CONTENT),
    })
}

/// One group of `{"reports": [group]}`, its `deleted` flag inside its status, as Pleroma's
/// `status` + `{"deleted": bool}`.
fn grouped(group: ConstValue) -> ConstValue {
    let ConstValue::Object(mut group) = super::statuses::wire_statuses(group) else { return ConstValue::Null };
    let deleted = group.shift_remove("deleted").unwrap_or(ConstValue::Boolean(false));
    if let Some(ConstValue::Object(status)) = group.get_mut("status") {
        status.insert(Name::new("deleted"), deleted);
    }
    ConstValue::Object(group)
}
