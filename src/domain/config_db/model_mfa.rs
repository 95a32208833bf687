//! `[:instance, :multi_factor_authentication]` (Pleroma's `config/description.exs`), applied:
//! each TOTP check and each set of backup codes reads the settings in force.
use serde_json::{json, Value};

use super::{
    encoding::{got, is_keyword, keyword_pair, pair, Codec},
    model::{setting, Declared},
};
use crate::config::{BackupCodeSettings, MultiFactorAuthentication, TotpSettings};

/// `(":key", integer)` items of a keyword list named `what`.
fn integers(value: &Value, what: &str) -> Result<Vec<(String, u64)>, String> {
    if !is_keyword(value) {
        return Err(format!("{what}: expected a keyword list, got {}", got(value)));
    }
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(keyword_pair)
        .map(|(k, v)| {
            v.as_u64()
                .filter(|n| *n > 0)
                .map(|n| (k.to_string(), n))
                .ok_or_else(|| format!("{what} {k}: expected a positive integer, got {}", got(v)))
        })
        .collect()
}

fn size(n: u64) -> Result<usize, String> {
    usize::try_from(n).map_err(|e| e.to_string())
}

/// `[totp: [digits:, period:], backup_codes: [number:, length:]]`; keys left out keep their
/// values. TOTP codes have 6 to 8 digits (RFC 6238; Pleroma's comment says 6 or 8).
impl Codec for MultiFactorAuthentication {
    fn pleroma_type() -> Value {
        json!("keyword")
    }
    fn encode(&self) -> Value {
        json!([
            pair(":totp", json!([pair(":digits", json!(self.totp.digits)), pair(":period", json!(self.totp.period))])),
            pair(
                ":backup_codes",
                json!([
                    pair(":number", json!(self.backup_codes.number)),
                    pair(":length", json!(self.backup_codes.length))
                ])
            ),
        ])
    }
    fn decode(value: &Value) -> Result<Self, String> {
        if !is_keyword(value) {
            return Err(format!("expected a keyword list of :totp and :backup_codes, got {}", got(value)));
        }
        let mut out = MultiFactorAuthentication::default();
        for (key, v) in value.as_array().into_iter().flatten().filter_map(keyword_pair) {
            match key {
                ":totp" => {
                    let mut totp = TotpSettings::default();
                    for (k, n) in integers(v, ":totp")? {
                        match k.as_str() {
                            ":digits" if (6..=8).contains(&n) => totp.digits = size(n)?,
                            ":digits" => return Err(format!(":totp :digits: expected 6 to 8, got {n}")),
                            ":period" => totp.period = n,
                            other => return Err(format!("unknown key {other} in :totp (:digits, :period)")),
                        }
                    }
                    out.totp = totp;
                }
                ":backup_codes" => {
                    let mut codes = BackupCodeSettings::default();
                    for (k, n) in integers(v, ":backup_codes")? {
                        match k.as_str() {
                            ":number" => codes.number = size(n.min(100))?,
                            ":length" => codes.length = size(n.min(128))?,
                            other => return Err(format!("unknown key {other} in :backup_codes (:number, :length)")),
                        }
                    }
                    out.backup_codes = codes;
                }
                other => return Err(format!("unknown key {other} (:totp, :backup_codes)")),
            }
        }
        Ok(out)
    }
}

/// The MFA settings, as one `:instance` sub-key.
pub fn declared() -> Vec<Declared> {
    vec![setting!(
        ":pleroma",
        ":instance",
        ":multi_factor_authentication",
        instance.multi_factor_authentication,
        "Multi-factor authentication settings",
        r#"[[{"tuple": [":totp", [{"tuple": [":digits", 6]}, {"tuple": [":period", 30]}]]}, {"tuple": [":backup_codes", [{"tuple": [":number", 5]}, {"tuple": [":length", 16]}]]}]]"#
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_refuse_bad_values() {
        let default = MultiFactorAuthentication::default();
        let back = MultiFactorAuthentication::decode(&default.encode()).unwrap_or_default();
        assert_eq!((back.totp.digits, back.totp.period, back.backup_codes.number), (6, 30, 5));
        let eight = json!([pair(":totp", json!([pair(":digits", json!(8))]))]);
        let decoded = MultiFactorAuthentication::decode(&eight).unwrap_or_default();
        assert_eq!((decoded.totp.digits, decoded.totp.period), (8, 30));
        let bad = json!([pair(":totp", json!([pair(":digits", json!(5))]))]);
        assert!(MultiFactorAuthentication::decode(&bad).is_err());
        assert!(MultiFactorAuthentication::decode(&json!("x")).is_err());
    }
}
