//! The route table: one row per documented route, in the order of the Pleroma docs
//! (`shared/spec/ROUTES.md`). Each row names its method and path, the GraphQL operation it runs
//! (`operations/<area>/<name>.graphql`; its variables are the route's parameters), how the
//! result becomes the body, and how errors render. Access rules come from the operation's root
//! field, so a route cannot be guarded differently from its GraphQL field.
use axum::http::Method;

use super::{ErrorStyle, Success};

/// One facade route.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    /// Canonical path (`/api/v1/pleroma/...`), axum syntax for parameters (`{nickname}`).
    pub path: &'static str,
    /// Also serve `/api/pleroma/...`.
    pub legacy_alias: bool,
    /// What the route does (the doc's heading).
    pub summary: &'static str,
    /// `(name, text)` of the operation.
    pub operation: (&'static str, &'static str),
    pub success: Success,
    pub errors: ErrorStyle,
}

macro_rules! op {
    ($name:literal) => {
        ($name, include_str!(concat!("operations/", $name, ".graphql")))
    };
}

fn admin(method: Method, path: &'static str, summary: &'static str, operation: (&'static str, &'static str), success: Success) -> Route {
    Route { method, path, legacy_alias: true, summary, operation, success, errors: ErrorStyle::Admin }
}


/// Every facade route.
pub fn route_table() -> Vec<Route> {
    vec![
        // Admin — users
        // GET /users: list and search users.
        admin(Method::GET, "/api/v1/pleroma/admin/users", "List and search users", op!("users/list"), Success::Field),
        // GET /users/:nickname: one user by nickname or id.
        admin(Method::GET, "/api/v1/pleroma/admin/users/{nickname}", "Show one user by nickname or id", op!("users/show"), Success::FieldOr404),
        // Admin — permission groups
        // GET /users/:nickname/permission_group.
        admin(Method::GET, "/api/v1/pleroma/admin/users/{nickname}/permission_group", "Get a user's admin/moderator flags", op!("permissions/show"), Success::FieldOr404),
        // GET /users/:nickname/permission_group/:permission_group.
        admin(Method::GET, "/api/v1/pleroma/admin/users/{nickname}/permission_group/{permission_group}", "Get a user's flags (per-group form)", op!("permissions/show_group"), Success::FieldOr404),
        // Admin — credentials
        // GET /users/:nickname/credentials.
        admin(Method::GET, "/api/v1/pleroma/admin/users/{nickname}/credentials", "Show a user's editable account fields", op!("credentials/show"), Success::FieldOr404),
    ]
}
