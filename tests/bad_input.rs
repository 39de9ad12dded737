//! Hostile and broken configs: every file in `tests/bad-configs/` must make
//! `datapact generate --format md --diagnostic-format short` exit 2 without panicking, write no
//! output folder, and print a diagnostic with the expected code at exactly `file:line:column`.
//!
//! Each corpus file starts with `# expect: <code> at <line>:<column>`. Inputs that cannot be
//! committed as small text files (a file over the size limit, UTF-16) are generated here.

use std::path::{Path, PathBuf};
use std::process::Command;

const STARTER: &str = include_str!("../src/starter.toml");

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-configs")
}

/// `(code, line, column)` from the first line of a corpus file.
fn expectation(bytes: &[u8]) -> Option<(String, usize, usize)> {
    let first = bytes.split(|b| *b == b'\n').next()?;
    let first = std::str::from_utf8(first).ok()?.trim_end_matches('\r');
    let rest = first.strip_prefix("# expect: ")?;
    let (code, at) = rest.split_once(" at ")?;
    let (line, col) = at.split_once(':')?;
    Some((
        code.trim().to_owned(),
        line.parse().ok()?,
        col.parse().ok()?,
    ))
}

/// Run generate on `config`; check exit 2, no panic, no output, and a diagnostic with `code`
/// at `line:col`. Returns a description of what went wrong, if anything.
fn check(config: &Path, code: &str, line: usize, col: usize) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out_dir = tmp.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_datapact"))
        .args([
            "generate",
            "--format",
            "md",
            "--diagnostic-format",
            "short",
            "-o",
        ])
        .arg(&out_dir)
        .arg(config)
        .output()
        .map_err(|e| format!("cannot run datapact: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let name = config.display();
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Err(format!("{name}: panic:\n{stderr}"));
    }
    if out.status.code() != Some(2) {
        return Err(format!(
            "{name}: exit {:?}, expected 2:\n{stderr}",
            out.status.code()
        ));
    }
    if out_dir.exists() {
        return Err(format!("{name}: an output folder was created"));
    }
    let prefix = format!("{}:{line}:{col}: error[{code}]: ", config.display());
    if !stderr.lines().any(|l| l.starts_with(&prefix)) {
        return Err(format!(
            "{name}: expected a line starting `{prefix}`, got:\n{stderr}"
        ));
    }
    Ok(())
}

/// Run checks on two threads (the machine is shared) and report every failure at once.
fn check_all(cases: Vec<(PathBuf, String, usize, usize)>) {
    let cases = std::sync::Mutex::new(cases);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let Some((path, code, line, col)) = cases.lock().unwrap().pop() else {
                        break;
                    };
                    if let Err(e) = check(&path, &code, line, col) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn corpus_of_bad_configs() {
    let mut cases = Vec::new();
    let mut codes = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(corpus_dir()).expect("tests/bad-configs") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read corpus file");
        let (code, line, col) = expectation(&bytes).unwrap_or_else(|| {
            panic!(
                "{}: first line must be `# expect: <code> at <line>:<column>`",
                path.display()
            )
        });
        codes.insert(code.clone());
        cases.push((path, code, line, col));
    }
    assert!(cases.len() >= 50, "only {} bad configs", cases.len());
    for code in [
        "config::syntax",
        "config::wrong-type",
        "config::unknown-key",
        "config::missing-field",
        "config::unknown-reference",
        "config::duplicate-id",
        "config::bad-date",
        "config::impossible-date",
        "config::bad-duration",
        "config::bad-country",
        "config::forbidden-character",
        "config::encoding",
    ] {
        assert!(codes.contains(code), "no corpus file expects {code}");
    }
    check_all(cases);
}

/// Files generated here: too large, UTF-16 with a byte-order mark (both byte orders), and a
/// file that is only a UTF-16 BOM.
#[test]
fn generated_bad_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();

    // Over 4 MiB: a valid config padded with a very long description.
    let big = tmp.path().join("huge.toml");
    let pad = "x".repeat(datapact::load::MAX_CONFIG_BYTES + 1);
    let text = STARTER.replacen(
        "description = \"Weekly counts",
        &format!("description = \"{pad} Weekly counts"),
        1,
    );
    assert!(text.len() > 4 * 1024 * 1024);
    std::fs::write(&big, &text).unwrap();
    cases.push((big, "config::too-large".to_owned(), 1, 1));

    // UTF-16 little- and big-endian with BOM: the first invalid byte is the BOM itself.
    let utf16: Vec<u16> = STARTER.encode_utf16().collect();
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(utf16.iter().flat_map(|u| u.to_le_bytes()))
        .collect();
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(utf16.iter().flat_map(|u| u.to_be_bytes()))
        .collect();
    for (name, bytes) in [
        ("utf16le.toml", le),
        ("utf16be.toml", be),
        ("bom-only.toml", vec![0xFF, 0xFE]),
    ] {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        cases.push((p, "config::encoding".to_owned(), 1, 1));
    }

    // Latin-1 on the second line, after a UTF-8 first line: the column counts characters.
    let p = tmp.path().join("latin1-after-utf8.toml");
    let mut bytes = "# Société\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"[agreement]\ntitle = \"Soci\xe9t\xe9\"\n");
    std::fs::write(&p, bytes).unwrap();
    cases.push((p, "config::encoding".to_owned(), 3, 14));

    // An empty file, and a file of nothing but a UTF-8 BOM: a missing [agreement] at 1:1.
    for (name, bytes) in [
        ("empty.toml", Vec::new()),
        ("utf8-bom-only.toml", vec![0xEF, 0xBB, 0xBF]),
    ] {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        cases.push((p, "config::missing-field".to_owned(), 1, 1));
    }
    check_all(cases);
}

/// What is not broken must not be rejected: a UTF-8 BOM and CRLF line endings are fine.
#[test]
fn utf8_bom_and_crlf_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let bom = tmp.path().join("bom.toml");
    std::fs::write(&bom, format!("\u{feff}{STARTER}")).unwrap();
    let crlf = tmp.path().join("crlf.toml");
    std::fs::write(&crlf, STARTER.replace('\n', "\r\n")).unwrap();
    for config in [&bom, &crlf] {
        let out_dir = tmp.path().join(config.file_stem().unwrap());
        let out = Command::new(env!("CARGO_BIN_EXE_datapact"))
            .args(["generate", "--format", "md", "-o"])
            .arg(&out_dir)
            .arg(config)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out_dir.join("DSA-2026-001.md").is_file());
    }
}

/// A CRLF file still points at the right line and column.
#[test]
fn crlf_positions() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("crlf-bad.toml");
    let text = STARTER
        .replacen("country = \"BE\"", "country = \"UK\"", 1)
        .replace('\n', "\r\n");
    let line = text[..text.find("\"UK\"").unwrap()].matches('\n').count() + 1;
    std::fs::write(&p, text).unwrap();
    check_all(vec![(p, "config::bad-country".to_owned(), line, 11)]);
}

/// A path that is not a readable file is an error (exit 2) naming the path, not a panic.
#[test]
fn unreadable_paths() {
    let tmp = tempfile::tempdir().unwrap();
    for path in [tmp.path().join("missing.toml"), tmp.path().to_path_buf()] {
        let out = Command::new(env!("CARGO_BIN_EXE_datapact"))
            .args([
                "generate",
                "--format",
                "md",
                "--diagnostic-format",
                "short",
                "-o",
            ])
            .arg(tmp.path().join("out"))
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("[io::read]") && stderr.contains(&path.display().to_string()),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!tmp.path().join("out").exists());
    }
}
