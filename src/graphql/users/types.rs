//! Types of the users area.
use std::borrow::Cow;

use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    parser::types::Field,
    registry::Registry,
    ContainerType, Context, ContextSelectionSet, InputObject, Json, Object, OutputType, Positioned, ServerResult,
    SimpleObject, Value, ID,
};
use entity::user;

use crate::domain::{
    moderation_log::Permission,
    user_admin::FollowPair,
    users::{self as domain_users, ListedUser, UserSearch},
};
use crate::graphql::{
    load_error,
    pagination::ListMeta,
    plain,
    scalars::DateTime,
    users::{TagsOf, UserById},
    ContextExt, Prechecked,
};

/// An account as staff see it: the columns the admin views show, and the whole row when the
/// caller had it (a list reads only [`ListedUser`]'s columns; `credentials` then loads the row).
/// Its GraphQL type is [`UserRow`]'s; see the `OutputType` impl below for why it is wrapped.
pub struct User(UserRow);

/// What a [`User`] holds; the resolvers of the `User` type.
pub struct UserRow {
    row: ListedUser,
    full: Option<Box<user::Model>>,
    /// The tags, when the list that made this user loaded them with its page.
    tags: Option<Vec<String>>,
    roles: Roles,
}

impl From<user::Model> for User {
    fn from(model: user::Model) -> Self {
        let row = ListedUser::from(&model);
        User(UserRow { roles: Roles::of(&row), row, full: Some(Box::new(model)), tags: None })
    }
}

impl User {
    /// A listed user, with its tags when the list loaded them.
    pub fn listed(row: ListedUser, tags: Option<Vec<String>>) -> Self {
        User(UserRow { roles: Roles::of(&row), row, full: None, tags })
    }
}

/// A page of users is mostly this type's plain fields: async-graphql resolves each through a
/// boxed future, a per-field context and a map grown insert by insert. On the prechecked
/// schema, where no access rule is left to check per field, a selection of plain fields (with
/// aliases, fragments, `roles` and `@not`) is answered in one pass instead ([`plain`]); where
/// the gateway writes the response itself (the REST facade, `/graphql`), that pass writes the
/// user's JSON text ([`plain::RawJson`]), and a page's `nodes` are all written in one loop
/// ([`UserConnection`]). Anything else
/// (arguments, other directives, `credentials`, tags not loaded with the page, a response key
/// selected twice) goes the usual way. All ways give the same answer: `tests/it/graphql.rs`
/// compares them. Figures in `benches/README.md`.
impl OutputType for User {
    fn type_name() -> Cow<'static, str> {
        UserRow::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        UserRow::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        if ctx.data_opt::<Prechecked>().is_some() {
            if let Some(raw) = ctx.data_opt::<plain::RawJson>() {
                if let Some(json) = plain::json(ctx, &ctx.item.node, &self.0, raw) {
                    return Ok(Value::Binary(json.into()));
                }
            } else if let Some(value) = plain::object(ctx, &ctx.item.node, &self.0) {
                return Ok(value);
            }
        }
        // Boxed: the resolvers' future is large, and a list moves and allocates each item's
        // future, so every user of a page would carry its size even when answered in one pass.
        Box::pin(OutputType::resolve(&self.0, ctx, field)).await
    }
}

