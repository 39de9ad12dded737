//! Transfers: each movement of data out of its legal area (the EEA counts as one), with the
//! mechanism that covers it.
//!
//! In: a checked [`Config`] and its derived flows. Out: one [`TransferRecord`] per importer and
//! destination, from recipients, storage and backups, sub-processors and onward sharing.

use std::collections::{BTreeMap, BTreeSet};

use super::countries::{ADEQUATE, area, country_name, is_eea};
use strum::VariantArray;

use super::{Derived, DerivedFlow, Relationship, TransferRecord, is_personal};
use crate::config::*;
use crate::library::laws::{Law, LawKind, Laws};

pub(super) fn derive_transfers(cfg: &Config, d: &Derived) -> Vec<TransferRecord> {
    let mut ledger = Ledger {
        cfg,
        out: BTreeMap::new(),
    };
    for (f, cf) in d.flows.iter().zip(&cfg.flows) {
        ledger.flow(f, &cf.datasets);
    }
    for sp in &cfg.subprocessors {
        ledger.subprocessor(sp, d);
    }
    for o in &cfg.onward_sharing.permitted {
        ledger.onward(o);
    }
    ledger.out.into_values().collect()
}

/// One movement of data towards a destination.
struct Move<'a> {
    exporter: &'a str,
    /// A party id, sub-processor id or onward recipient.
    importer: &'a str,
    importer_name: &'a str,
    dest: &'a str,
    /// `recipient`, `storage`, `backup`, `sub-processor`, `international-organisation` or
    /// `onward`.
    reason: &'a str,
    datasets: &'a [String],
    /// The mechanism named where the move is declared (onward sharing), if any.
    mechanism: Option<TransferMechanism>,
}

/// A flow's data moving from its sender to its recipient, towards `dest`.
fn to_recipient<'a>(
    from: &'a Party,
    to: &'a Party,
    dest: &'a str,
    reason: &'a str,
    datasets: &'a [String],
) -> Move<'a> {
    Move {
        exporter: &from.id,
        importer: &to.id,
        importer_name: &to.legal_name,
        dest,
        reason,
        datasets,
        mechanism: None,
    }
}

/// The transfers found so far, one per importer and destination.
struct Ledger<'c> {
    cfg: &'c Config,
    out: BTreeMap<(String, String), TransferRecord>,
}

