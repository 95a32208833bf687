//! The caller's profile (`update_credentials`, `User.update_changeset`): fields, images and
//! their validation.

use chrono::{NaiveDate, Utc};
use entity::user;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde_json::{json, Value};

use super::ACTOR_TYPES;
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// An image of the profile to change.
pub enum ImageChange {
    /// Removed (Pleroma's `""`).
    Clear,
    /// A new upload.
    Upload(crate::domain::media::NewMedia),
    /// Something else given as text: refused, as Pleroma's upload of a string fails.
    Text,
}

/// A change of the caller's profile (`PATCH /api/v1/accounts/update_credentials`); `None`
/// leaves a setting as it is.
#[derive(Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub avatar: Option<ImageChange>,
    pub header: Option<ImageChange>,
    pub background: Option<ImageChange>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub actor_type: Option<String>,
    pub discoverable: Option<bool>,
    /// `[(name, value)]` as typed; entries with an empty name are dropped.
    pub fields: Option<Vec<(String, String)>>,
    pub default_scope: Option<String>,
    pub no_rich_text: Option<bool>,
    pub hide_followers: Option<bool>,
    pub hide_follows: Option<bool>,
    pub hide_followers_count: Option<bool>,
    pub hide_follows_count: Option<bool>,
    pub hide_favorites: Option<bool>,
    pub show_role: Option<bool>,
    pub skip_thread_containment: Option<bool>,
    pub allow_following_move: Option<bool>,
    pub accepts_chat_messages: Option<bool>,
    pub show_birthday: Option<bool>,
    /// `YYYY-MM-DD`; `""` removes it.
    pub birthday: Option<String>,
    pub also_known_as: Option<Vec<String>>,
    pub avatar_description: Option<String>,
    pub header_description: Option<String>,
    /// Merged into the frontend settings store (`pleroma_settings_store`).
    pub settings_store: Option<Value>,
}

fn too_large(message: &str) -> AppError {
    AppError::TooLarge(message.into())
}

/// The URL an upload is served at (`Pleroma.Upload, :base_url`, else `/media/`).
fn upload_url(settings: &Settings, file_name: &str) -> String {
    match settings.upload.base_url.as_deref() {
        Some(base) => format!("{}/{file_name}", base.trim_end_matches('/')),
        None => format!("{}/media/{file_name}", settings.instance_url),
    }
}

/// Check `update` as `User.update_changeset` does, answering the first error Pleroma's
/// controller would (its changeset lists the last validation first): fields' lengths ("One or
/// more field entries are too long"), their number ("Too many field entries"), the image
/// descriptions, the actor type ("Invalid request", 403), the display name ("Name is too
/// long"), the bio ("Bio is too long") — 413 but for the actor type.
fn validate(settings: &Settings, update: &ProfileUpdate) -> AppResult<()> {
    let limits = &settings.limits;
    let chars = |s: &str| s.chars().count();
    if let Some(fields) = &update.fields {
        let fields: Vec<_> = fields.iter().filter(|(n, _)| !n.is_empty()).collect();
        if fields
            .iter()
            .any(|(n, v)| chars(n) > limits.account_field_name_length || chars(v) > limits.account_field_value_length)
        {
            return Err(too_large("One or more field entries are too long"));
        }
        if fields.len() > limits.max_account_fields {
            return Err(too_large("Too many field entries"));
        }
    }
    if update.header_description.as_deref().is_some_and(|d| chars(d) > limits.description_limit) {
        return Err(too_large("Banner description is too long"));
    }
    if update.avatar_description.as_deref().is_some_and(|d| chars(d) > limits.description_limit) {
        return Err(too_large("Avatar description is too long"));
    }
    if update.actor_type.as_deref().is_some_and(|t| !ACTOR_TYPES.contains(&t)) {
        return Err(AppError::Forbidden("Invalid request".into()));
    }
    if update.display_name.as_deref().is_some_and(|n| chars(n) > limits.user_name_length) {
        return Err(too_large("Name is too long"));
    }
    if update.note.as_deref().is_some_and(|n| chars(n) > limits.user_bio_length) {
        return Err(too_large("Bio is too long"));
    }
    if let Some(scope) = update.default_scope.as_deref() {
        if !["public", "unlisted", "private", "direct"].contains(&scope) {
            return Err(AppError::BadRequest(format!("Invalid value for enum: {scope}")));
        }
    }
    if let Some(birthday) = update.birthday.as_deref().filter(|b| !b.is_empty()) {
        if NaiveDate::parse_from_str(birthday, "%Y-%m-%d").is_err() {
            return Err(AppError::BadRequest(format!("Invalid date. Got: {birthday}")));
        }
    }
    Ok(())
}

