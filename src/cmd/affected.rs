//! `datapact affected CLAUSE… --configs PATHS`: which agreements include those clauses (a
//! programme's partners each count as one, named `<file>#<partner>`).

use crate::build::Libraries;
use crate::cli::{AffectedArgs, ListFormat};
use crate::diag::DiagnosticFormat;
use crate::review;

use super::{ERROR, OK, build_reporting, out, out_json, report};

pub(super) fn run(args: AffectedArgs, fmt: DiagnosticFormat) -> u8 {
    let configs = match review::expand_configs(&args.configs) {
        Ok(c) => c,
        Err(d) => {
            report(&[d], fmt);
            return ERROR;
        }
    };
    let libraries = Libraries::new(args.library.library.as_deref());
    let (built, failed) = build_reporting(&configs, &libraries, fmt, "cannot be read");
    let worst = if failed { ERROR } else { OK };
    if let Some(a) = built.first() {
        let unknown = review::check_clause_ids(&args.clauses, &a.library);
        if !unknown.is_empty() {
            report(&unknown, fmt);
            return ERROR;
        }
    }
    let hits = review::affected(&args.clauses, &built);
    match args.format {
        ListFormat::Json => {
            let v: Vec<serde_json::Value> = hits
                .iter()
                .map(|(label, ids)| serde_json::json!({"config": label, "clauses": ids}))
                .collect();
            let printed = out_json(&v);
            if printed != OK {
                return printed;
            }
        }
        ListFormat::Table => {
            let mut s = String::new();
            for (label, ids) in &hits {
                s.push_str(&format!("{label}\t{}\n", ids.join(", ")));
            }
            out(&s);
            note!(
                "{} of {} agreements include {}",
                hits.len(),
                built.len(),
                args.clauses.join(", ")
            );
        }
    }
    worst
}
