//! Types of the accounts area.
use async_graphql::{Context, Json, Object, SimpleObject, ID};
use entity::user;

use crate::auth::Privilege;
use crate::graphql::{
    load_error,
    media_proxy::proxied,
    scalars::DateTime,
    users::avatar_url,
    users::ProfileField,
    users::{FollowCountsOf, TagsOf, User, UserById},
    ContextExt,
};

/// A Mastodon account entity with Pleroma's extensions. Fields that only the account's owner may
/// see (`source.privacy`, `pleroma.email`, …) are `null` for anyone else.
pub struct Account {
    user: user::Model,
    /// What only the owner sees, when read with the row ([`Account::own`]).
    own: Option<OwnExtras>,
}

/// The owner-only figures of [`crate::domain::users::OwnReads`].
#[derive(Debug, Clone, Copy)]
struct OwnExtras {
    follow_requests: u64,
    unread_notifications: u64,
    block_from_strangers: bool,
    hide_notification_contents: bool,
}

impl Account {
    /// Wrap a user row.
    pub fn new(user: user::Model) -> Self {
        Account { user, own: None }
    }

    /// The account of `user_id`, through the request's loader, for a row that must have one:
    /// a missing user is an internal error naming `owner` (the row that points at it).
    pub async fn required(
        ctx: &Context<'_>,
        user_id: &str,
        owner: impl FnOnce() -> String,
    ) -> async_graphql::Result<Self> {
        let user = ctx.loader().load_one(UserById(user_id.to_string())).await.map_err(load_error)?;
        let user = user.ok_or_else(|| crate::error::AppError::internal(format!("{} has no account", owner())))?;
        Ok(Account::new(user))
    }

    /// The caller's own account from its one-statement read: the row's counters and tags are
    /// fed to the request's loaders, the owner-only figures kept here, so no field reads more.
    pub async fn own(ctx: &Context<'_>, reads: crate::domain::users::OwnReads) -> Self {
        let id = reads.user.id.clone();
        let loader = ctx.loader();
        loader.feed_one(TagsOf(id.clone()), reads.tags).await;
        loader.feed_one(FollowCountsOf(id.clone()), crate::domain::users::follow_counts_of_row(&reads.user)).await;
        loader
            .feed_one(
                crate::graphql::statuses::AuthorStatsOf(id),
                crate::domain::statuses::AuthorStats::of(&reads.user),
            )
            .await;
        let own = OwnExtras {
            follow_requests: reads.follow_requests,
            unread_notifications: reads.unread_notifications,
            block_from_strangers: reads.block_from_strangers,
            hide_notification_contents: reads.hide_notification_contents,
        };
        Account { user: reads.user, own: Some(own) }
    }

    fn is_self(&self, ctx: &Context<'_>) -> bool {
        ctx.viewer().user.as_ref().is_some_and(|v| v.id == self.user.id)
    }

    /// The row.
    pub fn row(&self) -> &user::Model {
        &self.user
    }

    /// Post count and last post time, batched across the accounts of a request.
    async fn author_stats(&self, ctx: &Context<'_>) -> async_graphql::Result<crate::domain::statuses::AuthorStats> {
        let key = crate::graphql::statuses::AuthorStatsOf(self.user.id.clone());
        Ok(ctx.loader().load_one(key).await.map_err(load_error)?.unwrap_or_default())
    }

    /// `(followers, following)`, batched across the accounts of a request.
    async fn counts(&self, ctx: &Context<'_>) -> async_graphql::Result<(u64, u64)> {
        let counts = ctx.loader().load_one(FollowCountsOf(self.user.id.clone())).await.map_err(load_error)?;
        Ok(counts.unwrap_or_default())
    }
}

fn profile_fields(json: &serde_json::Value) -> Vec<ProfileField> {
    serde_json::from_value(json.clone()).unwrap_or_default()
}

/// A custom emoji used in an account's name or bio.
#[derive(SimpleObject)]
pub struct AccountEmoji {
    /// Shortcode without colons.
    pub shortcode: String,
    /// Image URL.
    pub url: String,
    /// Non-animated image URL.
    pub static_url: String,
    /// Whether the emoji is offered in pickers.
    pub visible_in_picker: bool,
}

/// What the account's owner typed, and their posting defaults.
pub struct AccountSource<'a>(&'a Account, bool);

