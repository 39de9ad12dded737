//! `datapact verify PDF CONFIG`: is this PDF exactly what the config and library give today,
//! and if not, what differs (the config, the library or datapact). For a programme, the
//! partner is found by the config hash the PDF records, or named as `PROGRAMME#PARTNER`.

use crate::build::{Agreement, Libraries};
use crate::cli::VerifyArgs;
use crate::diag::DiagnosticFormat;
use crate::emit::{Emitter, Format};

use super::{ERROR, FINDINGS, OK, build_reporting, fail, out};

pub(super) fn run(args: VerifyArgs, fmt: DiagnosticFormat) -> u8 {
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
    let libraries = Libraries::new(args.library.library.as_deref());
    let arg = args.config.to_string_lossy().into_owned();
    let (built, failed) = build_reporting(&[arg], &libraries, fmt, "cannot be verified");
    if failed {
        return ERROR;
    }
    let recorded = pdf_keywords(&given)
        .map(|k| parse_provenance(&k))
        .unwrap_or_default();
    let Some(prepared) = pick(built, &recorded, &args.pdf) else {
        return fail(format_args!(
            "cannot tell which partner of {} the PDF is for (its file name is not a partner's reference, or it records another config); name the partner as {}#PARTNER",
            args.config.display(),
            args.config.display()
        ));
    };
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => return fail(format_args!("cannot create a temporary folder: {e}")),
    };
    let emitter = match Emitter::new(&[Format::Pdf], tmp.path(), args.typst.as_deref(), false) {
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
            prepared.label
        ));
        return OK;
    }
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
        prepared.label
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

/// The agreement to compare the PDF with: the only one; else, of the partners made from the
/// config the PDF records (a programme's partners share their programme file), the one whose
/// reference names the PDF file, as `generate` and `batch` name it.
fn pick(built: Vec<Agreement>, recorded: &Provenance, pdf: &std::path::Path) -> Option<Agreement> {
    if built.len() == 1 {
        return built.into_iter().next();
    }
    let hash = recorded.config.as_deref()?;
    let stem = pdf.file_stem()?.to_string_lossy().into_owned();
    built.into_iter().find(|a| {
        crate::twin::config_hash(&a.model) == hash && a.model.config().agreement.reference == stem
    })
}
