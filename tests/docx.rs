//! Word output (issue #21): every example's .docx, read back by a real reader (pandoc), holds
//! the Markdown's text in the same order, with the PDF's heading and clause numbers and
//! cross-references as clause numbers; the same inputs give the same bytes; the document
//! properties carry the provenance.
//!
//! Needs pandoc (and, for the comparison with the PDF, typst and poppler-utils): `bash
//! .ci/setup` installs them. A missing tool fails the test with that instruction.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::LazyLock;

use assert_cmd::Command;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

fn datapact() -> Command {
    let mut c = Command::cargo_bin("datapact").unwrap();
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

fn need_pandoc() {
    let ok = StdCommand::new("pandoc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "pandoc is needed to read the .docx back: run `bash .ci/setup`"
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("docx-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every example config and the example programme (one agreement per partner).
fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v.push(PathBuf::from("examples/programme/mno-region.toml"));
    v
}

/// Markdown and .docx of every example, generated once.
static GENERATED: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = scratch("examples");
    datapact()
        .args(["generate", "--format", "md,docx", "-o"])
        .arg(&dir)
        .args(examples())
        .assert()
        .success();
    dir
});

fn pandoc(docx: &Path, to: &str) -> String {
    let out = StdCommand::new("pandoc")
        .args(["-f", "docx", "-t", to, "--wrap=none"])
        .arg(docx)
        .output()
        .expect("pandoc");
    assert!(
        out.status.success(),
        "pandoc cannot read {}: {}",
        docx.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One space for every run of whitespace.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Typst's "A" numbering, written out again here so the test does not trust the code it checks.
fn letter(n: usize) -> String {
    if n <= 26 {
        ((b'A' + (n - 1) as u8) as char).to_string()
    } else {
        format!("{}{}", letter((n - 1) / 26), letter((n - 1) % 26 + 1))
    }
}

/// What a reader of the Markdown expects in the Word document: the headings with the PDF's
/// numbers, and every block of text of the body and annexes (paragraphs, list items, table
/// cells, defined terms), with each cross-reference followed by "(clause 7.2)" and the like.
/// The cover and the signatures are drawn from the metadata, as in the PDF, not from the
/// Markdown, and are checked separately.
struct Expected {
    headings: Vec<String>,
    blocks: Vec<String>,
    cross_references: usize,
}

fn expected(md: &str) -> Expected {
    let events: Vec<Event<'_>> =
        Parser::new_ext(md, datapact::render::markdown_options()).collect();
    // Pass 1: the number each heading id is cited by.
    let mut refs: HashMap<String, String> = HashMap::new();
    let (mut sec, mut cl, mut an, mut ap) = (0, 0, 0, 0);
    let mut current = String::new();
    let mut numbered: Vec<(HeadingLevel, bool, String)> = Vec::new();
    for ev in &events {
        if let Event::Start(Tag::Heading {
            level, id, classes, ..
        }) = ev
        {
            let annex = classes.iter().any(|c| c.as_ref() == "annex");
            let is_signatures = id.as_deref() == Some("signatures");
            let number = match (level, annex) {
                (HeadingLevel::H2, true) => {
                    an += 1;
                    ap = 0;
                    current = format!("Annex {}", letter(an));
                    letter(an)
                }
                (HeadingLevel::H2, false) if is_signatures => String::new(),
                (HeadingLevel::H2, false) => {
                    sec += 1;
                    cl = 0;
                    current = format!("section {sec}");
                    sec.to_string()
                }
                (HeadingLevel::H3, _) if an > 0 => {
                    ap += 1;
                    current = format!("paragraph {}.{ap}", letter(an));
                    format!("{}.{ap}", letter(an))
                }
                (HeadingLevel::H3, _) => {
                    cl += 1;
                    current = format!("clause {sec}.{cl}");
                    format!("{sec}.{cl}")
                }
                _ => String::new(),
            };
            if let Some(id) = id {
                refs.insert(id.to_string(), current.clone());
            }
            numbered.push((*level, annex, number));
        }
    }
    // Pass 2: headings and blocks, in order.
    let mut out = Expected {
        headings: Vec::new(),
        blocks: Vec::new(),
        cross_references: 0,
    };
    let mut heading_n = 0;
    let mut started = false;
    let mut skipping = false;
    let mut buf = String::new();
    let mut heading: Option<(HeadingLevel, bool, String)> = None;
    let mut link: Option<String> = None;
    let flush = |buf: &mut String, blocks: &mut Vec<String>| {
        let b = squeeze(buf);
        if !b.is_empty() {
            blocks.push(b);
        }
        buf.clear();
    };
    for ev in &events {
        match ev {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let info = numbered[heading_n].clone();
                heading_n += 1;
                if *level == HeadingLevel::H2 {
                    started = true;
                    skipping = id.as_deref() == Some("signatures");
                }
                if started && !skipping {
                    flush(&mut buf, &mut out.blocks);
                    heading = Some(info);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, annex, number)) = heading.take() {
                    let title = squeeze(&buf);
                    buf.clear();
                    out.headings.push(match (level, annex) {
                        (HeadingLevel::H2, true) => format!("Annex {number} — {title}"),
                        _ if number.is_empty() => title,
                        _ => format!("{number} {title}"),
                    });
                }
            }
            _ if !started || skipping => {}
            Event::Text(t) | Event::Code(t) => buf.push_str(t),
            Event::SoftBreak | Event::HardBreak => buf.push(' '),
            Event::Start(Tag::Link { dest_url, .. }) => {
                link = dest_url.strip_prefix('#').map(str::to_owned);
            }
            Event::End(TagEnd::Link) => {
                if let Some(id) = link.take() {
                    buf.push_str(&format!(" ({})", refs[&id]));
                    out.cross_references += 1;
                }
            }
            Event::End(TagEnd::DefinitionListTitle) => buf.push_str(": "),
            Event::Start(Tag::List(_) | Tag::Item | Tag::Table(_))
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::DefinitionListDefinition
                | TagEnd::List(_),
            ) => flush(&mut buf, &mut out.blocks),
            _ => {}
        }
    }
    flush(&mut buf, &mut out.blocks);
    out
}

