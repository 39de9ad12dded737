//! The agreement register (issue "Agreement register"): the register of the examples in
//! table, CSV and JSON; deadlines falling due in a window, counted from a fixed `--today`,
//! across month ends and leap years; the iCalendar feed, read back with an iCalendar parser.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use datapact::build;
use serde_json::Value;

/// `datapact init`'s starter config (effective 2026-03-01, reviewed every 12 months,
/// `od_matrix` kept 24 months, a 24-month term).
const STARTER: &str = include_str!("../src/starter.toml");

fn datapact() -> Command {
    Command::cargo_bin("datapact").unwrap()
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the starter no longer contains {from:?}"
    );
    text.replacen(from, to, 1)
}

/// A small agreement built from the starter.
struct Small<'a> {
    reference: &'a str,
    effective: &'a str,
    review: &'a str,
    /// `[[retention]]` entries: (dataset, period).
    retention: &'a [(&'a str, &'a str)],
    /// `[term] duration`.
    term: &'a str,
    /// The institute's legal basis expires on this date.
    basis_expires: Option<&'a str>,
}

impl Small<'_> {
    fn toml(&self) -> String {
        let mut t = replace_once(
            STARTER,
            r#"reference = "DSA-2026-001""#,
            &format!("reference = {:?}", self.reference),
        );
        t = replace_once(
            &t,
            "effective_date = 2026-03-01",
            &format!(
                "effective_date = {}\nreview_interval = {:?}",
                self.effective, self.review
            ),
        );
        // The starter's one retention entry is replaced by ours.
        let at = t
            .find("[[retention]]")
            .expect("the starter has a retention entry");
        t.truncate(at);
        for (dataset, period) in self.retention {
            t.push_str(&format!("[[retention]]\ndataset = {dataset:?}\nperiod = {period:?}\ndisposal = \"delete\"\n\n"));
        }
        t.push_str(&format!("[term]\nduration = {:?}\n\n", self.term));
        if let Some(exp) = self.basis_expires {
            t.push_str(&format!("[[legal_bases]]\nparty = \"institute\"\npurpose = \"displacement\"\nbasis = \"public_task\"\nexpires = {exp}\n"));
        }
        t
    }

    fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join(format!("{}.toml", self.reference.to_lowercase()));
        std::fs::write(&path, self.toml()).unwrap();
        path
    }
}

/// Effective on 31 January 2024 (a leap year), reviewed monthly: the monthly dates fall on
/// the last day of shorter months. `od_matrix` is kept one month (to 29 February),
/// derived data three months (to 30 April); the term is two months (to 31 March); the
/// institute's legal basis expires on 1 April.
const MONTH_END: Small = Small {
    reference: "REG-MONTH-END",
    effective: "2024-01-31",
    review: "P1M",
    retention: &[("od_matrix", "P1M"), ("derived", "P3M")],
    term: "P2M",
    basis_expires: Some("2024-04-01"),
};

/// Effective on 29 February 2024, reviewed yearly: 28 February in common years, 29 February
/// again in 2028. `od_matrix` is kept a year (to 28 February 2025); the term is four years
/// (to 29 February 2028).
const LEAP_DAY: Small = Small {
    reference: "REG-LEAP-DAY",
    effective: "2024-02-29",
    review: "P1Y",
    retention: &[("od_matrix", "P1Y"), ("derived", "P24M")],
    term: "P4Y",
    basis_expires: None,
};

