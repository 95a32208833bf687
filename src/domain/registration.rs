//! Registration: `POST /api/v1/accounts` and `pleroma-gateway user new`, with Pleroma's
//! `register_changeset` rules for the instance's modes. With `account_activation_required` the
//! account starts unconfirmed and a confirmation mail goes out (the link of
//! [`super::credentials::confirmation_link`]); with `account_approval_required` it starts
//! unapproved, its `reason` kept for the admins. The password grant then refuses it with
//! Pleroma's 403 bodies until it is confirmed and approved.
use std::collections::BTreeMap;

use entity::user;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};

use super::{
    credentials,
    mail::Mailer,
    users::{self, NewUser},
};
use crate::{config::Settings, db::Db, error::AppError};

/// What a registration asks for.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub nickname: String,
    /// Optional unless the instance requires activation.
    pub email: Option<String>,
    pub password: String,
    /// Display name (default: the nickname).
    pub name: Option<String>,
    pub bio: Option<String>,
    /// Why the user wants to join (kept for the admins when approval is required).
    pub reason: Option<String>,
    pub is_admin: bool,
    pub is_moderator: bool,
    /// Registrations are closed: an invite `invite_token` must let the account in (Pleroma's
    /// `create_user_with_invite`); its use is counted in the registration's transaction.
    pub invite_required: bool,
    pub invite_token: Option<String>,
    /// Made by an admin or the operator rather than by the user: a `create` entry is logged in
    /// the registration's transaction, as for accounts made through the admin API.
    pub created_by: Option<super::moderation_log::Actor>,
}

/// Where the account starts.
#[derive(Debug, Clone, Copy)]
pub struct StartState {
    pub confirmed: bool,
    pub approved: bool,
}

impl StartState {
    /// The instance's modes (`account_activation_required`, `account_approval_required`).
    pub fn of(settings: &Settings) -> StartState {
        StartState {
            confirmed: !settings.instance.account_activation_required,
            approved: !settings.instance.account_approval_required,
        }
    }
}

/// Pleroma's registration errors, field → messages (`{"email": ["has already been taken"]}`).
pub fn error_map(err: &AppError) -> Option<BTreeMap<String, Vec<String>>> {
    match err {
        AppError::Invalid(fields) => Some(fields.iter().map(|(k, v)| (k.clone(), vec![v.clone()])).collect()),
        _ => None,
    }
}

/// Create the account in `start` state; an unconfirmed one with an email gets the confirmation
/// mail. `password_hash` is the password already hashed (never inside the write transaction).
pub async fn register(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    registration: &Registration,
    password_hash: String,
    start: StartState,
) -> Result<user::Model, AppError> {
    let email = registration.email.clone().filter(|e| !e.is_empty());
    let new = NewUser {
        nickname: registration.nickname.clone(),
        email: email.clone().unwrap_or_default(),
        password: registration.password.clone(),
        name: registration.name.clone(),
        bio: registration.bio.clone(),
        is_admin: registration.is_admin,
        is_moderator: registration.is_moderator,
    };
    let txn = db.begin().await?;
    if registration.invite_required {
        super::invites::take(&txn, registration.invite_token.as_deref()).await?;
    }
    let mut fields = match users::validate_new(&txn, &new).await {
        Ok(()) => BTreeMap::new(),
        Err(AppError::Invalid(fields)) => fields,
        Err(other) => return Err(other),
    };
    // The email is required only when the instance requires activation.
    if email.is_none() && !settings.instance.account_activation_required {
        fields.remove("email");
    }
    // `register_changeset`'s lengths (`:instance` `user_bio_length`, `user_name_length`).
    let limits = &settings.limits;
    if registration.bio.as_deref().is_some_and(|b| b.chars().count() > limits.user_bio_length) {
        fields.entry("bio".into()).or_insert_with(|| credentials::TOO_LONG.into());
    }
    if registration.name.as_deref().is_some_and(|n| n.chars().count() > limits.user_name_length) {
        fields.entry("name".into()).or_insert_with(|| credentials::TOO_LONG.into());
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid(fields));
    }
    let created = users::insert_local(&txn, settings, &new, password_hash).await?;
    let mut row = created.into_active_model();
    row.email = Set(email);
    row.is_confirmed = Set(start.confirmed);
    row.is_approved = Set(start.approved);
    row.registration_reason = Set(registration.reason.clone().filter(|r| !r.is_empty()));
    let user = row.update(&txn).await?;
    let token = if credentials::awaits_confirmation(&user) {
        Some(credentials::confirmation_token(&txn, &user.id).await?)
    } else {
        None
    };
    if let Some(actor) = &registration.created_by {
        let action = super::moderation_log::Action::Create { subjects: vec![(&user).into()] };
        super::moderation_log::record(&txn, actor, &action).await?;
    }
    txn.commit().await?;
    if let (Some(token), Some(to)) = (token, user.email.as_deref()) {
        // The account exists either way; a mail failure is logged (it can be resent).
        if let Err(err) = mailer.send(credentials::confirmation_email(settings, to, &user.id, &token)).await {
            tracing::warn!(error = %err, user = %user.nickname, "confirmation mail not sent");
        }
    }
    if user.is_confirmed && user.is_approved {
        Box::pin(welcome(db, settings, mailer, &user)).await;
    }
    Ok(user)
}

