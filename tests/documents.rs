//! Documents apart: a processor that serves one party only gets its own processing terms with
//! that party, and the sharing agreement lists it without making it a party (issue 22).

use std::path::Path;

use datapact::build::{self, Agreement, Libraries};
use datapact::config::DocumentKind;

/// Every document one argument makes, by label.
fn documents(arg: &str) -> Vec<(String, Agreement)> {
    build::build_all(&[arg.to_owned()], &Libraries::new(None))
        .into_iter()
        .map(|(label, a)| {
            let a = a.unwrap_or_else(|e| panic!("{label}: {e:#?}"));
            (label, a)
        })
        .collect()
}

fn parties(a: &Agreement) -> Vec<&str> {
    a.model
        .config()
        .parties
        .iter()
        .map(|p| p.id.as_str())
        .collect()
}

#[test]
fn a_processor_serving_one_party_gets_processing_terms_apart() {
    let docs = documents("examples/mno-displacement.toml");
    let [(sharing_label, sharing), (terms_label, terms)] = &docs[..] else {
        panic!("two documents, got {}", docs.len())
    };
    assert_eq!(sharing_label, "examples/mno-displacement.toml");
    assert_eq!(
        terms_label,
        "examples/mno-displacement.toml#processing-cloud"
    );

    // The sharing agreement: the operator and the Agency only; the processor is listed as the
    // Agency's, bound by the terms apart, with its sub-processor.
    assert_eq!(parties(sharing), ["mno", "agency"]);
    assert_eq!(
        sharing.model.config().agreement.kind,
        DocumentKind::Agreement
    );
    let md = &sharing.rendered.markdown;
    assert!(
        md.contains("| the Agency | Nimbus Analytics Limited | Ireland |"),
        "{md}"
    );
    assert!(md.contains("processing terms IADM-DPA-2026-015"));
    assert!(md.contains("Vaultline Backup B.V. (sub-processor of Nimbus Analytics Limited)"));
    assert!(md.contains("the processors are not parties to this Agreement"));
    // What the processor stores, it stores for the Agency.
    assert!(md.contains("hosted by Nimbus Analytics Limited; backups in the Netherlands"));
    assert!(
        !md.contains("**Nimbus Analytics Limited**"),
        "not a signing party"
    );

    // The processing terms: the Agency and its processor, under Irish law, with the flow
    // between them only and none of the operator's duties.
    let cfg = terms.model.config();
    assert_eq!(parties(terms), ["agency", "cloud"]);
    assert_eq!(cfg.agreement.kind, DocumentKind::ProcessorTerms);
    assert_eq!(cfg.agreement.reference, "IADM-DPA-2026-015");
    assert_eq!(
        cfg.agreement.governing_law.as_deref(),
        Some("the laws of Ireland")
    );
    assert_eq!(cfg.flows.len(), 1);
    assert!(cfg.legal_bases.iter().all(|b| b.party == "agency"));
    let md = &terms.rendered.markdown;
    assert!(md.contains("The Agency engages Nimbus Analytics to process on its behalf"));
    assert!(md.contains(
        "from Savanna Mobile Networks PLC under the data-sharing agreement IADM-DSA-2026-014"
    ));
    assert!(
        !md.contains("Purposes of the sharing"),
        "no purpose section in processor terms"
    );
    assert!(!md.contains("**Savanna Mobile Networks PLC**"));

    // Neither document names the GDPR: the data is aggregated, and no party's processing of it
    // is under the GDPR.
    for (label, a) in &docs {
        assert!(
            !a.rendered.markdown.contains("GDPR"),
            "{label} names the GDPR"
        );
        assert_eq!(a.check.errors(), 0, "{label}");
    }
}

