//! Every example config generates a complete agreement: Markdown (snapshotted), a twin that
//! validates against the published schema, and a PDF whose text carries the title, every
//! party, every clause heading and the signature blocks.

use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use datapact::build;

mod common;
use common::examples;

/// Whether a tool can be started at all (pdftotext has no `--version`, only `-v`).
fn have(tool: &str) -> bool {
    StdCommand::new(tool).arg("-v").output().is_ok()
}

#[test]
fn every_example_generates_markdown_and_matches_its_snapshot() {
    for ex in examples() {
        let p = build::build_file(&ex, None).unwrap_or_else(|d| panic!("{}: {d:#?}", ex.display()));
        let md = &p.rendered.markdown;
        assert!(
            !md.contains("{{") && !md.contains("{%"),
            "{}: template syntax leaked",
            ex.display()
        );
        for placeholder in ["TODO", "TBD", "[insert", "lorem", "XXX"] {
            assert!(
                !md.contains(placeholder),
                "{}: placeholder {placeholder:?}",
                ex.display()
            );
        }
        let name = ex.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(name, md);
    }
}

#[test]
fn every_example_has_no_check_errors() {
    for ex in examples() {
        let p = build::build_file(&ex, None).unwrap();
        let errors: Vec<String> = p
            .check
            .findings
            .iter()
            .filter(|d| d.severity == datapact::diag::Severity::Error)
            .map(|d| d.short())
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            ex.display(),
            errors.join("\n")
        );
    }
}

#[test]
fn markdown_is_deterministic_and_free_of_machine_details() {
    for ex in examples() {
        let a = build::build_file(&ex, None).unwrap().rendered.markdown;
        let b = build::build_file(&ex, None).unwrap().rendered.markdown;
        assert_eq!(a, b, "{}", ex.display());
        let cwd = std::env::current_dir().unwrap();
        assert!(
            !a.contains(&*cwd.to_string_lossy()),
            "{}: a machine path leaked",
            ex.display()
        );
        assert!(
            !a.contains(&*datapact::register::today().to_string()),
            "{}: today's date leaked",
            ex.display()
        );
    }
}

#[test]
fn twin_schema_in_the_repo_is_current() {
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("src/schemas/agreement-twin-v1.schema.json")
            .expect("committed schema"),
    )
    .unwrap();
    assert_eq!(
        committed,
        datapact::twin::schema(),
        "the twin's shape changed: regenerate with `cargo run -- schema --twin > src/schemas/agreement-twin-v1.schema.json` (and bump the version if incompatible)"
    );
}

#[test]
fn every_example_twin_validates_against_the_schema() {
    let schema = datapact::twin::schema();
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    for ex in examples() {
        let p = build::build_file(&ex, None).unwrap();
        let twin =
            serde_json::to_value(datapact::twin::build(&p.model, &p.rendered, &p.library)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&twin)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", ex.display());
        assert_eq!(
            twin["reference"],
            p.model.config().agreement.reference.as_str()
        );
        assert!(!twin["clauses"].as_array().unwrap().is_empty());
    }
}

fn pdftotext(pdf: &Path) -> String {
    let out = StdCommand::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Whether extracted PDF text shows `name`. Text extraction reorders right-to-left runs and
/// adds bidi marks, so for such names every right-to-left character and every other word must
/// appear; other names must appear whole.
fn shows(text: &str, name: &str) -> bool {
    if !name.chars().any(is_rtl) {
        return text.contains(&squash(name));
    }
    let clean: String = text
        .chars()
        .filter(|c| !matches!(*c as u32, 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069))
        .collect();
    name.chars()
        .filter(|c| is_rtl(*c))
        .all(|c| clean.contains(c))
        && name
            .split_whitespace()
            .filter(|w| !w.chars().any(is_rtl))
            .all(|w| clean.contains(w))
}

/// Collapse whitespace, so text broken across lines still matches.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_example_pdf_carries_title_parties_headings_and_signatures() {
    if !have("typst") || !have("pdftotext") {
        panic!("typst and pdftotext are needed: run `bash .ci/setup`");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("datapact")
        .unwrap()
        .arg("generate")
        .args(examples())
        .arg("-o")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for ex in examples() {
        let p = build::build_file(&ex, None).unwrap();
        let cfg = p.model.config();
        let pdf = dir.path().join(format!("{}.pdf", cfg.agreement.reference));
        let text = squash(&pdftotext(&pdf));
        // Titles and names may be hyphenated or broken across lines: compare squashed text.
        assert!(
            shows(&text, &cfg.agreement.title),
            "{}: title",
            ex.display()
        );
        for party in &cfg.parties {
            assert!(
                shows(&text, &party.legal_name),
                "{}: party {}",
                ex.display(),
                party.legal_name
            );
            // A party that acceded signed the accession form, not the document.
            for s in party.signatories.iter().filter(|_| party.acceded.is_none()) {
                assert!(
                    shows(&text, &s.name),
                    "{}: signatory {}",
                    ex.display(),
                    s.name
                );
            }
        }
        for section in &p.rendered.sections {
            for clause in &section.clauses {
                assert!(
                    shows(&text, &clause.title),
                    "{}: clause heading {:?}",
                    ex.display(),
                    clause.title
                );
            }
        }
        assert!(
            text.contains("Signature"),
            "{}: signature blocks",
            ex.display()
        );
        // Cross-references are numbers in the PDF.
        assert!(
            text.contains("clause ") || text.contains("Annex "),
            "{}: resolved cross-references",
            ex.display()
        );
    }
}

#[test]
fn pdf_is_byte_identical_across_runs() {
    if !have("typst") {
        panic!("typst is needed: run `bash .ci/setup`");
    }
    let ex = &examples()[0];
    let run = || {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::cargo_bin("datapact")
            .unwrap()
            .arg("generate")
            .arg(ex)
            .arg("-o")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pdf = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| e.path().extension().is_some_and(|x| x == "pdf"))
            .unwrap();
        std::fs::read(pdf.path()).unwrap()
    };
    assert!(run() == run(), "two runs must give byte-identical PDFs");
}