impl<'c> Ledger<'c> {
    fn party(&self, id: &str) -> Option<&'c Party> {
        self.cfg.parties.iter().find(|p| p.id == id)
    }

    fn add(&mut self, m: Move) {
        let cfg = self.cfg;
        let declared = cfg.transfers.iter().position(|t| t.importer == m.importer);
        let exporter_country = self
            .party(m.exporter)
            .map(|p| p.country.as_str())
            .unwrap_or("");
        // An international organisation is not covered by its host country's adequacy.
        let adequate = m.reason != "international-organisation"
            && (ADEQUATE.contains(&m.dest) || (exporter_country == "GB" && is_eea(m.dest)));
        let mechanism = declared
            .map(|i| cfg.transfers[i].mechanism)
            .or(m.mechanism)
            .or(if adequate {
                Some(TransferMechanism::Adequacy)
            } else {
                None
            });
        let entry = self
            .out
            .entry((m.importer.to_owned(), m.dest.to_owned()))
            .or_insert_with(|| TransferRecord {
                exporter: m.exporter.to_owned(),
                importer: m.importer.to_owned(),
                importer_name: m.importer_name.to_owned(),
                destination: m.dest.to_owned(),
                destination_name: country_name(m.dest),
                reason: m.reason.to_owned(),
                adequate,
                mechanism,
                declared,
                datasets: Vec::new(),
                personal: false,
                frame: String::new(),
                restricted: true,
                accepted: Vec::new(),
                needs_assessment: false,
                instrument: None,
                basis: String::new(),
            });
        for ds in m.datasets {
            if !entry.datasets.contains(ds) {
                entry.datasets.push(ds.clone());
            }
        }
        let personal = m.datasets.iter().any(|id| {
            cfg.datasets
                .iter()
                .any(|ds| &ds.id == id && is_personal(ds))
        });
        entry.personal = entry.personal || personal;
    }

    /// A flow: the recipient's seat, and where the recipient stores and backs up the data.
    fn flow(&mut self, f: &DerivedFlow, datasets: &[String]) {
        let (Some(from), Some(to)) = (self.party(&f.from), self.party(&f.to)) else {
            return;
        };
        // A processor outside the EEA, the UK and Switzerland handing the results back to the
        // controller it works for returns the controller's own data: no transfer under those
        // laws, and the controller's storage is measured from the controller's own seat. (A
        // processor inside them exports: that is the processor-to-controller module.)
        let returning = f.relationship == Relationship::ProcessorToController
            && f.to == f.controller
            && !(is_eea(&from.country) || matches!(from.country.as_str(), "GB" | "CH"));
        let origin = if returning {
            area(&to.country)
        } else {
            area(&from.country)
        };
        if returning {
            // Nothing moves out of the controller's reach.
        } else if to.kind == PartyKind::InternationalOrganisation
            && from.kind != PartyKind::InternationalOrganisation
        {
            self.add(to_recipient(
                from,
                to,
                &to.country,
                "international-organisation",
                datasets,
            ));
        } else if area(&to.country) != origin {
            self.add(to_recipient(from, to, &to.country, "recipient", datasets));
        }
        // The recipient places the data in its storage: it exports to those locations.
        let cfg = self.cfg;
        for s in cfg.storage.iter().filter(|s| s.party == to.id) {
            let held: Vec<String> = if s.datasets.is_empty() {
                datasets.to_vec()
            } else {
                datasets
                    .iter()
                    .filter(|x| s.datasets.contains(x))
                    .cloned()
                    .collect()
            };
            if held.is_empty() {
                continue;
            }
            // A sub-processor of the recipient in that country moves the data there: that is
            // its transfer (listed with the sub-processors), not a second one.
            let by_subprocessor = |country: &str, host: Option<&str>| {
                cfg.subprocessors.iter().any(|sp| {
                    sp.processor == to.id
                        && sp.country == country
                        && host.is_none_or(|h| h == sp.id || h == sp.name)
                })
            };
            // The sender's data goes to the recipient, processed where the recipient stores
            // it: the transfer is the sender's, to the recipient, towards that country.
            if area(&s.country) != origin && !by_subprocessor(&s.country, Some(&s.hosted_by)) {
                self.add(to_recipient(from, to, &s.country, "storage", &held));
            }
            if let Some(b) = &s.backup_country
                && area(b) != origin
                && !by_subprocessor(b, None)
            {
                self.add(to_recipient(from, to, b, "backup", &held));
            }
        }
    }

    /// A sub-processor outside the area the data reaching its processor comes from.
    fn subprocessor(&mut self, sp: &Subprocessor, d: &Derived) {
        let cfg = self.cfg;
        let Some(proc_party) = self.party(&sp.processor) else {
            return;
        };
        // Data reaching the processor comes from the providers of the flows it receives.
        let incoming: Vec<(&DerivedFlow, &Flow)> = d
            .flows
            .iter()
            .zip(&cfg.flows)
            .filter(|(f, _)| f.to == sp.processor)
            .collect();
        let origins: BTreeSet<&str> = incoming
            .iter()
            .filter_map(|(f, _)| self.party(&f.from).map(|p| area(&p.country)))
            .collect();
        let origins = if origins.is_empty() {
            BTreeSet::from([area(&proc_party.country)])
        } else {
            origins
        };
        let datasets: Vec<String> = incoming
            .iter()
            .flat_map(|(_, cf)| cf.datasets.iter().cloned())
            .collect();
        // A sub-processor in the processor's own country receives nothing that has not already
        // arrived there: the processor's terms with its sub-processor cover it, and no second
        // transfer mechanism is needed.
        if area(&sp.country) != area(&proc_party.country)
            && origins.iter().any(|o| *o != area(&sp.country))
        {
            self.add(Move {
                exporter: &sp.processor,
                importer: &sp.id,
                importer_name: &sp.name,
                dest: &sp.country,
                reason: "sub-processor",
                datasets: &datasets,
                mechanism: None,
            });
        }
    }

    /// Onward sharing with a recipient outside the sharing party's area.
    fn onward(&mut self, o: &OnwardRecipient) {
        let Some(by) = self.party(&o.shared_by) else {
            return;
        };
        // A class of recipients: one movement per country its members may be in.
        for dest in o.all_countries() {
            if area(dest) != area(&by.country) {
                self.add(Move {
                    exporter: &by.id,
                    importer: &o.recipient,
                    importer_name: &o.recipient,
                    dest,
                    reason: "onward",
                    datasets: &o.datasets,
                    mechanism: o.mechanism,
                });
            }
        }
    }
}

