//! Dates and durations: parsed once when a config is loaded, formatted once for the reader.
//!
//! In: `YYYY-MM-DD` text and ISO-8601 durations such as `P24M`. Out: [`jiff::civil::Date`]s,
//! [`IsoDuration`]s, calendar arithmetic on them, and the words an agreement prints ("1 March
//! 2026", "1 year and 6 months"). A leaf: the config, the model and rendering all use it, and
//! it uses none of them.

use std::borrow::Cow;
use std::fmt;

use jiff::Span;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Parse a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let bytes = s.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(format!("`{s}` is not a date in the form YYYY-MM-DD"));
    }
    s.parse::<Date>()
        .map_err(|_| format!("`{s}` is not a real calendar date"))
}

/// Parse a positive ISO-8601 duration such as `P24M`, `P1Y6M`, `P7D` or `PT72H`.
pub fn parse_duration(s: &str) -> Result<Span, String> {
    if !s.starts_with('P') {
        return Err(format!("`{s}` is not an ISO-8601 duration"));
    }
    let span: Span = s
        .parse()
        .map_err(|_| format!("`{s}` is not an ISO-8601 duration"))?;
    if span.is_zero() {
        return Err(format!("`{s}` is a zero duration"));
    }
    if span.is_negative() {
        return Err(format!("`{s}` is a negative duration"));
    }
    if span.get_seconds() != 0 || span.get_minutes() != 0 || span.get_milliseconds() != 0 {
        return Err(format!(
            "`{s}` is finer than hours; agreements count in hours, days, weeks, months or years"
        ));
    }
    Ok(span)
}

/// Add a duration to a date (calendar arithmetic: month ends and leap years respected).
pub fn add_duration(date: Date, span: Span) -> Option<Date> {
    date.to_datetime(Time::midnight())
        .checked_add(span)
        .ok()
        .map(|dt| dt.date())
}

/// A duration in words: `P24M` → "24 months", `P1Y6M` → "1 year and 6 months".
pub fn humanize(span: &Span) -> String {
    let parts: Vec<String> = [
        (span.get_years() as i64, "year"),
        (span.get_months() as i64, "month"),
        (span.get_weeks() as i64, "week"),
        (span.get_days() as i64, "day"),
        (span.get_hours() as i64, "hour"),
    ]
    .into_iter()
    .filter(|(n, _)| *n != 0)
    .map(|(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
    .collect();
    match parts.split_last() {
        None => "no time".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A date as the agreement prints it: 2026-04-01 → "1 April 2026".
pub fn long_date(d: Date) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    // jiff guarantees a month of 1 to 12.
    let month = MONTHS[usize::from(d.month().unsigned_abs()).saturating_sub(1) % 12];
    format!("{} {month} {}", d.day(), d.year())
}

/// An ISO-8601 duration from a config: the span it means, and the text as written (which the
/// agreement, its JSON twin and templates repeat verbatim: `P24M` is not re-spelled `P2Y`).
#[derive(Debug, Clone)]
pub struct IsoDuration {
    span: Span,
    text: String,
}

impl IsoDuration {
    /// Parse a duration as [`parse_duration`] does, keeping its text.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_duration(text).map(|span| IsoDuration {
            span,
            text: text.to_owned(),
        })
    }

    /// `n` months, written `PnM`.
    pub fn months(n: i8) -> Self {
        IsoDuration {
            span: Span::new().months(n),
            text: format!("P{n}M"),
        }
    }

    pub fn span(&self) -> Span {
        self.span
    }

    /// The duration as written in the config.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The duration in words, e.g. "24 months".
    pub fn humanize(&self) -> String {
        humanize(&self.span)
    }

    /// The date this long after `start`, if it is within the calendar.
    pub fn after(&self, start: Date) -> Option<Date> {
        add_duration(start, self.span)
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        IsoDuration::parse(&text)
            .map_err(|message| serde::de::Error::custom(BadValue::Duration(message)))
    }
}

