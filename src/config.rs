//! The TOML shape of an agreement config: plain serde types, one per table.
//!
//! In: TOML text (through [`crate::load`]). Out: a [`Config`] whose dates and durations are
//! already typed ([`jiff::civil::Date`], [`IsoDuration`]); country codes and references
//! between tables are checked in [`crate::model`], which reports every problem with its
//! position. Each enum spells its variants with `as_str()`, as a config writes them.
//!
//! Every field's `///` doc becomes the description in `datapact schema`, which TOML editors
//! show while a user types; keep them short and say what to write.

use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

pub use crate::dates::IsoDuration;

/// A data-sharing agreement, as declared by its authors.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Folder holding an organisation's own `clauses/` and `templates/`, relative to this file.
    /// Leave out to use the library built into datapact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library: Option<String>,
    /// The agreement itself: title, reference, status, dates, law.
    pub agreement: Agreement,
    /// Every organisation that signs the agreement.
    pub parties: Vec<Party>,
    /// What the data is shared for. Each purpose is precise and says what will answer it.
    pub purposes: Vec<Purpose>,
    /// The data that is shared.
    pub datasets: Vec<Dataset>,
    /// Each movement of data from one party to another.
    pub flows: Vec<Flow>,
    /// The legal basis each controller relies on for each purpose.
    #[serde(default)]
    pub legal_bases: Vec<LegalBasis>,
    /// How the people in the data are told about the sharing.
    #[serde(default)]
    pub transparency: Transparency,
    /// Whether consent is relied on, and the strategy for it.
    #[serde(default)]
    pub consent: Consent,
    /// How the rights of the people in the data are handled.
    #[serde(default)]
    pub rights: Rights,
    /// The data protection impact assessment.
    #[serde(default)]
    pub dpia: Dpia,
    /// Where each party stores the data.
    #[serde(default)]
    pub storage: Vec<Storage>,
    /// Technical and organisational security measures.
    #[serde(default)]
    pub security: Security,
    /// How long each dataset, and the data derived from it, is kept, and what happens then.
    #[serde(default)]
    pub retention: Vec<Retention>,
    /// Sharing with anyone who is not a party. Prohibited unless listed here.
    #[serde(default)]
    pub onward_sharing: OnwardSharing,
    /// `[authority_requests]`: what a party does when a public authority asks for the data,
    /// with its own notice deadline. Leave out for the default clause (notice within the
    /// breach hours between parties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_requests: Option<AuthorityRequests>,
    /// `[oversight]`: an ethics board, each party's own ethics approval, and the supervisory
    /// authority's part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversight: Option<Oversight>,
    /// Sub-processors engaged by a processor.
    #[serde(default)]
    pub subprocessors: Vec<Subprocessor>,
    /// Transfer mechanisms for data leaving its jurisdiction.
    #[serde(default)]
    pub transfers: Vec<Transfer>,
    /// Uses of the data that are prohibited beyond the defaults.
    #[serde(default)]
    pub use_restrictions: UseRestrictions,
    /// Personal data breach and data incident notification.
    #[serde(default)]
    pub breach: Breach,
    /// Audit and information rights.
    #[serde(default)]
    pub audit: Audit,
    /// Publication of outputs, disclosure control, intellectual property and attribution.
    #[serde(default)]
    pub outputs: Outputs,
    /// Duration of the agreement, termination and exit.
    #[serde(default)]
    pub term: Term,
    /// Liability between the parties.
    #[serde(default)]
    pub liability: Liability,
    /// How disputes are resolved.
    #[serde(default)]
    pub disputes: Disputes,
    /// `[[classification]]`: the sensitivity levels, least sensitive first, each with its
    /// handling rules; each dataset names its level. Required for a protocol, usable in any
    /// agreement.
    #[serde(default)]
    pub classification: Vec<SensitivityLevel>,
    /// `[accession]`: organisations may join later by signing the accession form annexed to
    /// the document, without the others signing again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accession: Option<Accession>,
    /// `[[bilateral]]`: for a protocol, the bilateral agreement two participants make for
    /// the personal data they exchange, which the protocol does not cover.
    #[serde(default)]
    pub bilateral: Vec<Bilateral>,
    /// Add or leave out optional clauses by id.
    #[serde(default)]
    pub clauses: ClauseSelection,
}

/// `[agreement]`: the document itself.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// The agreement's title, e.g. "Aggregated mobility indicators for displacement analysis".
    pub title: String,
    /// A unique reference such as `DSA-2026-007`; also the output file name.
    pub reference: String,
    /// `draft` while under negotiation; `final` when it is to be signed.
    #[serde(default)]
    pub status: Status,
    /// The version of this agreement's text, e.g. "1.0".
    #[serde(default = "default_version")]
    pub version: String,
    /// The date the agreement takes effect (YYYY-MM-DD).
    #[serde(with = "crate::dates::iso_date")]
    #[schemars(with = "String")]
    pub effective_date: Date,
    /// The language of the agreement text. Only `en` is available today.
    #[serde(default)]
    pub language: Language,
    /// The setting of the sharing; `humanitarian` adds the humanitarian purpose fence.
    #[serde(default)]
    pub context: Context,
    /// The kind of document: `agreement` (a binding data-sharing agreement, the default),
    /// `protocol` (a non-binding information-sharing protocol among participants, with a
    /// sensitivity classification) or `processor_terms` (the terms between a controller and
    /// its processor, which attach to their service contract). datapact writes processor
    /// terms by itself for a processor that serves one party only.
    #[serde(default)]
    pub kind: DocumentKind,
    /// The law that governs the agreement, e.g. "the laws of Belgium".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governing_law: Option<String>,
    /// The courts or arbitral seat for disputes, e.g. "the courts of Brussels".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forum: Option<String>,
    /// How the agreement's periods of days are counted: `calendar` (the default) or `working`
    /// (every period of days, from the config or the library, is then in Working Days).
    #[serde(default)]
    pub days: DayCount,
    /// How often the parties review the agreement, as an ISO-8601 duration (default `P12M`).
    #[serde(default = "default_review_interval")]
    pub review_interval: IsoDuration,
    /// The party that convenes the review (a party id). Default: the first party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_owner: Option<String>,
    /// The party that drafts the agreement and did the due diligence on the others (a party
    /// id). No due diligence on itself is asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drafted_by: Option<String>,
    /// Short background to the collaboration, one paragraph per entry; becomes the recitals.
    #[serde(default)]
    pub background: Vec<String>,
}

fn default_version() -> String {
    "1.0".to_owned()
}
fn default_review_interval() -> IsoDuration {
    IsoDuration::months(12)
}
fn is_true(b: &bool) -> bool {
    *b
}
fn yes() -> bool {
    true
}

