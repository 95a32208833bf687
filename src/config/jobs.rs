//! `[jobs]`: how many of each queue's background jobs one process runs at once (see
//! `crate::jobs`). Queues are separate so a long job on one never holds up another.
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Jobs {
    /// Deliveries and relay follows: 25 by default, Pleroma's Oban `federator_outgoing` queue
    /// (its `config.exs`; inbound activities are handled in the request here, so Pleroma's
    /// `federator_incoming` has no counterpart).
    pub federation: usize,
    /// Imports and the rest.
    pub default: usize,
    /// Frontend downloads and backup archives.
    pub slow: usize,
    /// User and instance purges.
    pub purge: usize,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs { federation: 25, default: 2, slow: 1, purge: 1 }
    }
}

impl Jobs {
    /// A queue without workers would never run: refused at load.
    pub fn check(&self) -> Result<(), String> {
        let queues =
            [("federation", self.federation), ("default", self.default), ("slow", self.slow), ("purge", self.purge)];
        match queues.iter().find(|(_, n)| *n == 0) {
            Some((name, _)) => Err(format!("[jobs] {name} must be at least 1")),
            None => Ok(()),
        }
    }
}
