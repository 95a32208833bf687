//! Creating local accounts: Pleroma's nickname and email formats, reserved nicknames, the
//! registration changeset's checks and the insert.
use std::sync::LazyLock;

use chrono::Utc;
use entity::user;
use regex::Regex;
use sea_orm::{ActiveModelTrait, ConnectionTrait, NotSet, Set};
use serde_json::json;

use crate::{config::Settings, error::AppError, ids};

use super::*;

/// Pleroma's local nickname format (`extended_nickname_format`).
static NICKNAME: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[a-zA-Z\d_-]+$").ok());
/// Pleroma's email format.
static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$").ok()
});

/// Nicknames Pleroma reserves for its own paths.
pub const RESTRICTED_NICKNAMES: &[&str] = &[
    ".well-known",
    "~",
    "about",
    "activities",
    "api",
    "auth",
    "check_password",
    "dev",
    "friend-requests",
    "inbox",
    "internal",
    "main",
    "media",
    "nodeinfo",
    "notice",
    "oauth",
    "objects",
    "ostatus_subscribe",
    "pleroma",
    "proxy",
    "push",
    "registration",
    "relay",
    "settings",
    "status",
    "tag",
    "user-search",
    "user_exists",
    "users",
    "web",
    "verify_credentials",
    "update_credentials",
    "relationships",
    "search",
    "confirmation_resend",
    "mfa",
];

/// Whether `email` has Pleroma's email format.
pub fn valid_email(email: &str) -> bool {
    EMAIL.as_ref().is_some_and(|re| re.is_match(email))
}

/// A local account to create.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub nickname: String,
    pub email: String,
    pub password: String,
    pub name: Option<String>,
    pub bio: Option<String>,
    pub is_admin: bool,
    pub is_moderator: bool,
}

/// Check a new account the way Pleroma's registration changeset does; field → first message.
pub async fn validate_new<C: ConnectionTrait>(conn: &C, new: &NewUser) -> Result<(), AppError> {
    let mut errors = std::collections::BTreeMap::new();
    if new.nickname.is_empty() {
        errors.insert("nickname".to_string(), "can't be blank".to_string());
    } else if !NICKNAME.as_ref().is_some_and(|re| re.is_match(&new.nickname)) {
        errors.insert("nickname".into(), "has invalid format".into());
    } else if RESTRICTED_NICKNAMES.contains(&new.nickname.to_lowercase().as_str()) {
        errors.insert("nickname".into(), "is reserved".into());
    } else if find_by_nickname(conn, &new.nickname).await?.is_some() {
        errors.insert("nickname".into(), "has already been taken".into());
    }
    if new.email.is_empty() {
        errors.insert("email".into(), "can't be blank".into());
    } else if !valid_email(&new.email) {
        errors.insert("email".into(), "has invalid format".into());
    } else if find_by_email(conn, &new.email).await?.is_some() {
        errors.insert("email".into(), "has already been taken".into());
    }
    if new.password.is_empty() {
        errors.insert("password".into(), "can't be blank".into());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Insert a validated local account, confirmed and approved (admin and CLI creation).
/// `password_hash` is `new.password` already hashed (`auth::password::hash`): callers hash
/// before they open the write transaction, so argon2 never runs while it holds the writer.
pub async fn insert_local<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    new: &NewUser,
    password_hash: String,
) -> Result<user::Model, AppError> {
    let now = Utc::now();
    let name = new.name.clone().unwrap_or_else(|| new.nickname.clone());
    let row = user::ActiveModel {
        id: Set(ids::flake_id()),
        nickname: Set(new.nickname.clone()),
        email: Set(Some(new.email.clone())),
        search_text: Set(String::new()),
        name: Set(Some(name)),
        bio: Set(new.bio.clone().unwrap_or_else(|| ".".into())),
        password_hash: Set(Some(password_hash)),
        ap_id: Set(format!("{}/users/{}", settings.instance_url, new.nickname)),
        local: Set(true),
        domain: Set(None),
        actor_type: Set("Person".into()),
        is_admin: Set(new.is_admin),
        is_moderator: Set(new.is_moderator),
        is_active: Set(true),
        is_confirmed: Set(true),
        is_approved: Set(true),
        is_suggested: Set(false),
        is_locked: Set(false),
        is_discoverable: Set(false),
        no_rich_text: Set(false),
        default_scope: Set("public".into()),
        hide_follows: Set(false),
        hide_followers: Set(false),
        hide_followers_count: Set(false),
        hide_follows_count: Set(false),
        hide_favorites: Set(true),
        allow_following_move: Set(true),
        show_role: Set(true),
        skip_thread_containment: Set(false),
        fields: Set(json!([])),
        raw_fields: Set(json!([])),
        avatar: Set(None),
        banner: Set(None),
        background: Set(None),
        registration_reason: Set(None),
        password_reset_pending: Set(false),
        mfa_enabled: Set(false),
        settings_store: Set(json!({})),
        also_known_as: Set(json!([])),
        raw_bio: Set(None),
        birthday: Set(None),
        show_birthday: Set(false),
        accepts_chat_messages: Set(true),
        avatar_description: Set(String::new()),
        header_description: Set(String::new()),
        inserted_at: Set(now),
        updated_at: Set(now),
        statuses_count: NotSet,
        followers_count: NotSet,
        following_count: NotSet,
        last_status_at: NotSet,
    };
    Ok(row.insert(conn).await?)
}
