//! `datapact register` (the central log of agreements) and `datapact verify` (is this PDF
//! exactly what this config produces?).

use crate::cli::{OutputFormat, RegisterArgs, RegisterFormat, VerifyArgs};
use crate::diag::DiagnosticFormat;
use crate::model::{add_duration, parse_date};
use crate::output::write_atomic;
use crate::pipeline;
use crate::register::{self, Deadline, Entry};

use super::{ERROR, FINDINGS, OK, fail, out, report};

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
    let mut worst = OK;
    let mut entries: Vec<Entry> = Vec::new();
    let mut due: Vec<Deadline> = Vec::new();
    let horizon = window.unwrap_or_else(|| jiff::Span::new().years(2));
    let Some(until) = add_duration(today, horizon) else {
        return fail("the --due window is too long");
    };
    for c in &configs {
        let model = match pipeline::load_model(c) {
            Ok(m) => m,
            Err(diags) => {
                report(&diags, fmt);
                worst = ERROR;
                continue;
            }
        };
        let check = pipeline::Check::run(&model);
        entries.push(register::entry(
            &c.display().to_string(),
            &model,
            today,
            &check.findings,
        ));
        due.extend(register::deadlines(&model, today, until));
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
        RegisterFormat::Json => out(&format!(
            "{}\n",
            serde_json::to_string_pretty(entries).unwrap_or_default()
        )),
        RegisterFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record([
                "reference",
                "title",
                "status",
                "parties",
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
                    &e.parties.join("; "),
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
            serde_json::to_string_pretty(due).unwrap_or_default()
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

/// Provenance recorded in a PDF's metadata by datapact.
#[derive(Debug, Default, PartialEq, Eq)]
struct Provenance {
    config: Option<String>,
    library_version: Option<String>,
    library_hash: Option<String>,
    datapact: Option<String>,
}

fn parse_provenance(keywords: &str) -> Provenance {
    let mut p = Provenance::default();
    for part in keywords.split([',', ';']).map(str::trim) {
        let words: Vec<&str> = part.split_whitespace().collect();
        match words.as_slice() {
            ["config", "sha256", h] => p.config = Some((*h).to_owned()),
            ["library", v, "sha256", h] => {
                p.library_version = Some((*v).to_owned());
                p.library_hash = Some((*h).to_owned());
            }
            ["datapact", v] => p.datapact = Some((*v).to_owned()),
            _ => {}
        }
    }
    p
}

/// The PDF's Keywords entry, decoded (PDF text strings are UTF-16BE with a BOM, or
/// PDFDocEncoding, which is ASCII for what datapact writes).
fn pdf_keywords(bytes: &[u8]) -> Option<String> {
    let doc = lopdf::Document::load_mem(bytes).ok()?;
    let info = doc.trailer.get(b"Info").ok()?;
    let info = match info {
        lopdf::Object::Reference(id) => doc.get_object(*id).ok()?,
        other => other,
    };
    let raw = info.as_dict().ok()?.get(b"Keywords").ok()?.as_str().ok()?;
    Some(if raw.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = raw[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        raw.iter().map(|b| *b as char).collect()
    })
}

pub fn verify(args: VerifyArgs, fmt: DiagnosticFormat) -> u8 {
    let given = match std::fs::read(&args.pdf) {
        Ok(b) => b,
        Err(e) => return fail(format_args!("cannot read {}: {e}", args.pdf.display())),
    };
    if !given.starts_with(b"%PDF-") {
        return fail(format_args!(
            "{} is not a PDF (a PDF starts with %PDF-); give the signed PDF first and its config second: datapact verify AGREEMENT.pdf CONFIG.toml",
            args.pdf.display()
        ));
    }
    let prepared = match pipeline::prepare(&args.config, args.library.library.as_deref()) {
        Ok(p) => p,
        Err(diags) => {
            report(&diags, fmt);
            return ERROR;
        }
    };
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => return fail(format_args!("cannot create a temporary folder: {e}")),
    };
    let emitter = match crate::emit::Emitter::new(
        &[OutputFormat::Pdf],
        tmp.path(),
        args.typst.as_deref(),
        false,
    ) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let files = match emitter.emit(&prepared.model, &prepared.rendered, &prepared.library) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let Some(pdf) = files.iter().find(|f| f.file.ends_with(".pdf")) else {
        return fail("no PDF was produced");
    };
    let fresh = match std::fs::read(tmp.path().join(&pdf.file)) {
        Ok(b) => b,
        Err(e) => return fail(format_args!("cannot read the regenerated PDF: {e}")),
    };
    if fresh == given {
        out(&format!(
            "{} matches {} exactly\n",
            args.pdf.display(),
            args.config.display()
        ));
        return OK;
    }
    let recorded = pdf_keywords(&given)
        .map(|k| parse_provenance(&k))
        .unwrap_or_default();
    let now = Provenance {
        config: Some(crate::twin::config_hash(&prepared.model)),
        library_version: Some(prepared.library.version.clone()),
        library_hash: Some(prepared.library.hash.clone()),
        datapact: Some(env!("CARGO_PKG_VERSION").to_owned()),
    };
    let mut reasons = Vec::new();
    if recorded == Provenance::default() {
        reasons.push("the PDF carries no datapact provenance: it was not produced by datapact, or its metadata was removed".to_owned());
    } else {
        if recorded.config != now.config {
            reasons.push(format!(
                "config: the PDF was made from config sha256 {}, this config is {}",
                show(&recorded.config),
                show(&now.config)
            ));
        }
        if recorded.library_hash != now.library_hash
            || recorded.library_version != now.library_version
        {
            reasons.push(format!(
                "library: the PDF was made with library {} (sha256 {}), the library now is {} (sha256 {})",
                show(&recorded.library_version),
                show(&recorded.library_hash),
                show(&now.library_version),
                show(&now.library_hash)
            ));
        }
        if recorded.datapact != now.datapact {
            reasons.push(format!(
                "datapact version: the PDF was made by datapact {}, this is {}",
                show(&recorded.datapact),
                show(&now.datapact)
            ));
        }
        if reasons.is_empty() {
            reasons.push("config, library and datapact version all match, so the PDF was changed after it was generated (or another typst or font set produced it)".to_owned());
        }
    }
    let mut s = format!(
        "{} does NOT match {}:\n",
        args.pdf.display(),
        args.config.display()
    );
    for r in &reasons {
        s.push_str(&format!("  - {r}\n"));
    }
    out(&s);
    FINDINGS
}

fn show(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(unknown)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_round_trip() {
        let k = "DSA-1, data-sharing agreement, version 1.0, draft, config sha256 abc, library 0.1.0 sha256 def, datapact 0.1.0";
        let p = parse_provenance(k);
        assert_eq!(p.config.as_deref(), Some("abc"));
        assert_eq!(p.library_version.as_deref(), Some("0.1.0"));
        assert_eq!(p.library_hash.as_deref(), Some("def"));
        assert_eq!(p.datapact.as_deref(), Some("0.1.0"));
    }
}