/// The text of a pandoc JSON inline list.
fn inline_text(inlines: &serde_json::Value, out: &mut String) {
    for i in inlines.as_array().into_iter().flatten() {
        let c = &i["c"];
        match i["t"].as_str().unwrap_or("") {
            "Str" => out.push_str(c.as_str().unwrap_or("")),
            "Space" | "SoftBreak" | "LineBreak" => out.push(' '),
            "Code" => out.push_str(c[1].as_str().unwrap_or("")),
            "Quoted" => {
                let (open, close) = if c[0]["t"] == "DoubleQuote" {
                    ("“", "”")
                } else {
                    ("‘", "’")
                };
                out.push_str(open);
                inline_text(&c[1], out);
                out.push_str(close);
            }
            "Link" | "Span" => inline_text(&c[1], out),
            "Emph" | "Strong" | "Strikeout" | "Underline" | "SmallCaps" => inline_text(c, out),
            _ => {}
        }
    }
}

/// The headings pandoc finds in the .docx, after the contents list.
fn docx_headings(docx: &Path) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&pandoc(docx, "json")).unwrap();
    json["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["t"] == "Header")
        .map(|b| {
            let mut s = String::new();
            inline_text(&b["c"][2], &mut s);
            squeeze(&s)
        })
        .collect()
}

