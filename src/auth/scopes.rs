//! Pleroma's hierarchical OAuth scopes: `admin` covers `admin:read` covers `admin:read:accounts`.

/// Split a space- or comma-separated scope list.
pub fn parse(list: &str) -> Vec<String> {
    list.split([' ', ',', '+']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// Whether the granted scopes cover `wanted`.
pub fn covers(granted: &[String], wanted: &str) -> bool {
    granted
        .iter()
        .any(|g| wanted == g || (wanted.starts_with(g.as_str()) && wanted.as_bytes().get(g.len()) == Some(&b':')))
}

/// Whether every scope of `requested` is covered by `allowed` (a token cannot gain scopes its app lacks).
pub fn all_covered(allowed: &[String], requested: &[String]) -> bool {
    requested.iter().all(|r| covers(allowed, r))
}

/// The scopes a token for `user` may carry: `admin` and its descendants only for staff
/// (admins and moderators, whose privileges decide the rest). Pleroma issues whatever the app
/// allows and refuses at use; clamping at issue keeps an `admin` scope off every non-staff
/// token, so no later check depends on the role being re-read (issue 24). Tokens without a
/// user (client credentials) keep their scopes: no admin route serves them.
pub fn clamp_to_role(scopes: &[String], user: Option<&entity::user::Model>) -> Vec<String> {
    clamp(scopes, user.is_none_or(|u| u.is_admin || u.is_moderator))
}

fn clamp(scopes: &[String], staff: bool) -> Vec<String> {
    let admin = ["admin".to_string()];
    scopes.iter().filter(|s| staff || !covers(&admin, s)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy() {
        let granted = parse("read admin");
        assert!(covers(&granted, "read:accounts"));
        assert!(covers(&granted, "admin:read:accounts"));
        assert!(covers(&granted, "admin:write"));
        assert!(!covers(&granted, "write"));
        assert!(!covers(&parse("read"), "admin:read"));
        assert!(!covers(&parse("admin:read"), "admin:write:accounts"));
        assert!(!covers(&parse("adm"), "admin"));
        assert!(all_covered(&parse("read write"), &parse("read:accounts write")));
    }

    #[test]
    fn admin_scopes_only_for_staff() {
        let requested = parse("read admin admin:read:accounts administer");
        assert_eq!(clamp(&requested, false), parse("read administer"));
        assert_eq!(clamp(&requested, true), requested);
    }
}