/// The editable profile source of an account (its owner sees it).
#[Object]
impl AccountSource<'_> {
    /// The bio as typed (the rendered bio for accounts whose bio was never edited here).
    async fn note(&self) -> &str {
        self.0.user.raw_bio.as_deref().unwrap_or(&self.0.user.bio)
    }
    /// Whether posts are marked sensitive by default.
    async fn sensitive(&self) -> bool {
        false
    }
    /// Profile fields as typed.
    async fn fields(&self) -> Vec<ProfileField> {
        profile_fields(&self.0.user.raw_fields)
    }
    /// Default post visibility (owner only).
    async fn privacy(&self) -> Option<&str> {
        self.1.then_some(self.0.user.default_scope.as_str())
    }
    /// Pleroma's additions.
    async fn pleroma(&self) -> AccountSourcePleroma<'_> {
        AccountSourcePleroma(self.0, self.1)
    }
}

/// Pleroma's additions to an account's source.
pub struct AccountSourcePleroma<'a>(&'a Account, bool);

/// Pleroma extensions of the profile source.
#[Object]
impl AccountSourcePleroma<'_> {
    /// Listed in the directory and search engines.
    async fn discoverable(&self) -> bool {
        self.0.user.is_discoverable
    }
    /// `Person`, `Service`, `Application` or `Group`.
    async fn actor_type(&self) -> &str {
        &self.0.user.actor_type
    }
    /// Whether the staff role shows on the profile (owner only).
    async fn show_role(&self) -> Option<bool> {
        self.1.then_some(self.0.user.show_role)
    }
    /// Whether posts are plain text only (owner only).
    async fn no_rich_text(&self) -> Option<bool> {
        self.1.then_some(self.0.user.no_rich_text)
    }
    /// Whether the birthday shows on the profile (owner only).
    async fn show_birthday(&self) -> Option<bool> {
        self.1.then_some(self.0.user.show_birthday)
    }
}

/// Notification preferences.
#[derive(SimpleObject)]
pub struct AccountNotificationSettings {
    /// Hide notifications from accounts the user does not follow.
    pub block_from_strangers: bool,
    /// Hide message contents in push notifications.
    pub hide_notification_contents: bool,
}

/// Pleroma's additions to an account.
pub struct AccountPleroma<'a>(&'a Account, bool);