impl plain::PlainObject for UserRow {
    fn type_name(&self) -> &'static str {
        "User"
    }

    fn field_index(&self, name: &str) -> Option<usize> {
        USER_FIELDS.iter().position(|(field, _)| *field == name)
    }

    fn field(&self, ctx: &ContextSelectionSet<'_>, index: usize) -> Option<plain::Plain<'_>> {
        use plain::Plain::{Bool, Str, String as Owned};
        use UserField as F;
        let row = &self.row;
        fn optional(s: Option<&str>) -> plain::Plain<'_> {
            s.map_or(plain::Plain::Null, plain::Plain::Str)
        }
        Some(match USER_FIELDS.get(index)?.1 {
            F::Id => Str(row.id()),
            F::Nickname => Str(row.nickname()),
            F::Email => optional(row.email()),
            F::DisplayName => Str(self.display_name_str()),
            F::Avatar => Owned(avatar_url(ctx, row.avatar())),
            F::IsActive => Bool(row.is_active),
            F::Local => Bool(row.local),
            F::Domain => optional(row.domain()),
            F::Roles => plain::Plain::Object(&self.roles),
            F::IsAdmin => Bool(row.is_admin),
            F::IsModerator => Bool(row.is_moderator),
            F::Tags => plain::Plain::Strs(self.tags.as_deref()?),
            F::IsConfirmed => Bool(row.is_confirmed),
            F::IsApproved => Bool(row.is_approved),
            F::IsSuggested => Bool(row.is_suggested),
            F::ApId => Str(row.ap_id()),
            F::RegistrationReason => optional(row.registration_reason()),
            F::ActorType => Str(row.actor_type()),
            F::PasswordResetPending => Bool(row.password_reset_pending),
            F::CreatedAt => Owned(crate::graphql::scalars::pleroma_time(&row.inserted_at)),
        })
    }
}

/// The fields of `User` answered in one pass ([`plain`]), by name.
const USER_FIELDS: [(&str, UserField); 21] = {
    use UserField as F;
    [
        ("id", F::Id),
        ("nickname", F::Nickname),
        ("email", F::Email),
        ("displayName", F::DisplayName),
        ("avatar", F::Avatar),
        ("isActive", F::IsActive),
        ("local", F::Local),
        ("domain", F::Domain),
        ("roles", F::Roles),
        ("isAdmin", F::IsAdmin),
        ("isModerator", F::IsModerator),
        ("tags", F::Tags),
        ("isConfirmed", F::IsConfirmed),
        ("isApproved", F::IsApproved),
        ("isSuggested", F::IsSuggested),
        ("url", F::ApId),
        ("apId", F::ApId),
        ("registrationReason", F::RegistrationReason),
        ("actorType", F::ActorType),
        ("passwordResetPending", F::PasswordResetPending),
        ("createdAt", F::CreatedAt),
    ]
};

#[derive(Clone, Copy)]
enum UserField {
    Id,
    Nickname,
    Email,
    DisplayName,
    Avatar,
    IsActive,
    Local,
    Domain,
    Roles,
    IsAdmin,
    IsModerator,
    Tags,
    IsConfirmed,
    IsApproved,
    IsSuggested,
    ApId,
    RegistrationReason,
    ActorType,
    PasswordResetPending,
    CreatedAt,
}

impl UserRow {
    fn display_name_str(&self) -> &str {
        self.row.name().filter(|n| !n.is_empty()).unwrap_or(self.row.nickname())
    }
}

/// Admin and moderator flags.
#[derive(SimpleObject, Clone, Copy)]
pub struct Roles {
    /// Holds every admin privilege.
    pub admin: bool,
    /// Holds the moderator privileges.
    pub moderator: bool,
}

impl Roles {
    fn of(row: &ListedUser) -> Roles {
        Roles { admin: row.is_admin, moderator: row.is_moderator }
    }
}

impl plain::PlainObject for Roles {
    fn type_name(&self) -> &'static str {
        "Roles"
    }

    fn field_index(&self, name: &str) -> Option<usize> {
        ["admin", "moderator"].iter().position(|field| *field == name)
    }

    fn field(&self, _: &ContextSelectionSet<'_>, index: usize) -> Option<plain::Plain<'_>> {
        [self.admin, self.moderator].get(index).copied().map(plain::Plain::Bool)
    }
}

/// The default avatar Pleroma shows for accounts without one.
pub fn avatar_url(ctx: &impl ContextExt, avatar: Option<&str>) -> String {
    avatar.map_or_else(|| format!("{}/images/avi.png", ctx.settings().instance_url), String::from)
}

