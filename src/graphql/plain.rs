//! One-pass resolution of a selection of plain fields, for types whose lists dominate a
//! response (see `users::types::User`). It mirrors async-graphql's own walk of a selection set
//! (`resolver_utils::container`): response keys in selection order, named and inline fragments
//! whose type condition is the object's type, `__typename`, and the schema's `@not`. Anything it
//! does not mirror makes it answer `None`, and the caller resolves the usual way.
//!
//! The selection is answered either as a `Value` ([`object`]) or, where the response is written
//! by [`value_json`] (the REST facade, and `/graphql`'s single operations: [`response_json`]),
//! straight as JSON text ([`json`]): a page of users is then written once, without a tree of
//! values built, serialised and dropped on the way (see [`RawJson`]).
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{
    indexmap::IndexMap,
    parser::types::{Field, Selection, SelectionSet},
    ContextSelectionSet, Name, Value,
};

/// A plain field's value, borrowed from the object where it can be.
pub enum Plain<'a> {
    Null,
    Bool(bool),
    Str(&'a str),
    String(String),
    Strs(&'a [String]),
    /// An object whose fields are plain too (answered for the field's own selection).
    Object(&'a dyn PlainObject),
}

/// A type whose selected fields may be answered in one pass.
pub trait PlainObject: Sync {
    /// The GraphQL type's name (fragments' type conditions, `__typename`).
    fn type_name(&self) -> &'static str;
    /// Where the plain field `name` (no arguments) is among those [`PlainObject::field`]
    /// answers, or `None` for any other: looked up once per selection, not per object.
    fn field_index(&self, name: &str) -> Option<usize>;
    /// The value of the plain field at `index` (from [`PlainObject::field_index`]), or `None`
    /// where this object cannot answer it in one pass.
    fn field(&self, ctx: &ContextSelectionSet<'_>, index: usize) -> Option<Plain<'_>>;
}

/// Request data: plain objects may come back as JSON text, in `Value::Binary`, which
/// [`value_json`] copies into the body as it is. Only the writers of a response set it: the REST
/// facade, on requests whose answer it does not reshape, and `/graphql` for a single operation
/// ([`response_json`]); the value then never reaches another reader.
#[derive(Default)]
pub struct RawJson {
    /// The length of the last object written (of the last list, per item): the next one's
    /// buffer is sized for it, as the items of a list are much alike.
    last_len: AtomicUsize,
}

/// The object `obj` answers for `set`.
pub fn object(ctx: &ContextSelectionSet<'_>, set: &SelectionSet, obj: &dyn PlainObject) -> Option<Value> {
    object_planned(ctx, &plan(ctx, set, obj)?, obj)
}

/// The list `items` (objects of one type) answers for `set`: the selection is planned once for
/// the whole list, and no item goes through a future of its own.
pub fn object_list<'o>(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    items: impl Iterator<Item = &'o dyn PlainObject>,
) -> Option<Value> {
    let mut items = items.peekable();
    // No item, no field resolved: what async-graphql answers too, whatever the selection.
    let Some(first) = items.peek() else { return Some(Value::List(Vec::new())) };
    let steps = plan(ctx, set, *first)?;
    items.map(|item| object_planned(ctx, &steps, item)).collect::<Option<Vec<_>>>().map(Value::List)
}

/// The object `obj` answers for `set`, as JSON text.
pub fn json(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    obj: &dyn PlainObject,
    raw: &RawJson,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.last_len.load(Ordering::Relaxed) + 64);
    write_object(ctx, set, obj, &mut out)?;
    raw.last_len.store(out.len(), Ordering::Relaxed);
    Some(out)
}

/// [`object_list`], as JSON text.
pub fn json_list<'o>(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    items: impl ExactSizeIterator<Item = &'o dyn PlainObject>,
    raw: &RawJson,
) -> Option<Vec<u8>> {
    let count = items.len();
    let mut items = items.peekable();
    let Some(first) = items.peek() else { return Some(b"[]".to_vec()) };
    let steps = plan(ctx, set, *first)?;
    let mut out = Vec::with_capacity(raw.last_len.load(Ordering::Relaxed) + 64);
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_planned(ctx, &steps, item, &mut out)?;
        if i == 0 {
            // Sized once for the rest, which are much alike (a quarter more, for longer names and
            // addresses): a page of 500 users is some 300 kB, which a growing buffer would copy
            // about as often, into fresh pages each time.
            out.reserve((out.len() + 8) * count / 4 * 5);
        }
    }
    out.push(b']');
    raw.last_len.store(out.len() / count.max(1), Ordering::Relaxed);
    Some(out)
}

