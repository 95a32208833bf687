//! What the facade needs to know of the schema: field types, enums and input objects, read
//! from the exported SDL. It validates the facade's operations at start-up.
use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
};

/// Types of the schema, by name.
#[derive(Clone, Default)]
pub struct SchemaIndex {
    objects: HashMap<String, HashMap<String, Type>>,
    inputs: HashMap<String, Vec<(String, Type)>>,
    enums: HashMap<String, HashSet<String>>,
    /// Each enum's first value, for samples (`sample.rs`).
    first_values: HashMap<String, String>,
}

impl SchemaIndex {
    /// Index an SDL document.
    pub fn from_sdl(sdl: &str) -> Result<SchemaIndex, String> {
        let doc = async_graphql::parser::parse_schema(sdl).map_err(|e| e.to_string())?;
        let mut index = SchemaIndex::default();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(ty) = def else { continue };
            let name = ty.node.name.node.to_string();
            match ty.node.kind {
                TypeKind::Object(o) => {
                    let fields = o.fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node)).collect();
                    index.objects.insert(name, fields);
                }
                TypeKind::Interface(i) => {
                    let fields = i.fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node)).collect();
                    index.objects.insert(name, fields);
                }
                TypeKind::InputObject(i) => {
                    let fields = i.fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node)).collect();
                    index.inputs.insert(name, fields);
                }
                TypeKind::Enum(e) => {
                    let values: Vec<String> = e.values.into_iter().map(|v| v.node.value.node.to_string()).collect();
                    if let Some(first) = values.first() {
                        index.first_values.insert(name.clone(), first.clone());
                    }
                    index.enums.insert(name, values.into_iter().collect());
                }
                _ => {}
            }
        }
        Ok(index)
    }

    /// Whether `name` is an enum.
    pub fn is_enum(&self, name: &str) -> bool {
        self.enums.contains_key(name)
    }

    /// Whether the enum `name` has `value`.
    pub fn enum_has(&self, name: &str, value: &str) -> bool {
        self.enums.get(name).is_some_and(|values| values.contains(value))
    }

    /// The enum's first value.
    pub fn first_value(&self, name: &str) -> Option<&str> {
        self.first_values.get(name).map(String::as_str)
    }

    /// Whether `name` is an object or interface type.
    pub fn is_object(&self, name: &str) -> bool {
        self.objects.contains_key(name)
    }

    /// Whether `name` is an input object.
    pub fn is_input(&self, name: &str) -> bool {
        self.inputs.contains_key(name)
    }

    /// Fields of an input object.
    pub fn input_fields(&self, name: &str) -> &[(String, Type)] {
        self.inputs.get(name).map_or(&[], Vec::as_slice)
    }

    /// The type of `object.field`, if both exist.
    pub fn field_type(&self, object: &str, field: &str) -> Option<&Type> {
        self.objects.get(object)?.get(field)
    }

    /// Check that every selected field exists; returns the root field names.
    pub fn check_operation(&self, doc: &ExecutableDocument) -> Result<Vec<String>, String> {
        let mut roots = Vec::new();
        for (_, op) in doc.operations.iter() {
            let root = root_type_name(op.node.ty);
            for item in &op.node.selection_set.node.items {
                if let Selection::Field(f) = &item.node {
                    roots.push(f.node.name.node.to_string());
                }
            }
            self.check_set(doc, root, &op.node.selection_set.node)?;
            for (_, var) in &op.node.variable_definitions.iter().map(|v| ((), &v.node)).collect::<Vec<_>>() {
                let base = named(&var.var_type.node);
                if !matches!(base, "String" | "Int" | "Float" | "Boolean" | "ID")
                    && !self.is_enum(base)
                    && !self.is_input(base)
                    && !self.objects.contains_key(base)
                    && !matches!(base, "DateTime" | "NaiveDate" | "JSON" | "Upload")
                {
                    return Err(format!("unknown variable type {base}"));
                }
            }
        }
        Ok(roots)
    }

    fn check_set(&self, doc: &ExecutableDocument, type_name: &str, set: &SelectionSet) -> Result<(), String> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if name == "__typename" {
                        continue;
                    }
                    let fields = self.objects.get(type_name).ok_or_else(|| format!("unknown type {type_name}"))?;
                    let ty = fields.get(name).ok_or_else(|| format!("no field {type_name}.{name}"))?;
                    let inner = named(ty);
                    if !field.node.selection_set.node.items.is_empty() {
                        self.check_set(doc, inner, &field.node.selection_set.node)?;
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment.node.type_condition.as_ref().map_or(type_name, |c| c.node.on.node.as_str());
                    self.check_set(doc, on, &fragment.node.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = doc
                        .fragments
                        .get(&spread.node.fragment_name.node)
                        .ok_or_else(|| format!("unknown fragment {}", spread.node.fragment_name.node))?;
                    self.check_set(
                        doc,
                        fragment.node.type_condition.node.on.node.as_str(),
                        &fragment.node.selection_set.node,
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// The named type under any list wrappers.
pub fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// The root type an operation of this kind starts from.
pub fn root_type_name(ty: async_graphql::parser::types::OperationType) -> &'static str {
    use async_graphql::parser::types::OperationType;
    match ty {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    }
}
