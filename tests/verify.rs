//! `datapact verify PDF CONFIG`: exit 0 when the PDF is exactly what the config and the
//! library produce today; exit 1 naming what differs (the library, the config), or saying the
//! PDF was not made by datapact.
//!
//! Needs typst 0.15.1 and the Noto fonts (`bash .ci/setup`): verify regenerates the PDF.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use assert_cmd::Command;
use datapact::build;

/// `datapact init`'s starter config (a draft that generates as is).
const STARTER: &str = include_str!("../src/starter.toml");

fn datapact() -> Command {
    let mut c = Command::cargo_bin("datapact").unwrap();
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

/// The starter and the PDF generated from it, made once for every test here.
struct Signed {
    dir: PathBuf,
    config: PathBuf,
    pdf: PathBuf,
}

static SIGNED: LazyLock<Signed> = LazyLock::new(|| {
    assert!(
        datapact::pdf::Typst::locate(None).is_ok(),
        "typst 0.15.1 is needed: run `bash .ci/setup`"
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verify-tests");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("agreement.toml");
    std::fs::write(&config, STARTER).unwrap();
    let out = datapact()
        .arg("generate")
        .arg(&config)
        .arg("-o")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.join("out/DSA-2026-001.pdf");
    assert!(pdf.is_file());
    Signed { dir, config, pdf }
});

/// `datapact verify`: exit code and stdout + stderr.
fn verify(pdf: &Path, config: &Path, library: Option<&Path>) -> (i32, String) {
    let mut cmd = datapact();
    cmd.arg("verify").arg(pdf).arg(config);
    if let Some(l) = library {
        cmd.arg("--library").arg(l);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The lines of verify's report that say what differs (`  - config: …`).
fn reasons(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .collect()
}

#[test]
fn a_freshly_generated_pdf_verifies() {
    let s = &*SIGNED;
    let (code, text) = verify(&s.pdf, &s.config, None);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("matches"), "{text}");
}

/// Export the built-in library to `dir` and change one prose word in the body of a clause
/// the agreement uses, so that its text changes. Returns (clause id, old word, new word).
fn change_one_word(dir: &Path, config: &Path) -> (String, String, String) {
    let out = datapact()
        .args(["clauses", "--export"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = build::build_file(config, None).unwrap();
    let files: Vec<PathBuf> = glob::glob(&format!("{}/clauses/**/*.md", dir.display()))
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    for section in before.rendered.sections.iter().filter(|s| !s.annex) {
        for clause in &section.clauses {
            let Some(file) = files
                .iter()
                .find(|f| f.file_stem().is_some_and(|s| s == clause.id.as_str()))
            else {
                continue;
            };
            let original = std::fs::read_to_string(file).unwrap();
            // Front matter between the first two `+++` lines; the body after.
            let Some(body_at) = original.match_indices("+++").nth(1).map(|(i, _)| i + 3) else {
                continue;
            };
            let body = &original[body_at..];
            // A plain lower-case word of prose, outside template tags, terms and links.
            let words = body
                .split(|c: char| c.is_whitespace())
                .filter(|w| w.len() >= 6 && w.chars().all(|c| c.is_ascii_lowercase()));
            for word in words {
                let replacement = if word == "altered" {
                    "changed"
                } else {
                    "altered"
                };
                let (from, to) = (format!(" {word} "), format!(" {replacement} "));
                let Some(at) = body.find(&from) else { continue };
                let changed = format!(
                    "{}{}{}",
                    &original[..body_at + at],
                    to,
                    &original[body_at + at + from.len()..]
                );
                std::fs::write(file, &changed).unwrap();
                let after = build::build_file(config, Some(dir));
                if after.is_ok_and(|a| a.rendered.markdown != before.rendered.markdown) {
                    return (clause.id.clone(), word.to_owned(), to.trim().to_owned());
                }
                std::fs::write(file, &original).unwrap();
            }
        }
    }
    panic!("found no prose word to change in the clauses the agreement uses");
}

#[test]
fn a_one_word_change_in_a_clause_of_the_library_is_named() {
    let s = &*SIGNED;
    let lib = tempfile::tempdir().unwrap();
    let (clause, old, new) = change_one_word(lib.path(), &s.config);
    eprintln!("changed {old:?} to {new:?} in the body of `{clause}`");
    let (code, text) = verify(&s.pdf, &s.config, Some(lib.path()));
    assert_eq!(
        code, 1,
        "after changing {old:?} to {new:?} in {clause}: {text}"
    );
    let why = reasons(&text);
    assert!(
        why.iter().any(|r| r.starts_with("library")),
        "the library is named: {text}"
    );
    assert!(
        !why.iter().any(|r| r.starts_with("config")),
        "the config did not change: {text}"
    );
    // The unchanged library copy verifies (the export itself is not a difference).
    let copy = tempfile::tempdir().unwrap();
    assert!(
        datapact()
            .args(["clauses", "--export"])
            .arg(copy.path())
            .output()
            .unwrap()
            .status
            .success()
    );
    let (code, text) = verify(&s.pdf, &s.config, Some(copy.path()));
    assert_eq!(
        code, 0,
        "an unchanged export of the built-in library: {text}"
    );
}

#[test]
fn a_change_to_the_config_is_named() {
    let s = &*SIGNED;
    let changed = s.dir.join("changed.toml");
    let text = STARTER.replacen(
        "Weekly counts of subscribers",
        "Weekly totals of subscribers",
        1,
    );
    assert_ne!(text, STARTER, "the starter changed: pick another word");
    std::fs::write(&changed, text).unwrap();
    let (code, report) = verify(&s.pdf, &changed, None);
    assert_eq!(code, 1, "{report}");
    let why = reasons(&report);
    assert!(
        why.iter().any(|r| r.starts_with("config")),
        "the config is named: {report}"
    );
    assert!(
        !why.iter().any(|r| r.starts_with("library")),
        "the library did not change: {report}"
    );
}

#[test]
fn a_pdf_not_made_by_datapact_is_called_so() {
    let s = &*SIGNED;
    let dir = tempfile::tempdir().unwrap();
    // A PDF typst made from a document of its own: same producer, no datapact provenance.
    let typst = datapact::pdf::Typst::locate(None).unwrap();
    let typ = dir.path().join("letter.typ");
    std::fs::write(&typ, "#set document(title: \"A letter\", keywords: (\"letter\",))\n= A letter\nNot an agreement.\n").unwrap();
    let pdf = dir.path().join("letter.pdf");
    let out = std::process::Command::new(typst.path())
        .arg("compile")
        .arg(&typ)
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, report) = verify(&pdf, &s.config, None);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("not produced by datapact"), "{report}");
}
