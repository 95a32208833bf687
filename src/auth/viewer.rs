//! The authenticated caller, taken from `Authorization: Bearer`, an `access_token` parameter,
//! or HTTP Basic `nickname:password`.
use axum::http::{header, request::Parts};
use base64::Engine;
use entity::user;

use super::{password, rate_limit::Caller, remote_ip::ClientAddress, scopes, LimitName, RateLimits};
use crate::{
    config::{Instance, Settings},
    db::Db,
    domain,
    error::AppError,
};

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Anonymous,
    /// An OAuth access token (user or app-only).
    Token,
    /// HTTP Basic with a password: skips OAuth scope checks.
    Basic,
    /// The configured `admin_token` on an admin route: an admin with no account, scope checks
    /// skipped (Pleroma's `AdminSecretAuthenticationPlug`).
    AdminToken,
}

/// What authenticating a request needs: the database, the settings and the limiters.
pub struct AuthContext<'a> {
    pub db: &'a Db,
    pub settings: std::sync::Arc<Settings>,
    pub rate_limits: &'a RateLimits,
    /// Token lookups of this process.
    pub token_cache: &'a super::TokenCache,
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
    pub address: ClientAddress,
}

impl Viewer {
    /// Nobody.
    pub fn anonymous() -> Self {
        Viewer {
            method: AuthMethod::Anonymous,
            user: None,
            scopes: None,
            token_id: None,
            app_id: None,
            address: ClientAddress::Unknown,
        }
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
    pub async fn from_request(parts: &Parts, auth: &AuthContext<'_>) -> Result<Viewer, AppError> {
        let address = super::remote_ip::client_address(parts, &auth.settings.remote_ip);
        let mut viewer = Viewer { address, ..Viewer::anonymous() };
        match credentials(parts) {
            Credentials::None => {}
            Credentials::Bearer(token) => {
                if let Some((token, user)) = find_token(auth, &token).await? {
                    viewer.method = AuthMethod::Token;
                    viewer.scopes = Some(scopes::parse(&token.scopes));
                    viewer.token_id = Some(token.id);
                    viewer.app_id = Some(token.app_id);
                    viewer.user = user.filter(|u| may_sign_in(u, &auth.settings.instance));
                }
            }
            Credentials::Basic(name, secret) => {
                let user = login(auth, address, &name, secret).await?;
                if let Some(user) = user {
                    if user.mfa_enabled {
                        return Err(AppError::Forbidden(
                            "Two-factor authentication enabled, you must use a access token.".into(),
                        ));
                    }
                    viewer.method = AuthMethod::Basic;
                    viewer.user = Some(user).filter(|u| may_sign_in(u, &auth.settings.instance));
                }
            }
        }
        if viewer.user.is_none() {
            admin_token(parts, auth, &mut viewer)?;
        }
        if let Some(user) = &viewer.user {
            // The request's span (`app::RequestSpan`) names the caller in its log line.
            tracing::Span::current().record("user", user.nickname.as_str());
        }
        Ok(viewer)
    }
}

/// Pleroma's `AdminSecretAuthenticationPlug`, on admin routes when no user signed in and
/// `admin_token` is configured: the `admin_token` query parameter, else a non-empty
/// `X-Admin-Token` header, equal to the secret makes the caller an admin (an empty user, as
/// Pleroma's `%User{is_admin: true}`) with scope checks skipped; a wrong one counts against
/// the address's `authentication` limit (429 once it is used up).
fn admin_token(parts: &Parts, auth: &AuthContext<'_>, viewer: &mut Viewer) -> Result<(), AppError> {
    let path = parts.uri.path();
    let admin_route = path.starts_with("/api/v1/pleroma/admin/") || path.starts_with("/api/pleroma/admin/");
    let Some(secret) = auth.settings.admin_token.as_deref().filter(|s| !s.is_empty()) else { return Ok(()) };
    if !admin_route {
        return Ok(());
    }
    let from_query = parts.uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "admin_token").map(|(_, v)| v.into_owned())
    });
    let given = from_query.or_else(|| {
        let values: Vec<&str> = parts.headers.get_all("x-admin-token").iter().filter_map(|v| v.to_str().ok()).collect();
        match values.as_slice() {
            [] | [""] => None,
            [one] => Some((*one).to_string()),
            _ => Some(String::new()),
        }
    });
    let Some(given) = given else { return Ok(()) };
    let same =
        given.len() == secret.len() && given.bytes().zip(secret.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same {
        viewer.method = AuthMethod::AdminToken;
        viewer.user = Some(admin_token_user());
        viewer.scopes = None;
        viewer.token_id = None;
        viewer.app_id = None;
        Ok(())
    } else {
        auth.rate_limits.check(LimitName::Authentication, &Caller::address(viewer.address))
    }
}

