//! The agreement holds exactly the clauses it should, for generated combinations of roles
//! (every relationship module) with and without special categories, transfers, sub-processors
//! and consent. Expectations are written from what the law asks of each situation, not read
//! back from the clauses' own conditions.

use std::collections::BTreeSet;
use std::path::Path;

const STARTER: &str = include_str!("../src/starter.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Module {
    /// Two independent controllers.
    C2c,
    /// Joint controllers (Art. 26).
    Joint,
    /// A controller and its processor (Art. 28).
    C2p,
    /// A processor and its sub-processor, plus the controller → processor leg.
    P2p,
    /// A processor returning results to its controller.
    P2c,
}

#[derive(Debug, Clone, Copy)]
struct Case {
    module: Module,
    special: bool,
    transfer: bool,
    subprocessor: bool,
    consent: bool,
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// Build a config for a case from the starter (a controller → controller sharing).
fn config(c: Case) -> String {
    let mut t = STARTER.to_owned();
    match c.module {
        Module::C2c => {}
        Module::Joint => {
            t = replace_once(
                &t,
                "kind = \"company\"",
                "kind = \"company\"\nrole = \"joint_controller\"",
            );
            t = replace_once(
                &t,
                "kind = \"research_body\"",
                "kind = \"research_body\"\nrole = \"joint_controller\"",
            );
        }
        Module::C2p | Module::P2p | Module::P2c => {
            t = replace_once(
                &t,
                "kind = \"research_body\"",
                "kind = \"research_body\"\nrole = \"processor\"",
            );
            t = replace_once(
                &t,
                "encryption_in_transit = \"SFTP with key-based authentication\"",
                "encryption_in_transit = \"SFTP with key-based authentication\"\non_behalf_of = \"provider\"\ninstructions = \"Annex: processing instructions of 1 March 2026\"",
            );
        }
    }
    if c.module == Module::P2p {
        t.push_str(
            "\n[[parties]]\nid = \"hosting\"\nlegal_name = \"Example Hosting B.V.\"\nkind = \"company\"\ncountry = \"NL\"\naddress = \"3 Example Kade, Amsterdam\"\nrole = \"sub_processor\"\ncontact = { name = \"Ops\", email = \"ops@hosting.example\" }\nsignatories = [{ name = \"C. Example\", title = \"Director\" }]\n\n[[flows]]\nid = \"f2\"\nfrom = \"institute\"\nto = \"hosting\"\ndatasets = [\"od_matrix\"]\npurposes = [\"displacement\"]\nfrequency = \"continuous\"\nmethod = \"https_api\"\nencryption_in_transit = \"TLS 1.3\"\non_behalf_of = \"provider\"\ninstructions = \"Hosting only\"\n",
        );
    }
    if c.module == Module::P2c {
        t.push_str(
            "\n[[datasets]]\nid = \"results\"\ntitle = \"Indicator tables\"\ndescription = \"Weekly indicator tables computed by the institute for the operator.\"\nprovider = \"institute\"\ndata_subjects = [\"mobile subscribers\"]\ndata_categories = [\"mobility\"]\nidentifiability = \"aggregated\"\nmin_cell_size = 15\nprovenance = { original_controller = \"provider\", original_purpose = \"displacement analysis\" }\n\n[[flows]]\nid = \"f2\"\nfrom = \"institute\"\nto = \"provider\"\ndatasets = [\"results\"]\npurposes = [\"displacement\"]\nfrequency = \"periodic\"\ninterval = \"P7D\"\nmethod = \"sftp\"\nencryption_in_transit = \"SFTP with key-based authentication\"\non_behalf_of = \"provider\"\n",
        );
    }
    if c.special {
        t = replace_once(
            &t,
            "data_categories = [\"mobility\"]\nidentifiability = \"aggregated\"\nmin_cell_size = 15\nprovenance = { original_controller = \"provider\", original_purpose = \"network operation and billing\" }",
            "data_categories = [\"mobility\", \"health\"]\nidentifiability = \"pseudonymised\"\nprovenance = { original_controller = \"provider\", original_purpose = \"network operation and billing\" }",
        );
        t.push_str("\n[[legal_bases]]\nparty = \"provider\"\npurpose = \"displacement\"\nbasis = \"public_task\"\nspecial_category_condition = \"substantial_public_interest\"\nreference = \"Public Health Act, section 12\"\n");
    }
    if c.transfer {
        // The recipient sits outside the EEA, with standard contractual clauses.
        t = replace_once(
            &t,
            "country = \"BE\"\naddress = \"2 Example Street, 9000 Ghent\"",
            "country = \"KE\"\naddress = \"2 Example Street, Nairobi\"",
        );
        t.push_str("\n[[transfers]]\nimporter = \"institute\"\nmechanism = \"standard_contractual_clauses\"\ntia_reference = \"TIA-2026-01\"\n");
    }
    // The relationships and their clauses are data-protection law's: they arise only for
    // personal data, so the cases share pseudonymised data unless a case says otherwise.
    t = t.replace(
        "identifiability = \"aggregated\"\nmin_cell_size = 15\nprovenance = { original_controller = \"provider\", original_purpose = \"network operation and billing\" }",
        "identifiability = \"pseudonymised\"\nprovenance = { original_controller = \"provider\", original_purpose = \"network operation and billing\" }",
    );
    if c.subprocessor {
        t.push_str("\n[[subprocessors]]\nid = \"backup\"\nprocessor = \"institute\"\nname = \"Example Backup GmbH\"\ncountry = \"DE\"\nservice = \"encrypted off-site backups\"\nauthorisation = \"specific\"\n");
    }
    if c.consent {
        t.push_str("\n[consent]\nrelied_on = true\nobtained_by = \"provider\"\nmethod = \"An opt-in screen in the operator's app, in plain language, recorded with a time stamp.\"\nwithdrawal = \"A toggle in the same app; withdrawal stops inclusion from the next weekly extract.\"\nlanguages = [\"en\", \"fr\"]\n");
    }
    t
}

fn clauses_of(c: Case) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.toml");
    std::fs::write(&path, config(c)).unwrap();
    let p = datapact::build::build_file(&path, None).unwrap_or_else(|d| {
        panic!(
            "{c:?} does not generate:\n{}",
            datapact::diag::render(&d, datapact::diag::DiagnosticFormat::Short)
        )
    });
    p.rendered.selection.included().map(str::to_owned).collect()
}

