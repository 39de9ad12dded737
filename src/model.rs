//! The checked agreement: a loaded config whose dates, durations, country codes and references
//! between tables have been verified, plus the facts derived from it (the relationship of each
//! flow, special categories, transfers, DPIA criteria, key dates).
//!
//! In: a [`Loaded`] config. Out: a [`Model`], or every problem found, each pointing at its value.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use jiff::Span;
use jiff::civil::{Date, Time};
use serde::Serialize;

use crate::config::*;
use crate::diag::{Diagnostic, did_you_mean};
use crate::load::Loaded;

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
    pub has_privileges_and_immunities: bool,
    pub has_public_authority: bool,
    pub has_international_organisation: bool,
    pub has_research_purpose: bool,
    pub commercial_use_allowed: bool,
    pub consent_relied_on: bool,
    pub humanitarian: bool,
    pub binding: bool,
    /// "agreement", or "protocol" when the text is deliberately non-binding.
    pub doc_word: &'static str,
    /// "must" in a binding agreement; "will" in a non-binding protocol.
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

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    ControllerToController,
    JointControllers,
    ControllerToProcessor,
    ProcessorToProcessor,
    ProcessorToController,
}

impl Relationship {
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
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct KeyDates {
    pub effective: String,
    /// The end of the term, when it is a fixed date.
    pub end: Option<String>,
    pub term_text: String,
    pub review_interval_text: String,
    pub first_review: String,
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
    /// Index into `retention` of the entry this row comes from; `None` for the default.
    pub declared: Option<usize>,
}

/// EEA member states: EU 27 plus Iceland, Liechtenstein and Norway.
pub const EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

/// Countries with a general EU adequacy decision. The United States is left out because its
/// decision covers only certified organisations: declare `adequacy` for such an importer.
pub const ADEQUATE: &[&str] = &[
    "AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY",
];
pub const ADEQUACY_AS_OF: &str = "2025-09-01";

pub fn is_eea(code: &str) -> bool {
    EEA.contains(&code)
}

/// Parse a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let bytes = s.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(format!("`{s}` is not a date in the form YYYY-MM-DD"));
    }
    s.parse::<Date>()
        .map_err(|_| format!("`{s}` is not a real calendar date"))
}

/// Parse a positive ISO-8601 duration such as `P24M`, `P1Y6M`, `P7D` or `PT72H`.
pub fn parse_duration(s: &str) -> Result<Span, String> {
    if !s.starts_with('P') {
        return Err(format!("`{s}` is not an ISO-8601 duration"));
    }
    let span: Span = s
        .parse()
        .map_err(|_| format!("`{s}` is not an ISO-8601 duration"))?;
    if span.is_zero() {
        return Err(format!("`{s}` is a zero duration"));
    }
    if span.is_negative() {
        return Err(format!("`{s}` is a negative duration"));
    }
    if span.get_seconds() != 0 || span.get_minutes() != 0 || span.get_milliseconds() != 0 {
        return Err(format!(
            "`{s}` is finer than hours; agreements count in hours, days, weeks, months or years"
        ));
    }
    Ok(span)
}

