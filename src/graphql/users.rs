//! Users: the admin view of an account, the user search, credentials and permission groups.
use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    Context, InputObject, Json, Object, SimpleObject, ID,
};
use entity::user;

use super::{
    load_error,
    loaders::TagsOf,
    pagination::{ListMeta, Window},
    scalars::DateTime,
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::{
        moderation_log::{Actor, Permission},
        user_admin::{self as admin, FollowPair, NewAccount, RevokeForm},
        users::{self as domain, UserSearch, UserState},
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
    ("Query", "userCredentials", Access::Staff(Privilege::UsersManageCredentials, READ_ACCOUNTS)),
    ("Query", "permissionGroups", Access::Admin(READ_ACCOUNTS)),
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

/// An account as staff see it.
pub struct User(pub user::Model);

/// Admin and moderator flags.
#[derive(SimpleObject)]
pub struct Roles {
    /// Holds every admin privilege.
    pub admin: bool,
    /// Holds the moderator privileges.
    pub moderator: bool,
}

/// The default avatar Pleroma shows for accounts without one.
pub fn avatar_url(ctx: &Context<'_>, avatar: Option<&str>) -> String {
    avatar.map_or_else(|| format!("{}/images/avi.png", ctx.settings().instance_url), String::from)
}

/// An account as staff see it.
#[Object]
impl User {
    /// Flake id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// `alice` for local accounts, `alice@example.org` for remote ones.
    async fn nickname(&self) -> &str {
        &self.0.nickname
    }
    /// Email address (local accounts).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Display name; the nickname when none is set.
    async fn display_name(&self) -> &str {
        self.0.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(&self.0.nickname)
    }
    /// Avatar URL (the instance's default image when none is set).
    async fn avatar(&self, ctx: &Context<'_>) -> String {
        avatar_url(ctx, self.0.avatar.as_deref())
    }
    /// Whether the account is active (not deactivated).
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// The opposite of `isActive` (older Admin API docs).
    async fn deactivated(&self) -> bool {
        !self.0.is_active
    }
    /// Whether the account lives on this instance.
    async fn local(&self) -> bool {
        self.0.local
    }
    /// Host of a remote account.
    async fn domain(&self) -> Option<&str> {
        self.0.domain.as_deref()
    }
    /// Staff roles.
    async fn roles(&self) -> Roles {
        Roles { admin: self.0.is_admin, moderator: self.0.is_moderator }
    }
    /// Whether the account is an admin.
    async fn is_admin(&self) -> bool {
        self.0.is_admin
    }
    /// Whether the account is a moderator.
    async fn is_moderator(&self) -> bool {
        self.0.is_moderator
    }
    /// Tags (`force_nsfw`, `mrf_tag:…`), sorted.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(ctx.loader().load_one(TagsOf(self.0.id.clone())).await.map_err(load_error)?.unwrap_or_default())
    }
    /// Whether the email address is confirmed.
    async fn is_confirmed(&self) -> bool {
        self.0.is_confirmed
    }
    /// The opposite of `isConfirmed` (older Admin API docs).
    async fn confirmation_pending(&self) -> bool {
        !self.0.is_confirmed
    }
    /// Whether the registration is approved.
    async fn is_approved(&self) -> bool {
        self.0.is_approved
    }
    /// The opposite of `isApproved` (older Admin API docs).
    async fn approval_pending(&self) -> bool {
        !self.0.is_approved
    }
    /// Whether the account is among the follow suggestions.
    async fn is_suggested(&self) -> bool {
        self.0.is_suggested
    }
    /// Profile URL.
    async fn url(&self) -> &str {
        &self.0.ap_id
    }
    /// ActivityPub actor id.
    async fn ap_id(&self) -> &str {
        &self.0.ap_id
    }
    /// Why the user asked to join (approval-required registrations).
    async fn registration_reason(&self) -> Option<&str> {
        self.0.registration_reason.as_deref()
    }
    /// `Person`, `Service` or `Application`.
    async fn actor_type(&self) -> &str {
        &self.0.actor_type
    }
    /// Whether the user must reset their password before signing in.
    async fn password_reset_pending(&self) -> bool {
        self.0.password_reset_pending
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.inserted_at)
    }
}

/// A profile field.
#[derive(SimpleObject, serde::Deserialize, Clone)]
pub struct ProfileField {
    /// Label.
    pub name: String,
    /// Value (HTML in `fields`, as typed in `rawFields`).
    pub value: String,
}

fn profile_fields(json: &serde_json::Value) -> Vec<ProfileField> {
    serde_json::from_value(json.clone()).unwrap_or_default()
}

