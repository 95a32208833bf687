//! Admin API — users and permission groups (`shared/spec/ROUTES.md` §4, §5), in the docs' order.
use async_graphql::{Name, Value as ConstValue};
use axum::http::Method;

use super::{operation, typed, Fields, Route, Shape, Wire};
use crate::auth::Access;

/// Pleroma serves the permission-group reads to admins only, though staff see roles elsewhere.
const ADMIN_READ: Access = Access::Admin(&["admin:read:accounts"]);

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // GET /users: list and search users.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/users",
            "List and search users",
            operation!("users/list"),
            Shape::FIELD,
        ),
        // DELETE /users: by `nicknames` (JSON body on DELETE) or the deprecated `nickname` query
        // form; answers the nicknames as an array either way.
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/users",
            "Delete one or more users",
            operation!("users/delete"),
            Shape::at("nicknames"),
        ),
        // POST /users: create local users, all or none; 409 with every entry on failure.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/users",
            "Create one or more local users",
            operation!("users/create"),
            Shape::at("users").mapped(typed::<Vec<Created>>),
        ),
        // POST /users/follow and /users/unfollow: always "ok".
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/users/follow",
            "Make a user follow another user",
            operation!("users/follow"),
            Shape::Literal("\"ok\""),
        ),
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/users/unfollow",
            "Make a user unfollow another user",
            operation!("users/unfollow"),
            Shape::Literal("\"ok\""),
        ),
        // PATCH /users/:nickname/toggle_activation: the user after the toggle.
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/{nickname}/toggle_activation",
            "Toggle a user's activation",
            operation!("users/toggle_activation"),
            Shape::at("user"),
        ),
        // PUT and DELETE /users/tag: 204; JSON body on DELETE.
        Route::admin(
            M::PUT,
            "/api/v1/pleroma/admin/users/tag",
            "Tag users",
            operation!("users/tag"),
            Shape::NO_CONTENT,
        ),
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/users/tag",
            "Remove tags from users",
            operation!("users/untag"),
            Shape::NO_CONTENT,
        ),
        // PATCH /users/{activate,deactivate,approve,suggest,unsuggest}: {"users": [AdminUser]}.
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/activate",
            "Activate users",
            operation!("users/activate"),
            Shape::FIELD,
        ),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/deactivate",
            "Deactivate users",
            operation!("users/deactivate"),
            Shape::FIELD,
        ),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/approve",
            "Approve users awaiting approval",
            operation!("users/approve"),
            Shape::FIELD,
        ),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/suggest",
            "Add users to follow suggestions",
            operation!("users/suggest"),
            Shape::FIELD,
        ),
        Route::admin(
            M::PATCH,
            "/api/v1/pleroma/admin/users/unsuggest",
            "Remove users from follow suggestions",
            operation!("users/unsuggest"),
            Shape::FIELD,
        ),
        // GET /users/:nickname: one user by nickname or id.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/users/{nickname}",
            "Show one user by nickname or id",
            operation!("users/show"),
            Shape::FIELD_OR_404,
        ),
        // PUT /users/:nickname/activation_status (older Akkoma doc 003): 204; bare-string errors.
        Route::admin(
            M::PUT,
            "/api/v1/pleroma/admin/users/{nickname}/activation_status",
            "Set activation status (legacy Akkoma route)",
            operation!("users/activation_status"),
            Shape::NO_CONTENT,
        )
        // The older doc's route takes boolean-like strings for `status`.
        .boolean_like()
        .legacy_errors(),
        // Permission groups (§5): reads answer the user's flags; writes the changed flag.
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/users/{nickname}/permission_group",
            "Get a user's admin/moderator flags",
            operation!("users/permission_show"),
            Shape::FIELD_OR_404,
        )
        .require(ADMIN_READ),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/admin/users/{nickname}/permission_group/{permission_group}",
            "Get a user's flags (per-group form)",
            operation!("users/permission_show_group"),
            // Pleroma's `right_get` reads only the nickname: any group answers the flags.
            Shape::FIELD_OR_404,
        )
        .require(ADMIN_READ),
        // POST/DELETE /users/:nickname/permission_group/:permission_group (deprecated).
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/users/{nickname}/permission_group/{permission_group}",
            "Grant admin or moderator to one user",
            operation!("users/permission_grant_user"),
            Shape::FIELD,
        ),
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/users/{nickname}/permission_group/{permission_group}",
            "Revoke admin or moderator from one user",
            operation!("users/permission_revoke_user"),
            Shape::FIELD,
        ),
        // POST/DELETE /users/permission_group/:permission_group; JSON body on DELETE.
        Route::admin(
            M::POST,
            "/api/v1/pleroma/admin/users/permission_group/{permission_group}",
            "Grant admin or moderator to many users",
            operation!("users/permission_grant"),
            Shape::FIELD,
        ),
        Route::admin(
            M::DELETE,
            "/api/v1/pleroma/admin/users/permission_group/{permission_group}",
            "Revoke admin or moderator from many users",
            operation!("users/permission_revoke"),
            Shape::FIELD,
        ),
    ]
}

/// Pleroma's per-entry answer to `POST /users`: `{"type": "success", "code": 200, "data": {…}}`.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct Created(Fields);

impl Wire for Created {
    fn wire(self) -> ConstValue {
        let fields = [
            ("type", ConstValue::from("success")),
            ("code", ConstValue::from(200)),
            ("data", ConstValue::Object(self.0)),
        ];
        ConstValue::Object(fields.into_iter().map(|(k, v)| (Name::new(k), v)).collect())
    }
}
