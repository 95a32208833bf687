//! Pleroma's rate limiters (`Pleroma.Web.Plugs.RateLimiter`), one mechanism for every limited
//! route: a fixed window of `scale` milliseconds in which a key may act `limit` times, keyed by
//! the signed-in user, or else by the client address that `RemoteIp` determines. Over the
//! limit: 429 `{"error": "Throttled"}` (Pleroma's `render_throttled_error`, no extra headers).
//!
//! Memory is bounded: keys are stored as 64-bit keyed hashes (never the caller's strings),
//! expired windows are pruned, and at most `max_keys` windows are kept (the oldest go first).
use std::{
    collections::HashMap,
    hash::{BuildHasher, Hash, RandomState},
    net::IpAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex, RwLock,
    },
    time::{Duration, Instant},
};

use super::{remote_ip::ClientAddress, Viewer};
use crate::{
    config::{Limit, RateLimit},
    error::AppError,
};

/// The limiters of Pleroma's `:rate_limit` that guard a route the gateway serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitName {
    /// Failed password logins (`/oauth/token` password grant, HTTP Basic); only failures count.
    Authentication,
    /// `POST /api/v1/apps` (`AppController.create`).
    OauthAppCreation,
    /// `POST /auth/password` (`AuthController.password_reset`).
    PasswordReset,
    /// `POST /api/v1/accounts` (`AccountController.create`).
    AppAccountCreation,
    /// `POST /api/v1/pleroma/accounts/confirmation_resend` (`AccountController.confirmation_resend`).
    AccountConfirmationResend,
}

impl LimitName {
    fn setting(self, config: &RateLimit) -> Limit {
        match self {
            LimitName::Authentication => config.authentication,
            LimitName::OauthAppCreation => config.oauth_app_creation,
            LimitName::PasswordReset => config.password_reset,
            LimitName::AppAccountCreation => config.app_account_creation,
            LimitName::AccountConfirmationResend => config.account_confirmation_resend,
        }
    }
}

/// Who a limiter counts: Pleroma's `:user` mode (signed in) or `:anon` mode (by address).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    User(String),
    Address(IpAddr),
    /// A trusted proxy forwarded no client address, or there is no peer: not limited.
    Exempt,
}

impl Caller {
    /// By client address (anonymous mode).
    pub fn address(address: ClientAddress) -> Caller {
        match address {
            ClientAddress::Found(ip) => Caller::Address(ip),
            ClientAddress::Unforwarded(_) | ClientAddress::Unknown => Caller::Exempt,
        }
    }

    /// The signed-in user, or else the client address.
    pub fn of(viewer: &Viewer) -> Caller {
        match &viewer.user {
            Some(user) => Caller::User(user.id.clone()),
            None => Caller::address(viewer.address),
        }
    }
}

struct Window {
    started: Instant,
    scale: Duration,
    count: u64,
}

impl Window {
    fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.started) >= self.scale
    }
}

/// Every limiter's windows.
pub struct RateLimits {
    config: RwLock<RateLimit>,
    hasher: RandomState,
    windows: Mutex<HashMap<u64, Window>>,
    warned: AtomicBool,
}

impl RateLimits {
    /// Limiters with these settings.
    pub fn new(config: RateLimit) -> Self {
        RateLimits {
            config: RwLock::new(config),
            hasher: RandomState::new(),
            windows: Mutex::new(HashMap::new()),
            warned: AtomicBool::new(false),
        }
    }

