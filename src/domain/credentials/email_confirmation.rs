//! Email confirmation: tokens, links, mails and confirming (`User.confirm`,
//! `TwitterAPI.Controller.confirm_email`).

use chrono::Utc;
use entity::{email_confirmation_token, user};
use sea_orm::{prelude::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::domain::{
    mail::{Email, Mailer},
    moderation_log::{self, subjects, Action, Actor},
    token_digest::digest,
    users,
};
use crate::{config::Settings, db::Db, error::AppError};

use super::*;

/// The link that confirms a user's email: `<instance>/api/account/confirm_email/<id>/<token>`.
pub fn confirmation_link(settings: &Settings, user_id: &str, token: &str) -> String {
    format!("{}/api/account/confirm_email/{user_id}/{token}", settings.instance_url)
}

/// A fresh confirmation token for the user, replacing any earlier one. Only its digest is
/// stored, so a pending token cannot be mailed again: each (re)send carries a new link and the
/// previous link stops working (Pleroma, which stores the token in plain text, resends it).
pub async fn confirmation_token<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<String, AppError> {
    use sea_orm::sea_query::OnConflict;
    let token = random_token();
    email_confirmation_token::Entity::insert(email_confirmation_token::ActiveModel {
        user_id: Set(user_id.to_string()),
        token: Set(digest(&token)),
        inserted_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(email_confirmation_token::Column::UserId)
            .update_columns([email_confirmation_token::Column::Token, email_confirmation_token::Column::InsertedAt])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(token)
}

/// Pleroma's account-confirmation mail (`UserEmail.account_confirmation_email`), as text.
pub fn confirmation_email(settings: &Settings, to: &str, user_id: &str, token: &str) -> Email {
    let name = &settings.instance.name;
    Email {
        to: to.to_string(),
        subject: format!("{name} account confirmation"),
        text: format!(
            "Welcome to {name}!\n\n\
             Email confirmation is required to activate the account.\n\n\
             Click the following link to proceed: {link}\n",
            link = confirmation_link(settings, user_id, token)
        ),
    }
}

/// Whether a confirmation mail can go to this user: local, unconfirmed, with an email.
pub fn awaits_confirmation(user: &user::Model) -> bool {
    user.local && !user.is_confirmed && user.email.as_deref().is_some_and(|e| !e.is_empty())
}

/// Mark users confirmed and drop their confirmation tokens (`User.confirm`).
pub(crate) async fn confirm<C: ConnectionTrait>(conn: &C, ids: &[String]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    user::Entity::update_many()
        .col_expr(user::Column::IsConfirmed, Expr::value(true))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .exec(conn)
        .await?;
    email_confirmation_token::Entity::delete_many()
        .filter(email_confirmation_token::Column::UserId.is_in(ids.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}

/// `PATCH /admin/users/confirm_email`: mark the users' emails confirmed. Logs `confirm_email`
/// (when the list is not empty). Any unknown nickname refuses the whole action with
/// `NotFound`: nothing changes, nothing is logged.
pub async fn confirm_emails(db: &Db, actor: &Actor, nicknames: &[String]) -> Result<Vec<user::Model>, AppError> {
    let txn = db.begin().await?;
    let found = users::require_by_nicknames(&txn, nicknames).await?;
    if found.is_empty() {
        return Ok(vec![]);
    }
    let ids = users::user_ids(&found);
    confirm(&txn, &ids).await?;
    moderation_log::record(&txn, actor, &Action::ConfirmEmail { subjects: subjects(&found) }).await?;
    txn.commit().await?;
    Ok(found.into_iter().map(|u| user::Model { is_confirmed: true, ..u }).collect())
}

/// What `resendConfirmationEmails` did.
#[derive(Debug, Clone)]
pub struct Resent {
    /// Every user the nicknames named, in request order (all of them are logged).
    pub users: Vec<user::Model>,
    /// Those a confirmation mail went to: local, unconfirmed, with an email.
    pub mailed: Vec<user::Model>,
}

/// `PATCH /admin/users/resend_confirmation_email`: mail the confirmation link again to every
/// named user awaiting confirmation. Logs `resend_confirmation_email` for every named user
/// (when the list is not empty). Any unknown nickname refuses the whole action with
/// `NotFound`: nothing is mailed, nothing is logged.
pub async fn resend_confirmation_emails(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    actor: &Actor,
    nicknames: &[String],
) -> Result<Resent, AppError> {
    let txn = db.begin().await?;
    let found = users::require_by_nicknames(&txn, nicknames).await?;
    if found.is_empty() {
        return Ok(Resent { users: vec![], mailed: vec![] });
    }
    let mut outgoing = Vec::new();
    for user in found.iter().filter(|u| awaits_confirmation(u)) {
        let token = confirmation_token(&txn, &user.id).await?;
        outgoing.push((user.clone(), token));
    }
    moderation_log::record(&txn, actor, &Action::ResendConfirmationEmail { subjects: subjects(&found) }).await?;
    txn.commit().await?;
    let mut mailed = Vec::new();
    for (user, token) in outgoing {
        let address = user.email.clone().unwrap_or_default();
        if deliver(mailer, confirmation_email(settings, &address, &user.id, &token)).await {
            mailed.push(user);
        }
    }
    Ok(Resent { users: found, mailed })
}

/// Mail the confirmation link again to one user awaiting confirmation, at their own request
/// (`POST /api/v1/pleroma/accounts/confirmation_resend`; not logged: no staff acted).
pub async fn resend_own_confirmation(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    user: &user::Model,
) -> Result<(), AppError> {
    let token = confirmation_token(&db.write, &user.id).await?;
    let address = user.email.clone().unwrap_or_default();
    deliver(mailer, confirmation_email(settings, &address, &user.id, &token)).await;
    Ok(())
}

/// `GET /api/account/confirm_email/:user_id/:token`: the link in the confirmation mail.
/// Fails with `BadRequest` unless the user is local, unconfirmed and the token is theirs.
pub async fn confirm_by_token(db: &Db, user_id: &str, token: &str) -> Result<user::Model, AppError> {
    let invalid = || AppError::BadRequest("Invalid token".into());
    let txn = db.begin().await?;
    let user = user::Entity::find_by_id(user_id.to_string()).one(&txn).await?.ok_or_else(invalid)?;
    let stored = email_confirmation_token::Entity::find_by_id(user.id.clone()).one(&txn).await?;
    let matches = stored.is_some_and(|row| !token.is_empty() && row.token == digest(token));
    if !user.local || user.is_confirmed || !matches {
        return Err(invalid());
    }
    confirm(&txn, std::slice::from_ref(&user.id)).await?;
    txn.commit().await?;
    Ok(user::Model { is_confirmed: true, ..user })
}
