//! Bad input: every error case exits 2, names file:line:column, the field and what to write,
//! reports every problem in the file, and writes no output.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const STARTER: &str = include_str!("../src/starter.toml");

struct Case {
    dir: tempfile::TempDir,
    config: PathBuf,
}

fn case(text: &str) -> Case {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, text).expect("write config");
    Case { dir, config }
}

/// Replace exactly one occurrence, so a fixture cannot silently stop testing anything.
#[track_caller]
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        STARTER.matches(from).count(),
        1,
        "`{from}` must occur once in the starter"
    );
    STARTER.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in config"));
    text[..at].matches('\n').count() + 1
}

/// Run `generate --format md` in short diagnostic form; return stderr.
#[track_caller]
fn generate_fails(c: &Case) -> String {
    let out = Command::cargo_bin("datapact")
        .expect("binary")
        .args([
            "generate",
            "--format",
            "md",
            "--diagnostic-format",
            "short",
            "-o",
        ])
        .arg(c.dir.path().join("out"))
        .arg(&c.config)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2, stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !c.dir.path().join("out").exists(),
        "no output may be written on failure"
    );
    stderr
}

#[track_caller]
fn assert_points_at(stderr: &str, config: &Path, line: usize, code: &str) {
    let prefix = format!("{}:{line}:", config.display());
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with(&prefix) && l.contains(&format!("[{code}]"))),
        "expected a `{code}` diagnostic at {prefix}, got:\n{stderr}"
    );
}

#[test]
fn starter_config_generates() {
    let c = case(STARTER);
    let out = Command::cargo_bin("datapact")
        .unwrap()
        .args(["generate", "--format", "md", "-o"])
        .arg(c.dir.path().join("out"))
        .arg(&c.config)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(c.dir.path().join("out/DSA-2026-001.md").is_file());
}

#[test]
fn malformed_toml() {
    let text = edit("[agreement]", "[agreement");
    let c = case(&text);
    let err = generate_fails(&c);
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "[agreement"),
        "config::syntax",
    );
}

#[test]
fn unknown_keys_are_all_reported_with_suggestions() {
    let text = edit("title = \"Sharing of", "titel = \"Sharing of").replacen(
        "frequency = \"periodic\"",
        "frequncy = \"periodic\"",
        1,
    );
    let c = case(&text);
    let err = generate_fails(&c);
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "titel"),
        "config::unknown-key",
    );
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "frequncy"),
        "config::unknown-key",
    );
    assert!(err.contains("did you mean `title`?"), "{err}");
    assert!(err.contains("did you mean `frequency`?"), "{err}");
    // The renamed keys also leave required fields missing: reported in the same run.
    assert!(err.contains("[config::missing-field]"), "{err}");
}

#[test]
fn wrong_type() {
    let text = edit("min_cell_size = 15", "min_cell_size = \"fifteen\"");
    let c = case(&text);
    let err = generate_fails(&c);
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "min_cell_size"),
        "config::wrong-type",
    );
    assert!(err.contains("datasets[0].min_cell_size"), "{err}");
}

#[test]
fn missing_required_field_names_table_and_help() {
    let text = edit("address = \"2 Example Street, 9000 Ghent\"\n", "");
    let c = case(&text);
    let err = generate_fails(&c);
    assert!(
        err.contains("missing required field `address` in `parties[1]`"),
        "{err}"
    );
    assert!(err.contains("help: add `address = …`"), "{err}");
}

#[test]
fn bad_enum_value_suggests() {
    let text = edit("kind = \"research_body\"", "kind = \"research-body\"");
    let c = case(&text);
    let err = generate_fails(&c);
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "research-body"),
        "config::invalid-value",
    );
    assert!(err.contains("did you mean \"research_body\"?"), "{err}");
}

#[test]
fn bad_country_code() {
    let text = edit(
        "country = \"BE\"                       # ISO",
        "country = \"UK\"                       # ISO",
    );
    let c = case(&text);
    let err = generate_fails(&c);
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "\"UK\""),
        "config::bad-country",
    );
    assert!(err.contains("\"GB\""), "{err}");
}

#[test]
fn bad_date() {
    let text = edit(
        "effective_date = 2026-03-01",
        "effective_date = \"2026-02-30\"",
    );
    let c = case(&text);
    let err = generate_fails(&c);
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "2026-02-30"),
        "config::bad-date",
    );
    assert!(err.contains("agreement.effective_date"), "{err}");
}

#[test]
fn bad_duration() {
    let text = edit("period = \"P24M\"", "period = \"24 months\"");
    let c = case(&text);
    let err = generate_fails(&c);
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "24 months"),
        "config::bad-duration",
    );
    assert!(err.contains("\"P24M\""), "{err}");
}

#[test]
fn undeclared_party_reference() {
    let text = edit("to = \"institute\"", "to = \"instiute\"");
    let c = case(&text);
    let err = generate_fails(&c);
    assert_points_at(
        &err,
        &c.config,
        line_of(&text, "instiute"),
        "config::unknown-reference",
    );
    assert!(err.contains("did you mean \"institute\"?"), "{err}");
    assert!(err.contains("flows[0].to"), "{err}");
}

