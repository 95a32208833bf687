//! Typed conversions of a row's value for the wire. A mapper reads the value as the type it
//! expects (serde, [`typed`]) and builds the wire shape from that; a value of another shape is
//! a [`Drift`] error, never passed on unchanged. At start-up every row's mapper runs on a sample
//! built from its operation's selection and the schema (`sample.rs`): an operation, a schema
//! type or a mapper that drifted apart stops the server, and so fails every test.
use async_graphql::Value as ConstValue;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A value whose shape is not the one its mapper reads.
#[derive(Debug)]
pub struct Drift(pub String);

impl Drift {
    /// The value is not what `what` expects.
    pub fn new(what: &str, detail: impl std::fmt::Display) -> Drift {
        Drift(format!("{what}: {detail}"))
    }
}

impl From<Drift> for AppError {
    fn from(drift: Drift) -> AppError {
        AppError::internal(format!("a facade mapper read an unexpected shape: {}", drift.0))
    }
}

/// A mapper's answer: the wire value and how many objects it rewrote. A typed mapper rewrites
/// its one value; a walker ([`walked`]) rewrites every object of its kind wherever it sits, and
/// the start-up check requires it to find one in the row's sample.
pub struct Mapped {
    pub value: ConstValue,
    pub found: usize,
}

/// How a row's value becomes its wire value.
pub type Mapper = fn(ConstValue) -> Result<Mapped, Drift>;

/// A value read as a typed input, for the wire.
pub trait Wire: DeserializeOwned {
    /// The wire shape.
    fn wire(self) -> ConstValue;
}

/// Read `value` as `T` (a mismatch is a [`Drift`]) and answer `T`'s wire shape.
pub fn typed<T: Wire>(value: ConstValue) -> Result<Mapped, Drift> {
    Ok(Mapped { value: read::<T>(value)?.wire(), found: 1 })
}

/// Read `value` as `T`; a mismatch is a [`Drift`] naming the type.
pub fn read<T: DeserializeOwned>(value: ConstValue) -> Result<T, Drift> {
    async_graphql::from_value(value).map_err(|e| Drift::new(std::any::type_name::<T>(), e))
}

/// A walker's answer: `walk` rewrites in place and counts the objects it rewrote.
pub fn walked(mut value: ConstValue, walk: fn(&mut ConstValue) -> usize) -> Result<Mapped, Drift> {
    let found = walk(&mut value);
    Ok(Mapped { value, found })
}

/// Any value as it is: what a typed struct carries on unread (a status inside a payload).
pub type Opaque = ConstValue;

/// Serialise a wire struct (`#[derive(Serialize)]`) to a value.
pub fn to_value<T: serde::Serialize>(wire: &T) -> ConstValue {
    async_graphql::to_value(wire).unwrap_or(ConstValue::Null)
}

/// The fields of an object a mapper carries on without reading them (`#[serde(flatten)]`).
pub type Fields = async_graphql::indexmap::IndexMap<async_graphql::Name, ConstValue>;

/// An object of these fields, in order.
pub fn object<K: Into<String>>(fields: impl IntoIterator<Item = (K, ConstValue)>) -> ConstValue {
    ConstValue::Object(fields.into_iter().map(|(k, v)| (async_graphql::Name::new(k.into()), v)).collect())
}

/// A list of wire values.
pub fn list<T: Wire>(items: Vec<T>) -> ConstValue {
    ConstValue::List(items.into_iter().map(Wire::wire).collect())
}

impl<T: Wire> Wire for Vec<T> {
    fn wire(self) -> ConstValue {
        list(self)
    }
}

/// A connection's `nodes`, read as `T`s.
#[derive(serde::Deserialize)]
pub struct Nodes<T> {
    pub nodes: Vec<T>,
}
