//! What each kind of document needs (safeguards 6 and 7): a protocol a sensitivity
//! classification, a review date and no personal data; processor terms a controller, a
//! processor and the particulars of GDPR Art. 28(3). Also which of the other rules a kind
//! answers to: a protocol binds no one and covers no personal data, so the rules of
//! data-protection law are for the bilateral agreements it points to.

use crate::config::{DocumentKind, LegalRole, Publication};
use crate::diag::Severity;
use crate::model::Model;

use super::{Findings, Rule, cfg};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "KIND-001",
            severity: Severity::Error,
            title: "A protocol classifies every dataset by sensitivity",
            help: "add [[classification]] levels (e.g. public, restricted, confidential, strictly_confidential) and classification = \"<level id>\" on each dataset",
            source: "IASC Operational Guidance on Data Responsibility in Humanitarian Action (2023): information sharing protocols and data sensitivity classification",
            safeguards: &[7],
            explain: "An information-sharing protocol rests on a sensitivity classification: the levels \
the participants agree on, each with who may receive information at that level and how it is stored, sent and \
published, and the level of every kind of information shared. Without one, a protocol says nothing about how \
the information is handled. In an agreement the classification is optional, but once there is one, every \
dataset names its level.",
            check: kind_001,
        },
        Rule {
            id: "KIND-002",
            severity: Severity::Error,
            title: "A protocol states when it is reviewed",
            help: "write agreement.review_interval, e.g. \"P12M\", and agreement.review_owner, the participant that convenes the review",
            source: "IASC Operational Guidance on Data Responsibility in Humanitarian Action (2023): information sharing protocols are reviewed and updated regularly",
            safeguards: &[6],
            explain: "A protocol has no end date and is kept up to date by review: who convenes it and how \
often. The default interval of an agreement is not assumed for a protocol: the participants write it.",
            check: kind_002,
        },
        Rule {
            id: "KIND-003",
            severity: Severity::Error,
            title: "Processor terms name a controller, a processor and the Art. 28(3) particulars",
            help: "give one party role = \"controller\" and one role = \"processor\", with the flows between them, the purposes, the datasets' data_subjects and data_categories, and the instructions on each flow",
            source: "GDPR Art. 28(3) (subject matter, duration, nature and purpose, type of personal data, categories of data subjects, obligations and rights of the controller)",
            safeguards: &[6],
            explain: "Processing by a processor is governed by a contract that sets out the subject matter \
and duration of the processing, its nature and purpose, the type of personal data and the categories of data \
subjects, and the obligations and rights of the controller (Art. 28(3) GDPR). Processor terms without a \
controller and a processor, or without one of these particulars, cannot be signed as such.",
            check: kind_003,
        },
        Rule {
            id: "KIND-004",
            severity: Severity::Warning,
            title: "A protocol sets no governing law, forum or liability",
            help: "remove governing_law and forum from [agreement] and the [liability] table: a protocol creates no legal obligations, and differences are settled by consultation",
            source: "ICO Data Sharing Code (status of memoranda of understanding); IASC Operational Guidance on Data Responsibility in Humanitarian Action (2023)",
            safeguards: &[6],
            explain: "A non-binding protocol is not a contract: a governing law, a forum, an arbitration \
seat or a liability regime in it would suggest obligations it does not create. datapact leaves them out of a \
protocol; this warning says that the config still sets them.",
            check: kind_004,
        },
        Rule {
            id: "KIND-005",
            severity: Severity::Error,
            title: "Data about people or groups is not at a level that is published as it is",
            help: "give the dataset a level with publication = \"aggregated\" or \"no\"",
            source: "IASC Operational Guidance on Data Responsibility in Humanitarian Action (2023): data sensitivity classification; OCHA Centre for Humanitarian Data, statistical disclosure control",
            safeguards: &[3, 7],
            explain: "A level whose information may be published as it is suits information that could harm \
no one. Data about people, even aggregated, and data that could expose a group (demographically identifiable \
information) belongs at a level that publishes it only after aggregation, or never.",
            check: kind_005,
        },
        Rule {
            id: "KIND-006",
            severity: Severity::Error,
            title: "A protocol holds no personal data",
            help: "send the personal data on a flow between the two participants: datapact writes their bilateral agreement ([[bilateral]] sets its reference and law)",
            source: "IASC Operational Guidance on Data Responsibility in Humanitarian Action (2023): personal data shared under data sharing agreements; GDPR Art. 26, 28",
            safeguards: &[6, 7],
            explain: "A non-binding protocol cannot carry the obligations that data-protection law attaches to \
personal data. Personal data that participants exchange moves under a bilateral agreement; datapact writes \
one for each pair of participants with a flow of personal data, from the same config.",
            check: kind_006,
        },
    ]
}