/// What each situation requires: (clause id, must it be there?).
fn expectations(c: Case) -> Vec<(&'static str, bool)> {
    let processor = matches!(c.module, Module::C2p | Module::P2p | Module::P2c);
    vec![
        // Relationship modules.
        ("roles-independent-controllers", c.module == Module::C2c),
        ("roles-joint-controllers", c.module == Module::Joint),
        ("roles-processor-obligations", processor),
        ("roles-processing-particulars", processor),
        ("roles-sub-processing", c.module == Module::P2p),
        ("incident-processor-notice", processor),
        ("retention-processor-choice", processor),
        // Sub-processors: authorised when listed; otherwise a processor may engage none.
        ("subprocessor-authorisation", c.subprocessor),
        ("subprocessor-none", processor && !c.subprocessor),
        // Special categories.
        ("data-special-categories", c.special),
        ("security-sensitive-data", c.special),
        // Transfers.
        (
            "transfers-register",
            c.transfer || c.subprocessor && c.module == Module::C2c,
        ),
        (
            "transfers-none",
            !(c.transfer || c.subprocessor && c.module == Module::C2c),
        ),
        // Consent.
        ("transparency-consent", c.consent),
        ("transparency-no-consent", !c.consent),
        // Always present.
        ("defined-terms", true),
        ("purpose-statement", true),
        ("retention-schedule", true),
        ("annex-safeguards-checklist", true),
        ("disputes-courts", true),
        ("protocol-status", false),
    ]
}