/// Decide each transfer under its exporter's law: whether that law restricts it, whether the
/// law itself finds the destination adequate, which mechanisms it accepts, and what the
/// parties sign for standard clauses. A party whose `law` names no profile of the library is
/// left as derived (that is an error of its own, reported by the render).
pub(super) fn frame_transfers(d: &mut Derived, cfg: &Config, laws: &Laws) {
    // Each party's frame, resolved once.
    d.frames.clear();
    d.under_gdpr.clear();
    d.lawful_bases.clear();
    for p in &cfg.parties {
        if let Some(law) = laws.frame_of(p) {
            d.frames.insert(p.id.clone(), law.id.clone());
            if !law.lawful_bases.is_empty() {
                d.lawful_bases
                    .insert(p.id.clone(), law.lawful_bases.clone());
            }
            if matches!(law.kind, LawKind::Gdpr | LawKind::UkGdpr) {
                d.under_gdpr.insert(p.id.clone());
            }
        }
    }
    let Derived {
        flows, transfers, ..
    } = d;
    for t in transfers.iter_mut() {
        let Some(law) = cfg
            .parties
            .iter()
            .find(|p| p.id == t.exporter)
            .and_then(|p| laws.frame_for(p))
        else {
            continue;
        };
        let law = &*law;
        let decision = decide(law, &Movement::of(t, flows));
        t.frame = law.id.clone();
        t.restricted = decision.restricted;
        t.adequate = decision.adequate;
        t.accepted = decision.accepted;
        t.needs_assessment = law.transfer.impact_assessment;
        if t.declared.is_none()
            && t.mechanism.is_none_or(|m| m == TransferMechanism::Adequacy)
            && t.reason != "onward"
        {
            t.mechanism = decision.default_mechanism;
        }
        t.instrument = t
            .mechanism
            .and_then(|m| instrument(law, m, decision.module));
        t.basis = t
            .mechanism
            .map(|m| basis(law, m, t.personal))
            .unwrap_or_default();
    }
}

/// A mechanism as the register names it: under the GDPR with its article, under another law
/// with that law's transfer provisions.
pub fn basis(law: &Law, m: TransferMechanism, personal: bool) -> String {
    use TransferMechanism as T;
    if m == T::NotRequired {
        return if !personal {
            "None required: no personal data is transferred".to_owned()
        } else if law.kind == LawKind::None {
            "None required: no general data-protection law restricts transfers by the exporter"
                .to_owned()
        } else if law.transfer.mechanisms.is_empty() {
            format!("None required: the {} sets no transfer rule", law.name)
        } else {
            "None required".to_owned()
        };
    }
    let eu_family =
        matches!(law.kind, LawKind::Gdpr | LawKind::UkGdpr) || law.transfer.impact_assessment;
    let (label, article) = match m {
        T::Adequacy if !eu_family => ("Adequate protection in the destination", ""),
        T::Adequacy => ("Adequacy decision", "Art. 45"),
        T::StandardContractualClauses => ("Standard contractual clauses", "Art. 46(2)(c)"),
        T::UkIdta => ("UK International Data Transfer Agreement", ""),
        T::UkAddendum => ("UK Addendum to the EU standard contractual clauses", ""),
        T::BindingCorporateRules => ("Binding corporate rules", "Art. 47"),
        T::PublicBodyInstrument => (
            "Legally binding instrument between public bodies",
            "Art. 46(2)(a)",
        ),
        T::AdministrativeArrangement => (
            "Administrative arrangement between public bodies",
            "Art. 46(3)(b)",
        ),
        T::CodeOfConduct => ("Approved code of conduct", "Art. 46(2)(e)"),
        T::Certification => ("Approved certification mechanism", "Art. 46(2)(f)"),
        T::DerogationPublicInterest => (
            "Derogation: important reasons of public interest",
            "Art. 49(1)(d)",
        ),
        T::DerogationConsent => ("Derogation: explicit consent", "Art. 49(1)(a)"),
        T::DerogationVitalInterests => ("Derogation: vital interests", "Art. 49(1)(f)"),
        T::AuthorityApproval if eu_family => (
            "Contractual clauses authorised by the supervisory authority",
            "Art. 46(3)(a)",
        ),
        T::AuthorityApproval => ("Approval by the supervisory authority", ""),
        T::ThisAgreement => ("The safeguards of this Agreement, binding the importer", ""),
        T::NotRequired => unreachable!("handled above"),
    };
    match law.kind {
        LawKind::Gdpr if !article.is_empty() => format!("{label} (GDPR {article})"),
        LawKind::InternationalOrganisation => format!("{label}, under {}", Laws::under(law)),
        LawKind::None => label.to_owned(),
        _ if !law.provisions.transfers.is_empty() => {
            format!("{label} ({}, {})", law.name, law.provisions.transfers)
        }
        _ => format!("{label} ({})", law.name),
    }
}

