//! Storage, onward sharing and transfers (safeguard 7).

use crate::config::{Frequency, PartyKind, TransferMechanism as T};
use crate::diag::Severity;
use crate::model::{ADEQUATE, Model, TransferRecord, is_eea};

use super::{Findings, Rule, blank, cfg, dataset, is_personal, party, table_or_root};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "XFER-001",
            severity: Severity::Error,
            title: "Every transfer out of the data's jurisdiction has a mechanism",
            help: "add a [[transfers]] entry with importer and mechanism (and tia_reference for an Art. 46 safeguard)",
            source: "GDPR Art. 44-49; UK GDPR Art. 44",
            safeguards: &[7],
            explain: "datapact derives a transfer record for every recipient, storage location, backup location, \
sub-processor and onward recipient outside the jurisdiction the data comes from (the EEA counts as one), and \
for every international organisation. Each needs a mechanism: an adequacy decision, appropriate safeguards \
under Art. 46 (SCCs, IDTA, BCRs, administrative arrangements…) or a derogation under Art. 49. Adequacy is \
applied automatically where a general decision exists. For anonymised or aggregated data only, this is a \
warning: declare `not_required` to record that the transfer is outside Chapter V. Onward recipients cannot be \
named in [[transfers]] yet: personal data shared onward out of its jurisdiction is a warning asking for the \
mechanism in the recipient's conditions. A UK exporter's transfers to the EEA are covered by the UK adequacy \
regulations.",
            check: xfer_001,
        },
        Rule {
            id: "XFER-002",
            severity: Severity::Error,
            title: "Adequacy is relied on only for a destination with an adequacy decision",
            help: "choose another mechanism (e.g. \"standard_contractual_clauses\" with tia_reference), or for a certified US importer cite its Data Privacy Framework listing in reference",
            source: "GDPR Art. 45; Commission adequacy decisions (list as of 2025-09-01); EU-US Data Privacy Framework decision 2023/1795",
            safeguards: &[7],
            explain: "An adequacy decision covers a whole country (or, for the United States, only organisations \
certified under the Data Privacy Framework). Declaring `adequacy` for a destination without a decision leaves \
the transfer without a mechanism; for a US importer the reference must cite its certification.",
            check: xfer_002,
        },
        Rule {
            id: "XFER-003",
            severity: Severity::Error,
            title: "Art. 46 safeguards come with a transfer impact assessment",
            help: "add tia_reference = \"…\" (and supplementary_measures) to the [[transfers]] entry",
            source: "SCC 2021/914 Cl. 14(b)-(c); CJEU C-311/18 Schrems II; EDPB Recommendations 01/2020",
            safeguards: &[7],
            explain: "Contractual and other Art. 46 safeguards work only if the law of the destination lets the \
importer comply with them. Since Schrems II the exporter must assess this (a transfer impact assessment) and \
add supplementary measures where needed (SCC Clause 14). Cite the assessment.",
            check: xfer_003,
        },
        Rule {
            id: "XFER-004",
            severity: Severity::Warning,
            title: "Art. 49 derogations are used only for occasional transfers",
            help: "use an Art. 46 safeguard (e.g. mechanism = \"standard_contractual_clauses\" or \"administrative_arrangement\") with tia_reference for regular transfers",
            source: "GDPR Art. 49(1), (3); EDPB Guidelines 2/2018 on derogations",
            safeguards: &[7],
            explain: "Derogations are exceptions, to be interpreted restrictively, and suit occasional and \
non-repetitive transfers (EDPB Guidelines 2/2018). Periodic or continuous flows relying on a derogation \
should move to an Art. 46 safeguard. Consent cannot be relied on by a public authority exercising its public \
powers (Art. 49(3)); that case is an error.",
            check: xfer_004,
        },
        Rule {
            id: "XFER-005",
            severity: Severity::Warning,
            title: "Transfers to an international organisation rest on a suitable mechanism",
            help: "use \"public_body_instrument\" or \"administrative_arrangement\" (between public bodies) or \"authority_approval\" (clauses the supervisory authority authorises), with tia_reference, or a justified \"derogation_public_interest\"",
            source: "GDPR Art. 4(26), 44, 46(2)(a), 46(3)(b), 49(1)(d); ICRC Handbook ch. 4",
            safeguards: &[7],
            explain: "A transfer to an international organisation is a Chapter V transfer wherever the \
organisation sits. An adequacy decision for its host country does not cover it, since the organisation is \
not subject to that country's law. Suitable mechanisms are a legally binding instrument between public \
bodies (Art. 46(2)(a)), an administrative arrangement (Art. 46(3)(b)), contractual clauses authorised by the \
supervisory authority (Art. 46(3)(a)), or the important-public-interest derogation (Art. 49(1)(d)). The \
Commission's standard clauses do not fit: they submit the importer to the courts and law of a member state, \
which an organisation with privileges and immunities does not accept.",
            check: xfer_005,
        },
        Rule {
            id: "XFER-006",
            severity: Severity::Error,
            title: "Transfers from the United Kingdom use a UK transfer tool",
            help: "use \"uk_addendum\" (EU SCCs with the UK Addendum) or \"uk_idta\"",
            source: "UK GDPR Art. 46; ICO International Data Transfer Agreement and Addendum (21 March 2022)",
            safeguards: &[7],
            explain: "An exporter under UK GDPR cannot rely on the EU standard contractual clauses alone: it needs \
the ICO's International Data Transfer Agreement, or the EU SCCs with the UK Addendum. Conversely, the UK tools \
do not cover an exporter in the EEA (warning).",
            check: xfer_006,
        },
        Rule {
            id: "XFER-007",
            severity: Severity::Error,
            title: "Onward recipients accept conditions and are not excluded authorities",
            help: "add conditions = [\"…\"] to the onward recipient (at least the same obligations as the recipient party)",
            source: "SCC Cl. 8.7; IOM Data Protection Principle 5 (written guarantees); Irish Data Sharing and Governance Act 2019 s.19(1)(j)",
            safeguards: &[4, 7],
            explain: "Onward sharing is prohibited unless listed, and each listed recipient must accept \
obligations equivalent to those of the party that shares with it (SCC Clause 8.7). A recipient in a country \
whose authorities are excluded by [use_restrictions] contradicts that exclusion (warning); a receiving party \
that is itself a public authority of such a country makes the agreement forbid its own flows (error).",
            check: xfer_007,
        },
        Rule {
            id: "XFER-008",
            severity: Severity::Warning,
            title: "Every recipient says where it stores the data",
            help: "add a [[storage]] entry for the party: country, location and host",
            source: "IOM safeguard 7 (storage policies); SCC Annex I.B; ICO Data Sharing Code",
            safeguards: &[7],
            explain: "Where data is stored decides which law applies to it, who can be compelled to disclose it \
and whether a transfer takes place. Each party that receives data should declare its storage: the country, \
the environment and who hosts it. Without it, transfers are derived from the party's seat only.",
            check: xfer_008,
        },
        Rule {
            id: "XFER-009",
            severity: Severity::Error,
            title: "Each transfer uses a mechanism the exporter's law accepts",
            help: "choose a mechanism the exporter's law provides for (the finding lists them)",
            source: "The exporter's data-protection law (clauses/laws/<id>.toml, [transfer] mechanisms); GDPR Art. 46(2)-(3); UK GDPR Art. 46",
            safeguards: &[7],
            explain: "A transfer is decided under the law of the party that sends the data: the GDPR for an \
exporter in the EEA, the UK GDPR in the United Kingdom, the exporter's national law elsewhere, and an international \
organisation's own rules for an organisation with privileges and immunities. Each law profile lists the kinds of \
mechanism that law provides for; a declared mechanism outside that list does not make the transfer lawful (for \
example this agreement's own safeguards under the GDPR, which asks for approved clauses, or a supervisory \
authority's approval under a law that has no such procedure). The UK tools are XFER-006's.",
            check: xfer_009,
        },
        Rule {
            id: "XFER-012",
            severity: Severity::Warning,
            title: "A class of onward recipients that gets personal data names the countries its members are in",
            help: "add countries = [\"<ISO 3166-1 code>\", …] to the class of recipients",
            source: "GDPR Art. 44-46; GDPR Art. 13(1)(f) and 14(1)(f)",
            safeguards: &[7],
            explain: "An onward recipient may be a class of organisations (`class = true`: \"national statistics \
offices\"). When the class gets personal data and names no country, nobody can tell whether the data leaves its \
jurisdiction, which mechanism covers it, or what the people in the data must be told about the transfer. \
Naming the countries its members may be in (`countries`) puts each transfer in the register.",
            check: xfer_012,
        },
        Rule {
            id: "XFER-013",
            severity: Severity::Error,
            title: "The policy on requests from authorities states a notice deadline and names the authorities it excludes",
            help: "set authority_requests.notify_hours to the hours within which the provider is told (e.g. 24), and name each authority in never (e.g. \"the immigration authorities of Eritrea\") or remove never",
            source: "EU SCC 2021/914 Clause 15.1; EDPB Recommendations 01/2020",
            safeguards: &[4, 7],
            explain: "`[authority_requests]` sets what a party does when a public authority asks for the data, with \
its own notice deadline. A deadline of 0 hours cannot be met and would make every request a breach of the \
agreement; a `never` list that names no authority (empty, or a blank entry) promises protection the text cannot \
state.",
            check: xfer_013,
        },
    ]
}