/// Pleroma's `pleroma` block of a Mastodon account.
#[Object]
impl AccountPleroma<'_> {
    /// ActivityPub actor id.
    async fn ap_id(&self) -> &str {
        &self.0.user.ap_id
    }
    /// Other actor ids of the same person.
    async fn also_known_as(&self) -> Vec<String> {
        serde_json::from_value(self.0.user.also_known_as.clone()).unwrap_or_default()
    }
    /// Whether the email address is confirmed.
    async fn is_confirmed(&self) -> bool {
        self.0.user.is_confirmed
    }
    /// Whether the account is among the follow suggestions.
    async fn is_suggested(&self) -> bool {
        self.0.user.is_suggested
    }
    /// Tags (`force_nsfw`, `mrf_tag:…`), sorted.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(ctx.loader().load_one(TagsOf(self.0.user.id.clone())).await.map_err(load_error)?.unwrap_or_default())
    }
    /// Hide the followers count.
    async fn hide_followers_count(&self) -> bool {
        self.0.user.hide_followers_count
    }
    /// Hide the follows count.
    async fn hide_follows_count(&self) -> bool {
        self.0.user.hide_follows_count
    }
    /// Hide the followers list.
    async fn hide_followers(&self) -> bool {
        self.0.user.hide_followers
    }
    /// Hide the follows list.
    async fn hide_follows(&self) -> bool {
        self.0.user.hide_follows
    }
    /// Hide favourites.
    async fn hide_favorites(&self) -> bool {
        self.0.user.hide_favorites
    }
    /// The caller's relationship to the account when embedded (`{}` here).
    async fn relationship(&self) -> Json<serde_json::Value> {
        Json(serde_json::json!({}))
    }
    /// Skip thread containment.
    async fn skip_thread_containment(&self) -> bool {
        self.0.user.skip_thread_containment
    }
    /// Profile background image URL.
    async fn background_image(&self) -> Option<&str> {
        self.0.user.background.as_deref()
    }
    /// Whether the account accepts chat messages.
    async fn accepts_chat_messages(&self) -> bool {
        self.0.user.accepts_chat_messages
    }
    /// The home instance's favicon (not fetched by this gateway: `null`).
    async fn favicon(&self) -> Option<String> {
        None
    }
    /// Alt text of the avatar.
    async fn avatar_description(&self) -> &str {
        &self.0.user.avatar_description
    }
    /// Alt text of the header.
    async fn header_description(&self) -> &str {
        &self.0.user.header_description
    }
    /// Admin flag (when the account shows its role, or to its owner).
    async fn is_admin(&self) -> Option<bool> {
        (self.1 || self.0.user.show_role).then_some(self.0.user.is_admin)
    }
    /// Moderator flag (when the account shows its role, or to its owner).
    async fn is_moderator(&self) -> Option<bool> {
        (self.1 || self.0.user.show_role).then_some(self.0.user.is_moderator)
    }
    /// Staff privileges the account holds, by Pleroma's names (`users_read`; when the account
    /// shows its role, or to its owner).
    async fn privileges(&self, ctx: &Context<'_>) -> Option<Vec<&'static str>> {
        (self.1 || self.0.user.show_role).then(|| {
            Privilege::held_by(&self.0.user, &ctx.settings().instance).into_iter().map(Privilege::as_str).collect()
        })
    }
    /// Whether the account is deactivated (to staff who manage activation state).
    async fn deactivated(&self, ctx: &Context<'_>) -> Option<bool> {
        let viewer = ctx.viewer().user.as_ref()?;
        Privilege::held_by(viewer, &ctx.settings().instance)
            .contains(&Privilege::UsersManageActivationState)
            .then_some(!self.0.user.is_active)
    }
    /// Notification preferences (owner only).
    async fn notification_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<AccountNotificationSettings>> {
        if !self.1 {
            return Ok(None);
        }
        if let Some(own) = &self.0.own {
            return Ok(Some(AccountNotificationSettings {
                block_from_strangers: own.block_from_strangers,
                hide_notification_contents: own.hide_notification_contents,
            }));
        }
        let saved = crate::domain::notifications::settings(&ctx.db().read, &self.0.user.id).await?;
        Ok(Some(AccountNotificationSettings {
            block_from_strangers: saved.block_from_strangers,
            hide_notification_contents: saved.hide_notification_contents,
        }))
    }
    /// Follow along when followed accounts move (owner only).
    async fn allow_following_move(&self) -> Option<bool> {
        self.1.then_some(self.0.user.allow_following_move)
    }
    /// Unread conversations (owner only).
    async fn unread_conversation_count(&self) -> Option<i32> {
        self.1.then_some(0)
    }
    /// Unread notifications (owner only).
    async fn unread_notifications_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<u64>> {
        if !self.1 {
            return Ok(None);
        }
        if let Some(own) = &self.0.own {
            return Ok(Some(own.unread_notifications));
        }
        Ok(Some(crate::domain::notifications::unread_count(&ctx.db().read, &self.0.user.id).await?))
    }
    /// Email address (owner only).
    async fn email(&self) -> Option<&str> {
        if self.1 {
            self.0.user.email.as_deref()
        } else {
            None
        }
    }
    /// The frontend settings store (owner only).
    async fn settings_store(&self) -> Option<Json<serde_json::Value>> {
        self.1.then(|| Json(self.0.user.settings_store.clone()))
    }
    /// Birthday, `YYYY-MM-DD` (to its owner, or when the account shows it).
    async fn birthday(&self) -> Option<&str> {
        if self.1 || self.0.user.show_birthday {
            self.0.user.birthday.as_deref()
        } else {
            None
        }
    }
}

