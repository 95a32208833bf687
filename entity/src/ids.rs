//! Pleroma-style flake ids: a 128-bit value, milliseconds since the epoch in the high 64 bits
//! and a per-process sequence below, rendered in base62. Present-day ids are 18 characters, so
//! the string order is the time order.
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A new id for a row created now.
pub fn flake_id() -> String {
    // The random high bits of the sequence keep ids unique across processes (CLI and server).
    let node = u64::from(rand::random::<u16>()) << 48;
    flake_id_at(Utc::now(), node | SEQUENCE.fetch_add(1, Ordering::Relaxed))
}

/// The id of a row created at `ts`, with `seq` telling apart rows of the same millisecond.
pub fn flake_id_at(ts: DateTime<Utc>, seq: u64) -> String {
    let ms = u64::try_from(ts.timestamp_millis()).unwrap_or(0);
    encode((u128::from(ms) << 64) | u128::from(seq))
}

fn encode(mut value: u128) -> String {
    let mut out = Vec::with_capacity(22);
    while value > 0 {
        out.push(ALPHABET[(value % 62) as usize]);
        value /= 62;
    }
    while out.len() < 18 {
        out.push(b'0');
    }
    out.iter().rev().map(|&b| char::from(b)).collect()
}

/// Whether `s` looks like a flake id (as opposed to a nickname).
pub fn is_flake_id(s: &str) -> bool {
    s.len() == 18 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_are_18_chars_and_ordered_by_time() {
        let a = flake_id_at(Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(), 5);
        let b = flake_id_at(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(), 1);
        assert_eq!(a.len(), 18);
        assert!(a < b);
        assert!(flake_id() > b);
        assert!(is_flake_id(&a));
    }
}
