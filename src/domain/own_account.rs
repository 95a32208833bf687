//! What a user does to their own account (Pleroma's `TwitterAPI.UtilController` and
//! `PleromaAPI.AccountController`): change the password or email, deactivate or delete the
//! account, aliases, moving followers to another account, and asking for the confirmation mail
//! again. Every change that needs the current password checks it first, as Pleroma's
//! `confirm_current_password` does.
use chrono::Utc;
use entity::{follow, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::Value;

use super::{credentials, mail::Mailer, oauth, password, users};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Pleroma's refusal when the current password is wrong.
pub const INVALID_PASSWORD: &str = "Invalid password.";

/// The caller, again from the database, when `password` is theirs (a local account only).
pub async fn confirm_password(db: &Db, user: &user::Model, password: &str) -> AppResult<user::Model> {
    let current = user::Entity::find_by_id(user.id.as_str()).one(&db.write).await?.filter(|u| u.local);
    let stored = current.as_ref().and_then(|u| u.password_hash.clone());
    if password::verify_or_dummy(password.to_string(), stored).await {
        current.ok_or_else(|| AppError::BadRequest(INVALID_PASSWORD.into()))
    } else {
        Err(AppError::BadRequest(INVALID_PASSWORD.into()))
    }
}

/// `POST /api/pleroma/change_password`: the confirmation must match, then the current password;
/// the new one is stored and every token of the user is revoked (Pleroma's `reset_password`).
pub async fn change_password(
    db: &Db,
    user: &user::Model,
    current: &str,
    new: &str,
    confirmation: &str,
) -> AppResult<user::Model> {
    if new != confirmation {
        return Err(AppError::BadRequest("New password does not match confirmation.".into()));
    }
    let user = confirm_password(db, user, current).await?;
    if new.is_empty() {
        return Err(AppError::BadRequest("New password can't be blank.".into()));
    }
    let hash = password::hash(new.to_string()).await?;
    let txn = db.begin().await?;
    let mut row = user.into_active_model();
    row.password_hash = Set(Some(hash));
    row.password_reset_pending = Set(false);
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await?;
    oauth::revoke_user_tokens(&txn, std::slice::from_ref(&updated.id)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// `POST /api/pleroma/change_email` (`User.change_email`): required only when the instance
/// requires activation; format, then uniqueness. Refusals read "Email <reason>.".
pub async fn change_email(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    current: &str,
    email: &str,
) -> AppResult<user::Model> {
    let user = confirm_password(db, user, current).await?;
    let refuse = |reason: &str| AppError::BadRequest(format!("Email {reason}."));
    let email = email.trim();
    if email.is_empty() {
        if settings.instance.account_activation_required {
            return Err(refuse("can't be blank"));
        }
    } else if !users::valid_email(email) {
        return Err(refuse("has invalid format"));
    }
    let txn = db.begin().await?;
    if !email.is_empty() {
        let taken = user::Entity::find()
            .filter(users::same_text(user::Column::Email, email))
            .filter(user::Column::Id.ne(user.id.as_str()))
            .one(&txn)
            .await?
            .is_some();
        if taken {
            return Err(refuse("has already been taken"));
        }
    }
    let email = (!email.is_empty()).then(|| email.to_string());
    let search_text = users::search_text(&user.nickname, user.name.as_deref(), email.as_deref());
    let mut row = user.into_active_model();
    row.email = Set(email);
    row.search_text = Set(search_text);
    row.updated_at = Set(Utc::now());
    let updated = match row.update(&txn).await {
        Ok(updated) => updated,
        Err(err) if matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            return Err(refuse("has already been taken"))
        }
        Err(err) => return Err(err.into()),
    };
    txn.commit().await?;
    Ok(updated)
}

/// `POST /api/pleroma/disable_account`: the account is deactivated and its tokens revoked.
pub async fn disable(db: &Db, user: &user::Model, current: &str) -> AppResult<user::Model> {
    let user = confirm_password(db, user, current).await?;
    let txn = db.begin().await?;
    let mut row = user.into_active_model();
    row.is_active = Set(false);
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await?;
    oauth::revoke_user_tokens(&txn, std::slice::from_ref(&updated.id)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// `POST /api/pleroma/delete_account`: the account becomes a tombstone at once and a durable job
/// deletes its content ([`super::purge`], as an admin's deletion, but not logged).
pub async fn delete(db: &Db, user: &user::Model, current: &str) -> AppResult<user::Model> {
    let user = confirm_password(db, user, current).await?;
    let txn = db.begin().await?;
    super::purge::delete_users(&txn, std::slice::from_ref(&user.id)).await?;
    txn.commit().await?;
    Ok(user)
}

/// The ActivityPub ids in `also_known_as`.
fn aliases_of(user: &user::Model) -> Vec<String> {
    match &user.also_known_as {
        Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => vec![],
    }
}

/// `nick@host` for every known account in the caller's `also_known_as` (`User.alias_users`).
pub async fn aliases<C: ConnectionTrait>(conn: &C, settings: &Settings, user: &user::Model) -> AppResult<Vec<String>> {
    let ap_ids = aliases_of(user);
    if ap_ids.is_empty() {
        return Ok(vec![]);
    }
    let known = user::Entity::find().filter(user::Column::ApId.is_in(ap_ids.clone())).all(conn).await?;
    Ok(ap_ids
        .iter()
        .filter_map(|ap_id| known.iter().find(|u| &u.ap_id == ap_id))
        .map(|u| full_nickname(settings, u))
        .collect())
}

/// `nick@host` of a local account, a remote one's nickname as it is (`User.full_nickname`).
pub fn full_nickname(settings: &Settings, user: &user::Model) -> String {
    if user.nickname.contains('@') {
        user.nickname.clone()
    } else {
        format!("{}@{}", user.nickname, settings.host())
    }
}

/// A known account by nickname, a leading `@` ignored; `BadRequest("not_found")` otherwise — the
/// body Pleroma's alias routes answer (its 404 branch is unreachable).
async fn alias_target<C: ConnectionTrait>(conn: &C, nickname: &str) -> AppResult<user::Model> {
    let nickname = nickname.trim().trim_start_matches('@');
    users::find_by_nickname(conn, nickname).await?.ok_or_else(|| AppError::BadRequest("not_found".into()))
}

/// Write `also_known_as`.
async fn set_aliases<C: ConnectionTrait>(conn: &C, user: user::Model, aliases: Vec<String>) -> AppResult<user::Model> {
    let mut row = user.into_active_model();
    row.also_known_as = Set(Value::Array(aliases.into_iter().map(Value::String).collect()));
    row.updated_at = Set(Utc::now());
    Ok(row.update(conn).await?)
}

/// `PUT /api/pleroma/aliases` (`User.add_alias`): an alias already there is kept once.
pub async fn add_alias(db: &Db, user: &user::Model, alias: &str) -> AppResult<user::Model> {
    let txn = db.begin().await?;
    let target = alias_target(&txn, alias).await?;
    let user = user::Entity::find_by_id(user.id.as_str()).one(&txn).await?.ok_or_else(AppError::not_found)?;
    let mut aliases = aliases_of(&user);
    if aliases.contains(&target.ap_id) {
        return Ok(user);
    }
    aliases.push(target.ap_id);
    let updated = set_aliases(&txn, user, aliases).await?;
    txn.commit().await?;
    Ok(updated)
}

/// `DELETE /api/pleroma/aliases` (`User.delete_alias`): `NotFound("Account has no such alias.")`
/// when the account is not one.
pub async fn remove_alias(db: &Db, user: &user::Model, alias: &str) -> AppResult<user::Model> {
    let txn = db.begin().await?;
    let target = alias_target(&txn, alias).await?;
    let user = user::Entity::find_by_id(user.id.as_str()).one(&txn).await?.ok_or_else(AppError::not_found)?;
    let mut aliases = aliases_of(&user);
    let before = aliases.len();
    aliases.retain(|a| a != &target.ap_id);
    if aliases.len() == before {
        return Err(AppError::NotFound("Account has no such alias.".into()));
    }
    let updated = set_aliases(&txn, user, aliases).await?;
    txn.commit().await?;
    Ok(updated)
}

/// `POST /api/pleroma/move_account` (`ActivityPub.move` and its `move_following` job): the
/// target (a known account) must list the caller in its `alsoKnownAs`; then every local follower
/// who allows it (`allow_following_move`) follows the target instead. Returns how many moved.
pub async fn move_followers(db: &Db, user: &user::Model, current: &str, target: &str) -> AppResult<u64> {
    let user = confirm_password(db, user, current).await?;
    let nickname = target.trim().trim_start_matches('@');
    let target = users::find_by_nickname(&db.write, nickname)
        .await?
        .ok_or_else(|| AppError::NotFound("Target account not found.".into()))?;
    if !aliases_of(&target).contains(&user.ap_id) {
        return Err(AppError::BadRequest("Target account must have the origin in `alsoKnownAs`".into()));
    }
    let txn = db.begin().await?;
    // Every local follower hears of the move (Pleroma's `Move` notification), whether it follows
    // along or not.
    let audience = super::notifications::local_followers(&txn, &user.id).await?;
    let event = super::notifications::Event {
        kind: super::notifications::MOVE,
        actor_id: user.id.clone(),
        target_id: Some(target.id.clone()),
        ..Default::default()
    };
    super::notifications::notify(&txn, &audience, &event).await?;
    let followers: Vec<user::Model> = user::Entity::find()
        .filter(user::Column::Local.eq(true))
        .filter(user::Column::AllowFollowingMove.eq(true))
        .filter(user::Column::Id.ne(target.id.as_str()))
        .filter(
            user::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(follow::Column::FollowerId)
                    .from(follow::Entity)
                    .and_where(follow::Column::FollowingId.eq(user.id.as_str()))
                    .to_owned(),
            ),
        )
        .all(&txn)
        .await?;
    let mut moved = 0;
    for follower in &followers {
        follow::Entity::delete_many()
            .filter(follow::Column::FollowerId.eq(follower.id.as_str()))
            .filter(follow::Column::FollowingId.eq(user.id.as_str()))
            .exec(&txn)
            .await?;
        let exists = follow::Entity::find()
            .filter(follow::Column::FollowerId.eq(follower.id.as_str()))
            .filter(follow::Column::FollowingId.eq(target.id.as_str()))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            follow::ActiveModel {
                follower_id: Set(follower.id.clone()),
                following_id: Set(target.id.clone()),
                inserted_at: Set(Utc::now()),
                show_reblogs: Set(true),
                notify: Set(false),
            }
            .insert(&txn)
            .await?;
        }
        moved += 1;
    }
    txn.commit().await?;
    Ok(moved)
}

/// `POST /api/v1/pleroma/accounts/confirmation_resend`: mail the confirmation link again to the
/// account named by email or nickname when it awaits confirmation. Whether it exists is not
/// told (the answer is the same), so addresses cannot be probed.
pub async fn resend_confirmation(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    email: Option<&str>,
    nickname: Option<&str>,
) -> AppResult<()> {
    let found = match (email.filter(|e| !e.is_empty()), nickname.filter(|n| !n.is_empty())) {
        (Some(email), _) => users::find_by_email(&db.read, email).await?,
        (None, Some(nickname)) => users::find_by_nickname(&db.read, nickname).await?,
        (None, None) => return Err(AppError::BadRequest("Missing field: email.".into())),
    };
    if let Some(user) = found.filter(credentials::awaits_confirmation) {
        credentials::resend_own_confirmation(db, settings, mailer, &user).await?;
    }
    Ok(())
}

/// One of the caller's OAuth sessions: a token and the app it was issued to.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: entity::oauth_token::Model,
    pub app_name: String,
}

/// The caller's sessions, newest first (`GET /api/oauth_tokens`: tokens issued to an app).
pub async fn sessions<C: ConnectionTrait>(conn: &C, user: &user::Model) -> AppResult<Vec<Session>> {
    use entity::{oauth_app, oauth_token};
    use sea_orm::QueryOrder;
    let tokens = oauth_token::Entity::find()
        .filter(oauth_token::Column::UserId.eq(user.id.as_str()))
        .order_by_desc(oauth_token::Column::Id)
        .all(conn)
        .await?;
    let app_ids: Vec<i64> = tokens.iter().map(|t| t.app_id).collect();
    let apps = oauth_app::Entity::find().filter(oauth_app::Column::Id.is_in(app_ids)).all(conn).await?;
    Ok(tokens
        .into_iter()
        .filter_map(|token| {
            let app = apps.iter().find(|a| a.id == token.app_id)?;
            Some(Session { app_name: app.client_name.clone(), token })
        })
        .collect())
}

/// Revoke one of the caller's sessions (`DELETE /api/oauth_tokens/:id`); another user's token or
/// an unknown id changes nothing, as in Pleroma.
pub async fn revoke_session(db: &Db, user: &user::Model, id: i64) -> AppResult<()> {
    use entity::oauth_token;
    oauth_token::Entity::delete_many()
        .filter(oauth_token::Column::Id.eq(id))
        .filter(oauth_token::Column::UserId.eq(user.id.as_str()))
        .exec(&db.write)
        .await?;
    Ok(())
}

/// Largest stored settings object of one frontend, serialised (Pleroma has no limit; a user's
/// row should not grow without bound).
pub const MAX_FRONTEND_SETTINGS: usize = 256 * 1024;

/// A frontend's synced settings (`pleroma_settings_store[app]`, `{}` when unset or not an object).
pub fn frontend_settings(user: &user::Model, app: &str) -> Value {
    match user.settings_store.get(app) {
        Some(value @ Value::Object(_)) => value.clone(),
        _ => Value::Object(Default::default()),
    }
}

/// Pleroma's `merge_recursively`: objects merge key by key, `null` deletes a key, anything else
/// replaces it.
fn merge(old: Value, new: &serde_json::Map<String, Value>) -> Value {
    let mut merged = match old {
        Value::Object(map) => map,
        _ => Default::default(),
    };
    for (key, value) in new {
        match value {
            Value::Null => {
                merged.remove(key);
            }
            Value::Object(child) => {
                let old = merged.remove(key).unwrap_or(Value::Null);
                merged.insert(key.clone(), merge(old, child));
            }
            other => {
                merged.insert(key.clone(), other.clone());
            }
        }
    }
    Value::Object(merged)
}

/// `PATCH /api/v1/pleroma/settings/:app`: merge `changes` into the frontend's settings; returns
/// them merged.
pub async fn update_frontend_settings(
    db: &Db,
    user: &user::Model,
    app: &str,
    changes: &serde_json::Map<String, Value>,
) -> AppResult<Value> {
    if app.is_empty() || app.len() > 255 {
        return Err(AppError::BadRequest("Invalid app name".into()));
    }
    let txn = db.begin().await?;
    let user = user::Entity::find_by_id(user.id.as_str()).one(&txn).await?.ok_or_else(AppError::not_found)?;
    let settings = merge(frontend_settings(&user, app), changes);
    if settings.to_string().len() > MAX_FRONTEND_SETTINGS {
        return Err(AppError::BadRequest(format!("Settings may take at most {MAX_FRONTEND_SETTINGS} bytes")));
    }
    let mut store = match user.settings_store.clone() {
        Value::Object(map) => map,
        _ => Default::default(),
    };
    store.insert(app.to_string(), settings.clone());
    let mut row = user.into_active_model();
    row.settings_store = Set(Value::Object(store));
    row.updated_at = Set(Utc::now());
    row.update(&txn).await?;
    txn.commit().await?;
    Ok(settings)
}

/// Pleroma's default mascot (`[:assets, :mascots, :pleroma_fox_tan]`), served from `/images/`.
pub const DEFAULT_MASCOT_URL: &str = "/images/pleroma-fox-tan-smol.png";

/// The caller's mascot upload, if they set one.
pub async fn mascot<C: ConnectionTrait>(
    conn: &C,
    user: &user::Model,
) -> AppResult<Option<entity::media_attachment::Model>> {
    use entity::{mascot, media_attachment};
    let Some(row) = mascot::Entity::find_by_id(user.id.as_str()).one(conn).await? else { return Ok(None) };
    Ok(media_attachment::Entity::find_by_id(row.media_id).one(conn).await?)
}

/// `PUT /api/v1/pleroma/mascot`: an image upload becomes the caller's mascot. Anything but an
/// image is refused with `UnsupportedType("mascots can only be images")` before it is stored.
pub async fn set_mascot(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    file: super::media::NewMedia,
) -> AppResult<entity::media_attachment::Model> {
    use entity::mascot;
    use sea_orm::sea_query::OnConflict;
    // By content, as Pleroma's Majic plug: a declared type proves nothing.
    let mut head = [0u8; 16];
    let read = {
        use std::io::{Read, Seek};
        let mut source = file.file.try_clone().map_err(AppError::internal)?;
        source.rewind().map_err(AppError::internal)?;
        source.read(&mut head).map_err(AppError::internal)?
    };
    let Some(sniffed) = super::media::image_type(&head[..read]) else {
        return Err(AppError::UnsupportedType("mascots can only be images".into()));
    };
    let file = super::media::NewMedia { content_type: Some(sniffed.to_string()), ..file };
    let media = super::media::store(db, settings, user, file).await?;
    let row = mascot::ActiveModel {
        user_id: Set(user.id.clone()),
        media_id: Set(media.id.clone()),
        updated_at: Set(Utc::now()),
    };
    mascot::Entity::insert(row)
        .on_conflict(
            OnConflict::column(mascot::Column::UserId)
                .update_columns([mascot::Column::MediaId, mascot::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(&db.write)
        .await?;
    Ok(media)
}
