//! The .docx package made byte-for-byte reproducible.
//!
//! In: the zip docx-rs wrote and the core properties to put in it. Out: the same parts, in the
//! same order, deflated, every entry dated 1980-01-01 00:00 (the zip epoch) with the same
//! permissions, `docProps/custom.xml` written in a fixed order, and `docProps/core.xml` replaced by one that carries the agreement's title,
//! parties, keywords and provenance (docx-rs can set only the dates; its creator reads
//! "unknown"). Zip entry times otherwise come from the clock when the zip crate's `time`
//! feature is on anywhere in the build.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::DocxError;
use crate::pdf::{PdfMeta, PdfStatus};

const CORE: &str = "docProps/core.xml";
const CUSTOM: &str = "docProps/custom.xml";

fn err(e: impl std::fmt::Display) -> DocxError {
    DocxError::Package(e.to_string())
}

/// Re-zip `raw` with fixed dates, permissions and compression, replacing the core properties.
pub(super) fn canonical(
    raw: &[u8],
    core_xml: &str,
    custom_xml: &str,
) -> Result<Vec<u8>, DocxError> {
    let mut archive = ZipArchive::new(Cursor::new(raw)).map_err(err)?;
    let mut out = ZipWriter::new(Cursor::new(Vec::with_capacity(raw.len() / 3)));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut wrote_core = false;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(err)?;
        let name = entry.name().to_owned();
        if entry.is_dir() {
            out.add_directory(name, options.unix_permissions(0o755))
                .map_err(err)?;
            continue;
        }
        buf.clear();
        entry.read_to_end(&mut buf).map_err(err)?;
        out.start_file(name.as_str(), options).map_err(err)?;
        if name == CORE {
            out.write_all(core_xml.as_bytes()).map_err(err)?;
            wrote_core = true;
        } else if name == CUSTOM {
            out.write_all(custom_xml.as_bytes()).map_err(err)?;
        } else {
            out.write_all(&buf).map_err(err)?;
        }
    }
    if !wrote_core {
        return Err(DocxError::Package(format!(
            "docx-rs wrote no {CORE} to replace"
        )));
    }
    Ok(out.finish().map_err(err)?.into_inner())
}

/// `docProps/custom.xml`: the provenance and reference as custom properties, in a fixed order
/// (docx-rs keeps custom properties in a hash map, whose order changes from run to run).
pub(super) fn custom_xml(meta: &PdfMeta) -> String {
    let props = [
        ("DatapactReference", meta.reference.as_str()),
        ("DatapactProvenance", meta.provenance.as_str()),
    ];
    let mut out = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        "\n",
        r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#
    ));
    for (pid, (name, value)) in props.iter().enumerate() {
        out.push_str(&format!(
            r#"<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{}" name="{}"><vt:lpwstr>{}</vt:lpwstr></property>"#,
            pid + 2,
            name,
            xml_escape(value)
        ));
    }
    out.push_str("</Properties>");
    out
}

/// Text escaped for XML character data and attribute values.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The keywords the PDF carries (`templates/agreement.typ`'s `set document(keywords: …)`):
/// the reference, the kind of document, the version, the status, then the provenance's parts.
pub fn keywords(meta: &PdfMeta) -> Vec<String> {
    let mut k = vec![
        meta.reference.clone(),
        "data-sharing agreement".to_owned(),
        format!("version {}", meta.version),
        match meta.status {
            PdfStatus::Draft => "draft".to_owned(),
            PdfStatus::Final => "final".to_owned(),
        },
    ];
    k.extend(
        meta.provenance
            .split("; ")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    k
}

/// `docProps/core.xml`: title, the parties as creators (the PDF's authors), keywords, the
/// provenance as description, and the agreement's date as created and modified.
pub(super) fn core_xml(meta: &PdfMeta, created: &str) -> String {
    let creators: Vec<&str> = meta.parties.iter().map(|p| p.legal_name.as_str()).collect();
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title>",
            "<dc:subject>{subject}</dc:subject>",
            "<dc:creator>{creator}</dc:creator>",
            "<cp:keywords>{keywords}</cp:keywords>",
            "<dc:description>{description}</dc:description>",
            "<dc:identifier>{reference}</dc:identifier>",
            "<cp:lastModifiedBy>datapact {version}</cp:lastModifiedBy>",
            "<cp:revision>1</cp:revision>",
            "<cp:contentStatus>{status}</cp:contentStatus>",
            "<cp:version>{doc_version}</cp:version>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>"#,
            "</cp:coreProperties>"
        ),
        title = xml_escape(&meta.title),
        subject = xml_escape(&meta.kind_label),
        creator = xml_escape(&creators.join("; ")),
        keywords = xml_escape(&keywords(meta).join("; ")),
        description = xml_escape(&meta.provenance),
        reference = xml_escape(&meta.reference),
        version = env!("CARGO_PKG_VERSION"),
        doc_version = xml_escape(&meta.version),
        created = xml_escape(created),
        status = match meta.status {
            PdfStatus::Draft => "Draft",
            PdfStatus::Final => "Final",
        },
    )
}
