//! The checked agreement: a loaded config whose dates, durations, country codes and references
//! between tables have been verified, plus the facts derived from it (the relationship of each
//! flow, special categories, transfers, DPIA criteria, key dates).
//!
//! In: a [`Loaded`] config. Out: a [`Model`], or every problem found, each pointing at its value.
//!
//! This file holds the model's types and [`build`]; each stage has its own file: [`check`]
//! (what makes a config refused), `derive` (the facts), `transfers` and `retention` (the two
//! largest facts), `countries` and `text` (lookups the checks and rendering share).

mod check;
mod countries;
mod derive;
mod retention;
mod text;
mod transfers;

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::Serialize;
use strum::IntoStaticStr;

use crate::config::*;
use crate::diag::Diagnostic;
use crate::load::Loaded;

pub use check::is_valid_reference;
pub use countries::{ADEQUACY_AS_OF, ADEQUATE, EEA, country_name, is_eea};
pub use derive::LARGE_SCALE_PEOPLE;
pub use text::forbidden_char;
pub(crate) use text::walk_strings;
pub use transfers::{Decision, Movement, accepts, decide};
// Dates moved to their own leaf module; these paths keep working for the command layer.
pub use crate::dates::{add_duration, humanize, parse_date, parse_duration};

/// A checked agreement and what follows from it.
#[derive(Debug, Clone)]
pub struct Model {
    pub loaded: Loaded,
    pub derived: Derived,
}

impl Model {
    pub fn config(&self) -> &Config {
        &self.loaded.config
    }

    /// Decide each transfer under its exporter's law (the library's law profiles): whether it
    /// is restricted, adequacy under that law, the mechanisms it accepts, what is signed.
    /// Until this runs, transfers are decided as under the GDPR.
    pub fn apply_laws(&mut self, laws: &crate::library::laws::Laws) {
        transfers::frame_transfers(&mut self.derived, &self.loaded.config, laws);
    }
}

