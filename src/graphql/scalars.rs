//! Custom scalars.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime as ChronoDateTime, Utc};

/// A UTC instant, rendered as Pleroma renders it: `2019-04-23T17:32:04.000Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub ChronoDateTime<Utc>);

/// Pleroma's timestamp format.
pub fn pleroma_time(t: &ChronoDateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Milliseconds, truncated, and `Z`: `%Y-%m-%dT%H:%M:%S%.3fZ`, digit by digit, as a page of
    // users writes one per user (chrono's RFC 3339 writer takes some 700 instructions). Years
    // beyond four digits and leap seconds are left to chrono.
    let (year, nanos) = (t.year(), t.nanosecond());
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        return t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    };
    if nanos >= 1_000_000_000 {
        return t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    }
    let mut out = String::with_capacity(24);
    let mut digits = |n: u32, width: u32, then: Option<char>| {
        for place in (0..width).rev() {
            out.push(char::from(b'0' + u8::try_from(n / 10u32.pow(place) % 10).unwrap_or(0)));
        }
        out.extend(then);
    };
    digits(year, 4, Some('-'));
    digits(t.month(), 2, Some('-'));
    digits(t.day(), 2, Some('T'));
    digits(t.hour(), 2, Some(':'));
    digits(t.minute(), 2, Some(':'));
    digits(t.second(), 2, Some('.'));
    digits(nanos / 1_000_000, 3, Some('Z'));
    out
}

/// A UTC instant, rendered as Pleroma renders it: `2019-04-23T17:32:04.000Z`.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => parse_datetime(s)
                .map(DateTime)
                .ok_or_else(|| InputValueError::custom("expected an ISO 8601 date or date-time")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(pleroma_time(&self.0))
    }
}

/// Parse an ISO 8601 date-time (with or without offset) or a plain date, as UTC.
pub fn parse_datetime(s: &str) -> Option<ChronoDateTime<Utc>> {
    if let Ok(t) = ChronoDateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn pleroma_time_truncates_to_milliseconds() {
        let at = |s| parse_datetime(s).unwrap();
        assert_eq!(pleroma_time(&at("2019-04-23T17:32:04Z")), "2019-04-23T17:32:04.000Z");
        assert_eq!(pleroma_time(&at("2019-04-23T17:32:04.123987654Z")), "2019-04-23T17:32:04.123Z");
        assert_eq!(pleroma_time(&at("2019-04-23T19:32:04.5+02:00")), "2019-04-23T17:32:04.500Z");
    }

    /// Written digit by digit, as chrono writes it, over four centuries and their edges.
    #[test]
    fn pleroma_time_is_chronos_rfc3339() {
        let chrono = |t: &ChronoDateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut t = at_secs(-62_167_219_200); // 0000-01-01
        for _ in 0..20_000 {
            assert_eq!(pleroma_time(&t), chrono(&t));
            t += chrono::Duration::milliseconds(631_152_000_007); // about 20 years, odd milliseconds
            if t.year() > 9999 {
                break;
            }
        }
        for secs in [0, 951_782_400, 1_700_000_000, 253_402_300_799, 253_402_300_800, -62_167_219_201] {
            let t = at_secs(secs) + chrono::Duration::nanoseconds(999_999_999);
            assert_eq!(pleroma_time(&t), chrono(&t));
        }
    }

    fn at_secs(secs: i64) -> ChronoDateTime<Utc> {
        ChronoDateTime::from_timestamp(secs, 0).unwrap()
    }
}
