//! OAuth apps and tokens, as Pleroma issues them.
use base64::Engine;
use chrono::{Duration, Utc};
use entity::{oauth_app, oauth_token, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::token_digest::digest;
use crate::error::AppError;

/// A random URL-safe secret (32 bytes of entropy).
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What `POST /api/v1/apps` registers.
#[derive(Debug, Clone)]
pub struct NewApp {
    pub client_name: String,
    pub redirect_uris: String,
    pub scopes: Vec<String>,
    pub website: Option<String>,
    pub user_id: Option<String>,
}

/// Register an app with fresh client credentials. Returns the row and the client secret, which
/// is shown this once: only its digest is stored.
pub async fn create_app<C: ConnectionTrait>(conn: &C, new: NewApp) -> Result<(oauth_app::Model, String), AppError> {
    let secret = random_secret();
    let row = oauth_app::ActiveModel {
        client_name: Set(new.client_name),
        redirect_uris: Set(new.redirect_uris),
        scopes: Set(new.scopes.join(" ")),
        website: Set(new.website.filter(|w| !w.is_empty())),
        client_id: Set(random_secret()),
        client_secret: Set(digest(&secret)),
        trusted: Set(false),
        user_id: Set(new.user_id),
        inserted_at: Set(Utc::now()),
        ..Default::default()
    };
    Ok((row.insert(conn).await?, secret))
}

/// The app with these client credentials.
pub async fn find_app<C: ConnectionTrait>(
    conn: &C,
    client_id: &str,
    client_secret: &str,
) -> Result<Option<oauth_app::Model>, AppError> {
    Ok(oauth_app::Entity::find()
        .filter(oauth_app::Column::ClientId.eq(client_id))
        .filter(oauth_app::Column::ClientSecret.eq(digest(client_secret)))
        .one(conn)
        .await?)
}

/// The app a token belongs to.
pub async fn app_by_id<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<oauth_app::Model>, AppError> {
    Ok(oauth_app::Entity::find_by_id(id).one(conn).await?)
}

/// A token just issued: its row (which holds digests) and the secrets, shown this once.
#[derive(Debug, Clone)]
pub struct Issued {
    pub row: oauth_token::Model,
    pub token: String,
    pub refresh_token: String,
}

/// The scopes a token for `user` may carry: `admin` and its descendants only for staff
/// (admins and moderators, whose privileges decide the rest). Pleroma issues whatever the app
/// allows and refuses at use; clamping at issue keeps an `admin` scope off every non-staff
/// token, so no later check depends on the role being re-read (issue 24). Tokens without a
/// user (client credentials) keep their scopes: no admin route serves them.
pub fn clamp_to_role(scopes: &[String], user: Option<&user::Model>) -> Vec<String> {
    clamp(scopes, user.is_none_or(|u| u.is_admin || u.is_moderator))
}

fn clamp(scopes: &[String], staff: bool) -> Vec<String> {
    let admin = |s: &str| s == "admin" || s.starts_with("admin:");
    scopes.iter().filter(|s| staff || !admin(s)).cloned().collect()
}

/// Issue a token for `app` (and `user`, unless app-only) valid for `expires_in` seconds.
pub async fn issue_token<C: ConnectionTrait>(
    conn: &C,
    app: &oauth_app::Model,
    user: Option<&user::Model>,
    scopes: &[String],
    expires_in: i64,
) -> Result<Issued, AppError> {
    // Every grant goes through here: a non-staff user's token never carries an admin scope.
    let scopes = clamp_to_role(scopes, user);
    if scopes.is_empty() {
        return Err(AppError::BadRequest("Invalid credentials".into()));
    }
    let user_id = user.map(|u| u.id.clone());
    let now = Utc::now();
    let (token, refresh_token) = (random_secret(), random_secret());
    let row = oauth_token::ActiveModel {
        token: Set(digest(&token)),
        refresh_token: Set(digest(&refresh_token)),
        app_id: Set(app.id),
        user_id: Set(user_id),
        scopes: Set(scopes.join(" ")),
        // Saturating: a huge configured lifetime must not overflow the timestamp.
        valid_until: Set(Duration::try_seconds(expires_in)
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC)),
        inserted_at: Set(now),
        ..Default::default()
    };
    Ok(Issued { row: row.insert(conn).await?, token, refresh_token })
}

/// A valid (unexpired) access token and its user.
pub async fn find_token<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<(oauth_token::Model, Option<user::Model>)>, AppError> {
    let found = find_token_by_digest(conn, &digest(token)).await?;
    Ok(found.filter(|(t, _)| t.valid_until > Utc::now()))
}

