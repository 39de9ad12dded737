//! The rules engine behind `datapact check`: every rule has a config on which it fires and one
//! on which it passes, each fixture lists on its first line exactly the rule ids expected to
//! fire (`# expect: RET-002, SEC-001`; `RISK-001:warning` also pins the severity), and the
//! shipped examples have no error-level findings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use datapact::diag::Severity;
use datapact::lint;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The ids on the `# expect:` first line of a fixture, each with the severity it must have when
/// one is given (`RISK-001:warning`: the most severe finding of RISK-001 is a warning).
fn expected_with_severity(path: &Path) -> BTreeMap<String, Option<String>> {
    let text = std::fs::read_to_string(path).expect("read fixture");
    let first = text.lines().next().unwrap_or_default();
    let list = first.strip_prefix("# expect:").unwrap_or_else(|| {
        panic!(
            "{}: first line must be `# expect: ID, ID` (or `# expect:` for none)",
            path.display()
        )
    });
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once(':') {
            Some((id, sev)) => (id.trim().to_owned(), Some(sev.trim().to_owned())),
            None => (s.to_owned(), None),
        })
        .collect()
}

fn expected(path: &Path) -> BTreeSet<String> {
    expected_with_severity(path).into_keys().collect()
}

/// The ids that fire on a config, each with its most severe finding, or the load errors.
fn fired(path: &Path) -> Result<BTreeMap<String, Severity>, String> {
    let model = datapact::build::load_model(path)
        .map_err(|ds| ds.iter().map(|d| d.short()).collect::<Vec<_>>().join("\n"))?;
    // The whole build, so that the rules run after clause selection (FIT-001 to FIT-003) are
    // seen too; where the clause library cannot render the config, the rules on the model.
    let found = match datapact::build::build_file(path, None) {
        Ok(a) => a.check.findings,
        Err(_) => lint::run(&model),
    };
    let mut out: BTreeMap<String, Severity> = BTreeMap::new();
    for d in found {
        let e = out.entry(d.code).or_insert(d.severity);
        *e = (*e).max(d.severity);
    }
    Ok(out)
}

