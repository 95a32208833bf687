//! The pages behind the links the gateway mails or hands out, as Pleroma serves them (HTML, no
//! authentication): the password-reset form and its submission
//! (`TwitterAPI.PasswordController`), the email-confirmation link
//! (`TwitterAPI.Controller.confirm_email`), and the user-facing reset request `POST
//! /auth/password`.
use axum::{
    extract::{Path, Request, State},
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};
use serde_json::{Map, Value};

use super::{escape_html as escape, params, Answer, RestError, Route};
use crate::{
    auth::{Access, LimitName},
    domain::credentials,
    error::AppError,
    state::AppState,
};

/// The rows of this module (the `/api/v1/pleroma` ones also under `/api/pleroma`).
pub fn routes() -> Vec<Route> {
    vec![
        Route::native(
            Method::GET,
            "/api/v1/pleroma/password_reset/{token}",
            "The password-reset form (HTML)",
            Access::Public,
            |m| on(m, reset_form),
            &[(200, "The form, or the invalid-token page (HTML)")],
        ),
        Route::native(
            Method::POST,
            "/api/v1/pleroma/password_reset",
            "Submit the password-reset form",
            Access::Public,
            |m| on(m, do_reset),
            &[(200, "The success or failure page (HTML)"), (400, "Malformed body")],
        ),
        Route::native(
            Method::GET,
            "/api/account/confirm_email/{user_id}/{token}",
            "Confirm an email address (the mailed link)",
            Access::Public,
            |m| on(m, confirm_email),
            &[(302, "Confirmed; redirect to /"), (400, "Invalid token")],
        ),
        Route::native(
            Method::POST,
            "/auth/password",
            "Mail a password-reset link",
            Access::Public,
            |m| on(m, request_reset),
            &[(204, "Always, whether or not the user exists"), (400, "Malformed body")],
        ),
    ]
}

/// `GET /api/v1/pleroma/password_reset/:token`: the reset form, or Pleroma's "Invalid Token"
/// page (still 200) for an unknown, used or expired token.
async fn reset_form(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match credentials::usable_reset_token(&state.db.read, &token).await {
        Ok(Some((_, user))) => html(
            &state,
            &format!(
                "<h2>Password Reset for {nickname}</h2>\n\
                 <form action=\"/api/v1/pleroma/password_reset\" method=\"post\">\n\
                 <div class=\"form-row\">\n\
                 <label for=\"data_password\">Password</label>\n\
                 <input id=\"data_password\" name=\"data[password]\" type=\"password\">\n\
                 </div>\n\
                 <div class=\"form-row\">\n\
                 <label for=\"data_password_confirmation\">Confirmation</label>\n\
                 <input id=\"data_password_confirmation\" name=\"data[password_confirmation]\" type=\"password\">\n\
                 </div>\n\
                 <input id=\"data_token\" name=\"data[token]\" type=\"hidden\" value=\"{token}\">\n\
                 <button type=\"submit\">Reset</button>\n\
                 </form>",
                nickname = escape(&user.nickname),
                token = escape(&token),
            ),
        ),
        Ok(None) => html(&state, "<h2>Invalid Token</h2>"),
        Err(err) => RestError::from(err).into_response(),
    }
}

/// `POST /api/v1/pleroma/password_reset`: the form's submission (`data[token]`,
/// `data[password]`, `data[password_confirmation]`; a `data` JSON object or flat `token`,
/// `password`, `password_confirmation` work too). Answers Pleroma's success or failure page.
async fn do_reset(State(state): State<AppState>, request: Request) -> Response {
    let merged = match params::request_params(request).await {
        Ok((_, merged)) => merged,
        Err(err) => return err.into_response(),
    };
    let field = |name: &str| form_field(&merged, name).unwrap_or_default();
    let outcome =
        credentials::reset_password(&state.db, &field("token"), &field("password"), &field("password_confirmation"))
            .await;
    let home = escape(&state.settings().instance_url);
    match outcome {
        Ok(_) => html(&state, &format!("<h2>Password changed!</h2>\n<h3><a href=\"{home}\">Homepage</a></h3>")),
        Err(err @ AppError::Internal(_)) => RestError::from(err).into_response(),
        Err(_) => html(&state, &format!("<h2>Password reset failed</h2>\n<h3><a href=\"{home}\">Homepage</a></h3>")),
    }
}

/// A form field sent as `data[name]`, inside a `data` object, or as plain `name`.
fn form_field(params: &Map<String, Value>, name: &str) -> Option<String> {
    let value = params
        .get(&format!("data[{name}]"))
        .or_else(|| params.get("data").and_then(|d| d.get(name)))
        .or_else(|| params.get(name))?;
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `GET /api/account/confirm_email/:user_id/:token`: the link in the confirmation mail;
/// confirms the account and redirects (302) to `/`. Pleroma answers a bad link with a 500; this
/// answers 400 `{"error": "Invalid token"}`.
async fn confirm_email(State(state): State<AppState>, Path((user_id, token)): Path<(String, String)>) -> Response {
    match credentials::confirm_by_token(&state.db, &user_id, &token).await {
        Ok(user) => {
            // An unconfirmed account until now: welcomed when it is also approved.
            if user.is_approved {
                let settings = state.settings();
                crate::domain::registration::welcome(&state.db, &settings, &state.mailer, &user).await;
            }
            Answer::redirect("/").into_response()
        }
        Err(err) => RestError::from(err).into_response(),
    }
}

/// `POST /auth/password` (`email` or `nickname`): mail a password-reset link. Always 204 with
/// an empty body (JSON content type), whether or not such a user exists.
async fn request_reset(State(state): State<AppState>, request: Request) -> Response {
    let (parts, merged) = match params::request_params(request).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    // Pleroma: `RateLimiter` `:password_reset` on `AuthController.password_reset`, keyed by the
    // signed-in user or else the client address (not by the account asked about).
    let caller = state.limited_caller(&parts).await;
    if let Err(err) = state.rate_limits.check(LimitName::PasswordReset, &caller) {
        return RestError::from(err).into_response();
    }
    let login = ["email", "nickname"].iter().find_map(|k| merged.get(*k).and_then(Value::as_str).map(str::to_string));
    if let Some(login) = login.filter(|l| !l.is_empty()) {
        if let Err(err) = credentials::request_password_reset(&state.db, &state.settings(), &state.mailer, &login).await
        {
            return RestError::from(err).into_response();
        }
    }
    Answer::empty(StatusCode::NO_CONTENT).into_response()
}

/// A page in a minimal version of Pleroma's static-page layout.
fn html(state: &AppState, content: &str) -> Response {
    let title = escape(&state.settings().instance.name);
    let page = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1,minimal-ui\" />\n\
         <title>{title}</title>\n</head>\n<body>\n<div class=\"instance-header\"><h1>{title}</h1></div>\n\
         <div class=\"container\">\n{content}\n</div>\n</body>\n</html>\n"
    );
    Answer::bytes("text/html; charset=utf-8", page.into_bytes()).into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_in_every_shape() {
        let form = params::decode_form("data%5Btoken%5D=abc&data%5Bpassword%5D=pw");
        assert_eq!(form_field(&form, "token").as_deref(), Some("abc"));
        assert_eq!(form_field(&form, "password").as_deref(), Some("pw"));
        let nested = json!({"data": {"token": "t"}});
        assert_eq!(form_field(nested.as_object().unwrap_or(&Map::new()), "token").as_deref(), Some("t"));
        let flat = json!({"token": "f"});
        assert_eq!(form_field(flat.as_object().unwrap_or(&Map::new()), "token").as_deref(), Some("f"));
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
