//! Reviewing agreements in git: lock files, diffs, explanations, affected configs, and
//! Markdown that changes only where the agreement changed.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;

const EXAMPLE: &str = "examples/bank-remittances.toml";

fn datapact() -> Command {
    Command::cargo_bin("datapact").unwrap()
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let o = datapact().args(args).output().unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A copy of an example in a temp dir, optionally edited.
fn copy_example(dir: &Path, edit: impl Fn(&str) -> String) -> PathBuf {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let path = dir.join("agreement.toml");
    std::fs::write(&path, edit(&text)).unwrap();
    path
}

/// The built-in library exported to a folder, to edit clauses as a pull request would.
fn export_library(dir: &Path) -> PathBuf {
    let lib = dir.join("lib");
    let o = run(&["clauses", "--export", lib.to_str().unwrap()]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    lib
}

fn clause_file(lib: &Path, id: &str) -> PathBuf {
    let mut stack = vec![lib.join("clauses")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_stem().is_some_and(|s| s == id) {
                return p;
            }
        }
    }
    panic!("clause {id} not found");
}

/// Change one word in a clause's body (not its front matter).
fn edit_clause_word(lib: &Path, id: &str) {
    let path = clause_file(lib, id);
    let text = std::fs::read_to_string(&path).unwrap();
    let body_start = text[3..].find("+++").unwrap() + 6;
    let (front, body) = text.split_at(body_start);
    // A word of plain prose: on a line with no template tags or tables.
    let line = body
        .lines()
        .find(|l| !l.contains('{') && !l.starts_with('|') && l.split_whitespace().count() > 4)
        .expect("a prose line");
    let word = line
        .split_whitespace()
        .find(|w| w.len() > 4 && w.chars().all(|c| c.is_ascii_lowercase()))
        .expect("a plain word");
    let edited_line = line.replacen(word, &format!("{word}s"), 1);
    let edited = body.replacen(line, &edited_line, 1);
    std::fs::write(&path, format!("{front}{edited}")).unwrap();
}

#[test]
fn lock_then_generate_locked_passes_and_fails_after_a_clause_edit() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = copy_example(dir.path(), str::to_owned);
    let lib = export_library(dir.path());
    let cfg_s = cfg.to_str().unwrap();
    let lib_s = lib.to_str().unwrap();
    let out_s = dir.path().join("out");
    let o = run(&["lock", cfg_s, "--library", lib_s]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let lock = std::fs::read_to_string(dir.path().join("agreement.lock")).unwrap();
    assert!(
        lock.contains("[[clause]]") && lock.contains("templates_hash"),
        "{lock}"
    );

    let o = run(&[
        "generate",
        cfg_s,
        "--library",
        lib_s,
        "--locked",
        "--format",
        "md",
        "-o",
        out_s.to_str().unwrap(),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let o = run(&[
        "check",
        cfg_s,
        "--library",
        lib_s,
        "--locked",
        "--format",
        "short",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);

    // A pull request edits one word of a clause this agreement uses.
    edit_clause_word(&lib, "disputes-consultation");
    let o = run(&[
        "generate",
        cfg_s,
        "--library",
        lib_s,
        "--locked",
        "--format",
        "md",
        "-o",
        out_s.to_str().unwrap(),
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(
        o.stderr.contains("disputes-consultation") && o.stderr.contains("changed"),
        "{}",
        o.stderr
    );
    let o = run(&[
        "check",
        cfg_s,
        "--library",
        lib_s,
        "--locked",
        "--format",
        "short",
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(o.stderr.contains("disputes-consultation"), "{}", o.stderr);
}

#[test]
fn affected_lists_configs_that_use_a_clause() {
    let o = run(&[
        "affected",
        "retention-schedule",
        "--configs",
        "examples/*.toml",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    // mno-displacement.toml also makes its processor's processing terms, and
    // coordination-protocol.toml a bilateral agreement; the protocol itself has a retention
    // clause of its own (`protocol-retention`), written for participants.
    assert_eq!(
        o.stdout.lines().count(),
        common::examples().len() + 1,
        "every agreement has a retention clause:\n{}",
        o.stdout
    );
    assert!(
        !o.stdout.contains("coordination-protocol.toml\t"),
        "{}",
        o.stdout
    );
    // A processor-only clause: only the examples with a processor.
    let o = run(&[
        "affected",
        "incident-processor-notice",
        "--configs",
        "examples/*.toml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&o.stdout).unwrap_or_else(|_| panic!("{}\n{}", o.stdout, o.stderr));
    let configs: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["config"].as_str().unwrap())
        .collect();
    assert!(
        configs.iter().any(|c| c.contains("ngo-survey")),
        "{configs:?}"
    );
    assert!(
        !configs.iter().any(|c| c.contains("bank-remittances")),
        "{configs:?}"
    );
    let o = run(&["affected", "no-such-clause", "--configs", "examples/*.toml"]);
    assert_eq!(o.code, Some(2));
}

#[test]
fn diff_of_identical_configs_exits_zero() {
    let o = run(&["diff", EXAMPLE, EXAMPLE]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("identical"));
}

#[test]
fn diff_of_one_changed_field_shows_the_clause_and_the_words() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let (old, new) = ("termination_notice_days = ", "termination_notice_days = 9");
    assert!(
        text.contains(old),
        "the example sets termination_notice_days"
    );
    let b = copy_example(dir.path(), |t| t.replacen(old, new, 1));
    let o = run(&["diff", EXAMPLE, b.to_str().unwrap()]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("changed"), "{}", o.stdout);
    assert!(
        o.stdout.contains("[-") && o.stdout.contains("{+"),
        "word-level diff:\n{}",
        o.stdout
    );

    let o = run(&["diff", EXAMPLE, b.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["identical"], false);
    assert!(v["changed"].as_u64().unwrap() >= 1);
    assert_eq!(v["added"], 0);
    assert_eq!(v["removed"], 0);
}

#[test]
fn diff_reports_added_and_removed_clauses() {
    // Leave out one optional clause the example includes: A→B removes it, B→A adds it back.
    let dir = tempfile::tempdir().unwrap();
    let a = datapact::build::build_file(Path::new(EXAMPLE), None).unwrap();
    let candidates: Vec<String> = a
        .rendered
        .selection
        .included()
        .filter(|id| a.library.clause(id).is_some_and(|c| !c.meta.required))
        .map(str::to_owned)
        .collect();
    let (b, removed) = candidates
        .iter()
        .find_map(|id| {
            let path = copy_example(dir.path(), |t| {
                format!("{t}\n[clauses]\nexclude = [\"{id}\"]\n")
            });
            datapact::build::build_file(&path, None)
                .is_ok()
                .then(|| (path, id.clone()))
        })
        .expect("an optional clause that can be left out");
    let o = run(&["diff", EXAMPLE, b.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["removed"], 1, "{}", o.stdout);
    assert_eq!(v["clauses"][0]["id"], removed.as_str());
    assert_eq!(v["clauses"][0]["change"], "removed");
    let o = run(&["diff", b.to_str().unwrap(), EXAMPLE]);
    assert_eq!(o.code, Some(1));
    assert!(o.stdout.contains(&format!("+ {removed}")), "{}", o.stdout);
    assert!(o.stdout.contains("1 added, 0 removed"), "{}", o.stdout);
}

#[test]
fn inserting_a_clause_changes_only_its_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    let lib = export_library(dir.path());
    let before = datapact::build::build_file(Path::new(EXAMPLE), Some(&lib))
        .unwrap()
        .rendered
        .markdown;
    std::fs::write(
        lib.join("clauses/general/general-test-insert.md"),
        "+++\nid = \"general-test-insert\"\nversion = \"1.0.0\"\ntitle = \"Annual meeting\"\nsection = \"general\"\norder = 1\nsources = [\"test\"]\n+++\nThe Parties meet once a year to discuss this arrangement.\nEach Party sends one representative.\n",
    )
    .unwrap();
    let after = datapact::build::build_file(Path::new(EXAMPLE), Some(&lib))
        .unwrap()
        .rendered
        .markdown;
    let diff = similar::TextDiff::from_lines(&before, &after);
    let mut removed = Vec::new();
    let mut inserted = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(change.value().to_owned()),
            similar::ChangeTag::Insert => inserted.push(change.value().to_owned()),
            similar::ChangeTag::Equal => {}
        }
    }
    assert!(
        removed.is_empty(),
        "no existing line may change: {removed:#?}"
    );
    let inserted: String = inserted.concat();
    assert!(
        inserted.contains("### Annual meeting {#general-test-insert}"),
        "{inserted}"
    );
    assert!(
        inserted.lines().filter(|l| !l.trim().is_empty()).count() <= 3,
        "only the new clause's lines: {inserted}"
    );

    // Removing it again restores the original byte for byte.
    std::fs::remove_file(lib.join("clauses/general/general-test-insert.md")).unwrap();
    let restored = datapact::build::build_file(Path::new(EXAMPLE), Some(&lib))
        .unwrap()
        .rendered
        .markdown;
    assert_eq!(before, restored);
}

#[test]
fn diff_between_git_revisions() {
    // A throwaway repository with one config at two revisions.
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "t@example.com"]);
    git(&["config", "user.name", "t"]);
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    std::fs::write(dir.path().join("a.toml"), &text).unwrap();
    git(&["add", "a.toml"]);
    git(&["commit", "-qm", "one"]);
    std::fs::write(
        dir.path().join("a.toml"),
        text.replacen(
            "termination_notice_days = ",
            "termination_notice_days = 9",
            1,
        ),
    )
    .unwrap();
    git(&["commit", "-qam", "two"]);
    let o = datapact()
        .current_dir(dir.path())
        .args(["diff", "HEAD~1:a.toml", "HEAD:a.toml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("1 changed") || stdout.contains("changed clause"),
        "{stdout}"
    );
    let o = datapact()
        .current_dir(dir.path())
        .args(["diff", "HEAD:a.toml", "a.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "the working file equals HEAD");
    let o = datapact()
        .current_dir(dir.path())
        .args(["diff", "nosuchrev:a.toml", "a.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn explain_gives_the_condition_and_values_behind_each_clause() {
    let o = run(&["explain", "examples/ngo-survey.toml"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stdout.contains("condition holds"), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("derived.has_controller_to_processor = true"),
        "{}",
        o.stdout
    );
    assert!(
        !o.stdout.contains("\n- "),
        "without --all only included clauses"
    );
    let all = run(&["explain", "examples/ngo-survey.toml", "--all"]);
    assert!(
        all.stdout.contains("condition does not hold"),
        "{}",
        all.stdout
    );
    assert!(all.stdout.lines().count() > o.stdout.lines().count());
    let json = run(&[
        "explain",
        "examples/ngo-survey.toml",
        "--all",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(v.as_array().unwrap().iter().any(|e| e["included"] == false));
}

#[test]
fn markdown_headings_carry_no_numbers() {
    for ex in [
        "examples/bank-remittances.toml",
        "examples/mno-displacement.toml",
    ] {
        let md = datapact::build::build_file(Path::new(ex), None)
            .unwrap()
            .rendered
            .markdown;
        for line in md
            .lines()
            .filter(|l| l.starts_with("## ") || l.starts_with("### "))
        {
            assert!(
                !line
                    .trim_start_matches('#')
                    .trim()
                    .starts_with(|c: char| c.is_ascii_digit()),
                "numbered heading: {line}"
            );
        }
    }
}

/// Text between template tags, with the tags removed.
fn prose(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let close = match rest[i..].chars().nth(1) {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                out.push('{');
                rest = &rest[i + 1..];
                continue;
            }
        };
        match rest[i..].find(close) {
            Some(j) => {
                out.push('X');
                rest = &rest[i + j + 2..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn clause_text_has_one_sentence_per_line() {
    let lib = datapact::library::Library::builtin().unwrap();
    for c in &lib.clauses {
        for line in c.body.lines() {
            let line = prose(line);
            if line.starts_with('|') || line.starts_with('#') {
                continue;
            }
            // A full stop, a space and a capital letter start a second sentence, unless the
            // stop ends an abbreviation ("Art. 6", "e.g. ", "S.A. ").
            let two = line.match_indices(". ").any(|(i, _)| {
                let next = line[i + 2..].chars().next();
                let prev_word = line[..i].rsplit(' ').next().unwrap_or("");
                next.is_some_and(|c| c.is_uppercase())
                    && prev_word.len() > 3
                    && !prev_word.contains('.')
                    && prev_word.chars().all(|c| c.is_alphanumeric())
            });
            assert!(
                !two,
                "clause `{}` ({}): more than one sentence on a line:\n{line}",
                c.meta.id, c.path
            );
        }
    }
}

#[test]
fn document_templates_that_look_at_a_body_are_rendered_in_full_to_the_same_text() {
    // A library's own body.md may do more with a body than print it: the agreement is what
    // the built-in templates give.
    let tmp = tempfile::tempdir().unwrap();
    let lib = export_library(tmp.path());
    let body = lib.join("templates/body.md.tera");
    let text = std::fs::read_to_string(&body).unwrap();
    assert!(text.contains("{{ c.body | safe }}"), "{text}");
    std::fs::write(
        &body,
        text.replace(
            "{{ c.body | safe }}",
            "{% if c.body %}{{ c.body | safe }}{% endif %}",
        ),
    )
    .unwrap();
    datapact::library::Library::from_dir(&lib).unwrap();

    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (out, library) in [(&a, Some(&lib)), (&b, None)] {
        let mut args = vec![EXAMPLE, "-o", out.to_str().unwrap(), "--format", "md"];
        if let Some(l) = library {
            args.extend(["--library", l.to_str().unwrap()]);
        }
        let mut full = vec!["generate"];
        full.extend(args);
        let o = run(&full);
        assert_eq!(o.code, Some(0), "{}", o.stderr);
    }
    let name = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "md"))
            .unwrap()
    };
    let (ma, mb) = (
        std::fs::read_to_string(name(&a)).unwrap(),
        std::fs::read_to_string(name(&b)).unwrap(),
    );
    assert!(ma.len() > 10_000);
    assert_eq!(ma, mb);
}