/// The access token stored under this digest and its user, expired or not.
pub async fn find_token_by_digest<C: ConnectionTrait>(
    conn: &C,
    digest: &str,
) -> Result<Option<(oauth_token::Model, Option<user::Model>)>, AppError> {
    Ok(oauth_token::Entity::find()
        .filter(oauth_token::Column::Token.eq(digest))
        .find_also_related(user::Entity)
        .one(conn)
        .await?)
}

/// The database's auth generation (migration 7): bumped in the same transaction as any update
/// or deletion of a user or a token. `None` if the counter row is missing.
pub async fn auth_generation<C: ConnectionTrait>(conn: &C) -> Result<Option<i64>, AppError> {
    let statement = sea_orm::Statement::from_string(
        conn.get_database_backend(),
        "SELECT generation FROM auth_generation WHERE id = 1",
    );
    let row = conn.query_one_raw(statement).await?;
    Ok(row.and_then(|r| r.try_get::<i64>("", "generation").ok()))
}

/// Redeem a refresh token of `app`: delete its token and return the deleted row, in one
/// statement (`DELETE … RETURNING`), so that of concurrent redemptions exactly one gets it.
/// As in Pleroma, a refresh token lives as long as its token row.
pub async fn redeem_refresh<C: ConnectionTrait>(
    conn: &C,
    app: &oauth_app::Model,
    refresh_token: &str,
) -> Result<Option<oauth_token::Model>, AppError> {
    let mut deleted = oauth_token::Entity::delete_many()
        .filter(oauth_token::Column::RefreshToken.eq(digest(refresh_token)))
        .filter(oauth_token::Column::AppId.eq(app.id))
        .exec_with_returning(conn)
        .await?;
    Ok(deleted.pop().filter(|_| deleted.is_empty()))
}

/// Delete a token by its access-token string; unknown tokens are ignored (RFC 7009).
pub async fn revoke<C: ConnectionTrait>(conn: &C, token: &str) -> Result<(), AppError> {
    oauth_token::Entity::delete_many().filter(oauth_token::Column::Token.eq(digest(token))).exec(conn).await?;
    Ok(())
}

