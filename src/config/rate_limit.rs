//! `[rate_limit]`: Pleroma's `:rate_limit` limiters.

use serde::Deserialize;

/// The forms of [`Limit`] as written (serde's own message for an untagged enum names none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum LimitForm {
    Off(bool),
    Both([u64; 2]),
    Split([[u64; 2]; 2]),
}

/// The forms a rate limit takes, for messages.
pub const LIMIT_FORMS: &str = "a rate limit is false, [scale_ms, limit] or [[scale_ms, limit], [scale_ms, limit]] \
     (anonymous callers, then signed-in ones), e.g. [60000, 15]";

/// A value of none of the forms is refused naming them.
impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match LimitForm::deserialize(deserializer) {
            Ok(LimitForm::Off(on)) => Ok(Limit::Off(on)),
            Ok(LimitForm::Both(pair)) => Ok(Limit::Both(pair)),
            Ok(LimitForm::Split(pairs)) => Ok(Limit::Split(pairs)),
            Err(_) => Err(serde::de::Error::custom(LIMIT_FORMS)),
        }
    }
}

/// One limiter of Pleroma's `:rate_limit`: `[scale_ms, limit]`, `[[anonymous], [signed in]]`
/// or `false` (off; Pleroma's `nil`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `false` switches the limiter off (`true` is refused at load: it names no limit).
    Off(bool),
    /// The same limit for everyone: `[scale_ms, limit]`.
    Both([u64; 2]),
    /// Anonymous callers (by address) and signed-in ones (by user): `[[ms, n], [ms, n]]`.
    Split([[u64; 2]; 2]),
}

impl Limit {
    /// `(scale_ms, limit)` for anonymous or signed-in callers; `None` when off or invalid.
    pub fn for_mode(&self, signed_in: bool) -> Option<(u64, u64)> {
        let [scale, limit] = match self {
            Limit::Off(_) => return None,
            Limit::Both(pair) => *pair,
            Limit::Split([anonymous, user]) => {
                if signed_in {
                    *user
                } else {
                    *anonymous
                }
            }
        };
        (scale >= 1 && limit >= 1).then_some((scale, limit))
    }
}

/// Pleroma's `:rate_limit` with its defaults (`config/config.exs`). Limiters of routes the
/// gateway does not serve yet are kept so a Pleroma configuration carries over.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    /// Failed password logins per address (`/oauth/token` password grant, HTTP Basic).
    pub authentication: Limit,
    pub timeline: Limit,
    pub search: Limit,
    pub app_account_creation: Limit,
    /// `POST /api/v1/apps`.
    pub oauth_app_creation: Limit,
    pub relations_actions: Limit,
    pub relation_id_action: Limit,
    pub statuses_actions: Limit,
    pub status_id_action: Limit,
    /// `POST /auth/password`.
    pub password_reset: Limit,
    pub account_confirmation_resend: Limit,
    pub ap_routes: Limit,
    /// Most keys a limiter remembers; beyond it, the oldest windows are forgotten first.
    pub max_keys: usize,
}

impl RateLimit {
    /// Refuse settings that name no limit: `true`, or a zero scale or count.
    pub(super) fn validate(&self) -> Result<(), String> {
        let all = [
            ("authentication", self.authentication),
            ("timeline", self.timeline),
            ("search", self.search),
            ("app_account_creation", self.app_account_creation),
            ("oauth_app_creation", self.oauth_app_creation),
            ("relations_actions", self.relations_actions),
            ("relation_id_action", self.relation_id_action),
            ("statuses_actions", self.statuses_actions),
            ("status_id_action", self.status_id_action),
            ("password_reset", self.password_reset),
            ("account_confirmation_resend", self.account_confirmation_resend),
            ("ap_routes", self.ap_routes),
        ];
        for (name, limit) in all {
            let valid = match limit {
                Limit::Off(on) => !on,
                _ => limit.for_mode(false).is_some() && limit.for_mode(true).is_some(),
            };
            if !valid {
                return Err(format!(
                    "rate_limit.{name}: expected [scale_ms, limit], [[scale_ms, limit], [scale_ms, limit]] with \
                     positive numbers, or false"
                ));
            }
        }
        Ok(())
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            authentication: Limit::Both([60_000, 15]),
            timeline: Limit::Both([500, 3]),
            search: Limit::Split([[1000, 10], [1000, 30]]),
            app_account_creation: Limit::Both([1_800_000, 25]),
            oauth_app_creation: Limit::Both([900_000, 5]),
            relations_actions: Limit::Both([10_000, 10]),
            relation_id_action: Limit::Both([60_000, 2]),
            statuses_actions: Limit::Both([10_000, 15]),
            status_id_action: Limit::Both([60_000, 3]),
            password_reset: Limit::Both([1_800_000, 5]),
            account_confirmation_resend: Limit::Both([8_640_000, 5]),
            ap_routes: Limit::Both([60_000, 15]),
            max_keys: 100_000,
        }
    }
}
