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

/// The words of a Markdown document (as `wc -w` counts them).
fn words(md: &str) -> usize {
    md.split_whitespace().count()
}

/// The clause ids a document includes.
fn clauses(a: &Agreement) -> Vec<&str> {
    a.rendered.selection.included().collect()
}

#[test]
fn a_protocol_is_non_binding_says_protocol_and_carries_no_contract_clauses() {
    let docs = documents("examples/coordination-protocol.toml");
    let [(label, protocol), (bilateral_label, bilateral)] = &docs[..] else {
        panic!("two documents, got {}", docs.len())
    };
    assert_eq!(label, "examples/coordination-protocol.toml");
    assert_eq!(
        protocol.model.config().agreement.kind,
        DocumentKind::Protocol
    );
    let md = &protocol.rendered.markdown;
    assert!(words(md) <= 5_000, "{} words", words(md));
    // It calls itself a Protocol and its signatories Participants, and says it binds no one.
    assert!(!md.contains("Agreement"), "says Agreement:\n{md}");
    assert!(!md.contains("Party"), "says Party:\n{md}");
    assert!(md.contains("this Protocol"));
    assert!(md.contains("**“Participant”**"));
    assert!(md.contains("creates no legal rights or obligations and no liability"));
    assert!(md.contains("| Legal effect | Not legally binding |"));
    // Commitments read "should", never "must".
    assert!(md.contains(" should "));
    assert!(!md.contains(" must "), "says must:\n{md}");
    // No liability, governing-law, entire-agreement or court/arbitration clause.
    for id in clauses(protocol) {
        assert!(
            !(id.starts_with("liability-")
                || id == "general-final"
                || id == "disputes-courts"
                || id == "disputes-arbitration"
                || id.starts_with("legal-basis")),
            "{id} in the protocol"
        );
    }
    for heading in [
        "Liability",
        "Governing law",
        "Final provisions",
        "Legal bases",
    ] {
        assert!(
            !md.lines()
                .any(|l| l.starts_with('#') && l.contains(heading)),
            "a heading names {heading}"
        );
    }
    assert!(!md.to_lowercase().contains("entire agreement"));
    assert!(!md.contains("records all that is settled"));
    // The four sensitivity levels are the central table, with their handling rules.
    assert!(md.contains("| Level | Who may receive it | Storage and transmission | Publication |"));
    for level in [
        "**Public**",
        "**Restricted**",
        "**Confidential**",
        "**Strictly confidential**",
    ] {
        assert!(md.contains(level), "{level}");
    }
    assert!(
        md.contains("| **Displacement site population estimates**: For each displacement site")
    );
    assert!(md.contains("| The Displacement Agency | Confidential |"));
    // The participant that acceded: listed with its date, accession form annexed, no
    // signature block.
    assert!(md.contains("the Women's Association (acceded on 15 March 2027)"));
    assert!(md.contains("| Acceded on 15 March 2027 |"));
    assert!(md.contains("### Accession form {#annex-accession-form}"));
    assert!(!md.contains("**For Associação das Mulheres de Cabo Delgado**"));
    assert!(md.contains("**For Rede de Apoio Humanitário de Nampula**"));

    // Personal data is outside the protocol: the referral forms move under a bilateral
    // agreement made from the same config, which the protocol names.
    assert!(!md.contains("Protection referral forms |"));
    assert!(md.contains("exchanged only under RAHN-IADM-2027-01"));
    assert_eq!(
        bilateral_label,
        "examples/coordination-protocol.toml#bilateral-iadm-nrn"
    );
    let b = bilateral.model.config();
    assert_eq!(b.agreement.kind, DocumentKind::Agreement);
    assert_eq!(b.agreement.reference, "RAHN-IADM-2027-01");
    assert_eq!(parties(bilateral), ["nrn", "iadm"]);
    let datasets: Vec<&str> = b.datasets.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(datasets, ["referrals"]);
    assert!(b.classification.is_empty() && b.accession.is_none());
    let bmd = &bilateral.rendered.markdown;
    assert!(bmd.contains("This Agreement governs the Personal Data they exchange"));
    assert!(bmd.contains("arbitration under the UNCITRAL Arbitration Rules, seated in Geneva"));
    for (l, a) in &docs {
        assert_eq!(a.check.errors(), 0, "{l}");
    }

    // The JSON twin and the register carry the kind, the classification and the accession.
    let lib = datapact::library::Library::builtin().unwrap();
    let twin = datapact::twin::build(&protocol.model, &protocol.rendered, &lib);
    let v = serde_json::to_value(&twin).unwrap();
    assert_eq!(v["kind"], "protocol");
    assert_eq!(v["binding"], false);
    assert_eq!(v["classification"].as_array().unwrap().len(), 4);
    assert_eq!(
        v["classification"][2]["datasets"],
        serde_json::json!(["site_figures"])
    );
    assert_eq!(v["accessions"][0]["party"], "amcd");
    assert_eq!(v["accessions"][0]["date"], "2027-03-15");
    assert_eq!(
        v["bilateral_agreements"][0]["reference"],
        "RAHN-IADM-2027-01"
    );
    assert_eq!(
        v["bilateral_agreements"][0]["covers"],
        serde_json::json!(["Protection referral forms"])
    );
}

