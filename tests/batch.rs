//! Batch production (issue "Batch-produce agreements for many partners"): the example
//! programme, one agreement per partner named from its reference, no path traversal, name
//! collisions, the manifest, incremental reruns (no typst process when nothing changed; one
//! changed partner rebuilds only that one), failures that do not stop the others, progress
//! output, shards, ordinary configs, and `generate` on a programme.
//!
//! Markdown only, except one test that typesets PDFs through a logging typst wrapper (needs
//! typst 0.15.1 and the Noto fonts: `bash .ci/setup`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use datapact::diag::Severity;
use datapact::manifest::Manifest;

const PROGRAMME: &str = "examples/programme/mno-region.toml";

// ---------------------------------------------------------------------------
// Helpers

fn datapact() -> Command {
    let mut c = Command::cargo_bin("datapact").unwrap();
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

/// A fresh folder under cargo's scratch directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("batch-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Run {
    code: i32,
    stderr: String,
}

/// `datapact batch ARGS… -o OUT --format md` (unless ARGS sets --format).
fn batch(out: &Path, args: &[&str]) -> Run {
    let mut c = datapact();
    c.arg("batch")
        .args(args)
        .arg("-o")
        .arg(out)
        .args(["--diagnostic-format", "short"]);
    if !args.contains(&"--format") {
        c.args(["--format", "md"]);
    }
    let o = c.output().unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The example programme's base (everything before its [[partners]] tables), with the
/// `partners_csv = …` and `partners_dir = …` lines of [programme] replaced by `programme_lines`
/// and `tail` appended: a programme of just the partners a test needs.
fn programme(dir: &Path, programme_lines: &str, tail: &str) -> PathBuf {
    let text = std::fs::read_to_string(PROGRAMME).unwrap();
    let cut = text
        .find("# Operators listed here")
        .expect("the example's partner tables are marked");
    let base = &text[..cut];
    assert!(
        base.contains("partners_csv = \"partners.csv\"\n")
            && base.contains("partners_dir = \"partners\"\n")
    );
    // The Office's processor stays a party to each partner's agreement here: these tests count
    // partners, and the processing terms it otherwise gets apart are tested on the example.
    assert!(base.contains("[parties.processing_terms]\n"));
    let base = base
        .replace("partners_dir = \"partners\"\n", "")
        .replace(
            "partners_csv = \"partners.csv\"\n",
            &format!("{programme_lines}\n"),
        )
        .replace(
            "[parties.processing_terms]\n",
            "[parties.processing_terms]\nseparate = false\n",
        );
    let path = dir.join("programme.toml");
    std::fs::write(&path, format!("{base}\n{tail}")).unwrap();
    path
}

const CSV_HEADER: &str = "id,legal_name,kind,country,address,contact.name,contact.email,signatory.name,signatory.title,due_diligence.date,due_diligence.scope,due_diligence.outcome\n";

fn csv_row(id: &str, name: &str, country: &str) -> String {
    format!(
        "{id},{name},company,{country},\"1 Example Street, Capital City\",Data Lead,data@{id}.example,Chief Executive,Chief Executive Officer,2026-02-20,values_alignment;reputation;security_practices;sanctions;data_provenance,approved\n"
    )
}

/// A programme of CSV partners `(id, legal name, country)`.
fn csv_programme(dir: &Path, partners: &[(&str, &str, &str)]) -> PathBuf {
    let mut csv = CSV_HEADER.to_owned();
    for (id, name, country) in partners {
        csv.push_str(&csv_row(id, name, country));
    }
    std::fs::write(dir.join("partners.csv"), csv).unwrap();
    programme(dir, "partners_csv = \"partners.csv\"", "")
}

fn partner_table(id: &str, name: &str, country: &str, extra: &str) -> String {
    format!(
        "[[partners]]\nid = \"{id}\"\nlegal_name = \"{name}\"\nkind = \"company\"\ncountry = \"{country}\"\naddress = \"2 Example Road, Capital City\"\n\
contact = {{ name = \"Data Lead\", email = \"data@example.org\" }}\nsignatories = [{{ name = \"Chief Executive\", title = \"Chief Executive Officer\" }}]\n\
due_diligence = {{ date = 2026-02-20, scope = [\"values_alignment\", \"reputation\", \"security_practices\", \"sanctions\"], outcome = \"approved\" }}\n{extra}\n"
    )
}

/// Files in a folder, by name.
fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn sha256(path: &Path) -> String {
    datapact::library::sha256_hex(&std::fs::read(path).unwrap())
}

fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// The result column of the summary table for one partner.
fn result_of(stderr: &str, partner: &str) -> String {
    stderr
        .lines()
        .find(|l| {
            l.split_whitespace().next() == Some(partner)
                && !l.contains(": built")
                && !l.starts_with('[')
        })
        .unwrap_or_else(|| panic!("no summary row for {partner} in:\n{stderr}"))
        .to_owned()
}

#[track_caller]
fn assert_summary(stderr: &str, built: usize, fresh: usize, failed: usize) {
    let want = format!("{built} built, {fresh} up to date, {failed} failed");
    assert!(stderr.contains(&want), "expected `{want}` in:\n{stderr}");
}

/// No temporary files left behind by atomic writes.
#[track_caller]
fn assert_no_temp_files(dir: &Path) {
    let tmp: Vec<String> = files(dir)
        .into_iter()
        .filter(|f| f.ends_with(".tmp") || f.starts_with(".datapact-"))
        .collect();
    assert!(
        tmp.is_empty(),
        "temporary files left in {}: {tmp:?}",
        dir.display()
    );
}

// ---------------------------------------------------------------------------
// The example programme

/// A partner and its checked model.
struct Job {
    name: String,
    origin: String,
    reference: String,
    model: Result<datapact::model::Model, Vec<datapact::diag::Diagnostic>>,
}

#[test]
fn example_programme_gives_every_partner_a_checked_agreement_with_transfers() {
    let (parts, partners): (Vec<_>, Vec<_>) = datapact::input::plan(&[PathBuf::from(PROGRAMME)])
        .into_iter()
        .partition(|p| p.part);
    // The Office's processor serves the Office only: its processing terms are one document for
    // the programme, between the Office and the processor.
    let [terms] = &parts[..] else {
        panic!("one processing-terms document, got {}", parts.len())
    };
    assert_eq!(terms.name, "processing-cloud");
    assert_eq!(terms.reference, "IOMS-DPA-2026-003");
    let jobs: Vec<Job> = partners
        .into_iter()
        .map(|p| Job {
            name: p.name.clone(),
            origin: p.origin.clone(),
            reference: p.reference.clone(),
            model: p.model(),
        })
        .collect();
    assert!(jobs.len() >= 6, "at least six partners, got {}", jobs.len());
    let mut countries = BTreeSet::new();
    let mut sources = BTreeSet::new();
    for job in &jobs {
        let model = job.model.as_ref().unwrap_or_else(|d| {
            panic!(
                "{}: {}",
                job.name,
                d.iter().map(|d| d.short()).collect::<Vec<_>>().join("\n")
            )
        });
        let check = datapact::lint::Check::run(model);
        let errors: Vec<String> = check
            .findings
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.short())
            .collect();
        assert!(
            errors.is_empty(),
            "{}: `datapact check` errors:\n{}",
            job.name,
            errors.join("\n")
        );
        let cfg = model.config();
        let mno = cfg.parties.iter().find(|p| p.id == "mno").unwrap();
        assert!(
            !mno.legal_name.contains("replaced"),
            "{}: the stand-in party was not replaced",
            job.name
        );
        countries.insert(mno.country.clone());
        assert_eq!(
            cfg.agreement.reference,
            format!("IOMS-MNO-2026-{}", job.name.to_uppercase())
        );
        assert_eq!(job.reference, cfg.agreement.reference);
        assert!(model.derived.has_transfers, "{}: no transfers", job.name);
        assert!(
            model.derived.transfers.iter().any(|t| t.exporter == "mno"),
            "{}: no transfer from the operator",
            job.name
        );
        sources.insert(if job.origin.contains("[[partners]]") {
            "table"
        } else if job.origin.contains("partners.csv:") {
            "csv"
        } else if job.origin.contains("partners/") {
            "folder"
        } else {
            "other"
        });
    }
    assert_eq!(
        sources,
        BTreeSet::from(["csv", "folder", "table"]),
        "partners from [[partners]], the CSV and the folder"
    );
    assert!(countries.len() >= 5, "{countries:?}");
    let outside_eea = countries
        .iter()
        .filter(|c| !datapact::model::is_eea(c))
        .count();
    assert!(
        outside_eea >= 3 && outside_eea < countries.len(),
        "partners inside and outside the EEA: {countries:?}"
    );

    // Overrides reach the partner's agreement, and only that one.
    let by_name: BTreeMap<&str, &Job> = jobs.iter().map(|j| (j.name.as_str(), j)).collect();
    let cfg = |n: &str| by_name[n].model.as_ref().unwrap().config();
    let law = |n: &str| cfg(n).agreement.governing_law.clone().unwrap_or_default();
    assert!(law("ke-rift").contains("Kenya"));
    assert!(!law("ug-nile").contains("Kenya"));
    assert!(
        cfg("fr-hexacom")
            .storage
            .iter()
            .all(|s| s.backup_country.is_none()),
        "fr-hexacom overrides storage"
    );
    assert!(
        cfg("ug-nile")
            .storage
            .iter()
            .any(|s| s.backup_country.is_some())
    );
    // Each operator's transfer to the Office is its own: the German one needs none for
    // counts that are not personal data, the Ugandan one relies on its law's s. 19(a), the
    // others on the agreement's own safeguards.
    let to_office = |id: &str| {
        cfg(id)
            .transfers
            .iter()
            .find(|t| t.importer == "office")
            .map(|t| t.mechanism.as_str())
    };
    assert_eq!(to_office("de-funknetz"), Some("not_required"));
    assert_eq!(to_office("ug-nile"), Some("adequacy"));
    assert_eq!(to_office("ke-rift"), Some("this_agreement"));
    assert!(
        law("et-abay").contains("privileges and immunities"),
        "CSV override column"
    );
    assert_eq!(
        cfg("et-abay")
            .parties
            .iter()
            .find(|p| p.id == "mno")
            .unwrap()
            .certifications
            .len(),
        2,
        "CSV list column"
    );
}