/// Facts computed from the config, never typed by hand.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Derived {
    /// Each flow with its roles resolved and its relationship.
    pub flows: Vec<DerivedFlow>,
    /// Which relationships occur: `controller_to_controller`, `joint_controllers`, …
    pub relationships: BTreeSet<Relationship>,
    pub has_controller_to_controller: bool,
    pub has_joint_controllers: bool,
    pub has_controller_to_processor: bool,
    pub has_processor_to_processor: bool,
    pub has_processor_to_controller: bool,
    /// Art. 9(1) categories held in any dataset, derived from data categories.
    pub special_categories: Vec<DataCategory>,
    pub has_special_categories: bool,
    pub has_criminal_data: bool,
    /// Location, mobility or communications metadata in any dataset.
    pub has_location_data: bool,
    pub vulnerable_groups: Vec<VulnerableGroup>,
    pub has_vulnerable_groups: bool,
    pub has_children: bool,
    /// Any dataset that is identified or pseudonymised (personal data in law).
    pub has_personal_data: bool,
    /// Every dataset is anonymised or aggregated.
    pub only_non_personal: bool,
    /// Incidents with data that is not personal are notified like personal-data breaches:
    /// `[breach] include_non_personal`, or no dataset is personal.
    pub data_incidents: bool,
    /// Some dataset is about people: personal, or statistics that name the people they count,
    /// or data whose disclosure could harm a group.
    pub about_people: bool,
    /// Datasets that are personal data (identified or pseudonymised), by id.
    pub personal_datasets: Vec<String>,
    /// Datasets some flow carries, by id: the Shared Data. A dataset a party holds but no flow
    /// carries is not shared and is not described as such.
    pub shared_datasets: Vec<String>,
    /// Datasets declared `shared = false`, by id: a provider's own inputs, never sent.
    pub held_datasets: Vec<String>,
    pub has_pseudonymised: bool,
    /// Any dataset that is anonymised or aggregated statistics.
    pub has_statistics: bool,
    /// Any dataset whose disclosure could harm a group or community.
    pub has_group_sensitive: bool,
    /// Any dataset under statistical or commercial confidentiality.
    pub has_confidential: bool,
    /// A light deal: no personal data, nothing whose disclosure could harm a group, nothing
    /// confidential, no people in vulnerable situations or special categories behind the
    /// figures, and no secure environment. Detail that protects people or secrets
    /// (backups, relocation, segregation, training, testing, re-assessment, personnel
    /// liability, periodic reporting) is left out of such a deal.
    pub light: bool,
    pub has_statistical_confidentiality: bool,
    pub has_commercial_confidentiality: bool,
    /// How recipients get at the data, over all flows: `copy`, `remote_access`, …
    pub access_modes: Vec<AccessMode>,
    /// Some flow sends a copy.
    pub has_copies: bool,
    /// Some flow gives access inside a secure environment, or runs code there.
    pub has_environment: bool,
    pub has_remote_access: bool,
    pub has_code_to_data: bool,
    pub has_on_premises: bool,
    /// Parties that hold a copy of shared data: each dataset's provider, every recipient of a
    /// `copy` flow, and the host of a secure environment. In party order.
    pub holders: Vec<String>,
    /// Recipients that hold no copy: they only work inside an environment (or on the
    /// provider's systems). In party order.
    pub access_only: Vec<String>,
    /// The kinds of use over all purposes, in the order first declared.
    pub uses: Vec<UseKind>,
    /// Every purpose is research or statistics: nothing is done to a particular person.
    pub research_only: bool,
    /// Some purpose acts on identified people (delivery, official functions, emergency,
    /// audit).
    pub acts_on_people: bool,
    /// Purposes that act on identified people, by id.
    pub acting_purposes: Vec<String>,
    /// Each purpose's kind of use, by purpose id (defaults filled in).
    pub purpose_use: std::collections::BTreeMap<String, UseKind>,
    pub has_privileges_and_immunities: bool,
    /// The law profile that frames each party's processing, by party id (filled from the
    /// library's law profiles by [`Model::apply_laws`]; empty before).
    pub frames: std::collections::BTreeMap<String, String>,
    /// Parties under the GDPR or the UK GDPR, by id (filled with `frames`).
    pub under_gdpr: BTreeSet<String>,
    /// The legal bases each party's law provides, by party id, where its profile lists them
    /// (filled with `frames`).
    pub lawful_bases: std::collections::BTreeMap<String, Vec<String>>,
    pub has_public_authority: bool,
    pub has_international_organisation: bool,
    pub has_research_purpose: bool,
    pub commercial_use_allowed: bool,
    pub consent_relied_on: bool,
    pub humanitarian: bool,
    pub binding: bool,
    /// "agreement", or "protocol" when the text is deliberately non-binding.
    pub doc_word: &'static str,
    /// "must" in a binding agreement; "should" in a non-binding protocol.
    pub must: &'static str,
    /// WP248 criteria that apply, each with the reason.
    pub dpia_criteria: Vec<DpiaCriterion>,
    /// A DPIA is required: Art. 35(3)(b), or two or more WP248 criteria.
    pub dpia_required: bool,
    /// One record per recipient or storage location outside the data's jurisdiction.
    pub transfers: Vec<TransferRecord>,
    pub has_transfers: bool,
    pub has_subprocessors: bool,
    pub has_onward_sharing: bool,
    pub dispute_mechanism: DisputeMechanism,
    /// Dates computed from the agreement.
    pub dates: KeyDates,
    /// The retention schedule, one row per dataset and holder, derived data included.
    pub retention: Vec<RetentionRow>,
    /// Parties that are controllers (or joint controllers) on some flow.
    pub controllers: Vec<String>,
    /// Parties that are processors or sub-processors on some flow.
    pub processors: Vec<String>,
    /// Parties that receive data on some flow.
    pub recipients: Vec<String>,
    /// Parties that provide data on some flow.
    pub providers: Vec<String>,
    /// The party people contact about their rights.
    pub rights_contact: String,
    pub review_owner: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Relationship {
    ControllerToController,
    JointControllers,
    ControllerToProcessor,
    ProcessorToProcessor,
    ProcessorToController,
}