fn is_art46(m: T) -> bool {
    matches!(
        m,
        T::StandardContractualClauses
            | T::UkIdta
            | T::UkAddendum
            | T::BindingCorporateRules
            | T::PublicBodyInstrument
            | T::AdministrativeArrangement
            | T::CodeOfConduct
            | T::Certification
            | T::ThisAgreement
    )
}

fn is_derogation(m: T) -> bool {
    matches!(
        m,
        T::DerogationPublicInterest | T::DerogationConsent | T::DerogationVitalInterests
    )
}

fn reason_words(t: &TransferRecord) -> &'static str {
    match t.reason.as_str() {
        "recipient" => "it is received",
        "storage" => "it is stored",
        "backup" => "it is backed up",
        "sub-processor" => "a sub-processor processes it",
        "international-organisation" => "it goes to an international organisation",
        "onward" => "it is shared onward",
        _ => "it goes",
    }
}

/// The pointer of a transfer's declaration, or where to add one.
fn decl_at(m: &Model, t: &TransferRecord) -> String {
    match t.declared {
        Some(i) => format!("/transfers/{i}/mechanism"),
        None => table_or_root(m, "transfers"),
    }
}

fn xfer_001(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let non_personal = m.derived.only_non_personal;
    for t in m.derived.transfers.iter().filter(|t| t.mechanism.is_none()) {
        // Before the law profiles are applied the model decides as under the GDPR: the UK
        // adequacy regulations cover the EEA (DPA 2018 Sch. 21 para. 4).
        let uk_exporter = is_uk_exporter(m, t);
        if t.frame.is_empty() && uk_exporter && uk_adequate(&t.destination) {
            continue;
        }
        if t.reason == "onward" {
            // [[transfers]] names parties and sub-processors only, so an onward recipient's
            // mechanism cannot be declared yet: say what is needed, as a warning.
            let Some(i) = c
                .onward_sharing
                .permitted
                .iter()
                .position(|o| o.recipient == t.importer)
            else {
                continue;
            };
            let o = &c.onward_sharing.permitted[i];
            let personal = o
                .datasets
                .iter()
                .any(|d| dataset(c, d).is_some_and(|(_, ds)| is_personal(ds)));
            if personal {
                let key = if o.country.is_some() {
                    "country"
                } else {
                    "countries"
                };
                f.at(
                    format!("/onward_sharing/permitted/{i}/{key}"),
                    format!("personal data goes onward from `{}` to \"{}\" in {}, outside its jurisdiction", t.exporter, t.importer, t.destination_name),
                )
                .warning()
                .help("name the transfer mechanism (e.g. the person's explicit consent, or clauses binding the recipient) in the recipient's conditions");
            }
            continue;
        }
        let fd = f.at(
            table_or_root(m, "transfers"),
            format!(
                "data from `{}` reaches `{}` in {} ({}), with no transfer mechanism",
                t.exporter,
                t.importer,
                t.destination_name,
                reason_words(t)
            ),
        );
        // The usual safeguard under the exporter's law, with the assessment XFER-003 asks for
        // where that law wants one.
        let tool = suggested_tool(m, t);
        let tia = if t.needs_assessment || t.frame.is_empty() {
            " and tia_reference = \"<transfer impact assessment reference>\""
        } else {
            ""
        };
        let and_or = if tia.is_empty() { " and" } else { "," };
        fd.help(format!(
            "add a [[transfers]] entry with importer = \"{}\"{and_or} mechanism = \"{}\"{tia} (or the mechanism relied on)",
            t.importer,
            tool.as_str()
        ));
        if non_personal {
            fd.warning().help(format!(
                "the data is anonymised or aggregated: add a [[transfers]] entry with importer = \"{}\" and mechanism = \"not_required\", or the mechanism relied on",
                t.importer
            ));
        }
    }
}