#[test]
fn standalone_processor_terms_carry_the_article_28_particulars() {
    let docs = documents("examples/processor-terms.toml");
    let [(_, terms)] = &docs[..] else {
        panic!("one document, got {}", docs.len())
    };
    assert_eq!(
        terms.model.config().agreement.kind,
        DocumentKind::ProcessorTerms
    );
    assert_eq!(terms.check.errors(), 0);
    let md = &terms.rendered.markdown;
    assert!(words(md) <= 5_000, "{} words", words(md));
    // Subject matter and duration, nature and purpose, types of data, categories of people,
    // the controller's instructions, sub-processors.
    assert!(md.contains("### Particulars of the processing"));
    assert!(md.contains("Processing by a Processor lasts from 1 March 2027"));
    assert!(md.contains("people who contact the hotline"));
    assert!(md.contains("| Documented instructions | Host the hotline number and platform"));
    assert!(md.contains("### Authorised sub-processors"));
    assert!(md.contains("Lakeside SMS Gateway Limited"));
    assert!(md.contains("pass to the Controller within 2 Working Days, unanswered, any request"));
    // Nothing between controllers: no purpose section, no publication rules.
    assert!(!md.contains("## Purpose and public-interest justification"));
    assert!(!md.contains("## Outputs, publication"));
}

#[test]
fn an_agreement_can_carry_a_classification_and_be_open_to_accession() {
    let base = std::fs::read_to_string("tests/fixtures/check/KIND-001-passes.toml").unwrap();
    // The protocol fixture as a binding agreement, open to accession by the review owner.
    let text = base
        .replace(
            "kind = \"protocol\"",
            "governing_law = \"the laws of Belgium\"\nforum = \"the courts of Brussels\"",
        )
        .replacen(
            "[[classification]]",
            "[accession]\napproval = \"all\"\n\n[[classification]]",
            1,
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agreement.toml");
    std::fs::write(&path, text).unwrap();
    let a = build::build_file(&path, None).unwrap();
    assert_eq!(a.model.config().agreement.kind, DocumentKind::Agreement);
    assert_eq!(a.check.errors(), 0, "{:#?}", a.check.findings);
    let md = &a.rendered.markdown;
    assert!(md.contains("**“Sensitivity Level”**"));
    assert!(md.contains("| **Restricted**: Disclosure could cause limited harm."));
    assert!(md.contains("| Origin-destination matrix | Example Telecom S.A. | Restricted |"));
    assert!(md.contains("A Receiving Party must handle each item at its level"));
    assert!(md.contains("may join this Agreement by signing the form in [Accession form](#annex-accession-form) and sending it to every Party"));
    assert!(md.contains("agrees to be bound by it from the date its accession is accepted"));
    assert!(!md.contains("Participant"));
}