#[test]
fn every_example_reads_back_with_the_markdowns_clauses_numbers_and_text() {
    need_pandoc();
    let dir = &*GENERATED;
    let mut checked = 0;
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let md_path = entry.unwrap().path();
        if md_path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let docx = md_path.with_extension("docx");
        assert!(
            docx.exists(),
            "no {} beside {}",
            docx.display(),
            md_path.display()
        );
        let md = std::fs::read_to_string(&md_path).unwrap();
        let want = expected(&md);
        assert!(
            want.headings.len() > 20 && want.blocks.len() > 50,
            "{}: too little found in the Markdown to compare",
            md_path.display()
        );

        // The same clauses in the same order, with the PDF's numbers (the signatures heading
        // sits between the body and the annexes, as in the PDF).
        let got: Vec<String> = docx_headings(&docx)
            .into_iter()
            .filter(|h| h != "Signatures")
            .collect();
        if got != want.headings {
            let at = got
                .iter()
                .zip(&want.headings)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(want.headings.len()));
            problems.push(format!(
                "{}: headings differ at {at}: docx {:?}, Markdown {:?}",
                docx.display(),
                got.get(at),
                want.headings.get(at)
            ));
            continue;
        }

        // Every block of text, in order, cross-references as numbers.
        let text = squeeze(&pandoc(&docx, "plain"));
        let body_start = text
            .find(&format!("{} ", want.headings[0]))
            .and_then(|contents| {
                text[contents + 1..]
                    .find(&format!("{} ", want.headings[1]))
                    .map(|i| contents + 1 + i)
            })
            .expect("the first clause heading");
        let mut at = body_start;
        for block in &want.blocks {
            match text[at..].find(block.as_str()) {
                Some(i) => at += i + block.len(),
                None => {
                    let near: String = text[at..].chars().take(300).collect();
                    problems.push(format!(
                        "{}: {block:?} not found in order; the text goes on: {near:?}",
                        docx.display()
                    ));
                    break;
                }
            }
        }
        let refs = text.matches(" (clause ").count()
            + text.matches(" (section ").count()
            + text.matches(" (paragraph ").count()
            + text.matches(" (Annex ").count();
        if refs < want.cross_references {
            problems.push(format!(
                "{}: {refs} cross-references read as numbers, the Markdown has {}",
                docx.display(),
                want.cross_references
            ));
        }
        checked += 1;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // 7 configs (one with separate processing terms) and 6 programme partners.
    assert!(checked >= 14, "only {checked} agreements checked");
}

#[test]
fn the_cover_signatures_header_and_footer_are_those_of_the_pdf() {
    need_pandoc();
    let docx = GENERATED.join("SRA-JO-2026-HNS.docx");
    let text = pandoc(&docx, "plain");
    let lines: Vec<String> = text.lines().map(squeeze).collect();
    for want in [
        "DATA-SHARING AGREEMENT",
        "Household needs survey of refugees in Jordan, 2026: data processing agreement",
        "BETWEEN",
        "Signatures",
        "Signed by the duly authorised representatives of the parties.",
    ] {
        assert!(lines.iter().any(|l| l == want), "no line {want:?}");
    }
    let flat = squeeze(&text);
    for want in [
        "REFERENCE SRA-JO-2026-HNS",
        "EFFECTIVE DATE 4 May 2026",
        "NATURE Legally binding agreement",
        "(1) Fonden Solace Refugee Aid International (“Solace”)",
        "Role: controller",
        "Name Sofie Lindholm",
        "Title Secretary General",
    ] {
        assert!(
            flat.contains(want),
            "no {want:?} in the cover or signatures"
        );
    }
    // The signatures come after the last body clause and before the first annex.
    let sig = flat.find("Signed by the duly").unwrap();
    assert!(flat[..sig].contains("Amendment, accession and general provisions"));
    assert!(flat[sig..].contains("Annex A — Parties"));

    // Header and footer parts: the reference and title; PAGE and NUMPAGES fields.
    let parts = unzip(&docx);
    let header = parts
        .iter()
        .filter(|(n, _)| n.starts_with("word/header"))
        .map(|(_, t)| t.as_str())
        .collect::<String>();
    assert!(header.contains("SRA-JO-2026-HNS") && header.contains("Household needs survey"));
    let footer = parts
        .iter()
        .filter(|(n, _)| n.starts_with("word/footer"))
        .map(|(_, t)| t.as_str())
        .collect::<String>();
    assert!(
        footer.contains(">PAGE<") && footer.contains(">NUMPAGES<"),
        "{footer}"
    );
}

/// Every part of a .docx, as text.
fn unzip(docx: &Path) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(docx).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().to_owned(), s)
        })
        .collect()
}