/// What kind of document a config makes.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DocumentKind {
    /// A data-sharing agreement: binding on its parties.
    #[default]
    Agreement,
    /// An information-sharing protocol: non-binding, adopted by participants, who may accede
    /// later.
    Protocol,
    /// Processing terms between a controller and its processor (GDPR Art. 28(3)).
    ProcessorTerms,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Whether the document creates legal obligations (every kind but a protocol).
    pub fn binding(self) -> bool {
        self != DocumentKind::Protocol
    }
    /// How the document calls itself: "Agreement", "Protocol", "Terms".
    pub fn word(self) -> &'static str {
        match self {
            DocumentKind::Agreement => "Agreement",
            DocumentKind::Protocol => "Protocol",
            DocumentKind::ProcessorTerms => "Agreement",
        }
    }
}

/// How periods of days are counted.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DayCount {
    #[default]
    Calendar,
    Working,
}

/// `[[classification]]`: one sensitivity level and how information at that level is handled.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivityLevel {
    /// A short id that datasets name in `classification`, e.g. `restricted`.
    pub id: String,
    /// The level's name as printed, e.g. "Restricted".
    pub name: String,
    /// What makes information this sensitive, e.g. "Disclosure could harm a person, a group or
    /// an operation, or the trust of the people served".
    pub description: String,
    /// Kinds of information at this level, e.g. ["site-level population figures"].
    #[serde(default)]
    pub examples: Vec<String>,
    /// Who may receive information at this level, e.g. "participants working in the affected
    /// area, on a need-to-know basis".
    pub recipients: String,
    /// How it may be stored, e.g. "on the participant's own systems with access limited to
    /// named staff".
    pub storage: String,
    /// How it may be sent, e.g. "by encrypted email or the coordination platform, never on
    /// public messaging groups".
    pub transmission: String,
    /// Whether it may be published: `yes`, `aggregated` (only after the aggregation below) or
    /// `no`.
    pub publication: Publication,
    /// The aggregation required before information leaves the recipients allowed above or is
    /// published, e.g. "by district, counts under 10 suppressed".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<String>,
}

/// Whether information at a sensitivity level may be published.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Publication {
    // It may be published as it is.
    Yes,
    // It may be published only after the level's aggregation.
    Aggregated,
    // It is never published.
    No,
}

/// `[accession]`: how organisations join after the document is signed.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Accession {
    /// Who accepts a new participant or party: `all` (every signatory, in writing) or
    /// `review_owner` (the party that convenes reviews, after consulting the others).
    #[serde(default)]
    pub approval: AccessionApproval,
    /// What an organisation must show before it joins, e.g. "membership of the Information
    /// Management Working Group". Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<String>,
}

/// Who accepts an organisation that asks to accede.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccessionApproval {
    // Every party or participant, in writing.
    #[default]
    All,
    // The party that convenes the review (`agreement.review_owner`), after consulting the
    // others.
    ReviewOwner,
}

/// `[[bilateral]]`: the agreement two participants of a protocol make for the personal data
/// they exchange. datapact writes it from the same config: the two participants, the flows
/// between them that carry personal data, and what those flows need.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bilateral {
    /// The two participants (party ids), e.g. ["unhcr", "wfp"].
    pub parties: Vec<String>,
    /// The reference of the bilateral agreement. Default: the protocol's reference followed
    /// by `-` and the two ids in capitals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The law that governs the bilateral agreement, e.g. "the laws of Kenya".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governing_law: Option<String>,
    /// The courts or arbitral seat for disputes under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forum: Option<String>,
    /// How disputes under it are resolved. Default: as in `[disputes]`, else courts (or
    /// arbitration where a party has privileges and immunities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disputes: Option<Disputes>,
    /// The personal data it covers, in a few words each, e.g. ["protection referrals"]. Filled
    /// in by datapact from the flows of personal data between the two; write it for an
    /// agreement the two made elsewhere, which the protocol then names.
    #[serde(default)]
    pub covers: Vec<String>,
}

impl Bilateral {
    /// Its reference: as written, else the protocol's followed by the two ids in capitals.
    pub fn reference_in(&self, protocol_reference: &str) -> String {
        self.reference.clone().unwrap_or_else(|| {
            let ids: Vec<String> = self.parties.iter().map(|p| p.to_uppercase()).collect();
            format!("{protocol_reference}-{}", ids.join("-"))
        })
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    #[default]
    Draft,
    Final,
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Language {
    #[default]
    En,
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Context {
    Humanitarian,
    Development,
    #[default]
    Research,
    PublicSector,
    Commercial,
}

/// `[[parties]]`: an organisation that signs.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// A short id used elsewhere in this file, e.g. `mno`.
    pub id: String,
    /// The registered legal name.
    pub legal_name: String,
    /// A short name used in the text, e.g. "the Operator". Default: the legal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    /// What kind of organisation this is.
    pub kind: PartyKind,
    /// ISO 3166-1 alpha-2 country code of the place of establishment, e.g. `BE`.
    pub country: String,
    /// Registered address.
    pub address: String,
    /// Company or registration number, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<String>,
    /// The legal role under data-protection law this party holds by default on the flows it
    /// takes part in; a flow may override it with `from_role` / `to_role`.
    #[serde(default)]
    pub role: LegalRole,
    /// The operational contact for this agreement.
    pub contact: Contact,
    /// The data-protection officer, where one is designated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo: Option<Contact>,
    /// The people who sign for this party.
    pub signatories: Vec<Signatory>,
    /// The organisation enjoys privileges and immunities (e.g. an international organisation).
    #[serde(default)]
    pub privileges_and_immunities: bool,
    /// The data-protection law that frames this party's processing: a law profile id from the
    /// library's `clauses/laws/` (`gdpr`, `uk-gdpr`, `ke-dpa-2019`, `io-rules`, `none`, …).
    /// Default: `io-rules` for an international organisation with privileges and immunities,
    /// else the profile of the party's country, else `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub law: Option<String>,
    /// The citation of the law or rules this party applies, where the profile's own does not
    /// fit, e.g. an international organisation's "IOM Data Protection Manual (2010)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub law_citation: Option<String>,
    /// For a public authority: the legal power or function under which it shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_power: Option<String>,
    /// Security or privacy certifications held, e.g. "ISO/IEC 27001".
    #[serde(default)]
    pub certifications: Vec<String>,
    /// The due diligence done on this party before the agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_diligence: Option<DueDiligence>,
    /// For a processor that serves one party only: its own processing terms with that party,
    /// generated as a document apart from the sharing agreement (see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_terms: Option<ProcessingTerms>,
    /// Processors this party uses that do not sign this agreement, each bound by its own
    /// processing terms. Filled in for a processor whose terms are generated apart.
    #[serde(default)]
    pub processors: Vec<OwnProcessor>,
    /// The date this party joined by signing the accession form (YYYY-MM-DD), where it did
    /// not sign the document itself. Needs an `[accession]` table.
    #[serde(default, with = "crate::dates::iso_date_opt")]
    #[schemars(with = "Option<String>")]
    pub acceded: Option<Date>,
}

/// `[parties.processing_terms]`: the processing terms between a processor and the one party it
/// serves, generated as their own document beside the sharing agreement.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessingTerms {
    /// `false` keeps the processor a party to the sharing agreement. Default `true`.
    #[serde(default = "yes")]
    pub separate: bool,
    /// The reference of the processing terms. Default: the agreement's reference followed by
    /// `-` and the processor's id in capitals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The service the processor gives, in a few words, e.g. "hosting of the analytics
    /// workspace"; the sharing agreement lists it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The law that governs the processing terms, e.g. "the laws of Ireland". Default: the
    /// agreement's. Under the GDPR it must be Union or Member State law.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governing_law: Option<String>,
    /// The courts or arbitral seat for disputes under the processing terms. Default: the
    /// agreement's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forum: Option<String>,
    /// How disputes under the processing terms are resolved. Default: as in `[disputes]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disputes: Option<Disputes>,
}

/// `[[parties.processors]]`: a processor (or sub-processor) a party uses that is not a party to
/// this agreement.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnProcessor {
    /// Legal name of the processor.
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the country where it processes the data.
    pub country: String,
    /// The service it gives, e.g. "hosting of the analytics workspace".
    pub service: String,
    /// For a sub-processor: the legal name of the processor that engages it.
    #[serde(default)]
    pub engaged_by: Option<String>,
    /// The reference of the processing terms that bind it, where they are a document apart.
    #[serde(default)]
    pub terms: Option<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PartyKind {
    Company,
    Ngo,
    InternationalOrganisation,
    PublicAuthority,
    University,
    ResearchBody,
}

/// A legal role under data-protection law.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LegalRole {
    #[default]
    Controller,
    JointController,
    Processor,
    SubProcessor,
    ThirdPartyRecipient,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name of the person or office.
    pub name: String,
    /// Job title or function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Email address.
    pub email: String,
    /// Telephone number, with country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    /// Full name of the signatory.
    pub name: String,
    /// Title or function, e.g. "Chief Executive Officer".
    pub title: String,
}