/// In a config and its schema, a duration is a string.
impl schemars::JsonSchema for IsoDuration {
    fn inline_schema() -> bool {
        <String as schemars::JsonSchema>::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        <String as schemars::JsonSchema>::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <String as schemars::JsonSchema>::json_schema(generator)
    }
}

/// `#[serde(with = "crate::dates::iso_date")]`: a [`Date`] written `YYYY-MM-DD`, strictly.
pub mod iso_date {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        parse_date(&text).map_err(|message| serde::de::Error::custom(BadValue::Date(message)))
    }
}

/// `#[serde(with = "crate::dates::iso_date_opt")]`, for an optional date (with `default`).
pub mod iso_date_opt {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| {
                parse_date(&text)
                    .map_err(|message| serde::de::Error::custom(BadValue::Date(message)))
            })
            .transpose()
    }
}

/// A date or duration in a config that does not parse. Serde carries only an error's text, so
/// the text starts with the diagnostic code and [`BadValue::from_error_text`] reads it back:
/// loading then reports the value with its code, position and help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadValue {
    Date(String),
    Duration(String),
}

impl BadValue {
    pub fn code(&self) -> &'static str {
        match self {
            BadValue::Date(_) => "config::bad-date",
            BadValue::Duration(_) => "config::bad-duration",
        }
    }

    /// What is wrong, e.g. "`2026-02-30` is not a real calendar date".
    pub fn message(&self) -> &str {
        match self {
            BadValue::Date(m) | BadValue::Duration(m) => m,
        }
    }

    pub fn help(&self) -> &'static str {
        match self {
            BadValue::Date(_) => {
                "write a date as YYYY-MM-DD, e.g. 2026-03-01 (a TOML date needs no quotes)"
            }
            BadValue::Duration(_) => {
                "write an ISO-8601 duration such as \"P24M\" (24 months), \"P1Y\", \"P7D\" or \"PT72H\""
            }
        }
    }

    /// A valid value of the same kind, to stand in for the bad one while the rest of the
    /// config is read.
    pub fn stand_in(&self) -> &'static str {
        match self {
            BadValue::Date(_) => "2000-01-01",
            BadValue::Duration(_) => "P1D",
        }
    }

    /// The bad value an error's text describes, if it describes one.
    pub fn from_error_text(text: &str) -> Option<BadValue> {
        let (code, message) = text.split_once(": ")?;
        let message = message.to_owned();
        match code {
            "config::bad-date" => Some(BadValue::Date(message)),
            "config::bad-duration" => Some(BadValue::Duration(message)),
            _ => None,
        }
    }
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_date(input: &str, expected: Result<&str, &str>) {
        let got = parse_date(input).map(|d| d.to_string());
        assert_eq!(
            got.as_deref().map_err(String::as_str),
            expected,
            "parse_date({input:?})"
        );
    }

    #[test]
    fn dates() {
        check_date("2026-03-01", Ok("2026-03-01"));
        check_date("2024-02-29", Ok("2024-02-29"));
        // Printed back exactly as written, at both ends of the four-digit years.
        check_date("0001-01-01", Ok("0001-01-01"));
        check_date("9999-12-31", Ok("9999-12-31"));
        check_date(
            "2025-02-29",
            Err("`2025-02-29` is not a real calendar date"),
        );
        check_date(
            "2026-04-31",
            Err("`2026-04-31` is not a real calendar date"),
        );
        check_date(
            "2026-13-01",
            Err("`2026-13-01` is not a real calendar date"),
        );
        for bad in [
            "2025-2-1",
            "2026/03/01",
            "20260301",
            "2026-03-01T10:00:00",
            "+2026-03-01",
            "",
            "soon",
        ] {
            check_date(
                bad,
                Err(&format!("`{bad}` is not a date in the form YYYY-MM-DD")),
            );
        }
    }

    #[track_caller]
    fn check_duration(input: &str, expected: Result<&str, &str>) {
        let got = IsoDuration::parse(input).map(|d| d.humanize());
        assert_eq!(
            got.as_deref().map_err(String::as_str),
            expected,
            "IsoDuration::parse({input:?})"
        );
    }

    #[test]
    fn durations() {
        check_duration("P24M", Ok("24 months"));
        check_duration("P1Y6M", Ok("1 year and 6 months"));
        check_duration("P1Y2M3D", Ok("1 year, 2 months and 3 days"));
        check_duration("P1W", Ok("1 week"));
        check_duration("P7D", Ok("7 days"));
        check_duration("PT72H", Ok("72 hours"));
        check_duration("P0D", Err("`P0D` is a zero duration"));
        check_duration("-P1D", Err("`-P1D` is not an ISO-8601 duration"));
        check_duration("24 months", Err("`24 months` is not an ISO-8601 duration"));
        check_duration("p24m", Err("`p24m` is not an ISO-8601 duration"));
        check_duration("P", Err("`P` is not an ISO-8601 duration"));
        check_duration(
            "PT30M",
            Err(
                "`PT30M` is finer than hours; agreements count in hours, days, weeks, months or years",
            ),
        );
    }

    #[test]
    fn a_duration_keeps_its_text() {
        for text in ["P24M", "P2Y", "P1Y0M", "P12m"] {
            let d = IsoDuration::parse(text).unwrap();
            assert_eq!(d.as_str(), text);
            assert_eq!(serde_json::to_value(&d).unwrap(), text);
        }
        assert_eq!(IsoDuration::months(12).as_str(), "P12M");
        assert_eq!(IsoDuration::months(12).humanize(), "12 months");
    }

    #[test]
    fn calendar_arithmetic_respects_month_ends_and_leap_years() {
        let after = |d: &str, p: &str| {
            IsoDuration::parse(p)
                .unwrap()
                .after(parse_date(d).unwrap())
                .map(|x| x.to_string())
        };
        assert_eq!(after("2024-01-31", "P1M").as_deref(), Some("2024-02-29"));
        assert_eq!(after("2024-02-29", "P1Y").as_deref(), Some("2025-02-28"));
        assert_eq!(after("2026-03-01", "PT24H").as_deref(), Some("2026-03-02"));
        assert_eq!(after("9999-12-01", "P1Y"), None);
    }

    #[test]
    fn long_dates() {
        for (iso, long) in [
            ("2026-04-01", "1 April 2026"),
            ("2024-02-29", "29 February 2024"),
            ("2026-01-31", "31 January 2026"),
            ("2026-12-25", "25 December 2026"),
        ] {
            assert_eq!(long_date(parse_date(iso).unwrap()), long);
        }
    }

    #[test]
    fn bad_values_survive_serde_with_their_code() {
        let err = serde_json::from_value::<IsoDuration>("weekly".into()).unwrap_err();
        assert_eq!(
            BadValue::from_error_text(&err.to_string()),
            Some(BadValue::Duration(
                "`weekly` is not an ISO-8601 duration".into()
            ))
        );
        #[derive(Deserialize)]
        struct D {
            #[serde(with = "iso_date")]
            _d: Date,
        }
        let err = serde_json::from_value::<D>(serde_json::json!({"_d": "2026-02-30"}))
            .err()
            .unwrap();
        let bad = BadValue::from_error_text(&err.to_string()).unwrap();
        assert_eq!(bad.code(), "config::bad-date");
        assert_eq!(bad.message(), "`2026-02-30` is not a real calendar date");
        assert!(parse_date(bad.stand_in()).is_ok());
        assert!(IsoDuration::parse(BadValue::Duration(String::new()).stand_in()).is_ok());
        assert_eq!(BadValue::from_error_text("invalid type: null"), None);
    }
}
