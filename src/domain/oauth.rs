//! OAuth apps and tokens, as Pleroma issues them.
use base64::Engine;
use chrono::{Duration, Utc};
use entity::{oauth_app, oauth_token, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

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

/// Register an app with fresh client credentials.
pub async fn create_app<C: ConnectionTrait>(conn: &C, new: NewApp) -> Result<oauth_app::Model, AppError> {
    let row = oauth_app::ActiveModel {
        client_name: Set(new.client_name),
        redirect_uris: Set(new.redirect_uris),
        scopes: Set(new.scopes.join(" ")),
        website: Set(new.website.filter(|w| !w.is_empty())),
        client_id: Set(random_secret()),
        client_secret: Set(random_secret()),
        trusted: Set(false),
        user_id: Set(new.user_id),
        inserted_at: Set(Utc::now()),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

/// The app with these client credentials.
pub async fn find_app<C: ConnectionTrait>(
    conn: &C,
    client_id: &str,
    client_secret: &str,
) -> Result<Option<oauth_app::Model>, AppError> {
    Ok(oauth_app::Entity::find()
        .filter(oauth_app::Column::ClientId.eq(client_id))
        .filter(oauth_app::Column::ClientSecret.eq(client_secret))
        .one(conn)
        .await?)
}

/// The app a token belongs to.
pub async fn app_by_id<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<oauth_app::Model>, AppError> {
    Ok(oauth_app::Entity::find_by_id(id).one(conn).await?)
}

/// Issue a token for `app` (and `user`, unless app-only) valid for `expires_in` seconds.
pub async fn issue_token<C: ConnectionTrait>(
    conn: &C,
    app: &oauth_app::Model,
    user_id: Option<String>,
    scopes: &[String],
    expires_in: i64,
) -> Result<oauth_token::Model, AppError> {
    let now = Utc::now();
    let row = oauth_token::ActiveModel {
        token: Set(random_secret()),
        refresh_token: Set(random_secret()),
        app_id: Set(app.id),
        user_id: Set(user_id),
        scopes: Set(scopes.join(" ")),
        valid_until: Set(now + Duration::seconds(expires_in)),
        inserted_at: Set(now),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

/// A valid (unexpired) access token and its user.
pub async fn find_token<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<(oauth_token::Model, Option<user::Model>)>, AppError> {
    let found = oauth_token::Entity::find()
        .filter(oauth_token::Column::Token.eq(token))
        .find_also_related(user::Entity)
        .one(conn)
        .await?;
    Ok(found.filter(|(t, _)| t.valid_until > Utc::now()))
}

/// The token holding this refresh token, when it belongs to `app`.
pub async fn find_refresh<C: ConnectionTrait>(
    conn: &C,
    app: &oauth_app::Model,
    refresh_token: &str,
) -> Result<Option<oauth_token::Model>, AppError> {
    Ok(oauth_token::Entity::find()
        .filter(oauth_token::Column::RefreshToken.eq(refresh_token))
        .filter(oauth_token::Column::AppId.eq(app.id))
        .one(conn)
        .await?)
}

/// Delete a token by its access-token string; unknown tokens are ignored (RFC 7009).
pub async fn revoke<C: ConnectionTrait>(conn: &C, token: &str) -> Result<(), AppError> {
    oauth_token::Entity::delete_many().filter(oauth_token::Column::Token.eq(token)).exec(conn).await?;
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