/// Due diligence on a partner: values, reputation, security practices.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DueDiligence {
    /// Date the assessment was completed (YYYY-MM-DD).
    #[serde(with = "crate::dates::iso_date")]
    #[schemars(with = "String")]
    pub date: Date,
    /// What was assessed.
    pub scope: Vec<DueDiligenceScope>,
    /// The outcome.
    pub outcome: DueDiligenceOutcome,
    /// Conditions attached to an approval.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// References to the records of the assessment.
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DueDiligenceScope {
    ValuesAlignment,
    Reputation,
    SecurityPractices,
    Sanctions,
    ConflictsOfInterest,
    DataProvenance,
    Financial,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DueDiligenceOutcome {
    Approved,
    ApprovedWithConditions,
    Pending,
    Rejected,
}

/// `[[purposes]]`: what the data is shared for.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    /// A short id, e.g. `displacement`.
    pub id: String,
    /// A short title for the purpose.
    pub title: String,
    /// A precise description: what is done with the data, for whom, and to what end.
    pub description: String,
    /// The kind of purpose.
    pub category: PurposeCategory,
    /// What the data is used for, which decides the default limits on use: `research`
    /// (research and statistics: nothing is done to a particular person), `delivery` (a
    /// programme or service that acts on identified people: payments, registration, case
    /// management), `official_functions` (a public authority's functions under its law),
    /// `emergency` (emergency response under a time-limited basis) or `audit` (audit and
    /// verification). Default: `delivery` for `service_delivery`, `research` otherwise.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub kind_of_use: Option<UseKind>,
    /// The questions the analysis must answer.
    #[serde(default)]
    pub research_questions: Vec<String>,
    /// The indicators that will be produced.
    #[serde(default)]
    pub indicators: Vec<String>,
    /// The methods and tools used.
    #[serde(default)]
    pub methods: Vec<String>,
    /// The expected benefits for the people in the data and for society.
    pub expected_benefits: String,
    /// Why the purpose cannot be met without this data, or with less of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub necessity: Option<String>,
    /// Whether commercial use of the data or its outputs is allowed.
    #[serde(default)]
    pub commercial_use: CommercialUse,
    /// Conditions when commercial use is `permitted_with_conditions`.
    #[serde(default)]
    pub commercial_conditions: Vec<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PurposeCategory {
    Research,
    OfficialStatistics,
    Policy,
    HumanitarianOperations,
    ServiceDelivery,
    Commercial,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum UseKind {
    Research,
    Delivery,
    OfficialFunctions,
    Emergency,
    Audit,
}

impl UseKind {
    /// The use acts on identified people: deciding about a person is the purpose itself.
    pub fn acts_on_people(self) -> bool {
        !matches!(self, UseKind::Research)
    }
}

impl Purpose {
    /// The kind of use, with the default for the category filled in.
    pub fn use_kind(&self) -> UseKind {
        self.kind_of_use.unwrap_or(match self.category {
            PurposeCategory::ServiceDelivery => UseKind::Delivery,
            _ => UseKind::Research,
        })
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CommercialUse {
    #[default]
    Prohibited,
    ProviderOnly,
    PermittedWithConditions,
}

/// `[[datasets]]`: data that is shared.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// A short id, e.g. `od_matrix`.
    pub id: String,
    /// A short title.
    pub title: String,
    /// What the data is, at what granularity and over what period.
    pub description: String,
    /// The party that provides the dataset (a party id).
    pub provider: String,
    /// The categories of people the data is about, e.g. "mobile subscribers". Needed for
    /// personal data; leave out for data that is not about people.
    #[serde(default)]
    pub data_subjects: Vec<String>,
    /// Vulnerable groups among the people in the data.
    #[serde(default)]
    pub vulnerable_groups: Vec<VulnerableGroup>,
    /// The categories of data; special categories (Art. 9 GDPR) are derived from these.
    #[serde(default)]
    pub data_categories: Vec<DataCategory>,
    /// The nature of the data: `identified` or `pseudonymised` (personal data), `anonymised`
    /// or `aggregated` (not personal because of the disclosure control that made it so), or
    /// `non_personal` (not about people at all, e.g. enterprise statistics or site locations).
    pub identifiability: Identifiability,
    /// For pseudonymised data: who holds the key or the table that links pseudonyms to people
    /// (a party id, or an organisation's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_holder: Option<String>,
    /// The data, though not about a person, could harm a group or community if disclosed
    /// (e.g. locations of displaced people's sites, minority settlements, service points for
    /// survivors of violence).
    #[serde(default)]
    pub group_sensitive: bool,
    /// The data is confidential whatever its nature: `statistical` (under a statistical
    /// confidentiality law) or `commercial` (business secrets of the provider or of third
    /// parties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality: Option<Confidentiality>,
    /// The law or rule that makes the data confidential, e.g. "the Statistics Act 2013, s. 17".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality_law: Option<String>,
    /// Fields or variables, where listing them helps the reader.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Minimum count in any released or shared cell, for aggregated data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cell_size: Option<u32>,
    /// What `min_cell_size` counts, in the plural, e.g. "households", "subscribers",
    /// "enterprises". Default: "people" for data about people, "contributors" otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_unit: Option<String>,
    /// Approximate number of people in the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_people: Option<u64>,
    /// Where the data comes from.
    pub provenance: Provenance,
    /// Known limits of coverage or representativeness.
    #[serde(default)]
    pub known_limitations: Vec<String>,
    /// Its sensitivity level: the id of a `[[classification]]` level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// `false` for data the provider holds and uses as its own input but never shares (e.g.
    /// its raw records): described as its own input, not as Shared Data; no flow may carry it.
    /// Default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub shared: bool,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VulnerableGroup {
    Migrants,
    Refugees,
    AsylumSeekers,
    InternallyDisplaced,
    Stateless,
    Children,
    TraffickingSurvivors,
    Patients,
    Elderly,
}

/// A category of data. The last eight are special categories under Art. 9(1) GDPR;
/// `criminal` is Art. 10 data.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DataCategory {
    Identifiers,
    Contact,
    Demographic,
    Nationality,
    LegalStatus,
    Location,
    Mobility,
    CommunicationsMetadata,
    Financial,
    Education,
    Employment,
    Household,
    OnlineBehaviour,
    SurveyResponses,
    Criminal,
    Health,
    Biometric,
    Genetic,
    EthnicOrigin,
    PoliticalOpinions,
    Religion,
    TradeUnion,
    SexLifeOrientation,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Identifiability {
    Identified,
    Pseudonymised,
    Anonymised,
    Aggregated,
    NonPersonal,
}

impl Identifiability {
    /// Personal data in law: identified or pseudonymised.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            Identifiability::Identified | Identifiability::Pseudonymised
        )
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Confidentiality {
    Statistical,
    Commercial,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Who originally collected the data (a party id or an organisation's name).
    pub original_controller: String,
    /// What it was originally collected for.
    pub original_purpose: String,
    /// The legal basis or terms under which it was collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_basis: Option<String>,
    /// The period the data covers, e.g. "January 2024 to December 2025".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_period: Option<String>,
}

/// `[[flows]]`: data moving from one party to another.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// A short id, e.g. `f1`.
    pub id: String,
    /// The providing party (a party id).
    pub from: String,
    /// The receiving party (a party id).
    pub to: String,
    /// The provider's legal role on this flow. Default: the party's `role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_role: Option<LegalRole>,
    /// The recipient's legal role on this flow. Default: the party's `role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_role: Option<LegalRole>,
    /// The datasets that move (dataset ids).
    pub datasets: Vec<String>,
    /// The purposes the recipient may use them for (purpose ids).
    pub purposes: Vec<String>,
    /// How often data moves.
    pub frequency: Frequency,
    /// For `periodic` flows, the interval as an ISO-8601 duration, e.g. `P7D`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<IsoDuration>,
    /// How the data moves.
    pub method: TransferMethod,
    /// How the recipient gets at the data: `copy` (a copy is sent and held by the recipient),
    /// `remote_access` (the recipient works inside a secure environment and no copy leaves
    /// it), `code_to_data` (the recipient sends code, the environment's host runs it and
    /// returns only checked outputs) or `on_premises` (a processor works on the provider's own
    /// premises and systems). Default: `remote_access` for `remote_desktop` and
    /// `secure_enclave`, `code_to_data` for `federated`, `copy` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessMode>,
    /// For `remote_access` and `code_to_data`: who runs the environment (a party id).
    /// Default: the providing party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_host: Option<String>,
    /// How the data is protected in transit, e.g. "TLS 1.3 with mutual authentication".
    pub encryption_in_transit: String,
    /// Who at the recipient may access the data.
    #[serde(default)]
    pub authorised_personnel: Vec<String>,
    /// For a flow to a processor: the controller on whose behalf it processes (a party id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// For a flow to a processor: the documented instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Frequency {
    OneOff,
    Periodic,
    Continuous,
    OnRequest,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccessMode {
    Copy,
    RemoteAccess,
    CodeToData,
    OnPremises,
}

impl AccessMode {
    /// The recipient ends up holding a copy of the data.
    pub fn holds_copy(self) -> bool {
        matches!(self, AccessMode::Copy)
    }
}

impl Flow {
    /// The access mode, with the default for the method filled in.
    pub fn access_mode(&self) -> AccessMode {
        self.access.unwrap_or(match self.method {
            TransferMethod::RemoteDesktop | TransferMethod::SecureEnclave => {
                AccessMode::RemoteAccess
            }
            TransferMethod::Federated => AccessMode::CodeToData,
            _ => AccessMode::Copy,
        })
    }
    /// The party that runs the environment for remote access and code-to-data flows.
    pub fn host(&self) -> &str {
        self.environment_host.as_deref().unwrap_or(&self.from)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TransferMethod {
    Sftp,
    HttpsApi,
    SecureEnclave,
    RemoteDesktop,
    PhysicalMedia,
    Federated,
    // Email encrypted end to end (S/MIME or PGP) to named recipients. (A plain comment: a doc
    // comment on one variant turns the schema's `enum` into a `oneOf`.)
    EncryptedEmail,
}

/// `[[legal_bases]]`: one party's legal basis for one purpose.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// The controller (a party id).
    pub party: String,
    /// The purpose (a purpose id).
    pub purpose: String,
    /// The basis under Art. 6(1) GDPR, or `internal_rules` for an international organisation
    /// applying its own data-protection rules.
    pub basis: LawfulBasis,
    /// The condition under Art. 9(2) GDPR, needed when special categories are processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_category_condition: Option<SpecialCondition>,
    /// The supporting record: a legitimate-interests assessment, the law, or the rule relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The date the basis expires, where it is time-limited (e.g. an emergency decree).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::dates::iso_date_opt"
    )]
    #[schemars(with = "Option<String>")]
    pub expires: Option<Date>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LawfulBasis {
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterests,
    InternalRules,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SpecialCondition {
    ExplicitConsent,
    EmploymentSocialProtection,
    VitalInterests,
    NotForProfitBody,
    MadePublic,
    LegalClaims,
    SubstantialPublicInterest,
    HealthOrSocialCare,
    PublicHealth,
    ArchivingResearchStatistics,
}

/// `[transparency]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transparency {
    /// The notices each controller gives to the people in the data.
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// Where an individual notice would take disproportionate effort (Art. 14(5)(b) GDPR):
    /// the reason, and the public information given instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// The party that gives the notice (a party id).
    pub party: String,
    /// How it is given, e.g. "public web page and SMS summary".
    pub channel: String,
    /// When it is given, e.g. "before the first transfer".
    pub timing: String,
    /// Languages the notice is given in (ISO 639-1 codes or names).
    #[serde(default)]
    pub languages: Vec<String>,
}

/// `[consent]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Whether consent is the legal basis for any processing under this agreement.
    #[serde(default)]
    pub relied_on: bool,
    /// Who obtains consent (a party id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obtained_by: Option<String>,
    /// How consent is sought and recorded, in plain language, accessible formats and languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// How a person withdraws consent, and what then happens to their data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<String>,
    /// Languages in which consent is sought.
    #[serde(default)]
    pub languages: Vec<String>,
    /// When consent is not relied on: why, and what protects people instead. When it is, for
    /// people in vulnerable situations: what makes it free (e.g. an alternative with no loss
    /// of assistance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// How affected communities are informed and consulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community_engagement: Option<String>,
}

/// `[rights]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rights {
    /// The party people contact to exercise their rights (a party id). Default: the provider of
    /// the first dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_point: Option<String>,
    /// Days within which a request is answered (at most 30). Default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_days: Option<u32>,
    /// Working days within which a party forwards a request it receives for another. Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_within_days: Option<u32>,
}

/// `[dpia]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dpia {
    /// Where the assessment stands.
    #[serde(default)]
    pub status: DpiaStatus,
    /// The assessment's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The date it was completed (YYYY-MM-DD).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::dates::iso_date_opt"
    )]
    #[schemars(with = "Option<String>")]
    pub date: Option<Date>,
    /// The party responsible for it (a party id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The risk left after the measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual_risk: Option<RiskLevel>,
    /// A summary of the risk-benefit analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_benefit_summary: Option<String>,
    /// The main risks identified, and the measure that answers each.
    #[serde(default)]
    pub risks: Vec<DpiaRisk>,
    /// Whether harm to groups (not only individuals) was assessed.
    #[serde(default)]
    pub group_harm_assessed: bool,
    /// For a high residual risk: the reference of the prior consultation (Art. 36 GDPR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_consultation: Option<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DpiaStatus {
    #[default]
    NotStarted,
    InProgress,
    Completed,
    NotRequired,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DpiaRisk {
    /// The risk to people's rights and freedoms.
    pub risk: String,
    /// The measure that addresses it.
    pub measure: String,
}

