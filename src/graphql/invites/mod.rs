//! Registration invites: the staff's list, creation, revocation and invitation mails.
use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    Context, InputObject, Object, SimpleObject,
};
use chrono::NaiveDate;
use entity::user_invite_token as invite;

use super::{pagination::ListMeta, pagination::Window, ContextExt, FieldRule};
use crate::{
    auth::{Access, Privilege},
    domain::invites::{self as domain, NewInvite},
};

const READ_INVITES: &[&str] = &["admin:read:invites"];
const WRITE_INVITES: &[&str] = &["admin:write:invites"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "invites", Access::Staff(Privilege::UsersManageInvites, READ_INVITES)),
    ("Mutation", "createInvite", Access::Staff(Privilege::UsersManageInvites, WRITE_INVITES)),
    ("Mutation", "revokeInvite", Access::Staff(Privilege::UsersManageInvites, WRITE_INVITES)),
    ("Mutation", "emailInvite", Access::Staff(Privilege::UsersManageInvites, WRITE_INVITES)),
];

/// A registration invite.
pub struct Invite {
    pub row: invite::Model,
    /// The token, known only when the invite was just created.
    pub token: Option<String>,
}

impl Invite {
    /// A stored invite: its token is known only by its digest.
    pub fn stored(row: invite::Model) -> Invite {
        Invite { row, token: None }
    }
}

impl From<domain::Created> for Invite {
    fn from(created: domain::Created) -> Invite {
        Invite { row: created.row, token: Some(created.token) }
    }
}

/// A registration invite: a token that lets one account (or `maxUse` accounts, or any number
/// until `expiresAt`) register while registrations are closed.
#[Object]
impl Invite {
    /// Invite id.
    async fn id(&self) -> i64 {
        self.row.id
    }
    /// The token a registration presents (`token`), and the end of the registration link:
    /// shown once, when the invite is created. Only its SHA-256 digest (hex) is stored, so
    /// lists and revocations show the digest here: it names the invite (revoke with it) but
    /// registers no one.
    async fn token(&self) -> &str {
        self.token.as_deref().unwrap_or(&self.row.token)
    }
    /// Revoked or used up.
    async fn used(&self) -> bool {
        self.row.used
    }
    /// The last day the invite may be used (date-limited invites).
    async fn expires_at(&self) -> Option<NaiveDate> {
        self.row.expires_at
    }
    /// Registrations made with it (counted for reusable invites).
    async fn uses(&self) -> i32 {
        self.row.uses
    }
    /// Registrations allowed (reusable invites).
    async fn max_use(&self) -> Option<i32> {
        self.row.max_use
    }
    /// `one_time`, `reusable`, `date_limited` or `reusable_date_limited`, from the limits
    /// given at creation.
    async fn invite_type(&self) -> &str {
        &self.row.invite_type
    }
}

/// Every invite, oldest first, with the total count.
pub type InviteConnection = Connection<OpaqueCursor<u64>, Invite, ListMeta, EmptyFields>;

/// Invite reads.
#[derive(Default)]
pub struct InvitesQuery;

#[Object]
impl InvitesQuery {
    /// Registration invites, oldest first. Page with `first`/`after` (default: all of them).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, None, 500)")]
    async fn invites(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<InviteConnection> {
        let window = Window::resolve(first, after, None, None, super::pagination::MAX_PAGE_SIZE)?;
        let all = domain::list(&ctx.db().read).await?;
        let total = all.len() as u64;
        let nodes =
            all.into_iter().skip(window.offset as usize).take(window.limit as usize).map(Invite::stored).collect();
        Ok(window.connection(nodes, total))
    }
}

/// What a new invite allows.
#[derive(InputObject, Default)]
pub struct CreateInviteInput {
    /// Registrations allowed: makes the invite reusable.
    pub max_use: Option<i32>,
    /// The last day it may be used: makes the invite date-limited.
    pub expires_at: Option<NaiveDate>,
}

/// The invite created.
#[derive(SimpleObject)]
pub struct CreateInvitePayload {
    /// The new invite.
    pub invite: Invite,
}

/// Which invite to revoke.
#[derive(InputObject)]
pub struct RevokeInviteInput {
    /// The invite's token.
    pub token: String,
}

/// The revoked invite.
#[derive(SimpleObject)]
pub struct RevokeInvitePayload {
    /// The invite, now `used`.
    pub invite: Invite,
}

/// Whom to invite by mail.
#[derive(InputObject)]
pub struct EmailInviteInput {
    /// The recipient's address.
    pub email: String,
    /// The recipient's name.
    pub name: Option<String>,
}

/// The invite mailed.
#[derive(SimpleObject)]
pub struct EmailInvitePayload {
    /// The one-time invite the mail carries.
    pub invite: Invite,
}

/// Invite actions (Pleroma keeps no moderation-log entry for them).
#[derive(Default)]
pub struct InvitesMutation;

#[Object]
impl InvitesMutation {
    /// Create an invite; its type follows the limits given (neither: `one_time`).
    async fn create_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: Option<CreateInviteInput>,
    ) -> async_graphql::Result<CreateInvitePayload> {
        let input = input.unwrap_or_default();
        let new = NewInvite { max_use: input.max_use, expires_at: input.expires_at };
        Ok(CreateInvitePayload { invite: domain::create(&ctx.db().write, &new).await?.into() })
    }

    /// Revoke an invite (it becomes `used`). An unknown token is `NOT_FOUND`.
    async fn revoke_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: RevokeInviteInput,
    ) -> async_graphql::Result<RevokeInvitePayload> {
        Ok(RevokeInvitePayload { invite: Invite::stored(domain::revoke(ctx.db(), &input.token).await?) })
    }

    /// Mail a one-time invite with the registration link `<instance>/registration/<token>`.
    /// `BAD_REQUEST` with Pleroma's texts while registrations are open or invites disabled,
    /// and `deliveries_disabled` when the mailer is off.
    async fn email_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: EmailInviteInput,
    ) -> async_graphql::Result<EmailInvitePayload> {
        let inviter = ctx.viewer().require_user()?;
        let created =
            domain::email(ctx.db(), ctx.settings(), ctx.mailer(), inviter, &input.email, input.name.as_deref()).await?;
        Ok(EmailInvitePayload { invite: created.into() })
    }
}
