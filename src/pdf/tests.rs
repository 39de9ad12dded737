//! Tests that run the real typst (skipped, with a note, when it is not
//! installed) and pdftotext, plus runner unit tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use super::fonts::{FontSet, StagedFonts};
use super::runner::*;
use super::samples::{sample_markdown, sample_meta};
use super::{clause_at_line, markdown_to_typst};

// ---------------------------------------------------------------------------
// Helpers

/// The installed typst 0.15.x, or `None` (tests then skip with a note).
pub(crate) fn typst() -> Option<&'static Typst> {
    static T: OnceLock<Option<Typst>> = OnceLock::new();
    T.get_or_init(|| match Typst::locate(None) {
        Ok(t) => Some(t),
        Err(e) => {
            eprintln!("note: skipping typst tests: {e}");
            None
        }
    })
    .as_ref()
}

/// The discovered font set, loaded once.
fn font_set() -> Option<&'static FontSet> {
    static S: OnceLock<Option<FontSet>> = OnceLock::new();
    S.get_or_init(|| match FontSet::discover() {
        Ok(set) => Some(set),
        Err(e) => {
            eprintln!("note: fonts missing, compiling with embedded fonts only: {e}");
            None
        }
    })
    .as_ref()
}

/// Compile options with freshly staged fonts; keep the returned guard
/// alive while compiling (dropping it removes the staging directory).
fn options() -> (CompileOptions, Option<StagedFonts>) {
    let mut o = CompileOptions::new(date_to_unix("2026-03-01").unwrap());
    let staged = font_set().map(|f| f.stage().expect("staging fonts"));
    o.font_dirs = staged.iter().map(|s| s.path().to_path_buf()).collect();
    (o, staged)
}

/// Markdown backslash-escape of every ASCII punctuation character (valid
/// CommonMark escapes), so arbitrary text stays text.
fn md_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn pdftotext(pdf: &Path) -> Option<String> {
    let out = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn strip_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Body prefix for text-extraction tests: no page furniture (it would be
/// interleaved with the text) and no hyphenation (it would split words).
const PLAIN_PAGES: &str =
    "#set page(header: none, footer: none, background: none)\n#set text(hyphenate: false)\n";

fn out_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("datapact-pdf-test-")
        .tempdir()
        .unwrap()
}

// ---------------------------------------------------------------------------
// Converter properties (no typst needed)

#[test]
fn no_package_imports_in_template_or_output() {
    // An unescaped `#import` (escaped user text reads `\#import`).
    let forbidden = |s: &str| {
        s.contains("import \"@")
            || s.match_indices("#import")
                .any(|(i, _)| !s[..i].ends_with('\\'))
    };
    assert!(!forbidden(AGREEMENT_TEMPLATE), "template imports a package");
    let md = format!(
        "{}\n\nText {}\n",
        sample_markdown(1),
        md_escape("#import \"@preview/x:0.1.0\": *")
    );
    let typ = markdown_to_typst(&md).unwrap();
    assert!(
        !forbidden(&typ),
        "generated Typst contains an import:\n{typ}"
    );
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    #[test]
    fn converted_text_has_no_unescaped_punctuation(s in text_strategy()) {
        let typ = markdown_to_typst(&md_escape(&s)).unwrap();
        let body = typ.trim().trim_end_matches("#dp-end-of-body();").trim();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let next = chars.next();
                prop_assert!(next.is_some_and(|n| n.is_ascii_punctuation()), "bad escape in {body:?}");
            } else {
                prop_assert!(!c.is_ascii_punctuation(), "unescaped {c:?} in {body:?}");
                prop_assert!(c != '\n', "newline inside a paragraph: {body:?}");
            }
        }
    }
}

/// Text made of ASCII letters, digits and punctuation, spaces, and a few
/// Unicode ranges (Latin-1, Greek, Cyrillic, CJK, typographic punctuation).
fn text_strategy() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => proptest::char::range('!', '~'),
        1 => Just(' '),
        1 => proptest::char::range('À', 'ÿ'),
        1 => proptest::char::range('α', 'ω'),
        1 => proptest::char::range('А', 'я'),
        1 => proptest::char::range('一', '龥'),
        1 => proptest::char::range('‐', '‧'),
    ];
    proptest::collection::vec(ch, 1..40)
        .prop_map(|v| {
            let s: String = v.into_iter().collect();
            // Leading/trailing spaces are not content in Markdown.
            s.trim().to_owned()
        })
        .prop_filter("non-empty", |s| !s.is_empty())
}

