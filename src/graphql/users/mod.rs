//! Users: the admin view of an account, the user search, credentials and permission groups.
mod credentials;
mod list;
mod loaders;
mod payloads;
mod types;

pub use loaders::*;

use async_graphql::{
    connection::{Connection, CursorType, Edge, OpaqueCursor},
    Context, Object, ID,
};
pub use credentials::*;
pub use list::*;
pub use payloads::*;
pub use types::*;

use super::{
    pagination::{ListMeta, Window},
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::{
        moderation_log::Actor,
        user_admin::{self as admin, NewAccount, RevokeForm},
        users::{self as domain, UserSearch},
    },
    error::AppError,
};

const READ_ACCOUNTS: &[&str] = &["admin:read:accounts"];

const WRITE_ACCOUNTS: &[&str] = &["admin:write:accounts"];

const WRITE_FOLLOWS: &[&str] = &["admin:write:follows"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "users", Access::Staff(Privilege::UsersRead, READ_ACCOUNTS)),
    ("Query", "user", Access::Staff(Privilege::UsersRead, READ_ACCOUNTS)),
    ("User", "credentials", Access::Staff(Privilege::UsersManageCredentials, READ_ACCOUNTS)),
    ("Mutation", "createUsers", Access::Admin(WRITE_ACCOUNTS)),
    ("Mutation", "deleteUsers", Access::Staff(Privilege::UsersDelete, WRITE_ACCOUNTS)),
    ("Mutation", "followUser", Access::Admin(WRITE_FOLLOWS)),
    ("Mutation", "unfollowUser", Access::Admin(WRITE_FOLLOWS)),
    ("Mutation", "toggleUserActivation", Access::Staff(Privilege::UsersManageActivationState, WRITE_ACCOUNTS)),
    ("Mutation", "setUserActivation", Access::Staff(Privilege::UsersManageActivationState, WRITE_ACCOUNTS)),
    ("Mutation", "activateUsers", Access::Staff(Privilege::UsersManageActivationState, WRITE_ACCOUNTS)),
    ("Mutation", "deactivateUsers", Access::Staff(Privilege::UsersManageActivationState, WRITE_ACCOUNTS)),
    ("Mutation", "approveUsers", Access::Staff(Privilege::UsersManageInvites, WRITE_ACCOUNTS)),
    ("Mutation", "suggestUsers", Access::Admin(WRITE_ACCOUNTS)),
    ("Mutation", "unsuggestUsers", Access::Admin(WRITE_ACCOUNTS)),
    ("Mutation", "tagUsers", Access::Staff(Privilege::UsersManageTags, WRITE_ACCOUNTS)),
    ("Mutation", "untagUsers", Access::Staff(Privilege::UsersManageTags, WRITE_ACCOUNTS)),
    ("Mutation", "grantPermissionGroup", Access::Admin(WRITE_ACCOUNTS)),
    ("Mutation", "revokePermissionGroup", Access::Admin(WRITE_ACCOUNTS)),
    ("Mutation", "revokeUserPermissionGroup", Access::Admin(WRITE_ACCOUNTS)),
];