/// A duration in words: `P24M` → "24 months", `P1Y6M` → "1 year and 6 months".
pub fn humanize(span: &Span) -> String {
    let parts: Vec<String> = [
        (span.get_years() as i64, "year"),
        (span.get_months() as i64, "month"),
        (span.get_weeks() as i64, "week"),
        (span.get_days() as i64, "day"),
        (span.get_hours() as i64, "hour"),
    ]
    .into_iter()
    .filter(|(n, _)| *n != 0)
    .map(|(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
    .collect();
    match parts.len() {
        0 => "no time".to_owned(),
        1 => parts[0].clone(),
        _ => {
            let (last, rest) = parts.split_last().expect("len > 1");
            format!("{} and {last}", rest.join(", "))
        }
    }
}

/// Add a duration to a date (calendar arithmetic: month ends and leap years respected).
pub fn add_duration(date: Date, span: Span) -> Option<Date> {
    date.to_datetime(Time::midnight())
        .checked_add(span)
        .ok()
        .map(|dt| dt.date())
}

/// A country's name as it reads in running text ("the United Kingdom", "Kenya").
pub fn country_name(code: &str) -> String {
    const SHORT: &[(&str, &str)] = &[
        ("GB", "the United Kingdom"),
        ("US", "the United States"),
        ("NL", "the Netherlands"),
        ("PH", "the Philippines"),
        ("AE", "the United Arab Emirates"),
        ("CD", "the Democratic Republic of the Congo"),
        ("CG", "the Republic of the Congo"),
        ("CF", "the Central African Republic"),
        ("DO", "the Dominican Republic"),
        ("CZ", "Czechia"),
        ("KR", "the Republic of Korea"),
        ("KP", "the Democratic People's Republic of Korea"),
        ("RU", "the Russian Federation"),
        ("SY", "Syria"),
        ("IR", "Iran"),
        ("VE", "Venezuela"),
        ("BO", "Bolivia"),
        ("TZ", "Tanzania"),
        ("MD", "Moldova"),
        ("LA", "Laos"),
        ("VN", "Viet Nam"),
        ("PS", "Palestine"),
        ("TW", "Taiwan"),
        ("GM", "the Gambia"),
        ("BS", "the Bahamas"),
        ("SD", "Sudan"),
        ("SS", "South Sudan"),
    ];
    if let Some((_, name)) = SHORT.iter().find(|(c, _)| *c == code) {
        return (*name).to_owned();
    }
    isocountry::CountryCode::for_alpha2(code)
        .map(|c| c.name().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

/// Check a loaded config and derive its facts.
pub fn build(loaded: Loaded) -> Result<Model, Vec<Diagnostic>> {
    let mut c = Checker {
        loaded: &loaded,
        diags: Vec::new(),
    };
    c.check_all();
    let mut diags = c.diags;
    if diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        diags.sort_by_key(|d| d.span.as_ref().map_or(usize::MAX, |s| s.start));
        return Err(diags);
    }
    let derived = derive(&loaded.config);
    Ok(Model { loaded, derived })
}

struct Checker<'a> {
    loaded: &'a Loaded,
    diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn err(&mut self, code: &str, pointer: &str, message: String, help: String) {
        let d = Diagnostic::error(code, message).help(help);
        self.diags.push(self.loaded.diag_at(d, pointer));
    }

    fn date(&mut self, pointer: &str, value: &str) -> Option<Date> {
        match parse_date(value) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.err(
                    "config::bad-date",
                    pointer,
                    msg,
                    "write a date as YYYY-MM-DD, e.g. 2026-03-01 (a TOML date needs no quotes)"
                        .into(),
                );
                None
            }
        }
    }

    fn duration(&mut self, pointer: &str, value: &str) -> Option<Span> {
        match parse_duration(value) {
            Ok(s) => Some(s),
            Err(msg) => {
                self.err(
                    "config::bad-duration",
                    pointer,
                    msg,
                    "write an ISO-8601 duration such as \"P24M\" (24 months), \"P1Y\", \"P7D\" or \"PT72H\"".into(),
                );
                None
            }
        }
    }

    fn country(&mut self, pointer: &str, value: &str) {
        if isocountry::CountryCode::for_alpha2(value).is_ok() {
            return;
        }
        let upper = value.to_ascii_uppercase();
        let help = if value == "UK" || upper == "UK" {
            "the ISO 3166-1 code of the United Kingdom is \"GB\"".to_owned()
        } else if value != upper && isocountry::CountryCode::for_alpha2(&upper).is_ok() {
            format!("country codes are upper case: write \"{upper}\"")
        } else if let Some(code) = isocountry::CountryCode::iter().find(|c| {
            c.name().eq_ignore_ascii_case(value) || c.alpha3().eq_ignore_ascii_case(value)
        }) {
            format!(
                "write the two-letter code \"{}\" for {}",
                code.alpha2(),
                code.name()
            )
        } else {
            "write an ISO 3166-1 alpha-2 code such as \"BE\", \"KE\" or \"CH\"".to_owned()
        };
        self.err(
            "config::bad-country",
            pointer,
            format!("`{value}` is not an ISO 3166-1 alpha-2 country code"),
            help,
        );
    }

    fn reference(&mut self, pointer: &str, value: &str, kind: &str, table: &str, known: &[&str]) {
        if known.contains(&value) {
            return;
        }
        let help = match did_you_mean(value, known.iter().copied()) {
            Some(s) => format!(
                "did you mean \"{s}\"? declared {kind} ids: {}",
                known.join(", ")
            ),
            None if known.is_empty() => format!("declare it in a [[{table}]] table first"),
            None => format!(
                "use one of the declared {kind} ids ({}) or add a [[{table}]] table with id = \"{value}\"",
                known.join(", ")
            ),
        };
        self.err(
            "config::unknown-reference",
            pointer,
            format!("no {kind} has the id `{value}`"),
            help,
        );
    }

    fn unique_ids<'b>(&mut self, table: &str, ids: impl Iterator<Item = &'b str>) {
        let mut seen = HashSet::new();
        for (i, id) in ids.enumerate() {
            let pointer = format!("/{table}/{i}/id");
            if !is_valid_id(id) {
                self.err(
                    "config::bad-id",
                    &pointer,
                    format!("`{id}` is not a valid id"),
                    "ids are short: lower-case letters, digits, '-' and '_', starting with a letter (e.g. \"mno\")".into(),
                );
            }
            if !seen.insert(id) {
                self.err(
                    "config::duplicate-id",
                    &pointer,
                    format!("the id `{id}` is used by more than one entry in [[{table}]]"),
                    "give each entry its own id".into(),
                );
            }
        }
    }

    /// No two parties may go by the same name: the agreement names each party by its short
    /// name (else its legal name), and a reader could not tell two parties called alike apart.
    /// A short name may not be another party's legal name either. Compared without regard to
    /// case or runs of spaces ("the Agency" and "The  agency" read alike in a sentence).
    fn unique_party_names(&mut self, parties: &[crate::config::Party]) {
        fn key(s: &str) -> String {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        }
        // Normalised name → (party index, field) of the first party to use it.
        let mut seen: HashMap<String, (usize, &str)> = HashMap::new();
        for (i, p) in parties.iter().enumerate() {
            let mut names = vec![("legal_name", p.legal_name.as_str())];
            if let Some(s) = &p.short_name {
                names.push(("short_name", s.as_str()));
            }
            for (field, name) in names {
                let k = key(name);
                if k.is_empty() {
                    continue;
                }
                match seen.get(&k) {
                    None => {
                        seen.insert(k, (i, field));
                    }
                    Some(&(j, _)) if j == i => {}
                    Some(&(j, their_field)) => {
                        let other = &parties[j];
                        let help = if field == "legal_name" && their_field == "legal_name" {
                            format!(
                                "each party is a separate organisation: if `{}` is `{}` declared twice, remove one [[parties]] table; otherwise write each one's full registered name",
                                p.id, other.id
                            )
                        } else {
                            format!(
                                "give `{}` a short_name that tells it apart from `{}`, such as the name it trades under",
                                p.id, other.id
                            )
                        };
                        self.err(
                            "config::duplicate-name",
                            &format!("/parties/{i}/{field}"),
                            format!(
                                "parties `{}` and `{}` would both be called “{}” ({} of `{}`, {} of `{}`)",
                                other.id,
                                p.id,
                                name.trim(),
                                their_field.replace('_', " "),
                                other.id,
                                field.replace('_', " "),
                                p.id
                            ),
                            help,
                        );
                    }
                }
            }
        }
    }

    /// Text that would not display as stored: bidi controls, invisible format characters,
    /// control characters. A signed name must read exactly as it is stored.
    fn check_text(&mut self) {
        let mut found = Vec::new();
        walk_strings(&self.loaded.raw, &mut |pointer, key, s| {
            let multi_line = !SINGLE_LINE_KEYS.contains(&key);
            for (i, c) in s.chars().enumerate() {
                if let Some(what) = forbidden_char(c, multi_line) {
                    found.push((pointer.to_owned(), i, c, what));
                    break;
                }
            }
        });
        for (pointer, i, c, what) in found {
            self.err(
                "config::forbidden-character",
                &pointer,
                format!("{what} U+{:04X} at character {} of `{}`", c as u32, i + 1, crate::load::pointer_to_field(&pointer)),
                if matches!(c, '\n' | '\u{2028}' | '\u{2029}') {
                    "this field is one line: remove the line break".to_owned()
                } else {
                    "remove it: text in an agreement must display exactly as it is stored (joiners U+200C and U+200D, which scripts need, are allowed)".to_owned()
                },
            );
        }
    }

    fn check_all(&mut self) {
        self.check_text();
        let cfg = &self.loaded.config;
        let parties: Vec<&str> = cfg.parties.iter().map(|p| p.id.as_str()).collect();
        let datasets: Vec<&str> = cfg.datasets.iter().map(|d| d.id.as_str()).collect();
        let purposes: Vec<&str> = cfg.purposes.iter().map(|p| p.id.as_str()).collect();
        let subprocessors: Vec<&str> = cfg.subprocessors.iter().map(|s| s.id.as_str()).collect();

        // [agreement]
        let a = &cfg.agreement;
        if !is_valid_reference(&a.reference) {
            self.err(
                "config::bad-reference",
                "/agreement/reference",
                format!("`{}` cannot be used as a file name", a.reference),
                "use letters, digits, '.', '-' and '_' only, not starting with '.', at most 100 characters (e.g. \"DSA-2026-007\")".into(),
            );
        }
        for (field, value) in [("title", &a.title), ("version", &a.version)] {
            if value.trim().is_empty() {
                self.err(
                    "config::empty",
                    &format!("/agreement/{field}"),
                    format!("`agreement.{field}` is empty"),
                    format!("write the agreement's {field}"),
                );
            }
        }
        let effective = self.date("/agreement/effective_date", &a.effective_date);
        self.duration("/agreement/review_interval", &a.review_interval);
        if let Some(owner) = &a.review_owner {
            self.reference(
                "/agreement/review_owner",
                owner,
                "party",
                "parties",
                &parties,
            );
        }

        // [[parties]]
        if cfg.parties.len() < 2 {
            self.err(
                "config::too-few-parties",
                "/parties",
                format!(
                    "an agreement needs at least two parties; {} declared",
                    cfg.parties.len()
                ),
                "add a [[parties]] table for each organisation that signs".into(),
            );
        }
        self.unique_ids("parties", cfg.parties.iter().map(|p| p.id.as_str()));
        self.unique_party_names(&cfg.parties);
        for (i, p) in cfg.parties.iter().enumerate() {
            self.country(&format!("/parties/{i}/country"), &p.country);
            if p.signatories.is_empty() {
                self.err(
                    "config::no-signatory",
                    &format!("/parties/{i}/signatories"),
                    format!("party `{}` has no signatory", p.id),
                    "add signatories = [{ name = \"…\", title = \"…\" }]".into(),
                );
            }
            if let Some(dd) = &p.due_diligence {
                self.date(&format!("/parties/{i}/due_diligence/date"), &dd.date);
            }
        }

        // [[purposes]], [[datasets]]
        self.unique_ids("purposes", cfg.purposes.iter().map(|p| p.id.as_str()));
        self.unique_ids("datasets", cfg.datasets.iter().map(|d| d.id.as_str()));
        if cfg.purposes.is_empty() {
            self.err(
                "config::empty",
                "/purposes",
                "no purpose is declared".into(),
                "add a [[purposes]] table".into(),
            );
        }
        if cfg.datasets.is_empty() {
            self.err(
                "config::empty",
                "/datasets",
                "no dataset is declared".into(),
                "add a [[datasets]] table".into(),
            );
        }
        for (i, d) in cfg.datasets.iter().enumerate() {
            self.reference(
                &format!("/datasets/{i}/provider"),
                &d.provider,
                "party",
                "parties",
                &parties,
            );
            if d.data_categories.is_empty() {
                self.err(
                    "config::empty",
                    &format!("/datasets/{i}/data_categories"),
                    format!("dataset `{}` lists no data categories", d.id),
                    "list the categories of data it holds, e.g. [\"location\", \"demographic\"]"
                        .into(),
                );
            }
        }

        // [[flows]]
        if cfg.flows.is_empty() {
            self.err(
                "config::empty",
                "/flows",
                "no data flow is declared".into(),
                "add a [[flows]] table saying who sends which dataset to whom".into(),
            );
        }
        self.unique_ids("flows", cfg.flows.iter().map(|f| f.id.as_str()));
        for (i, f) in cfg.flows.iter().enumerate() {
            let base = format!("/flows/{i}");
            self.reference(
                &format!("{base}/from"),
                &f.from,
                "party",
                "parties",
                &parties,
            );
            self.reference(&format!("{base}/to"), &f.to, "party", "parties", &parties);
            if f.from == f.to {
                self.err(
                    "config::self-flow",
                    &format!("{base}/to"),
                    format!("flow `{}` goes from `{}` to itself", f.id, f.from),
                    "a flow moves data between two different parties".into(),
                );
            }
            for (j, d) in f.datasets.iter().enumerate() {
                self.reference(
                    &format!("{base}/datasets/{j}"),
                    d,
                    "dataset",
                    "datasets",
                    &datasets,
                );
                // The sender holds the data: it provides the dataset or received it on a flow.
                if let Some(ds) = cfg.datasets.iter().find(|x| &x.id == d)
                    && ds.provider != f.from
                    && !cfg
                        .flows
                        .iter()
                        .any(|o| o.to == f.from && o.datasets.contains(d))
                {
                    self.err(
                        "config::dataset-not-held",
                        &format!("{base}/datasets/{j}"),
                        format!(
                            "flow `{}` sends `{d}` from `{}`, which neither provides it (its provider is `{}`) nor receives it on any flow",
                            f.id, f.from, ds.provider
                        ),
                        format!(
                            "remove `{d}` from this flow, add a flow that brings it to `{}`, or set the dataset's provider to the party that holds it",
                            f.from
                        ),
                    );
                }
            }
            for (j, p) in f.purposes.iter().enumerate() {
                self.reference(
                    &format!("{base}/purposes/{j}"),
                    p,
                    "purpose",
                    "purposes",
                    &purposes,
                );
            }
            if let Some(interval) = &f.interval {
                self.duration(&format!("{base}/interval"), interval);
            } else if f.frequency == Frequency::Periodic {
                self.err(
                    "config::missing-field",
                    &base,
                    format!("flow `{}` is periodic but has no interval", f.id),
                    "add interval = \"P7D\" (or another ISO-8601 duration)".into(),
                );
            }
            if let Some(b) = &f.on_behalf_of {
                self.reference(
                    &format!("{base}/on_behalf_of"),
                    b,
                    "party",
                    "parties",
                    &parties,
                );
            }
            let from_role = f
                .from_role
                .or_else(|| cfg.parties.iter().find(|p| p.id == f.from).map(|p| p.role));
            let to_role = f
                .to_role
                .or_else(|| cfg.parties.iter().find(|p| p.id == f.to).map(|p| p.role));
            if let (Some(fr), Some(tr)) = (from_role, to_role)
                && let Err(msg) = relationship(fr, tr)
            {
                self.err("config::impossible-roles", &base, format!("flow `{}`: {msg}", f.id), "set from_role / to_role on the flow, or the parties' role, so the roles fit together".into());
            }
        }

        // [[legal_bases]]
        for (i, lb) in cfg.legal_bases.iter().enumerate() {
            self.reference(
                &format!("/legal_bases/{i}/party"),
                &lb.party,
                "party",
                "parties",
                &parties,
            );
            self.reference(
                &format!("/legal_bases/{i}/purpose"),
                &lb.purpose,
                "purpose",
                "purposes",
                &purposes,
            );
            if let Some(exp) = &lb.expires
                && let Some(exp) = self.date(&format!("/legal_bases/{i}/expires"), exp)
                && let Some(start) = effective
                && exp <= start
            {
                self.err(
                    "config::impossible-date",
                    &format!("/legal_bases/{i}/expires"),
                    format!(
                        "the legal basis of `{}` for `{}` expires ({exp}) on or before the agreement takes effect ({start})",
                        lb.party, lb.purpose
                    ),
                    "renew the basis and write its new expiry date, or remove the purpose from this agreement".into(),
                );
            }
            if let Some(j) = cfg.legal_bases[..i]
                .iter()
                .position(|o| o.party == lb.party && o.purpose == lb.purpose)
            {
                self.err(
                    "config::duplicate-entry",
                    &format!("/legal_bases/{i}"),
                    format!(
                        "legal_bases[{j}] and legal_bases[{i}] both give a legal basis of `{}` for `{}`",
                        lb.party, lb.purpose
                    ),
                    "keep one: a controller relies on one lawful basis for one purpose, and cannot switch between them (EDPB Guidelines 05/2020 on consent, para. 121-123)".into(),
                );
            }
        }
        for (i, n) in cfg.transparency.notices.iter().enumerate() {
            self.reference(
                &format!("/transparency/notices/{i}/party"),
                &n.party,
                "party",
                "parties",
                &parties,
            );
        }
        if let Some(p) = &cfg.consent.obtained_by {
            self.reference("/consent/obtained_by", p, "party", "parties", &parties);
        }
        if let Some(p) = &cfg.rights.contact_point {
            self.reference("/rights/contact_point", p, "party", "parties", &parties);
        }
        if let Some(d) = &cfg.dpia.date {
            self.date("/dpia/date", d);
        }
        if let Some(p) = &cfg.dpia.owner {
            self.reference("/dpia/owner", p, "party", "parties", &parties);
        }

        // [[storage]]
        for (i, s) in cfg.storage.iter().enumerate() {
            self.reference(
                &format!("/storage/{i}/party"),
                &s.party,
                "party",
                "parties",
                &parties,
            );
            self.country(&format!("/storage/{i}/country"), &s.country);
            if let Some(b) = &s.backup_country {
                self.country(&format!("/storage/{i}/backup_country"), b);
            }
            for (j, d) in s.datasets.iter().enumerate() {
                self.reference(
                    &format!("/storage/{i}/datasets/{j}"),
                    d,
                    "dataset",
                    "datasets",
                    &datasets,
                );
            }
        }
        for (i, m) in cfg.security.measures.iter().enumerate() {
            for (j, p) in m.applies_to.iter().enumerate() {
                self.reference(
                    &format!("/security/measures/{i}/applies_to/{j}"),
                    p,
                    "party",
                    "parties",
                    &parties,
                );
            }
        }

        // [[retention]]
        let mut with_derived = datasets.clone();
        with_derived.push("derived");
        for (i, r) in cfg.retention.iter().enumerate() {
            let base = format!("/retention/{i}");
            self.reference(
                &format!("{base}/dataset"),
                &r.dataset,
                "dataset",
                "datasets",
                &with_derived,
            );
            if let Some(p) = &r.party {
                self.reference(&format!("{base}/party"), p, "party", "parties", &parties);
            }
            match (&r.period, &r.event, &r.max) {
                (Some(p), None, None) => {
                    self.duration(&format!("{base}/period"), p);
                }
                (None, Some(_), Some(m)) => {
                    self.duration(&format!("{base}/max"), m);
                }
                (None, Some(_), None) => self.err(
                    "config::missing-field",
                    &base,
                    "an event-based retention needs a backstop `max` duration".into(),
                    "add max = \"P36M\" (or another ISO-8601 duration): data is disposed of at the event or at the backstop, whichever comes first".into(),
                ),
                (None, None, _) => self.err(
                    "config::missing-field",
                    &base,
                    format!("retention of `{}` has neither a `period` nor an `event`", r.dataset),
                    "add period = \"P24M\", or event = \"…\" with max = \"P36M\"".into(),
                ),
                (Some(_), Some(_), _) | (Some(_), None, Some(_)) => self.err(
                    "config::conflicting-fields",
                    &base,
                    "a retention entry has both a `period` and an `event`/`max`".into(),
                    "keep either period = \"…\", or event = \"…\" with max = \"…\"".into(),
                ),
            }
        }

        // Two entries for the same dataset and holder would print two periods for one copy.
        for (i, r) in cfg.retention.iter().enumerate() {
            let mine = retention_holders(cfg, r);
            if let Some((j, h)) = cfg.retention[..i].iter().enumerate().find_map(|(j, o)| {
                (o.dataset == r.dataset)
                    .then(|| {
                        retention_holders(cfg, o)
                            .into_iter()
                            .find(|h| mine.contains(h))
                    })
                    .flatten()
                    .map(|h| (j, h))
            }) {
                self.err(
                    "config::duplicate-entry",
                    &format!("/retention/{i}"),
                    format!(
                        "retention[{j}] and retention[{i}] both say how long `{h}` keeps `{}`",
                        r.dataset
                    ),
                    "keep one entry per dataset and holder (an entry without `party` covers every party that receives the dataset and has no entry of its own for it)".into(),
                );
            }
        }

        // [onward_sharing], [[subprocessors]], [[transfers]]
        for (i, o) in cfg.onward_sharing.permitted.iter().enumerate() {
            let base = format!("/onward_sharing/permitted/{i}");
            self.reference(
                &format!("{base}/shared_by"),
                &o.shared_by,
                "party",
                "parties",
                &parties,
            );
            self.country(&format!("{base}/country"), &o.country);
            for (j, p) in o.purposes.iter().enumerate() {
                self.reference(
                    &format!("{base}/purposes/{j}"),
                    p,
                    "purpose",
                    "purposes",
                    &purposes,
                );
            }
            for (j, d) in o.datasets.iter().enumerate() {
                self.reference(
                    &format!("{base}/datasets/{j}"),
                    d,
                    "dataset",
                    "datasets",
                    &with_derived,
                );
            }
        }
        self.unique_ids(
            "subprocessors",
            cfg.subprocessors.iter().map(|s| s.id.as_str()),
        );
        for (i, s) in cfg.subprocessors.iter().enumerate() {
            self.reference(
                &format!("/subprocessors/{i}/processor"),
                &s.processor,
                "party",
                "parties",
                &parties,
            );
            self.country(&format!("/subprocessors/{i}/country"), &s.country);
        }
        let mut importers = parties.clone();
        importers.extend(subprocessors.iter().copied());
        for (i, t) in cfg.transfers.iter().enumerate() {
            self.reference(
                &format!("/transfers/{i}/importer"),
                &t.importer,
                "party or sub-processor",
                "parties",
                &importers,
            );
            if let Some(j) = cfg.transfers[..i]
                .iter()
                .position(|o| o.importer == t.importer)
            {
                self.err(
                    "config::duplicate-entry",
                    &format!("/transfers/{i}/importer"),
                    format!(
                        "transfers[{j}] and transfers[{i}] both declare the mechanism for transfers to `{}`",
                        t.importer
                    ),
                    "keep one [[transfers]] entry per importer, with the mechanism that covers every transfer to it".into(),
                );
            }
        }
        for (i, c) in cfg.use_restrictions.excluded_authorities.iter().enumerate() {
            self.country(&format!("/use_restrictions/excluded_authorities/{i}"), c);
        }
        if let Some(d) = &cfg.outputs.embargo_until {
            self.date("/outputs/embargo_until", d);
        }
        if let Some(p) = &cfg.outputs.ip_owner {
            self.reference("/outputs/ip_owner", p, "party", "parties", &parties);
        }

        // [term]
        match (&cfg.term.duration, &cfg.term.end_date) {
            (Some(_), Some(_)) => self.err(
                "config::conflicting-fields",
                "/term",
                "[term] has both `duration` and `end_date`".into(),
                "keep one: duration = \"P24M\" or end_date = 2028-02-29".into(),
            ),
            (Some(d), None) => {
                self.duration("/term/duration", d);
            }
            (None, Some(end)) => {
                if let (Some(end), Some(start)) = (self.date("/term/end_date", end), effective)
                    && end <= start
                {
                    self.err(
                        "config::impossible-date",
                        "/term/end_date",
                        format!(
                            "the agreement ends ({end}) on or before it takes effect ({start})"
                        ),
                        "the end date must come after agreement.effective_date".into(),
                    );
                }
            }
            (None, None) => {}
        }
    }
}