/// Whether the exporter is under the UK GDPR: its law accepts the UK tools, or before the law
/// profiles are applied, it is established in the United Kingdom.
fn is_uk_exporter(m: &Model, t: &TransferRecord) -> bool {
    if t.frame.is_empty() {
        party(cfg(m), &t.exporter).is_some_and(|(_, p)| p.country == "GB")
    } else {
        t.accepted.contains(&T::UkIdta)
    }
}

/// The mechanism to suggest for a transfer that has none: the standard tool of the exporter's
/// law (the UK Addendum, the standard clauses, this agreement's safeguards).
fn suggested_tool(m: &Model, t: &TransferRecord) -> T {
    if is_uk_exporter(m, t) {
        return T::UkAddendum;
    }
    if t.frame.is_empty() {
        return T::StandardContractualClauses;
    }
    [
        T::StandardContractualClauses,
        T::ThisAgreement,
        T::AdministrativeArrangement,
        T::AuthorityApproval,
        T::DerogationPublicInterest,
        T::DerogationConsent,
    ]
    .into_iter()
    .find(|x| t.accepted.contains(x))
    .unwrap_or(T::StandardContractualClauses)
}

fn xfer_002(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for t in &m.derived.transfers {
        let Some(i) = t.declared else { continue };
        let decl = &c.transfers[i];
        if decl.mechanism != T::Adequacy {
            continue;
        }
        let adequate = if t.frame.is_empty() {
            ADEQUATE.contains(&t.destination.as_str()) || is_eea(&t.destination)
        } else {
            t.adequate
        };
        // A law that does not accept adequacy at all is XFER-009's; an international
        // organisation, XFER-005's.
        if adequate
            || t.reason == "international-organisation"
            || (!t.frame.is_empty() && !t.accepted.contains(&T::Adequacy))
        {
            continue;
        }
        let eu_family = t.frame.is_empty() || t.needs_assessment;
        if t.destination == "US" && eu_family {
            if blank(&decl.reference) {
                f.at(format!("/transfers/{i}"), format!("adequacy for `{}` in the United States needs its Data Privacy Framework certification", t.importer))
                    .help("add reference = \"<the importer's Data Privacy Framework listing>\", or use standard contractual clauses with tia_reference");
            }
        } else if eu_family {
            f.at(
                format!("/transfers/{i}/mechanism"),
                format!(
                    "{} has no adequacy decision under the exporter's law (as of {})",
                    t.destination_name,
                    crate::model::ADEQUACY_AS_OF
                ),
            );
        } else if blank(&decl.reference) {
            // datapact's profile of the exporter's law records no list of adequate
            // destinations: the parties cite the finding they rely on.
            f.at(
                format!("/transfers/{i}"),
                format!(
                    "adequacy of {} under the law of `{}` is not recorded in datapact's law profile",
                    t.destination_name, t.exporter
                ),
            )
            .warning()
            .help("add reference = \"<the decision or list that finds the destination adequate>\"");
        }
    }
}

