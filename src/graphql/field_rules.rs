//! Field-level access control. Every field of Query, Mutation and Subscription must have a rule
//! (deny by default: a root field without one is refused, and a test fails the build); nested
//! fields may have one too. The rules live beside each area's resolvers.
//!
//! One function decides whether a viewer may resolve a field, [`Rules::decide`]: the per-field
//! extension calls it as each field resolves, and the walk that lets a request skip the
//! extension ([`Rules::allow`]) calls it for every field the document could resolve, so the two
//! ways of running a request cannot disagree.
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
    parser::types::{
        BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
    },
    QueryPathSegment, ServerResult, Value,
};

use super::errors::server_error;
use crate::{
    auth::{authorize, Access, Viewer},
    config::{Instance, Settings},
    error::AppError,
};

/// The access rule of one field: `(type, field, access)`.
pub type FieldRule = (&'static str, &'static str, Access);

/// A root field: `(root type, field)`.
pub type Root<'a> = (&'a str, &'a str);

/// A nested field's rule that a root field's rule stands in for: `(type, field, roots)`. Under
/// each of `roots` (checked first, as every root field is) the field needs nothing more, because
/// that root's REST route shows it to whoever passes the root's rule; under any other root the
/// field's own rule applies.
pub type Within = (&'static str, &'static str, &'static [Root<'static>]);

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
        super::events::ACCESS,
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
        super::captcha::ACCESS,
        super::mfa::ACCESS,
        super::bookmarks::ACCESS,
        super::conversations::ACCESS,
        super::scrobbles::ACCESS,
        super::favourites::ACCESS,
        super::notifications::ACCESS,
        super::pins::ACCESS,
        super::polls::ACCESS,
    ]
    .concat()
}

/// Every nested rule a root field stands in for.
pub fn within_rules() -> Vec<Within> {
    super::accounts::WITHIN.to_vec()
}

const ROOT_TYPES: [&str; 3] = ["Query", "Mutation", "Subscription"];

/// The schema's access rules and what the static walk needs of its types.
pub struct Rules {
    /// Each rule by its field, with the field's `'static` name (the extension keeps it).
    rules: HashMap<Root<'static>, (Root<'static>, Access)>,
    within: HashMap<(&'static str, &'static str), &'static [Root<'static>]>,
    /// Object and interface type → field → the named type it returns.
    fields: HashMap<String, HashMap<String, String>>,
    /// Each type's possible object types: itself for an object, the implementations of an
    /// interface, the members of a union.
    possible: HashMap<String, Vec<String>>,
}

impl Rules {
    /// The gateway's rules over the schema described by `sdl`.
    pub fn gateway(sdl: &str) -> Self {
        Rules::new(sdl, &field_rules(), &within_rules())
    }

    /// `rules` and `within` over the schema described by `sdl`.
    pub fn new(sdl: &str, rules: &[FieldRule], within: &[Within]) -> Self {
        let mut fields = HashMap::new();
        let mut possible: HashMap<String, Vec<String>> = HashMap::new();
        if let Ok(doc) = async_graphql::parser::parse_schema(sdl) {
            for def in doc.definitions {
                let TypeSystemDefinition::Type(ty) = def else { continue };
                let name = ty.node.name.node.to_string();
                let of_type = |list: Vec<async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>>| {
                    list.into_iter()
                        .map(|f| (f.node.name.node.to_string(), named(&f.node.ty.node).to_string()))
                        .collect::<HashMap<_, _>>()
                };
                match ty.node.kind {
                    TypeKind::Object(object) => {
                        for interface in &object.implements {
                            possible.entry(interface.node.to_string()).or_default().push(name.clone());
                        }
                        possible.entry(name.clone()).or_default().push(name.clone());
                        fields.insert(name, of_type(object.fields));
                    }
                    TypeKind::Interface(interface) => {
                        possible.entry(name.clone()).or_default();
                        fields.insert(name, of_type(interface.fields));
                    }
                    TypeKind::Union(union) => {
                        possible.insert(name, union.members.iter().map(|m| m.node.to_string()).collect());
                    }
                    _ => {}
                }
            }
        }
        Rules {
            rules: rules.iter().map(|(t, f, a)| ((*t, *f), ((*t, *f), *a))).collect(),
            within: within.iter().map(|(t, f, roots)| ((*t, *f), *roots)).collect(),
            fields,
            possible,
        }
    }