#[test]
fn a_programme_writes_its_processing_terms_once() {
    let docs = documents("examples/programme/mno-region.toml");
    let terms: Vec<&(String, Agreement)> = docs
        .iter()
        .filter(|(_, a)| a.model.config().agreement.kind == DocumentKind::ProcessorTerms)
        .collect();
    assert_eq!(terms.len(), 1);
    assert_eq!(
        terms[0].0,
        "examples/programme/mno-region.toml#processing-cloud"
    );
    assert_eq!(parties(&terms[0].1), ["office", "cloud"]);
    for (label, a) in docs
        .iter()
        .filter(|(_, a)| a.partner.as_deref() != Some("processing-cloud"))
    {
        assert_eq!(parties(a), ["mno", "office"], "{label}");
        assert!(
            a.rendered
                .markdown
                .contains("processing terms IOMS-DPA-2026-003"),
            "{label}"
        );
    }
}

#[test]
fn separate_false_keeps_the_processor_a_party() {
    let text = std::fs::read_to_string("examples/mno-displacement.toml").unwrap();
    let text = text.replacen(
        "[parties.processing_terms]\n",
        "[parties.processing_terms]\nseparate = false\n",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("together.toml");
    std::fs::write(&p, text).unwrap();
    let docs = documents(&p.to_string_lossy());
    assert_eq!(docs.len(), 1);
    assert_eq!(parties(&docs[0].1), ["mno", "agency", "cloud"]);
}

#[test]
fn an_error_in_the_whole_config_is_not_split_away() {
    // The Agency sends its processor a dataset it never received: the flow goes to the
    // processing terms, but the error is the config's and stops both documents.
    let p = Path::new("tests/bad-configs/dataset-not-held.toml");
    let built = build::build_all(&[p.to_string_lossy().into_owned()], &Libraries::new(None));
    assert_eq!(built.len(), 2);
    let (_, sharing) = &built[0];
    let errs = sharing
        .as_ref()
        .err()
        .expect("the sharing agreement is refused");
    assert!(
        errs.iter().any(|d| d.code == "config::dataset-not-held"),
        "{errs:#?}"
    );
    let (_, terms) = &built[1];
    let errs = terms
        .as_ref()
        .err()
        .expect("the processing terms are refused");
    assert!(
        errs.iter().any(|d| d.code == "input::config-has-errors"),
        "{errs:#?}"
    );
}

#[test]
fn processing_terms_under_the_gdpr_take_member_state_law() {
    // Three Malawian NGOs share identified household lists; one hosts its database with a
    // processor in Ireland. The processor's terms are under Irish law, and name the GDPR for
    // the processor only; the sharing agreement names it for no one.
    let deal = "tests/deals/flood-response-hosted-database.toml";
    let docs = documents(deal);
    let [(_, sharing), (_, terms)] = &docs[..] else {
        panic!("two documents, got {}", docs.len())
    };
    assert_eq!(parties(sharing), ["tiyende", "harbourlight", "mponda"]);
    assert!(!sharing.rendered.markdown.contains("GDPR"));
    assert_eq!(parties(terms), ["harbourlight", "cloud"]);
    let md = &terms.rendered.markdown;
    assert!(md.contains("governed by the laws of Ireland"), "{md}");
    assert!(
        md.contains("Kestrel, as Processor (GDPR Art. 28(3))"),
        "{md}"
    );
    assert!(md.contains(
        "for Harbourlight, the data-protection law of Malawi; and for Kestrel, the GDPR"
    ));
    assert!(!terms.check.findings.iter().any(|f| f.code == "LAW-011"));

    // Left to the sharing agreement's law (Malawi's), the terms cannot be the Art. 28(3)
    // contract: check says so.
    let text = std::fs::read_to_string(deal)
        .unwrap()
        .replacen("governing_law = \"the laws of Ireland\"\n", "", 1)
        .replacen("forum = \"the courts of Dublin\"\n", "", 1);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("malawi-law.toml");
    std::fs::write(&p, text).unwrap();
    let docs = documents(&p.to_string_lossy());
    assert!(docs[1].1.check.findings.iter().any(|f| f.code == "LAW-011"));
    assert!(!docs[0].1.check.findings.iter().any(|f| f.code == "LAW-011"));
}
