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

/// A walker's answer: `walk` rewrites in place (with [`walk`]s of [`Kind`]s) and counts the
/// objects it rewrote; an object of a kind that does not read as its type is a [`Drift`].
pub fn walked(mut value: ConstValue, walk: fn(&mut ConstValue) -> Result<usize, Drift>) -> Result<Mapped, Drift> {
    let found = walk(&mut value)?;
    Ok(Mapped { value, found })
}

/// A kind of object a walker rewrites wherever it sits in a value (a status, an account, a
/// poll, a chat message): recognised by its keys ([`Kind::is`]), then read as the typed
/// struct (serde; a mismatch is a [`Drift`]) whose [`Wire`] shape replaces it.
pub trait Kind: Wire {
    /// Whether `fields` are an object of this kind.
    fn is(fields: &Fields) -> bool;
}

/// Rewrite every object of kind `K` in `value`, innermost first; how many there were. Keys
/// keep their places: those the wire shape keeps stay where they were, new ones follow.
pub fn walk<K: Kind>(value: &mut ConstValue) -> Result<usize, Drift> {
    match value {
        ConstValue::List(items) => items.iter_mut().try_fold(0, |found, item| Ok(found + walk::<K>(item)?)),
        ConstValue::Object(map) => {
            let inner = map.values_mut().try_fold(0, |found, item| Ok::<_, Drift>(found + walk::<K>(item)?))?;
            if !K::is(map) {
                return Ok(inner);
            }
            let order: Vec<async_graphql::Name> = map.keys().cloned().collect();
            let read = read::<K>(std::mem::take(value))?;
            *value = match read.wire() {
                ConstValue::Object(fields) => ConstValue::Object(in_order(fields, &order)),
                other => other,
            };
            Ok(inner + 1)
        }
        _ => Ok(0),
    }
}

/// `fields` with the keys of `order` first, in that order, then the others as they come.
pub fn in_order(mut fields: Fields, order: &[async_graphql::Name]) -> Fields {
    let place: std::collections::HashMap<&async_graphql::Name, usize> =
        order.iter().enumerate().map(|(i, k)| (k, i)).collect();
    fields.sort_by_cached_key(|key, _| place.get(key).copied().unwrap_or(usize::MAX));
    fields
}

/// An object read as `T`, with the order of its keys: `T::wire` then keeps them in place
/// ([`Ordered::wire_in_order`]). An object that does not read as `T` is an error naming `T`.
pub struct Ordered<T> {
    pub value: T,
    pub order: Vec<async_graphql::Name>,
}

impl<'de, T: DeserializeOwned> serde::Deserialize<'de> for Ordered<T> {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let fields = Fields::deserialize(de)?;
        let order = fields.keys().cloned().collect();
        let value = read::<T>(ConstValue::Object(fields)).map_err(|drift| serde::de::Error::custom(drift.0))?;
        Ok(Ordered { value, order })
    }
}

impl<T> Ordered<T> {
    /// `wire`'s object with the keys that were there in their places, new ones after them.
    pub fn wire_in_order(self, wire: impl FnOnce(T) -> Fields) -> ConstValue {
        ConstValue::Object(in_order(wire(self.value), &self.order))
    }
}

/// A field that may be absent, `null` or a value: `None`, `Some(None)`, `Some(Some(_))`
/// (`#[serde(default, deserialize_with = "present")]`).
pub fn present<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(de).map(Some)
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