    /// The rule `parent.field` is subject to when reached under `root`: `None` when it has none
    /// (introspection, most nested fields, a nested rule its root stands in for); an error for a
    /// root field without a rule (deny by default).
    pub fn rule(&self, root: Root<'_>, parent: &str, field: &str) -> Result<Option<Access>, AppError> {
        // Introspection is open to everyone.
        if field.starts_with("__") || parent.starts_with("__") {
            return Ok(None);
        }
        match self.rules.get(&(parent, field)) {
            // A root field's own rule is never stood in for.
            Some(_)
                if !ROOT_TYPES.contains(&parent)
                    && self.within.get(&(parent, field)).is_some_and(|r| r.contains(&root)) =>
            {
                Ok(None)
            }
            Some((_, access)) => Ok(Some(*access)),
            None if ROOT_TYPES.contains(&parent) => {
                Err(AppError::internal(format!("no access rule for {parent}.{field}")))
            }
            None => Ok(None),
        }
    }

    /// The authorization decision: whether `viewer` may resolve `parent.field` under `root`.
    pub fn decide(
        &self,
        viewer: &Viewer,
        instance: &Instance,
        root: Root<'_>,
        parent: &str,
        field: &str,
    ) -> Result<(), AppError> {
        match self.rule(root, parent, field)? {
            Some(access) => authorize(viewer, access, instance).map_err(|err| token_needed(viewer, access, err)),
            None => Ok(()),
        }
    }

    /// Every rule `document` is subject to, each once, in the order its fields come (root
    /// fields first in their operation); `None` when a field is unknown or a root field has no
    /// rule. Selections under `@skip`/`@include` count too.
    pub fn of(&self, document: &ExecutableDocument) -> Option<Vec<Access>> {
        let mut found = Vec::new();
        for (root, parent, field) in self.fields_of(document)? {
            if let Some(access) = self.rule(root, parent, field).ok()? {
                if !found.contains(&access) {
                    found.push(access);
                }
            }
        }
        Some(found)
    }

    /// Whether `viewer` may resolve every field `document` could resolve, decided field by field
    /// as the per-field extension decides.
    pub fn allow(&self, document: &ExecutableDocument, viewer: &Viewer, instance: &Instance) -> bool {
        self.fields_of(document).is_some_and(|fields| {
            fields.into_iter().all(|(root, parent, field)| self.decide(viewer, instance, root, parent, field).is_ok())
        })
    }

    /// Every `(root, parent object type, field)` the document could resolve, each once, over
    /// every operation and fragment; a field selected on an interface or union counts on each
    /// object type it may resolve on. `None` when a field or type is unknown.
    fn fields_of<'a>(&'a self, document: &'a ExecutableDocument) -> Option<Vec<(Root<'a>, &'a str, &'a str)>> {
        let mut walk =
            Walk { rules: self, document, found: Vec::new(), seen: HashSet::new(), fragments: HashSet::new() };
        for (_, operation) in document.operations.iter() {
            let root_type = root_type(operation.node.ty);
            walk.set(None, &[root_type], &operation.node.selection_set.node)?;
        }
        Some(walk.found)
    }

    /// The object types `name` may resolve to.
    fn possible(&self, name: &str) -> Option<&[String]> {
        self.possible.get(name).map(Vec::as_slice)
    }

    /// The `'static` key of a root field that has a rule.
    fn root_key(&self, parent: &str, field: &str) -> Option<Root<'static>> {
        self.rules.get(&(parent, field)).map(|(key, _)| *key)
    }
}