#[test]
fn every_semantic_problem_is_reported_in_one_run() {
    let text = edit("to = \"institute\"", "to = \"nobody\"")
        .replacen(
            "country = \"BE\"\naddress = \"2 Example",
            "country = \"XX\"\naddress = \"2 Example",
            1,
        )
        .replacen("interval = \"P7D\"", "interval = \"weekly\"", 1);
    let c = case(&text);
    let err = generate_fails(&c);
    for code in [
        "config::unknown-reference",
        "config::bad-country",
        "config::bad-duration",
    ] {
        assert!(
            err.contains(&format!("[{code}]")),
            "missing {code} in:\n{err}"
        );
    }
}

#[test]
fn human_format_shows_source_line_and_help() {
    let text = edit("to = \"institute\"", "to = \"instiute\"");
    let c = case(&text);
    let out = Command::cargo_bin("datapact")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["generate", "--format", "md", "-o"])
        .arg(c.dir.path().join("out"))
        .arg(&c.config)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    let line = line_of(&text, "instiute");
    assert!(err.contains(&format!("bad.toml:{line}:")), "{err}");
    assert!(
        err.contains("to = \"instiute\""),
        "the source line is shown:\n{err}"
    );
    assert!(err.contains("help: did you mean"), "{err}");
}

#[test]
fn not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("latin1.toml");
    let mut bytes = STARTER.as_bytes().to_vec();
    bytes.extend_from_slice(b"\n# caf\xe9\n");
    std::fs::write(&config, bytes).unwrap();
    let c = Case { dir, config };
    let err = generate_fails(&c);
    assert!(err.contains("[config::encoding]"), "{err}");
}

#[test]
fn missing_file() {
    let out = Command::cargo_bin("datapact")
        .unwrap()
        .args(["generate", "--format", "md", "no/such/file.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.toml"));
}

#[test]
fn two_configs_with_one_reference_are_both_refused_and_neither_is_written() {
    let c = case(STARTER);
    let other = c.dir.path().join("other.toml");
    // Same reference, different title: each agreement would overwrite the other's files.
    let title = STARTER
        .lines()
        .find(|l| l.starts_with("title = "))
        .expect("starter has a title");
    std::fs::write(
        &other,
        STARTER.replacen(title, "title = \"Another agreement\"", 1),
    )
    .expect("write");
    let out = c.dir.path().join("out");
    let a = Command::cargo_bin("datapact")
        .expect("binary")
        .args(["generate", "--format", "md", "-o"])
        .arg(&out)
        .arg(&c.config)
        .arg(&other)
        // The same file named twice is one config, built once.
        .arg(c.dir.path().join(".").join("bad.toml"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert_eq!(stderr.matches("is claimed 2 times").count(), 2, "{stderr}");
    assert!(stderr.contains("agreement.reference"), "{stderr}");
    let written = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    assert_eq!(written, 0, "nothing is written: {stderr}");
}

#[test]
fn numbers_a_config_cannot_state_are_refused_where_they_are() {
    for (value, code, says) in [
        ("inf", "config::bad-number", "`inf` is not a number"),
        ("nan", "config::bad-number", "`nan` is not a number"),
        (
            "9223372036854775808",
            "config::bad-number",
            "9223372036854775808 is too large",
        ),
        ("15.0", "config::invalid", "write a whole number from 0 to"),
        ("1.5e1", "config::invalid", "write a whole number from 0 to"),
    ] {
        let text = edit("min_cell_size = 15", &format!("min_cell_size = {value}"));
        let c = case(&text);
        let stderr = generate_fails(&c);
        assert_points_at(&stderr, &c.config, line_of(&text, "min_cell_size ="), code);
        assert!(stderr.contains(says), "{value}: {stderr}");
        assert!(
            stderr.contains("min_cell_size"),
            "{value}: names the field: {stderr}"
        );
    }
}

#[test]
fn an_output_that_is_a_file_a_non_pdf_to_verify_and_absurd_jobs_are_usage_errors() {
    let c = case(STARTER);
    let file = c.dir.path().join("afile");
    std::fs::write(&file, "not a folder").unwrap();
    for cmd in ["generate", "batch"] {
        let a = Command::cargo_bin("datapact")
            .unwrap()
            .args([cmd, "--format", "md", "-o"])
            .arg(&file)
            .arg(&c.config)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(
            stderr.contains("is a file, not a folder"),
            "{cmd}: {stderr}"
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
    // verify's first argument must be a PDF.
    let a = Command::cargo_bin("datapact")
        .unwrap()
        .arg("verify")
        .arg(&c.config)
        .arg(&c.config)
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("is not a PDF"));
    // --jobs 5000 would start 5,000 threads.
    let a = Command::cargo_bin("datapact")
        .unwrap()
        .args(["batch", "--format", "md", "--jobs", "5000", "-o"])
        .arg(c.dir.path().join("out"))
        .arg(&c.config)
        .assert()
        .code(2);
    assert!(
        String::from_utf8_lossy(&a.get_output().stderr).contains("--jobs must be from 1 to 256")
    );
    assert!(!c.dir.path().join("out").exists());
}
