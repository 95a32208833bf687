//! Authentication and authorization: who is calling (the [`Viewer`]), with which token scopes,
//! and the one check every admin field and route goes through ([`authorize`]).
mod access;
pub mod password;
mod rate_limit;
pub mod scopes;
mod viewer;

pub use access::{authorize, Access, Privilege};
pub use rate_limit::RateLimits;
pub use viewer::{AuthMethod, Viewer};
