//! The instance as clients discover it (`/api/v1/instance`, nodeinfo) and its health
//! (`/api/v1/pleroma/healthcheck`).
mod mrf;
mod types;

use async_graphql::{Context, Object};
pub use mrf::*;
pub use types::*;

use super::{ContextExt, FieldRule};
use crate::{
    auth::Access,
    domain::instance::{self as domain, InstanceInfo},
    error::AppError,
};

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "instance", Access::Public),
    ("Query", "health", Access::Public),
    ("Query", "moderationPolicies", Access::Public),
];

/// Instance discovery and health.
#[derive(Default)]
pub struct InstanceQuery;

#[Object]
impl InstanceQuery {
    /// This instance.
    async fn instance(&self, ctx: &Context<'_>) -> Instance {
        Instance(InstanceInfo::new(ctx.settings(), ctx.mailer().enabled()))
    }

    /// Database pool, memory and health figures; refused when `[instance] healthcheck` is off.
    async fn health(&self, ctx: &Context<'_>) -> async_graphql::Result<Health> {
        if !ctx.settings().instance.healthcheck {
            return Err(AppError::Forbidden("Healthcheck disabled".into()).into());
        }
        Ok(domain::health(ctx.db()).await.into())
    }

    /// The moderation policies (MRF) in force, as Pleroma shows them: to everyone when
    /// `:mrf, :transparency` is on, without the instances of `:transparency_exclusions`; to an
    /// admin (scope `admin:read`) always and whole. Null for others when transparency is off.
    async fn moderation_policies(&self, ctx: &Context<'_>) -> Option<ModerationPolicies> {
        let settings = ctx.settings();
        let admin = crate::auth::authorize(ctx.viewer(), Access::Admin(&["admin:read"]), &settings.instance).is_ok();
        crate::domain::mrf::describe(&settings.mrf, admin).map(ModerationPolicies::from)
    }
}
