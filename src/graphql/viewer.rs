//! The caller: who they are, their privileges and token scopes.
use async_graphql::{Context, Object};

use super::{users::User, ContextExt, FieldRule};
use crate::auth::{Access, Privilege};

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[("Query", "viewer", Access::Public)];

/// The authenticated caller.
pub struct Me {
    user: entity::user::Model,
    privileges: Vec<Privilege>,
    scopes: Option<Vec<String>>,
}

/// The authenticated caller.
#[Object]
impl Me {
    /// The caller's account.
    async fn user(&self) -> User {
        User(self.user.clone())
    }
    /// Privileges the caller holds under this instance's settings.
    async fn privileges(&self) -> &[Privilege] {
        &self.privileges
    }
    /// The token's OAuth scopes (`null` for HTTP Basic, which skips scope checks).
    async fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }
}

/// Who is calling.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The authenticated caller, or `null` when anonymous.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<Me> {
        let viewer = ctx.viewer();
        viewer.user.clone().map(|user| Me {
            privileges: Privilege::held_by(&user, &ctx.settings().instance),
            scopes: viewer.scopes.clone(),
            user,
        })
    }
}