// ---------------------------------------------------------------------------
// Runner unit tests (no typst needed)

#[test]
fn dates_to_unix_seconds() {
    assert_eq!(date_to_unix("1970-01-01"), Some(0));
    assert_eq!(date_to_unix("2026-03-01"), Some(1_772_323_200));
    assert_eq!(date_to_unix("2024-02-29"), Some(1_709_164_800));
    for bad in [
        "2023-02-29",
        "2026-13-01",
        "2026-1-01",
        "20260301",
        "2026-03-0x",
        "1969-12-31",
        "",
    ] {
        assert_eq!(date_to_unix(bad), None, "{bad}");
    }
}

#[test]
fn missing_typst_is_one_line_with_install_hint() {
    let err = Typst::locate(Some(Path::new("/nonexistent/typst"))).unwrap_err();
    assert!(matches!(err, PdfError::NotFound { .. }));
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "{msg}");
    assert!(
        msg.contains("cargo install --locked typst-cli --version 0.15.1"),
        "{msg}"
    );
}

#[test]
fn wrong_typst_version_is_rejected() {
    use std::os::unix::fs::PermissionsExt;
    let dir = out_dir();
    let fake = dir.path().join("typst");
    std::fs::write(&fake, "#!/bin/sh\necho 'typst 0.14.2 (deadbeef)'\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    match Typst::locate(Some(&fake)) {
        Err(PdfError::WrongVersion { found, .. }) => assert_eq!(found, "typst 0.14.2 (deadbeef)"),
        other => panic!("expected WrongVersion, got {other:?}"),
    }
}

#[test]
fn diagnostics_map_to_body_lines_and_clauses() {
    let body = "// section: s\nA\n// clause: c-1\nB\nC\n";
    let stderr = "main.typ:14:3: error: unknown variable: x\n  hint: if you meant to use subtraction, add spaces\nwarning: something global\n/x/main.typ:2:1: error: in template\n";
    let d = parse_diagnostics(stderr, 10, body);
    assert_eq!(d.len(), 3);
    assert_eq!(
        (d[0].line, d[0].column, d[0].body_line),
        (Some(14), Some(3), Some(4))
    );
    assert_eq!(d[0].clause.as_deref(), Some("c-1"));
    assert!(d[0].message.contains("hint: if you meant"));
    assert_eq!((d[1].severity.as_str(), d[1].line), ("warning", None));
    assert_eq!((d[2].body_line, d[2].clause.as_deref()), (None, None));
}

#[test]
fn main_typ_appends_end_of_body_when_missing() {
    let (main, offset) = main_typ("Hello\\.");
    assert!(main.starts_with(AGREEMENT_TEMPLATE));
    assert_eq!(main.lines().nth(offset), Some("Hello\\."));
    assert!(main.trim_end().ends_with("#dp-end-of-body();"));
    let (main, _) = main_typ("A\n#dp-end-of-body();\nB");
    assert_eq!(main.matches("#dp-end-of-body();").count(), 1);
}

// ---------------------------------------------------------------------------
// With the real typst

