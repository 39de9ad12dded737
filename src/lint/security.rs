//! Security and incidents (safeguards 2 and 7): concrete measures, sensitive-data safeguards,
//! breach notification and staff training.

use std::collections::BTreeSet;

use crate::config::SecurityCategory as C;
use crate::diag::Severity;
use crate::model::Model;

use super::{Findings, Rule, and_list, blank, cfg, dataset, find_phrase, words, written};

/// Boilerplate that says nothing concrete about a measure.
pub(crate) const GENERIC: &[&str] = &[
    "industry-standard",
    "industry standard",
    "best practice",
    "best-practice",
    "state of the art",
    "state-of-the-art",
    "appropriate measures",
    "appropriate technical",
    "appropriate security",
    "reasonable measures",
    "reasonable security",
    "commercially reasonable",
    "as appropriate",
    "adequate security",
    "standard security",
];

/// A measure of fewer words than this is not concrete.
pub(crate) const MIN_MEASURE_WORDS: usize = 6;

/// The Art. 32(1) and Annex II categories every agreement covers: (name, categories that count).
const REQUIRED: &[(&str, &[C])] = &[
    (
        "pseudonymisation and encryption (Art. 32(1)(a))",
        &[C::PseudonymisationEncryption],
    ),
    (
        "confidentiality and integrity (Art. 32(1)(b))",
        &[C::ConfidentialityIntegrity, C::Physical, C::Configuration],
    ),
    ("restore after an incident (Art. 32(1)(c))", &[C::Restore]),
    ("regular testing (Art. 32(1)(d))", &[C::Testing]),
    (
        "identification and authorisation (Annex II)",
        &[C::IdentificationAuthorisation],
    ),
    ("logging (Annex II)", &[C::Logging]),
];

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "SEC-001",
            severity: Severity::Error,
            title: "Security measures are concrete and cover Art. 32(1)(a)-(d), access control and logging",
            help: "add [[security.measures]] entries, each with a category and a concrete description (what, by whom, how often)",
            source: "GDPR Art. 32(1); SCC Annex II; Decision 2021/915 Annex III (measures described concretely, not generically)",
            safeguards: &[2, 7],
            explain: "The SCCs require technical and organisational measures to be described \"in specific (and \
not generic) terms\". datapact requires at least one measure for each of: pseudonymisation and encryption, \
confidentiality and integrity, restore, regular testing (Art. 32(1)(a)-(d) GDPR), identification and \
authorisation, and logging (Annex II). Each measure must be concrete: at least 6 words, no boilerplate such as \
\"industry-standard security\" or \"appropriate measures\", and no duplicates.",
            check: sec_001,
        },
        Rule {
            id: "SEC-002",
            severity: Severity::Error,
            title: "Sensitive data is encrypted at rest, access is logged and limited to named personnel",
            help: "set [security] encryption_at_rest, add a `logging` measure, and list authorised_personnel on each flow of sensitive data",
            source: "SCC Annex I.B (sensitive data: restrictions and safeguards); Decision 2021/915 Cl. 7.4(b); OCHA data responsibility guidance",
            safeguards: &[3, 7],
            explain: "Special-category or criminal-offence data, and data about vulnerable people, call for \
stronger safeguards (SCC Cl. 8.7, Annex I.B): encryption of stored data, logging of access, and access \
restricted to named categories of staff. These are checked for every agreement that carries such data.",
            check: sec_002,
        },
        Rule {
            id: "SEC-003",
            severity: Severity::Error,
            title: "Breaches reach the controller in time for the 72-hour notification",
            help: "set [breach] processor_to_controller_hours and party_to_party_hours to 72 or fewer (24 and 48 are usual)",
            source: "GDPR Art. 33(1)-(2), 34; SCC Cl. 8.5-8.6; OCHA Centre for Humanitarian Data note on data incident management",
            safeguards: &[7],
            explain: "A controller notifies a personal data breach to the supervisory authority within 72 hours of \
becoming aware of it (Art. 33(1) GDPR); a processor informs the controller without undue delay (Art. 33(2)). \
Internal deadlines longer than 72 hours make the legal one impossible. In a humanitarian context, incidents \
involving sensitive non-personal data (e.g. where a group is) are handled the same way (warning otherwise). \
A processor is also a Party, so its deadline towards its controller is no longer than the deadline between \
the Parties (warning otherwise).",
            check: sec_003,
        },
        Rule {
            id: "SEC-004",
            severity: Severity::Warning,
            title: "Staff with access are trained and bound to confidentiality",
            help: "set [security] training_required = true",
            source: "GDPR Art. 28(3)(b), 29, 32(4); ICO Data Sharing Code (trained staff)",
            safeguards: &[2, 7],
            explain: "Persons authorised to process the data must be committed to confidentiality and act only on \
instructions (Arts. 28(3)(b), 29, 32(4) GDPR). Training before access is the usual way to show it.",
            check: sec_004,
        },
        Rule {
            id: "SEC-005",
            severity: Severity::Error,
            title: "Every flow is encrypted in transit",
            help: "describe the protection, e.g. \"TLS 1.3 with mutual authentication\" or \"AES-256 encrypted archive, key sent separately\"",
            source: "GDPR Art. 32(1)(a); SCC Annex II (protection of data during transmission)",
            safeguards: &[7],
            explain: "Data moving between parties is exposed to interception. Every flow must be encrypted in \
transit; a flow whose protection is \"none\", \"unencrypted\" or left to be decided fails.",
            check: sec_005,
        },
        Rule {
            id: "SEC-006",
            severity: Severity::Warning,
            title: "Every recipient of data applies some security measure",
            help: "add the party to applies_to of the measures it applies, or leave applies_to empty for measures every recipient applies",
            source: "GDPR Art. 32(1); SCC Annex II (measures of each importer)",
            safeguards: &[7],
            explain: "Security measures bind the parties that apply them. When every measure is limited to some \
parties (`applies_to`), a recipient left out of all of them has no security commitment in the agreement.",
            check: sec_006,
        },
    ]
}

