//! The user search: its filter, its states and its connection.
use std::borrow::Cow;

use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    parser::types::Field,
    registry::Registry,
    ContainerType, Context, ContextSelectionSet, InputObject, OutputType, Positioned, ServerResult, Value,
};
use entity::user;

use super::User;
use crate::domain::users::{self as domain_users, UserSearch};
use crate::graphql::{pagination::ListMeta, plain, Prechecked};

/// Account states of Pleroma's `filters` list on `GET /admin/users`.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain_users::UserState")]
pub enum UserState {
    /// Local accounts.
    Local,
    /// Remote accounts.
    External,
    /// Active, approved and confirmed.
    Active,
    /// Deactivated.
    Deactivated,
    /// Awaiting approval.
    NeedApproval,
    /// Email not confirmed.
    Unconfirmed,
    /// Admins.
    IsAdmin,
    /// Moderators.
    IsModerator,
}

/// What to search users by; all criteria combine.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Substring of nickname (remote nicknames include the domain), display name or email.
    pub query: Option<String>,
    /// Substring of the display name.
    pub name: Option<String>,
    /// Exact email address.
    pub email: Option<String>,
    /// Users carrying any of these tags.
    pub tags: Option<Vec<String>>,
    /// Users of any of these actor types (`Person`, `Service`, `Application`).
    pub actor_types: Option<Vec<String>>,
    /// Account states, all of which must hold (`IS_ADMIN` with `IS_MODERATOR` means either).
    pub states: Option<Vec<UserState>>,
}

impl From<UserFilter> for UserSearch {
    fn from(f: UserFilter) -> Self {
        UserSearch {
            query: f.query,
            name: f.name,
            email: f.email,
            tags: f.tags.unwrap_or_default(),
            actor_types: f.actor_types.unwrap_or_default(),
            states: f.states.unwrap_or_default().into_iter().map(Into::into).collect(),
            before_id: None,
        }
    }
}

/// A page of users. Each cursor carries its user's id (keyset pagination): the next page is
/// the users before it, newest first, however deep.
///
/// async-graphql's connection, whose `nodes` are answered in one loop on the prechecked schema
/// when their selection is plain ([`plain::json_list`]): a list otherwise resolves each user in a
/// future of its own and plans the same selection again for each. The schema's type is the
/// connection's own.
pub struct UserConnection(pub Connection<OpaqueCursor<String>, User, ListMeta, EmptyFields>);

impl OutputType for UserConnection {
    fn type_name() -> Cow<'static, str> {
        <Connection<OpaqueCursor<String>, User, ListMeta, EmptyFields> as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Connection<OpaqueCursor<String>, User, ListMeta, EmptyFields> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _: &Positioned<Field>) -> ServerResult<Value> {
        async_graphql::resolver_utils::resolve_container(ctx, self).await
    }
}

impl ContainerType for UserConnection {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let field = &ctx.item.node;
        let plain = field.name.node == "nodes"
            && field.arguments.is_empty()
            && field.directives.is_empty()
            && ctx.data_opt::<Prechecked>().is_some();
        if plain {
            let set = ctx.with_selection_set(&field.selection_set);
            let users = self.0.edges.iter().map(|edge| &edge.node.0 as &dyn plain::PlainObject);
            let nodes = match ctx.data_opt::<plain::RawJson>() {
                Some(raw) => plain::json_list(&set, &set.item.node, users, raw).map(|json| Value::Binary(json.into())),
                None => plain::object_list(&set, &set.item.node, users),
            };
            if nodes.is_some() {
                return Ok(nodes);
            }
        }
        self.0.resolve_field(ctx).await
    }
}

pub(super) fn to_users(models: Vec<user::Model>) -> Vec<User> {
    models.into_iter().map(User::from).collect()
}