/// User reads.
#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// Search users, newest first. Page with `first`/`after`, or with `page`/`pageSize` (default 50).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 50)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which users to list.")] filter: Option<UserFilter>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<UserConnection> {
        // Cursors carry the last user's id (keyset pagination); `page`/`pageSize` keep their
        // offset, as the REST API pages.
        let before_id = match &after {
            Some(cursor) => Some(
                OpaqueCursor::<String>::decode_cursor(cursor)
                    .map_err(|_| AppError::BadRequest("invalid cursor".into()))?
                    .0,
            ),
            None => None,
        };
        let window = Window::resolve(first, None, page.filter(|_| before_id.is_none()), page_size, 50)?;
        let filter = UserSearch::from(filter.unwrap_or_default());
        let search = UserSearch { before_id: before_id.clone(), ..filter.clone() };
        let db = &ctx.db().read;
        // One more row than the page tells whether there is a next page. The count costs in
        // proportion to the matches: it runs only when `totalCount` is asked for, and counts
        // every match of the filter, wherever the cursor stands.
        let page_rows = search.listed_page(db, window.offset, window.limit.saturating_add(1));
        let (mut nodes, total) = if ctx.look_ahead().field("totalCount").exists() {
            let (nodes, total) = tokio::try_join!(page_rows, filter.count(db))?;
            (nodes, total)
        } else {
            (page_rows.await?, 0)
        };
        let more = nodes.len() as u64 > window.limit;
        nodes.truncate(usize::try_from(window.limit).unwrap_or(usize::MAX));
        // The page's tags in one statement, handed to each user: the DataLoader would send the
        // same statement, but only after its batching delay and a cache round per user.
        let look = ctx.look_ahead();
        let mut tags =
            if look.field("nodes").field("tags").exists() || look.field("edges").field("node").field("tags").exists() {
                let ids: Vec<String> = nodes.iter().map(|node| node.id().to_owned()).collect();
                Some(domain::tags_of(db, &ids).await?)
            } else {
                None
            };
        let mut connection = Connection::with_additional_fields(
            window.offset > 0 || before_id.is_some(),
            more,
            ListMeta { total_count: total, page_size: window.limit },
        );
        connection.edges.extend(nodes.into_iter().map(|node| {
            let tags = tags.as_mut().map(|tags| tags.remove(node.id()).unwrap_or_default());
            Edge::new(OpaqueCursor(node.id().to_owned()), User::listed(node, tags))
        }));
        Ok(UserConnection(connection))
    }

    /// One user, by id or nickname (`null` when there is none).
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: Option<ID>,
        #[graphql(desc = "Or the user's nickname.")] nickname: Option<String>,
    ) -> async_graphql::Result<Option<User>> {
        let key = match (id, nickname) {
            (Some(id), _) => id.0,
            (None, Some(nickname)) => nickname,
            (None, None) => return Err(AppError::BadRequest("Give an id or a nickname.".into()).into()),
        };
        Ok(domain::find_by_nickname_or_id(&ctx.db().read, &key).await?.map(User::from))
    }
}

// ---- User-changing admin actions -------------------------------------------------------------

/// The caller as the moderation log names them.
pub(crate) fn log_actor(ctx: &Context<'_>) -> Result<Actor, AppError> {
    Ok(Actor::from(ctx.viewer().require_user()?))
}