/// The admin the admin token acts as: Pleroma's bare `%User{is_admin: true}`, no id and no
/// nickname (the moderation log names no one).
pub fn admin_token_user() -> user::Model {
    user::Model {
        is_admin: true,
        search_text: String::new(),
        ..user::Model::new(String::new(), String::new(), String::new(), chrono::Utc::now())
    }
}

/// A valid (unexpired) access token and its user, from this process's cache while the
/// database's auth generation is the one the cached lookup was taken at (see `token_cache`).
async fn find_token(
    auth: &AuthContext<'_>,
    token: &str,
) -> Result<Option<(entity::oauth_token::Model, Option<user::Model>)>, AppError> {
    let db = &auth.db.read;
    let digest = domain::token_digest::digest(token);
    let found = match domain::oauth::auth_generation(db).await? {
        Some(generation) => match auth.token_cache.get(&digest, generation) {
            Some(found) => Some(found),
            None => {
                let found = domain::oauth::find_token_by_digest(db, &digest).await?;
                if let Some((token, user)) = &found {
                    auth.token_cache.put(digest, generation, token.clone(), user.clone());
                }
                found
            }
        },
        None => domain::oauth::find_token_by_digest(db, &digest).await?,
    };
    Ok(found.filter(|(t, _)| t.valid_until > chrono::Utc::now()))
}

/// A password login (password grant, HTTP Basic): the local account `name` (nickname or email)
/// when `secret` is its password. Only failures count against the client address's
/// `authentication` limit, so scripts signing in correctly are never throttled and an address
/// that has not failed is never locked out (Pleroma throttles its login form per address, by
/// `RateLimiter` `:authentication`). Unknown accounts cost a dummy verification, so the answer
/// takes as long whether or not the nickname exists.
pub async fn login(
    auth: &AuthContext<'_>,
    address: ClientAddress,
    name: &str,
    secret: String,
) -> Result<Option<user::Model>, AppError> {
    let caller = Caller::address(address);
    if auth.rate_limits.exceeded(LimitName::Authentication, &caller) {
        return Err(AppError::RateLimited);
    }
    let account = domain::users::find_by_login(&auth.db.read, name).await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    if password::verify_or_dummy(secret, stored).await {
        Ok(account)
    } else {
        auth.rate_limits.record(LimitName::Authentication, &caller);
        Ok(None)
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

/// An `Authorization` header's credentials. Schemes are case-insensitive (RFC 9110); Pleroma
/// also takes `Bearer: token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    Bearer(String),
    /// The decoded `user:secret` text.
    Basic(String),
}

/// The `Authorization` headers of a request that parse, in order.
pub fn authorization(parts: &Parts) -> Vec<Authorization> {
    parts.headers.get_all(header::AUTHORIZATION).iter().filter_map(|v| parse_authorization(v.to_str().ok()?)).collect()
}

fn parse_authorization(value: &str) -> Option<Authorization> {
    let value = value.trim();
    let split = value.find(|c: char| c == ':' || c.is_whitespace())?;
    let (scheme, rest) = value.split_at(split);
    if scheme.eq_ignore_ascii_case("bearer") {
        let token = rest.strip_prefix(':').unwrap_or(rest).trim();
        return (!token.is_empty()).then(|| Authorization::Bearer(token.to_string()));
    }
    if scheme.eq_ignore_ascii_case("basic") && rest.starts_with(char::is_whitespace) {
        let bytes = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
        return String::from_utf8(bytes).ok().map(Authorization::Basic);
    }
    None
}

fn credentials(parts: &Parts) -> Credentials {
    for found in authorization(parts) {
        match found {
            Authorization::Bearer(token) => return Credentials::Bearer(token),
            Authorization::Basic(decoded) => {
                if let Some((name, secret)) = decoded.split_once(':') {
                    return Credentials::Basic(name.to_string(), secret.to_string());
                }
            }
        }
    }
    let token = parts.uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "access_token").map(|(_, v)| v.into_owned())
    });
    token.map_or(Credentials::None, Credentials::Bearer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_case_insensitive() {
        let basic = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        for value in ["Bearer abc", "bearer abc", "BEARER  abc ", "Bearer: abc", "bearer:abc"] {
            assert_eq!(parse_authorization(value), Some(Authorization::Bearer("abc".into())), "{value}");
        }
        for scheme in ["Basic", "basic", "BASIC"] {
            let value = format!("{scheme} {}", basic("bob:pw"));
            assert_eq!(parse_authorization(&value), Some(Authorization::Basic("bob:pw".into())), "{value}");
        }
        for value in ["Bearer", "Bearerabc", "Token abc", "Basic !!!", "Basic:x", ""] {
            assert_eq!(parse_authorization(value), None, "{value}");
        }
    }
}