#[test]
fn hostile_strings_render_literally() {
    let Some(typst) = typst() else { return };
    let (opts, _fonts) = options();
    let hostile = [
        "= heading",
        "== also heading",
        "- item",
        "+ item",
        "/ Term: def",
        "1. first",
        "// comment",
        "/* block */ and */ stray",
        "#read(\"x\")",
        "#include \"x\"",
        "#import \"@preview/x:0.1.0\": *",
        "#let x = 1",
        "$x^2$ and $5",
        "<label> and @ref and @me.x",
        "`raw` and ```more```",
        "back\\slash \\u{41} \\",
        "unbalanced ] bracket [ and { brace }",
        "a ~ b",
        "3--5 --- -1 -? ...",
        "http://x.org/a_b*c and https://y.z/(a)]",
        "*bold* _emph_ 'single' \"double\"",
        "ACME_Corp #1 $5 100% & co; .field (call)",
        "شركة البيانات المفتوحة",
        "የኢትዮጵያ ስታቲስቲክስ አገልግሎት",
        "राष्ट्रीय सांख्यिकी कार्यालय",
        "国际移民组织数据研究所",
        "Министерство здравоохранения",
        "bidi: \u{202B}مرحبا\u{202C} end",
    ];
    let mut md = String::from("## Hostile {#hostile}\n\n");
    for (i, h) in hostile.iter().enumerate() {
        md.push_str(&format!("MARK{i}START {} MARK{i}END\n\n", md_escape(h)));
    }
    let typ = markdown_to_typst(&md).unwrap();
    let body = format!("{PLAIN_PAGES}{typ}");
    let dir = out_dir();
    let pdf = dir.path().join("hostile.pdf");
    typst
        .compile(&body, &sample_meta(PdfStatus::Final), &opts, &pdf)
        .unwrap();
    let Some(text) = pdftotext(&pdf) else {
        eprintln!("note: pdftotext not installed; only compilation was checked");
        return;
    };
    let text = strip_ws(&text);
    for (i, h) in hostile.iter().enumerate() {
        let start = format!("MARK{i}START");
        let end = format!("MARK{i}END");
        let got = text
            .split_once(&start)
            .and_then(|(_, rest)| rest.split_once(&end))
            .map(|(mid, _)| mid.to_owned())
            .unwrap_or_else(|| panic!("markers for {h:?} not found in:\n{text}"));
        let want = strip_ws(&h.replace(['\u{202B}', '\u{202C}'], ""));
        if h.chars().any(|c| ('\u{0600}'..='\u{097F}').contains(&c)) {
            // pdftotext may emit right-to-left runs in visual order and
            // repeat Devanagari clusters around a reph: compare the distinct
            // characters, not their order or count.
            let set = |s: &str| {
                let mut v: Vec<char> = s
                    .chars()
                    .filter(|c| !('\u{200E}'..='\u{202E}').contains(c))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            assert_eq!(set(&got), set(&want), "{h:?} came out as {got:?}");
        } else {
            assert_eq!(got, want, "{h:?} came out as {got:?}");
        }
    }
}

#[test]
fn arbitrary_text_compiles_and_extracts_literally() {
    let Some(typst) = typst() else { return };
    let (opts, _fonts) = options();
    let mut runner = TestRunner::new(Config::default());
    let strategy = text_strategy();
    let cases: Vec<String> = (0..120)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let mut md = String::new();
    for (i, s) in cases.iter().enumerate() {
        md.push_str(&format!("QQ{i}Q {} QQ{i}E\n\n", md_escape(s)));
    }
    let typ = markdown_to_typst(&md).unwrap();
    let dir = out_dir();
    let pdf = dir.path().join("prop.pdf");
    typst
        .compile(
            &format!("{PLAIN_PAGES}{typ}"),
            &sample_meta(PdfStatus::Final),
            &opts,
            &pdf,
        )
        .unwrap_or_else(|e| panic!("{e}\n--- markdown ---\n{md}"));
    let Some(text) = pdftotext(&pdf) else { return };
    let text = strip_ws(&text);
    for (i, s) in cases.iter().enumerate() {
        let got = text
            .split_once(&format!("QQ{i}Q"))
            .and_then(|(_, rest)| rest.split_once(&format!("QQ{i}E")))
            .map(|(mid, _)| mid.to_owned());
        assert_eq!(
            got.as_deref(),
            Some(strip_ws(s).as_str()),
            "case {i}: {s:?}"
        );
    }
}

#[test]
fn same_inputs_give_identical_pdfs() {
    let Some(typst) = typst() else { return };
    let (opts, _fonts) = options();
    let typ = markdown_to_typst(&sample_markdown(2)).unwrap();
    let meta = sample_meta(PdfStatus::Draft);
    let dir = out_dir();
    let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    typst.compile(&typ, &meta, &opts, &a).unwrap();
    // A fresh font staging directory (another path) must not matter either.
    let (opts, _fonts2) = options();
    typst.compile(&typ, &meta, &opts, &b).unwrap();
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.starts_with(b"%PDF-"));
    assert!(a == b, "two compiles differ");
    // Metadata carries title, parties and reference.
    let raw = String::from_utf8_lossy(&a);
    assert!(
        raw.contains("DSA-2026-001"),
        "reference missing from PDF metadata"
    );
}