impl Relationship {
    /// The name as the JSON twin and templates spell it, e.g. `controller_to_processor`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn describe(self) -> &'static str {
        match self {
            Relationship::ControllerToController => "controller to controller",
            Relationship::JointControllers => "joint controllers",
            Relationship::ControllerToProcessor => "controller to processor",
            Relationship::ProcessorToProcessor => "processor to sub-processor",
            Relationship::ProcessorToController => "processor to controller",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DerivedFlow {
    pub id: String,
    pub from: String,
    pub to: String,
    pub from_role: LegalRole,
    pub to_role: LegalRole,
    pub relationship: Relationship,
    pub relationship_text: &'static str,
    /// The controller accountable for the flow.
    pub controller: String,
    /// The interval in words, for periodic flows.
    pub interval_text: Option<String>,
    /// The datasets and purposes of the flow (as in the config).
    pub datasets: Vec<String>,
    pub purposes: Vec<String>,
    /// How the recipient gets at the data, with the default for the method filled in.
    pub access: AccessMode,
    /// The recipient holds a copy (`access` is `copy`).
    pub holds_copy: bool,
    /// Who runs the environment for `remote_access` and `code_to_data` (a party id); for
    /// other modes, the providing party.
    pub host: String,
    /// Some dataset of the flow is personal data.
    pub personal: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DpiaCriterion {
    pub number: u8,
    pub name: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransferRecord {
    pub exporter: String,
    /// A party id or sub-processor id.
    pub importer: String,
    pub importer_name: String,
    /// ISO code of the destination.
    pub destination: String,
    pub destination_name: String,
    /// Why this is a transfer: `recipient`, `storage`, `backup`, `sub-processor`,
    /// `international-organisation`.
    pub reason: String,
    /// The destination benefits from an adequacy decision (as of [`ADEQUACY_AS_OF`]).
    pub adequate: bool,
    /// The mechanism declared in `[[transfers]]`, or `adequacy` where it applies.
    pub mechanism: Option<TransferMechanism>,
    /// Index into `transfers` of the declaration used, if any.
    pub declared: Option<usize>,
    /// The datasets that move (`derived` for derived data).
    pub datasets: Vec<String>,
    /// Whether any of them is personal data.
    pub personal: bool,
    /// The law profile of the exporter that decides this transfer (empty when the model was
    /// built without the library's law profiles).
    pub frame: String,
    /// The exporter's law restricts this movement: it needs a mechanism that law accepts.
    /// False where the exporter is under no general data-protection law or its law sets no
    /// transfer rule.
    pub restricted: bool,
    /// The mechanisms the exporter's law accepts (empty: not known).
    pub accepted: Vec<TransferMechanism>,
    /// The exporter's law asks for a transfer impact assessment before relying on safeguards.
    pub needs_assessment: bool,
    /// What the exporter and importer sign for a standard-clauses mechanism: the clauses and,
    /// for the EU clauses, the module that fits their roles.
    pub instrument: Option<String>,
    /// The mechanism as the register names it, with the provision of the exporter's law.
    pub basis: String,
}

/// Dates computed from the agreement. (`Default` only so that [`Derived`] can start empty.)
#[derive(Debug, Clone, Serialize, Default)]
pub struct KeyDates {
    #[serde(with = "crate::dates::iso_date")]
    pub effective: Date,
    /// The end of the term: the end date, or the effective date plus the duration.
    #[serde(with = "crate::dates::iso_date_opt")]
    pub end: Option<Date>,
    pub term_text: String,
    pub review_interval_text: String,
    /// `None` only past the end of the calendar; written `""` then, as templates expect text.
    #[serde(serialize_with = "date_or_empty")]
    pub first_review: Option<Date>,
}

fn date_or_empty<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(d),
        None => s.serialize_str(""),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RetentionRow {
    pub dataset: String,
    pub dataset_title: String,
    /// The holder's display name, and its party id.
    pub holder: String,
    pub holder_id: String,
    pub period_text: String,
    pub event: Option<String>,
    pub disposal: Disposal,
    pub method: Option<String>,
    pub certification: bool,
    pub legal_hold: Option<String>,
    /// Kept without limit (`indefinite = true`).
    pub indefinite: bool,
    /// Index into `retention` of the entry this row comes from; `None` for the default.
    pub declared: Option<usize>,
}

/// Check a loaded config and derive its facts.
pub fn build(loaded: Loaded) -> Result<Model, Vec<Diagnostic>> {
    let mut diags = check::check(&loaded);
    // Dates and durations that did not parse were found while loading; they are reported
    // with the rest, in file order.
    diags.extend(loaded.bad_values.iter().map(|(_, d)| d.clone()));
    if diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        diags.sort_by_key(|d| d.span.as_ref().map_or(usize::MAX, |s| s.start));
        return Err(diags);
    }
    let derived = derive::derive(&loaded.config);
    Ok(Model { loaded, derived })
}

/// The relationship of a flow from the legal roles at each end.
pub fn relationship(from: LegalRole, to: LegalRole) -> Result<Relationship, String> {
    use LegalRole::*;
    Ok(match (from, to) {
        (JointController, JointController) => Relationship::JointControllers,
        (
            Controller | JointController | ThirdPartyRecipient,
            Controller | JointController | ThirdPartyRecipient,
        ) => Relationship::ControllerToController,
        (Controller | JointController, Processor) => Relationship::ControllerToProcessor,
        (Processor | SubProcessor, SubProcessor | Processor) => Relationship::ProcessorToProcessor,
        (Processor | SubProcessor, Controller | JointController | ThirdPartyRecipient) => {
            Relationship::ProcessorToController
        }
        (Controller | JointController | ThirdPartyRecipient, SubProcessor) => {
            return Err("a controller cannot send data directly to a sub-processor; sub-processors receive data from a processor".into());
        }
        (ThirdPartyRecipient, Processor) => {
            return Err(
                "a third-party recipient cannot instruct a processor under this agreement".into(),
            );
        }
    })
}

/// Personal data in law: identified or pseudonymised (anonymised and aggregated data are not).
pub fn is_personal(ds: &Dataset) -> bool {
    ds.identifiability.is_personal()
}

pub fn is_special(c: DataCategory) -> bool {
    matches!(
        c,
        DataCategory::Health
            | DataCategory::Biometric
            | DataCategory::Genetic
            | DataCategory::EthnicOrigin
            | DataCategory::PoliticalOpinions
            | DataCategory::Religion
            | DataCategory::TradeUnion
            | DataCategory::SexLifeOrientation
    )
}

/// A model from config text, for unit tests.
#[cfg(test)]
fn model_of(text: &str) -> Model {
    let loaded = crate::load::load_str(std::path::Path::new("t.toml"), text).expect("loads");
    build(loaded).expect("builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serde stops at the first bad value; loading records each one and carries on, so one
    /// run reports every bad date and duration together with the other problems.
    #[test]
    fn bad_dates_and_durations_are_reported_with_every_other_problem() {
        let text = include_str!("../starter.toml")
            .replacen(
                "effective_date = 2026-03-01",
                "effective_date = \"2026-02-30\"",
                1,
            )
            .replacen("period = \"P24M\"", "period = \"two years\"", 1)
            .replacen("country = \"BE\"", "country = \"UK\"", 1)
            + "\n[agreement.x]\n";
        // The unknown table is a schema error: it is reported alone, before any value is read.
        let loaded = crate::load::load_str(std::path::Path::new("t.toml"), &text);
        assert!(loaded.is_err());
        let text = text.replace("\n[agreement.x]\n", "\n");
        let loaded =
            crate::load::load_str(std::path::Path::new("t.toml"), &text).expect("schema-valid");
        assert!(loaded.is_bad_value("/agreement/effective_date"));
        assert!(!loaded.is_bad_value("/agreement/title"));
        let errs = build(loaded).expect_err("refused");
        let got: Vec<(&str, usize)> = errs
            .iter()
            .map(|d| (d.code.as_str(), d.location.as_ref().map_or(0, |l| l.line)))
            .collect();
        let line = |needle: &str| {
            text.lines()
                .position(|l| l.contains(needle))
                .map_or(0, |i| i + 1)
        };
        assert_eq!(
            got,
            vec![
                ("config::bad-date", line("2026-02-30")),
                ("config::bad-country", line("\"UK\"")),
                ("config::bad-duration", line("two years")),
            ]
        );
        assert_eq!(errs[0].message, "`2026-02-30` is not a real calendar date");
        assert_eq!(errs[0].field.as_deref(), Some("agreement.effective_date"));
    }

    #[test]
    fn relationship_names_are_serde_s() {
        use Relationship::*;
        for r in [
            ControllerToController,
            JointControllers,
            ControllerToProcessor,
            ProcessorToProcessor,
            ProcessorToController,
        ] {
            assert_eq!(serde_json::to_value(r).ok(), Some(r.as_str().into()));
        }
    }

    #[test]
    fn relationships_from_roles() {
        use LegalRole::*;
        assert_eq!(
            relationship(Controller, Controller),
            Ok(Relationship::ControllerToController)
        );
        assert_eq!(
            relationship(JointController, JointController),
            Ok(Relationship::JointControllers)
        );
        assert_eq!(
            relationship(Controller, Processor),
            Ok(Relationship::ControllerToProcessor)
        );
        assert_eq!(
            relationship(Processor, SubProcessor),
            Ok(Relationship::ProcessorToProcessor)
        );
        assert_eq!(
            relationship(Processor, Controller),
            Ok(Relationship::ProcessorToController)
        );
        assert!(relationship(Controller, SubProcessor).is_err());
    }
}
