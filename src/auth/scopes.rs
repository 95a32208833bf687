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
}
