//! Legal basis (safeguards 4, 5 and 6): a lawful basis for each controller and purpose, and the
//! extra conditions for special-category and criminal-offence data.

use std::collections::BTreeSet;

use crate::config::{Config, Dataset, LawfulBasis, LegalRole, PartyKind, SpecialCondition};
use crate::diag::Severity;
use crate::model::{Model, Relationship};

use super::{
    Findings, Rule, blank, cfg, dataset, flow_is_personal, is_personal, party, table_or_root,
};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "LAW-001",
            severity: Severity::Error,
            title: "Each controller has a legal basis for each purpose of personal data it handles",
            help: "add a [[legal_bases]] entry with party, purpose, basis and reference (the law, or the legitimate-interests assessment)",
            source: "GDPR Art. 6(1); ICO Data Sharing Code (a lawful basis before sharing)",
            safeguards: &[6],
            explain: "Every controller that discloses or receives personal data needs a lawful basis under \
Art. 6(1) GDPR for each purpose, and an international organisation applying its own rules needs the rule it \
relies on (`internal_rules`). The pairs are derived from the flows: the provider and the recipient of each \
controller-to-controller flow, and the controller on whose behalf a processor works. Processors need no \
basis of their own. Flows of anonymised or aggregated data only are outside data-protection law and need none.",
            check: law_001,
        },
        Rule {
            id: "LAW-002",
            severity: Severity::Error,
            title: "Legitimate interests rest on a documented assessment, and not for public authorities",
            help: "add reference = \"<legitimate-interests assessment reference>\" to the legal basis",
            source: "GDPR Art. 6(1)(f) and last subparagraph; ICO audit toolkit (LIA)",
            safeguards: &[3, 6],
            explain: "Legitimate interests is the only basis that needs a balancing test: the controller must \
weigh its interest against the rights of the people in the data and keep the assessment (LIA). Public \
authorities cannot rely on legitimate interests for processing in the performance of their tasks (Art. 6(1) \
last subparagraph); they rely on public task or legal obligation instead (warning).",
            check: law_002,
        },
        Rule {
            id: "LAW-003",
            severity: Severity::Error,
            title: "Consent relied on is obtained, recorded and withdrawable in the people's languages",
            help: "in [consent], set obtained_by, method, withdrawal and languages",
            source: "GDPR Art. 4(11), 7, 9(2)(a); IOM Data Protection Principle 4; ICRC Handbook on Data Protection in Humanitarian Action",
            safeguards: &[5],
            explain: "Consent is valid only when it is freely given, specific, informed and unambiguous, and the \
controller can show it was given and that it can be withdrawn as easily (Arts. 4(11), 7 GDPR). The \
agreement must say who obtains it, how it is sought and recorded, how it is withdrawn and in which languages. \
Where the people in the data are vulnerable (refugees, asylum seekers, people in need of aid), consent is \
rarely free: document another basis and treat consent as an added safeguard (warning).",
            check: law_003,
        },
        Rule {
            id: "LAW-004",
            severity: Severity::Error,
            title: "Special-category data has an Art. 9(2) condition for each controller and purpose",
            help: "add special_category_condition = \"…\" to the legal basis (e.g. \"substantial_public_interest\", \"archiving_research_statistics\")",
            source: "GDPR Art. 9(1)-(2); SCC Annex I.B (sensitive data)",
            safeguards: &[3, 6],
            explain: "Processing of health, biometric, genetic data or data revealing ethnic origin, political \
opinions, religion, trade-union membership or sex life is prohibited unless a condition of Art. 9(2) GDPR \
applies. Special categories are derived from each dataset's data categories; each legal basis of a \
controller that handles such a dataset for that purpose must name its Art. 9(2) condition.",
            check: law_004,
        },
        Rule {
            id: "LAW-005",
            severity: Severity::Error,
            title: "Criminal-offence data cites the authority that permits its processing",
            help: "add reference = \"<the law or official authority relied on>\" to the legal basis",
            source: "GDPR Art. 10",
            safeguards: &[6],
            explain: "Personal data about criminal convictions and offences may be processed only under the \
control of official authority or when authorised by law providing safeguards (Art. 10 GDPR). Each legal \
basis of a controller handling such data must cite that authority.",
            check: law_005,
        },
        Rule {
            id: "LAW-006",
            severity: Severity::Error,
            title: "A public authority cites the legal power under which it shares or receives data",
            help: "add legal_power = \"<statute and section, or the function relied on>\" to the party",
            source: "ICO Data Sharing Code and audit toolkit (legal power); Irish Data Sharing and Governance Act 2019 s.19(1)(d)-(e)",
            safeguards: &[6],
            explain: "A public authority can only do what the law empowers it to do. Before sharing or receiving \
data it must identify the statute or function that gives it the power, and the agreement should cite it so \
that the other parties, and later the public, can check it.",
            check: law_006,
        },
        Rule {
            id: "LAW-007",
            severity: Severity::Error,
            title: "Only an international organisation relies on its own internal rules",
            help: "use a basis of the law that applies to this party, with its reference (e.g. basis = \"public_task\" and the law that sets the task)",
            source: "GDPR Art. 6(1); IOM Data Protection Principles; ICRC Handbook ch. 3",
            safeguards: &[6],
            explain: "International organisations enjoying privileges and immunities apply their own \
data-protection rules instead of national law, and may cite them (`internal_rules`). Companies, NGOs, \
universities and public authorities are bound by the law where they are established and need an Art. 6(1) \
GDPR basis (or its national equivalent).",
            check: law_007,
        },
        Rule {
            id: "LAW-008",
            severity: Severity::Warning,
            title: "A time-limited legal basis does not expire before the agreement ends",
            help: "record the renewed basis (its new expires), or end the agreement by that date (term.end_date) with agreement.review_interval and retention periods that fit the shorter term",
            source: "GDPR Art. 5(1)(a), 6(1); ICO Data Sharing Code (review)",
            safeguards: &[6],
            explain: "Some bases are time-limited, for example an emergency decree or a temporary statutory \
gateway. If a basis expires while the agreement runs, the sharing it supports becomes unlawful from that \
date. Align the term with the basis or plan its renewal.",
            check: law_008,
        },
        Rule {
            id: "LAW-009",
            severity: Severity::Warning,
            title: "Public task and legal obligation cite the law they rest on",
            help: "add reference = \"<the law, and the article or section>\" to the legal basis",
            source: "GDPR Art. 6(3); ICO guidance on lawful bases",
            safeguards: &[6],
            explain: "The bases of public task (Art. 6(1)(e)) and legal obligation (Art. 6(1)(c)) must be laid \
down by Union or Member State law (Art. 6(3) GDPR). The agreement should cite the provision, so that the \
basis can be checked and the purpose matches the task the law assigns.",
            check: law_009,
        },
        Rule {
            id: "LAW-010",
            severity: Severity::Warning,
            title: "Every party's data-protection law has a profile",
            help: "set law = \"<profile id>\" in the party, add clauses/laws/<id>.toml to your library, or set law = \"none\" where the country has no general data-protection law",
            source: "datapact law profiles (clauses/laws/); UNCTAD Data Protection and Privacy Legislation Worldwide",
            safeguards: &[6, 7],
            explain: "datapact frames each party's duties and transfers under the law that applies to it, \
from the law profiles in the clause library. For a party in a country no profile covers, the agreement names \
\"the data-protection law of\" that country without citing provisions, and accepts any transfer mechanism the \
parties declare, because datapact cannot tell which that law allows. Most countries now have a general \
data-protection law: add a profile for it (an organisation can keep its own in its library), or say \
law = \"none\" where the country has none, so the agreement relies on its own terms.",
            check: law_010,
        },
        Rule {
            id: "LAW-011",
            severity: Severity::Warning,
            title: "Processing terms under the GDPR are governed by Union or Member State law",
            help: "choose the law of an EEA member state in governing_law (e.g. \"the laws of Ireland\"), or put the processing terms in a separate contract under such a law between the controller and its processor",
            source: "GDPR Art. 28(3); EDPB Guidelines 07/2020 on the concepts of controller and processor, paras 99-101",
            safeguards: &[6],
            explain: "Processing by a processor must be governed by a contract or other legal act under Union or \
Member State law (Art. 28(3) GDPR) whenever the controller or the processor is under the GDPR. An agreement \
governed by another law, or by no national law at all (as international organisations often prefer), cannot \
be that contract: the processing terms for such a processor belong in a contract of their own, under the law \
of an EEA member state, to which the sharing agreement refers.",
            check: law_011,
        },
        Rule {
            id: "LAW-012",
            severity: Severity::Warning,
            title: "Each legal basis is one the controller's law provides",
            help: "choose a basis that law provides (the finding lists them), and record the assessment it needs in `reference`",
            source: "the lawful-basis provision of each law profile in clauses/laws/ (e.g. Uganda Data Protection and Privacy Act 2019, s. 7)",
            safeguards: &[5, 6],
            explain: "Laws differ in the legal bases they provide. The GDPR's legitimate interests (Art. 6(1)(f)) \
have no counterpart in some laws, which allow processing only with consent or on a closed list of grounds. \
An agreement that records a basis the controller's law does not provide states a legal ground that does not \
exist. Where the library's profile of that law lists its bases, this rule compares each [[legal_bases]] \
entry with the list.",
            check: law_012,
        },
    ]
}

