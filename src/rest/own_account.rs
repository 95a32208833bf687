//! The caller's own account (§26): `TwitterAPI.UtilController`'s routes, which exist only under
//! `/api/pleroma` and answer a refused change with HTTP 200 `{"error": msg}`, and the confirmation
//! mail asked for again.
use async_graphql::{Name, Value as ConstValue};
use axum::{
    extract::{Path, Request, State},
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};
use serde_json::Value;

use super::{object, operation, params, typed, Answer, Fields, Opaque, RestError, Route, Shape, Wire};
use crate::{
    auth::{Access, LimitName, Viewer},
    domain::own_account,
    state::AppState,
};

const SUCCESS: &str = r#"{"status": "success"}"#;
const JOBS_STARTED: &str = r#""jobs started""#;

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    let util = |method: Method, path: &'static str, summary: &'static str, op, shape| {
        Route::admin(method, path, summary, op, shape).without_alias().refusal_is_ok()
    };
    vec![
        // POST /api/pleroma/delete_account: {"status": "success"}; 200 {"error": "Invalid password."}.
        util(
            M::POST,
            "/api/pleroma/delete_account",
            "Delete the caller's own account",
            operation!("own_account/delete"),
            Shape::Literal(SUCCESS),
        ),
        // POST /api/pleroma/disable_account (password in the query string).
        util(
            M::POST,
            "/api/pleroma/disable_account",
            "Deactivate the caller's own account",
            operation!("own_account/disable"),
            Shape::Literal(SUCCESS),
        ),
        // POST /api/pleroma/change_email: 200 {"error": "Email has invalid format."}, ….
        util(
            M::POST,
            "/api/pleroma/change_email",
            "Change the caller's email",
            operation!("own_account/change_email"),
            Shape::Literal(SUCCESS),
        ),
        // POST /api/pleroma/change_password: 200 {"error": "New password does not match confirmation."}, ….
        util(
            M::POST,
            "/api/pleroma/change_password",
            "Change the caller's password",
            operation!("own_account/change_password"),
            Shape::Literal(SUCCESS),
        ),
        // POST /api/pleroma/move_account: 404 {"error": "Target account not found."}.
        util(
            M::POST,
            "/api/pleroma/move_account",
            "Move followers to another account",
            operation!("own_account/move"),
            Shape::Literal(SUCCESS),
        ),
        // GET /api/pleroma/aliases: {"aliases": ["nick@host", ...]}.
        util(
            M::GET,
            "/api/pleroma/aliases",
            "The caller's aliases",
            operation!("own_account/aliases"),
            Shape::FIELD.mapped(typed::<Aliases>),
        ),
        // PUT /api/pleroma/aliases: 200 {"error": "not_found"} for an unknown account.
        util(
            M::PUT,
            "/api/pleroma/aliases",
            "Add an alias",
            operation!("own_account/add_alias"),
            Shape::Literal(SUCCESS),
        ),
        // DELETE /api/pleroma/aliases: 404 {"error": "Account has no such alias."}.
        util(
            M::DELETE,
            "/api/pleroma/aliases",
            "Remove an alias",
            operation!("own_account/remove_alias"),
            Shape::Literal(SUCCESS),
        ),
        // GET /api/oauth_tokens: [{id, app_name, valid_until}] (no scope, a signed-in user).
        Route::admin(
            M::GET,
            "/api/oauth_tokens",
            "The caller's OAuth sessions",
            operation!("own_account/sessions"),
            Shape::FIELD.mapped(typed::<Vec<Session>>),
        )
        .without_alias(),
        // DELETE /api/oauth_tokens/:id: 201, empty body, whether or not the id existed.
        Route::admin(
            M::DELETE,
            "/api/oauth_tokens/{id}",
            "Revoke one of the caller's sessions",
            operation!("own_account/revoke_session"),
            Shape::Empty(StatusCode::CREATED),
        )
        .without_alias(),
        // GET /settings/:app: the stored object, {} by default.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/settings/{app}",
            "A frontend's synced settings",
            operation!("own_account/frontend_settings"),
            Shape::FIELD,
        ),
        // PATCH /settings/:app: the body, deep-merged (null deletes a key); the merged object.
        Route::native(
            M::PATCH,
            "/api/v1/pleroma/settings/{app}",
            "Merge into a frontend's synced settings",
            Access::User(&["write:accounts"]),
            |m| on(m, update_frontend_settings),
            &[(200, "The merged settings"), (400, "Not an object")],
        ),
        // GET /mascot: the caller's upload as an attachment, or the instance default.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/mascot",
            "The caller's mascot",
            operation!("own_account/mascot"),
            Shape::FIELD.mapped(typed::<Mascot>),
        ),
        // PUT /mascot (multipart `file`): the attachment; 415 {"error": "mascots can only be images"}.
        Route::admin(
            M::PUT,
            "/api/v1/pleroma/mascot",
            "Upload a new mascot image",
            operation!("own_account/set_mascot"),
            Shape::at("mascot").mapped(typed::<Mascot>),
        )
        .body_limit(super::UPLOAD_BODY),
        // POST /api/pleroma/{follow,blocks,mutes}_import: "jobs started".
        util(
            M::POST,
            "/api/pleroma/follow_import",
            "Import follows",
            operation!("own_account/import_follows"),
            Shape::Literal(JOBS_STARTED),
        )
        .body_limit(super::UPLOAD_BODY),
        util(
            M::POST,
            "/api/pleroma/blocks_import",
            "Import blocks",
            operation!("own_account/import_blocks"),
            Shape::Literal(JOBS_STARTED),
        )
        .body_limit(super::UPLOAD_BODY),
        util(
            M::POST,
            "/api/pleroma/mutes_import",
            "Import mutes",
            operation!("own_account/import_mutes"),
            Shape::Literal(JOBS_STARTED),
        )
        .body_limit(super::UPLOAD_BODY),
        Route::native(
            M::POST,
            "/api/v1/pleroma/accounts/confirmation_resend",
            "Mail the account confirmation link again",
            Access::Public,
            |m| on(m, confirmation_resend),
            &[(204, "Always, whether or not such an account exists"), (429, "Throttled")],
        ),
    ]
}