/// `[[storage]]`: where a party keeps the data.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// The party responsible for this storage (a party id).
    pub party: String,
    /// ISO 3166-1 alpha-2 code of the country where the data is stored.
    pub country: String,
    /// The environment, e.g. "dedicated tenancy in a cloud data centre in Frankfurt".
    pub location: String,
    /// Who hosts it (a party id, or the name of the hosting company).
    pub hosted_by: String,
    /// The datasets kept there (dataset ids). Default: every dataset the party receives.
    #[serde(default)]
    pub datasets: Vec<String>,
    /// Country of backup copies, if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_country: Option<String>,
}

/// `[security]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// Encryption of stored data, e.g. "AES-256 with keys held by the Agency".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_at_rest: Option<String>,
    /// Concrete measures, one per entry.
    #[serde(default)]
    pub measures: Vec<SecurityMeasure>,
    /// Whether staff with access must complete data-protection training first. Default true.
    #[serde(default = "yes")]
    pub training_required: bool,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            encryption_at_rest: None,
            measures: Vec::new(),
            training_required: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityMeasure {
    /// The Annex II category the measure belongs to.
    pub category: SecurityCategory,
    /// The measure, concretely: what is done, by whom, how often.
    pub description: String,
    /// The parties that apply it (party ids). Default: every party that receives data.
    #[serde(default)]
    pub applies_to: Vec<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SecurityCategory {
    PseudonymisationEncryption,
    ConfidentialityIntegrity,
    Restore,
    Testing,
    IdentificationAuthorisation,
    Transmission,
    Storage,
    Physical,
    Logging,
    Configuration,
    Governance,
    Certification,
    Minimisation,
    Quality,
    Retention,
    Accountability,
    Erasure,
}

/// `[[retention]]`: how long a party keeps a dataset or derived data.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// The dataset (a dataset id), or `derived` for data and outputs derived from the datasets.
    pub dataset: String,
    /// The party that holds it (a party id). Default: every party that receives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The retention period as an ISO-8601 duration, e.g. `P24M`, counted from receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<IsoDuration>,
    /// An event that ends retention, e.g. "publication of the final report"; needs `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The backstop duration for an event-based retention, e.g. `P36M`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<IsoDuration>,
    /// `true` to keep without limit, instead of `period` or `event`: only for `derived`
    /// (published outputs and derived data that identify no one) or a dataset that is not
    /// personal data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub indefinite: bool,
    /// What happens at the end.
    pub disposal: Disposal,
    /// How it is done, e.g. "cryptographic erasure of keys and overwrite of backups".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Whether the holder certifies disposal in writing. Default true.
    #[serde(default = "yes")]
    pub certification: bool,
    /// Records the holder must keep longer by law, and the law that requires it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_hold: Option<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Disposal {
    Delete,
    Return,
    Anonymise,
    Archive,
}