/// Delete a token row.
pub async fn delete_token<C: ConnectionTrait>(conn: &C, id: i64) -> Result<(), AppError> {
    oauth_token::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// Delete every token of these users (password change, forced reset, deactivation, deletion).
pub async fn revoke_user_tokens<C: ConnectionTrait>(conn: &C, user_ids: &[String]) -> Result<(), AppError> {
    if user_ids.is_empty() {
        return Ok(());
    }
    oauth_token::Entity::delete_many().filter(oauth_token::Column::UserId.is_in(user_ids.to_vec())).exec(conn).await?;
    Ok(())
}

/// Delete tokens past their validity (`clean_expired_tokens`, Pleroma's `PurgeExpiredToken`).
pub async fn delete_expired_tokens<C: ConnectionTrait>(conn: &C) -> Result<u64, AppError> {
    let done =
        oauth_token::Entity::delete_many().filter(oauth_token::Column::ValidUntil.lte(Utc::now())).exec(conn).await?;
    Ok(done.rows_affected)
}

#[cfg(test)]
mod clamp_tests {
    use super::clamp;

    #[test]
    fn admin_scopes_only_for_staff() {
        let parse = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let requested = parse("read admin admin:read:accounts administer");
        assert_eq!(clamp(&requested, false), parse("read administer"));
        assert_eq!(clamp(&requested, true), requested);
    }
}

// ---------------------------------------------------------------------------------------------
// Authorization codes (`Pleroma.Web.OAuth.Authorization`)

/// How long an authorization code may wait to be redeemed. Pleroma gives codes a token's
/// lifetime; a code is a one-step credential in a URL, so it is kept short here (RFC 6749
/// §4.1.2 recommends at most ten minutes).
pub const CODE_LIFETIME_SECS: i64 = 600;

/// What an authorization records besides the app and the user.
#[derive(Debug, Clone, Default)]
pub struct NewAuthorization {
    pub scopes: Vec<String>,
    pub redirect_uri: Option<String>,
    /// PKCE: the challenge and its method (`S256` or `plain`).
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// Create an authorization (a code) for `user` and `app`. Returns the row and the code, shown
/// once: only its digest is stored.
pub async fn create_authorization<C: ConnectionTrait>(
    conn: &C,
    app: &oauth_app::Model,
    user: &user::Model,
    new: NewAuthorization,
) -> Result<(entity::oauth_authorization::Model, String), AppError> {
    let code = random_secret();
    let now = Utc::now();
    let row = entity::oauth_authorization::ActiveModel {
        token: Set(digest(&code)),
        app_id: Set(app.id),
        user_id: Set(user.id.clone()),
        scopes: Set(new.scopes.join(" ")),
        redirect_uri: Set(new.redirect_uri),
        code_challenge: Set(new.code_challenge),
        code_challenge_method: Set(new.code_challenge_method),
        used: Set(false),
        valid_until: Set(now + Duration::seconds(CODE_LIFETIME_SECS)),
        inserted_at: Set(now),
        ..Default::default()
    };
    Ok((row.insert(conn).await?, code))
}

/// Use an authorization of `app` (`Authorization.use_token`): marked used in one conditional
/// statement, so of concurrent redemptions exactly one gets it; used, expired or another
/// app's authorizations give `None`.
pub async fn use_authorization<C: ConnectionTrait>(
    conn: &C,
    app: &oauth_app::Model,
    id: i64,
) -> Result<Option<entity::oauth_authorization::Model>, AppError> {
    use entity::oauth_authorization as auth;
    let done = auth::Entity::update_many()
        .col_expr(auth::Column::Used, sea_orm::sea_query::Expr::value(true))
        .filter(auth::Column::Id.eq(id))
        .filter(auth::Column::AppId.eq(app.id))
        .filter(auth::Column::Used.eq(false))
        .filter(auth::Column::ValidUntil.gt(Utc::now()))
        .exec(conn)
        .await?;
    if done.rows_affected != 1 {
        return Ok(None);
    }
    Ok(auth::Entity::find_by_id(id).one(conn).await?)
}

/// The authorization behind a code of `app`, used or not.
pub async fn authorization_by_code<C: ConnectionTrait>(
    conn: &C,
    app: &oauth_app::Model,
    code: &str,
) -> Result<Option<entity::oauth_authorization::Model>, AppError> {
    use entity::oauth_authorization as auth;
    Ok(auth::Entity::find()
        .filter(auth::Column::Token.eq(digest(code)))
        .filter(auth::Column::AppId.eq(app.id))
        .one(conn)
        .await?)
}

/// An app by its public client id.
pub async fn app_by_client_id<C: ConnectionTrait>(
    conn: &C,
    client_id: &str,
) -> Result<Option<oauth_app::Model>, AppError> {
    Ok(oauth_app::Entity::find().filter(oauth_app::Column::ClientId.eq(client_id)).one(conn).await?)
}

/// RFC 7636 §4.6: whether `verifier` answers the stored challenge. No challenge: nothing to
/// check. `S256`: BASE64URL(SHA-256(verifier)) without padding; `plain`: the verifier itself.
pub fn pkce_matches(challenge: Option<&str>, method: Option<&str>, verifier: Option<&str>) -> bool {
    use sha2::Digest;
    let Some(challenge) = challenge else { return true };
    let Some(verifier) = verifier.filter(|v| !v.is_empty()) else { return false };
    let computed = match method.unwrap_or("plain") {
        m if m.eq_ignore_ascii_case("S256") => {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
        }
        "plain" => verifier.to_string(),
        _ => return false,
    };
    use subtle_eq::eq;
    eq(computed.as_bytes(), challenge.as_bytes())
}

mod subtle_eq {
    /// Constant-time comparison of two byte strings.
    pub fn eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// `App.get_user_apps`: the apps `user_id` owns, oldest first.
pub async fn user_apps<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<Vec<oauth_app::Model>, AppError> {
    use sea_orm::QueryOrder;
    Ok(oauth_app::Entity::find()
        .filter(oauth_app::Column::UserId.eq(user_id))
        .order_by_asc(oauth_app::Column::Id)
        .all(conn)
        .await?)
}

/// `App.maybe_update_owner`: a user token makes its app that user's.
pub async fn claim_app<C: ConnectionTrait>(conn: &C, app_id: i64, user_id: &str) -> Result<(), AppError> {
    oauth_app::Entity::update_many()
        .col_expr(oauth_app::Column::UserId, sea_orm::sea_query::Expr::value(user_id))
        .filter(oauth_app::Column::Id.eq(app_id))
        .exec(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod pkce_tests {
    use super::pkce_matches;

    #[test]
    fn rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gMLYH";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        // Appendix B's verifier is 43 characters: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".
        let verifier_b = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(Some(challenge), Some("S256"), Some(verifier_b)));
        assert!(!pkce_matches(Some(challenge), Some("S256"), Some(verifier)));
        assert!(pkce_matches(Some("abc"), Some("plain"), Some("abc")));
        assert!(pkce_matches(Some("abc"), None, Some("abc")));
        assert!(!pkce_matches(Some("abc"), Some("plain"), None));
        assert!(pkce_matches(None, None, None));
    }
}
