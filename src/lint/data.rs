//! Data description and sensitivity (safeguards 1, 3 and 7): what the data is, how
//! identifiable, how suitable, and who is in it.

use crate::config::{DataCategory, Identifiability, TransferMethod};
use crate::diag::Severity;
use crate::model::Model;

use super::{Findings, Rule, and_list, blank, cfg};

/// Words in `data_subjects` that name a vulnerable group.
const VULNERABLE_WORDS: &[(&str, &str)] = &[
    ("refugee", "refugees"),
    ("asylum", "asylum_seekers"),
    ("migrant", "migrants"),
    ("displaced", "internally_displaced"),
    ("idp", "internally_displaced"),
    ("stateless", "stateless"),
    ("child", "children"),
    ("minor", "children"),
    ("trafficking", "trafficking_survivors"),
    ("patient", "patients"),
    ("elderly", "elderly"),
    ("older people", "elderly"),
];

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "DATA-001",
            severity: Severity::Error,
            title: "Anonymised or aggregated data holds no direct identifiers",
            help: "remove `identifiers` and `contact` from data_categories, or declare identifiability = \"pseudonymised\" or \"identified\"",
            source: "GDPR Recital 26; Art. 4(5); OCHA Centre for Humanitarian Data guidance on statistical disclosure control",
            safeguards: &[3, 7],
            explain: "Data is anonymous only when people can no longer be identified by any means reasonably \
likely to be used (Recital 26 GDPR). A dataset that still holds identifiers or contact details is personal \
data, and declaring it anonymised or aggregated would switch off every rule and clause that protects it. \
Declare the real identifiability; pseudonymised data is personal data in every downstream rule.",
            check: data_001,
        },
        Rule {
            id: "DATA-002",
            severity: Severity::Warning,
            title: "Each dataset's provenance states the original legal basis and collection period",
            help: "add original_basis and collection_period to the dataset's provenance",
            source: "ICO Data Sharing Code (compatibility of re-use); IOM safeguards 1-2; GDPR Art. 6(4)",
            safeguards: &[1, 4],
            explain: "Private-sector data is collected for one purpose (network operation, payments, \
advertising) and re-used for another. Whether the re-use is compatible (Art. 6(4) GDPR) depends on the basis \
or terms under which the data was collected, and the agreement should say which period it covers. These \
facts also support the provider's warranty that it may lawfully share the data.",
            check: data_002,
        },
        Rule {
            id: "DATA-004",
            severity: Severity::Warning,
            title: "Anonymised or aggregated data has a minimum cell size of at least 5",
            help: "add min_cell_size = 10 (or the threshold used) to the dataset",
            source: "GDPR Recital 26; OCHA Centre for Humanitarian Data, statistical disclosure control; HDX mosaic-effect guidance",
            safeguards: &[3, 7],
            explain: "Aggregated and anonymised data stays anonymous only if small counts are suppressed: a cell \
of one or two people can single out a person or a small group. The agreement must record the minimum cell \
size (or k for anonymised microdata) applied before sharing; thresholds below 5 are too small to protect \
anyone.",
            check: data_004,
        },
        Rule {
            id: "DATA-005",
            severity: Severity::Warning,
            title: "Pseudonymised location or communications data is treated as readily re-identifiable",
            help: "share aggregates instead (identifiability = \"aggregated\" with min_cell_size), or keep the pseudonymised data in a secure enclave (method = \"secure_enclave\" on its flows, recipient storage of datasets = [\"derived\"] only)",
            source: "GDPR Recital 26; WP248 criterion 4; de Montjoye et al. 2013 (unicity of mobility traces)",
            safeguards: &[3, 7],
            explain: "Four points in time and space are enough to single out most people in a mobile-phone \
dataset. Pseudonymised call-detail records, location or mobility traces are therefore personal data that is \
easy to re-identify, and count as highly personal data for the DPIA. Prefer aggregated indicators; when \
pseudonymised traces are really needed, keep them where the provider controls access: datasets reached only \
by remote desktop, secure enclave or federated analysis pass.",
            check: data_005,
        },
        Rule {
            id: "DATA-006",
            severity: Severity::Warning,
            title: "Every dataset moves on some flow",
            help: "add the dataset id to the `datasets` of the flow that carries it, with a [[retention]] entry for it, or remove the dataset",
            source: "GDPR Art. 5(1)(c); ICO Data Sharing Code (agreed data sets)",
            safeguards: &[7],
            explain: "Each dataset in the agreement should be carried by at least one flow, which says who sends \
it, to whom, how and how often. A dataset that no flow carries has no recipient, retention or security \
context, and usually means a flow forgot to list it.",
            check: data_006,
        },
        Rule {
            id: "DATA-008",
            severity: Severity::Warning,
            title: "Each dataset states its known limitations (coverage, representativeness, bias)",
            help: "add known_limitations = [\"…\"], e.g. \"subscribers only: under-represents children and people without phones\"",
            source: "IOM safeguard 1 (suitability of private-sector data); Data for Development readiness assessments",
            safeguards: &[1],
            explain: "Private-sector data describes customers, not populations: phone ownership, bank accounts \
and social-media use vary with age, gender, income and displacement. The agreement should record the known \
limits of coverage and representativeness so that indicators are read correctly and policies do not \
overlook the people the data misses.",
            check: data_008,
        },
        Rule {
            id: "DATA-009",
            severity: Severity::Warning,
            title: "Vulnerable groups named among the data subjects are declared",
            help: "add vulnerable_groups = [\"…\"] to the dataset, with authorised_personnel on its flows, group_harm_assessed = true in [dpia] and [use_restrictions] excluded_authorities",
            source: "WP248 criterion 7; IASC Operational Guidance on Data Responsibility",
            safeguards: &[3],
            explain: "Whether a dataset concerns vulnerable people decides whether a DPIA is required, whether \
group harm must be assessed and which use restrictions apply. When the description of the data subjects \
names refugees, migrants, displaced or stateless people, children or similar groups, `vulnerable_groups` \
must say so, so that those rules can apply.",
            check: data_009,
        },
    ]
}

