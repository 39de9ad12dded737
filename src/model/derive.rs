//! The facts that follow from a checked config: each flow's relationship and the parties'
//! roles, the sensitivity of the data, the setting, the WP248 criteria for a DPIA, the key
//! dates and the defaults.
//!
//! In: a [`Config`] that passed [`super::check`]. Out: [`Derived`].

use std::collections::BTreeSet;

use super::retention::derive_retention;
use super::transfers::derive_transfers;
use super::{
    Derived, DerivedFlow, DpiaCriterion, KeyDates, Relationship, is_personal, is_special,
    relationship,
};
use crate::config::*;
use crate::dates::{IsoDuration, long_date};

const WP248: [&str; 9] = [
    "evaluation or scoring",
    "automated decisions with legal or similar effect",
    "systematic monitoring",
    "sensitive data or data of a highly personal nature",
    "large scale",
    "matching or combining datasets",
    "vulnerable data subjects",
    "innovative technology",
    "preventing people from exercising a right or using a service",
];

/// Processing of data on this many people or more counts as large scale.
pub const LARGE_SCALE_PEOPLE: u64 = 100_000;

pub(super) fn derive(cfg: &Config) -> Derived {
    // Data a party holds but never shares (`shared = false`) is its own input: the agreement
    // governs none of it, so no fact is derived from it.
    if cfg.datasets.iter().any(|ds| !ds.shared) {
        let mut shared = cfg.clone();
        shared.datasets.retain(|ds| ds.shared);
        let mut d = derive_shared(&shared);
        d.held_datasets = cfg
            .datasets
            .iter()
            .filter(|ds| !ds.shared)
            .map(|ds| ds.id.clone())
            .collect();
        return d;
    }
    derive_shared(cfg)
}

fn derive_shared(cfg: &Config) -> Derived {
    let mut d = Derived::default();
    roles(cfg, &mut d);
    sensitivity(cfg, &mut d);
    setting(cfg, &mut d);
    dpia_criteria(cfg, &mut d);
    d.transfers = derive_transfers(cfg, &d);
    d.has_transfers = !d.transfers.is_empty();
    d.light = d.only_non_personal
        && !d.has_group_sensitive
        && !d.has_confidential
        && !d.has_environment
        && !d.has_vulnerable_groups
        && d.special_categories.is_empty();
    d.dates = key_dates(cfg);
    d.retention = derive_retention(cfg);
    defaults(cfg, &mut d);
    d
}

/// Each flow with its roles and relationship; who controls, processes, provides, receives.
fn roles(cfg: &Config, d: &mut Derived) {
    let party = |id: &str| cfg.parties.iter().find(|p| p.id == id);

    let mut controllers = BTreeSet::new();
    let mut processors = BTreeSet::new();
    let mut recipients = BTreeSet::new();
    let mut providers = BTreeSet::new();
    for f in &cfg.flows {
        let from_role = f
            .from_role
            .or(party(&f.from).map(|p| p.role))
            .unwrap_or_default();
        let to_role = f
            .to_role
            .or(party(&f.to).map(|p| p.role))
            .unwrap_or_default();
        let rel = relationship(from_role, to_role).unwrap_or(Relationship::ControllerToController);
        let controller = match rel {
            Relationship::ControllerToProcessor => {
                f.on_behalf_of.clone().unwrap_or_else(|| f.from.clone())
            }
            Relationship::ProcessorToProcessor | Relationship::ProcessorToController => {
                f.on_behalf_of.clone().unwrap_or_else(|| f.to.clone())
            }
            _ => f.from.clone(),
        };
        for (id, role) in [(&f.from, from_role), (&f.to, to_role)] {
            match role {
                LegalRole::Controller
                | LegalRole::JointController
                | LegalRole::ThirdPartyRecipient => {
                    controllers.insert(id.clone());
                }
                LegalRole::Processor | LegalRole::SubProcessor => {
                    processors.insert(id.clone());
                }
            }
        }
        providers.insert(f.from.clone());
        recipients.insert(f.to.clone());
        d.relationships.insert(rel);
        d.flows.push(DerivedFlow {
            id: f.id.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
            from_role,
            to_role,
            relationship: rel,
            relationship_text: rel.describe(),
            controller,
            interval_text: f.interval.as_ref().map(IsoDuration::humanize),
            datasets: f.datasets.clone(),
            purposes: f.purposes.clone(),
            access: f.access_mode(),
            holds_copy: f.access_mode().holds_copy(),
            host: f.host().to_owned(),
            personal: f.datasets.iter().any(|id| {
                cfg.datasets
                    .iter()
                    .any(|ds| &ds.id == id && ds.identifiability.is_personal())
            }),
        });
    }
    let order = |set: BTreeSet<String>| -> Vec<String> {
        cfg.parties
            .iter()
            .filter(|p| set.contains(&p.id))
            .map(|p| p.id.clone())
            .collect()
    };
    d.controllers = order(controllers);
    d.processors = order(processors);
    d.recipients = order(recipients);
    d.providers = order(providers);
    d.has_controller_to_controller = d
        .relationships
        .contains(&Relationship::ControllerToController);
    d.has_joint_controllers = d.relationships.contains(&Relationship::JointControllers);
    d.has_controller_to_processor = d
        .relationships
        .contains(&Relationship::ControllerToProcessor);
    d.has_processor_to_processor = d
        .relationships
        .contains(&Relationship::ProcessorToProcessor);
    d.has_processor_to_controller = d
        .relationships
        .contains(&Relationship::ProcessorToController);
    access(cfg, d);
}

