//! Access-token lookups cached per process for a few seconds, and never past a revoke.
//!
//! Every entry is tagged with the database's auth generation (migration 7: a counter bumped in
//! the same transaction as any update or deletion of a user or a token) read *before* the
//! lookup it holds. A request reads the current generation — one primary-key read — and uses an
//! entry only when its tag is that generation; otherwise it looks the token up again. A revoke,
//! deactivation, deletion or password change committed by any process sharing the database
//! therefore takes effect on the very next request of every process, and the entry lifetime
//! only bounds memory and clock-based expiry.
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use entity::{oauth_token, user};

/// How long an entry may serve.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(10);
/// Entries kept at most; the cache is emptied when full.
const CAPACITY: usize = 10_000;

#[derive(Clone)]
struct Entry {
    generation: i64,
    stored: Instant,
    token: oauth_token::Model,
    user: Option<user::Model>,
}

/// Token lookups by token digest; see the module documentation.
pub struct TokenCache {
    entries: Mutex<HashMap<String, Entry>>,
    ttl: Duration,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::with_ttl(TOKEN_CACHE_TTL)
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache whose entries serve `ttl` (tests that count statements keep them longer than a
    /// loaded machine takes between two requests).
    pub fn with_ttl(ttl: Duration) -> Self {
        TokenCache { entries: Mutex::default(), ttl }
    }

    /// The cached lookup of `digest`, when it was taken at `generation` and is young enough.
    pub fn get(&self, digest: &str, generation: i64) -> Option<(oauth_token::Model, Option<user::Model>)> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(digest)?;
        (entry.generation == generation && entry.stored.elapsed() < self.ttl)
            .then(|| (entry.token.clone(), entry.user.clone()))
    }

    /// Remember a lookup taken at `generation` (read before the lookup).
    pub fn put(&self, digest: String, generation: i64, token: oauth_token::Model, user: Option<user::Model>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(digest, Entry { generation, stored: Instant::now(), token, user });
        }
    }

    /// Entries held (tests).
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
