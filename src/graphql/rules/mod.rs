//! Instance rules: the public list (Mastodon's instance entity shows it), the admins' changes,
//! and the loader reports use to show the rules they cite.
use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    dataloader::Loader,
    Context, InputObject, Object, SimpleObject, ID,
};
use entity::rule;

use super::{
    loaders::{DbLoader, LoadError},
    pagination::{ListMeta, Window},
    ContextExt, FieldRule,
};
use crate::{
    auth::Access,
    domain::rules::{self as domain, NewRule, RuleChange},
};

const WRITE: &[&str] = &["admin:write"];

/// Access rules of this area's fields (the admin list route adds `admin` + `admin:read`).
pub const ACCESS: &[FieldRule] = &[
    ("Query", "rules", Access::Public),
    ("Mutation", "createRule", Access::Admin(WRITE)),
    ("Mutation", "updateRule", Access::Admin(WRITE)),
    ("Mutation", "deleteRule", Access::Admin(WRITE)),
];

/// An instance rule.
pub struct Rule(pub rule::Model);

/// An instance rule members agree to; reports may cite rules.
#[Object]
impl Rule {
    /// Rule id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Sort order: lower first (default 0), then by id.
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// The rule.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// A longer explanation.
    async fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
}

/// Key: a rule by id; `None` for a rule deleted since (cached too, so it is not asked again).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleById(pub String);

impl Loader<RuleById> for DbLoader {
    type Value = Option<rule::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[RuleById]) -> Result<HashMap<RuleById, Option<rule::Model>>, LoadError> {
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let mut found = domain::by_ids(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0))).collect())
    }
}

/// A page of rules, with the total count.
pub type RuleConnection = Connection<OpaqueCursor<u64>, Rule, ListMeta, EmptyFields>;

/// Rule reads.
#[derive(Default)]
pub struct RulesQuery;

#[Object]
impl RulesQuery {
    /// The instance rules, by priority then id. Page with `first`/`after` (default: all).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, None, 500)")]
    async fn rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<RuleConnection> {
        let window = Window::resolve(first, after, None, None, super::pagination::MAX_PAGE_SIZE)?;
        let all = domain::list(&ctx.db().read).await?;
        let total = all.len() as u64;
        let nodes = all.into_iter().skip(window.offset as usize).take(window.limit as usize).map(Rule).collect();
        Ok(window.connection(nodes, total))
    }
}

/// A new rule.
#[derive(InputObject)]
pub struct CreateRuleInput {
    /// The rule (not blank).
    pub text: String,
    /// A longer explanation.
    pub hint: Option<String>,
    /// Sort order (default 0).
    pub priority: Option<i32>,
}

/// Changes to a rule; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateRuleInput {
    /// The rule to change.
    pub id: ID,
    /// The rule (not blank).
    pub text: Option<String>,
    /// A longer explanation.
    pub hint: Option<String>,
    /// Sort order.
    pub priority: Option<i32>,
}

/// Which rule to delete.
#[derive(InputObject)]
pub struct DeleteRuleInput {
    /// The rule to delete.
    pub id: ID,
}

/// The rule created or changed.
#[derive(SimpleObject)]
pub struct RulePayload {
    /// The rule.
    pub rule: Rule,
}

/// The rule deleted.
#[derive(SimpleObject)]
pub struct DeleteRulePayload {
    /// Its id.
    pub deleted_id: ID,
}

/// Rule changes (admins; Pleroma keeps no moderation-log entry for them).
#[derive(Default)]
pub struct RulesMutation;

#[Object]
impl RulesMutation {
    /// Create a rule. Blank text is `VALIDATION_FAILED`.
    async fn create_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateRuleInput,
    ) -> async_graphql::Result<RulePayload> {
        let new = NewRule { text: input.text, hint: input.hint, priority: input.priority };
        Ok(RulePayload { rule: Rule(domain::create(&ctx.db().write, &new).await?) })
    }

    /// Change a rule. An unknown id is `NOT_FOUND`.
    async fn update_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateRuleInput,
    ) -> async_graphql::Result<RulePayload> {
        let change = RuleChange { text: input.text, hint: input.hint, priority: input.priority };
        Ok(RulePayload { rule: Rule(domain::update(&ctx.db().write, &input.id, &change).await?) })
    }

    /// Delete a rule (reports keep citing its id). An unknown id is `NOT_FOUND`.
    async fn delete_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DeleteRuleInput,
    ) -> async_graphql::Result<DeleteRulePayload> {
        let deleted = domain::delete(&ctx.db().write, &input.id).await?;
        Ok(DeleteRulePayload { deleted_id: ID(deleted.id.to_string()) })
    }
}
