//! Password-login throttling per account and per client address, like Pleroma's
//! `:authentication` rate limiter: every password attempt spends one cell.
use std::{net::IpAddr, num::NonZeroU32};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keyed limiters for password logins (password grant and HTTP Basic).
pub struct RateLimits {
    by_account: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimits {
    /// Allow `per_minute` password attempts per account and per address each minute.
    pub fn new(per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        RateLimits { by_account: RateLimiter::keyed(quota), by_address: RateLimiter::keyed(quota) }
    }

    /// Spend one attempt; `false` when the account or the address is over its quota.
    pub fn attempt(&self, account: &str, address: Option<IpAddr>) -> bool {
        let account_ok = self.by_account.check_key(&account.to_lowercase()).is_ok();
        let address_ok = address.is_none_or(|a| self.by_address.check_key(&a).is_ok());
        account_ok && address_ok
    }
}