fn sec_001(m: &Model, f: &mut Findings) {
    let s = &cfg(m).security;
    if s.measures.is_empty() {
        let at = if written(m, "/security") {
            "/security"
        } else {
            ""
        };
        f.at(at, "no security measures are declared")
            .help("add [[security.measures]] entries with category and a concrete description, covering encryption, confidentiality, restore, testing, access control and logging");
        return;
    }
    let have: BTreeSet<C> = s.measures.iter().map(|x| x.category).collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|(_, cats)| !cats.iter().any(|c| have.contains(c)))
        // Encryption at rest, when declared, answers Art. 32(1)(a).
        .filter(|(name, _)| !name.starts_with("pseudonymisation") || blank(&s.encryption_at_rest))
        // The articles are the GDPR's (and the SCC Annex II's): cited only where a party is
        // under the GDPR.
        .map(|(name, _)| {
            if m.derived.under_gdpr.is_empty() {
                name.split(" (").next().unwrap_or(name)
            } else {
                name
            }
        })
        .collect();
    if !missing.is_empty() {
        let fd = f.at(
            "/security/measures",
            format!("no security measure covers {}", and_list(&missing)),
        );
        // Art. 32 binds personal data; for other data the list is good practice.
        if !m.derived.has_personal_data {
            fd.warning();
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, x) in s.measures.iter().enumerate() {
        let norm = x
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let ptr = format!("/security/measures/{i}/description");
        if let Some(p) = find_phrase(&x.description, GENERIC) {
            f.at(ptr, format!("the measure \"{}\" is generic (\"{p}\")", x.description.trim()))
                .help("say concretely what is done, by whom and how often, e.g. \"AES-256 encryption of all volumes, keys in a hardware security module held by the Institute\"");
        } else if words(&x.description) < MIN_MEASURE_WORDS {
            f.at(
                ptr,
                format!(
                    "the measure \"{}\" is too short to be concrete",
                    x.description.trim()
                ),
            )
            .help("describe the measure in at least 6 words: what is done, by whom, how often");
        } else if seen.contains(&norm) {
            f.at(ptr, "this measure repeats an earlier one")
                .help("remove the duplicate or describe a different measure");
        }
        seen.push(norm);
    }
}