fn run(args: &[&str], configs: &[&Path]) -> (i32, String, String) {
    let out = datapact()
        .arg("register")
        .args(configs)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `--due` deadlines as (date, reference, kind), from the JSON output.
fn due(configs: &[&Path], today: &str, window: &str) -> Vec<(String, String, String)> {
    let (code, stdout, stderr) = run(
        &["--format", "json", "--today", today, "--due", window],
        configs,
    );
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_owned(),
                d["reference"].as_str().unwrap().to_owned(),
                d["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn triples(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    assert!(v.len() >= 4);
    v
}

// ---------------------------------------------------------------------------
// The register of the examples

const TODAY: &str = "2026-06-01";

#[test]
fn register_of_the_examples_in_table_csv_and_json_agree_with_the_configs() {
    let exs = examples();
    // The examples as the configs say (references, parties, dates, open findings).
    let mut expected: BTreeMap<String, (build::Agreement, PathBuf)> = BTreeMap::new();
    // Every document of every example: mno-displacement.toml also makes its processor's
    // processing terms.
    let libraries = build::Libraries::new(None);
    for ex in &exs {
        for (label, p) in build::build_all(&[ex.to_string_lossy().into_owned()], &libraries) {
            let p = p.unwrap();
            expected.insert(
                p.model.config().agreement.reference.clone(),
                (p, PathBuf::from(label)),
            );
        }
    }

    // JSON: one entry per example, passed as a quoted glob.
    let (code, stdout, stderr) = run(
        &["--format", "json", "--today", TODAY],
        &[Path::new("examples/*.toml")],
    );
    assert_eq!(code, 0, "{stderr}");
    let json: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json.len(), expected.len());
    let today: jiff::civil::Date = TODAY.parse().unwrap();
    for e in &json {
        let reference = e["reference"].as_str().unwrap();
        let (p, path) = expected
            .get(reference)
            .unwrap_or_else(|| panic!("unknown reference {reference}"));
        let cfg = p.model.config();
        assert_eq!(e["title"], cfg.agreement.title.as_str());
        assert_eq!(e["kind"], cfg.agreement.kind.as_str());
        let acceded: Vec<String> = cfg
            .parties
            .iter()
            .filter_map(|p| Some(format!("{} ({})", p.legal_name, p.acceded?)))
            .collect();
        assert_eq!(e["accessions"], serde_json::json!(acceded), "{reference}");
        let levels: Vec<&str> = cfg.classification.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            e["classification"],
            serde_json::json!(levels),
            "{reference}"
        );
        assert_eq!(e["config"], path.display().to_string().as_str());
        assert_eq!(
            e["effective_date"],
            cfg.agreement.effective_date.to_string().as_str()
        );
        assert_eq!(
            e["end_date"].as_str(),
            p.model.derived.dates.end.map(|d| d.to_string()).as_deref()
        );
        assert_eq!(
            e["status"],
            format!("{:?}", cfg.agreement.status)
                .to_lowercase()
                .as_str()
        );
        let parties: Vec<&str> = cfg.parties.iter().map(|p| p.legal_name.as_str()).collect();
        assert_eq!(e["parties"], serde_json::json!(parties));
        assert_eq!(e["open_errors"], p.check.errors());
        // The next review is the first effective + k × interval on or after today.
        let next: jiff::civil::Date = e["next_review"]
            .as_str()
            .expect("every example has a next review")
            .parse()
            .unwrap();
        assert!(
            next >= today,
            "{reference}: next review {next} is before {today}"
        );
        let effective: jiff::civil::Date = cfg.agreement.effective_date;
        let interval: jiff::Span = cfg.agreement.review_interval.span();
        let occurrences: Vec<jiff::civil::Date> = (1..200)
            .map(|k| {
                effective
                    .checked_add(interval.checked_mul(k).unwrap())
                    .unwrap()
            })
            .collect();
        assert!(
            occurrences.contains(&next),
            "{reference}: {next} is not a review date"
        );
        assert!(
            occurrences
                .iter()
                .filter(|d| **d >= today)
                .all(|d| *d >= next),
            "{reference}: an earlier review is due"
        );
        for r in e["retention_deadlines"].as_array().unwrap() {
            assert_eq!(r["kind"], "retention");
            assert_eq!(r["reference"], reference);
        }
    }

    // CSV: the same rows, parsed back.
    let (code, stdout, stderr) = run(
        &["--format", "csv", "--today", TODAY],
        &exs.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
    );
    assert_eq!(code, 0, "{stderr}");
    let mut rd = csv::Reader::from_reader(stdout.as_bytes());
    let headers: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        headers,
        [
            "reference",
            "title",
            "status",
            "kind",
            "parties",
            "accessions",
            "classification",
            "effective_date",
            "end_date",
            "next_review",
            "retention_deadlines",
            "open_errors",
            "open_warnings",
            "config"
        ]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), json.len());
    for (row, e) in rows.iter().zip(&json) {
        let col = |name: &str| {
            row.get(headers.iter().position(|h| h == name).unwrap())
                .unwrap()
        };
        assert_eq!(col("reference"), e["reference"]);
        assert_eq!(
            col("title"),
            e["title"],
            "a title with commas or quotes survives CSV"
        );
        let parties: Vec<&str> = e["parties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(col("parties"), parties.join("; "));
        assert_eq!(col("kind"), e["kind"]);
        let joined = |key: &str| {
            e[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("; ")
        };
        assert_eq!(col("accessions"), joined("accessions"));
        assert_eq!(col("classification"), joined("classification"));
        assert_eq!(col("next_review"), e["next_review"]);
        assert_eq!(col("end_date"), e["end_date"].as_str().unwrap_or(""));
        assert_eq!(col("open_errors"), e["open_errors"].to_string());
        assert_eq!(col("open_warnings"), e["open_warnings"].to_string());
        let retention = e["retention_deadlines"].as_array().unwrap();
        assert_eq!(col("retention_deadlines").is_empty(), retention.is_empty());
        for d in retention {
            assert!(col("retention_deadlines").contains(&format!(
                "{} ({})",
                d["date"].as_str().unwrap(),
                d["what"].as_str().unwrap()
            )));
        }
    }

    // Table: a header, and every agreement with its dates and parties.
    let (code, stdout, _) = run(
        &["--today", TODAY],
        &exs.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
    );
    assert_eq!(code, 0);
    let header = stdout.lines().next().unwrap();
    for col in [
        "reference",
        "status",
        "effective",
        "ends",
        "review",
        "findings",
    ] {
        assert!(header.contains(col), "table header lacks {col}: {header}");
    }
    for e in &json {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(e["reference"].as_str().unwrap()))
            .expect("a row per agreement");
        for field in ["status", "effective_date", "next_review"] {
            assert!(line.contains(e[field].as_str().unwrap()), "{line}: {field}");
        }
        assert!(
            line.contains(&format!("{}E {}W", e["open_errors"], e["open_warnings"])),
            "{line}"
        );
        let parties: Vec<&str> = e["parties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(stdout.contains(&parties.join("; ")));
    }
}

// ---------------------------------------------------------------------------
// Deadlines falling due

#[test]
fn due_windows_count_across_month_ends() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = MONTH_END.write(dir.path());
    let c = [cfg.as_path()];
    let r = "REG-MONTH-END";

    // 60 days from 1 February 2024 is 1 April: both ends of the window count.
    assert_eq!(
        due(&c, "2024-02-01", "60d"),
        triples(&[
            ("2024-02-29", r, "retention"),
            ("2024-02-29", r, "review"),
            ("2024-03-31", r, "review"),
            ("2024-03-31", r, "termination"),
            ("2024-04-01", r, "legal-basis-expiry"),
        ])
    );
    // A day less and the expiry falls outside.
    assert_eq!(due(&c, "2024-02-01", "59d").len(), 4);
    // One month from 31 January ends on 29 February (not 2 March).
    assert_eq!(
        due(&c, "2024-01-31", "1m"),
        triples(&[("2024-02-29", r, "retention"), ("2024-02-29", r, "review")])
    );
    assert_eq!(
        due(&c, "2024-01-31", "P1M"),
        due(&c, "2024-01-31", "1m"),
        "an ISO-8601 window is the same window"
    );
    assert!(
        due(&c, "2024-01-31", "28d").is_empty(),
        "28 days end on 28 February"
    );
    // On the day itself is still due; a day later it is not.
    // A one-day window holds today and tomorrow.
    assert_eq!(
        due(&c, "2024-03-31", "1d"),
        triples(&[
            ("2024-03-31", r, "review"),
            ("2024-03-31", r, "termination"),
            ("2024-04-01", r, "legal-basis-expiry")
        ])
    );
    assert_eq!(
        due(&c, "2024-04-01", "1d"),
        triples(&[("2024-04-01", r, "legal-basis-expiry")])
    );
    assert!(
        due(&c, "2024-04-02", "27d").is_empty(),
        "the next dates are on 30 April"
    );
    // Monthly reviews go back to the 31st after a short month, and derived data ends on 30 April.
    assert_eq!(
        due(&c, "2024-04-02", "10w"),
        triples(&[
            ("2024-04-30", r, "retention"),
            ("2024-04-30", r, "review"),
            ("2024-05-31", r, "review")
        ])
    );
    // The register (no window) shows the next review counted from today.
    let (code, stdout, _) = run(&["--format", "json", "--today", "2024-03-01"], &c);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v[0]["next_review"], "2024-03-31");
    assert_eq!(v[0]["end_date"], "2024-03-31");
    let retention: Vec<&str> = v[0]["retention_deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(retention, ["2024-02-29", "2024-04-30"]);
}

