//! Reports: filing one (Mastodon's `POST /api/v1/reports`, ROUTES.md "Supporting endpoints"),
//! the Admin API's reports (§11) and the user's own reports (§39), in the docs' order.
use async_graphql::{Name, Value as ConstValue};
use axum::http::{Method, StatusCode};

use super::{operation, read, typed, Answer, Call, Drift, Fields, Mapped, Opaque, Route, Shape, Wire};
use crate::{domain::reports as domain, error::AppError};

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // GET /admin/reports: {"total", "reports"}; `state` outside the enum is the validation 400.
        Route::admin(M::GET, "/api/v1/pleroma/admin/reports", "List reports", operation!("reports/list"), REPORTS),
        // GET /admin/grouped_reports (removed upstream in 2020; still in every doc): the whole
        // list, unpaged as Pleroma served it, streamed a page of groups at a time. The body is
        // written by `rest::grouped_reports` (typed, from the page's rows): the same data as the
        // operation mapped by `grouped`, which is too slow for a 100 MB body (issue 26); the
        // operation keeps declaring the row, and the tests compare the two bodies.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/grouped_reports",
            "Reports grouped by reported status",
            operation!("reports/grouped"),
            Shape::Pages { open: r#"{"reports":["#, close: "]}", map: grouped },
        )
        .written(|state, viewer, params| {
            let after = params.get("after").and_then(|v| v.as_str()).map(String::from);
            Box::pin(super::grouped_reports::body(state, viewer, after))
        }),
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
        )
        .prepare(set_aside_unsupported_states),
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
            Shape::FIELD.mapped(typed::<Filed>),
        ),
    ]
}

/// Reports (or a page of them): statuses and accounts as Pleroma renders them.
const REPORTS: Shape = Shape::FIELD.mapped(super::statuses::wire_statuses);

fn object(fields: impl IntoIterator<Item = (&'static str, ConstValue)>) -> ConstValue {
    ConstValue::Object(fields.into_iter().map(|(k, v)| (Name::new(k), v)).collect())
}

/// `fileReport`'s payload: the report's id and whether action was taken.
#[derive(serde::Deserialize)]
struct Filed {
    report: FiledReport,
    action_taken: bool,
}

#[derive(serde::Deserialize)]
struct FiledReport {
    id: Opaque,
}

/// `{"report": {"id"}, "action_taken"}` → Mastodon's `{"id", "action_taken"}`.
impl Wire for Filed {
    fn wire(self) -> ConstValue {
        object([("id", self.report.id), ("action_taken", ConstValue::Boolean(self.action_taken))])
    }
}

/// 204 when every entry was applied; else 400 with the failed entries.
/// Pleroma's report states; `CommonAPI.update_report_state` answers any other value with
/// `{:error, "Unsupported state"}` for that entry alone.
const REPORT_STATES: [&str; 3] = ["open", "closed", "resolved"];

/// The batch as sent, kept for [`batch_errors`]: GraphQL's `ReportState` is an enum, so the
/// entries whose state is not one of Pleroma's are left out of `reports` and answered here.
const GIVEN_REPORTS: &str = "reports (as given)";

fn supported(entry: &serde_json::Value) -> bool {
    entry.get("state").and_then(serde_json::Value::as_str).is_some_and(|s| REPORT_STATES.contains(&s))
}

/// `PATCH /admin/reports`: entries with an unsupported state are set aside (the others go to
/// `updateReports`).
fn set_aside_unsupported_states(params: &mut serde_json::Map<String, serde_json::Value>) {
    let Some(serde_json::Value::Array(entries)) = params.get("reports").cloned() else { return };
    let kept: Vec<serde_json::Value> = entries.iter().filter(|e| supported(e)).cloned().collect();
    params.insert("reports".into(), serde_json::Value::Array(kept));
    params.insert(GIVEN_REPORTS.into(), serde_json::Value::Array(entries));
}

/// The id of an entry as Pleroma echoes it.
fn given_id(entry: &serde_json::Value) -> ConstValue {
    match entry.get("id") {
        Some(serde_json::Value::String(s)) => ConstValue::String(s.clone()),
        Some(other) if !other.is_null() => ConstValue::String(other.to_string()),
        _ => ConstValue::Null,
    }
}

/// 204, or 400 with the failed entries in the order given: those set aside as `Unsupported
/// state` and those `updateReports` refused.
fn batch_errors(value: ConstValue, call: &Call<'_>) -> Result<Answer, AppError> {
    /// `updateReports`' payload: the entries it refused.
    #[derive(serde::Deserialize)]
    struct Refused {
        errors: Vec<Opaque>,
    }
    let refused = read::<Refused>(value)?.errors;
    let mut refused = refused.into_iter().peekable();
    let mut errors = Vec::new();
    if let Some(serde_json::Value::Array(given)) = call.params.get(GIVEN_REPORTS) {
        for entry in given {
            if !supported(entry) {
                let mut error = async_graphql::indexmap::IndexMap::new();
                error.insert(Name::new("id"), given_id(entry));
                error.insert(Name::new("error"), ConstValue::String(domain::UNSUPPORTED_STATE.into()));
                errors.push(ConstValue::Object(error));
            } else if refused.peek().is_some_and(|e| refused_id(e) == given_id(entry)) {
                errors.extend(refused.next());
            }
        }
    }
    errors.extend(refused);
    Ok(if errors.is_empty() {
        Answer::empty(StatusCode::NO_CONTENT)
    } else {
        Answer::json(ConstValue::List(errors)).status(StatusCode::BAD_REQUEST)
    })
}

fn refused_id(error: &ConstValue) -> ConstValue {
    match error {
        ConstValue::Object(map) => map.get("id").cloned().unwrap_or(ConstValue::Null),
        _ => ConstValue::Null,
    }
}

/// One group of `{"reports": [group]}`, its `deleted` flag inside its status, as Pleroma's
/// `status` + `{"deleted": bool}`.
fn grouped(group: ConstValue) -> Result<Mapped, Drift> {
    /// A group: its status (`null` once deleted and gone), the `deleted` flag, the rest.
    #[derive(serde::Deserialize)]
    struct Group {
        status: Option<Fields>,
        deleted: bool,
        #[serde(flatten)]
        rest: Fields,
    }
    let mapped = super::statuses::wire_statuses(group)?;
    let group = read::<Group>(mapped.value)?;
    let mut out = group.rest;
    let status = group.status.map_or(ConstValue::Null, |mut status| {
        status.insert(Name::new("deleted"), ConstValue::Boolean(group.deleted));
        ConstValue::Object(status)
    });
    out.insert(Name::new("status"), status);
    Ok(Mapped { value: ConstValue::Object(out), found: mapped.found })
}
