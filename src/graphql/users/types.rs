//! The admin view of an account (`User`), its roles and profile fields.
use std::borrow::Cow;

use async_graphql::{
    parser::types::Field, registry::Registry, Context, ContextSelectionSet, Object, OutputType, Positioned,
    ServerResult, SimpleObject, Value, ID,
};
use entity::user;

use super::Credentials;
use crate::domain::users::ListedUser;
use crate::graphql::{
    load_error, plain,
    scalars::DateTime,
    users::{TagsOf, UserById},
    ContextExt, Prechecked,
};

/// An account as staff see it: the columns the admin views show, and the whole row when the
/// caller had it (a list reads only [`ListedUser`]'s columns; `credentials` then loads the row).
/// Its GraphQL type is [`UserRow`]'s; see the `OutputType` impl below for why it is wrapped.
pub struct User(pub(super) UserRow);

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

pub(super) fn profile_fields(json: &serde_json::Value) -> Vec<ProfileField> {
    serde_json::from_value(json.clone()).unwrap_or_default()
}