#[test]
fn due_windows_count_across_leap_years() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LEAP_DAY.write(dir.path());
    let c = [cfg.as_path()];
    let r = "REG-LEAP-DAY";
    assert_eq!(
        due(&c, "2025-01-01", "90d"),
        triples(&[("2025-02-28", r, "retention"), ("2025-02-28", r, "review")])
    );
    assert_eq!(
        due(&c, "2025-03-01", "1y"),
        triples(&[("2026-02-28", r, "retention"), ("2026-02-28", r, "review")])
    );
    // Four years on, the review is on 29 February again, not a drifted 28th; so is the end.
    assert_eq!(
        due(&c, "2027-03-01", "1y"),
        triples(&[
            ("2028-02-29", r, "review"),
            ("2028-02-29", r, "termination")
        ])
    );
    assert!(
        due(&c, "2027-03-01", "P12M")
            .iter()
            .all(|d| d.0 != "2028-02-28")
    );
    for (today, next) in [
        ("2024-03-01", "2025-02-28"),
        ("2025-03-01", "2026-02-28"),
        ("2027-03-01", "2028-02-29"),
        ("2028-02-29", "2028-02-29"),
    ] {
        let (_, stdout, _) = run(&["--format", "json", "--today", today], &c);
        let v: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v[0]["next_review"], next, "today {today}");
    }
}