/// `[onward_sharing]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnwardSharing {
    /// The only onward recipients allowed. Empty: onward sharing is prohibited.
    #[serde(default)]
    pub permitted: Vec<OnwardRecipient>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnwardRecipient {
    /// Who may receive data, e.g. "members of the national protection cluster".
    pub recipient: String,
    /// `true` when `recipient` names a class of organisations (e.g. "national statistics
    /// offices"), each member of which is bound before it receives. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub class: bool,
    /// The party that may share (a party id).
    pub shared_by: String,
    /// ISO 3166-1 alpha-2 country of the recipient. Required for a single recipient; for a
    /// class, use `countries` (or leave both out when members may be anywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// For a class: the countries its members may be in (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    /// The purposes (purpose ids).
    pub purposes: Vec<String>,
    /// The datasets (dataset ids) or `derived`.
    pub datasets: Vec<String>,
    /// The form in which data may be shared, e.g. "published aggregates at province level".
    pub form: String,
    /// Conditions the recipient must accept.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// The transfer mechanism, when the recipient is in another jurisdiction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<TransferMechanism>,
    /// The transfer impact assessment's reference, for such a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tia_reference: Option<String>,
}

impl OnwardRecipient {
    /// The countries the recipient (or the members of the class) may be in.
    pub fn all_countries(&self) -> Vec<&str> {
        self.country
            .iter()
            .chain(&self.countries)
            .map(String::as_str)
            .collect()
    }
}

