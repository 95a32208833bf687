//! Objects rendered once per execution and shared: a page of report groups shows the same few
//! accounts and statuses many times over (every report repeats its reporter, its account and its
//! statuses in each group it is in; every status its author), and each time async-graphql would
//! resolve the whole selection again, field by field. [`Shared`] wraps an object with a key
//! that determines its answer (its id, or the snapshot it was built from): the first time a
//! selection of the document answers that key its value is kept in the execution's
//! [`Rendered`], and every later time the same selection (the same field, or any field
//! selecting just the same fragment) answers the same key, the kept value is cloned.
//!
//! An answer depends only on the object, its selection (the same nodes of the same document),
//! the variables and the viewer, which are the execution's own: the kept value is
//! the one resolution would give. An answer whose resolution reported an error is not kept (a
//! later one resolves again, so its errors are reported at its own path). Documents with
//! mutations get no [`Rendered`] ([`super::request_data_in`]), so what they change is read
//! afresh; the REST facade runs one execution per page, so what is kept is bounded by a page.
use std::{borrow::Cow, collections::HashMap, sync::Mutex};

use async_graphql::{
    parser::types::{Field, Selection},
    registry::Registry,
    ContextSelectionSet, OutputType, Positioned, ServerResult, Value,
};

/// Request data: the values answered so far, by (field node, object key).
pub struct Rendered {
    /// `None`: every answer is resolved afresh ([`Rendered::disabled`]).
    values: Option<Mutex<HashMap<(usize, String), Value>>>,
}

impl Default for Rendered {
    fn default() -> Self {
        Rendered { values: Some(Mutex::default()) }
    }
}

impl Rendered {
    /// Keep nothing: every object is resolved field by field (to compare both ways' answers).
    pub fn disabled() -> Self {
        Rendered { values: None }
    }

    fn get(&self, key: &(usize, String)) -> Option<Value> {
        self.values.as_ref()?.lock().ok()?.get(key).cloned()
    }

    fn keep(&self, key: (usize, String), value: &Value) {
        if let Some(Ok(mut values)) = self.values.as_ref().map(Mutex::lock) {
            values.insert(key, value.clone());
        }
    }
}

/// An object answered once per field of the document and key (see the module's text); the
/// same GraphQL type as `T`.
pub struct Shared<T> {
    key: String,
    inner: T,
}

impl<T> Shared<T> {
    /// `inner`, whose answers are the same wherever its `key` is the same.
    pub fn new(key: impl Into<String>, inner: T) -> Self {
        Shared { key: key.into(), inner }
    }
}

impl<T: OutputType> OutputType for Shared<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.inner.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        let Some(rendered) = ctx.data_opt::<Rendered>().filter(|r| r.values.is_some()) else {
            return Box::pin(self.inner.resolve(ctx, field)).await;
        };
        let key = (selection(ctx, field), self.key.clone());
        if let Some(value) = rendered.get(&key) {
            return Ok(value);
        }
        let errors = || ctx.query_env.errors.lock().map_or(usize::MAX, |e| e.len());
        let before = errors();
        let value = Box::pin(self.inner.resolve(ctx, field)).await?;
        if before != usize::MAX && errors() == before {
            rendered.keep(key, &value);
        }
        Ok(value)
    }
}

/// What an object's answer is made of, as an address in the execution's document: the
/// fragment, when the field selects one fragment and nothing else (`account { ...AdminAccount }`:
/// the same answer wherever the fragment is spread), else the field's node. A field's name,
/// alias and arguments are its parent's business, not the object's.
fn selection(ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> usize {
    if let [only] = field.node.selection_set.node.items.as_slice() {
        if let Selection::FragmentSpread(spread) = &only.node {
            if spread.node.directives.is_empty() {
                if let Some(fragment) = ctx.query_env.fragments.get(&spread.node.fragment_name.node) {
                    return std::ptr::from_ref(fragment) as usize;
                }
            }
        }
    }
    std::ptr::from_ref(field) as usize
}