/// What decides a transfer besides the exporter's law.
#[derive(Debug, Clone, Copy)]
pub struct Movement<'a> {
    pub destination: &'a str,
    pub to_international_organisation: bool,
    /// The roles of exporter and importer, for the module of the EU clauses.
    pub relationship: Option<Relationship>,
}

impl<'a> Movement<'a> {
    fn of(t: &'a TransferRecord, flows: &[DerivedFlow]) -> Movement<'a> {
        let relationship = if t.reason == "sub-processor" {
            Some(Relationship::ProcessorToProcessor)
        } else {
            let rels: Vec<Relationship> = flows
                .iter()
                .filter(|f| f.from == t.exporter && f.to == t.importer)
                .map(|f| f.relationship)
                .collect();
            [
                Relationship::ProcessorToProcessor,
                Relationship::ControllerToProcessor,
                Relationship::ProcessorToController,
            ]
            .into_iter()
            .find(|r| rels.contains(r))
            .or(rels.first().copied())
        };
        Movement {
            destination: &t.destination,
            to_international_organisation: t.reason == "international-organisation",
            relationship,
        }
    }
}

/// A transfer decided under the exporter's law.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The law restricts the movement (false: no general law, or no transfer rule).
    pub restricted: bool,
    /// The law itself finds the destination adequate.
    pub adequate: bool,
    /// The mechanisms the law accepts, as config values.
    pub accepted: Vec<TransferMechanism>,
    /// The mechanism that applies without a declaration: adequacy, `this_agreement` for an
    /// organisation's own rules, `not_required` where the law sets no rule.
    pub default_mechanism: Option<TransferMechanism>,
    /// The module of the EU standard contractual clauses that fits the roles, where the
    /// exporter's law uses them.
    pub module: Option<&'static str>,
}

/// Decide one movement under the exporter's law.
pub fn decide(law: &Law, m: &Movement) -> Decision {
    let restricted = law.kind != LawKind::None && !law.transfer.mechanisms.is_empty();
    let adequate = !m.to_international_organisation
        && law.transfer.mechanisms.iter().any(|x| x == "adequacy")
        && law
            .transfer
            .adequate
            .iter()
            .any(|c| c == m.destination || (c == "EEA" && is_eea(m.destination)));
    let accepted: Vec<TransferMechanism> = TransferMechanism::VARIANTS
        .iter()
        .copied()
        .filter(|x| accepts(law, *x))
        .collect();
    let default_mechanism = if !restricted {
        Some(TransferMechanism::NotRequired)
    } else if adequate {
        Some(TransferMechanism::Adequacy)
    } else if law.kind == LawKind::InternationalOrganisation {
        Some(TransferMechanism::ThisAgreement)
    } else {
        None
    };
    let module = match law.transfer.standard_clauses_kind.as_str() {
        "eu_modules" | "uk" | "" => Some(match m.relationship {
            Some(Relationship::ProcessorToProcessor) => "Module Three (processor to processor)",
            Some(Relationship::ControllerToProcessor) => "Module Two (controller to processor)",
            Some(Relationship::ProcessorToController) => "Module Four (processor to controller)",
            _ => "Module One (controller to controller)",
        }),
        _ => None,
    };
    Decision {
        restricted,
        adequate,
        accepted,
        default_mechanism,
        module,
    }
}