/// Fields that hold one line of text (names, ids, titles, contacts).
const SINGLE_LINE_KEYS: &[&str] = &[
    "id",
    "legal_name",
    "short_name",
    "name",
    "title",
    "reference",
    "version",
    "email",
    "phone",
    "country",
    "registration",
    "address",
    "effective_date",
    "date",
    "recipient",
    "attribution",
    "licence",
];

/// Why a character may not appear in config text, if it may not.
pub fn forbidden_char(c: char, multi_line: bool) -> Option<&'static str> {
    // Printable ASCII, most of any config, first.
    if (' '..='~').contains(&c) {
        return None;
    }
    match c {
        '\n' if multi_line => None,
        // Unicode line and paragraph separators: a forced break in a one-line name or title.
        '\u{2028}' | '\u{2029}' if !multi_line => Some("a line break"),
        '\t' => Some("a tab"),
        '\u{202A}'..='\u{202E}' => Some("a bidirectional embedding or override"),
        '\u{2066}'..='\u{2069}' => Some("a bidirectional isolate"),
        '\u{200E}' | '\u{200F}' | '\u{061C}' => Some("an invisible direction mark"),
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' | '\u{2061}'..='\u{2064}' => {
            Some("an invisible zero-width character")
        }
        '\u{200C}' | '\u{200D}' => None,
        '\u{00AD}' => Some("a soft hyphen"),
        '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}' => {
            Some("an invisible format character")
        }
        // Noncharacters are never meant for interchange (and datapact uses some internally).
        c if ('\u{FDD0}'..='\u{FDEF}').contains(&c) || (c as u32) & 0xFFFE == 0xFFFE => {
            Some("a Unicode noncharacter")
        }
        c if c.is_control() => Some(if c == '\0' {
            "a NUL character"
        } else if c == '\n' || c == '\r' {
            "a line break"
        } else {
            "a control character"
        }),
        _ => None,
    }
}