fn law_012(m: &Model, f: &mut Findings) {
    for (i, b) in cfg(m).legal_bases.iter().enumerate() {
        let Some(bases) = m.derived.lawful_bases.get(&b.party) else {
            continue;
        };
        let basis = b.basis.as_str();
        if bases.iter().any(|x| x == basis) {
            continue;
        }
        let law = m.derived.frames.get(&b.party).cloned().unwrap_or_default();
        f.at(
            format!("/legal_bases/{i}/basis"),
            format!(
                "`{}` relies on {} for purpose `{}`, which its law (`{law}`) does not provide",
                b.party,
                basis.replace('_', " "),
                b.purpose
            ),
        )
        .help(format!(
            "use a basis that law provides: {}",
            bases.join(", ")
        ));
    }
}

fn law_011(m: &Model, f: &mut Findings) {
    if !m.derived.has_personal_data {
        return;
    }
    let under_gdpr = |id: &str| m.derived.frames.get(id).is_some_and(|l| l == "gdpr");
    let law = cfg(m)
        .agreement
        .governing_law
        .as_deref()
        .unwrap_or("")
        .to_lowercase();
    let member_state_law = ["union law", "european union", "member state"]
        .iter()
        .any(|w| law.contains(w))
        || crate::model::EEA
            .iter()
            .any(|c| law.contains(&crate::model::country_name(c).to_lowercase()));
    if member_state_law {
        return;
    }
    let mut seen = Vec::new();
    for df in &m.derived.flows {
        let processing = matches!(
            df.relationship,
            Relationship::ControllerToProcessor | Relationship::ProcessorToProcessor
        );
        if processing
            && df.personal
            && (under_gdpr(&df.from) || under_gdpr(&df.to))
            && !seen.contains(&df.to)
        {
            seen.push(df.to.clone());
            f.at(
                "/agreement/governing_law",
                format!(
                    "the terms under which `{}` processes data for `{}` fall under GDPR Art. 28(3), but this agreement is governed by {}",
                    df.to,
                    df.from,
                    if law.is_empty() { "no chosen law".to_owned() } else { format!("\"{}\"", cfg(m).agreement.governing_law.as_deref().unwrap_or("")) }
                ),
            );
        }
    }
}