/// Whether a law accepts a mechanism: the mechanism's kind is among the law's `mechanisms`.
pub fn accepts(law: &Law, m: TransferMechanism) -> bool {
    use TransferMechanism as T;
    let has = |k: &str| law.transfer.mechanisms.iter().any(|x| x == k);
    let uk = law.kind == LawKind::UkGdpr;
    let approved_clauses_only = matches!(law.kind, LawKind::Gdpr | LawKind::UkGdpr);
    match m {
        T::NotRequired => true,
        T::Adequacy => has("adequacy"),
        T::UkIdta | T::UkAddendum => uk,
        T::StandardContractualClauses => {
            !uk && (has("standard_clauses") || has("contract") || has("appropriate_safeguards"))
        }
        T::BindingCorporateRules => has("binding_corporate_rules"),
        T::PublicBodyInstrument | T::AdministrativeArrangement => {
            has("appropriate_safeguards") || has("contract")
        }
        T::CodeOfConduct | T::Certification => {
            approved_clauses_only && has("appropriate_safeguards")
        }
        T::DerogationPublicInterest | T::DerogationVitalInterests => has("necessity"),
        T::DerogationConsent => has("consent"),
        T::AuthorityApproval => has("authority_approval"),
        T::ThisAgreement => {
            !approved_clauses_only && (has("contract") || has("appropriate_safeguards"))
        }
    }
}

