//! Authentication and authorization: who is calling (the [`Viewer`]), with which token scopes,
//! and the one check every admin field and route goes through ([`authorize`]).
mod authorize;
mod rate_limit;
pub mod remote_ip;
pub mod scopes;
pub mod token_cache;
mod viewer;

pub use crate::domain::{password, token_digest};
pub use authorize::{authorize, Access, Privilege};
pub use rate_limit::{Caller, LimitName, RateLimits};
pub use remote_ip::ClientAddress;
pub use token_cache::TokenCache;
pub use viewer::{authorization, login as viewer_login, AuthContext, AuthMethod, Authorization, Viewer};
