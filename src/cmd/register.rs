//! `datapact register`: the central log of agreements (a programme's partners each have their
//! own line), deadlines falling due, and an iCalendar feed.

use crate::build::Libraries;
use crate::cli::{RegisterArgs, RegisterFormat};
use crate::diag::DiagnosticFormat;
use crate::model::{add_duration, parse_date};
use crate::output::write_atomic;
use crate::register::{self, Deadline, Entry};

use super::{ERROR, OK, build_reporting, fail, out, out_json, report};

pub fn run(args: RegisterArgs, fmt: DiagnosticFormat) -> u8 {
    let today = match &args.today {
        Some(t) => match parse_date(t) {
            Ok(d) => d,
            Err(e) => return fail(format_args!("--today: {e}")),
        },
        None => register::today(),
    };
    let window = match args.due.as_deref().map(register::parse_window).transpose() {
        Ok(w) => w,
        Err(e) => return fail(format_args!("--due: {e}")),
    };
    let configs = match crate::review::expand_configs(&args.configs) {
        Ok(c) => c,
        Err(d) => {
            report(&[d], fmt);
            return ERROR;
        }
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut due: Vec<Deadline> = Vec::new();
    let horizon = window.unwrap_or_else(|| jiff::Span::new().years(2));
    let Some(until) = add_duration(today, horizon) else {
        return fail("the --due window is too long");
    };
    let (built, failed) =
        build_reporting(&configs, &Libraries::new(None), fmt, "not in the register");
    let worst = if failed { ERROR } else { OK };
    for a in &built {
        entries.push(register::entry(
            &a.label,
            &a.model,
            today,
            &a.check.findings,
        ));
        due.extend(register::deadlines(&a.model, today, until));
    }
    due.sort_by(|a, b| a.date.cmp(&b.date).then(a.reference.cmp(&b.reference)));

    if let Some(path) = &args.ics {
        if let Err(e) = write_atomic(path, register::ics(&due, today).as_bytes()) {
            return fail(e);
        }
        note!(
            "wrote {} ({} deadline{})",
            path.display(),
            due.len(),
            if due.len() == 1 { "" } else { "s" }
        );
    }

    if window.is_some() {
        print_deadlines(&due, args.format, today, args.due.as_deref().unwrap_or(""));
    } else {
        print_entries(&entries, args.format);
    }
    worst
}

fn print_entries(entries: &[Entry], format: RegisterFormat) {
    match format {
        RegisterFormat::Json => {
            out_json(&entries);
        }
        RegisterFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record([
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
                "config",
            ]);
            for e in entries {
                let ret: Vec<String> = e
                    .retention_deadlines
                    .iter()
                    .map(|d| format!("{} ({})", d.date, d.what))
                    .collect();
                let _ = w.write_record([
                    e.reference.as_str(),
                    &e.title,
                    &e.status,
                    &e.kind,
                    &e.parties.join("; "),
                    &e.accessions.join("; "),
                    &e.classification.join("; "),
                    &e.effective_date,
                    e.end_date.as_deref().unwrap_or(""),
                    e.next_review.as_deref().unwrap_or(""),
                    &ret.join("; "),
                    &e.open_errors.to_string(),
                    &e.open_warnings.to_string(),
                    &e.config,
                ]);
            }
            let bytes = w.into_inner().unwrap_or_default();
            out(&String::from_utf8_lossy(&bytes));
        }
        RegisterFormat::Table => {
            let mut s = format!(
                "{:<24} {:<6} {:<11} {:<11} {:<11} {:<8} {}\n",
                "reference", "status", "effective", "ends", "review", "findings", "title / parties"
            );
            for e in entries {
                s.push_str(&format!(
                    "{:<24} {:<6} {:<11} {:<11} {:<11} {:<8} {}\n",
                    e.reference,
                    e.status,
                    e.effective_date,
                    e.end_date.as_deref().unwrap_or("-"),
                    e.next_review.as_deref().unwrap_or("-"),
                    format!("{}E {}W", e.open_errors, e.open_warnings),
                    e.title
                ));
                s.push_str(&format!("{:<24} {}\n", "", e.parties.join("; ")));
                if e.kind != "agreement" {
                    s.push_str(&format!("{:<24} kind: {}\n", "", e.kind.replace('_', " ")));
                }
                for a in &e.accessions {
                    s.push_str(&format!("{:<24} acceded: {a}\n", ""));
                }
                if !e.classification.is_empty() {
                    s.push_str(&format!(
                        "{:<24} classification: {}\n",
                        "",
                        e.classification.join(" < ")
                    ));
                }
                for d in &e.retention_deadlines {
                    s.push_str(&format!(
                        "{:<24} retention ends {}: {}\n",
                        "", d.date, d.what
                    ));
                }
            }
            out(&s);
        }
    }
}

fn print_deadlines(
    due: &[Deadline],
    format: RegisterFormat,
    today: jiff::civil::Date,
    window: &str,
) {
    match format {
        RegisterFormat::Json => out(&format!(
            "{}\n",
            serde_json::to_string_pretty(due).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        )),
        RegisterFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(["date", "reference", "kind", "what"]);
            for d in due {
                let _ =
                    w.write_record([d.date.to_string().as_str(), &d.reference, &d.kind, &d.what]);
            }
            out(&String::from_utf8_lossy(
                &w.into_inner().unwrap_or_default(),
            ));
        }
        RegisterFormat::Table => {
            let mut s = format!("due within {window} of {today}:\n");
            for d in due {
                s.push_str(&format!(
                    "{}  {:<24} {:<19} {}\n",
                    d.date, d.reference, d.kind, d.what
                ));
            }
            if due.is_empty() {
                s.push_str("nothing\n");
            }
            out(&s);
        }
    }
}