/// `[authority_requests]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorityRequests {
    /// `refuse`: refuse every request and challenge any order; `compelled_only`: disclose
    /// only what the law compels, challenging where there are grounds.
    pub policy: AuthorityPolicy,
    /// Hours within which the party that received a request tells the provider, e.g. 24.
    /// Independent of the breach deadlines.
    pub notify_hours: u32,
    /// Authorities that never receive data or outputs, whatever they ask, e.g.
    /// "the immigration authorities of Eritrea".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never: Option<Vec<String>>,
    /// Whether each request is recorded (date, authority, data asked for, answer, data
    /// disclosed) and the record given to the provider. Default true.
    #[serde(default = "yes")]
    pub record: bool,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuthorityPolicy {
    // Refuse every request; challenge any order.
    Refuse,
    // Disclose only what the law compels.
    CompelledOnly,
}

/// `[oversight]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Oversight {
    /// An ethics board whose approval a new analysis needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethics_board: Option<EthicsBoard>,
    /// Parties (party ids) whose own ethics approval must be in place before data flows to or
    /// from them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ethics_approval: Vec<String>,
    /// The supervisory authority the parties inform, and whether it may audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisory_authority: Option<SupervisoryAuthority>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EthicsBoard {
    /// The board's name, e.g. "the Joint Research Ethics Committee".
    pub name: String,
    /// What it must approve before work starts, e.g. "each new analysis of the shared data".
    pub approves: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisoryAuthority {
    /// The authority's name, e.g. "the Office of the Data Protection Commissioner of Kenya".
    pub name: String,
    /// What the parties tell it, e.g. "this agreement and each change of its purposes".
    pub informed_of: String,
    /// Whether it may audit the parties' processing of the shared data. Default false.
    #[serde(default)]
    pub audit: bool,
}

/// `[[subprocessors]]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subprocessor {
    /// A short id.
    pub id: String,
    /// The processor that engages it (a party id).
    pub processor: String,
    /// Legal name of the sub-processor.
    pub name: String,
    /// ISO 3166-1 alpha-2 country where it processes the data.
    pub country: String,
    /// The service it provides.
    pub service: String,
    /// Specific prior authorisation (listed here) or general authorisation with notice.
    #[serde(default)]
    pub authorisation: Authorisation,
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Authorisation {
    #[default]
    Specific,
    General,
}

/// `[[transfers]]`: the mechanism for a transfer out of the data's jurisdiction.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The party that receives the data abroad (a party id) or a sub-processor id.
    pub importer: String,
    /// The transfer mechanism.
    pub mechanism: TransferMechanism,
    /// The instrument or decision relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The transfer impact assessment's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tia_reference: Option<String>,
    /// Supplementary measures, e.g. "aggregation before export".
    #[serde(default)]
    pub supplementary_measures: Vec<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TransferMechanism {
    Adequacy,
    StandardContractualClauses,
    UkIdta,
    UkAddendum,
    BindingCorporateRules,
    PublicBodyInstrument,
    AdministrativeArrangement,
    CodeOfConduct,
    Certification,
    DerogationPublicInterest,
    DerogationConsent,
    DerogationVitalInterests,
    /// Prior approval or authorisation of the transfer by the exporter's supervisory
    /// authority, where the exporter's law provides for it (cite it in `reference`).
    AuthorityApproval,
    /// The safeguards of this agreement itself, binding the importer, where the exporter's
    /// law accepts a contract as the safeguard (not under the GDPR or the UK GDPR, which ask
    /// for approved clauses).
    ThisAgreement,
    NotRequired,
}

/// `[use_restrictions]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UseRestrictions {
    /// Further prohibited uses, in addition to the ones every agreement carries.
    #[serde(default)]
    pub additional_prohibitions: Vec<String>,
    /// Other data the recipients may link the shared data with. Empty: no linking.
    #[serde(default)]
    pub permitted_linkage: Vec<String>,
    /// Countries whose authorities may never receive data or outputs (ISO 3166-1 alpha-2),
    /// typically the countries people in the data have fled.
    #[serde(default)]
    pub excluded_authorities: Vec<String>,
}

/// `[breach]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Breach {
    /// Hours within which a processor tells its controller of a breach. Default 24.
    #[serde(default = "default_processor_hours")]
    pub processor_to_controller_hours: u32,
    /// Hours within which a party tells the other parties of a breach. Default 48.
    #[serde(default = "default_party_hours")]
    pub party_to_party_hours: u32,
    /// Whether incidents involving sensitive non-personal data (e.g. group locations) are
    /// handled like personal data breaches. Default true.
    #[serde(default = "yes")]
    pub include_non_personal: bool,
}

impl Default for Breach {
    fn default() -> Self {
        Breach {
            processor_to_controller_hours: default_processor_hours(),
            party_to_party_hours: default_party_hours(),
            include_non_personal: true,
        }
    }
}
fn default_processor_hours() -> u32 {
    24
}
fn default_party_hours() -> u32 {
    48
}

/// `[audit]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// Days of notice before an audit. Default 30.
    #[serde(default = "default_audit_notice")]
    pub notice_days: u32,
    /// Most audits per year, except after a breach. Default 1.
    #[serde(default = "default_audits_per_year")]
    pub max_per_year: u32,
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            notice_days: default_audit_notice(),
            max_per_year: default_audits_per_year(),
        }
    }
}
fn default_audit_notice() -> u32 {
    30
}
fn default_audits_per_year() -> u32 {
    1
}