/// Store a new profile image within its size limit ("File is too large", 413); its URL.
async fn store_image(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    change: ImageChange,
    limit: u64,
    description: Option<String>,
) -> AppResult<Option<String>> {
    match change {
        ImageChange::Clear => Ok(None),
        ImageChange::Text => Err(AppError::Forbidden("Invalid request".into())),
        ImageChange::Upload(file) => {
            let size = file.file.metadata().map_err(AppError::internal)?.len();
            if size > limit {
                return Err(too_large("File is too large"));
            }
            let new = crate::domain::media::NewMedia { description, ..file };
            let media = crate::domain::media::store(db, settings, user, new).await.map_err(|e| match e {
                AppError::Invalid(fields) if fields.contains_key("file") => too_large("File is too large"),
                other => other,
            })?;
            Ok(Some(upload_url(settings, &media.file_name)))
        }
    }
}

/// Apply `update` to `user`'s profile as `update_credentials` does; the saved row.
pub async fn update_profile(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    update: ProfileUpdate,
) -> AppResult<user::Model> {
    validate(settings, &update)?;
    let limits = &settings.limits;
    let mut update = update;
    let mut row = user.clone().into_active_model();
    // Images first: a refused file changes nothing else.
    if let Some(change) = update.avatar.take() {
        let url =
            store_image(db, settings, user, change, limits.avatar_upload_limit, update.avatar_description.clone())
                .await?;
        row.avatar = Set(url);
    }
    if let Some(change) = update.header.take() {
        let url =
            store_image(db, settings, user, change, limits.banner_upload_limit, update.header_description.clone())
                .await?;
        row.banner = Set(url);
    }
    if let Some(change) = update.background.take() {
        row.background = Set(store_image(db, settings, user, change, limits.background_upload_limit, None).await?);
    }
    if let Some(name) = update.display_name {
        // Ecto casts "" to nil: the display name falls back to the nickname.
        row.name = Set(Some(name).filter(|n| !n.is_empty()));
    }
    if let Some(note) = update.note {
        row.bio = Set(crate::domain::statuses::render_content(&note, "text/plain", &[], &settings.instance_url));
        row.raw_bio = Set(Some(note));
    }
    if let Some(fields) = update.fields {
        let fields: Vec<(String, String)> = fields.into_iter().filter(|(n, _)| !n.is_empty()).collect();
        let raw: Vec<Value> = fields.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
        let rendered: Vec<Value> = fields
            .iter()
            .map(|(n, v)| json!({"name": n, "value": crate::domain::statuses::render_content(v, "text/plain", &[], &settings.instance_url)}))
            .collect();
        row.raw_fields = Set(Value::Array(raw));
        row.fields = Set(Value::Array(rendered));
    }
    if let Some(bot) = update.bot {
        row.actor_type = Set(if bot { "Service" } else { "Person" }.into());
    }
    if let Some(actor_type) = update.actor_type {
        row.actor_type = Set(actor_type);
    }
    let flags: [(Option<bool>, &mut sea_orm::ActiveValue<bool>); 13] = [
        (update.locked, &mut row.is_locked),
        (update.discoverable, &mut row.is_discoverable),
        (update.no_rich_text, &mut row.no_rich_text),
        (update.hide_followers, &mut row.hide_followers),
        (update.hide_follows, &mut row.hide_follows),
        (update.hide_followers_count, &mut row.hide_followers_count),
        (update.hide_follows_count, &mut row.hide_follows_count),
        (update.hide_favorites, &mut row.hide_favorites),
        (update.show_role, &mut row.show_role),
        (update.skip_thread_containment, &mut row.skip_thread_containment),
        (update.allow_following_move, &mut row.allow_following_move),
        (update.accepts_chat_messages, &mut row.accepts_chat_messages),
        (update.show_birthday, &mut row.show_birthday),
    ];
    for (value, column) in flags {
        if let Some(value) = value {
            *column = Set(value);
        }
    }
    if let Some(scope) = update.default_scope {
        row.default_scope = Set(scope);
    }
    if let Some(birthday) = update.birthday {
        row.birthday = Set(Some(birthday).filter(|b| !b.is_empty()));
    }
    if let Some(aliases) = update.also_known_as {
        row.also_known_as = Set(json!(aliases));
    }
    if let Some(description) = update.avatar_description {
        row.avatar_description = Set(description);
    }
    if let Some(description) = update.header_description {
        row.header_description = Set(description);
    }
    if let Some(Value::Object(changes)) = update.settings_store {
        let mut store = match &user.settings_store {
            Value::Object(map) => map.clone(),
            _ => serde_json::Map::new(),
        };
        store.extend(changes);
        row.settings_store = Set(Value::Object(store));
    }
    row.updated_at = Set(Utc::now());
    let txn = db.begin().await?;
    let saved = row.update(&txn).await?;
    crate::domain::federation::publisher::profile_updated(&txn, &saved).await?;
    txn.commit().await?;
    Ok(saved)
}