#[test]
fn compile_errors_name_the_clause_and_leave_no_pdf() {
    let Some(typst) = typst() else { return };
    let (opts, _fonts) = options();
    let typ =
        markdown_to_typst("## S {#sec-s}\n\nIntro.\n\n### C {#clause-broken}\n\nFine text.\n")
            .unwrap();
    // Inject invalid Typst inside the clause (cannot come from Markdown).
    let typ = typ.replace("Fine text\\.", "Fine #undefined-function(); text");
    let dir = out_dir();
    let pdf = dir.path().join("never.pdf");
    match typst.compile(&typ, &sample_meta(PdfStatus::Final), &opts, &pdf) {
        Err(PdfError::Compile { diagnostics, .. }) => {
            assert!(!diagnostics.is_empty());
            let d = &diagnostics[0];
            assert_eq!(d.clause.as_deref(), Some("clause-broken"), "{d:?}");
            assert!(d.message.contains("undefined-function"), "{d:?}");
            let body_line = d.body_line.unwrap();
            assert!(
                typ.lines()
                    .nth(body_line - 1)
                    .unwrap()
                    .contains("#undefined-function")
            );
            assert_eq!(
                clause_at_line(&typ, body_line).as_deref(),
                Some("clause-broken")
            );
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn package_imports_fail_fast_without_network() {
    let Some(typst) = typst() else { return };
    let (opts, _fonts) = options();
    let dir = out_dir();
    let t = std::time::Instant::now();
    let r = typst.compile(
        "#import \"@preview/tablex:0.0.9\": *\n",
        &sample_meta(PdfStatus::Final),
        &opts,
        &dir.path().join("x.pdf"),
    );
    assert!(matches!(r, Err(PdfError::Compile { .. })), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(20));
}

#[test]
fn runaway_documents_are_stopped() {
    let Some(typst) = typst() else { return };
    let dir = out_dir();
    let meta = sample_meta(PdfStatus::Final);
    let (mut opts, _fonts) = options();
    opts.timeout = Duration::from_secs(2);
    let t = std::time::Instant::now();
    let r = typst.compile(
        "#for i in range(100000) { for j in range(100000) {} }\n",
        &meta,
        &opts,
        &dir.path().join("t.pdf"),
    );
    assert!(matches!(r, Err(PdfError::Timeout(_))), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(10));

    let (mut opts, _fonts) = options();
    opts.memory_limit = 512 << 20;
    let r = typst.compile(
        "#let x = \"a\" * 4000000000\n#x.len()\n",
        &meta,
        &opts,
        &dir.path().join("m.pdf"),
    );
    assert!(
        matches!(
            r,
            Err(PdfError::Killed { .. }) | Err(PdfError::Compile { .. })
        ),
        "{r:?}"
    );
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn metadata_values_render_literally_and_pdfa_works() {
    let Some(typst) = typst() else { return };
    let mut meta = sample_meta(PdfStatus::Final);
    meta.title = "= Title #read(\"/etc/passwd\") $x$ <l> @r // c *b* _e_".into();
    meta.parties[0].legal_name = "ACME_Corp [Ltd] #1 \\u{41}".into();
    let typ = markdown_to_typst("Body text.").unwrap();
    let dir = out_dir();
    let pdf = dir.path().join("meta.pdf");
    let (mut opts, _fonts) = options();
    opts.pdfa = true;
    typst.compile(&typ, &meta, &opts, &pdf).unwrap();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes).contains("pdfaid"),
        "no PDF/A identification"
    );
    let Some(text) = pdftotext(&pdf) else { return };
    let text = strip_ws(&text);
    assert!(text.contains(&strip_ws(&meta.title)), "{text}");
    assert!(
        text.contains(&strip_ws(&meta.parties[0].legal_name)),
        "{text}"
    );
}