/// `[outputs]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outputs {
    /// Whether results may be published. Default true.
    #[serde(default = "yes")]
    pub publication_allowed: bool,
    /// The smallest count any published cell may show. Default 10.
    #[serde(default = "default_min_cell")]
    pub min_cell_size: u32,
    /// What `min_cell_size` counts, in the plural, e.g. "households", "enterprises".
    /// Default: "people" when the data is about people, "contributors" otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_unit: Option<String>,
    /// Dominance rule, for tables of magnitudes (sums such as income, turnover or amounts
    /// sent): no published cell may have one contributor above this share (per cent), e.g. 85.
    /// Leave it out for tables of counts, where each contributor adds one and the threshold
    /// (`min_cell_size`) is the rule. Default: no dominance rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dominance_percent: Option<u32>,
    /// The n of an (n, k) dominance rule: how many of a cell's largest contributors
    /// `dominance_percent` (the k) counts together, e.g. 3 for a (3, 75%) rule. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dominance_n: Option<u32>,
    /// p % rule, for tables of amounts: no contributor may be able to estimate another's value
    /// to within this share (per cent) of it, e.g. 10. Default: no p % rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_percent: Option<u32>,
    /// Released counts are rounded to a multiple of this base, e.g. 5. Default: not rounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding_base: Option<u32>,
    /// Whether other cells are suppressed too (secondary suppression) so that no suppressed
    /// cell can be worked out from totals. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secondary_suppression: bool,
    /// Days the providing party has to review an output before release. Default 15.
    #[serde(default = "default_review_days")]
    pub review_days: u32,
    /// What a reviewing party may do: `remove_confidential` (the default), `object_to_findings`
    /// or `block_publication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_may: Option<ReviewerMay>,
    /// The older form of `reviewer_may`: `true` is `reviewer_may = "block_publication"`,
    /// `false` is `"remove_confidential"`. Write `reviewer_may` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_may_block: Option<bool>,
    /// No publication before this date (YYYY-MM-DD).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::dates::iso_date_opt"
    )]
    #[schemars(with = "Option<String>")]
    pub embargo_until: Option<Date>,
    /// No publication before this event, e.g. "the Bureau's own release of the 2026 business
    /// statistics". With `embargo_until`, both hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embargo_event: Option<String>,
    /// How outputs name the providers: `source_line` (always; the default), `with_consent`
    /// (only with the provider's written consent) or `never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_provider: Option<NameProvider>,
    /// The acknowledgement line outputs carry, e.g. "Data: Example Mobile S.A.".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// The party that owns outputs (a party id). Default: the recipients that create them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_owner: Option<String>,
    /// Parties (ids, two or more) that own the derived data, models and outputs jointly,
    /// instead of `ip_owner`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_owners: Vec<String>,
    /// The licence published outputs carry, e.g. "CC BY 4.0".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// A licence per class of output: `outputs` (what the class holds, in words), `licence`
    /// and/or `purposes` (purpose ids its use is restricted to).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licence_classes: Vec<LicenceClass>,
    /// Parties (ids) that may keep an archival copy of the outputs after the agreement ends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub archive_copy: Vec<String>,
    /// Who is an author of a publication: `contribution`, `offer_each_provider` or
    /// `creating_party`. Default: no rule (the acknowledgement line only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorship: Option<Authorship>,
}

/// `[[outputs.licence_classes]]`: the terms of one class of output.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenceClass {
    /// The outputs of this class, in words, e.g. ["tables by province", "the final report"].
    #[serde(default)]
    pub outputs: Vec<String>,
    /// The licence they are released under, e.g. "CC BY 4.0". Leave out for outputs that
    /// are not released openly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// Purpose ids: the outputs of this class may be used only for these purposes.
    #[serde(default)]
    pub purposes: Vec<String>,
}

/// What a party that reviews an output before publication may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewerMay {
    // Require the removal of its confidential information and of disclosure risks only.
    RemoveConfidential,
    // Also object to findings; the publishing party answers and keeps the final word.
    ObjectToFindings,
    // Object to publication, which then waits until the objection is withdrawn.
    BlockPublication,
}

/// How published outputs name the parties that provided the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameProvider {
    // Each output names the providers as the source (or carries `attribution`).
    SourceLine,
    // Only with the provider's prior written consent; otherwise `attribution`.
    WithConsent,
    // Never; outputs carry `attribution` or no source line.
    Never,
}

/// Who is named as an author of a publication based on an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Authorship {
    // Those who contributed substantially, whatever their party; data alone earns no authorship.
    Contribution,
    // Each provider whose data an output draws on may name a co-author.
    OfferEachProvider,
    // The staff of the party that created the output; the others are acknowledged.
    CreatingParty,
}

impl Default for Outputs {
    fn default() -> Self {
        Outputs {
            publication_allowed: true,
            min_cell_size: default_min_cell(),
            cell_unit: None,
            dominance_percent: None,
            dominance_n: None,
            p_percent: None,
            rounding_base: None,
            secondary_suppression: false,
            review_days: default_review_days(),
            reviewer_may: None,
            reviewer_may_block: None,
            embargo_until: None,
            embargo_event: None,
            name_provider: None,
            attribution: None,
            ip_owner: None,
            co_owners: Vec::new(),
            licence: None,
            licence_classes: Vec::new(),
            archive_copy: Vec::new(),
            authorship: None,
        }
    }
}
fn default_min_cell() -> u32 {
    10
}
fn default_review_days() -> u32 {
    15
}

/// `[term]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// How long the agreement runs from the effective date, as an ISO-8601 duration.
    /// Default `P24M`. Leave out when `end_date` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<IsoDuration>,
    /// The date the agreement ends (YYYY-MM-DD), instead of a duration.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::dates::iso_date_opt"
    )]
    #[schemars(with = "Option<String>")]
    pub end_date: Option<Date>,
    /// Days of written notice to terminate for convenience. Default 60.
    #[serde(default = "default_notice_days")]
    pub termination_notice_days: u32,
    /// Days after termination by which data must be returned or deleted. Default 30.
    #[serde(default = "default_exit_days")]
    pub exit_days: u32,
    /// Days of notice before a processor engages or replaces a sub-processor. Default 30.
    #[serde(default = "default_exit_days")]
    pub subprocessor_notice_days: u32,
    /// An event that ends the agreement earlier, e.g. "the end of the declared emergency".
    /// Needs `end_date` or `duration` as the backstop: the agreement ends at whichever
    /// comes first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_event: Option<String>,
    /// Three or more parties: days of written notice for one party to leave while the
    /// agreement continues among the others. Default `termination_notice_days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_notice_days: Option<u32>,
    /// Three or more parties: what a leaving party does, within `exit_days`, with its copies
    /// of the data the others provided: `delete`, or `return` them to the party that
    /// provided them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_copies: Option<WithdrawalCopies>,
    /// Three or more parties: what the others do with the data a leaving party provided:
    /// `kept` (used under this agreement as before) or `deleted` within `exit_days`.
    /// Default `kept`, when `withdrawal_notice_days` or `withdrawal_copies` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_provided_data: Option<WithdrawalProvidedData>,
    /// The obligations that continue after the agreement ends. Default: all of
    /// `use_restrictions`, `confidentiality`, `disposal`, `publication`,
    /// `authority_requests`, `audit`, `liability`, `disputes`.
    #[serde(default = "default_survives")]
    pub survives: Vec<Survival>,
}

