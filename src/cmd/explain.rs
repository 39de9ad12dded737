//! `datapact explain`: every clause in order, with why it is in the agreement (or, with
//! `--all`, left out). A programme is explained partner by partner.

use crate::build::Libraries;
use crate::cli::{ExplainArgs, ListFormat};
use crate::diag::DiagnosticFormat;
use crate::review::{self, Explanation};

use super::{ERROR, OK, build_reporting, out, out_json};

pub(super) fn run(args: ExplainArgs, fmt: DiagnosticFormat) -> u8 {
    let libraries = Libraries::new(args.library.library.as_deref());
    let arg = args.config.to_string_lossy().into_owned();
    let (built, failed) = build_reporting(&[arg], &libraries, fmt, "cannot be explained");
    if failed {
        return ERROR;
    }
    if args.words {
        return words(&built, args.format);
    }
    let explained: Vec<(String, Vec<Explanation>)> = built
        .iter()
        .map(|a| {
            let items = review::explain(a)
                .into_iter()
                .filter(|e| args.all || e.included)
                .collect();
            (a.label.clone(), items)
        })
        .collect();
    match args.format {
        ListFormat::Json if explained.len() == 1 => out_json(&explained[0].1),
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = explained
                .iter()
                .map(|(label, items)| serde_json::json!({"agreement": label, "clauses": items}))
                .collect();
            out_json(&list)
        }
        ListFormat::Table => {
            let many = explained.len() > 1;
            let text: Vec<String> = explained
                .iter()
                .map(|(label, items)| {
                    let head = if many {
                        format!("{label}\n")
                    } else {
                        String::new()
                    };
                    head + &table(items, args.all)
                })
                .collect();
            out(&text.join("\n"));
            OK
        }
    }
}

/// `explain --words`: the length report of each agreement.
fn words(built: &[crate::build::Agreement], format: ListFormat) -> u8 {
    let reports: Vec<(String, Vec<review::SectionWords>)> = built
        .iter()
        .map(|a| (a.label.clone(), review::word_counts(a)))
        .collect();
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = reports
                .iter()
                .map(|(label, sections)| {
                    let total: usize = sections.iter().map(|s| s.words).sum();
                    serde_json::json!({"agreement": label, "words": total, "sections": sections})
                })
                .collect();
            if list.len() == 1 {
                out_json(&list[0])
            } else {
                out_json(&list)
            }
        }
        ListFormat::Table => {
            let mut text = String::new();
            for (label, sections) in &reports {
                let total: usize = sections.iter().map(|s| s.words).sum();
                if reports.len() > 1 {
                    text.push_str(&format!("{label}\n"));
                }
                for s in sections {
                    let pct = (s.words * 100).checked_div(total).unwrap_or(0);
                    text.push_str(&format!(
                        "{:<52} {:>6} {:>3}%\n",
                        format!("{}{}", if s.annex { "Annex: " } else { "" }, s.title),
                        s.words,
                        pct
                    ));
                    for c in &s.clauses {
                        text.push_str(&format!("    {:<48} {:>6}\n", c.id, c.words));
                    }
                }
                let body: usize = sections.iter().filter(|s| !s.annex).map(|s| s.words).sum();
                text.push_str(&format!(
                    "\n{total} words: {body} in the body, {} in the annexes\n\n",
                    total - body
                ));
            }
            out(text.trim_end());
            OK
        }
    }
}

fn table(items: &[Explanation], all: bool) -> String {
    let mut s = String::new();
    for e in items {
        s.push_str(&format!(
            "{} {:<36} {}\n",
            if e.included { "+" } else { "-" },
            e.id,
            e.title
        ));
        s.push_str(&format!("    {}\n", e.reason));
        for v in &e.values {
            s.push_str(&format!("      {v}\n"));
        }
    }
    let n = items.iter().filter(|e| e.included).count();
    s.push_str(&format!(
        "\n{n} clauses included{}\n",
        if all {
            format!(", {} left out", items.len() - n)
        } else {
            String::new()
        }
    ));
    s
}