/// How recipients get at the data, and so who holds a copy and who only has access.
fn access(cfg: &Config, d: &mut Derived) {
    let mut holders = BTreeSet::new();
    let mut receives_copy = BTreeSet::new();
    for ds in &cfg.datasets {
        holders.insert(ds.provider.clone());
    }
    // Who holds data whatever the config's storage says: providers and environment hosts.
    let mut hosts_or_provides = holders.clone();
    for f in &d.flows {
        if matches!(f.access, AccessMode::RemoteAccess | AccessMode::CodeToData) {
            hosts_or_provides.insert(f.host.clone());
        }
    }
    for f in &d.flows {
        if !d.access_modes.contains(&f.access) {
            d.access_modes.push(f.access);
        }
        if f.holds_copy {
            holders.insert(f.to.clone());
            receives_copy.insert(f.to.clone());
        } else if matches!(f.access, AccessMode::RemoteAccess | AccessMode::CodeToData) {
            holders.insert(f.host.clone());
        }
    }
    // Storage that names a dataset makes its party a holder of that dataset. (Storage of
    // `derived` alone, outputs released from an environment, does not.)
    for s in &cfg.storage {
        if s.datasets.iter().any(|id| id != "derived") {
            holders.insert(s.party.clone());
        }
    }
    let m = &d.access_modes;
    d.has_copies = m.contains(&AccessMode::Copy);
    d.has_remote_access = m.contains(&AccessMode::RemoteAccess);
    d.has_code_to_data = m.contains(&AccessMode::CodeToData);
    d.has_on_premises = m.contains(&AccessMode::OnPremises);
    d.has_environment = d.has_remote_access || d.has_code_to_data;
    d.holders = cfg
        .parties
        .iter()
        .filter(|p| holders.contains(&p.id))
        .map(|p| p.id.clone())
        .collect();
    d.access_only = cfg
        .parties
        .iter()
        .filter(|p| {
            d.flows.iter().any(|f| f.to == p.id && !f.holds_copy)
                && !receives_copy.contains(&p.id)
                && !hosts_or_provides.contains(&p.id)
        })
        .map(|p| p.id.clone())
        .collect();
}

/// What the data is: special categories, location, vulnerable groups, personal or not.
fn sensitivity(cfg: &Config, d: &mut Derived) {
    let mut special = BTreeSet::new();
    let mut vulnerable = BTreeSet::new();
    for ds in &cfg.datasets {
        for c in &ds.data_categories {
            if is_special(*c) {
                special.insert(*c);
            }
            match c {
                DataCategory::Criminal => d.has_criminal_data = true,
                DataCategory::Location
                | DataCategory::Mobility
                | DataCategory::CommunicationsMetadata => d.has_location_data = true,
                _ => {}
            }
        }
        for g in &ds.vulnerable_groups {
            vulnerable.insert(*g as u8);
        }
        if cfg.flows.iter().any(|f| f.datasets.contains(&ds.id)) {
            d.shared_datasets.push(ds.id.clone());
        }
        if ds.identifiability.is_personal() {
            d.has_personal_data = true;
            d.personal_datasets.push(ds.id.clone());
        }
        match ds.identifiability {
            Identifiability::Pseudonymised => d.has_pseudonymised = true,
            Identifiability::Anonymised | Identifiability::Aggregated => d.has_statistics = true,
            _ => {}
        }
        d.has_group_sensitive |= ds.group_sensitive;
        match ds.confidentiality {
            Some(Confidentiality::Statistical) => d.has_statistical_confidentiality = true,
            Some(Confidentiality::Commercial) => d.has_commercial_confidentiality = true,
            None => {}
        }
    }
    d.has_confidential = d.has_statistical_confidentiality || d.has_commercial_confidentiality;
    d.data_incidents = cfg.breach.include_non_personal || !d.has_personal_data;
    d.about_people = cfg.datasets.iter().any(|ds| {
        ds.identifiability.is_personal() || !ds.data_subjects.is_empty() || ds.group_sensitive
    });
    d.special_categories = cfg
        .datasets
        .iter()
        .flat_map(|ds| ds.data_categories.iter().copied())
        .filter(|c| special.contains(c))
        .fold(Vec::new(), |mut v, c| {
            if !v.contains(&c) {
                v.push(c);
            }
            v
        });
    d.has_special_categories = !d.special_categories.is_empty();
    d.vulnerable_groups = cfg
        .datasets
        .iter()
        .flat_map(|ds| ds.vulnerable_groups.iter().copied())
        .fold(Vec::new(), |mut v, g| {
            if !v.contains(&g) {
                v.push(g);
            }
            v
        });
    d.has_vulnerable_groups = !vulnerable.is_empty();
    d.has_children = d.vulnerable_groups.contains(&VulnerableGroup::Children);
    d.only_non_personal = !d.has_personal_data;
}