/// The editable account fields of a user (never the password).
pub struct Credentials(pub user::Model);

/// The editable account fields of a user (never the password).
#[Object]
impl Credentials {
    /// Flake id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Nickname.
    async fn nickname(&self) -> &str {
        &self.0.nickname
    }
    /// Display name.
    async fn name(&self) -> &str {
        self.0.name.as_deref().unwrap_or(&self.0.nickname)
    }
    /// Bio.
    async fn bio(&self) -> &str {
        &self.0.bio
    }
    /// Email address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Profile fields, rendered.
    async fn fields(&self) -> Vec<ProfileField> {
        profile_fields(&self.0.fields)
    }
    /// Profile fields, as typed.
    async fn raw_fields(&self) -> Vec<ProfileField> {
        profile_fields(&self.0.raw_fields)
    }
    /// Whether follows need approval.
    async fn is_locked(&self) -> bool {
        self.0.is_locked
    }
    /// Whether posts are plain text only.
    async fn no_rich_text(&self) -> bool {
        self.0.no_rich_text
    }
    /// Default post visibility.
    async fn default_scope(&self) -> &str {
        &self.0.default_scope
    }
    /// Hide whom the user follows.
    async fn hide_follows(&self) -> bool {
        self.0.hide_follows
    }
    /// Hide the user's followers.
    async fn hide_followers(&self) -> bool {
        self.0.hide_followers
    }
    /// Hide the followers count.
    async fn hide_followers_count(&self) -> bool {
        self.0.hide_followers_count
    }
    /// Hide the follows count.
    async fn hide_follows_count(&self) -> bool {
        self.0.hide_follows_count
    }
    /// Hide favourites.
    async fn hide_favorites(&self) -> bool {
        self.0.hide_favorites
    }
    /// Follow along when followed accounts move.
    async fn allow_following_move(&self) -> bool {
        self.0.allow_following_move
    }
    /// Show the staff role on the profile.
    async fn show_role(&self) -> bool {
        self.0.show_role
    }
    /// Skip thread containment.
    async fn skip_thread_containment(&self) -> bool {
        self.0.skip_thread_containment
    }
    /// The frontend settings store.
    async fn pleroma_settings_store(&self) -> Json<serde_json::Value> {
        Json(self.0.settings_store.clone())
    }
    /// Listed in the directory and search engines.
    async fn is_discoverable(&self) -> bool {
        self.0.is_discoverable
    }
    /// `Person` or `Service`.
    async fn actor_type(&self) -> &str {
        &self.0.actor_type
    }
    /// Avatar URL.
    async fn avatar(&self, ctx: &Context<'_>) -> String {
        avatar_url(ctx, self.0.avatar.as_deref())
    }
    /// Banner URL.
    async fn banner(&self, ctx: &Context<'_>) -> String {
        self.0.banner.clone().unwrap_or_else(|| format!("{}/images/banner.png", ctx.settings().instance_url))
    }
    /// Background image URL.
    async fn background(&self) -> Option<&str> {
        self.0.background.as_deref()
    }
}

/// A user's staff flags.
#[derive(SimpleObject)]
pub struct PermissionGroups {
    /// Admin flag.
    pub is_admin: bool,
    /// Moderator flag.
    pub is_moderator: bool,
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
            states: f.states.unwrap_or_default(),
        }
    }
}

/// A page of users.
pub type UserConnection = Connection<OpaqueCursor<u64>, User, ListMeta, EmptyFields>;

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
        filter: Option<UserFilter>,
        first: Option<i32>,
        after: Option<String>,
        page: Option<i32>,
        page_size: Option<i32>,
    ) -> async_graphql::Result<UserConnection> {
        let window = Window::resolve(first, after, page, page_size, 50)?;
        let search = UserSearch::from(filter.unwrap_or_default());
        let db = &ctx.db().read;
        let (nodes, total) = tokio::try_join!(search.page(db, window.offset, window.limit), search.count(db))?;
        Ok(window.connection(nodes.into_iter().map(User).collect(), total))
    }

    /// One user, by id or nickname (`null` when there is none).
    async fn user(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        nickname: Option<String>,
    ) -> async_graphql::Result<Option<User>> {
        let key = match (id, nickname) {
            (Some(id), _) => id.0,
            (None, Some(nickname)) => nickname,
            (None, None) => return Err(AppError::BadRequest("Give an id or a nickname.".into()).into()),
        };
        Ok(domain::find_by_nickname_or_id(&ctx.db().read, &key).await?.map(User))
    }

    /// A user's editable account fields, by nickname or id.
    async fn user_credentials(
        &self,
        ctx: &Context<'_>,
        nickname: String,
    ) -> async_graphql::Result<Option<Credentials>> {
        Ok(domain::find_by_nickname_or_id(&ctx.db().read, &nickname).await?.map(Credentials))
    }

    /// A user's admin and moderator flags, by nickname or id; `null` for an unknown user, or
    /// when `group` is given and is neither `admin` nor `moderator`.
    async fn permission_groups(
        &self,
        ctx: &Context<'_>,
        nickname: String,
        group: Option<String>,
    ) -> async_graphql::Result<Option<PermissionGroups>> {
        if group.as_deref().is_some_and(|g| g != "admin" && g != "moderator") {
            return Ok(None);
        }
        Ok(domain::find_by_nickname_or_id(&ctx.db().read, &nickname)
            .await?
            .map(|u| PermissionGroups { is_admin: u.is_admin, is_moderator: u.is_moderator }))
    }
}

