//! A programme is accepted wherever a config is: every command acts on each partner's agreement
//! and names it `<file>#<partner id>`; `<file>#<partner id>` names one partner.

use std::path::Path;
use std::process::Command;

const PROGRAMME: &str = "examples/programme/mno-region.toml";
const PARTNERS: [&str; 6] = [
    "ke-rift",
    "ug-nile",
    "de-funknetz",
    "fr-hexacom",
    "tz-kilima",
    "et-abay",
];

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_datapact"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Out {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn label(partner: &str) -> String {
    format!("{PROGRAMME}#{partner}")
}

#[test]
fn check_reports_every_partner_by_name() {
    let o = run(&["check", PROGRAMME, "--format", "json"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let names: Vec<&str> = v["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["config"].as_str().unwrap())
        .collect();
    // Each partner, then the processing terms of the Office's processor, one for the programme.
    let mut want: Vec<String> = PARTNERS.iter().map(|p| label(p)).collect();
    want.push(label("processing-cloud"));
    assert_eq!(names, want);
    let refs: Vec<&str> = v["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap())
        .collect();
    assert!(refs.contains(&"IOMS-MNO-2026-KE-RIFT"), "{refs:?}");

    let human = run(&["check", PROGRAMME]);
    assert_eq!(human.code, Some(0), "{}", human.stderr);
    for p in PARTNERS {
        assert!(
            human
                .stderr
                .contains(&format!("safeguards in {}:", label(p))),
            "{}",
            human.stderr
        );
    }
    assert!(human.stderr.contains("in 7 agreements"), "{}", human.stderr);
}

#[test]
fn one_partner_is_named_with_a_hash_and_an_unknown_one_is_refused() {
    let o = run(&["check", &label("ug-nile"), "--format", "json"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["configs"].as_array().unwrap().len(), 1);
    assert_eq!(v["configs"][0]["reference"], "IOMS-MNO-2026-UG-NILE");

    let o = run(&["check", &label("ug-nil")]);
    assert_eq!(o.code, Some(2));
    assert!(
        o.stderr.contains("has no partner `ug-nil`")
            && o.stderr
                .contains("did you mean `examples/programme/mno-region.toml#ug-nile`"),
        "{}",
        o.stderr
    );
    let o = run(&["check", "examples/ngo-survey.toml#x"]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("is not a programme"), "{}", o.stderr);
}

#[test]
fn explain_register_and_affected_act_on_each_partner() {
    let o = run(&["explain", PROGRAMME, "--format", "json"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    // Six partners and the processing terms of the Office's processor.
    assert_eq!(list.len(), 7);
    assert_eq!(list[0]["agreement"], label("ke-rift").as_str());
    assert!(!list[0]["clauses"].as_array().unwrap().is_empty());

    let o = run(&["register", PROGRAMME, "--format", "json"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let configs: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["config"].as_str().unwrap())
        .collect();
    assert_eq!(configs.len(), 7, "{configs:?}");
    assert!(configs.contains(&label("et-abay").as_str()));

    // Only the Kenyan operator's due diligence set conditions.
    let o = run(&[
        "affected",
        "due-diligence-conditions",
        "--configs",
        PROGRAMME,
        "--format",
        "json",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let hits: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["config"].as_str().unwrap())
        .collect();
    assert_eq!(hits, [label("ke-rift")]);
}

#[test]
fn explain_shows_the_findings_the_conditions_saw() {
    // Regression: explain evaluated conditions without `check`, so a clause included because
    // of open findings showed `check.findings = (not set)`.
    let o = run(&[
        "explain",
        "tests/fixtures/check/DATA-001-fires.toml",
        "--all",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(
        !o.stdout.contains("check.findings = (not set)"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("check.findings = [{"), "{}", o.stdout);
}

#[test]
fn a_programme_lock_pins_each_partner_and_generate_locked_checks_it() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("programme");
    copy_dir(Path::new("examples/programme"), &prog);
    let file = prog.join("mno-region.toml");
    let o = run(&["lock", file.to_str().unwrap()]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let lock_path = prog.join("mno-region.lock");
    let lock = std::fs::read_to_string(&lock_path).unwrap();
    for p in PARTNERS {
        assert!(lock.contains(&format!("id = \"{p}\"")), "{lock}");
    }
    let out = dir.path().join("out");
    let generate = |out: &Path| {
        run(&[
            "generate",
            file.to_str().unwrap(),
            "--locked",
            "--format",
            "md",
            "-o",
            out.to_str().unwrap(),
        ])
    };
    let o = generate(&out);
    assert_eq!(o.code, Some(0), "{}", o.stderr);

    // Tamper with one clause hash of one partner: only that partner drifts.
    let start = lock.find("id = \"ug-nile\"").unwrap();
    let at = start + lock[start..].find("hash = \"").unwrap() + "hash = \"".len();
    let mut tampered = lock.clone();
    tampered.replace_range(at..at + 4, "0000");
    std::fs::write(&lock_path, tampered).unwrap();
    let o = generate(&dir.path().join("out2"));
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("mno-region.toml#ug-nile no longer matches"),
        "{}",
        o.stderr
    );
    assert!(
        !o.stderr.contains("#ke-rift no longer matches"),
        "{}",
        o.stderr
    );
}

#[test]
fn diff_compares_one_partner_across_two_revisions_with_its_partner_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let o = Command::new("git")
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
    copy_dir(Path::new("examples/programme"), &dir.path().join("p"));
    git(&["init", "-q"]);
    git(&["config", "user.email", "t@example.com"]);
    git(&["config", "user.name", "t"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    // Rename the German operator in its partner file (not in the programme file).
    let partner = dir.path().join("p/partners/de-funknetz.toml");
    let text = std::fs::read_to_string(&partner).unwrap();
    std::fs::write(
        &partner,
        text.replace("Funknetz Deutschland GmbH", "Netzwerk Rhein Genossenschaft"),
    )
    .unwrap();

    let o = run_in(
        dir.path(),
        &[
            "diff",
            "HEAD:p/mno-region.toml#de-funknetz",
            "p/mno-region.toml#de-funknetz",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    // Adjacent changed words form one run, as in git's word diff.
    assert!(
        o.stdout
            .contains("[-Funknetz Deutschland GmbH-]{+Netzwerk Rhein Genossenschaft+}"),
        "{}",
        o.stdout
    );
    // The other partners are unchanged, compared partner by partner.
    let o = run_in(
        dir.path(),
        &[
            "diff",
            "HEAD:p/mno-region.toml",
            "p/mno-region.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let changed: Vec<&str> = v["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["identical"] == false)
        .map(|r| r["b"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["p/mno-region.toml#de-funknetz"]);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn verify_finds_the_partner_a_pdf_was_made_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = run(&[
        "generate",
        &label("tz-kilima"),
        "--format",
        "pdf",
        "-o",
        out,
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let pdf = dir.path().join("IOMS-MNO-2026-TZ-KILIMA.pdf");
    let o = run(&["verify", pdf.to_str().unwrap(), PROGRAMME]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains(&format!("matches {}", label("tz-kilima"))),
        "{}",
        o.stdout
    );
    // Named as another partner, it does not match.
    let o = run(&["verify", pdf.to_str().unwrap(), &label("ke-rift")]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
}
