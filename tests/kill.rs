//! Interrupted runs and reproducible outputs.
//!
//! A `datapact batch` killed with SIGKILL part-way leaves only complete files under their final
//! names (every output is written to a hidden temporary file and renamed), and a rerun finishes
//! the job and removes temporary files a killed run left behind. The same inputs give the same
//! bytes; `SOURCE_DATE_EPOCH` changes only the PDF's dates.
//!
//! (Typst runs that hang or exhaust memory are stopped by the runner's timeout and memory
//! limit: see `runaway_documents_are_stopped` in src/pdf/tests.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const STARTER: &str = include_str!("../src/starter.toml");

fn datapact() -> Command {
    Command::new(env!("CARGO_BIN_EXE_datapact"))
}

fn typst_available() -> bool {
    let typst = std::env::var_os("DATAPACT_TYPST").unwrap_or_else(|| "typst".into());
    Command::new(typst)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `n` configs, each the starter with its own reference.
fn configs(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let path = dir.join(format!("c{i:03}.toml"));
            let text = STARTER.replacen(
                "reference = \"DSA-2026-001\"",
                &format!("reference = \"DSA-KILL-{i:03}\""),
                1,
            );
            assert_ne!(text, STARTER);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn count(dir: &Path, ext: &str) -> usize {
    files(dir)
        .iter()
        .filter(|p| {
            !is_hidden(p)
                && p.extension().is_some_and(|e| e == ext)
                && p.file_name().is_some_and(|n| n != "manifest.json")
        })
        .count()
}

/// Every visible file is complete: Markdown that ends with a newline and starts with the
/// title, JSON that parses, a PDF from `%PDF-` to `%%EOF`.
fn assert_complete(dir: &Path) {
    for p in files(dir).iter().filter(|p| !is_hidden(p)) {
        let bytes = std::fs::read(p).unwrap();
        let name = p.display();
        match p.extension().and_then(|e| e.to_str()) {
            Some("md") => {
                let text =
                    std::str::from_utf8(&bytes).unwrap_or_else(|_| panic!("{name}: not UTF-8"));
                assert!(
                    text.starts_with("# ") && text.ends_with('\n'),
                    "{name}: truncated Markdown"
                );
                let opts = datapact::render::markdown_options();
                let headings = pulldown_cmark::Parser::new_ext(text, opts)
                    .filter(|e| {
                        matches!(
                            e,
                            pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading { .. })
                        )
                    })
                    .count();
                assert!(headings > 10, "{name}: only {headings} headings");
            }
            Some("json") => {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            Some("pdf") => {
                assert!(bytes.starts_with(b"%PDF-"), "{name}: no PDF header");
                assert!(
                    bytes.trim_ascii_end().ends_with(b"%%EOF"),
                    "{name}: no %%EOF at the end"
                );
            }
            _ => panic!("unexpected file {name}"),
        }
    }
}

/// Start `batch`, SIGKILL it once `ready` holds for the output folder; whether it was killed.
fn run_and_kill(
    args: &[&str],
    inputs: &[PathBuf],
    out: &Path,
    ready: impl Fn(&Path) -> bool,
) -> bool {
    let mut child = datapact()
        .arg("batch")
        .args(args)
        .arg("-o")
        .arg(out)
        .args(inputs)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            eprintln!("note: the batch finished ({status}) before it could be killed");
            return false;
        }
        if ready(out) {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return true;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "batch made no progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What a SIGKILL during a write leaves: hidden temporary files, dated before the rerun.
fn plant_leftovers(out: &Path) -> Vec<PathBuf> {
    let planted = vec![
        out.join(".datapact-AbC123.tmp"),
        out.join(".DSA-KILL-000.pdf.XyZ789.part"),
    ];
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for p in &planted {
        std::fs::write(p, b"%PDF-1.7 half a fi").unwrap();
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
    }
    planted
}

/// Rerun to completion: exit 0, every output complete and identical to what the killed run had
/// already written, the manifest lists every agreement, no temporary file is left.
fn rerun_finishes(args: &[&str], inputs: &[PathBuf], out: &Path, exts: &[&str]) {
    let before: Vec<(PathBuf, Vec<u8>)> = files(out)
        .into_iter()
        .filter(|p| !is_hidden(p) && p.file_name().is_some_and(|n| n != "manifest.json"))
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    let planted = plant_leftovers(out);
    let run = datapact()
        .arg("batch")
        .args(args)
        .arg("-o")
        .arg(out)
        .args(inputs)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "rerun failed:\n{stderr}");
    assert_complete(out);
    for ext in exts {
        assert_eq!(
            count(out, ext),
            inputs.len(),
            "{ext} files after the rerun:\n{stderr}"
        );
    }
    for (p, bytes) in before {
        assert!(
            std::fs::read(&p).unwrap() == bytes,
            "{} differs from the rerun's",
            p.display()
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["agreements"].as_array().map(Vec::len),
        Some(inputs.len())
    );
    for p in &planted {
        assert!(!p.exists(), "{} was left behind by the rerun", p.display());
    }
    let hidden: Vec<PathBuf> = files(out).into_iter().filter(|p| is_hidden(p)).collect();
    assert!(hidden.is_empty(), "temporary files left: {hidden:?}");
}

#[test]
fn killed_markdown_batch_leaves_only_complete_files() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = configs(dir.path(), 12);
    let out = dir.path().join("out");
    let args = ["--format", "md", "--jobs", "2", "--quiet"];
    let killed = run_and_kill(&args, &inputs, &out, |o| count(o, "md") >= 4);
    assert_complete(&out);
    if killed {
        assert!(
            count(&out, "md") < inputs.len(),
            "all written before the kill"
        );
    }
    rerun_finishes(&args, &inputs, &out, &["md", "json"]);
}

#[test]
fn killed_pdf_batch_leaves_only_complete_files() {
    if !typst_available() {
        eprintln!("note: typst not installed; skipping");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inputs = configs(dir.path(), 3);
    let out = dir.path().join("out");
    let args = ["--format", "md,pdf", "--jobs", "2", "--quiet"];
    let killed = run_and_kill(&args, &inputs, &out, |o| count(o, "pdf") >= 1);
    assert_complete(&out);
    if killed {
        assert!(count(&out, "pdf") < inputs.len() || count(&out, "md") < inputs.len());
    }
    rerun_finishes(&args, &inputs, &out, &["md", "json", "pdf"]);
}

// ---------------------------------------------------------------------------
// Reproducibility

fn sha256(bytes: &[u8]) -> String {
    datapact::library::sha256_hex(bytes)
}

/// Where two PDFs of equal length differ, as (offset, length) runs.
fn differences(a: &[u8], b: &[u8]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x != y {
            match runs.last_mut() {
                Some((start, len)) if *start + *len + 8 >= i => *len = i - *start + 1,
                _ => runs.push((i, 1)),
            }
        }
    }
    runs
}

#[test]
fn same_inputs_same_bytes_and_source_date_epoch_changes_only_pdf_dates() {
    if !typst_available() {
        eprintln!("note: typst not installed; skipping");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agreement.toml");
    std::fs::write(&config, STARTER).unwrap();
    // Three runs at once (two without SOURCE_DATE_EPOCH, one with), each in its own folder.
    let runs: Vec<(PathBuf, std::process::Child)> = [None, None, Some("1700000000")]
        .iter()
        .enumerate()
        .map(|(i, epoch)| {
            let out = dir.path().join(format!("run{i}"));
            let mut cmd = datapact();
            cmd.args(["generate", "--format", "md,pdf", "-o"])
                .arg(&out)
                .arg(&config)
                .stderr(Stdio::piped());
            match epoch {
                Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
                None => cmd.env_remove("SOURCE_DATE_EPOCH"),
            };
            (out, cmd.spawn().unwrap())
        })
        .collect();
    let outs: Vec<PathBuf> = runs
        .into_iter()
        .map(|(out, child)| {
            let o = child.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            out
        })
        .collect();
    let read =
        |i: usize, ext: &str| std::fs::read(outs[i].join(format!("DSA-2026-001.{ext}"))).unwrap();
    for ext in ["md", "json", "pdf"] {
        assert_eq!(
            sha256(&read(0, ext)),
            sha256(&read(1, ext)),
            "two runs gave different {ext}"
        );
    }
    for ext in ["md", "json"] {
        assert_eq!(
            sha256(&read(0, ext)),
            sha256(&read(2, ext)),
            "SOURCE_DATE_EPOCH changed the {ext}"
        );
    }
    let (a, b) = (read(0, "pdf"), read(2, "pdf"));
    assert_ne!(
        sha256(&a),
        sha256(&b),
        "SOURCE_DATE_EPOCH did not change the PDF"
    );
    assert_eq!(a.len(), b.len());
    // Without SOURCE_DATE_EPOCH the PDF is dated with the effective date; with it, the epoch.
    let has = |pdf: &[u8], s: &str| pdf.windows(s.len()).any(|w| w == s.as_bytes());
    assert!(
        has(&a, "/CreationDate(D:20260301000000Z)"),
        "no effective-date timestamp"
    );
    assert!(
        has(&b, "/CreationDate(D:20231114221320Z)"),
        "no SOURCE_DATE_EPOCH timestamp"
    );
    // Every difference is inside a date, or the instance id typst derives from it.
    let fields: [&[u8]; 6] = [
        b"/ModDate(",
        b"/CreationDate(",
        b"<xmp:ModifyDate>",
        b"<xmp:CreateDate>",
        b"<xmpMM:InstanceID>",
        b"/ID[(",
    ];
    let rfind = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).rposition(|w| w == needle);
    for (at, len) in differences(&a, &b) {
        let context =
            String::from_utf8_lossy(&a[at.saturating_sub(60)..(at + len + 5).min(a.len())])
                .into_owned();
        let field = fields
            .iter()
            .filter_map(|f| rfind(&a[..at], f).map(|i| (i, *f)))
            .max();
        let ok = field.is_some_and(|(i, f)| {
            let value_start = i + f.len();
            // The value runs from the field to its closing delimiter, which is after the run
            // (the trailer's /ID is a pair: it runs to the `]`).
            let ends: &[u8] = if f == b"/ID[(" { b"]" } else { b")<" };
            let close = a[value_start..]
                .iter()
                .position(|c| ends.contains(c))
                .map(|c| value_start + c);
            at - value_start <= 60 && close.is_some_and(|c| c >= at + len)
        });
        assert!(
            ok,
            "the PDFs differ outside their dates, at byte {at}: {context:?}"
        );
    }
}
