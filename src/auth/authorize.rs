//! Who may do what: staff privileges, route/field access rules, and Pleroma's check order.
pub use crate::domain::privileges::Privilege;

use super::{scopes, Viewer};
use crate::{config::Instance, error::AppError};

/// The access rule of one GraphQL field or REST route. Scopes: any one of them is enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, even anonymous.
    Public,
    /// Any token, even an app-only one (`/api/v1/apps/verify_credentials`).
    App,
    /// An authenticated, active user.
    User(&'static [&'static str]),
    /// An admin.
    Admin(&'static [&'static str]),
    /// An admin or moderator holding the privilege.
    Staff(Privilege, &'static [&'static str]),
}

impl Access {
    /// The OAuth scopes this rule demands (any one of them).
    pub fn scopes(&self) -> &'static [&'static str] {
        match self {
            Access::Public | Access::App => &[],
            Access::User(s) | Access::Admin(s) | Access::Staff(_, s) => s,
        }
    }

    /// A one-line description (used in the OpenAPI document and errors).
    pub fn describe(&self) -> String {
        let scopes = self.scopes().join(" | ");
        match self {
            Access::Public => "none".into(),
            Access::App => "any token".into(),
            Access::User(_) => format!("user; scopes: {scopes}"),
            Access::Admin(_) => format!("admin; scopes: {scopes}"),
            Access::Staff(p, _) => format!("staff:{}; scopes: {scopes}", p.as_str()),
        }
    }
}

/// Check `viewer` against `access`, in Pleroma's order and with its messages: credentials,
/// staff, admin or privilege, then token scopes.
pub fn authorize(viewer: &Viewer, access: Access, instance: &Instance) -> Result<(), AppError> {
    let user = match access {
        Access::Public => return Ok(()),
        Access::App => {
            return match viewer.method {
                super::AuthMethod::Anonymous => Err(AppError::Unauthenticated("Invalid credentials.".into())),
                _ => Ok(()),
            }
        }
        _ => viewer.user.as_ref().ok_or_else(|| AppError::Unauthenticated("Invalid credentials.".into()))?,
    };
    let admin_scoped = match access {
        Access::Admin(_) | Access::Staff(..) => {
            if !user.is_admin && !user.is_moderator {
                return Err(AppError::Forbidden("User is not a staff member.".into()));
            }
            if matches!(access, Access::Admin(_)) && !user.is_admin {
                return Err(AppError::Forbidden("User is not an admin.".into()));
            }
            if let Access::Staff(privilege, _) = access {
                if !Privilege::held_by(user, instance).contains(&privilege) {
                    return Err(AppError::Forbidden("User isn't privileged.".into()));
                }
            }
            true
        }
        _ => false,
    };
    let required = access.scopes();
    match &viewer.scopes {
        // HTTP Basic skips every scope check, as in Pleroma.
        None => Ok(()),
        Some(granted) => {
            let covered = required.iter().any(|want| {
                scopes::covers(granted, want)
                    || (admin_scoped
                        && !instance.enforce_oauth_admin_scope_usage
                        && !granted.iter().any(|g| g.starts_with("admin"))
                        && want.strip_prefix("admin:").is_some_and(|plain| scopes::covers(granted, plain)))
            });
            if required.is_empty() || covered {
                Ok(())
            } else {
                Err(AppError::Forbidden(format!("Insufficient permissions: {}.", required.join(" | "))))
            }
        }
    }
}