/// The account's aliases (a list of handles).
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct Aliases(Vec<Opaque>);

/// `{"aliases": [...]}`.
impl Wire for Aliases {
    fn wire(self) -> ConstValue {
        object([("aliases", ConstValue::List(self.0))])
    }
}

/// A session: its expiry, the rest as it is.
#[derive(serde::Deserialize)]
struct Session {
    valid_until: String,
    #[serde(flatten)]
    rest: Fields,
}

/// Pleroma writes a session's expiry as a naive timestamp with microseconds
/// (`2121-11-24T15:51:08.234000`).
impl Wire for Session {
    fn wire(self) -> ConstValue {
        let mut out = self.rest;
        let at = match crate::graphql::scalars::parse_datetime(&self.valid_until) {
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            None => self.valid_until,
        };
        out.insert(Name::new("valid_until"), ConstValue::String(at));
        ConstValue::Object(out)
    }
}

/// The mascot: an uploaded attachment, or the instance default's `id`, `url` and `mime_type`.
#[derive(serde::Deserialize)]
struct Mascot {
    attachment: Option<Opaque>,
    id: Opaque,
    url: Opaque,
    mime_type: Opaque,
}

/// The mascot as Pleroma answers it: the upload's attachment, or the instance default
/// (`id`, `url`, `preview_url`, `pleroma.mime_type`).
impl Wire for Mascot {
    fn wire(self) -> ConstValue {
        match self.attachment {
            Some(attachment @ ConstValue::Object(_)) => attachment,
            _ => object([
                ("id", self.id),
                ("url", self.url.clone()),
                ("preview_url", self.url),
                ("pleroma", object([("mime_type", self.mime_type)])),
            ]),
        }
    }
}

/// `PATCH /settings/:app`: the whole body is the change (no named parameter), so this row reads
/// it itself and calls the same domain function as `updateFrontendSettings`.
async fn update_frontend_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(app): Path<String>,
    request: Request,
) -> Response {
    let Some(user) = viewer.user.as_ref() else {
        return RestError::from(crate::error::AppError::Unauthenticated("Invalid credentials.".into())).into_response();
    };
    let headers = request.headers().clone();
    let (body, _) = match params::decode_body(&headers, request).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    match own_account::update_frontend_settings(&state.db, user, &app, &body).await {
        Ok(settings) => super::json(StatusCode::OK, &settings),
        Err(err) => RestError::from(err).into_response(),
    }
}

/// `POST /accounts/confirmation_resend` (`email` or `nickname`): 204 with an empty body, whether
/// or not the account exists or awaits confirmation; limited by `account_confirmation_resend`,
/// per signed-in user or client address, as Pleroma's `RateLimiter`.
async fn confirmation_resend(State(state): State<AppState>, request: Request) -> Response {
    let (parts, merged) = match params::request_params(request).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let caller = state.limited_caller(&parts).await;
    if let Err(err) = state.rate_limits.check(LimitName::AccountConfirmationResend, &caller) {
        return RestError::from(err).into_response();
    }
    let field = |key: &str| merged.get(key).and_then(Value::as_str).map(str::to_string);
    let (email, nickname) = (field("email"), field("nickname"));
    if email.is_none() && nickname.is_none() {
        return RestError::params(&[crate::rest::engine::params::ParamError::missing("email")]).into_response();
    }
    let sent = own_account::resend_confirmation(
        &state.db,
        &state.settings(),
        &state.mailer,
        email.as_deref(),
        nickname.as_deref(),
    )
    .await;
    match sent {
        Ok(()) => Answer::empty(StatusCode::NO_CONTENT).into_response(),
        Err(err) => RestError::from(err).into_response(),
    }
}
