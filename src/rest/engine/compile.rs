//! Compiling the route table at start-up: every operation is parsed and checked against the
//! schema, every shape against its operation, every method and literal for what it is. A row that
//! does not fit is a start-up error, never a silent wrong answer.
use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc};

use async_graphql::{
    parser::types::{ExecutableDocument, Selection, SelectionSet, Type},
    Value as ConstValue,
};
use axum::routing::MethodFilter;

use super::{
    route::{Action, Call, Route, Shape},
    schema_index::root_type_name,
    SchemaIndex,
};
use crate::{auth::Access, graphql::Rules};

/// Runs a GraphQL request (the gateway's schema, or a test schema in the engine's tests).
pub type Execute =
    Arc<dyn Fn(async_graphql::Request) -> Pin<Box<dyn Future<Output = async_graphql::Response> + Send>> + Send + Sync>;

/// A row, compiled.
#[derive(Clone)]
pub struct CompiledRoute {
    pub route: Route,
    pub method: MethodFilter,
    /// The operation, for operation rows.
    pub operation: Option<CompiledOperation>,
    /// Every access rule the row is subject to: the root field's first, then those of nested
    /// guarded fields it selects (a native row's own rule).
    pub access: Vec<Access>,
}

/// An operation, parsed and checked.
#[derive(Clone)]
pub struct CompiledOperation {
    /// The operation's text, fragments included.
    pub text: String,
    pub document: ExecutableDocument,
    /// Variables in declaration order with their types.
    pub variables: Vec<(String, Type)>,
}

/// The compiled route table, what it needs of the schema, and the executor.
pub struct Facade {
    pub routes: Vec<CompiledRoute>,
    pub index: SchemaIndex,
    pub execute: Execute,
}

const FRAGMENTS: &str = include_str!("../operations/fragments.graphql");

/// Fragment definitions by name, from `operations/fragments.graphql`.
fn fragments() -> HashMap<String, String> {
    let mut out = HashMap::new();
    for chunk in FRAGMENTS.split("\nfragment ").map(|c| c.trim_start_matches("fragment ")) {
        if let Some(name) = chunk.split_whitespace().next() {
            if !name.starts_with('#') && !chunk.trim().is_empty() {
                out.insert(name.to_string(), format!("fragment {}", chunk.trim_end()));
            }
        }
    }
    out
}

/// The operation's text with every fragment it spreads, transitively.
fn with_fragments(source: &str, all: &HashMap<String, String>) -> String {
    let mut text = source.to_string();
    let mut included: Vec<String> = Vec::new();
    loop {
        let wanted: Vec<String> = text
            .match_indices("...")
            .filter_map(|(i, _)| {
                let name: String = text[i + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                (!name.is_empty() && name != "on" && !included.contains(&name) && all.contains_key(&name))
                    .then_some(name)
            })
            .collect();
        if wanted.is_empty() {
            return text;
        }
        for name in wanted {
            if !included.contains(&name) {
                text.push('\n');
                text.push_str(&all[&name]);
                included.push(name);
            }
        }
    }
}

impl Facade {
    /// Compile `table` against the schema described by `sdl`, with the schema's access rules.
    pub fn compile(sdl: &str, rules: &Rules, table: Vec<Route>, execute: Execute) -> Result<Facade, String> {
        let index = SchemaIndex::from_sdl(sdl)?;
        let fragments = fragments();
        let mut routes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // Mappers that no longer read their operation's sample, all of them at once.
        let mut drifted = Vec::new();
        for route in table {
            let fail = |e: String| format!("{} {} ({}): {e}", route.method, route.path, route.name());
            let method = MethodFilter::try_from(route.method.clone()).map_err(|e| fail(e.to_string()))?;
            for path in route.paths() {
                if !seen.insert((route.method.clone(), path.clone())) {
                    return Err(fail(format!("{path} is routed twice")));
                }
            }
            let (operation, access) = match &route.action {
                Action::Native(native) => (None, vec![native.access]),
                Action::Operation(op) => {
                    let text = with_fragments(op.text, &fragments);
                    let document = async_graphql::parser::parse_query(&text).map_err(|e| fail(e.to_string()))?;
                    let roots = index.check_operation(&document).map_err(&fail)?;
                    if roots.len() != 1 {
                        return Err(fail(format!("selects {} root fields; a row runs one", roots.len())));
                    }
                    let (_, selection) = root_of(&document).ok_or_else(|| fail("no operation".into()))?;
                    // The route's own rule, then every rule the executor decides the operation's
                    // fields by (the root field's first), once each.
                    let found = rules.of(&document).ok_or_else(|| {
                        fail("its root field has no access rule, or it selects an unknown field".into())
                    })?;
                    let mut access: Vec<Access> = op.require.into_iter().collect();
                    for rule in found {
                        if !access.contains(&rule) {
                            access.push(rule);
                        }
                    }
                    check_shape(&op.shape, &document, selection).map_err(&fail)?;
                    if let Err(drift) = check_mapper(&op.shape, &index, &document) {
                        drifted.push(fail(drift));
                    }
                    let variables = document
                        .operations
                        .iter()
                        .flat_map(|(_, op)| {
                            op.node
                                .variable_definitions
                                .iter()
                                .map(|v| (v.node.name.node.to_string(), v.node.var_type.node.clone()))
                        })
                        .collect();
                    (Some(CompiledOperation { text, document, variables }), access)
                }
            };
            routes.push(CompiledRoute { route, method, operation, access });
        }
        if !drifted.is_empty() {
            return Err(drifted.join("\n"));
        }
        Ok(Facade { routes, index, execute })
    }
}

/// The operation's root type and the root field's selection set.
fn root_of(document: &ExecutableDocument) -> Option<(&'static str, &SelectionSet)> {
    let (_, op) = document.operations.iter().next()?;
    let root_type = root_type_name(op.node.ty);
    let field = op.node.selection_set.node.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => Some(field),
        _ => None,
    })?;
    Some((root_type, &field.node.selection_set.node))
}

