//! Typeset PDF agreements (issue "Typeset PDF agreements"): every script a party may write its
//! name in reaches the PDF with a real glyph, a character no font covers stops the build,
//! arbitrary party names stay literal in the Markdown and the PDF, a missing typst is one
//! line that says how to install it, PDF/A, no Typst package imports, metadata and
//! provenance, and the draft marking.
//!
//! Needs typst 0.15.1, the Noto fonts and poppler-utils (`bash .ci/setup`). Each typst run
//! costs a few seconds, so the PDFs that several tests inspect are generated once.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::LazyLock;

use assert_cmd::Command;
use datapact::build;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// `datapact init`'s starter config: it generates as is (a draft with two parties).
const STARTER: &str = include_str!("../src/starter.toml");
/// Parties in Arabic, Persian, Pashto, Tigrinya, Amharic, Ukrainian, Nepali and Chinese.
const SCRIPTS: &str = "tests/fixtures/scripts/multiscript.toml";
const INSTALL_HINT: &str = "cargo install --locked typst-cli --version 0.15.1";

// ---------------------------------------------------------------------------
// Helpers

fn datapact() -> Command {
    let mut c = Command::cargo_bin("datapact").unwrap();
    // The PDF date comes from the effective date unless this is set.
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

/// Whether a tool can be started at all (poppler's tools have `-v`, not `--version`).
fn have(tool: &str) -> bool {
    StdCommand::new(tool).arg("-v").output().is_ok()
}

fn need_tools() {
    let typst_ok = datapact::pdf::Typst::locate(None).is_ok();
    assert!(
        typst_ok && have("pdftotext") && have("pdfinfo"),
        "typst 0.15.1 and poppler-utils are needed: run `bash .ci/setup`"
    );
}

/// A fresh folder under cargo's scratch directory for integration tests.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("pdf-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `text` with `from` replaced by `to`, failing when `from` is not there (so a changed
/// starter cannot make a test silently test nothing).
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the config no longer contains {from:?}"
    );
    text.replacen(from, to, 1)
}