#[test]
fn one_agreement_per_partner_named_from_its_reference_with_a_manifest() {
    let out = scratch("one-per-partner");
    let r = batch(&out, &[PROGRAMME]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let jobs = datapact::input::plan(&[PathBuf::from(PROGRAMME)]);
    let mut want = BTreeSet::from(["manifest.json".to_owned()]);
    for j in &jobs {
        want.insert(format!("{}.md", j.reference));
        want.insert(format!("{}.json", j.reference));
    }
    assert_eq!(files(&out), want);
    assert_summary(&r.stderr, jobs.len(), 0, 0);

    let manifest = Manifest::read(&out);
    assert_eq!(manifest.agreements.len(), jobs.len());
    for e in &manifest.agreements {
        assert_eq!(e.inputs_hash.len(), 64, "{}: inputs hash", e.reference);
        assert_eq!(e.config, PROGRAMME);
        let names: Vec<&str> = e.outputs.iter().map(|o| o.file.as_str()).collect();
        assert_eq!(
            names,
            [
                format!("{}.md", e.reference),
                format!("{}.json", e.reference)
            ]
        );
        for o in &e.outputs {
            assert_eq!(o.sha256, sha256(&out.join(&o.file)), "{}", o.file);
        }
    }
    // The Markdown names the partner; the twin carries the reference.
    let md = std::fs::read_to_string(out.join("IOMS-MNO-2026-TZ-KILIMA.md")).unwrap();
    assert!(md.contains("Kilima Mobile Tanzania Limited"));
    assert!(!md.contains("replaced by each partner"));
    let twin = std::fs::read_to_string(out.join("IOMS-MNO-2026-TZ-KILIMA.json")).unwrap();
    assert!(twin.contains("IOMS-MNO-2026-TZ-KILIMA"));
    assert_no_temp_files(&out);
}

// ---------------------------------------------------------------------------
// Names: traversal and collisions

#[test]
fn partner_ids_and_references_cannot_leave_the_output_folder() {
    let dir = scratch("traversal");
    let tail = [
        partner_table("../escape", "Escape Ltd", "KE", ""),
        partner_table("sub/dir", "Subdir Ltd", "KE", ""),
        partner_table(".hidden", "Hidden Ltd", "KE", ""),
        partner_table("ke-ok", "Fine Telecom Ltd", "KE", ""),
    ]
    .concat();
    let prog = programme(&dir, "", &tail);
    let out = dir.join("out");
    let r = batch(&out, &[prog.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for id in ["../escape", "sub/dir", ".hidden"] {
        assert!(
            r.stderr
                .contains(&format!("partner id `{id}` cannot be used in a file name")),
            "{id}:\n{}",
            r.stderr
        );
        let row = r
            .stderr
            .lines()
            .find(|l| l.starts_with(id) && l.contains("FAILED"))
            .unwrap_or_else(|| panic!("no FAILED row for {id}:\n{}", r.stderr));
        assert!(row.contains("batch::partner-id"), "{row}");
    }
    assert!(result_of(&r.stderr, "ke-ok").contains("built"));
    assert_summary(&r.stderr, 1, 0, 3);
    assert_eq!(
        files(&dir),
        BTreeSet::from(["out".to_owned(), "programme.toml".to_owned()]),
        "nothing written beside the output folder"
    );
    assert_eq!(
        files(&out),
        BTreeSet::from([
            "IOMS-MNO-2026-KE-OK.json".into(),
            "IOMS-MNO-2026-KE-OK.md".into(),
            "manifest.json".into()
        ])
    );

    // A reference prefix with a slash: one clear error, nothing written.
    let dir2 = scratch("traversal-prefix");
    let prog2 = programme(
        &dir2,
        "",
        &partner_table("ke-ok", "Fine Telecom Ltd", "KE", ""),
    );
    let text = std::fs::read_to_string(&prog2).unwrap().replacen(
        "reference_prefix = \"IOMS-MNO-2026\"",
        "reference_prefix = \"../IOMS\"",
        1,
    );
    std::fs::write(&prog2, text).unwrap();
    let r = batch(&dir2.join("out"), &[prog2.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("reference_prefix `../IOMS` cannot start a file name"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("programme.toml:"),
        "the error points into the file:\n{}",
        r.stderr
    );

    // An ordinary config whose reference has a slash.
    let dir3 = scratch("traversal-config");
    let text = std::fs::read_to_string("examples/ngo-survey.toml").unwrap();
    let reference = text
        .lines()
        .find(|l| l.starts_with("reference = "))
        .unwrap();
    std::fs::write(
        dir3.join("bad.toml"),
        text.replacen(reference, "reference = \"../../etc/agreement\"", 1),
    )
    .unwrap();
    let r = batch(
        &dir3.join("out"),
        &[dir3.join("bad.toml").to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`../../etc/agreement` cannot be used as a file name"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("FAILED"), "{}", r.stderr);
    assert_eq!(
        files(&dir3.join("out")),
        BTreeSet::from(["manifest.json".to_owned()])
    );
}

#[test]
fn two_partners_claiming_one_name_are_both_reported_and_neither_built() {
    let dir = scratch("collision");
    std::fs::write(
        dir.join("partners.csv"),
        format!(
            "{CSV_HEADER}{}{}",
            csv_row("ke-a", "Alpha Telecom", "KE"),
            csv_row("tz-b", "Beta Telecom", "TZ")
        ),
    )
    .unwrap();
    // `KE-A` in a table gives the same reference as `ke-a` in the CSV.
    let prog = programme(
        &dir,
        "partners_csv = \"partners.csv\"",
        &partner_table("KE-A", "Alpha Prime Telecom", "KE", ""),
    );
    let out = dir.join("out");
    let r = batch(&out, &[prog.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for name in ["ke-a", "KE-A"] {
        let row = result_of(&r.stderr, name);
        assert!(
            row.contains("FAILED") && row.contains("ioms-mno-2026-ke-a"),
            "{row}"
        );
        assert!(
            row.contains("partners.csv:2") && row.contains("[[partners]] #1"),
            "both claimants named: {row}"
        );
    }
    assert!(result_of(&r.stderr, "tz-b").contains("built"));
    assert_summary(&r.stderr, 1, 0, 2);
    assert!(
        !files(&out)
            .iter()
            .any(|f| f.to_lowercase().contains("ke-a")),
        "{:?}",
        files(&out)
    );

    // Sharded so that the two land in different shards: each shard still reports its side.
    let out2 = dir.join("out-sharded");
    let mut failed = 0;
    for k in 1..=3 {
        let r = batch(
            &out2,
            &[prog.to_str().unwrap(), "--shard", &format!("{k}/3")],
        );
        failed += r
            .stderr
            .lines()
            .filter(|l| l.contains("FAILED") && l.contains("claimed"))
            .count();
    }
    assert_eq!(failed, 2, "both claimants fail whichever shard they are in");

    // An ordinary config and a partner, the same name in different case.
    let dir3 = scratch("collision-config");
    let prog3 = programme(&dir3, "", &partner_table("x1", "Gamma Telecom", "KE", ""));
    let text = std::fs::read_to_string("examples/ngo-survey.toml").unwrap();
    let reference = text
        .lines()
        .find(|l| l.starts_with("reference = "))
        .unwrap();
    std::fs::write(
        dir3.join("plain.toml"),
        text.replacen(reference, "reference = \"ioms-mno-2026-x1\"", 1),
    )
    .unwrap();
    let r = batch(
        &dir3.join("out"),
        &[
            prog3.to_str().unwrap(),
            dir3.join("plain.toml").to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_summary(&r.stderr, 0, 0, 2);
    assert!(result_of(&r.stderr, "x1").contains("claimed 2 times"));
    assert!(result_of(&r.stderr, "plain").contains("claimed 2 times"));
}

// ---------------------------------------------------------------------------
// Incremental builds

#[test]
fn a_rerun_skips_unchanged_agreements_and_rebuilds_only_what_changed() {
    let dir = scratch("incremental");
    let prog = csv_programme(
        &dir,
        &[
            ("ke-a", "Alpha Telecom", "KE"),
            ("tz-b", "Beta Telecom", "TZ"),
            ("ng-c", "Gamma Telecom Nigeria", "NG"),
        ],
    );
    let out = dir.join("out");
    let p = prog.to_str().unwrap();
    let r = batch(&out, &[p]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_summary(&r.stderr, 3, 0, 0);
    let md = |id: &str| out.join(format!("IOMS-MNO-2026-{}.md", id.to_uppercase()));
    let before: BTreeMap<String, std::time::SystemTime> = ["ke-a", "tz-b", "ng-c"]
        .iter()
        .map(|id| (id.to_string(), mtime(&md(id))))
        .collect();
    let manifest_before = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));

    // Nothing changed.
    let r = batch(&out, &[p]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_summary(&r.stderr, 0, 3, 0);
    assert!(result_of(&r.stderr, "ke-a").contains("up to date"));
    for (id, t) in &before {
        assert_eq!(mtime(&md(id)), *t, "{id} was rewritten");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.json")).unwrap(),
        manifest_before
    );

    // One partner changes: only it is rebuilt.
    let csv = std::fs::read_to_string(dir.join("partners.csv"))
        .unwrap()
        .replacen("Beta Telecom,company", "Beta Telecom Tanzania,company", 1);
    std::fs::write(dir.join("partners.csv"), csv).unwrap();
    let r = batch(&out, &[p]);
    assert_summary(&r.stderr, 1, 2, 0);
    assert!(result_of(&r.stderr, "tz-b").contains("built"));
    assert!(
        std::fs::read_to_string(md("tz-b"))
            .unwrap()
            .contains("Beta Telecom Tanzania")
    );
    assert_eq!(mtime(&md("ke-a")), before["ke-a"]);
    assert_ne!(mtime(&md("tz-b")), before["tz-b"]);
    let entry = |m: &Manifest, r: &str| {
        m.agreements
            .iter()
            .find(|e| e.reference == r)
            .cloned()
            .unwrap()
    };
    let m = Manifest::read(&out);
    assert_eq!(
        entry(&m, "IOMS-MNO-2026-TZ-B").outputs[0].sha256,
        sha256(&md("tz-b"))
    );

    // Touched but unchanged: still up to date (the content is hashed).
    let json = out.join("IOMS-MNO-2026-KE-A.json");
    let text = std::fs::read(&json).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&json, &text).unwrap();
    let r = batch(&out, &[p]);
    assert_summary(&r.stderr, 0, 3, 0);
    // Edited (same size), edited (another size) or deleted by hand: rebuilt.
    let mut same_size = text.clone();
    let i = same_size
        .iter()
        .position(|b| b.is_ascii_lowercase())
        .unwrap();
    same_size[i] = if same_size[i] == b'x' { b'y' } else { b'x' };
    std::fs::write(out.join("IOMS-MNO-2026-TZ-B.json"), &same_size).unwrap();
    let r = batch(&out, &[p]);
    assert_summary(&r.stderr, 1, 2, 0);
    assert!(result_of(&r.stderr, "tz-b").contains("built"));
    std::fs::write(md("ke-a"), "tampered").unwrap();
    std::fs::remove_file(out.join("IOMS-MNO-2026-NG-C.json")).unwrap();
    let r = batch(&out, &[p]);
    assert_summary(&r.stderr, 2, 1, 0);
    assert_ne!(std::fs::read_to_string(md("ke-a")).unwrap(), "tampered");
    assert!(out.join("IOMS-MNO-2026-NG-C.json").is_file());

    // The programme file itself is an input (the agreements' provenance cites its hash).
    let text = std::fs::read_to_string(&prog).unwrap();
    std::fs::write(&prog, format!("# edited\n{text}")).unwrap();
    let r = batch(&out, &[p]);
    assert_summary(&r.stderr, 3, 0, 0);

    // So are the clauses and templates: a changed library rebuilds everything.
    let lib = dir.join("library");
    datapact()
        .args(["clauses", "--export"])
        .arg(&lib)
        .assert()
        .success();
    // The exported copy has the same text: nothing to rebuild.
    let r = batch(&out, &[p, "--library", lib.to_str().unwrap()]);
    assert_summary(&r.stderr, 0, 3, 0);
    let clause = walk(&lib.join("clauses"))
        .into_iter()
        .find(|f| {
            f.extension().is_some_and(|e| e == "md")
                && !f.ends_with("README.md")
                && std::fs::read_to_string(f)
                    .unwrap()
                    .contains("required = true")
        })
        .unwrap();
    let text = std::fs::read_to_string(&clause).unwrap();
    std::fs::write(&clause, format!("{text}\n")).unwrap();
    let r = batch(&out, &[p, "--library", lib.to_str().unwrap()]);
    assert_summary(&r.stderr, 3, 0, 0);
    let templates = walk(&lib.join("templates"));
    let tpl = templates
        .iter()
        .find(|f| f.file_name().is_some_and(|n| n == "agreement.md.tera"))
        .unwrap();
    let text = std::fs::read_to_string(tpl).unwrap();
    std::fs::write(tpl, format!("{text}\n")).unwrap();
    let r = batch(&out, &[p, "--library", lib.to_str().unwrap()]);
    assert_summary(&r.stderr, 3, 0, 0);

    // A removed partner leaves the manifest.
    std::fs::write(
        dir.join("partners.csv"),
        format!("{CSV_HEADER}{}", csv_row("ke-a", "Alpha Telecom", "KE")),
    )
    .unwrap();
    let r = batch(&out, &[p, "--library", lib.to_str().unwrap()]);
    assert_summary(&r.stderr, 0, 1, 0);
    let m = Manifest::read(&out);
    assert_eq!(
        m.agreements
            .iter()
            .map(|e| e.reference.as_str())
            .collect::<Vec<_>>(),
        ["IOMS-MNO-2026-KE-A"]
    );
    assert_no_temp_files(&out);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------
// Failures, output, shards

#[test]
fn a_failing_partner_does_not_stop_the_others() {
    let dir = scratch("failing");
    let tail = [
        partner_table("ke-good", "Good Telecom", "KE", ""),
        partner_table("xx-bad", "Bad Country Telecom", "XX", ""),
        partner_table(
            "tz-override",
            "Overreach Telecom",
            "TZ",
            "[partners.overrides]\n\"dpia.residual_risk\" = \"low\"\n",
        ),
        partner_table("tz-typo", "Typo Telecom", "TZ", "legal_nme = \"Typo\"\n"),
    ]
    .concat();
    let prog = programme(&dir, "", &tail);
    let out = dir.join("out");
    let r = batch(&out, &[prog.to_str().unwrap()]);
    assert_eq!(r.code, 1, "exit 1 when anything failed:\n{}", r.stderr);
    assert_summary(&r.stderr, 1, 0, 3);
    assert!(result_of(&r.stderr, "ke-good").contains("built"));
    let bad = result_of(&r.stderr, "xx-bad");
    assert!(
        bad.contains("FAILED") && bad.contains("XX"),
        "the reason is given: {bad}"
    );
    let over = result_of(&r.stderr, "tz-override");
    assert!(
        over.contains("FAILED")
            && over.contains("does not let partners override `dpia.residual_risk`"),
        "{over}"
    );
    assert!(
        over.contains("overridable fields: agreement.governing_law"),
        "{over}"
    );
    let typo = result_of(&r.stderr, "tz-typo");
    assert!(typo.contains("unknown key `legal_nme`"), "{typo}");
    assert!(
        r.stderr.contains("did you mean `legal_name`?"),
        "{}",
        r.stderr
    );
    // The diagnostics point into the programme file.
    assert!(r.stderr.contains("programme.toml:"), "{}", r.stderr);
    assert_eq!(Manifest::read(&out).agreements.len(), 1);
    assert_no_temp_files(&out);
}

#[test]
fn progress_is_plain_lines_off_a_terminal_and_quiet_prints_only_failures() {
    let dir = scratch("progress");
    let prog = csv_programme(
        &dir,
        &[
            ("ke-a", "Alpha Telecom", "KE"),
            ("tz-b", "Beta Telecom", "TZ"),
        ],
    );
    let out = dir.join("out");
    let r = batch(&out, &[prog.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        lines.iter().any(|l| l.ends_with("ke-a: built"))
            && lines.iter().any(|l| l.starts_with("[2/2] ")),
        "{lines:?}"
    );
    assert!(
        !r.stderr.contains('\u{1b}'),
        "no terminal escapes off a terminal"
    );
    assert!(
        r.stderr.contains("partner")
            && r.stderr.contains("reference")
            && r.stderr.contains("result"),
        "summary table:\n{}",
        r.stderr
    );

    let r = batch(&out, &[prog.to_str().unwrap(), "--quiet"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stderr.trim(),
        format!(
            "0 built, 2 up to date, 0 failed (2 agreements in {})",
            out.display()
        )
    );

    std::fs::write(
        dir.join("partners.csv"),
        format!(
            "{CSV_HEADER}{}{}",
            csv_row("ke-a", "Alpha Telecom", "KE"),
            csv_row("tz-b", "Beta Telecom", "QQ")
        ),
    )
    .unwrap();
    let r = batch(&out, &[prog.to_str().unwrap(), "--quiet"]);
    assert_eq!(r.code, 1);
    assert!(
        !r.stderr.lines().any(|l| l.starts_with("ke-a")),
        "quiet hides successes:\n{}",
        r.stderr
    );
    assert!(result_of(&r.stderr, "tz-b").contains("FAILED"));
    assert!(r.stderr.contains("0 built, 1 up to date, 1 failed"));
}

#[test]
fn progress_is_a_bar_on_a_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` (util-linux) is needed to run under a terminal");
        return;
    }
    let dir = scratch("progress-tty");
    let prog = csv_programme(
        &dir,
        &[
            ("ke-a", "Alpha Telecom", "KE"),
            ("tz-b", "Beta Telecom", "TZ"),
        ],
    );
    let bin = assert_cmd::cargo::cargo_bin("datapact");
    let cmd = format!(
        "'{}' batch '{}' --format md -o '{}'",
        bin.display(),
        prog.display(),
        dir.join("out").display()
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{tty}");
    assert!(
        tty.contains("2/2") && tty.contains('\u{2588}'),
        "a bar with its count:\n{tty}"
    );
    assert!(
        !tty.contains("[1/2]"),
        "no plain lines on a terminal:\n{tty}"
    );
    assert!(tty.contains("2 built, 0 up to date, 0 failed"));
}

#[test]
fn shards_are_disjoint_and_together_build_the_whole_batch() {
    let dir = scratch("shards");
    let ids: Vec<(String, String)> = (1..=7)
        .map(|i| (format!("p{i}"), format!("Partner {i} Telecom")))
        .collect();
    let partners: Vec<(&str, &str, &str)> = ids
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str(), "KE"))
        .collect();
    let prog = csv_programme(&dir, &partners);
    let p = prog.to_str().unwrap();
    let mut seen: Vec<String> = Vec::new();
    let shared = dir.join("out-shared");
    for k in 1..=3 {
        let out = dir.join(format!("out-{k}"));
        let r = batch(&out, &[p, "--shard", &format!("{k}/3")]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mine: Vec<String> = files(&out)
            .into_iter()
            .filter(|f| f.ends_with(".md"))
            .collect();
        assert!((2..=3).contains(&mine.len()), "balanced shards: {mine:?}");
        seen.extend(mine);
        // The same shards into one folder: the manifest keeps every shard's entries.
        assert_eq!(batch(&shared, &[p, "--shard", &format!("{k}/3")]).code, 0);
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "disjoint: {seen:?}");
    assert_eq!(unique.len(), 7, "complete: {seen:?}");
    assert_eq!(Manifest::read(&shared).agreements.len(), 7);
    let r = batch(&shared, &[p]);
    assert_summary(&r.stderr, 0, 7, 0);

    for bad in ["0/3", "4/3", "1/0", "x", "1/2/3"] {
        let r = batch(&dir.join("never"), &[p, "--shard", bad]);
        assert_eq!(r.code, 2, "--shard {bad}");
        assert!(r.stderr.contains("write K/N"), "{}", r.stderr);
    }
}

#[test]
fn batch_builds_ordinary_configs_too() {
    let out = scratch("ordinary");
    let r = batch(
        &out,
        &[
            "examples/mno-displacement.toml",
            "examples/ngo-survey.toml",
            "--jobs",
            "2",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // mno-displacement.toml also makes its processor's processing terms.
    assert_summary(&r.stderr, 3, 0, 0);
    for config in ["examples/mno-displacement.toml", "examples/ngo-survey.toml"] {
        let p = datapact::build::build_file(Path::new(config), None).unwrap();
        let reference = &p.model.config().agreement.reference;
        assert_eq!(
            std::fs::read_to_string(out.join(format!("{reference}.md"))).unwrap(),
            p.rendered.markdown,
            "{config}: same as generate"
        );
        assert!(
            result_of(
                &r.stderr,
                Path::new(config).file_stem().unwrap().to_str().unwrap()
            )
            .contains(reference.as_str())
        );
    }
    let r = batch(
        &out,
        &["examples/mno-displacement.toml", "examples/ngo-survey.toml"],
    );
    assert_summary(&r.stderr, 0, 3, 0);

    // A file that cannot be read is a failed job, not the end of the run.
    let r = batch(
        &out,
        &["examples/mno-displacement.toml", "does-not-exist.toml"],
    );
    assert_eq!(r.code, 1);
    assert_summary(&r.stderr, 0, 2, 1);
    assert!(result_of(&r.stderr, "does-not-exist").contains("cannot read does-not-exist.toml"));
}

#[test]
fn generate_writes_every_partner_of_a_programme() {
    let out = scratch("generate");
    let o = datapact()
        .args([
            "generate",
            PROGRAMME,
            "examples/ngo-survey.toml",
            "--format",
            "md",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let jobs = datapact::input::plan(&[PathBuf::from(PROGRAMME)]);
    for j in &jobs {
        assert!(
            out.join(format!("{}.md", j.reference)).is_file(),
            "{}",
            j.reference
        );
        assert!(stderr.contains(&format!("{}.md", j.reference)));
    }
    let md: Vec<String> = files(&out)
        .into_iter()
        .filter(|f| f.ends_with(".md"))
        .collect();
    assert_eq!(md.len(), jobs.len() + 1);
    assert!(
        !out.join("manifest.json").exists(),
        "generate is not incremental"
    );

    // A bad partner: the others are still generated; exit 2 (bad input).
    let dir = scratch("generate-bad");
    let prog = programme(
        &dir,
        "",
        &[
            partner_table("ke-good", "Good Telecom", "KE", ""),
            partner_table("../bad", "Bad Telecom", "KE", ""),
        ]
        .concat(),
    );
    let o = datapact()
        .args(["generate", "--format", "md", "-o"])
        .arg(dir.join("out"))
        .arg(&prog)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("partner id `../bad` cannot be used in a file name")
    );
    assert!(dir.join("out/IOMS-MNO-2026-KE-GOOD.md").is_file());
}

// ---------------------------------------------------------------------------
// PDFs: no typst process on a rerun

#[test]
fn pdf_batch_starts_no_typst_on_a_rerun_and_one_for_a_changed_partner() {
    let typst =
        datapact::pdf::Typst::locate(None).expect("typst 0.15.1 is needed: run `bash .ci/setup`");
    let dir = scratch("pdf");
    let log = dir.join("typst.log");
    let wrapper = dir.join("typst-wrapper.sh");
    // typst runs with a cleared environment: absolute paths only.
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nif [ \"$1\" != \"--version\" ]; then echo \"$*\" >> '{}'; fi\nexec '{}' \"$@\"\n",
            log.display(),
            typst.path().display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // Two partners from files, so that changing one leaves the other's inputs alone.
    let partners = dir.join("partners");
    std::fs::create_dir_all(&partners).unwrap();
    for f in ["de-funknetz.toml", "fr-hexacom.toml"] {
        std::fs::copy(
            Path::new("examples/programme/partners").join(f),
            partners.join(f),
        )
        .unwrap();
    }
    let prog = programme(&dir, "partners_dir = \"partners\"", "");
    let out = dir.join("out");
    let args = [
        prog.to_str().unwrap(),
        "--format",
        "md,pdf",
        "--typst",
        wrapper.to_str().unwrap(),
    ];
    let log_lines = || {
        std::fs::read_to_string(&log)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };

    let r = batch(&out, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_summary(&r.stderr, 2, 0, 0);
    assert_eq!(log_lines(), 2, "one typst compile per agreement");
    let m = Manifest::read(&out);
    for e in &m.agreements {
        let pdf = e
            .outputs
            .iter()
            .find(|o| o.file.ends_with(".pdf"))
            .unwrap_or_else(|| panic!("{}: no PDF in the manifest", e.reference));
        assert_eq!(pdf.file, format!("{}.pdf", e.reference));
        let bytes = std::fs::read(out.join(&pdf.file)).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(pdf.sha256, datapact::library::sha256_hex(&bytes));
    }

    // Nothing changed: no typst process at all.
    let r = batch(&out, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_summary(&r.stderr, 0, 2, 0);
    assert_eq!(
        log_lines(),
        2,
        "a rerun with nothing changed starts no typst process"
    );

    // One partner changed: one compile.
    let f = partners.join("fr-hexacom.toml");
    let text = std::fs::read_to_string(&f).unwrap().replacen(
        "Hexacom Mobile SAS",
        "Hexacom Mobile France SAS",
        1,
    );
    std::fs::write(&f, text).unwrap();
    let r = batch(&out, &args);
    assert_summary(&r.stderr, 1, 1, 0);
    assert!(result_of(&r.stderr, "fr-hexacom").contains("built"));
    assert_eq!(log_lines(), 3, "only the changed partner is typeset again");

    // Markdown only is a different set of outputs: rebuilt, and still no typst.
    let r = batch(&out, &[prog.to_str().unwrap(), "--format", "md"]);
    assert_summary(&r.stderr, 2, 0, 0);
    assert_eq!(log_lines(), 3);
    assert_no_temp_files(&out);
}

/// Clauses are rendered once and reused for partners whose inputs to them are equal: two
/// partners that differ only in their names and ids get the same agreement but for those, and
/// partners in different countries do not. (Debug builds also render every reused clause again
/// and compare.)
#[test]
fn reused_clauses_never_carry_one_partners_text_into_anothers_agreement() {
    let dir = scratch("render-cache");
    let prog = csv_programme(
        &dir,
        &[
            ("ke-one", "Kilifi Mobile Alpha Limited", "KE"),
            ("ng-one", "Kilifi Mobile Gamma Nigeria Limited", "NG"),
            ("ke-two", "Kilifi Mobile Bravo Limited", "KE"),
            ("ng-two", "Kilifi Mobile Delta Nigeria Limited", "NG"),
        ],
    );
    let out = dir.join("out");
    let r = batch(&out, &[prog.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = |id: &str| {
        let name = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|n| n.ends_with(&format!("{}.md", id.to_uppercase())))
            .unwrap_or_else(|| panic!("no agreement for {id}"));
        std::fs::read_to_string(out.join(name)).unwrap()
    };
    let swap = |text: &str, from: (&str, &str), to: (&str, &str)| {
        text.replace(from.1, to.1)
            .replace(&from.0.to_uppercase(), &to.0.to_uppercase())
            .replace(from.0, to.0)
    };
    for (a, b) in [
        (
            ("ke-one", "Kilifi Mobile Alpha Limited"),
            ("ke-two", "Kilifi Mobile Bravo Limited"),
        ),
        (
            ("ng-one", "Kilifi Mobile Gamma Nigeria Limited"),
            ("ng-two", "Kilifi Mobile Delta Nigeria Limited"),
        ),
    ] {
        let (ma, mb) = (md(a.0), md(b.0));
        assert!(
            ma.contains(a.1) && !ma.contains(b.1),
            "{} names only its own partner",
            a.0
        );
        assert!(
            mb.contains(b.1) && !mb.contains(a.1),
            "{} names only its own partner",
            b.0
        );
        let expected = swap(&ma, a, b);
        if expected != mb {
            let line = expected
                .lines()
                .zip(mb.lines())
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("expected: {x}\n     got: {y}"))
                .unwrap_or_else(|| "lengths differ".into());
            panic!(
                "{}'s agreement is not {}'s with the names swapped:\n{line}",
                b.0, a.0
            );
        }
    }
    // A partner outside the EEA gets the transfer clauses that one inside does not.
    let ke = swap(
        &md("ke-one"),
        ("ke-one", "Kilifi Mobile Alpha Limited"),
        ("x", "X"),
    );
    let de = swap(
        &md("ng-one"),
        ("ng-one", "Kilifi Mobile Gamma Nigeria Limited"),
        ("x", "X"),
    );
    assert_ne!(ke, de);
    assert!(ke.contains("Kenya") && !de.contains("Kenya"));
}

#[test]
fn csv_errors_point_at_the_right_line_and_a_column_named_twice_is_refused() {
    let dir = scratch("csv-lines");
    csv_programme(&dir, &[("op-a", "Operator A Ltd", "KE")]);
    // Two blank lines before a row with a bad country (line 5): the error names that line.
    let csv = format!(
        "{CSV_HEADER}{}\n\n{}",
        csv_row("op-a", "Operator A Ltd", "KE"),
        csv_row("op-b", "Operator B Ltd", "KEN")
    );
    std::fs::write(dir.join("partners.csv"), csv).unwrap();
    let r = batch(
        &dir.join("out"),
        &[dir.join("programme.toml").to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("partners.csv:5:1: error[config::bad-country]"),
        "{}",
        r.stderr
    );
    // A header naming a column twice: the later value would replace the earlier one.
    let header = CSV_HEADER.replacen("kind", "legal_name", 1);
    let csv = format!("{header}{}", csv_row("op-a", "Operator A Ltd", "KE"));
    std::fs::write(dir.join("partners.csv"), csv).unwrap();
    let r = batch(
        &dir.join("out2"),
        &[dir.join("programme.toml").to_str().unwrap()],
    );
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("partners.csv:1:15: error[batch::csv]: column `legal_name` appears twice"),
        "{}",
        r.stderr
    );
}

#[test]
fn overridable_names_only_fields_a_partner_can_override() {
    let dir = scratch("bad-overridable");
    let path = csv_programme(&dir, &[("op-a", "Operator A Ltd", "KE")]);
    let text = std::fs::read_to_string(&path).unwrap();
    for (entry, help) in [
        ("agreement.forumm", "did you mean `agreement.forum`?"),
        ("agreement.reference", "change reference_prefix instead"),
        ("parties", "set directly in the partner"),
    ] {
        assert_eq!(text.matches("overridable = [").count(), 1);
        let edited = text.replacen(
            "overridable = [",
            &format!("overridable = [\"{entry}\", "),
            1,
        );
        std::fs::write(&path, edited).unwrap();
        let r = batch(&dir.join("out"), &[path.to_str().unwrap()]);
        assert_ne!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "error[batch::bad-overridable]: `{entry}` in programme.overridable"
            )) && r.stderr.contains(help),
            "{entry}: {}",
            r.stderr
        );
        assert!(!dir.join("out").join("IOMS-MNO-2026-OP-A.md").exists());
    }
}

#[test]
fn a_closed_stderr_does_not_stop_or_hang_a_batch() {
    // `datapact batch … 2>&1 | head -2`: progress lines then go to a closed pipe. eprintln!
    // panicked there, inside the build, and the run hung waiting for its flusher thread.
    let dir = scratch("closed-stderr");
    let path = csv_programme(
        &dir,
        &[
            ("op-a", "Operator A Ltd", "KE"),
            ("op-b", "Operator B Ltd", "TZ"),
            ("op-c", "Operator C Ltd", "TZ"),
        ],
    );
    let out = dir.join("out");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("datapact"))
        .arg("batch")
        .arg(&path)
        .args(["--format", "md", "-j", "2", "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(120) {
            let _ = child.kill();
            panic!("batch did not finish with its stderr closed");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    for id in ["OP-A", "OP-B", "OP-C"] {
        assert!(out.join(format!("IOMS-MNO-2026-{id}.md")).exists());
    }
    assert!(out.join("manifest.json").exists());
}

#[test]
fn partners_go_by_the_stand_in_s_short_name_and_may_not_rename_it_while_the_text_uses_it() {
    let dir = scratch("stand-in-name");
    let path = csv_programme(&dir, &[("ke-a", "Alpha Telecom PLC", "KE")]);
    let r = batch(&dir.join("out"), &[path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(dir.join("out/IOMS-MNO-2026-KE-A.md")).unwrap();
    // The shared text says "the Operator": the partner is defined as such.
    assert!(md.contains("**Alpha Telecom PLC**"), "partner listed");
    assert!(
        md.contains("(“the Operator”)"),
        "the partner is defined as the Operator"
    );

    // A short name of its own would leave "the Operator" in the text undefined.
    let header = CSV_HEADER.replacen("legal_name,", "legal_name,short_name,", 1);
    let row = csv_row("ke-a", "Alpha Telecom PLC", "KE").replacen(
        "Alpha Telecom PLC,",
        "Alpha Telecom PLC,Alpha,",
        1,
    );
    std::fs::write(dir.join("partners.csv"), format!("{header}{row}")).unwrap();
    let r = batch(&dir.join("out2"), &[path.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[batch::stand-in-name]: this partner's short name is “Alpha”, but the programme's text still calls it “the Operator”"),
        "{}",
        r.stderr
    );
    assert!(!dir.join("out2/IOMS-MNO-2026-KE-A.md").exists());
}

#[test]
fn partner_files_are_toml_files_in_any_case_and_never_hidden_ones() {
    let dir = scratch("partner-files");
    let path = programme(&dir, "partners_dir = \"partners\"", "");
    let partners = dir.join("partners");
    std::fs::create_dir_all(&partners).unwrap();
    std::fs::write(
        partners.join("ke-a.TOML"),
        partner_table("ke-a", "Alpha Telecom PLC", "KE", "").replacen("[[partners]]\n", "", 1),
    )
    .unwrap();
    // An editor's lock or backup file beside it: not a partner.
    std::fs::write(
        partners.join(".#ke-a.toml"),
        partner_table("ke-a", "Alpha Telecom PLC", "KE", "").replacen("[[partners]]\n", "", 1),
    )
    .unwrap();
    let r = batch(&dir.join("out"), &[path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_summary(&r.stderr, 1, 0, 0);
    assert!(dir.join("out/IOMS-MNO-2026-KE-A.md").exists());
}

#[test]
fn a_programme_that_cannot_be_read_leaves_the_manifest_as_it_was() {
    let dir = scratch("unreadable-programme");
    let path = csv_programme(
        &dir,
        &[
            ("ke-a", "Alpha Telecom PLC", "KE"),
            ("tz-b", "Beta Telecom", "TZ"),
        ],
    );
    let out = dir.join("out");
    let r = batch(&out, &[path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    // A syntax error: nothing can be planned, so nothing is known about its agreements.
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{good}\n[agreement\n")).unwrap();
    let r = batch(&out, &[path.to_str().unwrap()]);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.json")).unwrap(),
        manifest,
        "the manifest keeps the agreements built before"
    );
    // Fixed again: nothing needs rebuilding.
    std::fs::write(&path, good).unwrap();
    let r = batch(&out, &[path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_summary(&r.stderr, 0, 2, 0);
}