#[test]
fn due_in_csv_and_table_and_bad_windows() {
    let dir = tempfile::tempdir().unwrap();
    let a = MONTH_END.write(dir.path());
    let b = LEAP_DAY.write(dir.path());
    let c = [a.as_path(), b.as_path()];
    let json = due(&c, "2024-02-01", "400d");
    // Two agreements, merged in date order.
    assert!(json.windows(2).all(|w| w[0].0 <= w[1].0), "{json:?}");
    assert!(
        json.iter().any(|d| d.1 == "REG-LEAP-DAY") && json.iter().any(|d| d.1 == "REG-MONTH-END")
    );

    let (code, stdout, _) = run(
        &["--format", "csv", "--today", "2024-02-01", "--due", "400d"],
        &c,
    );
    assert_eq!(code, 0);
    let mut rd = csv::Reader::from_reader(stdout.as_bytes());
    assert_eq!(
        rd.headers().unwrap(),
        vec!["date", "reference", "kind", "what"]
    );
    let rows: Vec<(String, String, String)> = rd
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[0].to_owned(), r[1].to_owned(), r[2].to_owned()))
        .collect();
    assert_eq!(rows, json);

    let (code, stdout, _) = run(&["--today", "2024-02-01", "--due", "400d"], &c);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("due within 400d of 2024-02-01:"),
        "{stdout}"
    );
    for (date, reference, kind) in &json {
        assert!(
            stdout.lines().any(|l| l.starts_with(date.as_str())
                && l.contains(reference.as_str())
                && l.contains(kind.as_str())),
            "{date} {reference} {kind}"
        );
    }
    let (_, stdout, _) = run(&["--today", "2024-01-31", "--due", "28d"], &c);
    assert!(stdout.contains("nothing"), "{stdout}");

    for (args, what) in [
        (["--due", "90x"], "--due"),
        (["--due", "0d"], "--due"),
        (["--today", "2023-02-29"], "--today"),
    ] {
        let (code, _, stderr) = run(&args, &c);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains(what), "{args:?}: {stderr}");
    }
}

// ---------------------------------------------------------------------------
// iCalendar

/// The events of an .ics file, as parsed by the `ical` crate: one map of property name →
/// (value, params) per event.
type Event = BTreeMap<String, (String, Vec<(String, Vec<String>)>)>;

fn parse_ics(path: &Path) -> Vec<Event> {
    let reader = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let calendars: Vec<ical::parser::ical::component::IcalCalendar> = ical::IcalParser::new(reader)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: not iCalendar: {e}", path.display()));
    assert_eq!(calendars.len(), 1, "one VCALENDAR");
    let cal = &calendars[0];
    assert!(
        cal.properties
            .iter()
            .any(|p| p.name == "VERSION" && p.value.as_deref() == Some("2.0"))
    );
    assert!(cal.properties.iter().any(|p| p.name == "PRODID"));
    cal.events
        .iter()
        .map(|e| {
            e.properties
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        (
                            p.value.clone().unwrap_or_default(),
                            p.params.clone().unwrap_or_default(),
                        ),
                    )
                })
                .collect()
        })
        .collect()
}