    /// Take new settings (a restart): windows counted so far are forgotten.
    pub fn reconfigure(&self, config: RateLimit) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        if let Ok(mut windows) = self.windows.lock() {
            windows.clear();
        }
    }

    fn config(&self) -> RateLimit {
        self.config.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `(key hash, scale, limit)`; `None` when the limiter is off or the caller exempt.
    fn key(&self, name: LimitName, caller: &Caller) -> Option<(u64, Duration, u64)> {
        if *caller == Caller::Exempt {
            if !self.warned.swap(true, Ordering::Relaxed) {
                // Pleroma warns on every such request; once is enough, and it is no fault: local
                // tools (curl on the same machine) connect this way.
                tracing::info!(
                    "rate limits do not apply to requests from a trusted proxy or loopback that name no client \
                     address (no X-Forwarded-For header): the client is unknown, so it cannot be counted. \
                     Behind a reverse proxy, make it send X-Forwarded-For (see [remote_ip]). Said once."
                );
            }
            return None;
        }
        let (scale, limit) = name.setting(&self.config()).for_mode(matches!(caller, Caller::User(_)))?;
        Some((self.hasher.hash_one((name, caller)), Duration::from_millis(scale), limit))
    }

    /// Spend one action: `Err(RateLimited)` when the caller is over the limit (then nothing
    /// is spent, as in Pleroma's `check_rate`).
    pub fn check(&self, name: LimitName, caller: &Caller) -> Result<(), AppError> {
        let Some((key, scale, limit)) = self.key(name, caller) else { return Ok(()) };
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else { return Ok(()) };
        if let Some(window) = windows.get_mut(&key).filter(|w| !w.expired(now)) {
            if window.count >= limit {
                return Err(AppError::RateLimited);
            }
            window.count += 1;
            return Ok(());
        }
        let max_keys = self.config.read().map(|c| c.max_keys.max(1)).unwrap_or(1);
        if windows.len() >= max_keys && !windows.contains_key(&key) {
            make_room(&mut windows, now, max_keys);
        }
        windows.insert(key, Window { started: now, scale, count: 1 });
        Ok(())
    }

    /// Whether the caller has used up the limit, without spending anything.
    pub fn exceeded(&self, name: LimitName, caller: &Caller) -> bool {
        let Some((key, _, limit)) = self.key(name, caller) else { return false };
        let now = Instant::now();
        let Ok(windows) = self.windows.lock() else { return false };
        windows.get(&key).is_some_and(|w| !w.expired(now) && w.count >= limit)
    }

    /// Count one action that already happened (a failed login).
    pub fn record(&self, name: LimitName, caller: &Caller) {
        let _ = self.check(name, caller);
    }

    /// Forget expired windows (run periodically).
    pub fn prune(&self) {
        if let Ok(mut windows) = self.windows.lock() {
            let now = Instant::now();
            windows.retain(|_, w| !w.expired(now));
            let keep = windows.len() * 2;
            windows.shrink_to(keep);
        }
    }

    /// How many windows are held.
    pub fn len(&self) -> usize {
        self.windows.lock().map(|w| w.len()).unwrap_or(0)
    }

    /// Whether no window is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Drop expired windows; if the map is still full, the oldest tenth of it.
fn make_room(windows: &mut HashMap<u64, Window>, now: Instant, max_keys: usize) {
    windows.retain(|_, w| !w.expired(now));
    if windows.len() < max_keys {
        return;
    }
    let mut starts: Vec<Instant> = windows.values().map(|w| w.started).collect();
    let evict = (max_keys / 10).max(1).min(starts.len());
    let (_, cutoff, _) = starts.select_nth_unstable(evict - 1);
    let cutoff = *cutoff;
    let mut left = evict;
    windows.retain(|_, w| {
        if left > 0 && w.started <= cutoff {
            left -= 1;
            false
        } else {
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(authentication: Limit, max_keys: usize) -> RateLimits {
        RateLimits::new(RateLimit { authentication, max_keys, ..RateLimit::default() })
    }

    fn ip(n: u32) -> Caller {
        Caller::Address(IpAddr::from(n.to_be_bytes()))
    }

    #[test]
    fn fixed_window_per_key() {
        let limits = limits(Limit::Both([60_000, 3]), 100);
        for _ in 0..3 {
            assert!(limits.check(LimitName::Authentication, &ip(1)).is_ok());
        }
        assert!(limits.exceeded(LimitName::Authentication, &ip(1)));
        assert!(matches!(limits.check(LimitName::Authentication, &ip(1)), Err(AppError::RateLimited)));
        // Another address, another limiter, an exempt caller: untouched.
        assert!(!limits.exceeded(LimitName::Authentication, &ip(2)));
        assert!(limits.check(LimitName::PasswordReset, &ip(1)).is_ok());
        for _ in 0..10 {
            assert!(limits.check(LimitName::Authentication, &Caller::Exempt).is_ok());
        }
        let off = RateLimits::new(RateLimit { authentication: Limit::Off(false), ..RateLimit::default() });
        for _ in 0..100 {
            assert!(off.check(LimitName::Authentication, &ip(1)).is_ok());
        }
        assert!(off.is_empty());
    }

    #[test]
    fn windows_expire() {
        let limits = limits(Limit::Both([30, 1]), 100);
        assert!(limits.check(LimitName::Authentication, &ip(1)).is_ok());
        assert!(limits.check(LimitName::Authentication, &ip(1)).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(!limits.exceeded(LimitName::Authentication, &ip(1)));
        limits.prune();
        assert!(limits.is_empty());
        assert!(limits.check(LimitName::Authentication, &ip(1)).is_ok());
    }

    /// Issue 13: 60k logins with long usernames grew the old limiter without bound. Keys are
    /// now addresses or user ids, hashed, and the map is capped.
    #[test]
    fn memory_stays_flat_across_100k_distinct_keys() {
        let limits = limits(Limit::Both([60_000, 15]), 1000);
        // 100k distinct long "usernames" as user keys: never more than the cap.
        let long = "x".repeat(1000);
        for n in 0..100_000 {
            let _ = limits.check(LimitName::Authentication, &Caller::User(format!("{long}{n}")));
            assert!(limits.len() <= 1000);
        }
        // 100k distinct addresses too.
        for n in 0..100_000 {
            let _ = limits.check(LimitName::Authentication, &ip(n));
        }
        assert!(limits.len() <= 1000, "{}", limits.len());
        // Failures for 100k distinct usernames from one address: one window.
        let one = super::super::RateLimits::new(RateLimit::default());
        for _ in 0..100_000 {
            one.record(LimitName::Authentication, &ip(7));
        }
        assert_eq!(one.len(), 1);
    }
}