/// What the exporter and importer sign for a standard-clauses mechanism.
fn instrument(law: &Law, m: TransferMechanism, module: Option<&str>) -> Option<String> {
    use TransferMechanism as T;
    const EU: &str = "the standard contractual clauses adopted by Commission Implementing Decision (EU) 2021/914";
    let module = module.unwrap_or("the module that fits their roles");
    let under = Laws::under(law);
    let within = |what: String| {
        if law.provisions.transfers.is_empty() {
            format!("{what}, as the contractual safeguards for the transfer under {under}")
        } else {
            format!(
                "{what}, as the contractual safeguards for the transfer under {under}, {}",
                law.provisions.transfers
            )
        }
    };
    match (m, law.transfer.standard_clauses_kind.as_str()) {
        (T::UkIdta, _) => Some(
            "the International Data Transfer Agreement issued by the UK Information Commissioner"
                .to_owned(),
        ),
        (T::UkAddendum, _) => Some(format!(
            "{EU}, {module}, with the International Data Transfer Addendum issued by the UK Information Commissioner"
        )),
        (T::StandardContractualClauses, "eu_modules") if law.kind == LawKind::Gdpr => {
            Some(format!("{EU}, {module}"))
        }
        (T::StandardContractualClauses, "eu_modules") => Some(format!(
            "{EU}, {module}, with the adaptations {} requires for transfers under {under}",
            if law.authority.is_empty() {
                "the exporter's supervisory authority"
            } else {
                &law.authority
            },
        )),
        (T::StandardContractualClauses, "own") => {
            Some(format!("the {}", law.transfer.standard_clauses))
        }
        (T::StandardContractualClauses, _) if law.kind == LawKind::None => None,
        (T::StandardContractualClauses, _) => Some(within(format!("{EU}, {module}"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, model_of};

    /// Every law profile as exporter, with each pair of roles and the kinds of destination
    /// that decide a transfer: whether it is restricted, adequacy under that law, the
    /// mechanism that applies without a declaration, the module of the EU clauses, whether the
    /// standard clauses and this agreement's own safeguards are accepted, and the source.
    #[test]
    fn transfer_decisions_by_exporter_law_and_roles() {
        use Relationship::{
            ControllerToController as C2C, ControllerToProcessor as C2P,
            ProcessorToController as P2C, ProcessorToProcessor as P2P,
        };
        use TransferMechanism as T;
        let lib = crate::library::Library::builtin().expect("built-in library");
        /// law, destination, to an international organisation, roles, restricted, adequate,
        /// default mechanism, module, standard clauses accepted, this agreement accepted, source
        type Row<'a> = (
            &'a str,
            &'a str,
            bool,
            Relationship,
            bool,
            bool,
            Option<T>,
            Option<&'a str>,
            bool,
            bool,
            &'a str,
        );
        #[rustfmt::skip]
        let table: &[Row] = &[
            // law, destination, to an IO, roles, restricted, adequate, default, module, SCC ok, this agreement ok, source
            ("gdpr", "JO", false, C2P, true, false, None, Some("Module Two"), true, false, "GDPR Art. 46(2)(c); Decision (EU) 2021/914, Module Two"),
            ("gdpr", "JP", false, C2C, true, true, Some(T::Adequacy), Some("Module One"), true, false, "GDPR Art. 45; adequacy decision for Japan"),
            ("gdpr", "CH", true, C2C, true, false, None, Some("Module One"), true, false, "GDPR Art. 4(26), 44: a host country's adequacy does not cover an international organisation"),
            ("gdpr", "US", false, P2P, true, false, None, Some("Module Three"), true, false, "Decision (EU) 2023/1795 covers certified importers only; Decision 2021/914, Module Three"),
            ("gdpr", "KE", false, P2C, true, false, None, Some("Module Four"), true, false, "Decision (EU) 2021/914, Module Four"),
            ("uk-gdpr", "DE", false, C2C, true, true, Some(T::Adequacy), Some("Module One"), false, false, "DPA 2018 Sch. 21: the EEA is adequate for UK exporters"),
            ("uk-gdpr", "IN", false, C2P, true, false, None, Some("Module Two"), false, false, "UK GDPR Art. 46; ICO IDTA and Addendum (the EU clauses alone do not serve)"),
            ("ch-fadp", "DE", false, C2C, true, true, Some(T::Adequacy), Some("Module One"), true, true, "FADP Art. 16(1); Data Protection Ordinance Annex 1"),
            ("ch-fadp", "KE", false, C2P, true, false, None, Some("Module Two"), true, true, "FADP Art. 16(2): EU clauses recognised by the FDPIC, or specific safeguards"),
            ("ke-dpa-2019", "JO", false, C2P, true, false, None, Some("Module Two"), true, true, "Kenya DPA 2019 ss. 48–49: appropriate safeguards"),
            ("ng-ndpa-2023", "GB", false, C2C, true, false, None, Some("Module One"), true, true, "Nigeria DPA 2023 ss. 41–43"),
            ("za-popia", "US", false, C2P, true, false, None, Some("Module Two"), true, true, "POPIA s. 72(1)(a): a binding agreement"),
            ("ug-dppa-2019", "CH", true, C2C, true, false, None, Some("Module One"), false, false, "Uganda DPPA 2019 s. 19: equivalent protection or consent only"),
            ("gh-dpa-2012", "US", false, C2C, false, false, Some(T::NotRequired), Some("Module One"), false, false, "Ghana DPA 2012: no transfer rule"),
            ("rw-law-058-2021", "FR", false, C2P, true, false, None, Some("Module Two"), true, true, "Rwanda Law 058/2021 Arts. 48–50: authorisation or a contract"),
            ("br-lgpd", "US", false, C2P, true, false, None, None, true, true, "LGPD Art. 33; ANPD Resolution 19/2024 standard clauses"),
            ("co-law-1581", "US", false, C2C, true, false, None, Some("Module One"), true, true, "Colombia Law 1581 Art. 26"),
            ("tr-kvkk", "DE", false, C2P, true, false, None, None, true, false, "KVKK Art. 9: the Board's standard contract, not a bespoke one"),
            ("jo-pdpl-2023", "DE", false, C2C, true, false, None, Some("Module One"), false, false, "Jordan PDPL 2023 Art. 15: adequate protection or a listed necessity"),
            ("io-rules", "IE", false, C2P, true, false, Some(T::ThisAgreement), Some("Module Two"), true, true, "the organisation's own rules: written safeguards binding the recipient"),
            ("none", "US", false, C2C, false, false, Some(T::NotRequired), Some("Module One"), true, true, "no general data-protection law: the agreement's terms only"),
            ("unlisted", "US", false, C2C, true, false, None, Some("Module One"), true, true, "a law datapact has no profile of: any declared mechanism is recorded"),
        ];
        let mut failures = Vec::new();
        for &(id, dest, io, rel, restricted, adequate, default, module, scc, own, source) in table {
            let law = lib
                .laws
                .by_id
                .get(id)
                .unwrap_or_else(|| panic!("no profile {id}"));
            let d = decide(
                law,
                &Movement {
                    destination: dest,
                    to_international_organisation: io,
                    relationship: Some(rel),
                },
            );
            let got = (
                d.restricted,
                d.adequate,
                d.default_mechanism,
                d.module.map(|m| m.split(" (").next().unwrap_or(m)),
                accepts(law, T::StandardContractualClauses),
                accepts(law, T::ThisAgreement),
            );
            let want = (restricted, adequate, default, module, scc, own);
            if got != want {
                failures.push(format!(
                    "{id} to {dest} ({rel:?}), per {source}: got {got:?}, want {want:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
        // Every profile of the library has a row.
        for id in lib.laws.by_id.keys() {
            assert!(table.iter().any(|r| r.0 == id), "no row for {id}");
        }
        // What is signed follows the exporter's law.
        let law = |id: &str| lib.laws.by_id.get(id).expect("profile");
        let two = Some("Module Two (controller to processor)");
        let signed = |id: &str, m: T| instrument(law(id), m, two).unwrap_or_default();
        assert!(
            signed("gdpr", T::StandardContractualClauses)
                .ends_with("2021/914, Module Two (controller to processor)")
        );
        assert!(signed("ch-fadp", T::StandardContractualClauses).contains("adaptations"));
        assert!(signed("uk-gdpr", T::UkAddendum).contains("International Data Transfer Addendum"));
        assert!(signed("br-lgpd", T::StandardContractualClauses).contains("ANPD"));
        assert!(
            signed("ke-dpa-2019", T::StandardContractualClauses)
                .contains("under the Kenya Data Protection Act 2019, ss. 48–50")
        );
        assert_eq!(signed("none", T::StandardContractualClauses), "");
    }

    #[test]
    fn transfers_run_from_the_sender_and_a_sub_processor_s_move_is_listed_once() {
        for text in [
            include_str!("../../examples/mno-displacement.toml"),
            include_str!("../../examples/ngo-survey.toml"),
            include_str!("../../examples/bank-remittances.toml"),
            include_str!("../../examples/adplatform-audiences.toml"),
        ] {
            let m = model_of(text);
            for t in &m.derived.transfers {
                assert_ne!(
                    t.exporter, t.importer,
                    "no party transfers to itself: {t:?}"
                );
            }
        }
        // Nimbus (Ireland) keeps backups in the Netherlands with its sub-processor Vaultline:
        // within the EEA, so no transfer of its own; the Agency's data reached the EEA through
        // the Agency's transfer to Nimbus.
        let towards = |m: &Model, country: &str| -> Vec<TransferRecord> {
            m.derived
                .transfers
                .iter()
                .filter(|t| t.destination == country)
                .cloned()
                .collect()
        };
        let m = model_of(include_str!("../../examples/mno-displacement.toml"));
        let nl = towards(&m, "NL");
        assert!(nl.is_empty(), "{nl:?}");
        assert_eq!(towards(&m, "IE").len(), 1);
        // Storage in another country than the sender's: the sender's transfer to the recipient.
        let text = include_str!("../../examples/ngo-survey.toml");
        let first_storage = text.find("[[storage]]").expect("storage");
        let jo = text[first_storage..]
            .find("country = \"JO\"")
            .expect("JO storage")
            + first_storage;
        let moved = format!("{}country = \"US\"{}", &text[..jo], &text[jo + 14..]);
        let us = towards(&model_of(&moved), "US");
        assert_eq!(us.len(), 1, "{us:?}");
        assert_eq!(
            (us[0].exporter.as_str(), us[0].importer.as_str()),
            ("ngo", "survey")
        );
    }

    #[test]
    fn a_processor_outside_the_eea_returning_results_to_its_controller_is_no_transfer() {
        // Al-Manara (Jordan) returns the answers to Solace (Denmark), for which it collected
        // them: the only transfer is Solace's, to Jordan.
        let m = model_of(include_str!("../../examples/ngo-survey.toml"));
        let moves: Vec<(&str, &str)> = m
            .derived
            .transfers
            .iter()
            .map(|t| (t.exporter.as_str(), t.destination.as_str()))
            .collect();
        assert_eq!(moves, [("ngo", "JO")]);
        // The same return from a processor in the EEA to a controller outside it is an export
        // (processor to controller).
        let text = include_str!("../../examples/ngo-survey.toml");
        let moved = text
            .replacen("country = \"DK\"", "country = \"US\"", 1)
            .replacen("country = \"JO\"", "country = \"DE\"", 1);
        let m = model_of(&moved);
        assert!(
            m.derived.transfers.iter().any(|t| t.exporter == "survey"),
            "{:?}",
            m.derived.transfers
        );
    }
}