#[test]
fn document_properties_carry_the_provenance_of_the_twin() {
    let docx = GENERATED.join("BMP-UW-2026-03.docx");
    let twin: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(GENERATED.join("BMP-UW-2026-03.json")).unwrap(),
    )
    .unwrap();
    let parts = unzip(&docx);
    let core = &parts
        .iter()
        .find(|(n, _)| n == "docProps/core.xml")
        .unwrap()
        .1;
    let custom = &parts
        .iter()
        .find(|(n, _)| n == "docProps/custom.xml")
        .unwrap()
        .1;
    let prov = &twin["provenance"];
    let config_hash = prov["config_sha256"].as_str().unwrap();
    let library_hash = prov["library_sha256"].as_str().unwrap();
    for needle in [
        format!("config sha256 {config_hash}"),
        format!("sha256 {library_hash}"),
        format!("datapact {}", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(core.contains(&needle), "core.xml lacks {needle:?}: {core}");
        assert!(custom.contains(&needle), "custom.xml lacks {needle:?}");
    }
    assert!(core.contains("<dc:title>"), "{core}");
    assert!(core.contains("BMP-UW-2026-03"));
    // Dated by the agreement, not the clock.
    let effective = twin["dates"]["effective"].as_str().unwrap();
    assert!(
        core.contains(&format!("{effective}T00:00:00Z")),
        "core.xml is not dated {effective}: {core}"
    );
}

#[test]
fn the_same_inputs_give_the_same_bytes_at_another_time_and_in_a_parallel_batch() {
    let a = scratch("same-a");
    let b = scratch("same-b");
    let configs = [
        "examples/ngo-survey.toml",
        "examples/programme/mno-region.toml",
    ];
    datapact()
        .args(["generate", "--format", "docx", "-o"])
        .arg(&a)
        .args(configs)
        .assert()
        .success();
    // Zip entry times have a resolution of two seconds.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    datapact()
        .args([
            "batch", "--quiet", "--jobs", "2", "--format", "md,docx", "-o",
        ])
        .arg(&b)
        .args(configs)
        .assert()
        .success();
    let mut compared = 0;
    for entry in std::fs::read_dir(&a).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "docx") {
            let other = b.join(p.file_name().unwrap());
            assert!(
                std::fs::read(&p).unwrap() == std::fs::read(&other).unwrap(),
                "{} differs between runs",
                p.display()
            );
            compared += 1;
        }
    }
    assert!(compared >= 7, "only {compared} documents compared");
}

#[test]
fn docx_headings_and_clause_numbers_are_the_pdfs() {
    need_pandoc();
    assert!(
        datapact::pdf::Typst::locate(None).is_ok()
            && StdCommand::new("pdftotext").arg("-v").output().is_ok(),
        "typst 0.15.1 and poppler-utils are needed: run `bash .ci/setup`"
    );
    let dir = scratch("with-pdf");
    datapact()
        .args(["generate", "--format", "pdf,docx", "-o"])
        .arg(&dir)
        .arg("examples/ngo-survey.toml")
        .assert()
        .success();
    let out = StdCommand::new("pdftotext")
        .args(["-enc", "UTF-8", "-layout"])
        .arg(dir.join("SRA-JO-2026-HNS.pdf"))
        .arg("-")
        .output()
        .unwrap();
    // Layout mode keeps a heading's number on its line; one space for any run of them.
    let pdf = squeeze(&String::from_utf8(out.stdout).unwrap());
    // Past the PDF's contents page: its first clause heading.
    let mut at = pdf
        .find("1.1 Summary of the deal")
        .expect("first clause in the PDF");
    let headings = docx_headings(&dir.join("SRA-JO-2026-HNS.docx"));
    let numbered: Vec<&String> = headings
        .iter()
        .filter(|h| h.starts_with(|c: char| c.is_ascii_digit()) || h.starts_with("Annex "))
        .collect();
    assert!(numbered.len() > 40);
    for h in numbered.iter().skip(1) {
        // Long headings may wrap in the PDF: compare their start.
        let key: String = h.chars().take(22).collect();
        match pdf[at..].find(&key) {
            Some(i) => at += i + key.len(),
            None => panic!("docx heading {h:?} is not the PDF's next heading"),
        }
    }
}