/// One field of a [`plan`]: its response key, the field, where the object answers it (`None`:
/// `__typename`), and whether `@not` negates it.
struct Step<'s> {
    key: &'s Name,
    field: &'s Field,
    index: Option<usize>,
    negate: bool,
}

/// The fields `set` selects on objects like `obj`, in order, or `None` where async-graphql would
/// answer otherwise than one pass does (see [`walk`]; a field `obj` does not answer in one pass;
/// a response key selected twice, which it merges; nothing selected, which it answers as null).
fn plan<'s>(ctx: &ContextSelectionSet<'s>, set: &'s SelectionSet, obj: &dyn PlainObject) -> Option<Vec<Step<'s>>> {
    // Sized for every field the fragments hold: a page's selection is often one spread.
    let mut steps: Vec<Step<'s>> = Vec::with_capacity(width(ctx, set));
    walk(ctx, set, obj.type_name(), &mut |key, field, negate| {
        if steps.iter().any(|step| step.key == key) {
            return None;
        }
        let index = match field.name.node.as_str() {
            "__typename" => None,
            name => Some(obj.field_index(name)?),
        };
        steps.push(Step { key, field, index, negate });
        Some(())
    })?;
    (!steps.is_empty()).then_some(steps)
}

fn object_planned(ctx: &ContextSelectionSet<'_>, steps: &[Step<'_>], obj: &dyn PlainObject) -> Option<Value> {
    let mut out = IndexMap::with_capacity(steps.len());
    for step in steps {
        let value = match value_of(ctx, obj, step)? {
            Plain::Null => Value::Null,
            Plain::Bool(b) => Value::Boolean(b),
            Plain::Str(s) => Value::String(s.to_owned()),
            Plain::String(s) => Value::String(s),
            Plain::Strs(items) => Value::List(items.iter().map(|s| Value::String(s.clone())).collect()),
            Plain::Object(inner) => object(ctx, &step.field.selection_set.node, inner)?,
        };
        out.insert(step.key.clone(), value);
    }
    Some(Value::Object(out))
}

fn write_object(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    obj: &dyn PlainObject,
    out: &mut Vec<u8>,
) -> Option<()> {
    write_planned(ctx, &plan(ctx, set, obj)?, obj, out)
}