#[test]
fn every_module_and_overlay_combination_holds_exactly_the_expected_clauses() {
    let modules = [
        Module::C2c,
        Module::Joint,
        Module::C2p,
        Module::P2p,
        Module::P2c,
    ];
    let mut checked = 0;
    for module in modules {
        for bits in 0..16u8 {
            let case = Case {
                module,
                special: bits & 1 != 0,
                transfer: bits & 2 != 0,
                subprocessor: bits & 4 != 0,
                consent: bits & 8 != 0,
            };
            // A sub-processor needs a processor to engage it.
            if case.subprocessor && matches!(module, Module::C2c | Module::Joint) {
                continue;
            }
            let got = clauses_of(case);
            for (id, want) in expectations(case) {
                assert_eq!(
                    got.contains(id),
                    want,
                    "{case:?}: clause `{id}` should {}be included",
                    if want { "" } else { "not " }
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 64);
}

#[test]
fn every_example_holds_its_module_clauses() {
    let has = |ex: &str, id: &str| {
        datapact::build::build_file(Path::new(ex), None)
            .unwrap()
            .rendered
            .selection
            .included()
            .any(|c| c == id)
    };
    // An operator → international organisation → cloud host chain with a backup provider. The
    // data is aggregated, not personal: the host is a service provider, not a processor, and
    // no data-protection roles or transfer rules arise. The host serves the organisation only:
    // the sharing agreement lists it, and its own terms are a document apart.
    assert!(has(
        "examples/mno-displacement.toml",
        "subprocessor-controller-providers"
    ));
    assert!(!has(
        "examples/mno-displacement.toml",
        "roles-service-providers"
    ));
    assert!(has(
        "examples/mno-displacement.toml#processing-cloud",
        "roles-service-providers"
    ));
    assert!(!has(
        "examples/mno-displacement.toml",
        "roles-processor-obligations"
    ));
    assert!(!has(
        "examples/mno-displacement.toml",
        "roles-independent-controllers"
    ));
    assert!(has(
        "examples/mno-displacement.toml",
        "disputes-privileges-immunities"
    ));
    // An NGO and its survey company, with health data and consent.
    assert!(has(
        "examples/ngo-survey.toml",
        "roles-processor-obligations"
    ));
    assert!(has("examples/ngo-survey.toml", "data-special-categories"));
    assert!(has("examples/ngo-survey.toml", "transparency-consent"));
    assert!(!has("examples/ngo-survey.toml", "roles-joint-controllers"));
    // A bank and a university: two independent controllers, research only.
    assert!(has(
        "examples/bank-remittances.toml",
        "roles-independent-controllers"
    ));
    assert!(!has(
        "examples/bank-remittances.toml",
        "roles-processor-obligations"
    ));
    assert!(has(
        "examples/bank-remittances.toml",
        "use-research-commercial"
    ));
}

#[test]
fn library_is_complete_and_every_clause_is_documented() {
    let lib = datapact::library::Library::builtin().unwrap();
    assert!(
        lib.clauses.len() >= 80,
        "at least 80 clauses, found {}",
        lib.clauses.len()
    );
    for s in &lib.sections {
        assert!(
            lib.clauses.iter().any(|c| c.meta.section == s.id),
            "section `{}` has no clause",
            s.id
        );
    }
    for c in &lib.clauses {
        assert!(
            !c.meta.sources.is_empty(),
            "clause `{}` names no source",
            c.meta.id
        );
        assert!(
            c.meta.version.split('.').count() == 3,
            "clause `{}`: version is MAJOR.MINOR.PATCH",
            c.meta.id
        );
        for bad in [
            "TODO",
            "TBD",
            "[insert",
            "industry-standard",
            "industry standard",
            "lorem",
        ] {
            assert!(
                !c.body.contains(bad),
                "clause `{}` contains {bad:?}",
                c.meta.id
            );
        }
    }
    // Each of the seven safeguards is served by some clause.
    for n in 1..=7u8 {
        assert!(
            lib.clauses.iter().any(|c| c.meta.safeguards.contains(&n)),
            "no clause serves safeguard {n}"
        );
    }
}

#[test]
fn alternatives_follow_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let with = |extra: &str| {
        let path = dir.path().join("alt.toml");
        std::fs::write(&path, format!("{STARTER}\n{extra}")).unwrap();
        datapact::build::build_file(&path, None).unwrap().rendered
    };
    let courts = with("");
    assert!(courts.selection.included().any(|c| c == "disputes-courts"));
    let arb = with("[disputes]\nmechanism = \"arbitration\"\nseat = \"Geneva\"\n");
    assert!(
        arb.selection
            .included()
            .any(|c| c == "disputes-arbitration")
    );
    assert!(!arb.selection.included().any(|c| c == "disputes-courts"));
    let capped = with("[liability]\nmodel = \"mutual_cap\"\ncap = \"EUR 250,000\"\n");
    assert!(
        capped.markdown.contains("EUR 250,000"),
        "the cap appears in the liability clause"
    );
    let protocol = datapact::build::build_file(
        &{
            let p = dir.path().join("protocol.toml");
            std::fs::write(
                &p,
                STARTER.replacen(
                    "effective_date = 2026-03-01",
                    "effective_date = 2026-03-01\nkind = \"protocol\"",
                    1,
                ),
            )
            .unwrap();
            p
        },
        None,
    )
    .unwrap()
    .rendered;
    assert!(
        protocol
            .selection
            .included()
            .any(|c| c == "protocol-status")
    );
    assert!(
        !protocol
            .selection
            .included()
            .any(|c| c == "liability-allocation")
    );
    assert!(
        protocol
            .markdown
            .contains("This Protocol records the commitments")
    );
    assert!(!protocol.markdown.contains("Agreement"));
}
