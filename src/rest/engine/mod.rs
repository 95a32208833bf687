//! The facade engine. The route table is data: each row (`route.rs`) names its method and path,
//! what runs (a GraphQL operation or a native handler) and the shape of its answer. At start-up
//! `compile.rs` checks every row against the schema; `serve.rs` serves a request through its row;
//! `params.rs` reads parameters from the path, query string, JSON, form and multipart bodies;
//! `error.rs` renders typed errors as Pleroma does; `mapper.rs` types the conversions rows make, which
//! `sample.rs` checks at start-up against a sample of each operation's result; `openapi.rs` documents the table.
mod answer;
mod compile;
mod error;
pub mod mapper;
pub mod openapi;
pub mod params;
mod route;
mod sample;
mod schema_index;
mod serve;

pub use answer::{escape_html, json, page_links, Answer, AnswerBody, JSON_UTF8};
pub use compile::{CompiledOperation, CompiledRoute, Execute, Facade};
pub use error::{ErrorStyle, RestError};
pub use mapper::{
    in_order, list, object, present, read, to_value, typed, walk, walked, Drift, Fields, Kind, Mapped, Mapper, Nodes,
    Opaque, Ordered, Wire,
};
pub use route::{Action, Call, Convert, Native, Operation, Route, Shape, Writer, SMALL_BODY, UPLOAD_BODY};
pub use schema_index::SchemaIndex;
pub use serve::paged_operation_body;