fn law_010(m: &Model, f: &mut Findings) {
    if !m.derived.has_personal_data {
        return;
    }
    for (i, p) in cfg(m).parties.iter().enumerate() {
        if m.derived.frames.get(&p.id).is_some_and(|l| l == "unlisted") {
            f.at(
                format!("/parties/{i}/country"),
                format!(
                    "datapact has no profile of the data-protection law of {}, which applies to `{}`",
                    crate::model::country_name(&p.country),
                    p.id
                ),
            );
        }
    }
}

fn controllerish(r: LegalRole) -> bool {
    matches!(
        r,
        LegalRole::Controller | LegalRole::JointController | LegalRole::ThirdPartyRecipient
    )
}

/// (party, purpose, flow index) for every controller that needs a basis for a purpose.
pub(crate) fn needed_bases(m: &Model) -> Vec<(String, String, usize)> {
    let c = cfg(m);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, (fl, df)) in c.flows.iter().zip(&m.derived.flows).enumerate() {
        if !flow_is_personal(c, fl) {
            continue;
        }
        let mut who: Vec<&str> = Vec::new();
        if controllerish(df.from_role) {
            who.push(&fl.from);
        }
        if controllerish(df.to_role) {
            who.push(&fl.to);
        }
        if matches!(
            df.relationship,
            Relationship::ControllerToProcessor | Relationship::ProcessorToProcessor
        ) && let Some(b) = &fl.on_behalf_of
        {
            who.push(b);
        }
        for p in who {
            for purpose in &fl.purposes {
                if seen.insert((p.to_owned(), purpose.clone())) {
                    out.push((p.to_owned(), purpose.clone(), i));
                }
            }
        }
    }
    out
}

