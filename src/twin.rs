//! The machine-readable twin of an agreement (`<reference>.json`), for registers and audits.
//!
//! In: a checked model, its rendered agreement and the library. Out: a [`Twin`], whose shape is
//! published as a versioned JSON Schema (`src/schemas/agreement-twin-v1.schema.json`).

use schemars::JsonSchema;
use serde::Serialize;

use crate::config::{
    Dataset, Disposal, Identifiability, IsoDuration, LawfulBasis, LegalRole, Party,
    SpecialCondition, Status, TransferMechanism,
};
use crate::library::Library;
use crate::model::{Derived, Model, country_name};
use crate::render::Rendered;

/// The version of the twin's shape; bumped on any incompatible change.
pub const TWIN_SCHEMA_VERSION: &str = "1";

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Twin {
    /// Always "1" for this shape.
    pub schema_version: String,
    pub reference: String,
    pub title: String,
    pub version: String,
    pub status: Status,
    /// `agreement`, `protocol` (a non-binding information-sharing protocol), or
    /// `processor_terms` for processing terms between a controller and its processor.
    pub kind: crate::config::DocumentKind,
    pub binding: bool,
    /// The sensitivity levels, least sensitive first (empty when none is declared).
    pub classification: Vec<TwinLevel>,
    /// The parties that joined by accession, with the date of each.
    pub accessions: Vec<TwinAccession>,
    /// For a protocol: the bilateral agreements that cover the personal data its participants
    /// exchange.
    pub bilateral_agreements: Vec<TwinBilateral>,
    pub dates: TwinDates,
    pub parties: Vec<TwinParty>,
    pub flows: Vec<TwinFlow>,
    pub purposes: Vec<TwinPurpose>,
    pub datasets: Vec<TwinDataset>,
    pub legal_bases: Vec<TwinLegalBasis>,
    pub transfers: Vec<TwinTransfer>,
    pub retention: Vec<TwinRetention>,
    pub dpia: TwinDpia,
    pub clauses: Vec<TwinClause>,
    pub provenance: TwinProvenance,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinLevel {
    pub id: String,
    pub name: String,
    pub recipients: String,
    pub storage: String,
    pub transmission: String,
    /// `yes`, `aggregated` or `no`.
    pub publication: crate::config::Publication,
    pub aggregation: Option<String>,
    /// The datasets at this level.
    pub datasets: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinAccession {
    pub party: String,
    pub legal_name: String,
    /// The date it acceded (YYYY-MM-DD).
    pub date: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinBilateral {
    pub reference: String,
    pub parties: Vec<String>,
    /// The personal data it covers.
    pub covers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinDates {
    pub effective: String,
    /// End of the term, when it is a fixed date.
    pub end: Option<String>,
    /// ISO-8601 review interval.
    pub review_interval: String,
    pub first_review: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinParty {
    pub id: String,
    pub legal_name: String,
    pub kind: String,
    pub country: String,
    pub country_name: String,
    /// Legal roles the party holds on the flows it takes part in.
    pub roles: Vec<LegalRole>,
    pub provides: bool,
    pub receives: bool,
    pub privileges_and_immunities: bool,
    pub contact_email: String,
    pub dpo_email: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinFlow {
    pub id: String,
    pub from: String,
    pub to: String,
    pub from_role: LegalRole,
    pub to_role: LegalRole,
    /// Derived from the roles: controller_to_controller, joint_controllers, …
    pub relationship: String,
    pub datasets: Vec<String>,
    pub purposes: Vec<String>,
    pub frequency: String,
    pub interval: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinPurpose {
    pub id: String,
    pub title: String,
    pub category: String,
    pub commercial_use: String,
    pub indicators: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinDataset {
    pub id: String,
    pub title: String,
    pub provider: String,
    pub identifiability: Identifiability,
    pub data_categories: Vec<String>,
    /// Art. 9(1) categories among them.
    pub special_categories: Vec<String>,
    pub vulnerable_groups: Vec<String>,
    pub personal_data: bool,
    /// Its sensitivity level (a level id), where the document has a classification.
    pub classification: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinLegalBasis {
    pub party: String,
    pub purpose: String,
    pub basis: LawfulBasis,
    pub special_category_condition: Option<SpecialCondition>,
    pub reference: Option<String>,
    pub expires: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinTransfer {
    pub exporter: String,
    pub importer: String,
    pub destination: String,
    pub destination_name: String,
    pub reason: String,
    pub adequate: bool,
    /// `null` when no mechanism is declared: an open finding.
    pub mechanism: Option<TransferMechanism>,
    /// The datasets that move.
    pub datasets: Vec<String>,
    /// Whether any of them is personal data.
    pub personal_data: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinRetention {
    /// A dataset id, or `derived`.
    pub dataset: String,
    /// The holder (party id), or null for every recipient.
    pub party: Option<String>,
    pub period: Option<String>,
    pub event: Option<String>,
    pub max: Option<String>,
    pub disposal: Disposal,
    /// The latest date disposal is due, counting from the effective date.
    pub due_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinDpia {
    pub required: bool,
    pub status: String,
    pub reference: Option<String>,
    /// WP248 criteria that apply, by number.
    pub criteria: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinClause {
    pub id: String,
    pub version: String,
    pub section: String,
    pub safeguards: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwinProvenance {
    /// sha256 of the config file's bytes.
    pub config_sha256: String,
    pub library_version: String,
    pub library_sha256: String,
    pub datapact_version: String,
}

/// sha256 of the exact config text.
pub fn config_hash(model: &Model) -> String {
    crate::library::sha256_hex(model.loaded.source.text.as_bytes())
}

pub fn build(model: &Model, rendered: &Rendered, lib: &Library) -> Twin {
    let cfg = model.config();
    let d = &model.derived;
    let effective = cfg.agreement.effective_date;
    let due = |s: &Option<IsoDuration>| s.as_ref()?.after(effective).map(|x| x.to_string());
    Twin {
        schema_version: TWIN_SCHEMA_VERSION.to_owned(),
        reference: cfg.agreement.reference.clone(),
        title: cfg.agreement.title.clone(),
        version: cfg.agreement.version.clone(),
        status: cfg.agreement.status,
        kind: cfg.agreement.kind,
        binding: cfg.agreement.kind.binding(),
        classification: cfg
            .classification
            .iter()
            .map(|l| TwinLevel {
                id: l.id.clone(),
                name: l.name.clone(),
                recipients: l.recipients.clone(),
                storage: l.storage.clone(),
                transmission: l.transmission.clone(),
                publication: l.publication,
                aggregation: l.aggregation.clone(),
                datasets: cfg
                    .datasets
                    .iter()
                    .filter(|d| d.classification.as_deref() == Some(l.id.as_str()))
                    .map(|d| d.id.clone())
                    .collect(),
            })
            .collect(),
        accessions: cfg
            .parties
            .iter()
            .filter_map(|p| {
                Some(TwinAccession {
                    party: p.id.clone(),
                    legal_name: p.legal_name.clone(),
                    date: p.acceded?.to_string(),
                })
            })
            .collect(),
        bilateral_agreements: cfg
            .bilateral
            .iter()
            .map(|b| TwinBilateral {
                reference: b.reference_in(&cfg.agreement.reference),
                parties: b.parties.clone(),
                covers: b.covers.clone(),
            })
            .collect(),
        dates: TwinDates {
            effective: effective.to_string(),
            end: d.dates.end.map(|x| x.to_string()),
            review_interval: cfg.agreement.review_interval.to_string(),
            first_review: d
                .dates
                .first_review
                .map(|x| x.to_string())
                .unwrap_or_default(),
        },
        parties: cfg.parties.iter().map(|p| party(p, d)).collect(),
        flows: cfg
            .flows
            .iter()
            .zip(&d.flows)
            .map(|(f, df)| TwinFlow {
                id: f.id.clone(),
                from: f.from.clone(),
                to: f.to.clone(),
                from_role: df.from_role,
                to_role: df.to_role,
                relationship: df.relationship.as_str().to_owned(),
                datasets: f.datasets.clone(),
                purposes: f.purposes.clone(),
                frequency: f.frequency.as_str().to_owned(),
                interval: f.interval.as_ref().map(|i| i.to_string()),
            })
            .collect(),
        purposes: cfg
            .purposes
            .iter()
            .map(|p| TwinPurpose {
                id: p.id.clone(),
                title: p.title.clone(),
                category: p.category.as_str().to_owned(),
                commercial_use: p.commercial_use.as_str().to_owned(),
                indicators: p.indicators.clone(),
            })
            .collect(),
        datasets: cfg.datasets.iter().map(dataset).collect(),
        legal_bases: cfg
            .legal_bases
            .iter()
            .map(|b| TwinLegalBasis {
                party: b.party.clone(),
                purpose: b.purpose.clone(),
                basis: b.basis,
                special_category_condition: b.special_category_condition,
                reference: b.reference.clone(),
                expires: b.expires.map(|x| x.to_string()),
            })
            .collect(),
        transfers: d
            .transfers
            .iter()
            .map(|t| TwinTransfer {
                exporter: t.exporter.clone(),
                importer: t.importer.clone(),
                destination: t.destination.clone(),
                destination_name: t.destination_name.clone(),
                reason: t.reason.clone(),
                adequate: t.adequate,
                mechanism: t.mechanism,
                datasets: t.datasets.clone(),
                personal_data: t.personal,
            })
            .collect(),
        retention: cfg
            .retention
            .iter()
            .map(|r| TwinRetention {
                dataset: r.dataset.clone(),
                party: r.party.clone(),
                period: r.period.as_ref().map(|x| x.to_string()),
                event: r.event.clone(),
                max: r.max.as_ref().map(|x| x.to_string()),
                disposal: r.disposal,
                due_by: due(&r.period).or_else(|| due(&r.max)),
            })
            .collect(),
        dpia: TwinDpia {
            required: d.dpia_required,
            status: cfg.dpia.status.as_str().to_owned(),
            reference: cfg.dpia.reference.clone(),
            criteria: d.dpia_criteria.iter().map(|c| c.number).collect(),
        },
        clauses: rendered
            .selection
            .included()
            .filter_map(|id| lib.clause(id))
            .map(|c| TwinClause {
                id: c.meta.id.clone(),
                version: c.meta.version.clone(),
                section: c.meta.section.clone(),
                safeguards: c.meta.safeguards.clone(),
            })
            .collect(),
        provenance: TwinProvenance {
            config_sha256: config_hash(model),
            library_version: lib.version.clone(),
            library_sha256: lib.hash.clone(),
            datapact_version: env!("CARGO_PKG_VERSION").to_owned(),
        },
    }
}

/// A party with the roles it holds and whether it provides or receives data.
fn party(p: &Party, d: &Derived) -> TwinParty {
    let mut roles: Vec<LegalRole> = Vec::new();
    for f in &d.flows {
        for (id, r) in [(&f.from, f.from_role), (&f.to, f.to_role)] {
            if *id == p.id && !roles.contains(&r) {
                roles.push(r);
            }
        }
    }
    TwinParty {
        id: p.id.clone(),
        legal_name: p.legal_name.clone(),
        kind: p.kind.as_str().to_owned(),
        country: p.country.clone(),
        country_name: country_name(&p.country),
        roles,
        provides: d.providers.contains(&p.id),
        receives: d.recipients.contains(&p.id),
        privileges_and_immunities: p.privileges_and_immunities,
        contact_email: p.contact.email.clone(),
        dpo_email: p.dpo.as_ref().map(|c| c.email.clone()),
    }
}

/// A dataset with its categories spelled as in a config.
fn dataset(ds: &Dataset) -> TwinDataset {
    TwinDataset {
        id: ds.id.clone(),
        title: ds.title.clone(),
        provider: ds.provider.clone(),
        classification: ds.classification.clone(),
        identifiability: ds.identifiability,
        data_categories: ds
            .data_categories
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        special_categories: ds
            .data_categories
            .iter()
            .filter(|c| crate::model::is_special(**c))
            .map(|c| c.as_str().to_owned())
            .collect(),
        vulnerable_groups: ds
            .vulnerable_groups
            .iter()
            .map(|g| g.as_str().to_owned())
            .collect(),
        personal_data: matches!(
            ds.identifiability,
            Identifiability::Identified | Identifiability::Pseudonymised
        ),
    }
}

/// The JSON Schema of the twin, as published in the repository.
pub fn schema() -> serde_json::Value {
    let mut s = serde_json::to_value(schemars::schema_for!(Twin)).unwrap_or_default();
    if let serde_json::Value::Object(m) = &mut s {
        m.insert(
            "$id".into(),
            "https://datapact.invalid/schema/agreement-twin-v1.json".into(),
        );
        m.insert("title".into(), "datapact agreement twin, version 1".into());
    }
    s
}
