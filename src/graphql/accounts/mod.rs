//! Accounts as Mastodon clients see them (Pleroma's `AccountView`), and the caller's own account
//! (`GET /api/v1/accounts/verify_credentials`).
mod types;

use async_graphql::{Context, Object};
pub use types::*;

use super::{ContextExt, FieldRule};
use crate::auth::Access;

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[("Query", "myAccount", Access::User(&["read:accounts"]))];

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