/// User-changing admin actions. Each runs in one transaction with its moderation-log entry.
#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Create local accounts, all or none: confirmed, approved, display name = nickname, bio
    /// `.`. Logged as `create`. Invalid accounts fail with `CONFLICT`.
    async fn create_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateUsersInput,
    ) -> async_graphql::Result<CreateUsersPayload> {
        let actor = log_actor(ctx)?;
        let accounts: Vec<NewAccount> = input
            .users
            .into_iter()
            .map(|u| NewAccount { nickname: u.nickname, email: u.email, password: u.password })
            .collect();
        let created = admin::create_users(ctx.db(), ctx.settings(), &actor, &accounts).await?;
        Ok(CreateUsersPayload { users: to_users(created) })
    }

    /// Delete accounts (with their tokens, tags and follows); returns the nicknames as given.
    /// Logged as `delete`.
    async fn delete_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DeleteUsersInput,
    ) -> async_graphql::Result<DeleteUsersPayload> {
        let actor = log_actor(ctx)?;
        let nicknames = admin::delete_users(ctx.db(), &actor, input.nicknames, input.nickname).await?;
        Ok(DeleteUsersPayload { nicknames })
    }

    /// Make one user follow another. Unknown nicknames: nothing happens. Logged as `follow`.
    async fn follow_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserFollowInput,
    ) -> async_graphql::Result<UserFollowPayload> {
        let actor = log_actor(ctx)?;
        Ok(UserFollowPayload(admin::follow(ctx.db(), &actor, &input.follower, &input.followed).await?))
    }

    /// Make one user stop following another. Unknown nicknames: nothing happens. Logged as
    /// `unfollow`.
    async fn unfollow_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserFollowInput,
    ) -> async_graphql::Result<UserFollowPayload> {
        let actor = log_actor(ctx)?;
        Ok(UserFollowPayload(admin::unfollow(ctx.db(), &actor, &input.follower, &input.followed).await?))
    }

    /// Flip a user's activation and return the user; deactivation revokes their tokens.
    /// Logged as `activate` or `deactivate`.
    async fn toggle_user_activation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserNicknameInput,
    ) -> async_graphql::Result<ToggleUserActivationPayload> {
        let actor = log_actor(ctx)?;
        let user = User::from(admin::toggle_activation(ctx.db(), &actor, &input.nickname).await?);
        Ok(ToggleUserActivationPayload { user })
    }

    /// Activate or deactivate one user and return them; deactivation revokes their tokens.
    /// Logged as `activate` or `deactivate`.
    async fn set_user_activation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: SetUserActivationInput,
    ) -> async_graphql::Result<SetUserActivationPayload> {
        let actor = log_actor(ctx)?;
        let mut users = admin::set_activation(ctx.db(), &actor, &[input.nickname], input.active).await?;
        Ok(SetUserActivationPayload { user: User::from(users.pop().ok_or_else(AppError::not_found)?) })
    }

    /// Activate users. Logged as `activate`.
    async fn activate_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_activation(ctx.db(), &actor, &input.nicknames, true).await?))
    }

    /// Deactivate users and revoke their tokens. Logged as `deactivate`.
    async fn deactivate_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_activation(ctx.db(), &actor, &input.nicknames, false).await?))
    }

    /// Approve registrations awaiting approval. Logged as `approve`.
    async fn approve_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        let before = domain::require_by_nicknames(&ctx.db().write, &input.nicknames).await?;
        let after = admin::approve(ctx.db(), &actor, &input.nicknames).await?;
        crate::domain::registration::welcome_newly_active(ctx.db(), ctx.settings(), ctx.mailer(), &before, &after)
            .await;
        Ok(ChangedUsersPayload(after))
    }

    /// Add users to the follow suggestions. Logged as `add_suggestion`.
    async fn suggest_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_suggested(ctx.db(), &actor, &input.nicknames, true).await?))
    }

    /// Remove users from the follow suggestions. Logged as `remove_suggestion`.
    async fn unsuggest_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_suggested(ctx.db(), &actor, &input.nicknames, false).await?))
    }

    /// Add tags to users. Logged as `tag`.
    async fn tag_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: TagUsersInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_tags(ctx.db(), &actor, &input.nicknames, &input.tags, true).await?))
    }

    /// Remove tags from users. Logged as `untag`.
    async fn untag_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: TagUsersInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_tags(ctx.db(), &actor, &input.nicknames, &input.tags, false).await?))
    }

    /// Grant `admin` or `moderator` to users. Logged as `grant`.
    async fn grant_permission_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: PermissionGroupInput,
    ) -> async_graphql::Result<PermissionGroupPayload> {
        let actor = log_actor(ctx)?;
        let changed = admin::grant(ctx.db(), &actor, &input.nicknames, &input.group).await?;
        Ok(group_payload(changed, true))
    }

    /// Revoke `admin` or `moderator` from users. The caller cannot be among them (`FORBIDDEN`:
    /// "You can't revoke your own admin/moderator status."). Logged as `revoke`.
    async fn revoke_permission_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: PermissionGroupInput,
    ) -> async_graphql::Result<PermissionGroupPayload> {
        let actor = log_actor(ctx)?;
        let changed = admin::revoke(ctx.db(), &actor, &input.nicknames, &input.group, RevokeForm::Multi).await?;
        Ok(group_payload(changed, false))
    }

    /// Revoke `admin` or `moderator` from one user (Pleroma's single-user form). The caller
    /// cannot name themself (`FORBIDDEN`: "You can't revoke your own admin status."), whatever
    /// the group. Logged as `revoke`.
    async fn revoke_user_permission_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UserPermissionGroupInput,
    ) -> async_graphql::Result<PermissionGroupPayload> {
        let actor = log_actor(ctx)?;
        let changed = admin::revoke(ctx.db(), &actor, &[input.nickname], &input.group, RevokeForm::Single).await?;
        Ok(group_payload(changed, false))
    }
}
