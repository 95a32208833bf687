//! One-pass resolution of a selection of plain fields, for types whose lists dominate a
//! response (see `users::types::User`). It mirrors async-graphql's own walk of a selection set
//! (`resolver_utils::container`): response keys in selection order, named and inline fragments
//! whose type condition is the object's type, `__typename`. Anything it does not mirror makes it
//! answer `None`, and the caller resolves the usual way.
use async_graphql::{
    indexmap::IndexMap,
    parser::types::{Field, Selection, SelectionSet},
    ContextSelectionSet, Name, Value,
};

/// The object `type_name` answers for `set`, with `field` giving each field's value; `None`
/// when a field is not plain (`field` says `None`, or it has arguments or directives), a
/// fragment has directives or another type condition, or a response key repeats (async-graphql
/// merges those).
pub fn object(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    type_name: &str,
    field: &dyn Fn(&Field) -> Option<Value>,
) -> Option<Value> {
    // Sized for every field the fragments hold: a page's selection is often one spread, and a
    // map grown insert by insert rehashes and copies itself several times per object.
    let mut out = IndexMap::with_capacity(width(ctx, set));
    collect(ctx, set, type_name, field, &mut out)?;
    // async-graphql answers null for an object with nothing selected.
    (!out.is_empty()).then_some(Value::Object(out))
}

/// How many fields `set` selects, through its fragments (an upper bound: some may not apply).
fn width(ctx: &ContextSelectionSet<'_>, set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(_) => 1,
            Selection::FragmentSpread(spread) => ctx
                .query_env
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| width(ctx, &fragment.node.selection_set.node)),
            Selection::InlineFragment(inline) => width(ctx, &inline.node.selection_set.node),
        })
        .sum()
}

fn collect(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    type_name: &str,
    field: &dyn Fn(&Field) -> Option<Value>,
    out: &mut IndexMap<Name, Value>,
) -> Option<()> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(f) => {
                let f = &f.node;
                if !f.arguments.is_empty() || !f.directives.is_empty() {
                    return None;
                }
                let value = if f.name.node == "__typename" { Value::String(type_name.to_owned()) } else { field(f)? };
                let key = f.response_key().node.clone();
                if out.insert(key, value).is_some() {
                    return None;
                }
            }
            Selection::FragmentSpread(spread) => {
                let fragment = ctx.query_env.fragments.get(&spread.node.fragment_name.node)?;
                if !spread.node.directives.is_empty() || fragment.node.type_condition.node.on.node != type_name {
                    return None;
                }
                collect(ctx, &fragment.node.selection_set.node, type_name, field, out)?;
            }
            Selection::InlineFragment(inline) => {
                let inline = &inline.node;
                let applies = inline.type_condition.as_ref().is_none_or(|c| c.node.on.node == type_name);
                if !inline.directives.is_empty() || !applies {
                    return None;
                }
                collect(ctx, &inline.selection_set.node, type_name, field, out)?;
            }
        }
    }
    Some(())
}
