//! Accounts as Mastodon clients see them (Pleroma's `AccountView`), and the caller's own account
//! (`GET /api/v1/accounts/verify_credentials`).
mod types;

use async_graphql::{Context, Object};
pub use types::*;

use super::{ContextExt, FieldRule};
use crate::auth::{Access, Privilege};

/// Staff who see the admin side of accounts: those who read statuses or handle reports. No scope
/// of its own: the route or root field that embeds the account checks the token's.
pub const ADMIN_USER: Access = Access::AnyStaff(&[Privilege::MessagesRead, Privilege::ReportsManageReports], &[]);

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] =
    &[("Query", "myAccount", Access::User(&["read:accounts"])), ("Account", "adminUser", ADMIN_USER)];

/// The caller's own account.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The authenticated user's own account, with the fields only its owner sees.
    async fn my_account(&self, ctx: &Context<'_>) -> async_graphql::Result<Account> {
        Ok(Account::new(ctx.viewer().require_user()?.clone()))
    }
}
