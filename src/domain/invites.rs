//! Registration invites (Pleroma's `UserInviteToken`): the four invite types, revocation, the
//! invitation mail, and the check registration makes on closed instances. Pleroma does not
//! write invite actions to the moderation log.
use chrono::{NaiveDate, Utc};
use entity::{user, user_invite_token as invite};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::{
    credentials::random_token,
    mail::{Email, Mailer},
    token_digest::digest,
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// What a new invite may limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewInvite {
    /// Uses allowed: the invite is reusable.
    pub max_use: Option<i32>,
    /// Last day it may be used: the invite is date-limited.
    pub expires_at: Option<NaiveDate>,
}

/// Pleroma's `assign_type`: by which limits were given.
pub fn invite_type(new: &NewInvite) -> &'static str {
    match (new.max_use, new.expires_at) {
        (Some(_), Some(_)) => "reusable_date_limited",
        (None, Some(_)) => "date_limited",
        (Some(_), None) => "reusable",
        (None, None) => "one_time",
    }
}

/// An invite just created: its row (which holds the token's digest) and the token, shown
/// this once.
#[derive(Debug, Clone)]
pub struct Created {
    pub row: invite::Model,
    pub token: String,
}

/// Create an invite with a fresh token; only its digest is stored, like every other secret
/// (`domain::token_digest`).
pub async fn create<C: ConnectionTrait>(conn: &C, new: &NewInvite) -> AppResult<Created> {
    if new.max_use.is_some_and(|m| m < 0) {
        return Err(AppError::invalid("max_use", "must be greater than or equal to 0"));
    }
    let now = Utc::now();
    let token = random_token();
    let row = invite::ActiveModel {
        token: Set(digest(&token)),
        used: Set(false),
        max_use: Set(new.max_use),
        expires_at: Set(new.expires_at),
        uses: Set(0),
        invite_type: Set(invite_type(new).to_string()),
        inserted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Created { row, token })
}

/// Every invite, oldest first.
pub async fn list<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<invite::Model>> {
    Ok(invite::Entity::find().order_by_asc(invite::Column::Id).all(conn).await?)
}

/// The invite with this token (what a registration presents).
pub async fn by_token<C: ConnectionTrait>(conn: &C, token: &str) -> AppResult<Option<invite::Model>> {
    Ok(invite::Entity::find().filter(invite::Column::Token.eq(digest(token))).one(conn).await?)
}

/// Revoke an invite (mark it used), named by its token or by the digest the list shows in its
/// place (admin-fe revokes with the listed value). An unknown token is `NOT_FOUND`.
pub async fn revoke(db: &Db, token: &str) -> AppResult<invite::Model> {
    let named = invite::Column::Token.eq(digest(token)).or(invite::Column::Token.eq(token));
    let found = invite::Entity::find().filter(named).one(&db.write).await?.ok_or_else(AppError::not_found)?;
    let mut row: invite::ActiveModel = found.into();
    row.used = Set(true);
    row.updated_at = Set(Utc::now());
    Ok(row.update(&db.write).await?)
}

/// Pleroma's `valid_invite?` on `today`.
pub fn is_valid(invite: &invite::Model, today: NaiveDate) -> bool {
    let in_date = invite.expires_at.is_none_or(|d| today <= d);
    let uses_left = invite.max_use.is_none_or(|m| invite.uses < m);
    match invite.invite_type.as_str() {
        "one_time" => !invite.used,
        "date_limited" => in_date && !invite.used,
        "reusable" => uses_left && !invite.used,
        "reusable_date_limited" => in_date && uses_left && !invite.used,
        _ => false,
    }
}

/// Check and count one use of `token` (Pleroma's `create_user_with_invite`), in the
/// registration's transaction so that a failed registration uses nothing: a missing or
/// unknown token is `Invalid token`, an expired, used-up or revoked one `Expired token`. The
/// count is a conditional update, so two registrations cannot both take a token's last use.
pub async fn take<C: ConnectionTrait>(conn: &C, token: Option<&str>) -> AppResult<()> {
    let token = token.filter(|t| !t.is_empty()).ok_or_else(|| AppError::BadRequest("Invalid token".into()))?;
    let found = by_token(conn, token).await?.ok_or_else(|| AppError::BadRequest("Invalid token".into()))?;
    let expired = || AppError::BadRequest("Expired token".into());
    if !is_valid(&found, Utc::now().date_naive()) {
        return Err(expired());
    }
    let update = invite::Entity::update_many()
        .col_expr(invite::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(invite::Column::Id.eq(found.id))
        .filter(invite::Column::Used.eq(false));
    let update = match found.invite_type.as_str() {
        // Pleroma counts nothing for date-limited invites.
        "date_limited" => return Ok(()),
        "one_time" => update.col_expr(invite::Column::Used, Expr::value(true)),
        _ => update
            .col_expr(invite::Column::Uses, Expr::col(invite::Column::Uses).add(1))
            .col_expr(
                invite::Column::Used,
                Expr::col(invite::Column::Uses).add(1).gte(Expr::col(invite::Column::MaxUse)),
            )
            .filter(Expr::col(invite::Column::Uses).lt(Expr::col(invite::Column::MaxUse))),
    };
    if update.exec(conn).await?.rows_affected == 0 {
        return Err(expired());
    }
    Ok(())
}

/// The link an invitation mail carries (Pleroma's `redirect_url(:registration_page, token)`).
pub fn registration_link(settings: &Settings, token: &str) -> String {
    format!("{}/registration/{token}", settings.instance_url.trim_end_matches('/'))
}

/// Pleroma's `user_invitation_email`.
pub fn invitation_email(
    settings: &Settings,
    inviter: &user::Model,
    to: &str,
    to_name: Option<&str>,
    token: &str,
) -> Email {
    let instance = &settings.instance.name;
    let inviter_name = inviter.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| inviter.nickname.clone());
    let to = match to_name.filter(|n| !n.is_empty()) {
        Some(name) => format!("{} <{to}>", name.replace(['<', '>', '"'], "")),
        None => to.to_string(),
    };
    Email {
        to,
        subject: format!("Invitation to {instance}"),
        text: format!(
            "You are invited to {instance}\n\n\
             {inviter_name} invites you to join {instance}, an instance of Pleroma federated social \
             networking platform.\n\n\
             Click the following link to register: {link}\n",
            link = registration_link(settings, token)
        ),
    }
}

/// Email an invitation (`POST /admin/users/email_invite`): only on an instance with closed
/// registrations and invites enabled, each refusal with Pleroma's text; a mailer that is off is
/// `deliveries_disabled`, as Pleroma's `Mailer.deliver` answers. The invite is one-time.
pub async fn email(
    db: &Db,
    settings: &Settings,
    mailer: &Mailer,
    inviter: &user::Model,
    to: &str,
    to_name: Option<&str>,
) -> AppResult<Created> {
    if settings.instance.registrations_open {
        return Err(AppError::BadRequest(
            "To send invites you need to set the `registrations_open` option to false.".into(),
        ));
    }
    if !settings.instance.invites_enabled {
        return Err(AppError::BadRequest(
            "To send invites you need to set the `invites_enabled` option to true.".into(),
        ));
    }
    if !mailer.enabled() {
        return Err(AppError::BadRequest("deliveries_disabled".into()));
    }
    let created = create(&db.write, &NewInvite::default()).await?;
    mailer.send(invitation_email(settings, inviter, to, to_name, &created.token)).await?;
    Ok(created)
}