fn write_planned(
    ctx: &ContextSelectionSet<'_>,
    steps: &[Step<'_>],
    obj: &dyn PlainObject,
    out: &mut Vec<u8>,
) -> Option<()> {
    out.push(b'{');
    for (i, step) in steps.iter().enumerate() {
        let value = value_of(ctx, obj, step)?;
        if i > 0 {
            out.push(b',');
        }
        // A response key is a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`): nothing to escape.
        out.push(b'"');
        out.extend_from_slice(step.key.as_bytes());
        out.extend_from_slice(b"\":");
        match value {
            Plain::Null => out.extend_from_slice(b"null"),
            Plain::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Plain::Str(s) => string(out, s),
            Plain::String(s) => string(out, &s),
            Plain::Strs(items) => list(out, items, |out, s| string(out, s)),
            Plain::Object(inner) => write_object(ctx, &step.field.selection_set.node, inner, out)?,
        }
    }
    out.push(b'}');
    Some(())
}

/// `s` as a JSON string, escaped as serde_json escapes it.
fn string(out: &mut Vec<u8>, s: &str) {
    // Most values need no escape (serde_json escapes control characters, `"` and `\` only): one
    // scan and a copy then, where the serialiser costs about 5 instructions per byte. The scan
    // has no early exit, so that the compiler vectorises it.
    let plain = !s.bytes().fold(false, |escape, b| escape | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// `items` as a JSON array, each written by `each`.
fn list<T>(out: &mut Vec<u8>, items: &[T], each: impl Fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(b']');
}

/// `value` as JSON text, where `Value::Binary` is JSON text a plain object was answered as
/// ([`RawJson`]), copied as it is.
pub fn value_json(value: &Value) -> Vec<u8> {
    // Sized once: a page of 500 users is some 300 kB, which a growing buffer copies about as often.
    let mut out = Vec::with_capacity(length_hint(value));
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => string(out, s),
        Value::Enum(name) => string(out, name),
        Value::Binary(json) => out.extend_from_slice(json),
        Value::List(items) => list(out, items, write_value),
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, key);
                out.push(b':');
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// A GraphQL response as JSON text, as async-graphql serialises it (`data`, then `extensions`
/// and `errors` when there are any), its data written by [`value_json`].
pub fn response_json(response: &async_graphql::Response) -> Vec<u8> {
    let mut out = Vec::with_capacity(length_hint(&response.data) + 16);
    out.extend_from_slice(b"{\"data\":");
    write_value(&mut out, &response.data);
    // Neither holds a plain object's text; serde's output for them cannot fail.
    if !response.extensions.is_empty() {
        out.extend_from_slice(b",\"extensions\":");
        let _ = serde_json::to_writer(&mut out, &response.extensions);
    }
    if !response.errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        let _ = serde_json::to_writer(&mut out, &response.errors);
    }
    out.push(b'}');
    out
}

/// About the length of `value` as JSON (exact for its JSON text; escapes and numbers aside).
fn length_hint(value: &Value) -> usize {
    match value {
        Value::Binary(json) => json.len(),
        Value::String(s) => s.len() + 2,
        Value::Enum(name) => name.len() + 2,
        Value::List(items) => 2 + items.iter().map(|item| length_hint(item) + 1).sum::<usize>(),
        Value::Object(map) => 2 + map.iter().map(|(key, item)| key.len() + 4 + length_hint(item)).sum::<usize>(),
        Value::Null | Value::Boolean(_) | Value::Number(_) => 8,
    }
}

/// A planned field's value: `__typename`, or the object's field, negated under `@not`.
fn value_of<'a>(ctx: &ContextSelectionSet<'_>, obj: &'a dyn PlainObject, step: &Step<'_>) -> Option<Plain<'a>> {
    let value = match step.index {
        None => Plain::Str(obj.type_name()),
        Some(index) => obj.field(ctx, index)?,
    };
    match (value, step.negate) {
        (value, false) => Some(value),
        (Plain::Bool(b), true) => Some(Plain::Bool(!b)),
        (Plain::Null, true) => Some(Plain::Null),
        // `@not` on anything else is an error the directive reports.
        _ => None,
    }
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

/// Call `each` with every field `set` selects on `type_name`, in order: its response key, the
/// field, and whether `@not` negates it. `None` (from `each`, or for a field with arguments or
/// another directive, or a fragment with directives or another type condition) stops the walk.
fn walk<'s>(
    ctx: &ContextSelectionSet<'s>,
    set: &'s SelectionSet,
    type_name: &str,
    each: &mut dyn FnMut(&'s Name, &'s Field, bool) -> Option<()>,
) -> Option<()> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(f) => {
                let f = &f.node;
                let negate = match f.directives.as_slice() {
                    [] => false,
                    [only] if only.node.name.node == super::NOT && only.node.arguments.is_empty() => true,
                    _ => return None,
                };
                if !f.arguments.is_empty() {
                    return None;
                }
                each(&f.response_key().node, f, negate)?;
            }
            Selection::FragmentSpread(spread) => {
                let fragment = ctx.query_env.fragments.get(&spread.node.fragment_name.node)?;
                if !spread.node.directives.is_empty() || fragment.node.type_condition.node.on.node != type_name {
                    return None;
                }
                walk(ctx, &fragment.node.selection_set.node, type_name, each)?;
            }
            Selection::InlineFragment(inline) => {
                let inline = &inline.node;
                let applies = inline.type_condition.as_ref().is_none_or(|c| c.node.on.node == type_name);
                if !inline.directives.is_empty() || !applies {
                    return None;
                }
                walk(ctx, &inline.selection_set.node, type_name, each)?;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    /// The fast path writes what serde_json writes, for every ASCII character and beyond.
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let mut samples: Vec<String> = (0u8..=0x7f).map(|b| format!("a{}b", b as char)).collect();
        samples.extend(
            ["", "alice", "Ann \"Named\"\n", "back\\slash", "ünï 😀 \u{2028}", "</script>", "\u{7f}"].map(String::from),
        );
        for sample in samples {
            let mut ours = Vec::new();
            super::string(&mut ours, &sample);
            assert_eq!(ours, serde_json::to_vec(&sample).unwrap(), "{sample:?}");
        }
    }
}