/// The personal datasets a party handles for a purpose (as sender, recipient or controller).
fn datasets_for<'a>(c: &'a Config, party_id: &str, purpose: &str) -> Vec<&'a Dataset> {
    let mut out: Vec<&Dataset> = Vec::new();
    for fl in &c.flows {
        let involved = fl.from == party_id
            || fl.to == party_id
            || fl.on_behalf_of.as_deref() == Some(party_id);
        if !involved || !fl.purposes.iter().any(|p| p == purpose) {
            continue;
        }
        for id in &fl.datasets {
            if let Some((_, d)) = dataset(c, id)
                && is_personal(d)
                && !out.iter().any(|x| x.id == d.id)
            {
                out.push(d);
            }
        }
    }
    out
}

fn law_001(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let at = table_or_root(m, "legal_bases");
    for (p, purpose, i) in needed_bases(m) {
        if !c
            .legal_bases
            .iter()
            .any(|b| b.party == p && b.purpose == purpose)
        {
            f.at(at.clone(), format!("`{p}` has no legal basis for purpose `{purpose}` (flow `{}`)", c.flows[i].id)).help(format!(
                "add a [[legal_bases]] entry with party = \"{p}\", purpose = \"{purpose}\", basis = \"public_task\" and reference = \"<the law that sets the task>\" (or the basis relied on, with its reference)"
            ));
        }
    }
}

fn law_002(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, b) in c.legal_bases.iter().enumerate() {
        if b.basis != LawfulBasis::LegitimateInterests {
            continue;
        }
        if blank(&b.reference) {
            f.at(
                format!("/legal_bases/{i}"),
                format!("`{}` relies on legitimate interests for `{}` without a legitimate-interests assessment", b.party, b.purpose),
            );
        }
        if party(c, &b.party).is_some_and(|(_, p)| p.kind == PartyKind::PublicAuthority) {
            f.at(
                format!("/legal_bases/{i}/basis"),
                format!("public authority `{}` relies on legitimate interests for `{}`", b.party, b.purpose),
            )
            .warning()
            .help("a public authority performing its tasks relies on \"public_task\" or \"legal_obligation\"");
        }
    }
}