// ---- User-changing admin actions -------------------------------------------------------------

/// The caller as the moderation log names them.
pub(crate) fn log_actor(ctx: &Context<'_>) -> Result<Actor, AppError> {
    Ok(Actor::from(ctx.viewer().require_user()?))
}

fn to_users(models: Vec<user::Model>) -> Vec<User> {
    models.into_iter().map(User).collect()
}

/// One local account to create.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Nickname: letters, digits, `_` and `-`, not a reserved path name.
    pub nickname: String,
    /// Email address (well-formed, unused).
    pub email: String,
    /// Password (not blank).
    pub password: String,
}

/// Accounts to create, all or none.
#[derive(InputObject)]
pub struct CreateUsersInput {
    /// The accounts. When any is invalid nothing is created and the error's
    /// `extensions.details` lists every account (in reverse order, as Pleroma does) with its
    /// first error (`""` for the valid ones).
    pub users: Vec<CreateUserInput>,
}

/// The nickname and email of a created account.
#[derive(SimpleObject)]
pub struct CreatedUserData {
    /// Nickname.
    pub nickname: String,
    /// Email address.
    pub email: Option<String>,
}

/// One account `createUsers` created, in Pleroma's per-entry shape plus the account itself.
pub struct CreatedUser(user::Model);

/// One account `createUsers` created, in Pleroma's per-entry shape plus the account itself.
#[Object]
impl CreatedUser {
    /// Always `success`.
    #[graphql(name = "type")]
    async fn result_type(&self) -> &str {
        "success"
    }
    /// Always `200`.
    async fn code(&self) -> i32 {
        200
    }
    /// The account's nickname and email.
    async fn data(&self) -> CreatedUserData {
        CreatedUserData { nickname: self.0.nickname.clone(), email: self.0.email.clone() }
    }
    /// The new account.
    async fn user(&self) -> User {
        User(self.0.clone())
    }
}

/// The result of `createUsers`.
#[derive(SimpleObject)]
pub struct CreateUsersPayload {
    /// One entry per account, in request order, in Pleroma's per-entry shape.
    pub results: Vec<CreatedUser>,
}

/// Accounts to delete.
#[derive(InputObject)]
pub struct DeleteUsersInput {
    /// Local or remote nicknames; each must exist, or nothing is deleted.
    pub nicknames: Option<Vec<String>>,
    /// One nickname (Pleroma's deprecated single-user form); wins over `nicknames`.
    pub nickname: Option<String>,
}

/// The result of `deleteUsers`.
#[derive(SimpleObject)]
pub struct DeleteUsersPayload {
    /// The nicknames as given (every one existed and is gone).
    pub nicknames: Vec<String>,
}

/// Who should follow (or stop following) whom.
#[derive(InputObject)]
pub struct UserFollowInput {
    /// Nickname of the follower.
    pub follower: String,
    /// Nickname of the followed account.
    pub followed: String,
}

/// The result of `followUser` and `unfollowUser`.
pub struct UserFollowPayload(Option<FollowPair>);

/// The result of `followUser` and `unfollowUser`.
#[Object]
impl UserFollowPayload {
    /// Whether both accounts exist (when not, nothing happened and nothing was logged).
    async fn applied(&self) -> bool {
        self.0.is_some()
    }
    /// The follower, when both accounts exist.
    async fn follower(&self) -> Option<User> {
        self.0.as_ref().map(|p| User(p.follower.clone()))
    }
    /// The followed account, when both accounts exist.
    async fn followed(&self) -> Option<User> {
        self.0.as_ref().map(|p| User(p.followed.clone()))
    }
}

/// One user, by nickname.
#[derive(InputObject)]
pub struct UserNicknameInput {
    /// Local or remote nickname.
    pub nickname: String,
}