/// An account as staff see it.
#[Object(name = "User")]
impl UserRow {
    /// Flake id.
    async fn id(&self) -> ID {
        ID(self.row.id().to_owned())
    }
    /// `alice` for local accounts, `alice@example.org` for remote ones.
    async fn nickname(&self) -> &str {
        self.row.nickname()
    }
    /// Email address (local accounts).
    async fn email(&self) -> Option<&str> {
        self.row.email()
    }
    /// Display name; the nickname when none is set.
    async fn display_name(&self) -> &str {
        self.display_name_str()
    }
    /// Avatar URL (the instance's default image when none is set).
    async fn avatar(&self, ctx: &Context<'_>) -> String {
        avatar_url(ctx, self.row.avatar())
    }
    /// Whether the account is active (not deactivated).
    async fn is_active(&self) -> bool {
        self.row.is_active
    }
    /// Whether the account lives on this instance.
    async fn local(&self) -> bool {
        self.row.local
    }
    /// Host of a remote account.
    async fn domain(&self) -> Option<&str> {
        self.row.domain()
    }
    /// Staff roles.
    async fn roles(&self) -> Roles {
        self.roles
    }
    /// Whether the account is an admin.
    async fn is_admin(&self) -> bool {
        self.row.is_admin
    }
    /// Whether the account is a moderator.
    async fn is_moderator(&self) -> bool {
        self.row.is_moderator
    }
    /// Tags (`force_nsfw`, `mrf_tag:…`), sorted.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        if let Some(tags) = &self.tags {
            return Ok(tags.clone());
        }
        Ok(ctx.loader().load_one(TagsOf(self.row.id().to_owned())).await.map_err(load_error)?.unwrap_or_default())
    }
    /// Whether the email address is confirmed.
    async fn is_confirmed(&self) -> bool {
        self.row.is_confirmed
    }
    /// Whether the registration is approved.
    async fn is_approved(&self) -> bool {
        self.row.is_approved
    }
    /// Whether the account is among the follow suggestions.
    async fn is_suggested(&self) -> bool {
        self.row.is_suggested
    }
    /// Profile URL.
    async fn url(&self) -> &str {
        self.row.ap_id()
    }
    /// ActivityPub actor id.
    async fn ap_id(&self) -> &str {
        self.row.ap_id()
    }
    /// Why the user asked to join (approval-required registrations).
    async fn registration_reason(&self) -> Option<&str> {
        self.row.registration_reason()
    }
    /// `Person`, `Service` or `Application`.
    async fn actor_type(&self) -> &str {
        self.row.actor_type()
    }
    /// Whether the user must reset their password before signing in.
    async fn password_reset_pending(&self) -> bool {
        self.row.password_reset_pending
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.row.inserted_at)
    }
    /// The editable account fields (never the password).
    async fn credentials(&self, ctx: &Context<'_>) -> async_graphql::Result<Credentials> {
        if let Some(full) = &self.full {
            return Ok(Credentials((**full).clone()));
        }
        let loaded = ctx.loader().load_one(UserById(self.row.id().to_owned())).await.map_err(load_error)?;
        Ok(Credentials(loaded.ok_or_else(crate::error::AppError::not_found)?))
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

/// The result of `createUsers`.
#[derive(SimpleObject)]
pub struct CreateUsersPayload {
    /// The new accounts, in request order.
    pub users: Vec<User>,
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
pub struct UserFollowPayload(pub Option<FollowPair>);

/// The result of `followUser` and `unfollowUser`.
#[Object]
impl UserFollowPayload {
    /// Whether both accounts exist (when not, nothing happened and nothing was logged).
    async fn applied(&self) -> bool {
        self.0.is_some()
    }
    /// The follower, when both accounts exist.
    async fn follower(&self) -> Option<User> {
        self.0.as_ref().map(|p| User::from(p.follower.clone()))
    }
    /// The followed account, when both accounts exist.
    async fn followed(&self) -> Option<User> {
        self.0.as_ref().map(|p| User::from(p.followed.clone()))
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

pub(super) fn group_payload(
    (permission, users): (Permission, Vec<user::Model>),
    value: bool,
) -> PermissionGroupPayload {
    match permission {
        Permission::Admin => PermissionGroupPayload::Admin(AdminGroupPayload { value, users }),
        Permission::Moderator => PermissionGroupPayload::Moderator(ModeratorGroupPayload { value, users }),
    }
}