/// A TOML basic string holding `s`.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The text of a PDF, one string per page (pdftotext separates pages with form feeds).
/// `raw` keeps content-stream order, which keeps a rotated watermark's letters together.
fn pdf_pages(pdf: &Path, raw: bool) -> Vec<String> {
    let mut cmd = StdCommand::new("pdftotext");
    cmd.args(["-enc", "UTF-8"]);
    if raw {
        cmd.arg("-raw");
    }
    let out = cmd.arg(pdf).arg("-").output().expect("pdftotext");
    assert!(
        out.status.success(),
        "pdftotext {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("pdftotext writes UTF-8");
    let mut pages: Vec<String> = text.split('\u{0C}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// `pdfinfo`'s fields (Title, Author, Keywords, Pages, …).
fn pdfinfo(pdf: &Path) -> BTreeMap<String, String> {
    let out = StdCommand::new("pdfinfo")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .output()
        .expect("pdfinfo");
    assert!(out.status.success(), "pdfinfo {}", pdf.display());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// Without any whitespace: extraction splits lines and puts spaces between runs of different
/// fonts ("27号" comes out "27 号").
fn nows(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Scripts whose clusters pdftotext does not give back in logical order (Devanagari
/// conjuncts and pre-base vowels: "अनुसन्धान" may come out "अनुनुसन्धान").
fn is_indic(c: char) -> bool {
    matches!(c as u32, 0x0900..=0x0DFF)
}

/// Direction marks and embeddings that extraction adds around right-to-left runs; joiners,
/// which extraction moves.
fn is_format_mark(c: char) -> bool {
    matches!(c as u32, 0x200C..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
}

/// Whether extracted text shows `s`. Right-to-left and Indic text is reordered by extraction
/// (and the Arabic ligature of "الله" comes back decomposed), so for those every character
/// must appear; other text must appear whole (whitespace aside).
fn shows(text: &str, s: &str) -> bool {
    if s.chars().any(|c| is_rtl(c) || is_indic(c)) {
        let present: HashSet<char> = text.chars().collect();
        s.chars()
            .filter(|c| !c.is_whitespace() && !is_format_mark(*c))
            .all(|c| present.contains(&c))
    } else {
        nows(text).contains(&nows(s))
    }
}

/// One `datapact generate` run, kept for the tests that inspect its output.
struct Generated {
    dir: PathBuf,
    pdf: PathBuf,
    md: PathBuf,
    /// pdftotext per page, reading order.
    pages: Vec<String>,
    /// pdftotext per page, content-stream order.
    raw_pages: Vec<String>,
}

fn generate(config: &Path, name: &str, extra: &[&str]) -> Generated {
    need_tools();
    let dir = scratch(name);
    let out = datapact()
        .arg("generate")
        .arg(config)
        .arg("-o")
        .arg(&dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "generate {}: {}",
        config.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let p = build::build_file(config, None).unwrap_or_else(|d| panic!("{d:#?}"));
    let reference = p.model.config().agreement.reference.clone();
    let pdf = dir.join(format!("{reference}.pdf"));
    let md = dir.join(format!("{reference}.md"));
    assert!(pdf.is_file(), "no {}", pdf.display());
    Generated {
        pages: pdf_pages(&pdf, false),
        raw_pages: pdf_pages(&pdf, true),
        dir,
        pdf,
        md,
    }
}

/// The multi-script fixture, as a draft PDF.
/// With `--emit-typ`, it also writes the exact Typst input (`<reference>.typ`, `.meta.json`).
static SCRIPTS_PDF: LazyLock<Generated> =
    LazyLock::new(|| generate(Path::new(SCRIPTS), "scripts", &["--emit-typ"]));

/// An example whose status is final and that `check` passes (a final agreement with errors
/// is refused).
static FINAL_PDF: LazyLock<Generated> = LazyLock::new(|| {
    let mut examples: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    examples.sort();
    let final_one = examples
        .into_iter()
        .find(|ex| {
            build::build_file(ex, None).is_ok_and(|p| {
                p.model.config().agreement.status == datapact::config::Status::Final
                    && p.final_refusal().is_none()
            })
        })
        .expect("an example with status final and no check errors");
    generate(&final_one, "final", &[])
});

// ---------------------------------------------------------------------------
// (a) Every script reaches the PDF

#[test]
fn parties_written_in_eight_scripts_reach_the_pdf_text_in_their_own_fonts() {
    let g = &*SCRIPTS_PDF;
    let p = build::build_file(Path::new(SCRIPTS), None).unwrap();
    let cfg = p.model.config();

    // The fixture really holds each script, including the letters that set Persian, Pashto
    // and Tigrinya apart from Arabic and Amharic.
    let names: String = cfg
        .parties
        .iter()
        .map(|p| format!("{} {} ", p.legal_name, p.address))
        .collect();
    for (script, probe) in [
        ("Arabic", "ة"),
        ("Persian", "پژ"),
        ("Pashto", "ټډړښځڅګۍې"),
        ("Tigrinya", "ቐ"),
        ("Ge'ez", "ኢትዮጵያ"),
        ("Cyrillic", "Київ"),
        ("Devanagari", "नेपाल"),
        ("Chinese", "北京"),
    ] {
        assert!(
            probe.chars().all(|c| names.contains(c)),
            "the fixture lost its {script} text ({probe})"
        );
    }

    let text = g.pages.join("\n");
    for party in &cfg.parties {
        assert!(
            shows(&text, &party.legal_name),
            "legal name {:?} is not in the PDF text",
            party.legal_name
        );
        assert!(
            shows(&text, &party.address),
            "address {:?} is not in the PDF text",
            party.address
        );
        for s in &party.signatories {
            assert!(
                shows(&text, &s.name),
                "signatory {:?} is not in the PDF text",
                s.name
            );
            assert!(
                shows(&text, &s.title),
                "signatory title {:?} is not in the PDF text",
                s.title
            );
        }
    }
    // The title page alone lists every party.
    for party in &cfg.parties {
        assert!(
            shows(&g.pages[0], &party.legal_name),
            "title page: {:?}",
            party.legal_name
        );
    }

    // Each script was set in the font chosen for it (not typst's fallback to nothing).
    let fonts = StdCommand::new("pdffonts")
        .arg(&g.pdf)
        .output()
        .expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    for family in [
        "NotoNaskhArabic",
        "NotoSerifEthiopic",
        "NotoSerifDevanagari",
        "NotoSerifCJK",
        "LibertinusSerif",
    ] {
        assert!(fonts.contains(family), "{family} is not embedded:\n{fonts}");
    }

    // The first page, for a person to look at (`target/tmp/pdf-tests/scripts/page-1.png`).
    let png = g.dir.join("page");
    let st = StdCommand::new("pdftoppm")
        .args(["-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&g.pdf)
        .arg(&png)
        .output()
        .expect("pdftoppm");
    assert!(st.status.success());
    assert!(
        std::fs::metadata(png.with_extension("png")).unwrap().len() > 10_000,
        "page 1 renders to an almost empty image"
    );
}

// ---------------------------------------------------------------------------
// (b) A character no font covers

#[test]
fn a_character_no_font_covers_fails_naming_the_field_and_writes_nothing() {
    need_tools();
    let dir = tempfile::tempdir().unwrap();
    // An Egyptian hieroglyph in the first party's name, Linear B in the second's address.
    let cfg = replace_once(
        STARTER,
        r#"legal_name = "Example Telecom S.A.""#,
        "legal_name = \"Example \u{13000} Telecom S.A.\"",
    );
    let cfg = replace_once(
        &cfg,
        r#"address = "2 Example Street, 9000 Ghent""#,
        "address = \"2 Example Street \u{10000}, 9000 Ghent\"",
    );
    let path = dir.path().join("glyphless.toml");
    std::fs::write(&path, cfg).unwrap();
    let out_dir = dir.path().join("out");
    let out = datapact()
        .arg("generate")
        .arg(&path)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for needle in [
        "parties[0].legal_name",
        "U+13000",
        "\u{13000}",
        "parties[1].address",
        "U+10000",
        "DATAPACT_FONT_PATH",
    ] {
        assert!(
            stderr.contains(needle),
            "stderr lacks {needle:?}:\n{stderr}"
        );
    }
    let written: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        written
            .iter()
            .all(|p| p.extension().is_none_or(|e| e != "pdf")),
        "a PDF was written: {written:?}"
    );
    assert!(
        written.is_empty(),
        "an agreement that cannot be typeset writes nothing: {written:?}"
    );
}

// ---------------------------------------------------------------------------
// (c) Arbitrary party names stay literal

/// Pieces of names: ASCII letters, digits and every ASCII punctuation character, letters
/// with diacritics, Greek, Cyrillic, Hebrew and Arabic (right-to-left), Ethiopic,
/// Devanagari consonants, CJK and typographic punctuation.
fn name_piece() -> impl Strategy<Value = String> {
    const UNICODE: &[&str] = &[
        "é", "ü", "ß", "Ł", "ñ", "ç", "ø", "œ", "Ω", "λ", "Ж", "ї", "щ", "ש", "ל", "ח", "ع", "ر",
        "ب", "ي", "پ", "ش", "中", "文", "字", "ሀ", "መ", "ቐ", "क", "न", "म", "“", "”", "‘", "’",
        "–", "—", "…", "€", "§", "©", "°", "½",
    ];
    prop_oneof![
        3 => "[A-Za-z]{1,7}",
        1 => "[0-9]{1,4}",
        3 => "[!-/:-@\\[-`{-~]{1,3}",
        3 => prop::collection::vec(prop::sample::select(UNICODE), 1..4).prop_map(|v| v.concat()),
    ]
}

/// A one-line name of up to six pieces, some glued together, some separated by a space.
fn party_name() -> impl Strategy<Value = String> {
    prop::collection::vec((name_piece(), any::<bool>()), 1..7).prop_map(|parts| {
        let mut s = String::new();
        for (piece, space) in parts {
            if space && !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&piece);
        }
        s
    })
}

/// The kinds of block and inline elements, in document order: what a value could change if
/// it were read as Markdown.
fn structure(md: &str) -> Vec<String> {
    Parser::new_ext(md, datapact::render::markdown_options())
        .filter_map(|e| match e {
            Event::Start(tag) => Some(
                format!("{tag:?}")
                    .split(|c: char| !c.is_alphanumeric())
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            ),
            Event::Html(_) | Event::InlineHtml(_) => Some("html".to_owned()),
            Event::FootnoteReference(_) => Some("footnote".to_owned()),
            _ => None,
        })
        .collect()
}

/// The plain text of every bold span, heading and table cell.
fn literal_texts(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    for e in Parser::new_ext(md, datapact::render::markdown_options()) {
        match e {
            Event::Start(Tag::Strong | Tag::Heading { .. } | Tag::TableCell) => {
                stack.push(String::new())
            }
            Event::End(TagEnd::Strong | TagEnd::Heading(_) | TagEnd::TableCell) => {
                out.push(stack.pop().unwrap_or_default())
            }
            Event::Text(t) | Event::Code(t) => stack.iter_mut().for_each(|s| s.push_str(&t)),
            Event::SoftBreak | Event::HardBreak => stack.iter_mut().for_each(|s| s.push(' ')),
            _ => {}
        }
    }
    out
}

/// The starter with four more parties, named `names` in order (the first two replace the
/// starter's own names).
fn config_with_names(names: &[String]) -> String {
    let mut cfg = replace_once(
        STARTER,
        r#"legal_name = "Example Telecom S.A.""#,
        &format!("legal_name = {}", toml_str(&names[0])),
    );
    cfg = replace_once(
        &cfg,
        r#"legal_name = "Example Migration Research Institute""#,
        &format!("legal_name = {}", toml_str(&names[1])),
    );
    let mut extra = String::new();
    for (i, n) in names.iter().enumerate().skip(2) {
        extra.push_str(&format!(
            "\n[[parties]]\nid = \"extra{i}\"\nlegal_name = {}\nkind = \"ngo\"\ncountry = \"BE\"\naddress = \"{i} Rue Exemple, 1000 Brussels\"\ncontact = {{ name = \"Office\", email = \"office{i}@ngo.example\" }}\nsignatories = [{{ name = \"C. Example\", title = \"Director\" }}]\n",
            toml_str(n)
        ));
    }
    // Parties must come before the tables that follow them in the starter.
    replace_once(&cfg, "\n[[purposes]]", &format!("{extra}\n[[purposes]]"))
}

const PROP_PARTIES: usize = 6;

proptest! {
    // Each case is one `datapact generate` (six names, one typst run): few cases (set
    // PROPTEST_CASES for a longer search), little shrinking, and no regression file written
    // into the source tree (a failure prints the names).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2),
        max_shrink_iters: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_party_names_come_out_literally_in_markdown_and_pdf(
        names in prop::collection::vec(party_name(), PROP_PARTIES)
            .prop_filter("distinct names", |v| v.iter().collect::<HashSet<_>>().len() == v.len())
    ) {
        let fonts = datapact::pdf::FontSet::discover().expect("fonts: run `bash .ci/setup`");
        for n in &names {
            prop_assert!(n.chars().all(|c| fonts.covers(c)), "the strategy made a name no font covers: {n:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("names.toml");
        std::fs::write(&path, config_with_names(&names)).unwrap();
        let plain: Vec<String> = (0..PROP_PARTIES).map(|i| format!("Plain Party {i}")).collect();
        let plain_path = dir.path().join("plain.toml");
        std::fs::write(&plain_path, config_with_names(&plain)).unwrap();

        let out = datapact().arg("generate").arg(&path).arg("-o").arg(dir.path()).output().unwrap();
        prop_assert!(out.status.success(), "generate failed for {names:?}:\n{}", String::from_utf8_lossy(&out.stderr));
        let md = std::fs::read_to_string(dir.path().join("DSA-2026-001.md")).unwrap();

        // Markdown: the names change no structure, and each is the whole text of a bold span
        // (the parties list) and of a heading or table cell (the annexes).
        let plain_md = build::build_file(&plain_path, None).unwrap().rendered.markdown;
        prop_assert_eq!(structure(&md), structure(&plain_md), "a name changed the Markdown structure: {:?}", names);
        let texts = literal_texts(&md);
        let plain_texts = literal_texts(&plain_md);
        for (n, p) in names.iter().zip(&plain) {
            let count = |ts: &[String], s: &str| ts.iter().filter(|t| t.as_str() == s).count();
            prop_assert!(count(&texts, n) > 0, "{n:?} is not the literal text of any bold span, heading or cell");
            // At least as often: a name may also equal other text of the document (a piece
            // such as "Date" or "Name" is also a table cell), never less.
            prop_assert!(count(&texts, n) >= count(&plain_texts, p), "{n:?} appears literally less often than a plain name: {names:?}");
        }

        // PDF: on the title page, and in the body (the annexes) as well as on the cover.
        let pages = pdf_pages(&dir.path().join("DSA-2026-001.pdf"), false);
        let all = pages.join("\n");
        for n in &names {
            prop_assert!(shows(&pages[0], n), "{n:?} is not on the title page:\n{}", pages[0]);
            if !n.chars().any(|c| is_rtl(c) || is_indic(c)) {
                let occurrences = nows(&all).matches(&nows(n)).count();
                prop_assert!(occurrences >= 3, "{n:?} appears {occurrences} times in the PDF text (cover, body, signatures expected)");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// (d) typst missing

#[test]
fn missing_typst_is_one_line_naming_the_install_command_and_markdown_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("starter.toml");
    std::fs::write(&cfg, STARTER).unwrap();
    let empty_home = dir.path().join("home");
    std::fs::create_dir(&empty_home).unwrap();

    // How typst goes missing: a wrong --typst, a wrong DATAPACT_TYPST, or none on PATH.
    let set = |c: &mut Command, how: &str| {
        match how {
            "--typst" => c.args(["--typst", "/nonexistent"]),
            "DATAPACT_TYPST" => c.env("DATAPACT_TYPST", "/nonexistent"),
            _ => c
                .env_remove("DATAPACT_TYPST")
                .env("PATH", "/usr/bin:/bin")
                .env("HOME", &empty_home)
                .env("CARGO_HOME", &empty_home),
        };
    };
    for how in ["--typst", "DATAPACT_TYPST", "not on PATH"] {
        if how == "not on PATH"
            && ["/usr/bin/typst", "/bin/typst"]
                .iter()
                .any(|p| Path::new(p).exists())
        {
            continue;
        }
        let out_dir = dir.path().join(format!("out-{}", how.replace(' ', "-")));
        let mut cmd = datapact();
        cmd.arg("generate").arg(&cfg).arg("-o").arg(&out_dir);
        set(&mut cmd, how);
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{how}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{how}: one line expected:\n{stderr}");
        assert!(lines[0].contains(INSTALL_HINT), "{how}: {stderr}");
        if how != "not on PATH" {
            assert!(
                lines[0].contains("/nonexistent"),
                "{how}: says what was tried: {stderr}"
            );
        }
        assert!(
            !out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none(),
            "{how}: wrote files"
        );

        // Markdown needs no typst.
        let mut cmd = datapact();
        cmd.arg("generate")
            .arg(&cfg)
            .arg("-o")
            .arg(&out_dir)
            .args(["--format", "md"]);
        set(&mut cmd, how);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{how}: --format md: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out_dir.join("DSA-2026-001.md").is_file(),
            "{how}: no Markdown"
        );
        assert!(
            !out_dir.join("DSA-2026-001.pdf").exists(),
            "{how}: a PDF without typst?"
        );
    }
}

// ---------------------------------------------------------------------------
// (e) PDF/A

/// The XMP metadata packet of a PDF (the catalog's /Metadata stream).
fn xmp(pdf: &Path) -> String {
    let doc = lopdf::Document::load(pdf).expect("a PDF lopdf can read");
    let id = doc
        .catalog()
        .unwrap()
        .get(b"Metadata")
        .and_then(|m| m.as_reference())
        .expect("a /Metadata stream");
    let stream = doc.get_object(id).unwrap().as_stream().unwrap();
    String::from_utf8_lossy(
        &stream
            .get_plain_content()
            .unwrap_or_else(|_| stream.content.clone()),
    )
    .into_owned()
}

/// `pdfaid:part` and `pdfaid:conformance`, in either XMP spelling (element or attribute).
fn pdfa_id(xmp: &str) -> Option<(String, String)> {
    let field = |name: &str| -> Option<String> {
        let tag = format!("pdfaid:{name}");
        let at = xmp.find(&tag)? + tag.len();
        let rest = xmp[at..].trim_start_matches(['>', '=', '"', '\'', ' ']);
        Some(
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect(),
        )
    };
    Some((field("part")?, field("conformance")?))
}

#[test]
fn pdf_standard_a_2b_produces_a_pdf_a() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("starter.toml");
    std::fs::write(&cfg, STARTER).unwrap();
    let g = generate(&cfg, "pdfa", &["--pdf-standard", "a-2b"]);
    let info = pdfinfo(&g.pdf);
    let subtype_says_pdfa = info.get("PDF subtype").is_some_and(|s| s.contains("PDF/A"));
    let id = pdfa_id(&xmp(&g.pdf));
    assert!(
        subtype_says_pdfa
            || id
                .as_ref()
                .is_some_and(|(part, conf)| part == "2" && conf.eq_ignore_ascii_case("B")),
        "not PDF/A-2b: pdfinfo {info:?}, XMP pdfaid {id:?}"
    );
    // An ordinary PDF does not claim it.
    assert_eq!(
        pdfa_id(&xmp(&SCRIPTS_PDF.pdf)),
        None,
        "a PDF generated without --pdf-standard claims PDF/A"
    );
}

// ---------------------------------------------------------------------------
// (f) No Typst packages

/// Where `text` imports a Typst package (`#import "@…"`, also in code mode and with spaces).
fn package_imports(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("import") {
        let rest = text[i + "import".len()..].trim_start();
        if rest.starts_with("\"@") {
            found.push(text[i..].lines().next().unwrap_or("").to_owned());
        }
    }
    found
}

#[test]
fn no_template_or_generated_typst_imports_a_package() {
    assert_eq!(
        package_imports("#import \"@preview/tablex:0.0.8\": tablex").len(),
        1,
        "the detector finds an import"
    );
    assert_eq!(
        package_imports("#{ import  \"@local/x:1.0.0\" }").len(),
        1,
        "the detector finds an import in code"
    );
    assert!(package_imports("#import \"util.typ\": *").is_empty());

    let mut checked = 0;
    for entry in std::fs::read_dir("templates").unwrap() {
        let path = entry.unwrap().path();
        let name = path.to_string_lossy().into_owned();
        if name.ends_with(".typ") || name.ends_with(".tera") {
            let hits = package_imports(&std::fs::read_to_string(&path).unwrap());
            assert!(hits.is_empty(), "{name} imports a package: {hits:?}");
            checked += 1;
        }
    }
    assert!(
        checked >= 2,
        "templates/ holds the Typst layout and the Markdown templates"
    );
    assert!(
        package_imports(datapact::pdf::AGREEMENT_TEMPLATE).is_empty(),
        "the built-in layout imports a package"
    );

    // The Typst generated for every example and the multi-script fixture.
    let mut configs: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    configs.push(PathBuf::from(SCRIPTS));
    for cfg in &configs {
        let p =
            build::build_file(cfg, None).unwrap_or_else(|d| panic!("{}: {d:#?}", cfg.display()));
        let body = datapact::pdf::markdown_to_typst(&format!(
            "{}\n{}",
            p.rendered.pdf_body, p.rendered.pdf_annexes
        ))
        .unwrap();
        let template = p
            .library
            .template_files
            .get("agreement.typ")
            .map(String::as_str)
            .unwrap_or(datapact::pdf::AGREEMENT_TEMPLATE);
        assert!(
            package_imports(template).is_empty(),
            "{}: the library's layout imports a package",
            cfg.display()
        );
        let (main, _) = datapact::pdf::main_typ(&body);
        let hits = package_imports(&main);
        assert!(
            hits.is_empty(),
            "{}: the generated Typst imports a package: {hits:?}",
            cfg.display()
        );
    }

    // The file typst actually compiled (written by the hidden `generate --emit-typ`).
    let emitted = std::fs::read_to_string(SCRIPTS_PDF.dir.join("DSA-SCRIPTS-001.typ"))
        .expect("--emit-typ writes <reference>.typ");
    assert!(
        emitted.contains("json(\"meta.json\")") && emitted.contains("dp-end-of-body"),
        "the emitted Typst is the layout plus the body"
    );
    assert!(
        package_imports(&emitted).is_empty(),
        "the compiled Typst imports a package: {:?}",
        package_imports(&emitted)
    );
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(SCRIPTS_PDF.dir.join("DSA-SCRIPTS-001.meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["reference"], "DSA-SCRIPTS-001");
}

// ---------------------------------------------------------------------------
// (g) Metadata and provenance

#[test]
fn pdf_metadata_carries_title_parties_reference_and_provenance() {
    let g = &*SCRIPTS_PDF;
    let p = build::build_file(Path::new(SCRIPTS), None).unwrap();
    let cfg = p.model.config();
    let info = pdfinfo(&g.pdf);
    assert_eq!(
        info.get("Title").map(String::as_str),
        Some(cfg.agreement.title.as_str())
    );
    let authors: Vec<&str> = cfg.parties.iter().map(|p| p.legal_name.as_str()).collect();
    assert_eq!(
        info.get("Author").map(String::as_str),
        Some(authors.join(", ").as_str()),
        "every party is an author, in order"
    );
    let keywords = info.get("Keywords").cloned().unwrap_or_default();
    let kw: Vec<&str> = keywords.split(", ").collect();
    assert_eq!(
        kw.first().copied(),
        Some(cfg.agreement.reference.as_str()),
        "the reference is the first keyword"
    );
    let provenance = datapact::emit::provenance(&p.model, &p.library);
    for part in provenance.split("; ") {
        assert!(
            kw.contains(&part),
            "keyword {part:?} missing from {keywords:?}"
        );
    }
    assert!(
        provenance.contains(&datapact::twin::config_hash(&p.model))
            && provenance.contains(&p.library.hash)
    );

    // The provenance line is at the foot of the last page, and only there.
    let pages = info
        .get("Pages")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap();
    assert_eq!(g.pages.len(), pages);
    assert!(
        nows(g.pages.last().unwrap()).contains(&nows(&provenance)),
        "last page lacks {provenance:?}:\n{}",
        g.pages.last().unwrap()
    );
    assert!(
        g.pages[..pages - 1]
            .iter()
            .all(|t| !t.contains("config sha256")),
        "the provenance line is on an earlier page"
    );
}

// ---------------------------------------------------------------------------
// (h) Draft and final

#[test]
fn a_draft_says_draft_on_every_page_and_a_final_nowhere() {
    let draft = &*SCRIPTS_PDF;
    for (i, page) in draft.raw_pages.iter().enumerate() {
        assert!(
            nows(page).contains("DRAFT"),
            "draft page {} has no DRAFT mark",
            i + 1
        );
    }
    assert!(draft.pages[0].contains("Draft — not for signature"));
    assert!(
        pdfinfo(&draft.pdf)["Keywords"]
            .split(", ")
            .any(|k| k == "draft")
    );

    let fin = &*FINAL_PDF;
    for (i, page) in fin.raw_pages.iter().enumerate() {
        assert!(
            !nows(page).contains("DRAFT"),
            "final page {} says DRAFT",
            i + 1
        );
        assert!(
            !page.contains("not for signature"),
            "final page {} is not for signature",
            i + 1
        );
    }
    assert!(
        fin.pages[0].contains("Final"),
        "the title page of a final agreement says Final"
    );
    assert!(
        pdfinfo(&fin.pdf)["Keywords"]
            .split(", ")
            .any(|k| k == "final")
    );
    // The Markdown of the draft is what the PDF was made from.
    assert!(draft.md.is_file() && fin.md.is_file());
}
