//! The agreement register: one row per agreement with its key dates and open findings, the
//! deadlines falling due in a window, and an iCalendar feed of them.
//!
//! In: checked models. Out: [`Entry`] rows and [`Deadline`]s; the command layer formats them.

use jiff::Span;
use jiff::civil::Date;
use serde::Serialize;

use crate::dates::{add_duration, parse_duration};
use crate::model::Model;

/// One agreement in the register.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub config: String,
    pub reference: String,
    pub title: String,
    pub status: String,
    /// `agreement`, `protocol` or `processor_terms`.
    pub kind: String,
    pub parties: Vec<String>,
    /// Parties that joined by accession: "legal name (YYYY-MM-DD)".
    pub accessions: Vec<String>,
    /// The names of the sensitivity levels, least sensitive first.
    pub classification: Vec<String>,
    pub effective_date: String,
    pub end_date: Option<String>,
    /// The first scheduled review on or after today.
    pub next_review: Option<String>,
    pub retention_deadlines: Vec<Deadline>,
    pub open_errors: usize,
    pub open_warnings: usize,
}

/// A date by which something falls due.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Deadline {
    pub reference: String,
    /// `review`, `retention`, `termination` or `legal-basis-expiry`.
    pub kind: String,
    pub date: Date,
    pub what: String,
}

/// Today's date in UTC.
pub fn today() -> Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// Parse a window such as `90d`, `12w`, `6m`, `1y` or an ISO-8601 duration (`P90D`).
pub fn parse_window(s: &str) -> Result<Span, String> {
    let s = s.trim();
    if s.starts_with('P') {
        return parse_duration(s);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a window: write e.g. 90d, 12w, 6m or 1y"))?;
    if n <= 0 || n > 100 * 366 {
        return Err(format!("`{s}` is not a sensible window"));
    }
    match unit {
        "d" => Ok(Span::new().days(n)),
        "w" => Ok(Span::new().weeks(n)),
        "m" => Ok(Span::new().months(n)),
        "y" => Ok(Span::new().years(n)),
        _ => Err(format!(
            "`{s}` has an unknown unit: use d, w, m or y (e.g. 90d)"
        )),
    }
}

/// The first date `start + k × interval` (k ≥ 1) that is on or after `today`.
pub fn next_occurrence(start: Date, interval: Span, today: Date) -> Option<Date> {
    // Count from the start each time (start + k×interval), so month-end dates do not drift
    // (31 Jan + 1 month = 28/29 Feb, but + 2 months = 31 Mar).
    for k in 1..=10_000i64 {
        let span = multiply(interval, k)?;
        let d = add_duration(start, span)?;
        if d >= today {
            return Some(d);
        }
    }
    None
}

fn multiply(s: Span, k: i64) -> Option<Span> {
    Span::new()
        .try_years(s.get_years() as i64 * k)
        .ok()?
        .try_months(s.get_months() as i64 * k)
        .ok()?
        .try_weeks(s.get_weeks() as i64 * k)
        .ok()?
        .try_days(s.get_days() as i64 * k)
        .ok()?
        .try_hours(s.get_hours() as i64 * k)
        .ok()
}

/// Build the register entry of one agreement, counting from `today`.
pub fn entry(
    config: &str,
    model: &Model,
    today: Date,
    findings: &[crate::diag::Diagnostic],
) -> Entry {
    let cfg = model.config();
    let reference = cfg.agreement.reference.clone();
    let effective = cfg.agreement.effective_date;
    let next_review = next_occurrence(effective, cfg.agreement.review_interval.span(), today)
        .map(|d| d.to_string());
    let mut retention_deadlines = Vec::new();
    for r in &cfg.retention {
        if let Some(dur) = r.period.as_ref().or(r.max.as_ref())
            && let Some(due) = dur.after(effective)
        {
            let holder = r
                .party
                .as_deref()
                .map(|p| format!(" held by {p}"))
                .unwrap_or_default();
            let disposal = r.disposal.as_str();
            let what = match &r.event {
                Some(ev) => format!(
                    "{}{holder}: {disposal} at {ev}, and by this date at the latest ({} backstop)",
                    r.dataset,
                    dur.humanize()
                ),
                None => format!(
                    "{}{holder}: retention of {} from the effective date ends; {disposal}",
                    r.dataset,
                    dur.humanize()
                ),
            };
            retention_deadlines.push(Deadline {
                reference: reference.clone(),
                kind: "retention".into(),
                date: due,
                what,
            });
        }
    }
    Entry {
        config: config.to_owned(),
        reference: reference.clone(),
        title: cfg.agreement.title.clone(),
        status: cfg.agreement.status.as_str().to_owned(),
        kind: cfg.agreement.kind.as_str().to_owned(),
        parties: cfg.parties.iter().map(|p| p.legal_name.clone()).collect(),
        accessions: cfg
            .parties
            .iter()
            .filter_map(|p| Some(format!("{} ({})", p.legal_name, p.acceded?)))
            .collect(),
        classification: cfg.classification.iter().map(|l| l.name.clone()).collect(),
        effective_date: cfg.agreement.effective_date.to_string(),
        end_date: model.derived.dates.end.map(|d| d.to_string()),
        next_review,
        retention_deadlines,
        open_errors: findings
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .count(),
        open_warnings: findings
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Warning)
            .count(),
    }
}

