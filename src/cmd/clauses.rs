//! `datapact clauses`: list the clause library, or export the built-in one for adaptation.

use crate::cli::{ClausesArgs, ListFormat};
use crate::diag::DiagnosticFormat;
use crate::library::Library;

use super::{ERROR, OK, fail, out, out_json, report};

pub(super) fn run(args: ClausesArgs, fmt: DiagnosticFormat) -> u8 {
    if let Some(dest) = &args.export {
        return match Library::export_builtin(dest) {
            Ok(n) => {
                note!("wrote {n} files under {}", dest.display());
                OK
            }
            Err(e) => fail(format_args!(
                "cannot export the library to {}: {e}",
                dest.display()
            )),
        };
    }
    let lib = match args.library.library.as_deref() {
        Some(dir) => Library::from_dir(dir),
        None => Library::builtin(),
    };
    let lib = match lib {
        Ok(l) => l,
        Err(diags) => {
            report(&diags, fmt);
            return ERROR;
        }
    };
    match args.format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = lib
                .clauses
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.meta.id,
                        "version": c.meta.version,
                        "title": c.meta.title,
                        "section": c.meta.section,
                        "condition": c.meta.when,
                        "required": c.meta.required,
                        "requires": c.meta.requires,
                        "sources": c.meta.sources,
                        "safeguards": c.meta.safeguards,
                        "hash": c.hash,
                    })
                })
                .collect();
            let doc = serde_json::json!({ "library_version": lib.version, "library_hash": lib.hash, "clauses": list });
            return out_json(&doc);
        }
        ListFormat::Table => {
            let mut s = format!(
                "clause library {} ({} clauses)\n",
                lib.version,
                lib.clauses.len()
            );
            let mut current = String::new();
            for c in &lib.clauses {
                if c.meta.section != current {
                    current = c.meta.section.clone();
                    let title = lib
                        .section(&current)
                        .map(|s| s.title.as_str())
                        .unwrap_or("");
                    s.push_str(&format!("\n{title} [{current}]\n"));
                }
                s.push_str(&format!(
                    "  {:<34} {:<6} {}\n",
                    c.meta.id, c.meta.version, c.meta.title
                ));
                if c.meta.when != "true" {
                    s.push_str(&format!("  {:<34} when: {}\n", "", c.meta.when));
                }
                if !c.meta.sources.is_empty() {
                    s.push_str(&format!(
                        "  {:<34} sources: {}\n",
                        "",
                        c.meta.sources.join("; ")
                    ));
                }
            }
            out(&s);
        }
    }
    OK
}
