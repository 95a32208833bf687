//! `[jobs]`: how many of each queue's background jobs one process runs at once (see
//! `crate::jobs`). Queues are separate so a long job on one never holds up another.
//!
//! Through `/config` these are Pleroma's `config :pleroma, Oban, queues: [...]`: each queue under
//! Pleroma's name for the work it does ([`Jobs::PLEROMA_NAMES`]); a saved change resizes the
//! running workers without a restart.
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Jobs {
    /// Deliveries and relay follows: 25 by default, Pleroma's Oban `federator_outgoing` queue
    /// (its `config.exs`; inbound activities are handled in the request here, so Pleroma's
    /// `federator_incoming` has no counterpart).
    pub federation: usize,
    /// Imports and the rest: Pleroma's `background`.
    pub default: usize,
    /// Frontend downloads and backup archives: Pleroma's `slow` (its `BackupWorker`).
    pub slow: usize,
    /// User and instance purges (Pleroma runs its `DeleteWorker` in `slow`; a queue of their
    /// own here, so a purge never waits behind a frontend download).
    pub purge: usize,
    /// Pleroma's other queues (`web_push`, `federator_incoming`, …) as saved through `/config`:
    /// the gateway has no such work, but shows them back as Pleroma does.
    #[serde(skip)]
    pub others: Vec<(String, Value)>,
}

impl Default for Jobs {
    fn default() -> Self {
        // Pleroma's `config.exs` defaults of the queues the gateway has no work for.
        let others = [
            (":activity_expiration", json!(10)),
            (":federator_incoming", json!(5)),
            (":web_push", json!(50)),
            (":search_indexing", json!([{"tuple": [":limit", 10]}, {"tuple": [":paused", true]}])),
        ];
        Jobs {
            federation: 25,
            default: 2,
            slow: 1,
            purge: 1,
            others: others.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }
}

/// The most workers one queue may run in one process (a typo of 100000 must not start as many
/// tasks and database waits).
pub const MAX_WORKERS: usize = 1000;

impl Jobs {
    /// Each of the gateway's queues under Pleroma's Oban queue name (`purge` is the gateway's own).
    pub const PLEROMA_NAMES: [(&'static str, &'static str); 4] =
        [("federation", ":federator_outgoing"), ("default", ":background"), ("slow", ":slow"), ("purge", ":purge")];

    fn field(&mut self, name: &str) -> Option<&mut usize> {
        match name {
            "federation" => Some(&mut self.federation),
            "default" => Some(&mut self.default),
            "slow" => Some(&mut self.slow),
            "purge" => Some(&mut self.purge),
            _ => None,
        }
    }

    /// The workers of the gateway's queue `name` (`federation`, …).
    pub fn get(&self, name: &str) -> usize {
        match name {
            "federation" => self.federation,
            "default" => self.default,
            "slow" => self.slow,
            _ => self.purge,
        }
    }

    /// A queue without workers would never run: refused at load.
    pub fn check(&self) -> Result<(), String> {
        for (name, _) in Self::PLEROMA_NAMES {
            let n = self.get(name);
            if n == 0 || n > MAX_WORKERS {
                return Err(format!("[jobs] {name} must be from 1 to {MAX_WORKERS}"));
            }
        }
        Ok(())
    }

    /// `Oban, :queues` in Pleroma's encoding: the gateway's queues, then the others.
    pub fn encode(&self) -> Value {
        let ours = Self::PLEROMA_NAMES.iter().map(|(field, name)| json!({"tuple": [name, self.get(field)]}));
        let others = self.others.iter().map(|(name, value)| json!({"tuple": [name, value]}));
        Value::Array(ours.chain(others).collect())
    }

    /// Merge a saved `Oban, :queues` keyword list over these (Pleroma's `ConfigDB` merges saved
    /// keyword lists deeply: a queue not named keeps its value). The gateway's queues take an
    /// integer from 1 to [`MAX_WORKERS`]; the others are kept as given.
    pub fn merge(&mut self, value: &Value) -> Result<(), String> {
        let items = value.as_array().ok_or_else(|| format!("expected a keyword list of queues, got {value}"))?;
        let mut next = self.clone();
        for item in items {
            let pair = item.get("tuple").and_then(Value::as_array).filter(|t| t.len() == 2);
            let Some((name, given)) =
                pair.and_then(|t| Some((t[0].as_str()?, &t[1]))).filter(|(n, _)| n.starts_with(':'))
            else {
                return Err(format!("expected {{\"tuple\": [\":queue\", workers]}}, got {item}"));
            };
            match Self::PLEROMA_NAMES.iter().find(|(_, pleroma)| *pleroma == name) {
                Some((field, _)) => {
                    let n = given
                        .as_u64()
                        .and_then(|n| usize::try_from(n).ok())
                        .filter(|n| (1..=MAX_WORKERS).contains(n))
                        .ok_or_else(|| format!("{name}: expected an integer from 1 to {MAX_WORKERS}, got {given}"))?;
                    if let Some(slot) = next.field(field) {
                        *slot = n;
                    }
                }
                None => match next.others.iter_mut().find(|(n, _)| n == name) {
                    Some((_, slot)) => *slot = given.clone(),
                    None => next.others.push((name.to_string(), given.clone())),
                },
            }
        }
        *self = next;
        Ok(())
    }
}