/// Pleroma's `post_register_action` for a confirmed and approved account: the `:welcome` email,
/// direct message and chat message, each when enabled. The account exists either way: a
/// failure is logged.
pub async fn welcome(db: &Db, settings: &Settings, mailer: &Mailer, user: &user::Model) {
    let welcome = &settings.welcome;
    if welcome.email.enabled {
        if let Some(to) = user.email.as_deref().filter(|e| !e.is_empty()) {
            let fill = |template: &str| fill_template(template, &settings.instance.name, user);
            let email = super::mail::Email {
                to: to.to_string(),
                subject: fill(&welcome.email.subject),
                text: fill(&welcome.email.text),
            };
            // Pleroma's `{name, address}` sender, or the address alone; the mailer's without one.
            let from = welcome.email.sender.as_deref().map(|address| match &welcome.email.sender_name {
                Some(name) => format!("{name} <{address}>"),
                None => address.to_string(),
            });
            let html = Some(fill(&welcome.email.html)).filter(|h| !h.is_empty());
            if let Err(err) = mailer.send_with(email, super::mail::Extras { from, html }).await {
                tracing::warn!(error = %err, user = %user.nickname, "welcome mail not sent");
            }
        }
    }
    let direct = &welcome.direct_message;
    if let (true, Some(message)) = (direct.enabled, direct.message.as_deref()) {
        if let Some(sender) = local_sender(db, direct.sender_nickname.as_deref()).await {
            let new = super::statuses::NewStatus {
                status: Some(format!("@{}\n{message}", user.nickname)),
                visibility: Some("direct".into()),
                ..Default::default()
            };
            // Boxed, as the chat message below: status creation is the largest future on the
            // approval path, and unoptimised it would sit on the caller's stack.
            if let Err(err) = Box::pin(super::statuses::create(db, settings, &sender, new)).await {
                tracing::warn!(error = %err, user = %user.nickname, "welcome message not posted");
            }
        }
    }
    let chat = &welcome.chat_message;
    if let (true, Some(message)) = (chat.enabled, chat.message.as_deref()) {
        if let Some(sender) = local_sender(db, chat.sender_nickname.as_deref()).await {
            let posted = Box::pin(async {
                let room = super::chats::get_or_create(&db.write, &sender.id, &user.id).await?;
                let new = super::chats::NewMessage { content: Some(message.to_string()), ..Default::default() };
                super::chats::post(db, settings, &sender, &room.id, new).await
            });
            if let Err(err) = posted.await {
                tracing::warn!(error = %err, user = %user.nickname, "welcome chat message not posted");
            }
        }
    }
}

/// Welcome the accounts an action has just made confirmed and approved (Pleroma's `confirm` and
/// `approve` run `post_register_action`): `before` holds them as they were, `after` as they are.
pub async fn welcome_newly_active(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    before: &[user::Model],
    after: &[user::Model],
) {
    let waiting = |id: &str| before.iter().any(|b| b.id == id && !(b.is_confirmed && b.is_approved));
    for user in after.iter().filter(|u| u.local && u.is_confirmed && u.is_approved && waiting(&u.id)) {
        Box::pin(welcome(db, settings, mailer, user)).await;
    }
}

/// The local user `nickname` (Pleroma's `fetch_sender`: anyone else sends nothing).
async fn local_sender(db: &Db, nickname: Option<&str>) -> Option<user::Model> {
    let found = users::find_by_nickname(&db.read, nickname?).await.ok().flatten();
    found.filter(|u| u.local)
}

/// The EEx bindings Pleroma's welcome email has: `<%= instance_name %>` and the user's
/// `<%= user.nickname %>` / `<%= user.name %>` (spaces inside the tags optional).
fn fill_template(template: &str, instance_name: &str, user: &user::Model) -> String {
    let name = user.name.clone().unwrap_or_else(|| user.nickname.clone());
    let mut out = template.to_string();
    for (binding, value) in [("instance_name", instance_name), ("user.nickname", &user.nickname), ("user.name", &name)]
    {
        for tag in [
            format!("<%= {binding} %>"),
            format!("<%={binding}%>"),
            format!("<%= {binding}%>"),
            format!("<%={binding} %>"),
        ] {
            out = out.replace(&tag, value);
        }
    }
    out
}