/// Whether the agreement carries sensitive data, and why.
pub(crate) fn sensitive_reason(m: &Model) -> Option<&'static str> {
    let d = &m.derived;
    if d.has_special_categories {
        Some("special-category data")
    } else if d.has_criminal_data {
        Some("criminal-offence data")
    } else if d.has_vulnerable_groups {
        Some("data about vulnerable people")
    } else {
        None
    }
}

fn sec_002(m: &Model, f: &mut Findings) {
    let Some(why) = sensitive_reason(m) else {
        return;
    };
    let c = cfg(m);
    let s = &c.security;
    if blank(&s.encryption_at_rest) {
        let at = if written(m, "/security") {
            "/security"
        } else {
            ""
        };
        f.at(at, format!("the agreement carries {why} but no encryption at rest is declared"))
            .help("add encryption_at_rest = \"…\" to [security], e.g. \"AES-256, keys held by the recipient's security office\"");
    }
    if !s.measures.iter().any(|x| x.category == C::Logging) {
        let at = if written(m, "/security/measures") {
            "/security/measures"
        } else if written(m, "/security") {
            "/security"
        } else {
            ""
        };
        f.at(
            at,
            format!("the agreement carries {why} but no measure logs access"),
        )
        .help("add a [[security.measures]] entry with category = \"logging\"");
    }
    for (i, fl) in c.flows.iter().enumerate() {
        let sensitive = fl
            .datasets
            .iter()
            .filter_map(|id| dataset(c, id))
            .any(|(_, ds)| {
                !ds.vulnerable_groups.is_empty()
                    || ds.data_categories.iter().any(|cat| {
                        crate::model::is_special(*cat)
                            || *cat == crate::config::DataCategory::Criminal
                    })
            });
        if sensitive && fl.authorised_personnel.is_empty() {
            f.at(format!("/flows/{i}"), format!("flow `{}` carries {why} but names no authorised personnel", fl.id))
                .help("add authorised_personnel = [\"…\"] to the flow, e.g. [\"named analysts of the research team\"]");
        }
    }
}

fn sec_003(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let b = &c.breach;
    if b.processor_to_controller_hours > 72
        && (m.derived.has_controller_to_processor || m.derived.has_processor_to_processor)
    {
        f.at(
            "/breach/processor_to_controller_hours",
            format!("a processor reports a breach within {} hours, after the controller's 72-hour deadline", b.processor_to_controller_hours),
        );
    }
    // A processor is also a Party: the notice between the Parties binds it too, so a longer
    // deadline towards its controller would contradict it.
    if b.processor_to_controller_hours > b.party_to_party_hours
        && (m.derived.has_controller_to_processor || m.derived.has_processor_to_processor)
    {
        f.at(
            "/breach/processor_to_controller_hours",
            format!(
                "a processor has {} hours to tell its controller of a breach, but as a Party it must tell the other Parties within {} hours",
                b.processor_to_controller_hours, b.party_to_party_hours
            ),
        )
        .warning()
        .help(format!(
            "set processor_to_controller_hours to {} or fewer, so that one deadline applies",
            b.party_to_party_hours
        ));
    }
    if b.party_to_party_hours > 72 {
        f.at(
            "/breach/party_to_party_hours",
            format!(
                "parties tell each other of a breach within {} hours, after the 72-hour deadline",
                b.party_to_party_hours
            ),
        );
    }
    if m.derived.humanitarian && !b.include_non_personal {
        f.at("/breach/include_non_personal", "in a humanitarian context incidents involving sensitive non-personal data are not handled as breaches")
            .warning()
            .help("set include_non_personal = true: group locations and movements can harm people even without names");
    }
}