/// Whether rule `id` applies to a document of kind `kind`. A protocol covers no personal data
/// and binds no one: the rules on legal bases, transparency, transfers, DPIAs, processors and
/// Art. 32 security measures are for the bilateral agreements it points to, and its storage
/// and security are the handling rules of its sensitivity levels.
pub(super) fn applies(id: &str, kind: DocumentKind) -> bool {
    const NOT_IN_PROTOCOL: &[&str] = &[
        "LAW-", "TRANS-", "XFER-", "RISK-", "SEC-001", "SEC-002", "SEC-003", "SEC-004", "SEC-006",
        "ROLE-001", "DATA-006", "GOV-002", "GOV-003", "GOV-005", "GOV-006", "GOV-009", "GOV-013",
        "PURP-002",
        // A protocol has no clauses on outputs of its own: their rules are for agreements.
        "OUT-",
        // The protocol's purpose clause always fences off enforcement, immigration and military
        // use where the context is humanitarian or the data is about vulnerable groups.
        "PURP-005",
    ];
    match kind {
        DocumentKind::Protocol => !NOT_IN_PROTOCOL.iter().any(|p| id.starts_with(p)),
        _ => {
            !matches!(id, "KIND-002" | "KIND-004" | "KIND-006")
                && (id != "KIND-003" || kind == DocumentKind::ProcessorTerms)
        }
    }
}

fn kind_001(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let protocol = c.agreement.kind == DocumentKind::Protocol;
    if protocol && c.classification.len() < 2 {
        f.at(
            "/classification",
            if c.classification.is_empty() {
                "the protocol has no sensitivity classification".to_owned()
            } else {
                "the protocol's classification has one level only".to_owned()
            },
        );
    }
    if c.classification.is_empty() && !protocol {
        return;
    }
    for (i, d) in c.datasets.iter().enumerate() {
        if d.classification.is_none() {
            f.at(
                format!("/datasets/{i}"),
                format!("dataset `{}` names no sensitivity level", d.id),
            )
            .help(match c.classification.first() {
                Some(l) => format!(
                    "add classification = \"{}\" (or another level: {})",
                    l.id,
                    c.classification
                        .iter()
                        .map(|l| l.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "add [[classification]] levels and name one on the dataset".to_owned(),
            });
        }
    }
}

fn kind_002(m: &Model, f: &mut Findings) {
    if cfg(m).agreement.kind != DocumentKind::Protocol {
        return;
    }
    if m.loaded.raw.pointer("/agreement/review_interval").is_none() {
        f.at(
            "/agreement",
            "the protocol does not say how often it is reviewed",
        );
    }
}

fn kind_003(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    if c.agreement.kind != DocumentKind::ProcessorTerms {
        return;
    }
    let d = &m.derived;
    let has = |r: LegalRole| {
        c.parties.iter().any(|p| p.role == r)
            || c.flows
                .iter()
                .any(|fl| fl.from_role == Some(r) || fl.to_role == Some(r))
    };
    if !has(LegalRole::Controller) && !has(LegalRole::JointController) {
        f.at("/parties", "the processor terms name no controller");
    }
    if !has(LegalRole::Processor) {
        f.at("/parties", "the processor terms name no processor");
    } else if !d.has_controller_to_processor && !d.has_processor_to_processor {
        f.at(
            "/flows",
            "no flow goes between the controller and its processor",
        );
    }
    for (i, ds) in c.datasets.iter().enumerate() {
        if !ds.identifiability.is_personal() {
            continue;
        }
        if ds.data_subjects.is_empty() {
            f.at(
                format!("/datasets/{i}/data_subjects"),
                format!(
                    "dataset `{}` does not say whose personal data the processor handles",
                    ds.id
                ),
            );
        }
    }
    if c.term.end_date.is_none() && c.term.duration.is_none() {
        f.at(
            "/term",
            "the processor terms do not say how long the processing lasts",
        )
        .help("set term.end_date or term.duration (the duration of the processing, Art. 28(3))");
    }
}

fn kind_004(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    if c.agreement.kind != DocumentKind::Protocol {
        return;
    }
    let raw = &m.loaded.raw;
    for key in ["governing_law", "forum"] {
        if raw.pointer(&format!("/agreement/{key}")).is_some() {
            f.at(
                format!("/agreement/{key}"),
                format!("the protocol sets `{key}`, which a non-binding protocol does not carry"),
            );
        }
    }
    if raw.get("liability").is_some() {
        f.at(
            "/liability",
            "the protocol sets a liability regime, which a non-binding protocol does not carry",
        );
    }
    if let Some(mech) = raw.pointer("/disputes/mechanism").and_then(|v| v.as_str())
        && mech != "settlement"
    {
        f.at(
            "/disputes/mechanism",
            format!("the protocol settles differences by `{mech}`, not by consultation"),
        )
        .help("remove [disputes] or set mechanism = \"settlement\"");
    }
}

fn kind_005(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, d) in c.datasets.iter().enumerate() {
        let Some(level) = d
            .classification
            .as_deref()
            .and_then(|id| c.classification.iter().find(|l| l.id == id))
        else {
            continue;
        };
        let about_people = !d.data_subjects.is_empty() || d.identifiability.is_personal();
        if level.publication == Publication::Yes && (about_people || d.group_sensitive) {
            f.at(
                format!("/datasets/{i}/classification"),
                format!(
                    "dataset `{}` is {}, but level `{}` lets it be published as it is",
                    d.id,
                    if d.group_sensitive {
                        "sensitive for a group"
                    } else {
                        "about people"
                    },
                    level.id
                ),
            );
        }
    }
}

fn kind_006(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    if c.agreement.kind != DocumentKind::Protocol {
        return;
    }
    for (i, d) in c.datasets.iter().enumerate() {
        if d.identifiability.is_personal() {
            f.at(
                format!("/datasets/{i}/identifiability"),
                format!(
                    "dataset `{}` is personal data, which the protocol cannot cover",
                    d.id
                ),
            );
        }
    }
}