/// Call `f(pointer, key, text)` for every string in a JSON tree: its JSON pointer, the last
/// non-index segment of that pointer, and the string. One pointer buffer is reused throughout.
pub(crate) fn walk_strings(v: &serde_json::Value, f: &mut dyn FnMut(&str, &str, &str)) {
    fn walk(v: &serde_json::Value, pointer: &mut String, f: &mut dyn FnMut(&str, &str, &str)) {
        let len = pointer.len();
        match v {
            serde_json::Value::String(s) => {
                let key = pointer
                    .rsplit('/')
                    .find(|seg| !seg.chars().all(|c| c.is_ascii_digit()))
                    .unwrap_or("");
                f(pointer, key, s)
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    use std::fmt::Write;
                    let _ = write!(pointer, "/{i}");
                    walk(x, pointer, f);
                    pointer.truncate(len);
                }
            }
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    pointer.push('/');
                    for c in k.chars() {
                        match c {
                            '~' => pointer.push_str("~0"),
                            '/' => pointer.push_str("~1"),
                            c => pointer.push(c),
                        }
                    }
                    walk(x, pointer, f);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
    walk(v, &mut String::new(), f)
}

fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A reference is used as a file name: keep it portable and free of path tricks.
pub fn is_valid_reference(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 100
        && !r.starts_with('.')
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
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

const WP248: [&str; 9] = [
    "evaluation or scoring",
    "automated decisions with legal or similar effect",
    "systematic monitoring",
    "sensitive or highly personal data",
    "large scale",
    "matching or combining datasets",
    "vulnerable data subjects",
    "innovative technology",
    "preventing people from exercising a right or using a service",
];

/// Processing of data on this many people or more counts as large scale.
pub const LARGE_SCALE_PEOPLE: u64 = 100_000;

fn derive(cfg: &Config) -> Derived {
    let party = |id: &str| cfg.parties.iter().find(|p| p.id == id);
    let mut d = Derived::default();

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
            interval_text: f
                .interval
                .as_deref()
                .and_then(|i| parse_duration(i).ok())
                .map(|s| humanize(&s)),
            datasets: f.datasets.clone(),
            purposes: f.purposes.clone(),
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

    // Data sensitivity.
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
        if matches!(
            ds.identifiability,
            Identifiability::Identified | Identifiability::Pseudonymised
        ) {
            d.has_personal_data = true;
        }
    }
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
    d.binding = cfg.agreement.binding;
    d.doc_word = if d.binding { "agreement" } else { "protocol" };
    d.must = if d.binding { "must" } else { "will" };
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

    // WP248 criteria.
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
                "sensitive or highly personal data in {}",
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
    let combining = cfg.flows.iter().any(|f| {
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
        };
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

    // Transfers.
    d.transfers = derive_transfers(cfg, &d);
    d.has_transfers = !d.transfers.is_empty();

    // Dates.
    if let Ok(effective) = parse_date(&cfg.agreement.effective_date) {
        d.dates.effective = effective.to_string();
        let (end, term_text) = match (&cfg.term.end_date, &cfg.term.duration) {
            (Some(end), _) => (parse_date(end).ok(), String::new()),
            (None, Some(dur)) => match parse_duration(dur) {
                Ok(s) => (add_duration(effective, s), format!("for {}", humanize(&s))),
                Err(_) => (None, String::new()),
            },
            (None, None) => {
                let s = Span::new().months(24);
                (add_duration(effective, s), "for 24 months".to_owned())
            }
        };
        d.dates.end = end.map(|e| e.to_string());
        let long = |d: Date| crate::render::long_date(&d.to_string());
        d.dates.term_text = match end {
            Some(e) if term_text.is_empty() => format!("until {}", long(e)),
            Some(e) => format!("{term_text}, ending on {}", long(e)),
            None => term_text,
        };
        if let Ok(r) = parse_duration(&cfg.agreement.review_interval) {
            d.dates.review_interval_text = humanize(&r);
            d.dates.first_review = add_duration(effective, r)
                .map(|x| x.to_string())
                .unwrap_or_default();
        }
    }

    d.retention = derive_retention(cfg);
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
    d
}

/// Personal data in law: identified or pseudonymised (anonymised and aggregated data are not).
pub fn is_personal(ds: &Dataset) -> bool {
    matches!(
        ds.identifiability,
        Identifiability::Identified | Identifiability::Pseudonymised
    )
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

/// The legal area a country belongs to for transfers: the EEA as one, others alone.
fn area(country: &str) -> &str {
    if is_eea(country) { "EEA" } else { country }
}

fn derive_transfers(cfg: &Config, d: &Derived) -> Vec<TransferRecord> {
    let party = |id: &str| cfg.parties.iter().find(|p| p.id == id);
    let personal = |ids: &[String]| {
        ids.iter().any(|id| {
            cfg.datasets
                .iter()
                .any(|ds| &ds.id == id && is_personal(ds))
        })
    };
    let mut out: BTreeMap<(String, String), TransferRecord> = BTreeMap::new();
    let mut add = |exporter: &str,
                   importer: &str,
                   importer_name: &str,
                   dest: &str,
                   reason: &str,
                   datasets: &[String],
                   declared_mech: Option<TransferMechanism>| {
        let declared = cfg.transfers.iter().position(|t| t.importer == importer);
        let exporter_country = party(exporter).map(|p| p.country.as_str()).unwrap_or("");
        // An international organisation is not covered by its host country's adequacy.
        let adequate = reason != "international-organisation"
            && (ADEQUATE.contains(&dest) || (exporter_country == "GB" && is_eea(dest)));
        let mechanism = declared
            .map(|i| cfg.transfers[i].mechanism)
            .or(declared_mech)
            .or(if adequate {
                Some(TransferMechanism::Adequacy)
            } else {
                None
            });
        let entry = out
            .entry((importer.to_owned(), dest.to_owned()))
            .or_insert_with(|| TransferRecord {
                exporter: exporter.to_owned(),
                importer: importer.to_owned(),
                importer_name: importer_name.to_owned(),
                destination: dest.to_owned(),
                destination_name: country_name(dest),
                reason: reason.to_owned(),
                adequate,
                mechanism,
                declared,
                datasets: Vec::new(),
                personal: false,
            });
        for ds in datasets {
            if !entry.datasets.contains(ds) {
                entry.datasets.push(ds.clone());
            }
        }
        entry.personal = entry.personal || personal(datasets);
    };
    for (f, cf) in d.flows.iter().zip(&cfg.flows) {
        let (Some(from), Some(to)) = (party(&f.from), party(&f.to)) else {
            continue;
        };
        // Where the recipient keeps the data: its storage entries, else its seat.
        let stores: Vec<&Storage> = cfg.storage.iter().filter(|s| s.party == to.id).collect();
        let origin = area(&from.country);
        if to.kind == PartyKind::InternationalOrganisation
            && from.kind != PartyKind::InternationalOrganisation
        {
            add(
                &from.id,
                &to.id,
                &to.legal_name,
                &to.country,
                "international-organisation",
                &cf.datasets,
                None,
            );
        } else if area(&to.country) != origin {
            add(
                &from.id,
                &to.id,
                &to.legal_name,
                &to.country,
                "recipient",
                &cf.datasets,
                None,
            );
        }
        // The recipient places the data in its storage: it exports to those locations.
        for s in stores {
            let held: Vec<String> = if s.datasets.is_empty() {
                cf.datasets.clone()
            } else {
                cf.datasets
                    .iter()
                    .filter(|x| s.datasets.contains(x))
                    .cloned()
                    .collect()
            };
            if held.is_empty() {
                continue;
            }
            // A sub-processor of the recipient in that country moves the data there: that is
            // its transfer (listed below with the sub-processors), not a second one.
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
                add(
                    &from.id,
                    &to.id,
                    &to.legal_name,
                    &s.country,
                    "storage",
                    &held,
                    None,
                );
            }
            if let Some(b) = &s.backup_country
                && area(b) != origin
                && !by_subprocessor(b, None)
            {
                add(&from.id, &to.id, &to.legal_name, b, "backup", &held, None);
            }
        }
    }
    for sp in &cfg.subprocessors {
        let Some(proc_party) = party(&sp.processor) else {
            continue;
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
            .filter_map(|(f, _)| party(&f.from).map(|p| area(&p.country)))
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
        if origins.iter().any(|o| *o != area(&sp.country)) {
            add(
                &sp.processor,
                &sp.id,
                &sp.name,
                &sp.country,
                "sub-processor",
                &datasets,
                None,
            );
        }
    }
    for o in &cfg.onward_sharing.permitted {
        let Some(by) = party(&o.shared_by) else {
            continue;
        };
        if area(&o.country) != area(&by.country) {
            add(
                &by.id,
                &o.recipient,
                &o.recipient,
                &o.country,
                "onward",
                &o.datasets,
                o.mechanism,
            );
        }
    }
    out.into_values().collect()
}

fn derive_retention(cfg: &Config) -> Vec<RetentionRow> {
    let name = |id: &str| {
        cfg.parties
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.short_name.clone().unwrap_or_else(|| p.legal_name.clone()))
            .unwrap_or_else(|| id.to_owned())
    };
    let title = |id: &str| {
        if id == "derived" {
            "Derived data and outputs".to_owned()
        } else {
            cfg.datasets
                .iter()
                .find(|ds| ds.id == id)
                .map(|ds| ds.title.clone())
                .unwrap_or_else(|| id.to_owned())
        }
    };
    let mut rows = Vec::new();
    for (i, r) in cfg.retention.iter().enumerate() {
        let holders: Vec<String> = retention_holders(cfg, r)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let period_text = match (&r.period, &r.event, &r.max) {
            (Some(p), _, _) => parse_duration(p)
                .map(|s| format!("{} from receipt", humanize(&s)))
                .unwrap_or_default(),
            (None, Some(e), Some(m)) => parse_duration(m)
                .map(|s| {
                    format!(
                        "until {e}, and no longer than {} from receipt",
                        humanize(&s)
                    )
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        for h in holders {
            rows.push(RetentionRow {
                dataset: r.dataset.clone(),
                dataset_title: title(&r.dataset),
                holder: name(&h),
                holder_id: h.clone(),
                period_text: period_text.clone(),
                event: r.event.clone(),
                disposal: r.disposal,
                method: r.method.clone(),
                certification: r.certification,
                legal_hold: r.legal_hold.clone(),
                declared: Some(i),
            });
        }
    }
    rows
}

/// The parties a retention entry binds: its `party`, or else every party that receives the
/// dataset on a flow (any flow for `derived`) and has no entry of its own for it.
fn retention_holders<'c>(cfg: &'c Config, r: &'c Retention) -> Vec<&'c str> {
    if let Some(p) = &r.party {
        return vec![p.as_str()];
    }
    let mut v: Vec<&str> = Vec::new();
    for f in &cfg.flows {
        if (r.dataset == "derived" || f.datasets.contains(&r.dataset))
            && !v.contains(&f.to.as_str())
            && !cfg
                .retention
                .iter()
                .any(|o| o.dataset == r.dataset && o.party.as_deref() == Some(f.to.as_str()))
        {
            v.push(&f.to);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_of(text: &str) -> Model {
        let loaded = crate::load::load_str(std::path::Path::new("t.toml"), text).expect("loads");
        build(loaded).expect("builds")
    }

    #[test]
    fn a_retention_entry_without_party_leaves_out_parties_with_their_own() {
        let base = include_str!("../examples/ngo-survey.toml");
        // `responses` reaches `ngo` (and `survey` receives the sample frame). A general entry
        // for `responses` now covers no one but those without an entry of their own: `ngo`
        // and `survey` both have one, so it adds no row.
        let text = base.replace(
            "[[retention]]\ndataset = \"derived\"",
            "[[retention]]\ndataset = \"responses\"\nperiod = \"P10Y\"\ndisposal = \"delete\"\n\n[[retention]]\ndataset = \"derived\"",
        );
        assert_ne!(text, base);
        let m = model_of(&text);
        let rows: Vec<(&str, &str)> = m
            .derived
            .retention
            .iter()
            .filter(|r| r.dataset == "responses")
            .map(|r| (r.holder_id.as_str(), r.period_text.as_str()))
            .collect();
        assert!(
            rows.iter().all(|(_, p)| !p.contains("10 years")),
            "{rows:?}"
        );
        assert_eq!(
            rows.iter().filter(|(h, _)| *h == "ngo").count(),
            1,
            "{rows:?}"
        );
        // Without the specific entry for `ngo`, the general one binds it.
        let text = text.replace(
            "[[retention]]\ndataset = \"responses\"\nparty = \"ngo\"",
            "[[retention]]\ndataset = \"responses\"\nparty = \"survey\"",
        );
        let loaded = crate::load::load_str(std::path::Path::new("t.toml"), &text).expect("loads");
        // `survey` now has two entries for `responses`: refused, naming both.
        let errs = build(loaded).expect_err("duplicate refused");
        assert!(
            errs.iter().any(|d| d.code == "config::duplicate-entry"
                && d.message.contains("`survey` keeps `responses`")),
            "{errs:?}"
        );
    }

    #[test]
    fn transfers_run_from_the_sender_and_a_sub_processor_s_move_is_listed_once() {
        for text in [
            include_str!("../examples/mno-displacement.toml"),
            include_str!("../examples/ngo-survey.toml"),
            include_str!("../examples/bank-remittances.toml"),
            include_str!("../examples/adplatform-audiences.toml"),
        ] {
            let m = model_of(text);
            for t in &m.derived.transfers {
                assert_ne!(
                    t.exporter, t.importer,
                    "no party transfers to itself: {t:?}"
                );
            }
        }
        // Nimbus keeps backups in the Netherlands with its sub-processor Vaultline: one row,
        // the sub-processor's.
        let towards = |m: &Model, country: &str| -> Vec<TransferRecord> {
            m.derived
                .transfers
                .iter()
                .filter(|t| t.destination == country)
                .cloned()
                .collect()
        };
        let m = model_of(include_str!("../examples/mno-displacement.toml"));
        let nl = towards(&m, "NL");
        assert_eq!(nl.len(), 1, "{nl:?}");
        assert_eq!(nl[0].reason, "sub-processor");
        // Storage in another country than the sender's: the sender's transfer to the recipient.
        let text = include_str!("../examples/ngo-survey.toml");
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
    fn durations() {
        assert_eq!(humanize(&parse_duration("P24M").unwrap()), "24 months");
        assert_eq!(
            humanize(&parse_duration("P1Y6M").unwrap()),
            "1 year and 6 months"
        );
        assert_eq!(humanize(&parse_duration("PT72H").unwrap()), "72 hours");
        assert!(parse_duration("24 months").is_err());
        assert!(parse_duration("P0D").is_err());
        assert!(parse_duration("-P1D").is_err());
    }

    #[test]
    fn dates_respect_month_ends_and_leap_years() {
        let d = parse_date("2024-01-31").unwrap();
        assert_eq!(
            add_duration(d, parse_duration("P1M").unwrap())
                .unwrap()
                .to_string(),
            "2024-02-29"
        );
        let d = parse_date("2024-02-29").unwrap();
        assert_eq!(
            add_duration(d, parse_duration("P1Y").unwrap())
                .unwrap()
                .to_string(),
            "2025-02-28"
        );
        assert!(parse_date("2025-02-29").is_err());
        assert!(parse_date("2025-2-1").is_err());
    }

    #[test]
    fn forbidden_characters() {
        assert!(forbidden_char('\u{202E}', true).is_some());
        assert!(forbidden_char('\u{2067}', true).is_some());
        assert!(forbidden_char('\u{200B}', true).is_some());
        assert!(forbidden_char('\0', true).is_some());
        assert!(forbidden_char('\n', false).is_some());
        assert!(forbidden_char('\n', true).is_none());
        assert!(forbidden_char('\u{2028}', false).is_some());
        assert!(forbidden_char('\u{2029}', false).is_some());
        assert!(forbidden_char('\u{2028}', true).is_none());
        assert!(forbidden_char('\u{200D}', false).is_none());
        assert!(forbidden_char('\u{200C}', false).is_none());
        assert!(forbidden_char('ش', false).is_none());
        assert!(forbidden_char('\u{FDD0}', false).is_some());
        assert!(forbidden_char('\u{FFFF}', true).is_some());
        assert!(forbidden_char('\u{10FFFE}', true).is_some());
        assert!(forbidden_char('\u{FFFD}', true).is_none());
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