/// Who the parties are, what the purposes allow, and the kind of document.
fn setting(cfg: &Config, d: &mut Derived) {
    d.has_privileges_and_immunities = cfg.parties.iter().any(|p| p.privileges_and_immunities);
    d.has_public_authority = cfg
        .parties
        .iter()
        .any(|p| p.kind == PartyKind::PublicAuthority);
    d.has_international_organisation = cfg
        .parties
        .iter()
        .any(|p| p.kind == PartyKind::InternationalOrganisation);
    d.has_research_purpose = cfg
        .purposes
        .iter()
        .any(|p| p.category == PurposeCategory::Research);
    for p in &cfg.purposes {
        let u = p.use_kind();
        d.purpose_use.insert(p.id.clone(), u);
        if !d.uses.contains(&u) {
            d.uses.push(u);
        }
        if u.acts_on_people() {
            d.acting_purposes.push(p.id.clone());
        }
    }
    d.acts_on_people = !d.acting_purposes.is_empty();
    d.research_only = !d.acts_on_people;
    d.commercial_use_allowed = cfg
        .purposes
        .iter()
        .any(|p| p.commercial_use != CommercialUse::Prohibited);
    d.consent_relied_on = cfg.consent.relied_on
        || cfg
            .legal_bases
            .iter()
            .any(|b| b.basis == LawfulBasis::Consent);
    d.humanitarian = cfg.agreement.context == Context::Humanitarian;
    d.binding = cfg.agreement.kind.binding();
    d.doc_word = if d.binding { "agreement" } else { "protocol" };
    d.must = if d.binding { "must" } else { "should" };
    d.has_subprocessors = !cfg.subprocessors.is_empty();
    d.has_onward_sharing = !cfg.onward_sharing.permitted.is_empty();
    d.dispute_mechanism = cfg
        .disputes
        .mechanism
        .unwrap_or(if d.has_privileges_and_immunities {
            DisputeMechanism::Arbitration
        } else {
            DisputeMechanism::Courts
        });
}

