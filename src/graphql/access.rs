//! Field-level access control. Every field of Query, Mutation and Subscription must have a rule
//! (deny by default: a root field without one is refused, and a test fails the build); nested
//! fields may have one too. The rules live beside each area's resolvers.
use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
    ServerResult, Value,
};

use super::errors::server_error;
use crate::{
    auth::{authorize, Access, Viewer},
    config::Settings,
    error::AppError,
};

/// The access rule of one field: `(type, field, access)`.
pub type FieldRule = (&'static str, &'static str, Access);

/// Every area's rules.
pub fn field_rules() -> Vec<FieldRule> {
    [
        super::viewer::ACCESS,
        super::config::ACCESS,
        super::users::ACCESS,
        super::credentials::ACCESS,
        super::moderation_log::ACCESS,
        super::oauth_apps::ACCESS,
        super::accounts::ACCESS,
        super::announcements::ACCESS,
        super::chats::ACCESS,
        super::own_account::ACCESS,
        super::instance::ACCESS,
        super::invites::ACCESS,
        super::emoji::ACCESS,
        super::purge::ACCESS,
        super::reports::ACCESS,
        super::rules::ACCESS,
        super::statuses::ACCESS,
        super::documents::ACCESS,
        super::frontends::ACCESS,
        super::backups::ACCESS,
        super::media_proxy::ACCESS,
        super::relays::ACCESS,
    ]
    .concat()
}

const ROOT_TYPES: [&str; 3] = ["Query", "Mutation", "Subscription"];

pub struct AccessControl {
    rules: Arc<HashMap<(&'static str, &'static str), Access>>,
}

impl AccessControl {
    pub fn new() -> Self {
        let rules = field_rules().into_iter().map(|(t, f, a)| ((t, f), a)).collect();
        AccessControl { rules: Arc::new(rules) }
    }
}

impl ExtensionFactory for AccessControl {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AccessControlExtension { rules: self.rules.clone() })
    }
}

struct AccessControlExtension {
    rules: Arc<HashMap<(&'static str, &'static str), Access>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for AccessControlExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if !info.is_for_introspection && !info.name.starts_with("__") {
            let rule = self.rules.get(&(info.parent_type, info.name)).copied();
            let outcome = match rule {
                Some(access) => {
                    let viewer = ctx.data_opt::<Viewer>().unwrap_or_else(|| Viewer::anonymous_ref());
                    let settings = ctx.data_opt::<Arc<Settings>>();
                    match settings {
                        Some(settings) => authorize(viewer, access, &settings.instance),
                        None => Err(AppError::internal("settings missing from schema data")),
                    }
                }
                None if ROOT_TYPES.contains(&info.parent_type) => {
                    Err(AppError::internal(format!("no access rule for {}.{}", info.parent_type, info.name)))
                }
                None => Ok(()),
            };
            if let Err(err) = outcome {
                return Err(server_error(
                    err,
                    info.path_node.to_string_vec().into_iter().map(async_graphql::PathSegment::Field).collect(),
                ));
            }
        }
        next.run(ctx, info).await
    }
}
