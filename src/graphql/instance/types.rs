//! Types of the instance area.
use async_graphql::{Context, Json, Object, SimpleObject};

use crate::domain::instance::{self as domain, InstanceInfo};
use crate::graphql::ContextExt;

/// Limits on polls.
#[derive(SimpleObject)]
pub struct PollLimits {
    /// Most options a poll may have.
    pub max_options: u32,
    /// Longest option, in characters.
    pub max_option_chars: u32,
    /// Shortest poll duration, in seconds.
    pub min_expiration: u32,
    /// Longest poll duration, in seconds.
    pub max_expiration: u32,
}

/// Upload size limits, in bytes.
#[derive(SimpleObject)]
pub struct UploadLimits {
    /// Media attachments.
    pub general: u64,
    /// Avatars.
    pub avatar: u64,
    /// Header images.
    pub banner: u64,
    /// Profile backgrounds.
    pub background: u64,
}

/// Limits on profile fields.
#[derive(SimpleObject)]
pub struct FieldsLimits {
    /// Fields a local account may have.
    pub max_fields: u32,
    /// Fields kept for a remote account.
    pub max_remote_fields: u32,
    /// Longest field name.
    pub name_length: u32,
    /// Longest field value.
    pub value_length: u32,
}

/// Privileges each staff role holds under this instance's settings.
#[derive(SimpleObject)]
pub struct StaffRoles {
    /// Privileges of admins.
    pub admin: Vec<crate::graphql::viewer::Privilege>,
    /// Privileges of moderators.
    pub moderator: Vec<crate::graphql::viewer::Privilege>,
}

/// Instance statistics.
#[derive(SimpleObject)]
pub struct InstanceStats {
    /// Active local accounts.
    pub user_count: u64,
    /// Local posts.
    pub status_count: u64,
    /// Known remote hosts.
    pub domain_count: u64,
    /// Local accounts active in the last 30 days (issued a token in that window).
    pub active_month: u64,
    /// Local accounts active in the last 180 days.
    pub active_halfyear: u64,
}

/// This instance: identity, software, registration policy, limits and statistics.
pub struct Instance(pub InstanceInfo);

