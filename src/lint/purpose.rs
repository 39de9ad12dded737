//! Purpose, minimisation and re-use (safeguards 1 and 4): a clear ask, specific purposes,
//! research kept apart from commercial use.

use std::collections::BTreeSet;

use crate::config::{
    CommercialUse, Context, Identifiability, PartyKind, PurposeCategory, VulnerableGroup,
};
use crate::diag::Severity;
use crate::model::Model;

use super::{Findings, Rule, and_list, cfg, dataset, find_phrase, party, words};

/// Phrases that make a purpose unspecific.
pub(crate) const VAGUE: &[&str] = &[
    "any purpose",
    "any lawful purpose",
    "any other purpose",
    "other purposes",
    "such other purposes",
    "business purposes",
    "business purpose",
    "commercial purposes",
    "improve services",
    "improve our services",
    "improving services",
    "improvement of services",
    "as required",
    "as needed",
    "as necessary",
    "including but not limited to",
    "and related purposes",
    "future research",
    "general research",
    "research purposes",
];

/// Fewer words than this in a purpose description is too short to be specific.
pub(crate) const MIN_PURPOSE_WORDS: usize = 12;

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "PURP-001",
            severity: Severity::Error,
            title: "Each purpose is specific and states its expected benefits",
            help: "describe what is done with the data, for whom and to what end (at least 12 words), and the expected benefits",
            source: "GDPR Art. 5(1)(b); ICO Data Sharing Code (purposes in precise terms); IOM safeguard 1",
            safeguards: &[1],
            explain: "Purpose limitation requires purposes that are specified, explicit and legitimate (Art. 5(1)(b) \
GDPR). A purpose such as \"research\", \"business purposes\" or \"to improve services\" lets any later use \
pass as compatible, and makes minimisation and retention impossible to judge. Each purpose must say what \
analysis is done, for whom and to what end, in at least 12 words and without catch-all phrases, and must \
state the benefits expected for the people in the data and for society.",
            check: purp_001,
        },
        Rule {
            id: "PURP-002",
            severity: Severity::Warning,
            title: "Every purpose is served by a data flow",
            help: "add the purpose id to the `purposes` of the flow that serves it, or remove the purpose",
            source: "GDPR Art. 5(1)(b)-(c); ICO Data Sharing Code (agreed data sets per purpose)",
            safeguards: &[1],
            explain: "Each purpose in the agreement should be served by at least one flow: the flow says which \
data moves for it. A purpose that no flow lists either was forgotten on a flow, so the recipient may not use \
the data for it, or is not needed, and then widens the agreement for nothing.",
            check: purp_002,
        },
        Rule {
            id: "PURP-003",
            severity: Severity::Warning,
            title: "Research on identified data applies Art. 89(1) safeguards",
            help: "pseudonymise or aggregate the dataset before sharing (identifiability = \"pseudonymised\" or \"aggregated\"), or explain why identified data is needed in `necessity`",
            source: "GDPR Art. 5(1)(b), 89(1); ICO audit toolkit (re-use for research)",
            safeguards: &[1, 4],
            explain: "Re-use of data for research or statistics is treated as compatible with the original purpose \
only when the safeguards of Art. 89(1) GDPR are in place, in particular data minimisation by \
pseudonymisation where the purpose can be met that way. Private-sector data is always re-used: it was \
collected for network operation, billing or advertising. Sending identified records for a research or \
statistics purpose needs a stated reason.",
            check: purp_003,
        },
        Rule {
            id: "PURP-004",
            severity: Severity::Warning,
            title: "Commercial use is prohibited for research or humanitarian purposes with a private provider",
            help: "set commercial_use = \"prohibited\" on the purpose, or \"permitted_with_conditions\" with commercial_conditions",
            source: "IOM safeguard 4 (research differentiated from commercial objectives); UK Data Service EUL",
            safeguards: &[4],
            explain: "Private-sector data shared for research, statistics, policy or humanitarian work should not \
feed the commercial objectives of any party unless the parties say so and on what terms. Where a company \
provides the data and a purpose is non-commercial, commercial use of the data and its outputs should be \
prohibited. Permitting it with conditions requires the conditions to be written down (an error when they \
are missing).",
            check: purp_004,
        },
        Rule {
            id: "PURP-005",
            severity: Severity::Warning,
            title: "Data about vulnerable people or a humanitarian response names the authorities excluded from access",
            help: "add [use_restrictions] excluded_authorities = [\"<ISO code>\", …], typically the countries people in the data have fled",
            source: "IOM Data Protection Principles; Humanitarian Data and Trust Initiative; IASC Operational Guidance on Data Responsibility",
            safeguards: &[4],
            explain: "Data about migrants, refugees, displaced or stateless people can expose them to the \
authorities they fled, or be used for enforcement or eligibility decisions against them. Every agreement \
carries the default prohibitions (re-identification, contacting people, targeting, enforcement). In a \
humanitarian context, or where the data concerns vulnerable groups, the parties should also name the \
countries whose authorities may never receive the data or outputs, or prohibit sharing with authorities in \
`additional_prohibitions`. Outside a humanitarian context, an explicitly empty `excluded_authorities` is \
taken as a recorded decision (info).",
            check: purp_005,
        },
        Rule {
            id: "PURP-006",
            severity: Severity::Warning,
            title: "Each purpose has indicators or research questions (a clear ask)",
            help: "add indicators = [\"…\"] or research_questions = [\"…\"] to the purpose",
            source: "IOM safeguard 1 (clear ask, tools and indicators); ODI/Open Data Policy Lab readiness",
            safeguards: &[1],
            explain: "A partnership for re-using private-sector data works when the ask is clear: which questions \
the analysis answers and which indicators it produces. Without them the provider cannot judge which data is \
needed (minimisation), and the outputs cannot be reviewed against the agreement.",
            check: purp_006,
        },
        Rule {
            id: "PURP-007",
            severity: Severity::Warning,
            title: "Identified data comes with a necessity statement",
            help: "add necessity = \"why the purpose cannot be met with aggregated or pseudonymised data\" to the purpose",
            source: "GDPR Art. 5(1)(c), 25(2); ICO Data Sharing Code (share the minimum)",
            safeguards: &[1],
            explain: "Data minimisation requires that only what is necessary is shared (Art. 5(1)(c) GDPR). When a \
flow carries identified data, each purpose it serves should say why the purpose cannot be met with \
aggregated or pseudonymised data.",
            check: purp_007,
        },
        Rule {
            id: "PURP-008",
            severity: Severity::Error,
            title: "A humanitarian agreement has no commercial purpose",
            help: "remove the commercial purpose or correct its category (e.g. \"humanitarian_operations\"), or set agreement.context to the setting it really is",
            source: "Humanitarian Data and Trust Initiative; IASC Operational Guidance on Data Responsibility (humanitarian use only); IOM safeguard 4",
            safeguards: &[4],
            explain: "Data shared in a humanitarian response is shared to protect and assist people. Guidance from \
the IASC and the Humanitarian Data and Trust Initiative confines such data to humanitarian use. A purpose \
of category `commercial` in an agreement whose context is `humanitarian` contradicts the humanitarian \
purpose fence the agreement text carries.",
            check: purp_008,
        },
    ]
}