fn xfer_003(m: &Model, f: &mut Findings) {
    for (i, t) in cfg(m).transfers.iter().enumerate() {
        // Only where the exporter's law asks for the assessment (the GDPR, the UK GDPR, the
        // Swiss FADP): a transfer the model has not framed counts as one.
        let assessed_law = m
            .derived
            .transfers
            .iter()
            .filter(|r| r.declared == Some(i))
            .any(|r| r.frame.is_empty() || r.needs_assessment);
        if assessed_law && is_art46(t.mechanism) && blank(&t.tia_reference) {
            f.at(
                format!("/transfers/{i}"),
                format!(
                    "the transfer to `{}` relies on {} without a transfer impact assessment",
                    t.importer,
                    t.mechanism.as_str()
                ),
            );
        }
    }
}

fn xfer_004(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, t) in c.transfers.iter().enumerate() {
        if !is_derogation(t.mechanism) {
            continue;
        }
        // The flows that bring data to this importer (or to the processor of a sub-processor).
        let target = c
            .subprocessors
            .iter()
            .find(|s| s.id == t.importer)
            .map_or(t.importer.as_str(), |s| s.processor.as_str());
        let regular: Vec<&str> = c
            .flows
            .iter()
            .filter(|fl| {
                fl.to == target
                    && matches!(fl.frequency, Frequency::Periodic | Frequency::Continuous)
            })
            .map(|fl| fl.id.as_str())
            .collect();
        if !regular.is_empty() {
            f.at(
                format!("/transfers/{i}/mechanism"),
                format!(
                    "the transfer to `{}` relies on a derogation ({}) but flow {} is regular",
                    t.importer,
                    t.mechanism.as_str(),
                    regular
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if t.mechanism == T::DerogationConsent {
            let public_exporters: Vec<&str> = c
                .flows
                .iter()
                .filter(|fl| fl.to == target)
                .filter_map(|fl| party(c, &fl.from))
                .filter(|(_, p)| p.kind == PartyKind::PublicAuthority)
                .map(|(_, p)| p.id.as_str())
                .collect();
            if let Some(p) = public_exporters.first() {
                f.at(format!("/transfers/{i}/mechanism"), format!("public authority `{p}` cannot rely on consent to transfer data to `{}`", t.importer))
                    .error()
                    .help("a public authority exercising its powers uses an Art. 46 safeguard, e.g. \"administrative_arrangement\" with tia_reference");
            }
        }
    }
}

fn xfer_005(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for t in &m.derived.transfers {
        let Some((_, p)) = party(c, &t.importer) else {
            continue;
        };
        // Outside the GDPR family, the exporter's own law decides (XFER-009).
        if p.kind != PartyKind::InternationalOrganisation
            || !(t.frame.is_empty() || t.needs_assessment)
        {
            continue;
        }
        let Some(mech) = t.mechanism else { continue };
        // The EU and UK standard clauses presume the national courts and law of the exporter,
        // to which an organisation with privileges and immunities does not submit.
        let suitable = matches!(
            mech,
            T::PublicBodyInstrument
                | T::AdministrativeArrangement
                | T::AuthorityApproval
                | T::DerogationPublicInterest
                | T::DerogationVitalInterests
                | T::NotRequired
        );
        if !suitable {
            let how = if t.declared.is_none() && mech == T::Adequacy {
                format!("the adequacy of {} applied by default", t.destination_name)
            } else {
                mech.as_str().to_owned()
            };
            f.at(decl_at(m, t), format!("international organisation `{}` receives data under {how}, which does not cover it", t.importer))
                .help(format!(
                    "{} mechanism = \"administrative_arrangement\" or \"public_body_instrument\" (between public bodies) or \"authority_approval\" (clauses the supervisory authority authorises), and tia_reference",
                    if t.declared.is_some() {
                        format!("in the [[transfers]] entry for `{}`, set", t.importer)
                    } else {
                        format!("add a [[transfers]] entry with importer = \"{}\",", t.importer)
                    }
                ));
        }
    }
}

fn uk_adequate(code: &str) -> bool {
    is_eea(code) || code == "GB" || code == "GI" || ADEQUATE.contains(&code)
}

fn xfer_006(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for t in &m.derived.transfers {
        let Some(i) = t.declared else { continue };
        let exporter_uk = is_uk_exporter(m, t);
        let mech = c.transfers[i].mechanism;
        if exporter_uk && !uk_adequate(&t.destination) && mech == T::StandardContractualClauses {
            f.at(
                format!("/transfers/{i}/mechanism"),
                format!(
                    "`{}` exports from the United Kingdom to {} under the EU clauses alone",
                    t.exporter, t.destination_name
                ),
            );
        }
        if !exporter_uk
            && matches!(mech, T::UkIdta | T::UkAddendum)
            && party(c, &t.exporter).is_some()
        {
            f.at(
                format!("/transfers/{i}/mechanism"),
                format!(
                    "`{}` is not in the United Kingdom, so {} does not cover its transfer",
                    t.exporter,
                    mech.as_str()
                ),
            )
            .warning()
            .help("use \"standard_contractual_clauses\" for an exporter under EU law");
        }
    }
}

fn xfer_009(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let mut seen = Vec::new();
    for t in &m.derived.transfers {
        let Some(i) = t.declared else { continue };
        let mech = c.transfers[i].mechanism;
        let uk_tool = matches!(mech, T::UkIdta | T::UkAddendum)
            || (mech == T::StandardContractualClauses && t.accepted.contains(&T::UkIdta));
        if t.frame.is_empty() || uk_tool || t.accepted.contains(&mech) || seen.contains(&i) {
            continue;
        }
        seen.push(i);
        let options: Vec<String> = t
            .accepted
            .iter()
            .filter(|x| **x != T::NotRequired)
            .map(|x| format!("\"{}\"", x.as_str()))
            .collect();
        f.at(
            format!("/transfers/{i}/mechanism"),
            format!(
                "`{}` sends data to `{}` under {}, which the law that applies to `{}` ({}) does not provide for",
                t.exporter,
                t.importer,
                mech.as_str(),
                t.exporter,
                t.frame
            ),
        )
        .help(if options.is_empty() {
            "that law sets no transfer rule: set mechanism = \"not_required\"".to_owned()
        } else {
            format!("set mechanism to one of {}", options.join(", "))
        });
    }
}

fn xfer_007(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    // A party that receives the data cannot be an authority the agreement excludes.
    for (k, country) in c.use_restrictions.excluded_authorities.iter().enumerate() {
        for p in c.parties.iter().filter(|p| {
            p.kind == crate::config::PartyKind::PublicAuthority
                && &p.country == country
                && m.derived.recipients.contains(&p.id)
        }) {
            f.at(
                format!("/use_restrictions/excluded_authorities/{k}"),
                format!(
                    "`{}` is a public authority of {} and receives the data, but [use_restrictions] excludes the authorities of {}",
                    p.id,
                    crate::model::country_name(country),
                    crate::model::country_name(country)
                ),
            )
            .help(format!(
                "remove \"{country}\" from excluded_authorities (the agreement would forbid its own flows to `{}`), or stop sharing with `{}`",
                p.id, p.id
            ));
        }
    }
    for (i, o) in c.onward_sharing.permitted.iter().enumerate() {
        if o.conditions.iter().all(|s| s.trim().is_empty()) {
            f.at(
                format!("/onward_sharing/permitted/{i}"),
                format!("onward recipient \"{}\" accepts no conditions", o.recipient),
            );
        }
        for cc in o.all_countries() {
            if c.use_restrictions
                .excluded_authorities
                .iter()
                .any(|x| x == cc)
            {
                let key = if o.country.is_some() {
                    "country"
                } else {
                    "countries"
                };
                f.at(
                    format!("/onward_sharing/permitted/{i}/{key}"),
                    format!("onward recipient \"{}\" is in {}, whose authorities are excluded", o.recipient, crate::model::country_name(cc)),
                )
                .warning()
                .help("make sure the recipient is not and does not answer to an excluded authority, or remove it");
            }
        }
    }
}

fn xfer_008(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for r in &m.derived.recipients {
        // A recipient that only works inside an environment, or on the provider's systems,
        // stores nothing.
        if m.derived.access_only.contains(r) {
            continue;
        }
        if !c.storage.iter().any(|s| &s.party == r) {
            f.at(
                table_or_root(m, "storage"),
                format!("`{r}` receives data but declares no storage"),
            )
            .help(format!(
                "add a [[storage]] entry with party = \"{r}\", country, location and hosted_by"
            ));
        }
    }
}

fn xfer_012(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, o) in c.onward_sharing.permitted.iter().enumerate() {
        if !o.class || !o.all_countries().is_empty() {
            continue;
        }
        let personal = o
            .datasets
            .iter()
            .any(|d| dataset(c, d).is_some_and(|(_, ds)| is_personal(ds)));
        if personal {
            f.at(
                format!("/onward_sharing/permitted/{i}"),
                format!(
                    "the class \"{}\" gets personal data but names no country its members are in",
                    o.recipient
                ),
            );
        }
    }
}

fn xfer_013(m: &Model, f: &mut Findings) {
    let Some(a) = &cfg(m).authority_requests else {
        return;
    };
    if a.notify_hours == 0 {
        f.at(
            "/authority_requests/notify_hours",
            "the provider is to be told of an authority's request within 0 hours",
        )
        .help("set notify_hours = 24 (or the hours the parties can meet)");
    }
    if let Some(never) = &a.never {
        if never.is_empty() {
            f.at(
                "/authority_requests/never",
                "`never` names no authority",
            )
            .help("name each authority in never, e.g. never = [\"the immigration authorities of Eritrea\"], or remove never");
        }
        for (i, n) in never.iter().enumerate() {
            if n.trim().is_empty() {
                f.at(
                    format!("/authority_requests/never/{i}"),
                    "an entry of `never` is blank",
                )
                .help("name the authority, e.g. \"the immigration authorities of Eritrea\", or remove the entry");
            }
        }
    }
}
