//! OAuth apps and tokens, as Pleroma issues them.
use base64::Engine;
use chrono::{Duration, Utc};
use entity::{oauth_app, oauth_token, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::secret::digest;
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
