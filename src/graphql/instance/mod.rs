//! The instance as clients discover it (`/api/v1/instance`, nodeinfo) and its health
//! (`/api/v1/pleroma/healthcheck`).
mod types;

use async_graphql::{Context, Object};
pub use types::*;

use super::{ContextExt, FieldRule};
use crate::{
    auth::Access,
    domain::instance::{self as domain, InstanceInfo},
    error::AppError,
};

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[("Query", "instance", Access::Public), ("Query", "health", Access::Public)];

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
}