struct Walk<'a> {
    rules: &'a Rules,
    document: &'a ExecutableDocument,
    found: Vec<(Root<'a>, &'a str, &'a str)>,
    seen: HashSet<(Root<'a>, &'a str, &'a str)>,
    /// Fragments already walked, with the root and the types they were spread on (a fragment
    /// spread in another place may be subject to other rules).
    fragments: HashSet<(Option<Root<'a>>, &'a str, Vec<&'a str>)>,
}

impl<'a> Walk<'a> {
    /// Walk `set`, selected on an object of one of `types`, under `root` (`None` at the top).
    fn set(&mut self, root: Option<Root<'a>>, types: &[&'a str], set: &'a SelectionSet) -> Option<()> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    // `__typename`, or introspection (its own fields, open to everyone); or a
                    // fragment that applies to none of the types here.
                    if name.starts_with("__") || types.is_empty() {
                        continue;
                    }
                    let mut known = false;
                    let mut returns: Vec<&'a str> = Vec::new();
                    for &parent in types {
                        let Some(of) = self.rules.fields.get(parent).and_then(|fields| fields.get(name)) else {
                            continue;
                        };
                        known = true;
                        let at = (root.unwrap_or((parent, name)), parent, name);
                        if self.seen.insert(at) {
                            self.found.push(at);
                        }
                        for object in self.rules.possible(of).unwrap_or_default() {
                            if !returns.contains(&object.as_str()) {
                                returns.push(object);
                            }
                        }
                    }
                    if !known {
                        return None;
                    }
                    let root = root.or(Some((types[0], name)));
                    self.set(root, &returns, &field.node.selection_set.node)?;
                }
                Selection::InlineFragment(fragment) => {
                    let narrowed = match &fragment.node.type_condition {
                        Some(condition) => self.narrow(types, &condition.node.on.node)?,
                        None => types.to_vec(),
                    };
                    self.set(root, &narrowed, &fragment.node.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let fragment = self.document.fragments.get(name)?;
                    let narrowed = self.narrow(types, &fragment.node.type_condition.node.on.node)?;
                    if self.fragments.insert((root, name, narrowed.clone())) {
                        self.set(root, &narrowed, &fragment.node.selection_set.node)?;
                    }
                }
            }
        }
        Some(())
    }

    /// The object types among `types` a fragment on `condition` applies to.
    fn narrow(&self, types: &[&'a str], condition: &str) -> Option<Vec<&'a str>> {
        let possible = self.rules.possible(condition)?;
        Some(types.iter().copied().filter(|t| possible.iter().any(|p| p == t)).collect())
    }
}

/// Per-field access control: [`Rules::decide`] for every field as it resolves.
pub struct AccessControl {
    rules: Arc<Rules>,
}

impl AccessControl {
    pub fn new(rules: Arc<Rules>) -> Self {
        AccessControl { rules }
    }
}

impl ExtensionFactory for AccessControl {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AccessControlExtension { rules: self.rules.clone(), roots: Mutex::default() })
    }
}

struct AccessControlExtension {
    rules: Arc<Rules>,
    /// The request's root fields by response key (the root of a nested field's path), noted as
    /// each root field starts resolving, before any field under it.
    roots: Mutex<HashMap<String, Root<'static>>>,
}

impl AccessControlExtension {
    /// The root field `info` resolves under (itself for a root field); `None` when unknown.
    fn root_of(&self, info: &ResolveInfo<'_>) -> Option<Root<'static>> {
        let mut top = info.path_node;
        while let Some(parent) = top.parent {
            top = parent;
        }
        let QueryPathSegment::Name(key) = top.segment else { return None };
        let mut roots = self.roots.lock().ok()?;
        if info.path_node.parent.is_none() {
            let root = self.rules.root_key(info.parent_type, info.name)?;
            roots.insert(key.to_string(), root);
            return Some(root);
        }
        roots.get(key).copied()
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for AccessControlExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // A root field without a rule is refused by `decide` itself; a nested field whose root
        // is unknown is held to its own rule (no root stands in for it).
        let root = self.root_of(&info).unwrap_or(("", ""));
        let viewer = ctx.data_opt::<Viewer>().unwrap_or_else(|| Viewer::anonymous_ref());
        let outcome = match ctx.data_opt::<Arc<Settings>>() {
            Some(settings) => self.rules.decide(viewer, &settings.instance, root, info.parent_type, info.name),
            None => Err(AppError::internal("settings missing from schema data")),
        };
        if let Err(err) = outcome {
            return Err(server_error(
                err,
                info.path_node.to_string_vec().into_iter().map(async_graphql::PathSegment::Field).collect(),
            ));
        }
        next.run(ctx, info).await
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

/// An anonymous caller asking for a field that needs a user is told to send a token (REST keeps
/// Pleroma's "Invalid credentials." for the same case).
fn token_needed(viewer: &Viewer, access: Access, err: AppError) -> AppError {
    if !matches!(err, AppError::Unauthenticated(_)) || viewer.method != crate::auth::AuthMethod::Anonymous {
        return err;
    }
    let who = match access {
        Access::Admin(_) => "an admin's",
        Access::Staff(..) => "a staff member's",
        _ => "a user's",
    };
    AppError::Unauthenticated(format!(
        "This field needs {who} access token: send the header `Authorization: Bearer <token>` (no token was sent)."
    ))
}