fn purp_001(m: &Model, f: &mut Findings) {
    for (i, p) in cfg(m).purposes.iter().enumerate() {
        let ptr = format!("/purposes/{i}/description");
        if let Some(phrase) = find_phrase(&p.description, VAGUE) {
            f.at(
                ptr,
                format!("purpose `{}` uses the unspecific phrase \"{phrase}\"", p.id),
            );
        } else if words(&p.description) < MIN_PURPOSE_WORDS {
            f.at(
                ptr,
                format!(
                    "purpose `{}` is described in {} words; say what is done, for whom and to what end",
                    p.id,
                    words(&p.description)
                ),
            );
        }
        if words(&p.expected_benefits) < 4 {
            f.at(format!("/purposes/{i}/expected_benefits"), format!("purpose `{}` does not state its expected benefits", p.id))
                .help("say who benefits and how, e.g. \"shelter planned where displaced people actually go\"");
        }
    }
}

fn purp_002(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, p) in c.purposes.iter().enumerate() {
        if !c.flows.iter().any(|fl| fl.purposes.contains(&p.id)) {
            f.at(
                format!("/purposes/{i}/id"),
                format!("no flow serves purpose `{}`", p.id),
            );
        }
    }
}

fn purp_003(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let mut seen = BTreeSet::new();
    for fl in &c.flows {
        for pid in &fl.purposes {
            let Some((pi, p)) = c.purposes.iter().enumerate().find(|(_, p)| &p.id == pid) else {
                continue;
            };
            if !matches!(
                p.category,
                PurposeCategory::Research | PurposeCategory::OfficialStatistics
            ) || p.necessity.is_some()
            {
                continue;
            }
            for did in &fl.datasets {
                if let Some((di, ds)) = dataset(c, did)
                    && ds.identifiability == Identifiability::Identified
                    && seen.insert((pi, di))
                {
                    f.at(
                        format!("/datasets/{di}/identifiability"),
                        format!("identified dataset `{}` is shared for research purpose `{}` without pseudonymisation or a stated need", ds.id, p.id),
                    );
                }
            }
        }
    }
}

