//! The authenticated caller, taken from `Authorization: Bearer`, an `access_token` parameter,
//! or HTTP Basic `nickname:password`.
use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};
use base64::Engine;
use entity::user;

use super::{password, scopes};
use crate::{config::Instance, domain, error::AppError, state::AppState};

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Anonymous,
    /// An OAuth access token (user or app-only).
    Token,
    /// HTTP Basic with a password: skips OAuth scope checks.
    Basic,
}

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub method: AuthMethod,
    /// The user, when there is one and their account may sign in.
    pub user: Option<user::Model>,
    /// Token scopes; `None` when scope checks are skipped (Basic) or there is no token.
    pub scopes: Option<Vec<String>>,
    /// The token's row id.
    pub token_id: Option<i64>,
    /// The token's OAuth app.
    pub app_id: Option<i64>,
    /// The client address, for rate limiting.
    pub address: Option<IpAddr>,
}

impl Viewer {
    /// Nobody.
    pub fn anonymous() -> Self {
        Viewer { method: AuthMethod::Anonymous, user: None, scopes: None, token_id: None, app_id: None, address: None }
    }

    /// A shared anonymous viewer, for contexts that carry none.
    pub fn anonymous_ref() -> &'static Viewer {
        static ANONYMOUS: std::sync::LazyLock<Viewer> = std::sync::LazyLock::new(Viewer::anonymous);
        &ANONYMOUS
    }

    /// The signed-in user, or Pleroma's "Invalid credentials." error.
    pub fn require_user(&self) -> Result<&user::Model, AppError> {
        self.user.as_ref().ok_or_else(|| AppError::Unauthenticated("Invalid credentials.".into()))
    }

    /// Resolve the caller of a request.
    pub async fn from_request(parts: &Parts, state: &AppState) -> Result<Viewer, AppError> {
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let mut viewer = Viewer { address, ..Viewer::anonymous() };
        match credentials(parts) {
            Credentials::None => {}
            Credentials::Bearer(token) => {
                if let Some((token, user)) = domain::oauth::find_token(&state.db.read, &token).await? {
                    viewer.method = AuthMethod::Token;
                    viewer.scopes = Some(scopes::parse(&token.scopes));
                    viewer.token_id = Some(token.id);
                    viewer.app_id = Some(token.app_id);
                    viewer.user = user.filter(|u| may_sign_in(u, &state.settings.instance));
                }
            }
            Credentials::Basic(name, secret) => {
                if !state.rate_limits.attempt(&name, address) {
                    return Err(AppError::RateLimited);
                }
                if let Some(user) = domain::users::find_by_login(&state.db.read, &name).await? {
                    let ok = match user.password_hash.clone() {
                        Some(hash) => password::verify(secret, hash).await,
                        None => false,
                    };
                    if ok {
                        if user.mfa_enabled {
                            return Err(AppError::Forbidden(
                                "Two-factor authentication enabled, you must use a access token.".into(),
                            ));
                        }
                        viewer.method = AuthMethod::Basic;
                        viewer.user = Some(user).filter(|u| may_sign_in(u, &state.settings.instance));
                    }
                }
            }
        }
        if let (Some(user), Some(slot)) = (&viewer.user, parts.extensions.get::<crate::app::LoggedUser>()) {
            if let Ok(mut name) = slot.0.lock() {
                *name = Some(user.nickname.clone());
            }
        }
        Ok(viewer)
    }
}

/// Whether an account may act (Pleroma's `account_status == :active`); any other status is
/// treated as unauthenticated.
pub fn may_sign_in(user: &user::Model, instance: &Instance) -> bool {
    domain::users::AccountStatus::of(user, instance) == domain::users::AccountStatus::Active
}

enum Credentials {
    None,
    Bearer(String),
    Basic(String, String),
}

fn credentials(parts: &Parts) -> Credentials {
    for value in parts.headers.get_all(header::AUTHORIZATION) {
        let Ok(value) = value.to_str() else { continue };
        let value = value.trim();
        if let Some(token) = value.strip_prefix("Bearer:").or_else(|| value.strip_prefix("Bearer ")) {
            return Credentials::Bearer(token.trim().to_string());
        }
        if let Some(encoded) = value.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some((name, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                return Credentials::Basic(name.to_string(), secret.to_string());
            }
        }
    }
    let token = parts.uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "access_token").map(|(_, v)| v.into_owned())
    });
    token.map_or(Credentials::None, Credentials::Bearer)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = crate::rest::RestError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Viewer::from_request(parts, state).await.map_err(crate::rest::RestError::from)
    }
}
