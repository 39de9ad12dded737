//! A programme's partners as written: one partner file each (`partners_dir`), or one CSV row
//! each (`partners_csv`).
//!
//! In: the files. Out: each partner's table as JSON with where its values are written (for
//! messages), not yet merged into the programme.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Reader, stem};
use crate::diag::{Diagnostic, SourceFile};
use crate::load::{Spans, parse_tree};

/// A partner before merging: its JSON, where its spans come from, and a name for messages.
pub(super) struct PartnerInput {
    pub(super) value: Result<Value, Vec<Diagnostic>>,
    pub(super) spans: Arc<Spans>,
    /// Pointer of the partner table inside `spans` (`/partners/2` or ``).
    pub(super) root: String,
    pub(super) origin: String,
    /// The id to use when the partner has none (a partner file's stem).
    pub(super) default_id: Option<String>,
}

pub(super) fn read_partner_file(reader: &Reader, f: &Path) -> PartnerInput {
    let default_id = Some(stem(f));
    let origin = f.display().to_string();
    let failed = |d: Diagnostic| PartnerInput {
        value: Err(vec![d]),
        spans: Arc::default(),
        root: String::new(),
        origin: origin.clone(),
        default_id: default_id.clone(),
    };
    let text = match reader.read(f).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            return failed(Diagnostic::error(
                "batch::input",
                format!("{origin} is not valid UTF-8"),
            ));
        }
        Err(e) => return failed(Diagnostic::error("io::read", e)),
    };
    let src = SourceFile::new(f, &text);
    match parse_tree(&src) {
        Ok((value, spans)) => PartnerInput {
            value: Ok(value),
            spans: Arc::new(spans),
            root: String::new(),
            origin,
            default_id,
        },
        Err(d) => PartnerInput {
            value: Err(d),
            spans: Arc::default(),
            root: String::new(),
            origin,
            default_id,
        },
    }
}

/// CSV columns holding lists, written with `;` between items.
const CSV_LIST_COLUMNS: &[&str] = &[
    "certifications",
    "due_diligence.scope",
    "due_diligence.conditions",
    "due_diligence.evidence",
];

/// Partners from a CSV file. Columns are party fields; nested fields use dots
/// (`contact.name`, `contact.email`, `signatory.name`, `signatory.title`); list fields
/// (`certifications`, `due_diligence.scope`, `.conditions`, `.evidence`) are separated by `;`;
/// `override:<path>` columns set overrides (as text). Empty cells are left out.
pub(super) fn read_csv_partners(
    reader: &Reader,
    path: &Path,
) -> Result<Vec<PartnerInput>, Box<Diagnostic>> {
    let text = reader
        .read(path)
        .and_then(|b| {
            String::from_utf8(b).map_err(|_| format!("{} is not valid UTF-8", path.display()))
        })
        .map_err(|e| Diagnostic::error("io::read", e))?;
    let source = SourceFile::new(path, &text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Diagnostic::error("batch::csv", format!("{}: {e}", path.display())))?
        .clone();
    // A column named twice: the later value would silently replace the earlier.
    for (j, h) in headers.iter().enumerate() {
        if let Some(first) = headers.iter().take(j).position(|o| o == h) {
            let header_end = text.find('\n').unwrap_or(text.len());
            let header = &text[..header_end];
            // The repeated cell when the header is plain (no quotes); else the whole line.
            let span = if header.contains('"') {
                0..header_end
            } else {
                let start: usize = header.split(',').take(j).map(|c| c.len() + 1).sum();
                let len = header.split(',').nth(j).map_or(0, |c| c.trim_end().len());
                start..start + len
            };
            return Err(Box::new(
                Diagnostic::error(
                    "batch::csv",
                    format!(
                        "column `{h}` appears twice in the header of {} (columns {} and {})",
                        path.display(),
                        first + 1,
                        j + 1
                    ),
                )
                .help(format!(
                    "keep one `{h}` column; each column is one field of the partner"
                ))
                .at(&source, Some(span)),
            ));
        }
    }
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            Diagnostic::error("batch::csv", format!("{}: {e}", path.display()))
                .help("check quoting and that every row has as many columns as the header")
        })?;
        // The reader's position is where it began reading, before any blank lines it skipped.
        let mut start = rec.position().map_or(0, |p| p.byte() as usize);
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let line = text[..start].matches('\n').count() + 1;
        let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        let span: Range<usize> = start..line_end;
        let mut m = Map::new();
        let mut overrides = Map::new();
        let mut signatory = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            if v.is_empty() {
                continue;
            }
            let val = Value::String(v.to_owned());
            if let Some(path_key) = h.strip_prefix("override:") {
                overrides.insert(path_key.to_owned(), val);
            } else if let Some(k) = h.strip_prefix("signatory.") {
                signatory.insert(k.to_owned(), val);
            } else if CSV_LIST_COLUMNS.contains(&h) {
                let list = Value::Array(
                    v.split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                );
                insert_dotted(&mut m, h, list);
            } else if h == "privileges_and_immunities" {
                m.insert(h.to_owned(), Value::Bool(matches!(v, "true" | "yes" | "1")));
            } else {
                insert_dotted(&mut m, h, val);
            }
        }
        if !signatory.is_empty() {
            m.insert(
                "signatories".into(),
                Value::Array(vec![Value::Object(signatory)]),
            );
        }
        if !overrides.is_empty() {
            m.insert("overrides".into(), Value::Object(overrides));
        }
        let value = Value::Object(m);
        let mut spans = Spans::default();
        spans.graft_flat(&source, span, "", &value);
        out.push(PartnerInput {
            value: Ok(value),
            spans: Arc::new(spans),
            root: String::new(),
            origin: format!("{}:{line}", path.display()),
            default_id: None,
        });
    }
    Ok(out)
}

fn insert_dotted(m: &mut Map<String, Value>, key: &str, val: Value) {
    match key.split_once('.') {
        Some((table, k)) => {
            if let Value::Object(t) = m
                .entry(table.to_owned())
                .or_insert_with(|| Value::Object(Map::new()))
            {
                t.insert(k.to_owned(), val);
            }
        }
        None => {
            m.insert(key.to_owned(), val);
        }
    }
}
