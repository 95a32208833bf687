//! `[http]`: outbound HTTP (`crate::outbound`), the client's rules and limits.

use serde::Deserialize;

/// Outbound HTTP (`crate::outbound`): what every request to another server may reach and take.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Http {
    /// Let outbound requests reach loopback, private, link-local and other non-public addresses
    /// (off: only public addresses; for development and tests on one machine).
    pub allow_private_addresses: bool,
    /// Most redirects followed by one request (each hop checked like the first URL).
    pub max_redirects: usize,
    /// Seconds an ActivityPub fetch or delivery may take in all.
    pub timeout_secs: u64,
    /// Largest ActivityPub document read, in bytes.
    pub max_body_length: u64,
    /// Seconds a frontend build download may take in all.
    pub frontend_timeout_secs: u64,
}

impl Http {
    /// The outbound client's rules.
    pub fn policy(&self) -> crate::outbound::Policy {
        crate::outbound::Policy {
            allow_private_addresses: self.allow_private_addresses,
            max_redirects: self.max_redirects,
        }
    }

    /// Limits of ActivityPub fetches and deliveries.
    pub fn federation_limits(&self) -> crate::outbound::Limits {
        crate::outbound::Limits::new(self.timeout_secs, self.max_body_length)
    }
}

impl Default for Http {
    fn default() -> Self {
        Http {
            allow_private_addresses: false,
            max_redirects: 3,
            timeout_secs: 10,
            max_body_length: 1_048_576,
            frontend_timeout_secs: 120,
        }
    }
}