/// A literal must be JSON, a key must be selected under the root field.
fn check_shape(shape: &Shape, document: &ExecutableDocument, root: &SelectionSet) -> Result<(), String> {
    if let Shape::Literal(text) = shape {
        serde_json::from_str::<serde_json::Value>(text).map_err(|e| format!("literal {text} is not JSON: {e}"))?;
    }
    if let Some(key) = shape.keys().into_iter().find(|key| !selects(document, root, key)) {
        return Err(format!("the shape reads `{key}`, which is not selected"));
    }
    Ok(())
}

/// Run the shape's mapper or conversion on a sample of the operation's result (every selected
/// field present, every list one long): a mapper that cannot read it, or a walker that finds
/// nothing of its kind in it, no longer fits the operation.
fn check_mapper(shape: &Shape, index: &SchemaIndex, document: &ExecutableDocument) -> Result<(), String> {
    let Some((_, op)) = document.operations.iter().next() else { return Ok(()) };
    let root_type = root_type_name(op.node.ty);
    let Some(field) = op.node.selection_set.node.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => Some(field),
        _ => None,
    }) else {
        return Ok(());
    };
    let ty = index
        .field_type(root_type, field.node.name.node.as_str())
        .ok_or_else(|| format!("no field {root_type}.{}", field.node.name.node))?;
    let value = super::sample::sample(index, document, ty, &field.node.selection_set.node);
    let pick = |value: ConstValue, key: &str| match value {
        ConstValue::Object(mut map) => map.shift_remove(key).unwrap_or(ConstValue::Null),
        _ => ConstValue::Null,
    };
    let (map, value) = match shape {
        Shape::Json { map: Some(map), at, .. } => (*map, at.map_or(value.clone(), |key| pick(value, key))),
        Shape::Pages { map, .. } => match pick(value, "nodes") {
            ConstValue::List(mut nodes) if !nodes.is_empty() => (*map, nodes.swap_remove(0)),
            _ => return Err("the paged shape's sample has no nodes".into()),
        },
        Shape::Convert(convert) => {
            let params = serde_json::Map::new();
            let uri = axum::http::Uri::from_static("/sample");
            let call = Call { params: &params, uri: &uri, instance_url: "https://sample.example" };
            return convert(value, &call).map(|_| ()).map_err(|e| format!("its conversion fails on a sample: {e:?}"));
        }
        _ => return Ok(()),
    };
    match map(value) {
        Ok(mapped) if mapped.found > 0 => Ok(()),
        Ok(_) => Err("its mapper finds nothing to rewrite in a sample of the operation's result".into()),
        Err(drift) => Err(format!("its mapper cannot read a sample of the operation's result: {}", drift.0)),
    }
}

/// Whether `set` has a field answering under `key` (directly or through fragments).
fn selects(document: &ExecutableDocument, set: &SelectionSet, key: &str) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => field.node.response_key().node.as_str() == key,
        Selection::InlineFragment(fragment) => selects(document, &fragment.node.selection_set.node, key),
        Selection::FragmentSpread(spread) => document
            .fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|f| selects(document, &f.node.selection_set.node, key)),
    })
}