/// A Mastodon-compatible account, as clients see it (owner-only fields for the owner).
#[Object]
impl Account {
    /// Flake id.
    async fn id(&self) -> ID {
        ID(self.user.id.clone())
    }
    /// The nickname without the domain.
    async fn username(&self) -> &str {
        self.user.nickname.split('@').next().unwrap_or(&self.user.nickname)
    }
    /// `alice` for local accounts, `alice@example.org` for remote ones.
    async fn acct(&self) -> &str {
        &self.user.nickname
    }
    /// Display name; the nickname when none is set.
    async fn display_name(&self) -> &str {
        self.user.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(&self.user.nickname)
    }
    /// Whether follows need approval.
    async fn locked(&self) -> bool {
        self.user.is_locked
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.user.inserted_at)
    }
    /// Followers (0 when hidden, except to the owner).
    async fn followers_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let hidden = self.user.hide_followers_count && self.user.hide_followers && !self.is_self(ctx);
        Ok(if hidden { 0 } else { self.counts(ctx).await?.0 })
    }
    /// Accounts followed (0 when hidden, except to the owner).
    async fn following_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let hidden = self.user.hide_follows_count && self.user.hide_follows && !self.is_self(ctx);
        Ok(if hidden { 0 } else { self.counts(ctx).await?.1 })
    }
    /// Public and unlisted posts, reblogs excluded (Pleroma's `note_count`).
    async fn statuses_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.author_stats(ctx).await?.statuses)
    }
    /// Bio (HTML).
    async fn note(&self) -> &str {
        &self.user.bio
    }
    /// Profile URL.
    async fn url(&self) -> &str {
        &self.user.ap_id
    }
    /// Avatar URL (the instance's default image when none is set; remote images through the
    /// media proxy when it is on).
    async fn avatar(&self, ctx: &Context<'_>) -> String {
        proxied(ctx, avatar_url(ctx, self.user.avatar.as_deref())).await
    }
    /// Non-animated avatar URL.
    async fn avatar_static(&self, ctx: &Context<'_>) -> String {
        proxied(ctx, avatar_url(ctx, self.user.avatar.as_deref())).await
    }
    /// Header (banner) URL (remote images through the media proxy when it is on).
    async fn header(&self, ctx: &Context<'_>) -> String {
        proxied(ctx, banner_url(ctx, &self.user)).await
    }
    /// Non-animated header URL.
    async fn header_static(&self, ctx: &Context<'_>) -> String {
        proxied(ctx, banner_url(ctx, &self.user)).await
    }
    /// Custom emoji in the name and bio (none are recorded: `[]`).
    async fn emojis(&self) -> Vec<AccountEmoji> {
        vec![]
    }
    /// Profile fields, rendered.
    async fn fields(&self) -> Vec<ProfileField> {
        profile_fields(&self.user.fields)
    }
    /// Whether the account is automated (`Service` and `Group` actors).
    async fn bot(&self) -> bool {
        matches!(self.user.actor_type.as_str(), "Service" | "Group")
    }
    /// What the owner typed, and their defaults.
    async fn source(&self, ctx: &Context<'_>) -> AccountSource<'_> {
        AccountSource(self, self.is_self(ctx))
    }
    /// The day the account last posted (`2019-04-23`: Pleroma's `AccountView` shows the date
    /// only), `null` before its first post.
    async fn last_status_at(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.author_stats(ctx).await?.last_status_at.map(|t| t.format("%Y-%m-%d").to_string()))
    }
    /// The same account as staff see it: the admin side of Pleroma's `AdminAccount`. Staff
    /// holding `users_read` (scope `admin:read:accounts`); within the staff report and status
    /// lists, whoever may read those.
    async fn admin_user(&self) -> User {
        User::from(self.user.clone())
    }
    /// Fully qualified nickname (`alice@host`).
    async fn fqn(&self, ctx: &Context<'_>) -> String {
        if self.user.local {
            format!("{}@{}", self.user.nickname, ctx.settings().host())
        } else {
            self.user.nickname.clone()
        }
    }
    /// Pending follow requests (owner only).
    async fn follow_requests_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        let count = match &self.own {
            Some(own) => own.follow_requests,
            None => crate::domain::relationships::follow_requests_count(&ctx.db().read, &self.user.id).await?,
        };
        Ok(Some(i32::try_from(count).unwrap_or(i32::MAX)))
    }
    /// Pleroma's additions.
    async fn pleroma(&self, ctx: &Context<'_>) -> AccountPleroma<'_> {
        AccountPleroma(self, self.is_self(ctx))
    }
}

fn banner_url(ctx: &Context<'_>, user: &user::Model) -> String {
    user.banner.clone().unwrap_or_else(|| format!("{}/images/banner.png", ctx.settings().instance_url))
}