fn law_003(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let explicit = c
        .legal_bases
        .iter()
        .any(|b| b.special_category_condition == Some(SpecialCondition::ExplicitConsent));
    if !(m.derived.consent_relied_on || explicit) {
        return;
    }
    let k = &c.consent;
    let mut missing = Vec::new();
    if k.obtained_by.is_none() {
        missing.push("obtained_by");
    }
    if blank(&k.method) {
        missing.push("method");
    }
    if blank(&k.withdrawal) {
        missing.push("withdrawal");
    }
    if k.languages.is_empty() {
        missing.push("languages");
    }
    let at = if super::written(m, "/consent") {
        "/consent"
    } else {
        ""
    };
    if !missing.is_empty() {
        f.at(
            at,
            format!(
                "consent is relied on but [consent] has no {}",
                super::and_list(&missing)
            ),
        )
        .help(format!("in [consent], set {}", super::and_list(&missing)));
    }
    if m.derived.has_vulnerable_groups && blank(&k.rationale) {
        f.at(at, "consent is relied on for data about vulnerable people, whose consent may not be freely given")
            .warning()
            .help("document another legal basis (e.g. public task or vital interests) and treat consent as an added safeguard, or say in [consent] rationale what makes consent free (e.g. an alternative with no loss of assistance)");
    }
}

fn law_004(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, b) in c.legal_bases.iter().enumerate() {
        if b.special_category_condition.is_some() {
            continue;
        }
        let special: Vec<String> = datasets_for(c, &b.party, &b.purpose)
            .into_iter()
            .filter(|d| {
                d.data_categories
                    .iter()
                    .any(|cat| crate::model::is_special(*cat))
            })
            .map(|d| format!("`{}`", d.id))
            .collect();
        if !special.is_empty() {
            // The GDPR's article only for a party under it (or before the frames are known).
            let gdpr = m.derived.frames.is_empty() || m.derived.under_gdpr.contains(&b.party);
            let finding = f.at(
                format!("/legal_bases/{i}"),
                format!(
                    "`{}` handles special-category data ({}) for `{}` without {}",
                    b.party,
                    super::and_list(&special),
                    b.purpose,
                    if gdpr {
                        "an Art. 9(2) condition"
                    } else {
                        "a condition for sensitive data under the law that applies to it"
                    }
                ),
            );
            if !gdpr {
                finding.help("add special_category_condition = \"…\" to the legal basis, naming in reference the provision of its law relied on (e.g. \"explicit_consent\", \"substantial_public_interest\")");
            }
        }
    }
}

fn law_005(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, b) in c.legal_bases.iter().enumerate() {
        if !blank(&b.reference) {
            continue;
        }
        let criminal = datasets_for(c, &b.party, &b.purpose).into_iter().any(|d| {
            d.data_categories
                .contains(&crate::config::DataCategory::Criminal)
        });
        if criminal {
            f.at(
                format!("/legal_bases/{i}"),
                format!("`{}` handles criminal-offence data for `{}` without citing the authority that permits it", b.party, b.purpose),
            );
        }
    }
}

fn law_006(m: &Model, f: &mut Findings) {
    for (i, p) in cfg(m).parties.iter().enumerate() {
        if p.kind == PartyKind::PublicAuthority && blank(&p.legal_power) {
            f.at(
                format!("/parties/{i}"),
                format!("public authority `{}` cites no legal power", p.id),
            );
        }
    }
}

fn law_007(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, b) in c.legal_bases.iter().enumerate() {
        if b.basis == LawfulBasis::InternalRules
            && party(c, &b.party)
                .is_some_and(|(_, p)| p.kind != PartyKind::InternationalOrganisation)
        {
            f.at(
                format!("/legal_bases/{i}/basis"),
                format!(
                    "`{}` is not an international organisation but relies on internal rules",
                    b.party
                ),
            );
        }
    }
}