/// The WP248 criteria that apply, and whether a DPIA is required.
fn dpia_criteria(cfg: &Config, d: &mut Derived) {
    let methods: String = cfg
        .purposes
        .iter()
        .flat_map(|p| p.methods.iter())
        .map(|m| m.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    let mut crit = |n: u8, reason: String| {
        d.dpia_criteria.push(DpiaCriterion {
            number: n,
            name: WP248[(n - 1) as usize],
            reason,
        });
    };
    if ["scoring", "profiling", "prediction", "predictive"]
        .iter()
        .any(|k| methods.contains(k))
    {
        crit(
            1,
            "the methods include scoring, profiling or prediction".into(),
        );
    }
    let monitoring = cfg.flows.iter().any(|f| {
        matches!(f.frequency, Frequency::Continuous | Frequency::Periodic)
            && f.datasets.iter().any(|id| {
                cfg.datasets.iter().any(|ds| {
                    &ds.id == id
                        && is_personal(ds)
                        && ds.data_categories.iter().any(|c| {
                            matches!(
                                c,
                                DataCategory::Location
                                    | DataCategory::Mobility
                                    | DataCategory::CommunicationsMetadata
                            )
                        })
                })
            })
    });
    if monitoring {
        crit(
            3,
            "location or mobility data is shared continuously or periodically".into(),
        );
    }
    let highly_personal: Vec<&str> = cfg
        .datasets
        .iter()
        .filter(|ds| is_personal(ds))
        .filter(|ds| {
            ds.data_categories.iter().any(|c| {
                is_special(*c)
                    || matches!(
                        c,
                        DataCategory::Criminal
                            | DataCategory::Location
                            | DataCategory::Mobility
                            | DataCategory::CommunicationsMetadata
                            | DataCategory::Financial
                            | DataCategory::LegalStatus
                            | DataCategory::Nationality
                    )
            })
        })
        .map(|ds| ds.id.as_str())
        .collect();
    if !highly_personal.is_empty() {
        crit(
            4,
            format!(
                "sensitive data or data of a highly personal nature in {}",
                highly_personal.join(", ")
            ),
        );
    }
    let large: Vec<&str> = cfg
        .datasets
        .iter()
        .filter(|ds| ds.estimated_people.unwrap_or(0) >= LARGE_SCALE_PEOPLE)
        .map(|ds| ds.id.as_str())
        .collect();
    if !large.is_empty() {
        crit(
            5,
            format!(
                "{} cover {LARGE_SCALE_PEOPLE} people or more",
                large.join(", ")
            ),
        );
    }
    let combining = combines_sources(cfg);
    if combining {
        crit(
            6,
            "datasets from more than one source are combined or linkage is permitted".into(),
        );
    }
    if d.has_vulnerable_groups {
        crit(7, "the data concerns vulnerable people".into());
    }
    if [
        "machine learning",
        "artificial intelligence",
        "ai model",
        "call detail record",
        "cdr",
        "biometric",
        "satellite",
    ]
    .iter()
    .any(|k| methods.contains(k))
    {
        crit(8, "the methods use new technology (machine learning, CDR analytics, biometrics or similar)".into());
    }
    if cfg
        .purposes
        .iter()
        .any(|p| p.category == PurposeCategory::ServiceDelivery)
    {
        crit(
            9,
            "a purpose concerns the delivery of services to people".into(),
        );
    }
    let art35_3b = (d.has_special_categories || d.has_criminal_data) && !large.is_empty();
    d.dpia_required = art35_3b || d.dpia_criteria.len() >= 2;
}

/// The effective date, the end of the term and the first review, with the words for them.
fn key_dates(cfg: &Config) -> KeyDates {
    let effective = cfg.agreement.effective_date;
    let (end, term_text) = match (cfg.term.end_date, &cfg.term.duration) {
        (Some(end), _) => (Some(end), String::new()),
        (None, Some(dur)) => (dur.after(effective), format!("for {}", dur.humanize())),
        // A protocol runs until its participants end it, unless it says otherwise.
        (None, None) if !cfg.agreement.kind.binding() => (None, String::new()),
        (None, None) => {
            let dur = IsoDuration::months(24);
            (dur.after(effective), format!("for {}", dur.humanize()))
        }
    };
    let term_text = match (end, &cfg.term.end_event) {
        (Some(e), Some(event)) => {
            format!("until {event} or {}, whichever comes first", long_date(e))
        }
        (None, Some(event)) => format!("until {event}"),
        (e, None) => match e {
            Some(e) if term_text.is_empty() => format!("until {}", long_date(e)),
            Some(e) => format!("{term_text}, ending on {}", long_date(e)),
            None => term_text,
        },
    };
    let review = &cfg.agreement.review_interval;
    KeyDates {
        effective,
        end,
        term_text,
        review_interval_text: review.humanize(),
        first_review: review.after(effective),
    }
}

/// Defaults fall on a controller: the first that provides data, else the first controller.
fn defaults(cfg: &Config, d: &mut Derived) {
    // Defaults fall on a controller: the first that provides data, else the first controller.
    let first_controller = d
        .providers
        .iter()
        .find(|p| d.controllers.contains(p))
        .or_else(|| d.controllers.first())
        .cloned()
        .or_else(|| cfg.parties.first().map(|p| p.id.clone()))
        .unwrap_or_default();
    d.rights_contact = cfg
        .rights
        .contact_point
        .clone()
        .unwrap_or_else(|| first_controller.clone());
    d.review_owner = cfg
        .agreement
        .review_owner
        .clone()
        .unwrap_or(first_controller);
}

/// Datasets from more than one source are combined on a flow or across the agreement, or
/// linkage with other data is permitted (WP248 criterion 6).
fn combines_sources(cfg: &Config) -> bool {
    cfg.flows.iter().any(|f| {
        let provs: BTreeSet<&str> = f
            .datasets
            .iter()
            .filter_map(|id| {
                cfg.datasets
                    .iter()
                    .find(|ds| &ds.id == id)
                    .map(|ds| ds.provider.as_str())
            })
            .collect();
        provs.len() > 1
    }) || !cfg.use_restrictions.permitted_linkage.is_empty()
        || {
            // Sources are the controllers that provide data: a processor providing data it
            // collected for its controller is not a second source.
            let provs: BTreeSet<&str> = cfg
                .datasets
                .iter()
                .filter(|ds| {
                    !cfg.parties.iter().any(|p| {
                        p.id == ds.provider
                            && matches!(p.role, LegalRole::Processor | LegalRole::SubProcessor)
                    })
                })
                .map(|ds| ds.provider.as_str())
                .collect();
            provs.len() > 1
        }
}
