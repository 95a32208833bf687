//! `pleroma-gateway user …`: Pleroma's `pleroma_ctl user` (lib/mix/tasks/pleroma/user.ex), its
//! messages included. Every change goes through the domain function the admin API uses, so it
//! writes the same moderation-log entry, with the operator as actor ([`Actor::operator`]);
//! what the admin API does not log (reset links, MFA reset, invites, sign-out) is not logged here.
use clap::Subcommand;
use entity::user;
use pleroma_gateway::{
    config::Settings,
    db::Db,
    domain::{credentials, invites, moderation_log::Actor, oauth, user_admin, user_admin::OperatorChanges, users},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::{describe, new_password};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a local user. Without --password or --password-stdin, asks for the password on
    /// the terminal (without echo).
    New {
        /// Nickname (letters, digits, `_` and `-`).
        nickname: String,
        /// Email address.
        email: String,
        /// Password; visible in `ps` and shell history, prefer the prompt or --password-stdin.
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
        /// Display name (default: the nickname).
        #[arg(long)]
        name: Option<String>,
        /// Profile text.
        #[arg(long)]
        bio: Option<String>,
        /// Make the user an admin.
        #[arg(long)]
        admin: bool,
        /// Make the user a moderator.
        #[arg(long)]
        moderator: bool,
        /// Leave the email unconfirmed (a confirmation mail is sent, as on registration).
        #[arg(long)]
        unconfirmed: bool,
        /// Leave the account awaiting approval (give --reason for the admins).
        #[arg(long)]
        unapproved: bool,
        /// Why the user joins, kept for the admins (with --unapproved).
        #[arg(long, requires = "unapproved")]
        reason: Option<String>,
        /// Do not ask for confirmation (there is nothing to confirm; accepted for pleroma_ctl compatibility).
        #[arg(short = 'y', long = "assume-yes")]
        yes: bool,
    },
    /// List local users: nickname, roles, locked and active.
    List,
    /// Change a local user's roles, activation or email confirmation.
    Set {
        /// Nickname of a local user.
        nickname: String,
        /// Grant the admin role.
        #[arg(long, conflicts_with = "no_admin")]
        admin: bool,
        /// Revoke the admin role.
        #[arg(long)]
        no_admin: bool,
        /// Grant the moderator role.
        #[arg(long, conflicts_with = "no_moderator")]
        moderator: bool,
        /// Revoke the moderator role.
        #[arg(long)]
        no_moderator: bool,
        /// Activate the account.
        #[arg(long, conflicts_with = "no_active")]
        active: bool,
        /// Deactivate the account (ends its sessions at once).
        #[arg(long)]
        no_active: bool,
        /// Mark the email confirmed.
        #[arg(long, conflicts_with = "no_confirmed")]
        confirmed: bool,
        /// Mark the email unconfirmed.
        #[arg(long)]
        no_confirmed: bool,
    },
    /// Delete a local user (its content is removed by a background job of the server).
    #[command(visible_alias = "rm")]
    Delete {
        /// Nickname of a local user.
        nickname: String,
    },
    /// Activate a user.
    Activate {
        /// Nickname.
        nickname: String,
    },
    /// Deactivate a user (ends its sessions at once).
    Deactivate {
        /// Nickname.
        nickname: String,
    },
    /// Print a password-reset link for a local user (no mail is sent).
    #[command(name = "reset_password", alias = "reset-password")]
    ResetPassword {
        /// Nickname of a local user.
        nickname: String,
    },
    /// Turn off a local user's multi-factor authentication.
    #[command(name = "reset_mfa", alias = "reset-mfa")]
    ResetMfa {
        /// Nickname of a local user.
        nickname: String,
    },
    /// Add tags to a user.
    Tag {
        /// Nickname.
        nickname: String,
        /// Tags to add.
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Remove tags from a user.
    Untag {
        /// Nickname.
        nickname: String,
        /// Tags to remove.
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Create a registration invite and print its link.
    Invite {
        /// Last day the invite may be used (YYYY-MM-DD).
        #[arg(long)]
        expires_at: Option<chrono::NaiveDate>,
        /// How many registrations it allows (reusable invite).
        #[arg(long)]
        max_use: Option<i32>,
    },
    /// Sign a local user out of every app (revokes all its tokens).
    #[command(name = "sign_out", alias = "sign-out")]
    SignOut {
        /// Nickname of a local user.
        nickname: String,
    },
    /// Mark a local user's email confirmed.
    Confirm {
        /// Nickname of a local user.
        nickname: String,
    },
    /// Mark a local user's email unconfirmed.
    Unconfirm {
        /// Nickname of a local user.
        nickname: String,
    },
}

fn flag(on: bool, off: bool) -> Option<bool> {
    if on {
        Some(true)
    } else if off {
        Some(false)
    } else {
        None
    }
}

/// Ask for the password of `user new` before connecting: a missing password fails at once, and
/// nobody types into a prompt that a database error then throws away.
pub fn prepare(command: &mut UserCommand) -> Result<(), String> {
    if let UserCommand::New { nickname, password, password_stdin, .. } = command {
        *password = Some(new_password(nickname, password.take(), *password_stdin)?);
    }
    Ok(())
}

/// The user `nickname`, local or (`local_only` false) any.
async fn find(db: &Db, nickname: &str, local_only: bool) -> Result<user::Model, String> {
    let found = users::find_by_nickname(&db.read, nickname).await.map_err(describe)?;
    match found {
        Some(user) if user.local || !local_only => Ok(user),
        _ if local_only => Err(format!("No local user {nickname}")),
        _ => Err(format!("No user {nickname}")),
    }
}

pub async fn run(db: &Db, settings: &Settings, command: UserCommand) -> Result<(), String> {
    let operator = Actor::operator();
    match command {
        UserCommand::New {
            nickname,
            email,
            password,
            password_stdin: _,
            name,
            bio,
            admin,
            moderator,
            unconfirmed,
            unapproved,
            reason,
            yes: _,
        } => {
            use pleroma_gateway::domain::registration::{self, Registration, StartState};
            let Some(password) = password else { return Err("no password".into()) };
            let new = Registration {
                nickname,
                email: Some(email),
                password,
                name,
                bio,
                reason,
                is_admin: admin,
                is_moderator: moderator,
                created_by: Some(operator),
                // The operator's command needs no invite.
                ..Default::default()
            };
            // Hash before the transaction: argon2 must not run while it holds the writer.
            let hash = pleroma_gateway::auth::password::hash(new.password.clone()).await.map_err(describe)?;
            let mailer = pleroma_gateway::domain::mail::Mailer::new(settings)?;
            let start = StartState { confirmed: !unconfirmed, approved: !unapproved };
            let user = registration::register(db, settings, &mailer, &new, hash, start).await.map_err(describe)?;
            println!("User {} created (id {})", user.nickname, user.id);
        }
        UserCommand::List => {
            let mut pages = user::Entity::find()
                .filter(user::Column::Local.eq(true))
                .order_by_asc(user::Column::Nickname)
                .paginate(&db.read, 500);
            while let Some(page) = pages.fetch_and_next().await.map_err(|e| e.to_string())? {
                for u in page {
                    println!(
                        "{} moderator: {}, admin: {}, locked: {}, is_active: {}",
                        u.nickname, u.is_moderator, u.is_admin, u.is_locked, u.is_active
                    );
                }
            }
        }
        UserCommand::Set {
            nickname,
            admin,
            no_admin,
            moderator,
            no_moderator,
            active,
            no_active,
            confirmed,
            no_confirmed,
        } => {
            find(db, &nickname, true).await?;
            let changes = OperatorChanges {
                admin: flag(admin, no_admin),
                moderator: flag(moderator, no_moderator),
                active: flag(active, no_active),
                confirmed: flag(confirmed, no_confirmed),
            };
            let user = user_admin::set_by_operator(db, &operator, &nickname, changes).await.map_err(describe)?;
            println!(
                "User {}: admin={} moderator={} active={} confirmed={}",
                user.nickname, user.is_admin, user.is_moderator, user.is_active, user.is_confirmed
            );
        }
        UserCommand::Delete { nickname } => {
            find(db, &nickname, true).await?;
            user_admin::delete_users(db, &operator, Some(vec![nickname.clone()]), None).await.map_err(describe)?;
            println!("User {nickname} deleted.");
        }
        UserCommand::Activate { nickname } => activation(db, &operator, &nickname, true).await?,
        UserCommand::Deactivate { nickname } => activation(db, &operator, &nickname, false).await?,
        UserCommand::ResetPassword { nickname } => {
            find(db, &nickname, true).await?;
            let (_, link) = credentials::admin_reset_link(db, settings, &nickname).await.map_err(describe)?;
            println!("Generated password reset token for {nickname}");
            println!("URL: {link}");
        }
        UserCommand::ResetMfa { nickname } => {
            find(db, &nickname, true).await?;
            credentials::disable_mfa(db, &nickname).await.map_err(describe)?;
            println!("Multi-Factor Authentication disabled for {nickname}");
        }
        UserCommand::Tag { nickname, tags } => tagging(db, &operator, &nickname, &tags, true).await?,
        UserCommand::Untag { nickname, tags } => tagging(db, &operator, &nickname, &tags, false).await?,
        UserCommand::Invite { expires_at, max_use } => {
            let new = invites::NewInvite { max_use, expires_at };
            let created = invites::create(&db.write, &new).await.map_err(describe)?;
            println!("Generated user invite token {}", created.row.invite_type.replace('_', " "));
            println!("{}", invites::registration_link(settings, &created.token));
        }
        UserCommand::SignOut { nickname } => {
            let user = find(db, &nickname, true).await?;
            oauth::revoke_user_tokens(&db.write, &[user.id]).await.map_err(describe)?;
            println!("{nickname} signed out from all apps.");
        }
        UserCommand::Confirm { nickname } => confirmation(db, &operator, &nickname, true).await?,
        UserCommand::Unconfirm { nickname } => confirmation(db, &operator, &nickname, false).await?,
    }
    Ok(())
}

async fn activation(db: &Db, operator: &Actor, nickname: &str, active: bool) -> Result<(), String> {
    let user = find(db, nickname, false).await?;
    let word = if active { "activated" } else { "deactivated" };
    // As pleroma_ctl: nothing to do is said, not logged.
    if user.is_active == active {
        println!("User {nickname} already {word}");
        return Ok(());
    }
    user_admin::set_activation(db, operator, &[nickname.to_string()], active).await.map_err(describe)?;
    println!("Successfully {word} {nickname}");
    Ok(())
}

async fn tagging(db: &Db, operator: &Actor, nickname: &str, tags: &[String], add: bool) -> Result<(), String> {
    let user = find(db, nickname, false).await?;
    user_admin::set_tags(db, operator, &[nickname.to_string()], tags, add).await.map_err(describe)?;
    let mut now = users::tags_of(&db.read, std::slice::from_ref(&user.id)).await.map_err(describe)?;
    let tags = now.remove(&user.id).unwrap_or_default();
    println!("Tags of {nickname}: {tags:?}");
    Ok(())
}

async fn confirmation(db: &Db, operator: &Actor, nickname: &str, confirmed: bool) -> Result<(), String> {
    find(db, nickname, true).await?;
    let changes = OperatorChanges { confirmed: Some(confirmed), ..Default::default() };
    let user = user_admin::set_by_operator(db, operator, nickname, changes).await.map_err(describe)?;
    let needs = if user.is_confirmed { "doesn't need" } else { "needs" };
    println!("{nickname} {needs} confirmation.");
    Ok(())
}