fn ics(configs: &[&Path], today: &str, window: Option<&str>, file: &Path) -> Vec<Event> {
    let mut args = vec![
        "--format",
        "json",
        "--today",
        today,
        "--ics",
        file.to_str().unwrap(),
    ];
    if let Some(w) = window {
        args.extend(["--due", w]);
    }
    let (code, _, stderr) = run(&args, configs);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("wrote {}", file.display())),
        "{stderr}"
    );
    parse_ics(file)
}

#[test]
fn ics_parses_with_one_all_day_event_per_deadline_and_stable_uids() {
    let dir = tempfile::tempdir().unwrap();
    let a = MONTH_END.write(dir.path());
    let b = LEAP_DAY.write(dir.path());
    let c = [a.as_path(), b.as_path()];
    let file = dir.path().join("deadlines.ics");

    let events = ics(&c, "2024-02-01", Some("60d"), &file);
    let expected = due(&c, "2024-02-01", "60d");
    assert_eq!(events.len(), expected.len(), "one event per deadline");
    for (ev, (date, reference, kind)) in events.iter().zip(&expected) {
        let (start, params) = &ev["DTSTART"];
        assert_eq!(
            start,
            &date.replace('-', ""),
            "DTSTART of {reference} {kind}"
        );
        assert!(
            params.iter().any(|(k, v)| k == "VALUE" && v == &["DATE"]),
            "an all-day event: {params:?}"
        );
        assert_eq!(
            ev["SUMMARY"].0,
            format!("{reference}: {}", kind.replace('-', " "))
        );
        assert!(ev["DESCRIPTION"].0.len() > 10);
        assert!(ev.contains_key("DTSTAMP"));
    }
    let uids: Vec<&str> = events.iter().map(|e| e["UID"].0.as_str()).collect();
    assert_eq!(
        uids.iter().collect::<BTreeSet<_>>().len(),
        uids.len(),
        "UIDs are unique: {uids:?}"
    );

    // The same inputs give the same file; a later --today keeps the UIDs of the deadlines
    // still ahead (a subscribed calendar updates them instead of duplicating them).
    let first = std::fs::read(&file).unwrap();
    ics(&c, "2024-02-01", Some("60d"), &file);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        first,
        "the .ics is reproducible"
    );
    let later = ics(&c, "2024-03-15", Some("60d"), &dir.path().join("later.ics"));
    let key = |e: &Event| {
        (
            e["DTSTART"].0.clone(),
            e["SUMMARY"].0.clone(),
            e["DESCRIPTION"].0.clone(),
        )
    };
    let before: BTreeMap<_, _> = events
        .iter()
        .map(|e| (key(e), e["UID"].0.clone()))
        .collect();
    let mut shared = 0;
    for e in &later {
        if let Some(uid) = before.get(&key(e)) {
            assert_eq!(uid, &e["UID"].0, "the UID of {:?} changed", key(e));
            shared += 1;
        }
    }
    assert!(shared >= 2, "the windows share deadlines ({shared})");

    // Without --due the feed covers the next two years.
    let two_years = ics(&c, "2024-02-01", None, &dir.path().join("all.ics"));
    let dates: Vec<&str> = two_years.iter().map(|e| e["DTSTART"].0.as_str()).collect();
    assert!(
        dates.iter().all(|d| *d >= "20240201" && *d <= "20260201"),
        "{dates:?}"
    );
    assert!(
        dates.contains(&"20260131") && dates.contains(&"20250228"),
        "{dates:?}"
    );
}

#[test]
fn ics_uids_stay_distinct_when_two_deadlines_share_a_day() {
    // Two datasets kept for the same period end on the same day: two events, two UIDs.
    let same_day = Small {
        reference: "REG-SAME-DAY",
        retention: &[("od_matrix", "P6M"), ("derived", "P6M")],
        ..MONTH_END
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = same_day.write(dir.path());
    let file = dir.path().join("same.ics");
    let events = ics(&[cfg.as_path()], "2024-07-01", Some("60d"), &file);
    let retention: Vec<&Event> = events
        .iter()
        .filter(|e| e["SUMMARY"].0.ends_with("retention"))
        .collect();
    assert_eq!(retention.len(), 2, "{events:#?}");
    assert_eq!(retention[0]["DTSTART"].0, "20240731");
    assert_eq!(retention[1]["DTSTART"].0, "20240731");
    assert_ne!(
        retention[0]["UID"].0, retention[1]["UID"].0,
        "two deadlines on one day must not share a UID"
    );
    // And they keep their UIDs from run to run.
    let again = ics(&[cfg.as_path()], "2024-07-01", Some("60d"), &file);
    assert_eq!(events, again);
}
