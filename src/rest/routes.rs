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

fn admin(
    method: Method,
    path: &'static str,
    summary: &'static str,
    operation: (&'static str, &'static str),
    success: Success,
) -> Route {
    Route { method, path, legacy_alias: true, summary, operation, success, errors: ErrorStyle::Admin }
}

/// Every facade route.
pub fn route_table() -> Vec<Route> {
    vec![
        // Admin — users
        // GET /users: list and search users.
        admin(Method::GET, "/api/v1/pleroma/admin/users", "List and search users", op!("users/list"), Success::Field),
        // DELETE /users (§4): delete users by `nicknames` (JSON body on DELETE), or the deprecated
        // `nickname` query form; answers the nicknames as an array either way.
        admin(
            Method::DELETE,
            "/api/v1/pleroma/admin/users",
            "Delete one or more users",
            op!("users/delete"),
            Success::At("nicknames"),
        ),
        // POST /users (§4): create local users, all or none; 409 with every entry on failure.
        admin(
            Method::POST,
            "/api/v1/pleroma/admin/users",
            "Create one or more local users",
            op!("users/create"),
            Success::At("results"),
        ),
        // POST /users/follow (§4): always "ok".
        admin(
            Method::POST,
            "/api/v1/pleroma/admin/users/follow",
            "Make a user follow another user",
            op!("users/follow"),
            Success::Literal("\"ok\""),
        ),
        // POST /users/unfollow (§4): always "ok".
        admin(
            Method::POST,
            "/api/v1/pleroma/admin/users/unfollow",
            "Make a user unfollow another user",
            op!("users/unfollow"),
            Success::Literal("\"ok\""),
        ),
        // PATCH /users/:nickname/toggle_activation (§4): the user after the toggle.
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/{nickname}/toggle_activation",
            "Toggle a user's activation",
            op!("users/toggle_activation"),
            Success::At("user"),
        ),
        // PUT /users/tag (§4): 204.
        admin(Method::PUT, "/api/v1/pleroma/admin/users/tag", "Tag users", op!("users/tag"), Success::NoContent),
        // DELETE /users/tag (§4): 204; JSON body on DELETE.
        admin(
            Method::DELETE,
            "/api/v1/pleroma/admin/users/tag",
            "Remove tags from users",
            op!("users/untag"),
            Success::NoContent,
        ),
        // PATCH /users/activate (§4): {"users": [AdminUser]}.
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/activate",
            "Activate users",
            op!("users/activate"),
            Success::Field,
        ),
        // PATCH /users/deactivate (§4): {"users": [AdminUser]}; revokes the users' tokens.
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/deactivate",
            "Deactivate users",
            op!("users/deactivate"),
            Success::Field,
        ),
        // PATCH /users/approve (§4): {"users": [AdminUser]}.
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/approve",
            "Approve users awaiting approval",
            op!("users/approve"),
            Success::Field,
        ),
        // PATCH /users/suggest (§4): {"users": [AdminUser]}.
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/suggest",
            "Add users to follow suggestions",
            op!("users/suggest"),
            Success::Field,
        ),
        // PATCH /users/unsuggest (§4): {"users": [AdminUser]}.
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/unsuggest",
            "Remove users from follow suggestions",
            op!("users/unsuggest"),
            Success::Field,
        ),
        // GET /users/:nickname: one user by nickname or id.
        admin(
            Method::GET,
            "/api/v1/pleroma/admin/users/{nickname}",
            "Show one user by nickname or id",
            op!("users/show"),
            Success::FieldOr404,
        ),
        // PUT /users/:nickname/activation_status (§4, older Akkoma doc 003): 204; bare-string errors.
        Route {
            errors: ErrorStyle::Legacy,
            ..admin(
                Method::PUT,
                "/api/v1/pleroma/admin/users/{nickname}/activation_status",
                "Set activation status (legacy Akkoma route)",
                op!("users/activation_status"),
                Success::NoContent,
            )
        },
        // Admin — permission groups
        // GET /users/:nickname/permission_group.
        admin(
            Method::GET,
            "/api/v1/pleroma/admin/users/{nickname}/permission_group",
            "Get a user's admin/moderator flags",
            op!("permissions/show"),
            Success::FieldOr404,
        ),
        // GET /users/:nickname/permission_group/:permission_group.
        admin(
            Method::GET,
            "/api/v1/pleroma/admin/users/{nickname}/permission_group/{permission_group}",
            "Get a user's flags (per-group form)",
            op!("permissions/show_group"),
            Success::FieldOr404,
        ),
        // POST /users/:nickname/permission_group/:permission_group (§5, deprecated): {"is_<group>": true}.
        admin(
            Method::POST,
            "/api/v1/pleroma/admin/users/{nickname}/permission_group/{permission_group}",
            "Grant admin or moderator to one user",
            op!("permissions/grant_user"),
            Success::Field,
        ),
        // DELETE /users/:nickname/permission_group/:permission_group (§5, deprecated): {"is_<group>": false}.
        admin(
            Method::DELETE,
            "/api/v1/pleroma/admin/users/{nickname}/permission_group/{permission_group}",
            "Revoke admin or moderator from one user",
            op!("permissions/revoke_user"),
            Success::Field,
        ),
        // POST /users/permission_group/:permission_group (§5): {"is_<group>": true}.
        admin(
            Method::POST,
            "/api/v1/pleroma/admin/users/permission_group/{permission_group}",
            "Grant admin or moderator to many users",
            op!("permissions/grant"),
            Success::Field,
        ),
        // DELETE /users/permission_group/:permission_group (§5): {"is_<group>": false}; JSON body on DELETE.
        admin(
            Method::DELETE,
            "/api/v1/pleroma/admin/users/permission_group/{permission_group}",
            "Revoke admin or moderator from many users",
            op!("permissions/revoke"),
            Success::Field,
        ),
        // Admin — credentials
        // GET /users/:nickname/credentials.
        admin(
            Method::GET,
            "/api/v1/pleroma/admin/users/{nickname}/credentials",
            "Show a user's editable account fields",
            op!("credentials/show"),
            Success::FieldOr404,
        ),
        // PATCH /users/:nickname/credentials.
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/{nickname}/credentials",
            "Change a user's account fields",
            op!("credentials/update"),
            Success::Field,
        ),
        // GET /users/:nickname/password_reset: a reset token and its link (a GET that writes).
        admin(
            Method::GET,
            "/api/v1/pleroma/admin/users/{nickname}/password_reset",
            "Create a password-reset token for a local user",
            op!("credentials/password_reset"),
            Success::Field,
        ),
        // PATCH /users/force_password_reset.
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/force_password_reset",
            "Require users to reset their password",
            op!("credentials/force_password_reset"),
            Success::NoContent,
        ),
        // PATCH /users/:nickname/force_password_reset (legacy, Akkoma doc 003).
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/{nickname}/force_password_reset",
            "Require one user to reset their password (legacy)",
            op!("credentials/force_password_reset_one"),
            Success::NoContent,
        ),
        // PUT /users/disable_mfa: answers the nickname as a JSON string.
        admin(
            Method::PUT,
            "/api/v1/pleroma/admin/users/disable_mfa",
            "Disable multi-factor auth for a user",
            op!("credentials/disable_mfa"),
            Success::At("nickname"),
        ),
        // PATCH /users/confirm_email: answers "".
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/confirm_email",
            "Mark users' emails as confirmed",
            op!("credentials/confirm_email"),
            Success::Literal("\"\""),
        ),
        // PATCH /users/resend_confirmation_email: answers "".
        admin(
            Method::PATCH,
            "/api/v1/pleroma/admin/users/resend_confirmation_email",
            "Resend the confirmation email",
            op!("credentials/resend_confirmation_email"),
            Success::Literal("\"\""),
        ),
        // Admin — moderation log
        // GET /moderation_log (§13): {"items": [LogEntry], "total": int}, newest first.
        admin(
            Method::GET,
            "/api/v1/pleroma/admin/moderation_log",
            "Moderation log",
            op!("moderation_log/list"),
            Success::Field,
        ),
        // Supporting endpoints
        // GET /api/v1/accounts/verify_credentials: the caller's own account (admin-fe checks
        // pleroma.is_admin before it signs in). Mastodon path: no /api/pleroma alias.
        Route {
            method: Method::GET,
            path: "/api/v1/accounts/verify_credentials",
            legacy_alias: false,
            summary: "The authenticated user's own account",
            operation: op!("accounts/verify_credentials"),
            success: Success::Field,
            errors: ErrorStyle::Admin,
        },
    ]
}