fn purp_004(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let company_providers: Vec<&str> = c
        .datasets
        .iter()
        .filter_map(|d| party(c, &d.provider))
        .filter(|(_, p)| p.kind == PartyKind::Company)
        .map(|(_, p)| p.id.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for (i, p) in c.purposes.iter().enumerate() {
        if p.commercial_use == CommercialUse::PermittedWithConditions
            && p.commercial_conditions.iter().all(|s| s.trim().is_empty())
        {
            f.at(
                format!("/purposes/{i}/commercial_use"),
                format!(
                    "purpose `{}` permits commercial use with conditions but lists none",
                    p.id
                ),
            )
            .error()
            .help("add commercial_conditions = [\"…\"], or set commercial_use = \"prohibited\"");
            continue;
        }
        let non_commercial = matches!(
            p.category,
            PurposeCategory::Research
                | PurposeCategory::HumanitarianOperations
                | PurposeCategory::OfficialStatistics
        ) || c.agreement.context == Context::Humanitarian;
        if p.commercial_use != CommercialUse::Prohibited
            && non_commercial
            && !company_providers.is_empty()
        {
            f.at(
                format!("/purposes/{i}/commercial_use"),
                format!(
                    "commercial use is not prohibited for non-commercial purpose `{}`, with data from private provider {}",
                    p.id,
                    and_list(&company_providers.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>())
                ),
            );
        }
    }
}

fn purp_005(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let d = &m.derived;
    let u = &c.use_restrictions;
    // The authorities to fence off are those of a country people fled: that question arises
    // for data about refugees, asylum seekers or stateless people, or about people in a
    // humanitarian setting.
    let fled = d.vulnerable_groups.iter().any(|g| {
        matches!(
            g,
            VulnerableGroup::Refugees
                | VulnerableGroup::AsylumSeekers
                | VulnerableGroup::Stateless
                | VulnerableGroup::TraffickingSurvivors
        )
    });
    if !(d.humanitarian || fled) || !d.about_people || !u.excluded_authorities.is_empty() {
        return;
    }
    // A prohibition on sharing with authorities (e.g. immigration authorities) also fences them off.
    if u.additional_prohibitions
        .iter()
        .any(|p| p.to_lowercase().contains("authorit"))
    {
        return;
    }
    let why = if fled {
        "the data concerns people who may have fled their country"
    } else {
        "the context is humanitarian"
    };
    let ptr = if super::written(m, "/use_restrictions") {
        "/use_restrictions"
    } else {
        ""
    };
    let fd = f
        .at(ptr, format!("{why} but no authorities are excluded from receiving the data or outputs"))
        .help("add a [use_restrictions] table with excluded_authorities = [\"<ISO code>\", …], e.g. the countries of origin people have fled");
    // An explicitly empty list outside a humanitarian context is a recorded decision.
    if !d.humanitarian && super::written(m, "/use_restrictions/excluded_authorities") {
        fd.info().help("the parties chose to exclude no authorities; revisit this if the data could expose people to the authorities of their country of origin");
    }
}

fn purp_006(m: &Model, f: &mut Findings) {
    for (i, p) in cfg(m).purposes.iter().enumerate() {
        if p.indicators.is_empty() && p.research_questions.is_empty() {
            f.at(
                format!("/purposes/{i}"),
                format!("purpose `{}` has no indicators or research questions", p.id),
            );
        }
    }
}

fn purp_007(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let mut seen = BTreeSet::new();
    for fl in &c.flows {
        let identified: Vec<&str> = fl
            .datasets
            .iter()
            .filter_map(|id| dataset(c, id))
            .filter(|(_, d)| d.identifiability == Identifiability::Identified)
            .map(|(_, d)| d.id.as_str())
            .collect();
        if identified.is_empty() {
            continue;
        }
        for pid in &fl.purposes {
            if let Some((i, p)) = c.purposes.iter().enumerate().find(|(_, p)| &p.id == pid)
                && super::blank(&p.necessity)
                && seen.insert(i)
            {
                f.at(
                    format!("/purposes/{i}"),
                    format!("purpose `{}` receives identified data ({}) but says nothing of its necessity", p.id, identified.join(", ")),
                );
            }
        }
    }
}

fn purp_008(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    if c.agreement.context != Context::Humanitarian {
        return;
    }
    for (i, p) in c.purposes.iter().enumerate() {
        if p.category == PurposeCategory::Commercial {
            f.at(
                format!("/purposes/{i}/category"),
                format!(
                    "purpose `{}` is commercial in a humanitarian agreement",
                    p.id
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::find_phrase;
    use super::VAGUE;

    #[test]
    fn vague_phrases() {
        assert_eq!(
            find_phrase(
                "Data may be used for any purpose the recipient sees fit",
                VAGUE
            ),
            Some("any purpose")
        );
        assert_eq!(
            find_phrase("To IMPROVE SERVICES for customers", VAGUE),
            Some("improve services")
        );
        assert!(
            find_phrase(
                "Estimate weekly movements between provinces after floods, for shelter planning",
                VAGUE
            )
            .is_none()
        );
    }
}