fn law_008(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let Some(end) = m.derived.dates.end else {
        return;
    };
    for (i, b) in c.legal_bases.iter().enumerate() {
        if let Some(exp) = b.expires
            && exp < end
        {
            f.at(
                format!("/legal_bases/{i}/expires"),
                format!("the basis of `{}` for `{}` expires on {exp}, before the agreement ends on {end}", b.party, b.purpose),
            );
        }
    }
}

fn law_009(m: &Model, f: &mut Findings) {
    for (i, b) in cfg(m).legal_bases.iter().enumerate() {
        if matches!(
            b.basis,
            LawfulBasis::PublicTask | LawfulBasis::LegalObligation
        ) && blank(&b.reference)
        {
            f.at(
                format!("/legal_bases/{i}"),
                format!(
                    "`{}` relies on {} for `{}` without citing the law",
                    b.party,
                    basis_words(b.basis),
                    b.purpose
                ),
            );
        }
    }
}

fn basis_words(b: LawfulBasis) -> &'static str {
    match b {
        LawfulBasis::PublicTask => "a public task",
        LawfulBasis::LegalObligation => "a legal obligation",
        _ => "a basis",
    }
}

#[cfg(test)]
mod tests {
    use super::super::{fired, starter_with};
    use super::*;

    const PSEUDONYMISED: (&str, &str) = (
        "identifiability = \"aggregated\"",
        "identifiability = \"pseudonymised\"",
    );

    #[test]
    fn bases_follow_the_roles_on_each_flow() {
        // Controller to controller: both ends need a basis.
        let m = starter_with(&[PSEUDONYMISED]);
        let need: Vec<String> = needed_bases(&m).into_iter().map(|(p, _, _)| p).collect();
        assert_eq!(need, vec!["provider", "institute"]);
        // Controller to processor: only the controller, named by on_behalf_of.
        let m = starter_with(&[
            PSEUDONYMISED,
            (
                "kind = \"research_body\"",
                "kind = \"research_body\"\nrole = \"processor\"",
            ),
            (
                "method = \"sftp\"",
                "method = \"sftp\"\non_behalf_of = \"provider\"\ninstructions = \"Annex 2\"",
            ),
        ]);
        let need: Vec<String> = needed_bases(&m).into_iter().map(|(p, _, _)| p).collect();
        assert_eq!(need, vec!["provider"]);
    }

    #[test]
    fn processing_terms_under_the_gdpr_need_a_member_state_law() {
        let processor = [
            PSEUDONYMISED,
            (
                "kind = \"research_body\"",
                "kind = \"research_body\"\nrole = \"processor\"",
            ),
            (
                "method = \"sftp\"",
                "method = \"sftp\"\non_behalf_of = \"provider\"\ninstructions = \"Annex 2\"",
            ),
        ];
        // Belgian law: the processing terms can be this agreement.
        assert!(!fired(&starter_with(&processor)).contains("LAW-011"));
        // New York law, or general principles, cannot govern them.
        for law in [
            "the laws of the State of New York",
            "general principles of international law",
        ] {
            let mut edits = processor.to_vec();
            let governing = format!("governing_law = \"{law}\"");
            edits.push((
                "governing_law = \"the laws of Belgium\"",
                governing.as_str(),
            ));
            assert!(fired(&starter_with(&edits)).contains("LAW-011"), "{law}");
        }
        // Between two controllers Art. 28 does not apply.
        let mut edits = vec![PSEUDONYMISED];
        edits.push((
            "governing_law = \"the laws of Belgium\"",
            "governing_law = \"the laws of the State of New York\"",
        ));
        assert!(!fired(&starter_with(&edits)).contains("LAW-011"));
    }

    #[test]
    fn aggregated_data_needs_no_basis() {
        let m = starter_with(&[]);
        assert!(needed_bases(&m).is_empty());
        assert!(!fired(&m).contains("LAW-001"));
    }
}