impl Default for Term {
    fn default() -> Self {
        Term {
            duration: None,
            end_date: None,
            termination_notice_days: default_notice_days(),
            exit_days: default_exit_days(),
            subprocessor_notice_days: default_exit_days(),
            end_event: None,
            withdrawal_notice_days: None,
            withdrawal_copies: None,
            withdrawal_provided_data: None,
            survives: default_survives(),
        }
    }
}

impl Term {
    /// Whether the config sets any term of leaving a multi-party agreement.
    pub fn sets_withdrawal(&self) -> bool {
        self.withdrawal_notice_days.is_some()
            || self.withdrawal_copies.is_some()
            || self.withdrawal_provided_data.is_some()
    }
}

fn default_survives() -> Vec<Survival> {
    Survival::VARIANTS.to_vec()
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WithdrawalCopies {
    Delete,
    Return,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WithdrawalProvidedData {
    Kept,
    Deleted,
}

// The obligations that may survive the end of the agreement; `default_survives` lists every
// variant, in the order the agreement names them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Survival {
    UseRestrictions,
    Confidentiality,
    Disposal,
    Publication,
    AuthorityRequests,
    Audit,
    Liability,
    Disputes,
}
fn default_notice_days() -> u32 {
    60
}
fn default_exit_days() -> u32 {
    30
}

/// `[liability]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Liability {
    /// `mutual_cap` caps each party's liability, except for data-protection breaches;
    /// `uncapped` leaves liability to the governing law.
    #[serde(default)]
    pub model: LiabilityModel,
    /// The cap for `mutual_cap`, e.g. "EUR 250,000".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LiabilityModel {
    MutualCap,
    #[default]
    Uncapped,
}

/// `[disputes]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disputes {
    /// `courts` or `arbitration`. Default: arbitration when a party enjoys privileges and
    /// immunities, courts otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<DisputeMechanism>,
    /// Arbitration rules, e.g. "the UNCITRAL Arbitration Rules". Default UNCITRAL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
    /// The seat of arbitration, e.g. "Geneva".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat: Option<String>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DisputeMechanism {
    /// Consultation, then the courts named in `agreement.forum`, under `governing_law`.
    #[default]
    Courts,
    /// Consultation, then arbitration (`rules`, `seat`).
    Arbitration,
    /// Consultation and negotiation only: no court or tribunal (suits an international
    /// organisation that submits to neither, and a non-binding protocol).
    Settlement,
}

/// `[clauses]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClauseSelection {
    /// Optional clause ids to add even though their condition does not hold.
    #[serde(default)]
    pub include: Vec<String>,
    /// Clauses to leave out: a clause id, or `{ id = "…", reason = "…" }` to record why.
    /// The reason is shown by `datapact explain`; `check` names the safeguards a left-out
    /// clause served. Clauses marked `required` (those the law leaves no choice about)
    /// cannot be left out.
    #[serde(default)]
    pub exclude: Vec<Exclusion>,
}

/// One entry of `[clauses] exclude`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Exclusion {
    Id(String),
    WithReason {
        /// The clause id.
        id: String,
        /// Why the parties leave it out.
        reason: String,
    },
}

impl Exclusion {
    pub fn id(&self) -> &str {
        match self {
            Exclusion::Id(id) | Exclusion::WithReason { id, .. } => id,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            Exclusion::Id(_) => None,
            Exclusion::WithReason { reason, .. } => Some(reason),
        }
    }
}

/// `as_str()` for config enums: the variant as a config spells it (serde's `snake_case`),
/// without a trip through serde. strum derives the spelling from the same variant names; the
/// test below holds the two together.
macro_rules! spelled {
    ($($t:ty),* $(,)?) => {$(
        impl $t {
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    )*};
}

spelled!(
    Status,
    Language,
    Context,
    PartyKind,
    LegalRole,
    DueDiligenceScope,
    DueDiligenceOutcome,
    PurposeCategory,
    CommercialUse,
    UseKind,
    VulnerableGroup,
    DataCategory,
    Identifiability,
    Confidentiality,
    Frequency,
    AccessMode,
    TransferMethod,
    LawfulBasis,
    SpecialCondition,
    DpiaStatus,
    RiskLevel,
    SecurityCategory,
    Disposal,
    Authorisation,
    TransferMechanism,
    LiabilityModel,
    DisputeMechanism,
    WithdrawalCopies,
    WithdrawalProvidedData,
    Survival,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant of every enum: `as_str()` is what serde writes and reads.
    #[test]
    fn as_str_spells_like_serde() {
        fn check<T>()
        where
            T: VariantArray + Copy + Serialize + for<'de> Deserialize<'de> + Into<&'static str>,
        {
            assert!(!T::VARIANTS.is_empty());
            for v in T::VARIANTS {
                let name: &'static str = (*v).into();
                assert_eq!(serde_json::to_value(v).ok(), Some(name.into()), "{name}");
                assert!(serde_json::from_value::<T>(name.into()).is_ok(), "{name}");
            }
        }
        check::<Status>();
        check::<DocumentKind>();
        check::<Language>();
        check::<Context>();
        check::<PartyKind>();
        check::<LegalRole>();
        check::<DueDiligenceScope>();
        check::<DueDiligenceOutcome>();
        check::<PurposeCategory>();
        check::<CommercialUse>();
        check::<UseKind>();
        check::<Confidentiality>();
        check::<AccessMode>();
        check::<VulnerableGroup>();
        check::<DataCategory>();
        check::<Identifiability>();
        check::<Frequency>();
        check::<TransferMethod>();
        check::<LawfulBasis>();
        check::<SpecialCondition>();
        check::<DpiaStatus>();
        check::<RiskLevel>();
        check::<SecurityCategory>();
        check::<Disposal>();
        check::<Authorisation>();
        check::<TransferMechanism>();
        check::<LiabilityModel>();
        check::<DisputeMechanism>();
        check::<WithdrawalCopies>();
        check::<WithdrawalProvidedData>();
        check::<Survival>();
        assert_eq!(
            DataCategory::SexLifeOrientation.as_str(),
            "sex_life_orientation"
        );
        assert_eq!(TransferMechanism::UkIdta.as_str(), "uk_idta");
    }
}
