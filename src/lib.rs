//! pleroma-gateway: a GraphQL-first admin gateway with a REST facade that serves the Pleroma
//! Admin API and Pleroma API exactly.
// `Query` and `Mutation` merge one object per area, nested one type deep per area; the
// compiler's default depth (128) is too shallow to prove them `Send` beyond about 25 areas.
#![recursion_limit = "256"]
pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
/// Flake ids live in the `entity` crate, beside the rows they name (the seeder shares them).
pub use entity::ids;
pub mod jobs;
pub mod outbound;
pub mod rest;
pub mod state;

pub use app::app;
pub use state::AppState;
