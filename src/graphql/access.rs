//! Field-level access control. Every field of Query, Mutation and Subscription must have a rule
//! (deny by default: a root field without one is refused, and a test fails the build); nested
//! fields may have one too. The rules live beside each area's resolvers.
use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
    parser::types::{
        BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
    },
    ServerResult, Value,
};

use super::errors::server_error;
use crate::{
    auth::{authorize, Access, Viewer},
    config::{Instance, Settings},
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

/// Every access rule a document is subject to, found before it runs: each object type's fields
/// and the type they return, read from the schema's SDL, walked over every operation and
/// fragment of the document. A request whose viewer passes all of them needs no per-field check
/// ([`super::Executor`]).
pub struct DocumentRules {
    rules: Arc<HashMap<(&'static str, &'static str), Access>>,
    /// Object type → field → the named type it returns.
    fields: HashMap<String, HashMap<String, String>>,
}

impl DocumentRules {
    pub fn new(sdl: &str) -> Self {
        let mut fields = HashMap::new();
        if let Ok(doc) = async_graphql::parser::parse_schema(sdl) {
            for def in doc.definitions {
                let TypeSystemDefinition::Type(ty) = def else { continue };
                let TypeKind::Object(object) = ty.node.kind else { continue };
                let of_type = object
                    .fields
                    .into_iter()
                    .map(|f| (f.node.name.node.to_string(), named(&f.node.ty.node).to_string()))
                    .collect();
                fields.insert(ty.node.name.node.to_string(), of_type);
            }
        }
        let rules = field_rules().into_iter().map(|(t, f, a)| ((t, f), a)).collect();
        DocumentRules { rules: Arc::new(rules), fields }
    }

    /// The rules of every field `document` selects, each once; `None` when a field is unknown
    /// or a root field has no rule (execution with the checks in place then reports it).
    /// Selections under `@skip`/`@include` count too.
    pub fn of(&self, document: &ExecutableDocument) -> Option<Vec<Access>> {
        let mut walk = Walk { rules: self, document, found: Vec::new(), fragments: Vec::new() };
        for (_, operation) in document.operations.iter() {
            walk.set(root_type(operation.node.ty), &operation.node.selection_set.node)?;
        }
        Some(walk.found)
    }

    /// Whether `viewer` passes every rule `document` is subject to.
    pub fn allow(&self, document: &ExecutableDocument, viewer: &Viewer, instance: &Instance) -> bool {
        self.of(document)
            .is_some_and(|rules| rules.into_iter().all(|access| authorize(viewer, access, instance).is_ok()))
    }
}

struct Walk<'a> {
    rules: &'a DocumentRules,
    document: &'a ExecutableDocument,
    found: Vec<Access>,
    /// Fragments already walked (a fragment's fields do not depend on where it is spread).
    fragments: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    fn set(&mut self, type_name: &str, set: &'a SelectionSet) -> Option<()> {
        for item in &set.items {
            match &item.node {
                // Introspection is open to everyone, as in `AccessControlExtension`.
                Selection::Field(field) if field.node.name.node.starts_with("__") => {}
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let returns = self.rules.fields.get(type_name)?.get(name)?;
                    match self.rules.rules.get(&(type_name, name)) {
                        Some(access) if !self.found.contains(access) => self.found.push(*access),
                        Some(_) => {}
                        None if ROOT_TYPES.contains(&type_name) => return None,
                        None => {}
                    }
                    self.set(returns, &field.node.selection_set.node)?;
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment.node.type_condition.as_ref().map_or(type_name, |c| c.node.on.node.as_str());
                    self.set(on, &fragment.node.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if !self.fragments.contains(&name) {
                        self.fragments.push(name);
                        let fragment = self.document.fragments.get(name)?;
                        self.set(&fragment.node.type_condition.node.on.node, &fragment.node.selection_set.node)?;
                    }
                }
            }
        }
        Some(())
    }
}

/// The named type under any list and non-null wrappers.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn root_type(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    }
}
