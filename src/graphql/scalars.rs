//! Custom scalars.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime as ChronoDateTime, Utc};

/// A UTC instant, rendered as Pleroma renders it: `2019-04-23T17:32:04.000Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub ChronoDateTime<Utc>);

/// Pleroma's timestamp format.
pub fn pleroma_time(t: &ChronoDateTime<Utc>) -> String {
    // Milliseconds, truncated, and `Z`: `%Y-%m-%dT%H:%M:%S%.3fZ` without parsing that format
    // for every value of a list.
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
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
    use super::*;

    #[test]
    fn pleroma_time_truncates_to_milliseconds() {
        let at = |s| parse_datetime(s).unwrap();
        assert_eq!(pleroma_time(&at("2019-04-23T17:32:04Z")), "2019-04-23T17:32:04.000Z");
        assert_eq!(pleroma_time(&at("2019-04-23T17:32:04.123987654Z")), "2019-04-23T17:32:04.123Z");
        assert_eq!(pleroma_time(&at("2019-04-23T19:32:04.5+02:00")), "2019-04-23T17:32:04.500Z");
    }
}
