//! A sample of what an operation answers, built from its selection and the schema's types:
//! every selected field present and non-null, every list one item long. Mappers run on it at
//! start-up (`compile.rs`), so the shape a mapper reads is checked against the operation.
use async_graphql::{
    indexmap::IndexMap,
    parser::types::{BaseType, ExecutableDocument, Selection, SelectionSet, Type},
    Name, Number, Value as ConstValue,
};

use super::SchemaIndex;

/// The sample value of a field of type `ty` selecting `set`.
pub fn sample(index: &SchemaIndex, doc: &ExecutableDocument, ty: &Type, set: &SelectionSet) -> ConstValue {
    match &ty.base {
        BaseType::List(inner) => ConstValue::List(vec![sample(index, doc, inner, set)]),
        BaseType::Named(name) => named(index, doc, name, set),
    }
}

fn named(index: &SchemaIndex, doc: &ExecutableDocument, name: &str, set: &SelectionSet) -> ConstValue {
    match name {
        "ID" => ConstValue::String("1".into()),
        "String" => ConstValue::String("sample".into()),
        "Int" => ConstValue::Number(Number::from(1)),
        "Float" => ConstValue::Number(Number::from_f64(1.5).unwrap_or_else(|| Number::from(1))),
        "Boolean" => ConstValue::Boolean(true),
        "DateTime" => ConstValue::String("2026-01-02T03:04:05.678Z".into()),
        "NaiveDate" => ConstValue::String("2026-01-02".into()),
        "JSON" => ConstValue::Object(IndexMap::new()),
        _ => match index.first_value(name) {
            Some(value) => ConstValue::Enum(Name::new(value)),
            None => {
                let mut out = IndexMap::new();
                fields(index, doc, name, set, &mut out, &mut false);
                ConstValue::Object(out)
            }
        },
    }
}

/// The fields `set` selects on `type_name`, into `out`. Of fragments on other types (a union's
/// or an interface's members) only the first is taken: one concrete object, as a result has.
fn fields(
    index: &SchemaIndex,
    doc: &ExecutableDocument,
    type_name: &str,
    set: &SelectionSet,
    out: &mut IndexMap<Name, ConstValue>,
    took_member: &mut bool,
) {
    for item in &set.items {
        let (on, inner) = match &item.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.clone();
                let name = field.node.name.node.as_str();
                let value = if name == "__typename" {
                    ConstValue::String(type_name.to_string())
                } else {
                    match index.field_type(type_name, name) {
                        Some(ty) => sample(index, doc, ty, &field.node.selection_set.node),
                        None => continue,
                    }
                };
                // A field selected twice (a fragment's and the operation's own) answers once,
                // its selections merged, as GraphQL merges them.
                match out.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        out.insert(key, value);
                    }
                }
                continue;
            }
            Selection::InlineFragment(fragment) => (
                fragment.node.type_condition.as_ref().map(|c| c.node.on.node.to_string()),
                &fragment.node.selection_set.node,
            ),
            Selection::FragmentSpread(spread) => match doc.fragments.get(&spread.node.fragment_name.node) {
                Some(fragment) => {
                    (Some(fragment.node.type_condition.node.on.node.to_string()), &fragment.node.selection_set.node)
                }
                None => continue,
            },
        };
        match on {
            Some(on) if on != type_name && index.is_object(&on) => {
                if !std::mem::replace(took_member, true) {
                    fields(index, doc, &on, inner, out, &mut false);
                }
            }
            _ => fields(index, doc, type_name, inner, out, took_member),
        }
    }
}

/// Merge `value`'s keys into `into` (objects, and lists of objects item by item).
fn merge(into: &mut ConstValue, value: ConstValue) {
    match (into, value) {
        (ConstValue::Object(into), ConstValue::Object(value)) => {
            for (key, value) in value {
                match into.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        into.insert(key, value);
                    }
                }
            }
        }
        (ConstValue::List(into), ConstValue::List(value)) => {
            for (into, value) in into.iter_mut().zip(value) {
                merge(into, value);
            }
        }
        (into, value) => *into = value,
    }
}
