//! A user's editable account fields, as staff with `users_manage_credentials` read them.
use async_graphql::{Context, Json, Object, ID};
use entity::user;

use super::{avatar_url, profile_fields, ProfileField};
use crate::graphql::ContextExt;

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
