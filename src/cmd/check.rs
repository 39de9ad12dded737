//! `datapact check`: findings, safeguard coverage, rules listing and explanations.

use serde_json::json;

use crate::build::Libraries;
use crate::cli::{CheckArgs, CheckFormat};
use crate::diag::{self, Diagnostic, DiagnosticFormat, Severity};
use crate::lint;

use super::{ERROR, FINDINGS, OK, arg_strings, fail, out, out_json, plural, report};

/// The version of the JSON shape printed by `check --format json`.
pub const CHECK_JSON_VERSION: u32 = 1;

pub fn run(args: CheckArgs, fmt: DiagnosticFormat) -> u8 {
    if args.list_rules {
        return list_rules(args.format);
    }
    if let Some(id) = &args.explain {
        return explain(id);
    }
    let mut worst = OK;
    let mut reports = Vec::new();
    let (mut errors, mut warnings, mut infos) = (0, 0, 0);
    let libraries = Libraries::new(args.library.library.as_deref());
    let results = crate::build::build_all(&arg_strings(&args.configs), &libraries);
    let checked = results.len();
    for (label, result) in results {
        let prepared = match result {
            Ok(p) => p,
            Err(diags) => {
                if args.format == CheckFormat::Json {
                    reports.push(json!({ "config": label, "loaded": false, "problems": diags, "findings": [], "coverage": [] }));
                } else {
                    super::not_built(&label, "cannot be checked", &diags, fmt);
                }
                worst = ERROR;
                continue;
            }
        };
        let check = &prepared.check;
        let count = |s: Severity| check.findings.iter().filter(|d| d.severity == s).count();
        let (e, w, i) = (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        );
        errors += e;
        warnings += w;
        infos += i;
        if e > 0 {
            worst = worst.max(FINDINGS);
        }
        let mut lock_drift = Vec::new();
        if args.locked {
            match crate::review::check_lock(&prepared) {
                Ok(d) => lock_drift = d,
                Err(d) => {
                    report(&[d], fmt);
                    worst = worst.max(ERROR);
                }
            }
            if !lock_drift.is_empty() {
                worst = worst.max(FINDINGS);
            }
        }
        match args.format {
            CheckFormat::Json => reports.push(json!({
                "config": label,
                "loaded": true,
                "reference": prepared.model.config().agreement.reference,
                "findings": check.findings.iter().map(finding_json).collect::<Vec<_>>(),
                "coverage": check.coverage,
                "lock_drift": lock_drift,
                "summary": { "errors": e, "warnings": w, "info": i },
            })),
            CheckFormat::Human | CheckFormat::Short => {
                let dfmt = if args.format == CheckFormat::Short {
                    DiagnosticFormat::Short
                } else {
                    fmt
                };
                note_str!(diag::render(&check.findings, dfmt));
                if args.format == CheckFormat::Human {
                    let mut s = format!("\nsafeguards in {label}:\n");
                    for c in &check.coverage {
                        let mark = match c.status {
                            lint::Coverage::Addressed => "✓",
                            lint::Coverage::Partial => "~",
                            lint::Coverage::Missing => "✗",
                        };
                        s.push_str(&format!(
                            "  {mark} {}. {:<36} {}",
                            c.number, c.name, c.status
                        ));
                        if !c.open_findings.is_empty() {
                            s.push_str(&format!(" (open: {})", c.open_findings.join(", ")));
                        }
                        s.push('\n');
                        let fields: Vec<&str> =
                            c.fields.iter().map(String::as_str).take(6).collect();
                        if !fields.is_empty() {
                            s.push_str(&format!(
                                "      through {}{}\n",
                                fields.join(", "),
                                if c.fields.len() > 6 { ", …" } else { "" }
                            ));
                        }
                    }
                    note_str!(s);
                }
                for d in &lock_drift {
                    note!("lock: {} {} {}", d.kind, d.clause, d.detail);
                }
                note!(
                    "{label}: {e} error{}, {w} warning{}, {i} info",
                    plural(e),
                    plural(w)
                );
            }
        }
    }
    if args.format == CheckFormat::Json {
        let doc = json!({
            "version": CHECK_JSON_VERSION,
            "configs": reports,
            "summary": { "errors": errors, "warnings": warnings, "info": infos },
        });
        worst = worst.max(out_json(&doc));
    } else if checked > 1 {
        note!(
            "total: {errors} error{}, {warnings} warning{}, {infos} info in {checked} agreements",
            plural(errors),
            plural(warnings),
        );
    }
    worst
}

fn finding_json(d: &Diagnostic) -> serde_json::Value {
    let rule = lint::rule(&d.code);
    json!({
        "rule": d.code,
        "severity": d.severity,
        "message": d.message,
        "help": d.help,
        "field": d.field,
        "location": d.location,
        "source": rule.map(|r| r.source),
        "safeguards": rule.map(|r| r.safeguards),
    })
}

fn list_rules(format: CheckFormat) -> u8 {
    let rules = lint::rules();
    if format == CheckFormat::Json {
        let list: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| json!({"id": r.id, "severity": r.severity, "title": r.title, "help": r.help, "source": r.source, "safeguards": r.safeguards}))
            .collect();
        return out_json(&json!({"version": CHECK_JSON_VERSION, "rules": list}));
    } else {
        let mut s = String::new();
        for r in rules {
            s.push_str(&format!(
                "{:<9} {:<8} {}\n          source: {}\n",
                r.id,
                r.severity.to_string(),
                r.title,
                r.source
            ));
        }
        s.push_str(&format!(
            "{} rules; `datapact check --explain ID` explains one\n",
            rules.len()
        ));
        out(&s);
    }
    OK
}

fn explain(id: &str) -> u8 {
    match lint::rule(id) {
        Some(r) => {
            let safeguards: Vec<String> = r
                .safeguards
                .iter()
                .map(|n| format!("{n}. {}", lint::SAFEGUARDS[(*n - 1) as usize]))
                .collect();
            out(&format!(
                "{} ({}): {}\n\n{}\n\nTo satisfy it: {}\nSource: {}\nSafeguards: {}\n",
                r.id,
                r.severity,
                r.title,
                r.explain,
                r.help,
                r.source,
                if safeguards.is_empty() {
                    "none".to_owned()
                } else {
                    safeguards.join("; ")
                }
            ));
            OK
        }
        None => {
            let ids: Vec<&str> = lint::rules().iter().map(|r| r.id).collect();
            match diag::did_you_mean(&id.to_uppercase(), ids.iter().copied()) {
                Some(s) => fail(format_args!(
                    "no rule has the id `{id}`; did you mean `{s}`?"
                )),
                None => fail(format_args!(
                    "no rule has the id `{id}`; `datapact check --list-rules` lists them"
                )),
            }
        }
    }
}