/// Every deadline of an agreement between `today` and `until` (inclusive): reviews,
/// retention ends, the end of the term, and expiring legal bases.
pub fn deadlines(model: &Model, today: Date, until: Date) -> Vec<Deadline> {
    let cfg = model.config();
    let reference = cfg.agreement.reference.clone();
    let mut out = Vec::new();
    let in_window = |d: Date| d >= today && d <= until;
    let (start, iv) = (cfg.agreement.effective_date, &cfg.agreement.review_interval);
    for k in 1..=10_000i64 {
        let Some(d) = multiply(iv.span(), k).and_then(|s| add_duration(start, s)) else {
            break;
        };
        if d > until {
            break;
        }
        if in_window(d) {
            out.push(Deadline {
                reference: reference.clone(),
                kind: "review".into(),
                date: d,
                what: format!("scheduled review of {reference} (every {})", iv.humanize()),
            });
        }
    }
    if let Some(end) = model.derived.dates.end
        && in_window(end)
    {
        out.push(Deadline {
            reference: reference.clone(),
            kind: "termination".into(),
            date: end,
            what: format!(
                "{reference} ends; data must be returned or deleted within {} days",
                cfg.term.exit_days
            ),
        });
    }
    for b in &cfg.legal_bases {
        if let Some(exp) = b.expires
            && in_window(exp)
        {
            out.push(Deadline {
                reference: reference.clone(),
                kind: "legal-basis-expiry".into(),
                date: exp,
                what: format!(
                    "the legal basis of {} for purpose {} expires",
                    b.party, b.purpose
                ),
            });
        }
    }
    let e = entry("", model, today, &[]);
    out.extend(
        e.retention_deadlines
            .into_iter()
            .filter(|d| in_window(d.date)),
    );
    out.sort_by(|a, b| a.date.cmp(&b.date).then(a.kind.cmp(&b.kind)));
    out
}

/// An iCalendar file with one all-day event per deadline. UIDs are stable, so a subscribed
/// calendar updates events instead of duplicating them.
pub fn ics(deadlines: &[Deadline], stamp: Date) -> String {
    use icalendar::{Calendar, Component, Property, ValueType};
    // icalendar takes chrono values; its property API takes the RFC 5545 text, which jiff
    // writes as well (`20260301`, `20260301T000000Z`), so datapact needs no second date type.
    let all_day = |key: &str, date: Date| {
        Property::new(key, date.strftime("%Y%m%d").to_string())
            .append_parameter(ValueType::Date)
            .done()
    };
    let stamp = stamp.strftime("%Y%m%dT000000Z").to_string();
    let mut cal = Calendar::new();
    cal.name("datapact: agreement deadlines");
    let mut used = std::collections::HashSet::new();
    for d in deadlines {
        // Two deadlines of one kind may fall on one day (two datasets kept for the same
        // period): the second is told apart by what falls due, which is stable across runs.
        let base = format!("{}-{}-{}", d.reference, d.kind, d.date);
        let mut uid = format!("{base}@datapact");
        if !used.insert(uid.clone()) {
            let what = &crate::digest::sha256_hex(d.what.as_bytes())[..12];
            uid = format!("{base}-{what}@datapact");
            let mut n = 2;
            while !used.insert(uid.clone()) {
                uid = format!("{base}-{what}-{n}@datapact");
                n += 1;
            }
        }
        let mut ev = icalendar::Event::new();
        ev.uid(&uid)
            .summary(&format!("{}: {}", d.reference, d.kind.replace('-', " ")))
            .description(&d.what)
            .append_property(all_day("DTSTART", d.date))
            .append_property(all_day("DTEND", d.date))
            .add_property("DTSTAMP", &stamp);
        cal.push(ev.done());
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn windows() {
        assert_eq!(parse_window("90d").unwrap().get_days(), 90);
        assert_eq!(parse_window("6m").unwrap().get_months(), 6);
        assert!(parse_window("90x").is_err());
        assert!(parse_window("-5d").is_err());
    }

    #[test]
    fn next_review_across_month_ends_and_leap_years() {
        let m = Span::new().months(1);
        // 31 January: reviews fall on the last day of shorter months, then return to the 31st.
        assert_eq!(
            next_occurrence(d("2024-01-31"), m, d("2024-02-01")),
            Some(d("2024-02-29"))
        );
        assert_eq!(
            next_occurrence(d("2023-01-31"), m, d("2023-02-01")),
            Some(d("2023-02-28"))
        );
        assert_eq!(
            next_occurrence(d("2024-01-31"), m, d("2024-03-01")),
            Some(d("2024-03-31"))
        );
        // 29 February with a yearly review: 28 February in common years, 29th in leap years.
        let y = Span::new().years(1);
        assert_eq!(
            next_occurrence(d("2024-02-29"), y, d("2024-03-01")),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            next_occurrence(d("2024-02-29"), y, d("2027-03-01")),
            Some(d("2028-02-29"))
        );
        // On the day itself counts as due.
        assert_eq!(
            next_occurrence(d("2025-01-15"), Span::new().months(6), d("2025-07-15")),
            Some(d("2025-07-15"))
        );
    }
}