fn non_personal(id: Identifiability) -> bool {
    matches!(
        id,
        Identifiability::Anonymised | Identifiability::Aggregated
    )
}

fn data_001(m: &Model, f: &mut Findings) {
    for (i, ds) in cfg(m).datasets.iter().enumerate() {
        if !non_personal(ds.identifiability) {
            continue;
        }
        let direct: Vec<String> = ds
            .data_categories
            .iter()
            .filter(|c| matches!(c, DataCategory::Identifiers | DataCategory::Contact))
            .map(|c| format!("`{}`", c.as_str()))
            .collect();
        if !direct.is_empty() {
            f.at(
                format!("/datasets/{i}/identifiability"),
                format!(
                    "dataset `{}` is declared {} but holds {}",
                    ds.id,
                    ds.identifiability.as_str(),
                    and_list(&direct)
                ),
            );
        }
    }
}

fn data_002(m: &Model, f: &mut Findings) {
    for (i, ds) in cfg(m).datasets.iter().enumerate().filter(|(_, d)| d.shared) {
        let mut missing = Vec::new();
        if blank(&ds.provenance.original_basis) {
            missing.push("original_basis");
        }
        if blank(&ds.provenance.collection_period) {
            missing.push("collection_period");
        }
        if !missing.is_empty() {
            f.at(
                format!("/datasets/{i}/provenance"),
                format!(
                    "the provenance of `{}` has no {}",
                    ds.id,
                    and_list(&missing)
                ),
            );
        }
    }
}

fn data_004(m: &Model, f: &mut Findings) {
    for (i, ds) in cfg(m).datasets.iter().enumerate() {
        if !non_personal(ds.identifiability) {
            continue;
        }
        match ds.min_cell_size {
            None => {
                f.at(
                    format!("/datasets/{i}"),
                    format!(
                        "{} dataset `{}` has no min_cell_size",
                        ds.identifiability.as_str(),
                        ds.id
                    ),
                );
            }
            // A threshold counted in firms or institutions (data not about people) follows the
            // rules for business statistics, where three contributors is the usual minimum.
            Some(n) if n < 5 && !ds.data_subjects.is_empty() => {
                f.at(
                    format!("/datasets/{i}/min_cell_size"),
                    format!(
                        "dataset `{}` suppresses only cells under {n}, which can single out people",
                        ds.id
                    ),
                )
                .help("suppress cells under 10 (at least 5)");
            }
            Some(_) => {}
        }
    }
}