#[test]
fn every_fixture_fires_exactly_the_expected_rules() {
    let files = toml_files(&fixtures_dir());
    assert!(
        !files.is_empty(),
        "no fixtures in {}",
        fixtures_dir().display()
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let want_sev = expected_with_severity(path);
        let want: BTreeSet<String> = want_sev.keys().cloned().collect();
        for id in &want {
            if lint::rule(id).is_none() {
                failures.push(format!("{name}: expects unknown rule {id}"));
            }
        }
        match fired(path) {
            Err(e) => failures.push(format!("{name}: does not load:\n{e}")),
            Ok(got_sev) => {
                let got: BTreeSet<String> = got_sev.keys().cloned().collect();
                if got != want {
                    let extra: Vec<_> = got.difference(&want).cloned().collect();
                    let missing: Vec<_> = want.difference(&got).cloned().collect();
                    failures.push(format!("{name}: unexpected {extra:?}, missing {missing:?}"));
                }
                for (id, sev) in &want_sev {
                    if let (Some(sev), Some(actual)) = (sev, got_sev.get(id))
                        && *sev != actual.to_string()
                    {
                        failures.push(format!("{name}: {id} is {actual}, expected {sev}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_firing_and_a_passing_fixture() {
    let dir = fixtures_dir();
    let mut failures = Vec::new();
    for r in lint::rules() {
        let fires = dir.join(format!("{}-fires.toml", r.id));
        let passes = dir.join(format!("{}-passes.toml", r.id));
        if !fires.exists() {
            failures.push(format!("{}: no {}", r.id, fires.display()));
        } else if !expected(&fires).contains(r.id) {
            failures.push(format!(
                "{}: {}-fires.toml does not expect {}",
                r.id, r.id, r.id
            ));
        }
        if !passes.exists() {
            failures.push(format!("{}: no {}", r.id, passes.display()));
        } else if expected(&passes).contains(r.id) {
            failures.push(format!(
                "{}: {}-passes.toml expects {} to fire",
                r.id, r.id, r.id
            ));
        }
    }
    // Fixtures are `<ID>-fires[-variant].toml`, `<ID>-passes[-variant].toml`, or `base-*.toml`;
    // none names a rule that does not exist.
    for path in toml_files(&dir) {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if stem.starts_with("base-") {
            continue;
        }
        let parts: Vec<&str> = stem.splitn(3, '-').collect();
        let id = parts[..parts.len().min(2)].join("-");
        let kind = parts
            .get(2)
            .map(|k| k.split('-').next().unwrap_or_default())
            .unwrap_or_default();
        if lint::rule(&id).is_none() || !["fires", "passes"].contains(&kind) {
            failures.push(format!("{stem}.toml: not <RULE-ID>-fires|passes[-variant]"));
        } else if kind == "fires" && !expected(&path).contains(&id) {
            failures.push(format!("{stem}.toml does not expect {id}"));
        } else if kind == "passes" && expected(&path).contains(&id) {
            failures.push(format!("{stem}.toml expects {id} to fire"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_ids_are_unique_and_well_formed() {
    let mut seen = BTreeSet::new();
    for r in lint::rules() {
        assert!(seen.insert(r.id), "duplicate id {}", r.id);
        let (fam, num) = r.id.split_once('-').expect("FAMILY-NNN");
        assert!(
            !fam.is_empty() && fam.chars().all(|c| c.is_ascii_uppercase()),
            "{}",
            r.id
        );
        assert!(
            num.len() == 3 && num.chars().all(|c| c.is_ascii_digit()),
            "{}",
            r.id
        );
        assert_eq!(lint::rule(r.id).map(|x| x.id), Some(r.id));
        assert!(!r.title.contains('\n'), "{}: title is one line", r.id);
    }
    assert!(
        lint::rules().len() >= 40,
        "only {} rules",
        lint::rules().len()
    );
}

#[test]
fn findings_carry_code_help_and_position() {
    let path = fixtures_dir().join("SEC-001-fires.toml");
    let model = datapact::build::load_model(&path).expect("loads");
    let diags = lint::run(&model);
    let d = diags
        .iter()
        .find(|d| d.code == "SEC-001")
        .expect("SEC-001 fires");
    assert!(d.help.is_some());
    assert!(d.field.is_some());
    assert!(d.location.is_some());
}

#[test]
fn coverage_always_has_seven_safeguards() {
    let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/starter.toml");
    let model = datapact::build::load_model(&starter).expect("starter loads");
    let diags = lint::run(&model);
    let cov = lint::coverage(&model, &diags);
    assert_eq!(cov.len(), 7);
    assert_eq!(
        cov.iter().map(|c| c.number).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6, 7]
    );
    // The starter states its purpose and indicators, but records no due diligence.
    assert!(
        cov[0].fields.iter().any(|f| f == "purposes[0].indicators"),
        "{:?}",
        cov[0].fields
    );
    assert_eq!(cov[1].status, lint::Coverage::Missing);
    assert!(cov[1].open_findings.contains(&"GOV-004".to_owned()));
    // A clean config addresses every safeguard it touches.
    let clean = fixtures_dir().join("base-clean.toml");
    let model = datapact::build::load_model(&clean).expect("base loads");
    let diags = lint::run(&model);
    assert!(diags.is_empty(), "{diags:?}");
    for c in lint::coverage(&model, &diags) {
        assert!(c.open_findings.is_empty());
        assert_ne!(c.status, lint::Coverage::Partial, "{}", c.name);
    }
}

#[test]
fn examples_have_no_error_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut failures = Vec::new();
    for path in toml_files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match datapact::build::load_model(&path) {
            Err(ds) => failures.push(format!(
                "{name}: does not load: {}",
                ds.iter().map(|d| d.short()).collect::<Vec<_>>().join("; ")
            )),
            Ok(model) => {
                for d in lint::run(&model)
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                {
                    failures.push(format!("{name}: {}", d.short()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "examples with errors:\n{}",
        failures.join("\n")
    );
}

/// `DATAPACT_LINT=path cargo test --test check_rules dump -- --ignored --nocapture` prints
/// every finding for a config: handy while writing fixtures.
#[test]
#[ignore]
fn dump() {
    let Ok(path) = std::env::var("DATAPACT_LINT") else {
        return;
    };
    for p in path.split(',') {
        match datapact::build::load_model(Path::new(p)) {
            Err(ds) => ds.iter().for_each(|d| println!("LOAD {}", d.short())),
            Ok(model) => {
                let diags = lint::run(&model);
                for d in &diags {
                    println!("{}", d.short());
                }
                for c in lint::coverage(&model, &diags) {
                    println!(
                        "safeguard {} {}: {} {:?} {:?}",
                        c.number, c.name, c.status, c.fields, c.open_findings
                    );
                }
            }
        }
    }
}

/// `tests/fixtures/fixes.toml`: for each rule, the fix its help text suggests, written as edits
/// to its firing fixture.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixes {
    fix: Vec<Fix>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Fix {
    rule: String,
    /// A fixture in `tests/fixtures/check/` on which the rule fires.
    fixture: String,
    /// A fragment of the finding's help that the edits carry out.
    help: String,
    edit: Vec<Edit>,
}

/// Replace the first `find` with `replace`, or add `append` at the end of the file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    #[serde(default)]
    find: Option<String>,
    #[serde(default)]
    replace: Option<String>,
    #[serde(default)]
    append: Option<String>,
}

fn fixes() -> Vec<Fix> {
    let path = fixtures_dir().with_file_name("fixes.toml");
    let text = std::fs::read_to_string(&path).expect("tests/fixtures/fixes.toml");
    let f: Fixes = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.fix
}

/// Every finding of `rule` on a config, with its help.
fn helps(path: &Path, rule: &str) -> Vec<String> {
    let found = match datapact::build::build_file(path, None) {
        Ok(a) => a.check.findings,
        Err(_) => lint::run(&datapact::build::load_model(path).expect("loads")),
    };
    found
        .into_iter()
        .filter(|d| d.code == rule)
        .map(|d| d.help.unwrap_or_default())
        .collect()
}

/// Doing what a rule's help says makes the rule pass, and makes no other rule fire: the help
/// leads to a config that is true and complete, not to the next finding.
#[test]
fn each_rules_suggested_fix_passes_without_firing_another_rule() {
    let mut failures = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    for fix in fixes() {
        let label = format!("{} on {}", fix.rule, fix.fixture);
        let src = fixtures_dir().join(&fix.fixture);
        let before = match fired(&src) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{label}: fixture does not load: {e}"));
                continue;
            }
        };
        if !before.contains_key(&fix.rule) {
            failures.push(format!("{label}: the rule does not fire on the fixture"));
            continue;
        }
        let hs = helps(&src, &fix.rule);
        if !hs.iter().any(|h| h.contains(&fix.help)) {
            failures.push(format!(
                "{label}: no help contains {:?}; helps: {hs:?}",
                fix.help
            ));
        }
        let mut text = std::fs::read_to_string(&src).unwrap();
        for e in &fix.edit {
            match (&e.find, &e.replace, &e.append) {
                (Some(f), Some(r), None) if text.contains(f.as_str()) => {
                    text = text.replacen(f.as_str(), r, 1);
                }
                (Some(f), Some(_), None) => {
                    failures.push(format!("{label}: {f:?} not in the fixture"));
                }
                (None, None, Some(a)) => {
                    text.push('\n');
                    text.push_str(a);
                }
                _ => failures.push(format!("{label}: an edit is find + replace, or append")),
            }
        }
        let fixed = dir.path().join(&fix.fixture);
        std::fs::write(&fixed, text).unwrap();
        match fired(&fixed) {
            Err(e) => failures.push(format!("{label}: the fixed config does not load: {e}")),
            Ok(after) => {
                if after.contains_key(&fix.rule) {
                    failures.push(format!("{label}: still fires after the fix"));
                }
                let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
                if !new.is_empty() {
                    failures.push(format!("{label}: the fix makes {new:?} fire"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Every rule's fix is tested, on its main firing fixture.
#[test]
fn every_rule_has_a_tested_fix() {
    let have: BTreeSet<String> = fixes().into_iter().map(|f| f.rule).collect();
    let missing: Vec<&str> = lint::rules()
        .iter()
        .map(|r| r.id)
        .filter(|id| !have.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "no fix in tests/fixtures/fixes.toml for {missing:?}"
    );
}
