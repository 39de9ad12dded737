//! The commands a user meets first: init, schema, completions, clauses, check.

use assert_cmd::Command;

fn datapact() -> Command {
    Command::cargo_bin("datapact").unwrap()
}

#[test]
fn init_writes_a_starter_that_generates_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("my-agreement.toml");
    let o = datapact().arg("init").arg(&cfg).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text.starts_with("#:schema ./datapact.schema.json\n"),
        "editors find the schema"
    );
    assert!(dir.path().join("datapact.schema.json").is_file());
    assert!(text.lines().count() <= 80, "a starter stays short");
    let o = datapact()
        .arg("generate")
        .arg(&cfg)
        .args(["--format", "md", "-o"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Running init again does not overwrite.
    let o = datapact().arg("init").arg(&cfg).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
}

#[test]
fn the_schema_validates_the_examples_it_describes() {
    let o = datapact().arg("schema").output().unwrap();
    assert!(o.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let props = schema["properties"].as_object().unwrap();
    for key in [
        "agreement",
        "parties",
        "purposes",
        "datasets",
        "flows",
        "retention",
        "dpia",
    ] {
        assert!(props.contains_key(key), "{key}");
    }
    // Field docs become descriptions that editors show.
    assert!(schema.to_string().contains("ISO 3166-1 alpha-2"));
}

#[test]
fn completions_for_common_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let o = datapact().args(["completions", shell]).output().unwrap();
        assert!(o.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("generate"),
            "{shell}"
        );
    }
}

#[test]
fn clauses_lists_the_library_in_table_and_json() {
    let o = datapact()
        .args(["clauses", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v["clauses"].as_array().unwrap();
    assert!(list.len() >= 80);
    for c in list {
        for key in ["id", "version", "title", "section", "condition", "sources"] {
            assert!(c.get(key).is_some(), "{key} in {c}");
        }
    }
    let o = datapact().arg("clauses").output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("roles-processor-obligations")
            && text.contains("when:")
            && text.contains("sources:")
    );
}

#[test]
fn check_exit_codes_and_json_shape() {
    // Examples have no errors: exit 0.
    let o = datapact()
        .args([
            "check",
            "examples/bank-remittances.toml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["configs"][0]["coverage"].as_array().unwrap().len(), 7);
    assert_eq!(v["summary"]["errors"], 0);
    // The starter lacks a DPIA-free justification, due diligence, security …: errors, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("a.toml");
    std::fs::write(&cfg, include_str!("../src/starter.toml")).unwrap();
    let o = datapact().arg("check").arg(&cfg).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("safeguards in") && err.contains("error"),
        "{err}"
    );
    // A config that cannot be read: exit 2.
    let o = datapact().args(["check", "no/such.toml"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_lists_and_explains_rules() {
    let o = datapact()
        .args(["check", "--list-rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["rules"].as_array().unwrap().len() >= 40);
    let o = datapact()
        .args(["check", "--explain", "RET-001"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("RET-001") && text.contains("Source:"),
        "{text}"
    );
    let o = datapact()
        .args(["check", "--explain", "RET-01"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean"));
}

#[test]
fn a_final_agreement_with_errors_is_refused_and_a_draft_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let starter = include_str!("../src/starter.toml");
    let final_cfg = dir.path().join("final.toml");
    std::fs::write(
        &final_cfg,
        starter.replacen("status = \"draft\"", "status = \"final\"", 1),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = datapact()
        .arg("generate")
        .arg(&final_cfg)
        .args(["--format", "md", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("status is \"final\""));
    assert!(!out.join("DSA-2026-001.md").exists());
    let draft_cfg = dir.path().join("draft.toml");
    std::fs::write(&draft_cfg, starter).unwrap();
    let o = datapact()
        .arg("generate")
        .arg(&draft_cfg)
        .args(["--format", "md", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let md = std::fs::read_to_string(out.join("DSA-2026-001.md")).unwrap();
    assert!(md.contains("Findings to resolve before signature"));
    assert!(md.contains("The seven safeguards"));
}

/// `explain --words`: where an agreement's length comes from, section by section, adding up to
/// the words a reader reads.
#[test]
fn explain_words_reports_the_length_per_section_and_clause() {
    let o = datapact()
        .args([
            "explain",
            "examples/official-statistics.toml",
            "--words",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let total = v["words"].as_u64().unwrap();
    let sections = v["sections"].as_array().unwrap();
    let sum: u64 = sections.iter().map(|s| s["words"].as_u64().unwrap()).sum();
    assert_eq!(sum, total);
    assert!(sections.iter().any(|s| s["annex"] == true));
    for s in sections {
        let clauses: u64 = s["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["words"].as_u64().unwrap())
            .sum();
        assert!(
            clauses <= s["words"].as_u64().unwrap() && clauses > 0,
            "{s}"
        );
    }
    // The agreement's Markdown has more tokens (cover table, link targets), never fewer words.
    let md = datapact::build::build_file(
        std::path::Path::new("examples/official-statistics.toml"),
        None,
    )
    .unwrap()
    .rendered
    .markdown;
    assert!(total > 1000 && (total as usize) <= md.split_whitespace().count());
    let table = datapact()
        .args(["explain", "examples/official-statistics.toml", "--words"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains(&format!("{total} words: ")), "{text}");
    assert!(text.contains("data-description"), "{text}");
}