fn data_005(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, ds) in c.datasets.iter().enumerate() {
        if ds.identifiability != Identifiability::Pseudonymised {
            continue;
        }
        // Accessed only inside the provider's environment: the copy never leaves it.
        let flows: Vec<_> = c
            .flows
            .iter()
            .filter(|fl| fl.datasets.contains(&ds.id))
            .collect();
        let enclave = !flows.is_empty()
            && flows.iter().all(|fl| {
                matches!(
                    fl.method,
                    TransferMethod::RemoteDesktop
                        | TransferMethod::SecureEnclave
                        | TransferMethod::Federated
                )
            });
        if enclave {
            continue;
        }
        let loc: Vec<String> = ds
            .data_categories
            .iter()
            .filter(|c| {
                matches!(
                    c,
                    DataCategory::Location
                        | DataCategory::Mobility
                        | DataCategory::CommunicationsMetadata
                )
            })
            .map(|c| format!("`{}`", c.as_str()))
            .collect();
        if !loc.is_empty() {
            f.at(
                format!("/datasets/{i}/identifiability"),
                format!(
                    "dataset `{}` holds pseudonymised {} data, which is readily re-identifiable",
                    ds.id,
                    and_list(&loc)
                ),
            );
        }
    }
}

fn data_006(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, ds) in c.datasets.iter().enumerate().filter(|(_, d)| d.shared) {
        if !c.flows.iter().any(|fl| fl.datasets.contains(&ds.id)) {
            f.at(
                format!("/datasets/{i}/id"),
                format!("no flow carries dataset `{}`", ds.id),
            );
        }
    }
}

fn data_008(m: &Model, f: &mut Findings) {
    for (i, ds) in cfg(m).datasets.iter().enumerate().filter(|(_, d)| d.shared) {
        if ds.known_limitations.iter().all(|s| s.trim().is_empty()) {
            f.at(
                format!("/datasets/{i}"),
                format!(
                    "dataset `{}` states no known limitations of coverage or representativeness",
                    ds.id
                ),
            );
        }
    }
}

fn data_009(m: &Model, f: &mut Findings) {
    for (i, ds) in cfg(m).datasets.iter().enumerate() {
        if !ds.vulnerable_groups.is_empty() {
            continue;
        }
        let groups = vulnerable_mentions(&ds.data_subjects.join(" "));
        if !groups.is_empty() {
            f.at(
                format!("/datasets/{i}/data_subjects"),
                format!("the data subjects of `{}` include vulnerable people, but vulnerable_groups is empty", ds.id),
            )
            .help(format!(
                "add vulnerable_groups = [{}] to the dataset, with authorised_personnel on its flows, group_harm_assessed = true in [dpia] and [use_restrictions] excluded_authorities",
                groups.iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
}

/// The vulnerable groups (TOML spelling) a description of data subjects names.
pub(crate) fn vulnerable_mentions(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut groups: Vec<&'static str> = Vec::new();
    for (stem, group) in VULNERABLE_WORDS {
        let hit = match *stem {
            // Short words match whole words only ("minority" is not "minor").
            "idp" | "minor" => words
                .iter()
                .any(|w| *w == *stem || w.strip_suffix('s') == Some(stem)),
            s if s.contains(' ') => lower.contains(s),
            s => words.iter().any(|w| w.starts_with(s)),
        };
        if hit && !groups.contains(group) {
            groups.push(group);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vulnerable_groups_named_in_text() {
        assert_eq!(
            vulnerable_mentions("Refugees and IDPs in camps"),
            vec!["refugees", "internally_displaced"]
        );
        assert_eq!(
            vulnerable_mentions("unaccompanied minors"),
            vec!["children"]
        );
        assert!(vulnerable_mentions("speakers of minority languages").is_empty());
        assert!(vulnerable_mentions("mobile subscribers").is_empty());
        assert_eq!(
            vulnerable_mentions("older people living alone"),
            vec!["elderly"]
        );
    }
}