/// The result of `toggleUserActivation`.
#[derive(SimpleObject)]
pub struct ToggleUserActivationPayload {
    /// The user after the toggle.
    pub user: User,
}

/// Set one user's activation (the older Akkoma Admin API form).
#[derive(InputObject)]
pub struct SetUserActivationInput {
    /// Local or remote nickname.
    pub nickname: String,
    /// `true` activates, `false` deactivates (and revokes the user's tokens).
    pub active: bool,
}

/// The result of `setUserActivation`.
#[derive(SimpleObject)]
pub struct SetUserActivationPayload {
    /// The user as changed.
    pub user: User,
}

/// Users to act on, by nickname (every bulk action on users: activation, approval,
/// suggestions, forced password resets, email confirmation).
#[derive(InputObject)]
pub struct UserBatchInput {
    /// Local or remote nicknames; each must exist, or nothing changes and nothing is logged
    /// (`NOT_FOUND`).
    pub nicknames: Vec<String>,
}

/// Users and tags.
#[derive(InputObject)]
pub struct TagUsersInput {
    /// Local or remote nicknames; each must exist, or nothing changes (`NOT_FOUND`).
    pub nicknames: Vec<String>,
    /// Tags (stored lower-cased), e.g. `force_nsfw`, `mrf_tag:disable-any-subscription`.
    pub tags: Vec<String>,
}

/// The users a mutation changed.
pub struct ChangedUsersPayload(pub Vec<user::Model>);

/// The users a mutation changed.
#[Object]
impl ChangedUsersPayload {
    /// The users, in request order, as changed.
    async fn users(&self) -> Vec<User> {
        to_users(self.0.clone())
    }
}

/// A permission group for many users.
#[derive(InputObject)]
pub struct PermissionGroupInput {
    /// `admin` or `moderator` (anything else is `NOT_FOUND`: "No such permission_group").
    pub group: String,
    /// Local or remote nicknames; each must exist, or nothing changes.
    pub nicknames: Vec<String>,
}

/// A permission group for one user.
#[derive(InputObject)]
pub struct UserPermissionGroupInput {
    /// Local or remote nickname.
    pub nickname: String,
    /// `admin` or `moderator`.
    pub group: String,
}

/// The result of a permission-group change: the flag that changed, with its new value.
#[derive(async_graphql::Interface)]
#[graphql(field(name = "users", ty = "Vec<User>", desc = "The users, in request order, as changed."))]
pub enum PermissionGroupPayload {
    /// The `admin` group changed.
    Admin(AdminGroupPayload),
    /// The `moderator` group changed.
    Moderator(ModeratorGroupPayload),
}

/// The `admin` group was granted or revoked.
pub struct AdminGroupPayload {
    value: bool,
    users: Vec<user::Model>,
}

/// The `admin` group was granted or revoked.
#[Object]
impl AdminGroupPayload {
    /// The users' admin flag now.
    async fn is_admin(&self) -> bool {
        self.value
    }
    /// The users, in request order, as changed.
    async fn users(&self) -> Vec<User> {
        to_users(self.users.clone())
    }
}

/// The `moderator` group was granted or revoked.
pub struct ModeratorGroupPayload {
    value: bool,
    users: Vec<user::Model>,
}

/// The `moderator` group was granted or revoked.
#[Object]
impl ModeratorGroupPayload {
    /// The users' moderator flag now.
    async fn is_moderator(&self) -> bool {
        self.value
    }
    /// The users, in request order, as changed.
    async fn users(&self) -> Vec<User> {
        to_users(self.users.clone())
    }
}