fn sec_004(m: &Model, f: &mut Findings) {
    // Only an explicit `false`: the field is documented as defaulting to true.
    if !cfg(m).security.training_required && written(m, "/security/training_required") {
        f.at(
            "/security/training_required",
            "staff with access are not required to be trained",
        );
    }
}

/// Whether a flow's `encryption_in_transit` says it is not encrypted (or not yet decided).
pub(crate) fn unencrypted(text: &str) -> bool {
    const NONE: &[&str] = &[
        "no encryption",
        "unencrypted",
        "not encrypted",
        "plaintext",
        "plain text",
        "cleartext",
        "clear text",
        "to be decided",
        "to be agreed",
    ];
    let t = text.trim().to_lowercase();
    let none_word = t
        .split(|c: char| !c.is_alphanumeric() && c != '/')
        .any(|w| matches!(w, "none" | "n/a" | "na" | "tbd"));
    t.is_empty() || none_word || find_phrase(&t, NONE).is_some()
}

fn sec_005(m: &Model, f: &mut Findings) {
    for (i, fl) in cfg(m).flows.iter().enumerate() {
        if unencrypted(&fl.encryption_in_transit) {
            f.at(
                format!("/flows/{i}/encryption_in_transit"),
                format!(
                    "flow `{}` is not encrypted in transit (\"{}\")",
                    fl.id,
                    fl.encryption_in_transit.trim()
                ),
            );
        }
    }
}

fn sec_006(m: &Model, f: &mut Findings) {
    let s = &cfg(m).security;
    if s.measures.is_empty() || s.measures.iter().any(|x| x.applies_to.is_empty()) {
        return;
    }
    for r in &m.derived.recipients {
        if m.derived.access_only.contains(r) {
            continue;
        }
        if !s.measures.iter().any(|x| x.applies_to.contains(r)) {
            f.at(
                "/security/measures",
                format!("recipient `{r}` applies none of the security measures"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_measures_cite_the_gdpr_only_where_a_party_is_under_it() {
        let base = format!(
            "{}\n[[security.measures]]\ncategory = \"logging\"\ndescription = \"Every access is logged centrally and the log is reviewed monthly by the security office\"\n",
            include_str!("../starter.toml")
        );
        let message = |text: &str| {
            crate::lint::run(&crate::lint::test_model(text))
                .into_iter()
                .find(|d| d.code == "SEC-001")
                .map(|d| d.message)
                .expect("SEC-001 fires")
        };
        assert!(message(&base).contains("(Art. 32(1)(a))"));
        let kenya = base.replace("country = \"BE\"", "country = \"KE\"");
        let m = message(&kenya);
        assert!(
            m.contains("pseudonymisation and encryption") && !m.contains("Art."),
            "{m}"
        );
    }

    #[test]
    fn unencrypted_flows() {
        for t in ["none", "None.", "N/A", "", "plain HTTP, unencrypted", "TBD"] {
            assert!(unencrypted(t), "{t:?}");
        }
        for t in [
            "TLS 1.3",
            "SFTP with key-based authentication",
            "AES-256 archive with a per-transfer nonce",
            "courier-delivered encrypted disk",
            "TLS 1.3; no downloads",
        ] {
            assert!(!unencrypted(t), "{t:?}");
        }
    }

    #[test]
    fn generic_measures() {
        assert!(find_phrase("Industry-standard encryption", GENERIC).is_some());
        assert!(
            find_phrase(
                "We apply appropriate technical and organisational measures",
                GENERIC
            )
            .is_some()
        );
        assert!(
            find_phrase(
                "AES-256 encryption of all volumes with keys in an HSM",
                GENERIC
            )
            .is_none()
        );
    }
}
