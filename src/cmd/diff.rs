//! `datapact diff A B`: what changed between the agreements two configs (or revisions) give,
//! clause by clause. Two programmes are compared partner by partner.

use crate::build::{Agreement, Libraries, build};
use crate::cli::{DiffArgs, ListFormat};
use crate::diag::{Diagnostic, DiagnosticFormat};
use crate::review::{self, DiffReport};

use super::{ERROR, FINDINGS, OK, out, out_json, report};

pub(super) fn run(args: DiffArgs, fmt: DiagnosticFormat) -> u8 {
    let libraries = Libraries::new(args.library.library.as_deref());
    let (a, b) = match (side(&args.a, &libraries), side(&args.b, &libraries)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for r in [a.err(), b.err()].into_iter().flatten() {
                report(&r, fmt);
            }
            return ERROR;
        }
    };
    let (reports, unmatched) = pair(&args, &a, &b);
    for u in &unmatched {
        note!("{u}");
    }
    let code = if reports.iter().all(|r| r.identical) && unmatched.is_empty() {
        OK
    } else {
        FINDINGS
    };
    match args.format {
        // One pair (two configs, or one partner in each): the report itself.
        ListFormat::Json if reports.len() == 1 && unmatched.is_empty() => {
            let printed = out_json(&reports[0]);
            if printed != OK {
                return printed;
            }
        }
        ListFormat::Json => {
            let printed = out_json(&serde_json::json!({
                "agreements": reports,
                "unmatched": unmatched,
            }));
            if printed != OK {
                return printed;
            }
        }
        ListFormat::Table => {
            let text: Vec<String> = reports.iter().map(report_text).collect();
            out(&text.join("\n"));
        }
    }
    code
}

/// The agreements one side names (a config, a programme's partners, one partner), built.
fn side(arg: &str, libraries: &Libraries) -> Result<Vec<Agreement>, Vec<Diagnostic>> {
    let mut built = Vec::new();
    let mut diags = Vec::new();
    for p in crate::input::plan_arg(arg) {
        match build(p, libraries) {
            Ok(a) => built.push(a),
            Err(d) => diags.extend(d),
        }
    }
    if diags.is_empty() {
        Ok(built)
    } else {
        Err(diags)
    }
}

/// Reports for the pairs of agreements to compare: the two agreements when each side has one;
/// else partners of the same id. Also says which partners only one side has.
fn pair(args: &DiffArgs, a: &[Agreement], b: &[Agreement]) -> (Vec<DiffReport>, Vec<String>) {
    if let ([one], [other]) = (a, b) {
        return (vec![review::diff(&args.a, one, &args.b, other)], Vec::new());
    }
    let id = |x: &Agreement| x.partner.clone().unwrap_or_default();
    let mut reports = Vec::new();
    let mut unmatched = Vec::new();
    for x in a {
        match b.iter().find(|y| id(y) == id(x)) {
            Some(y) => reports.push(review::diff(&x.label, x, &y.label, y)),
            None => unmatched.push(format!("partner {} is only in {}", id(x), args.a)),
        }
    }
    for y in b.iter().filter(|y| !a.iter().any(|x| id(x) == id(y))) {
        unmatched.push(format!("partner {} is only in {}", id(y), args.b));
    }
    (reports, unmatched)
}

fn report_text(rep: &DiffReport) -> String {
    let mut s = String::new();
    if rep.identical {
        s.push_str(&format!(
            "{} and {} produce identical agreements\n",
            rep.a, rep.b
        ));
        return s;
    }
    s.push_str(&format!(
        "{} → {}: {} added, {} removed, {} changed clause{}{}\n",
        rep.a,
        rep.b,
        rep.added,
        rep.removed,
        rep.changed,
        if rep.changed == 1 { "" } else { "s" },
        if rep.frame_changed {
            "; cover, parties or signatures changed"
        } else {
            ""
        }
    ));
    for c in &rep.clauses {
        let mark = match c.change {
            "added" => "+",
            "removed" => "-",
            _ => "~",
        };
        s.push_str(&format!("  {mark} {:<36} {}\n", c.id, c.title));
    }
    for c in rep.clauses.iter().filter(|c| c.word_diff.is_some()) {
        s.push_str(&format!("\n~ {} ({})\n", c.id, c.title));
        for line in c
            .word_diff
            .as_deref()
            .unwrap_or("")
            .lines()
            .filter(|l| l.contains("[-") || l.contains("{+"))
        {
            s.push_str(&format!("  {line}\n"));
        }
    }
    s
}