fn group_payload((permission, users): (Permission, Vec<user::Model>), value: bool) -> PermissionGroupPayload {
    match permission {
        Permission::Admin => PermissionGroupPayload::Admin(AdminGroupPayload { value, users }),
        Permission::Moderator => PermissionGroupPayload::Moderator(ModeratorGroupPayload { value, users }),
    }
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
        input: CreateUsersInput,
    ) -> async_graphql::Result<CreateUsersPayload> {
        let actor = log_actor(ctx)?;
        let accounts: Vec<NewAccount> = input
            .users
            .into_iter()
            .map(|u| NewAccount { nickname: u.nickname, email: u.email, password: u.password })
            .collect();
        let created = admin::create_users(ctx.db(), ctx.settings(), &actor, &accounts).await?;
        Ok(CreateUsersPayload { results: created.into_iter().map(CreatedUser).collect() })
    }

    /// Delete accounts (with their tokens, tags and follows); returns the nicknames as given.
    /// Logged as `delete`.
    async fn delete_users(
        &self,
        ctx: &Context<'_>,
        input: DeleteUsersInput,
    ) -> async_graphql::Result<DeleteUsersPayload> {
        let actor = log_actor(ctx)?;
        let nicknames = admin::delete_users(ctx.db(), &actor, input.nicknames, input.nickname).await?;
        Ok(DeleteUsersPayload { nicknames })
    }

    /// Make one user follow another. Unknown nicknames: nothing happens. Logged as `follow`.
    async fn follow_user(&self, ctx: &Context<'_>, input: UserFollowInput) -> async_graphql::Result<UserFollowPayload> {
        let actor = log_actor(ctx)?;
        Ok(UserFollowPayload(admin::follow(ctx.db(), &actor, &input.follower, &input.followed).await?))
    }

    /// Make one user stop following another. Unknown nicknames: nothing happens. Logged as
    /// `unfollow`.
    async fn unfollow_user(
        &self,
        ctx: &Context<'_>,
        input: UserFollowInput,
    ) -> async_graphql::Result<UserFollowPayload> {
        let actor = log_actor(ctx)?;
        Ok(UserFollowPayload(admin::unfollow(ctx.db(), &actor, &input.follower, &input.followed).await?))
    }

    /// Flip a user's activation and return the user; deactivation revokes their tokens.
    /// Logged as `activate` or `deactivate`.
    async fn toggle_user_activation(
        &self,
        ctx: &Context<'_>,
        input: UserNicknameInput,
    ) -> async_graphql::Result<ToggleUserActivationPayload> {
        let actor = log_actor(ctx)?;
        let user = User(admin::toggle_activation(ctx.db(), &actor, &input.nickname).await?);
        Ok(ToggleUserActivationPayload { user })
    }

    /// Activate or deactivate one user and return them; deactivation revokes their tokens.
    /// Logged as `activate` or `deactivate`.
    async fn set_user_activation(
        &self,
        ctx: &Context<'_>,
        input: SetUserActivationInput,
    ) -> async_graphql::Result<SetUserActivationPayload> {
        let actor = log_actor(ctx)?;
        let mut users = admin::set_activation(ctx.db(), &actor, &[input.nickname], input.active).await?;
        Ok(SetUserActivationPayload { user: User(users.pop().ok_or_else(AppError::not_found)?) })
    }

    /// Activate users. Logged as `activate`.
    async fn activate_users(
        &self,
        ctx: &Context<'_>,
        input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_activation(ctx.db(), &actor, &input.nicknames, true).await?))
    }

    /// Deactivate users and revoke their tokens. Logged as `deactivate`.
    async fn deactivate_users(
        &self,
        ctx: &Context<'_>,
        input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_activation(ctx.db(), &actor, &input.nicknames, false).await?))
    }

    /// Approve registrations awaiting approval. Logged as `approve`.
    async fn approve_users(
        &self,
        ctx: &Context<'_>,
        input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::approve(ctx.db(), &actor, &input.nicknames).await?))
    }

    /// Add users to the follow suggestions. Logged as `add_suggestion`.
    async fn suggest_users(
        &self,
        ctx: &Context<'_>,
        input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_suggested(ctx.db(), &actor, &input.nicknames, true).await?))
    }

    /// Remove users from the follow suggestions. Logged as `remove_suggestion`.
    async fn unsuggest_users(
        &self,
        ctx: &Context<'_>,
        input: UserBatchInput,
    ) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_suggested(ctx.db(), &actor, &input.nicknames, false).await?))
    }

    /// Add tags to users. Logged as `tag`.
    async fn tag_users(&self, ctx: &Context<'_>, input: TagUsersInput) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_tags(ctx.db(), &actor, &input.nicknames, &input.tags, true).await?))
    }

    /// Remove tags from users. Logged as `untag`.
    async fn untag_users(&self, ctx: &Context<'_>, input: TagUsersInput) -> async_graphql::Result<ChangedUsersPayload> {
        let actor = log_actor(ctx)?;
        Ok(ChangedUsersPayload(admin::set_tags(ctx.db(), &actor, &input.nicknames, &input.tags, false).await?))
    }

    /// Grant `admin` or `moderator` to users. Logged as `grant`.
    async fn grant_permission_group(
        &self,
        ctx: &Context<'_>,
        input: PermissionGroupInput,
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
        input: PermissionGroupInput,
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
        input: UserPermissionGroupInput,
    ) -> async_graphql::Result<PermissionGroupPayload> {
        let actor = log_actor(ctx)?;
        let changed = admin::revoke(ctx.db(), &actor, &[input.nickname], &input.group, RevokeForm::Single).await?;
        Ok(group_payload(changed, false))
    }
}
