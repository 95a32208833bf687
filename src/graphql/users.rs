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
    domain::users::{self as domain, UserSearch, UserState},
    error::AppError,
};

const READ_ACCOUNTS: &[&str] = &["admin:read:accounts"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "users", Access::Staff(Privilege::UsersRead, READ_ACCOUNTS)),
    ("Query", "user", Access::Staff(Privilege::UsersRead, READ_ACCOUNTS)),
    ("Query", "userCredentials", Access::Staff(Privilege::UsersManageCredentials, READ_ACCOUNTS)),
    ("Query", "permissionGroups", Access::Admin(READ_ACCOUNTS)),
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
    async fn user(&self, ctx: &Context<'_>, id: Option<ID>, nickname: Option<String>) -> async_graphql::Result<Option<User>> {
        let key = match (id, nickname) {
            (Some(id), _) => id.0,
            (None, Some(nickname)) => nickname,
            (None, None) => return Err(AppError::BadRequest("Give an id or a nickname.".into()).into()),
        };
        Ok(domain::find_by_nickname_or_id(&ctx.db().read, &key).await?.map(User))
    }

    /// A user's editable account fields, by nickname or id.
    async fn user_credentials(&self, ctx: &Context<'_>, nickname: String) -> async_graphql::Result<Option<Credentials>> {
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