/// This instance: name, limits, features, staff and statistics.
#[Object]
impl Instance {
    /// Host name (with the port when not the default).
    async fn uri(&self) -> &str {
        &self.0.host
    }
    /// Base URL.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Instance name.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Short description.
    async fn short_description(&self) -> &str {
        &self.0.short_description
    }
    /// Contact address.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The Mastodon-compatible version string: `2.7.2 (compatible; Pleroma 2.7.0+pleroma-gateway-…)`.
    async fn version(&self) -> String {
        domain::mastodon_version()
    }
    /// Software name as nodeinfo reports it (`pleroma`).
    async fn software_name(&self) -> &str {
        "pleroma"
    }
    /// Software version as nodeinfo reports it.
    async fn software_version(&self) -> String {
        domain::software_version()
    }
    /// Source repository.
    async fn repository(&self) -> Option<&str> {
        domain::repository()
    }
    /// WebSocket base URL.
    async fn streaming_url(&self) -> String {
        self.0.streaming_url()
    }
    /// Thumbnail image URL.
    async fn thumbnail(&self) -> String {
        self.0.thumbnail()
    }
    /// Default background image URL.
    async fn background_image(&self) -> String {
        self.0.background_image()
    }
    /// Languages of the instance.
    async fn languages(&self) -> &[String] {
        &self.0.languages
    }
    /// Whether anyone may sign up.
    async fn registrations(&self) -> bool {
        self.0.registrations_open
    }
    /// Whether sign-ups wait for approval.
    async fn approval_required(&self) -> bool {
        self.0.approval_required
    }
    /// Whether sign-ups must confirm their email address.
    async fn account_activation_required(&self) -> bool {
        self.0.account_activation_required
    }
    /// Whether staff may create invites.
    async fn invites_enabled(&self) -> bool {
        self.0.invites_enabled
    }
    /// Whether the instance sends mail.
    async fn mailer_enabled(&self) -> bool {
        self.0.mailer_enabled
    }
    /// Whether anonymous callers are refused on public API routes.
    async fn private(&self) -> bool {
        self.0.private
    }
    /// Whether the instance federates.
    async fn federating(&self) -> bool {
        self.0.federating
    }
    /// Skip thread containment.
    async fn skip_thread_containment(&self) -> bool {
        self.0.skip_thread_containment
    }
    /// Longest post, in characters.
    async fn max_toot_chars(&self) -> usize {
        self.0.max_toot_chars
    }
    /// Most attachments per post.
    async fn max_media_attachments(&self) -> u32 {
        self.0.max_media_attachments
    }
    /// Longest attachment description.
    async fn description_limit(&self) -> u32 {
        self.0.description_limit
    }
    /// Longest chat message.
    async fn chat_limit(&self) -> u32 {
        self.0.chat_limit
    }
    /// Longest shout.
    async fn shout_limit(&self) -> u32 {
        self.0.shout_limit
    }
    /// Whether sign-ups must give a birthday.
    async fn birthday_required(&self) -> bool {
        self.0.birthday_required
    }
    /// Minimum age at sign-up, in years.
    async fn birthday_min_age(&self) -> u32 {
        self.0.birthday_min_age
    }
    /// Poll limits.
    async fn poll_limits(&self) -> PollLimits {
        let p = self.0.poll_limits;
        PollLimits {
            max_options: p.max_options,
            max_option_chars: p.max_option_chars,
            min_expiration: p.min_expiration,
            max_expiration: p.max_expiration,
        }
    }
    /// Upload limits.
    async fn upload_limits(&self) -> UploadLimits {
        let u = self.0.upload_limits;
        UploadLimits { general: u.general, avatar: u.avatar, banner: u.banner, background: u.background }
    }
    /// Profile-field limits.
    async fn fields_limits(&self) -> FieldsLimits {
        let f = self.0.fields_limits;
        FieldsLimits {
            max_fields: f.max_fields,
            max_remote_fields: f.max_remote_fields,
            name_length: f.name_length,
            value_length: f.value_length,
        }
    }
    /// Accepted post content types.
    async fn post_formats(&self) -> &[String] {
        &self.0.post_formats
    }
    /// Pleroma feature flags (`pleroma_api`, `mastodon_api`, …).
    async fn features(&self) -> &[String] {
        &self.0.features
    }
    /// Federation policy as nodeinfo and `/api/v1/instance` describe it.
    async fn federation(&self) -> Json<serde_json::Value> {
        Json(self.0.federation.clone())
    }
    /// Nicknames reserved for the server's own paths.
    async fn restricted_nicknames(&self) -> &[String] {
        &self.0.restricted_nicknames
    }
    /// Privileges of each staff role.
    async fn roles(&self, ctx: &Context<'_>) -> StaffRoles {
        let instance = &ctx.settings().instance;
        StaffRoles {
            admin: crate::graphql::viewer::privileges(&instance.admin_privileges),
            moderator: crate::graphql::viewer::privileges(&instance.moderator_privileges),
        }
    }
    /// ActivityPub ids of the local admins and moderators.
    async fn staff_accounts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(domain::staff_ap_ids(&ctx.db().read).await?)
    }
    /// Statistics.
    async fn stats(&self, ctx: &Context<'_>) -> async_graphql::Result<InstanceStats> {
        let db = &ctx.db().read;
        let (stats, active_month, active_halfyear) =
            tokio::try_join!(domain::stats(db), domain::active_user_count(db, 30), domain::active_user_count(db, 180))?;
        Ok(InstanceStats {
            user_count: stats.user_count,
            status_count: stats.status_count,
            domain_count: stats.domain_count,
            active_month,
            active_halfyear,
        })
    }
    /// Hosts of known remote accounts, sorted.
    async fn peers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(domain::peers(&ctx.db().read).await?)
    }
}

/// The gateway's health.
#[derive(SimpleObject)]
pub struct Health {
    /// Whether the database answers.
    pub healthy: bool,
    /// Connections the database pools may open.
    pub pool_size: u32,
    /// Connections in use.
    pub active: u32,
    /// Open, idle connections.
    pub idle: u32,
    /// Resident memory of the process, in MiB.
    pub memory_used: f64,
    /// Background job queue figures (no queues yet: `{}`).
    pub job_queue_stats: Json<serde_json::Value>,
}

impl From<domain::Health> for Health {
    fn from(h: domain::Health) -> Self {
        Health {
            healthy: h.healthy,
            pool_size: h.pool_size,
            active: h.active,
            idle: h.idle,
            memory_used: h.memory_used,
            job_queue_stats: Json(serde_json::json!({})),
        }
    }
}
