//! Transfers: each movement of data out of its legal area (the EEA counts as one), with the
//! mechanism that covers it.
//!
//! In: a checked [`Config`] and its derived flows. Out: one [`TransferRecord`] per importer and
//! destination, from recipients, storage and backups, sub-processors and onward sharing.

use std::collections::{BTreeMap, BTreeSet};

use super::countries::{ADEQUATE, area, country_name, is_eea};
use super::{Derived, DerivedFlow, Relationship, TransferRecord, is_personal};
use crate::config::*;

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
        if area(&o.country) != area(&by.country) {
            self.add(Move {
                exporter: &by.id,
                importer: &o.recipient,
                importer_name: &o.recipient,
                dest: &o.country,
                reason: "onward",
                datasets: &o.datasets,
                mechanism: o.mechanism,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, model_of};

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
