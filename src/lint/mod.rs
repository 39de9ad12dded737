//! The rules engine behind `datapact check`: substance checks on a loaded, checked agreement.
//!
//! In: a [`Model`] (a config that passed loading, so types, references and dates are sound).
//! Out: [`Diagnostic`]s, one per finding, each with the rule id as its code and positioned at
//! the field concerned (or the nearest enclosing table when the field is missing), plus a
//! coverage summary of IOM's seven safeguards.
//!
//! Each rule is a small function in the file of its family (roles, purpose, data, law, risk,
//! transparency, security, transfers, retention, governance). Rules read the config and the
//! facts derived by [`crate::model`]; they never print.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::config::{Config, Dataset, Party};
use crate::diag::{Diagnostic, Severity};
use jiff::Span;
use jiff::civil::Date;

use crate::dates::add_duration;
use crate::model::Model;

mod data;
pub mod fit;
mod outcome;
pub mod text;

pub use outcome::Check;
mod governance;
mod kinds;
mod law;
mod outputs;
mod purpose;
mod retention;
mod risk;
mod roles;
mod security;
mod transfers;
mod transparency;

/// One rule: what it checks, why, and how to satisfy it.
pub struct Rule {
    /// A stable id such as `RET-001`.
    pub id: &'static str,
    /// The default severity of its findings (a finding may override it).
    pub severity: Severity,
    /// One line saying what the rule requires.
    pub title: &'static str,
    /// What to add or change to satisfy it.
    pub help: &'static str,
    /// The article, guidance or safeguard it rests on.
    pub source: &'static str,
    /// IOM safeguards (1–7) the rule serves.
    pub safeguards: &'static [u8],
    /// A paragraph for `datapact check --explain ID`.
    pub explain: &'static str,
    /// The check itself.
    pub check: fn(&Model, &mut Findings),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("severity", &self.severity)
            .finish()
    }
}

/// One finding before it is positioned.
#[derive(Debug, Clone)]
pub struct Finding {
    pub pointer: String,
    pub message: String,
    pub severity: Severity,
    pub help: Option<String>,
}

impl Finding {
    /// Override the rule's severity for this finding.
    pub fn severity(&mut self, s: Severity) -> &mut Self {
        self.severity = s;
        self
    }
    pub fn warning(&mut self) -> &mut Self {
        self.severity(Severity::Warning)
    }
    pub fn error(&mut self) -> &mut Self {
        self.severity(Severity::Error)
    }
    pub fn info(&mut self) -> &mut Self {
        self.severity(Severity::Info)
    }
    /// Replace the rule's help with a more specific one.
    pub fn help(&mut self, h: impl Into<String>) -> &mut Self {
        self.help = Some(h.into());
        self
    }
}

/// The sink a rule reports into. `at` uses the rule's id, severity and help.
pub struct Findings {
    rule: &'static Rule,
    items: Vec<Finding>,
    errors_before: usize,
}

impl Findings {
    pub fn new(rule: &'static Rule) -> Self {
        Findings {
            rule,
            items: Vec::new(),
            errors_before: 0,
        }
    }
    /// Report a finding at a JSON pointer (`/parties/1/due_diligence`, `/dpia`, `` for the file).
    pub fn at(&mut self, pointer: impl Into<String>, message: impl Into<String>) -> &mut Finding {
        self.items.push(Finding {
            pointer: pointer.into(),
            message: message.into(),
            severity: self.rule.severity,
            help: None,
        });
        self.items.last_mut().expect("just pushed")
    }
    /// The findings so far.
    pub fn items(&self) -> &[Finding] {
        &self.items
    }
    /// Error-severity findings reported by the rules that ran before this one (used by DOC-001,
    /// which runs last).
    pub fn errors_before(&self) -> usize {
        self.errors_before
    }
    fn into_diagnostics(self, model: &Model) -> Vec<Diagnostic> {
        let rule = self.rule;
        self.items
            .into_iter()
            .map(|f| {
                let d = Diagnostic::error(rule.id, f.message)
                    .with_severity(f.severity)
                    .help(f.help.unwrap_or_else(|| rule.help.to_owned()));
                model.loaded.diag_at(d, &f.pointer)
            })
            .collect()
    }
}

/// Every rule, in order of id.
pub fn rules() -> &'static [Rule] {
    static ALL: OnceLock<Vec<Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<Rule> = Vec::new();
        v.extend(roles::rules());
        v.extend(purpose::rules());
        v.extend(data::rules());
        v.extend(law::rules());
        v.extend(risk::rules());
        v.extend(transparency::rules());
        v.extend(security::rules());
        v.extend(transfers::rules());
        v.extend(retention::rules());
        v.extend(governance::rules());
        v.extend(outputs::rules());
        v.extend(fit::rules());
        v.extend(text::rules());
        v.extend(kinds::rules());
        v.sort_by_key(|r| id_key(r.id));
        v
    })
}

/// Order ids by family, then number.
fn id_key(id: &str) -> (String, u32) {
    let (fam, num) = id.split_once('-').unwrap_or((id, "0"));
    (fam.to_owned(), num.parse().unwrap_or(0))
}

/// The rule with this id (case-insensitive).
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules().iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// The id of the rule that runs after all others and looks at their results.
const LAST: &str = "DOC-001";

/// Run every rule. Findings come in rule order, and within a rule in the order found.
pub fn run(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let kind = model.config().agreement.kind;
    for r in rules()
        .iter()
        .filter(|r| r.id != LAST && kinds::applies(r.id, kind))
    {
        out.extend(run_rule(r, model, 0));
    }
    if let Some(last) = rule(LAST) {
        let errors = out.iter().filter(|d| d.severity == Severity::Error).count();
        out.extend(run_rule(last, model, errors));
    }
    out
}

/// Run one rule on its own (for tests and `--explain` examples).
pub fn run_rule(r: &'static Rule, model: &Model, errors_before: usize) -> Vec<Diagnostic> {
    let mut f = Findings::new(r);
    f.errors_before = errors_before;
    (r.check)(model, &mut f);
    f.into_diagnostics(model)
}

// ---------------------------------------------------------------------------------------------
// Safeguard coverage

/// How well a safeguard is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    /// Fields address it and no error or warning is open.
    Addressed,
    /// Fields address it, but errors or warnings are open.
    Partial,
    /// No field addresses it.
    Missing,
}

impl std::fmt::Display for Coverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Coverage::Addressed => "addressed",
            Coverage::Partial => "partial",
            Coverage::Missing => "missing",
        })
    }
}

/// One of IOM's seven safeguards, and how the agreement covers it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SafeguardCoverage {
    pub number: u8,
    pub name: &'static str,
    pub status: Coverage,
    /// Config fields (as written in the file) that address it, e.g. `purposes[0].indicators`.
    pub fields: Vec<String>,
    /// Rule ids with open errors or warnings for this safeguard.
    pub open_findings: Vec<String>,
}

/// The seven safeguards for re-using private-sector data in migration and humanitarian policy.
pub const SAFEGUARDS: [&str; 7] = [
    "Purpose, tools and indicators",
    "Partner due diligence",
    "Risk-benefit analysis and DPIA",
    "Research versus commercial use",
    "Informed consent and transparency",
    "Roles and responsibilities",
    "Storage, sharing and retention",
];

/// Fields that address each safeguard: per-entry keys under an array table, or top-level keys.
const SAFEGUARD_FIELDS: [&[&str]; 7] = [
    &[
        "purposes/*/description",
        "purposes/*/research_questions",
        "purposes/*/indicators",
        "purposes/*/methods",
        "purposes/*/expected_benefits",
        "purposes/*/necessity",
        "datasets/*/known_limitations",
    ],
    &["parties/*/due_diligence", "parties/*/certifications"],
    &[
        "dpia/status",
        "dpia/reference",
        "dpia/date",
        "dpia/residual_risk",
        "dpia/risk_benefit_summary",
        "dpia/risks",
        "dpia/group_harm_assessed",
        "dpia/prior_consultation",
    ],
    &[
        "purposes/*/commercial_use",
        "purposes/*/commercial_conditions",
        "use_restrictions/additional_prohibitions",
        "use_restrictions/excluded_authorities",
        "use_restrictions/permitted_linkage",
        "outputs/publication_allowed",
        "outputs/min_cell_size",
        "outputs/ip_owner",
        "outputs/co_owners",
        "outputs/licence",
        "outputs/licence_classes",
        "datasets/*/provenance",
    ],
    &[
        "consent/relied_on",
        "consent/method",
        "consent/withdrawal",
        "consent/languages",
        "consent/rationale",
        "consent/community_engagement",
        "transparency/notices",
        "transparency/exemption",
        "rights/contact_point",
        "rights/response_days",
    ],
    &[
        "parties/*/role",
        "flows/*/from_role",
        "flows/*/to_role",
        "flows/*/on_behalf_of",
        "flows/*/instructions",
        "legal_bases",
        "subprocessors",
        "audit",
    ],
    &[
        "storage",
        "flows/*/encryption_in_transit",
        "security/measures",
        "security/encryption_at_rest",
        "retention",
        "onward_sharing",
        "transfers",
        "breach",
    ],
];

/// How the agreement covers each of the seven safeguards (always seven entries).
pub fn coverage(model: &Model, findings: &[Diagnostic]) -> Vec<SafeguardCoverage> {
    let raw = &model.loaded.raw;
    (0..7u8)
        .map(|i| {
            let number = i + 1;
            let mut fields = Vec::new();
            for pattern in SAFEGUARD_FIELDS[i as usize] {
                for p in expand(raw, pattern) {
                    fields.push(crate::load::pointer_to_field(&p));
                }
            }
            let open: BTreeSet<String> = findings
                .iter()
                .filter(|d| d.severity >= Severity::Warning)
                .filter(|d| rule(&d.code).is_some_and(|r| r.safeguards.contains(&number)))
                .map(|d| d.code.clone())
                .collect();
            let mut open_findings: Vec<String> = open.into_iter().collect();
            open_findings.sort_by_key(|a| id_key(a));
            let status = if fields.is_empty() {
                Coverage::Missing
            } else if open_findings.is_empty() {
                Coverage::Addressed
            } else {
                Coverage::Partial
            };
            SafeguardCoverage {
                number,
                name: SAFEGUARDS[i as usize],
                status,
                fields,
                open_findings,
            }
        })
        .collect()
}

/// The pointers in `raw` matching `pattern` (`*` matches every index of an array).
fn expand(raw: &serde_json::Value, pattern: &str) -> Vec<String> {
    let mut out = vec![(String::new(), raw)];
    for seg in pattern.split('/') {
        let mut next = Vec::new();
        for (p, v) in out {
            if seg == "*" {
                if let Some(items) = v.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        next.push((format!("{p}/{i}"), item));
                    }
                }
            } else if let Some(child) = v.get(seg) {
                next.push((format!("{p}/{seg}"), child));
            }
        }
        out = next;
    }
    out.into_iter()
        .filter(|(_, v)| match v {
            serde_json::Value::Array(a) => !a.is_empty(),
            serde_json::Value::String(s) => !s.trim().is_empty(),
            serde_json::Value::Object(o) => !o.is_empty(),
            _ => true,
        })
        .map(|(p, _)| p)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the rule families

pub(crate) fn cfg(model: &Model) -> &Config {
    model.config()
}

/// The index and party with this id.
pub(crate) fn party<'a>(cfg: &'a Config, id: &str) -> Option<(usize, &'a Party)> {
    cfg.parties.iter().enumerate().find(|(_, p)| p.id == id)
}

/// The index and dataset with this id.
pub(crate) fn dataset<'a>(cfg: &'a Config, id: &str) -> Option<(usize, &'a Dataset)> {
    cfg.datasets.iter().enumerate().find(|(_, d)| d.id == id)
}

/// Personal data in law: identified or pseudonymised.
pub(crate) fn is_personal(ds: &Dataset) -> bool {
    ds.identifiability.is_personal()
}

/// Whether a flow carries any personal dataset.
pub(crate) fn flow_is_personal(cfg: &Config, flow: &crate::config::Flow) -> bool {
    flow.datasets
        .iter()
        .any(|id| dataset(cfg, id).is_some_and(|(_, d)| is_personal(d)))
}

/// Whether a value exists at `pointer` in the file as written (defaults do not count).
pub(crate) fn written(model: &Model, pointer: &str) -> bool {
    model.loaded.raw.pointer(pointer).is_some()
}

/// Number of words in a text.
pub(crate) fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

/// A string that is absent or blank.
pub(crate) fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// The first denylisted phrase found in `text` (case-insensitive).
pub(crate) fn find_phrase<'a>(text: &str, phrases: &[&'a str]) -> Option<&'a str> {
    let lower = text.to_lowercase();
    phrases.iter().copied().find(|p| lower.contains(p))
}

/// Whether duration `a` is longer than `b`, measured from the same start date.
pub(crate) fn longer(start: Date, a: Span, b: Span) -> bool {
    match (add_duration(start, a), add_duration(start, b)) {
        (Some(x), Some(y)) => x > y,
        _ => false,
    }
}

/// A list in prose: `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<&str> = items.iter().map(|s| s.as_ref()).collect();
    match items.len() {
        0 => String::new(),
        1 => items[0].to_owned(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Where a new entry of an array table goes: the array if the file has one, else the file.
pub(crate) fn table_or_root(model: &Model, table: &str) -> String {
    let p = format!("/{table}");
    if written(model, &p) { p } else { String::new() }
}

/// A model from config text, for the unit tests of the rule families.
#[cfg(test)]
pub(crate) fn test_model(text: &str) -> Model {
    let loaded =
        crate::load::load_str(std::path::Path::new("test.toml"), text).expect("test config loads");
    let mut model = crate::model::build(loaded).expect("test config checks");
    // As `build::build` does: each party's law frame, from the built-in library's profiles.
    static LAWS: std::sync::OnceLock<crate::library::laws::Laws> = std::sync::OnceLock::new();
    model.apply_laws(LAWS.get_or_init(|| {
        crate::library::Library::builtin()
            .expect("the built-in library loads")
            .laws
    }));
    model
}

/// The starter config with `from` replaced by `to` (exactly once).
#[cfg(test)]
pub(crate) fn starter_with(edits: &[(&str, &str)]) -> Model {
    let mut text = include_str!("../starter.toml").to_owned();
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` must occur once in the starter"
        );
        text = text.replacen(from, to, 1);
    }
    test_model(&text)
}

/// The ids of the rules that fire on a model.
#[cfg(test)]
pub(crate) fn fired(model: &Model) -> BTreeSet<String> {
    run(model).into_iter().map(|d| d.code).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_001_counts_errors_of_the_other_rules() {
        // The starter has errors (no due diligence, no DPIA…): final is then refused.
        let draft = starter_with(&[]);
        assert!(!fired(&draft).contains("DOC-001"));
        let final_ = starter_with(&[("status = \"draft\"", "status = \"final\"")]);
        let diags = run(&final_);
        let doc = diags
            .iter()
            .find(|d| d.code == "DOC-001")
            .expect("DOC-001 fires");
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error && d.code != "DOC-001")
            .count();
        assert!(
            doc.message.contains(&format!("{errors} open error")),
            "{}",
            doc.message
        );
        assert_eq!(
            diags.last().map(|d| d.code.as_str()),
            Some("DOC-001"),
            "DOC-001 runs last"
        );
    }

    #[test]
    fn missing_tables_point_at_the_file_and_say_what_to_add() {
        // Refugees in the data and half a million people: two WP248 criteria, so a DPIA is due.
        let m = starter_with(&[(
            "data_subjects = [\"mobile subscribers\"]",
            "data_subjects = [\"mobile subscribers\"]\nvulnerable_groups = [\"refugees\"]\nestimated_people = 500000",
        )]);
        let diags = run(&m);
        let risk = diags
            .iter()
            .find(|d| d.code == "RISK-001")
            .expect("this agreement needs a DPIA");
        assert_eq!(risk.field.as_deref(), Some("(top level)"));
        assert!(
            risk.help
                .as_deref()
                .unwrap_or_default()
                .contains("[dpia] table")
        );
        let gov = diags
            .iter()
            .find(|d| d.code == "GOV-004")
            .expect("no due diligence");
        assert_eq!(gov.field.as_deref(), Some("parties[0]"));
    }

    #[test]
    fn ids_are_unique_sorted_and_well_formed() {
        let ids: Vec<&str> = rules().iter().map(|r| r.id).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate rule ids");
        for r in rules() {
            let (fam, num) = r.id.split_once('-').expect("FAM-NNN");
            assert!(
                [
                    "ROLE", "PURP", "DATA", "LAW", "RISK", "TRANS", "SEC", "XFER", "RET", "GOV",
                    "DOC", "FIT", "TXT", "KIND", "OUT"
                ]
                .contains(&fam),
                "{}",
                r.id
            );
            assert!(
                num.len() == 3 && num.chars().all(|c| c.is_ascii_digit()),
                "{}",
                r.id
            );
            assert!(
                !r.title.is_empty() && !r.help.is_empty() && !r.source.is_empty(),
                "{}",
                r.id
            );
            assert!(
                r.explain.len() > 80,
                "{} needs an explanation paragraph",
                r.id
            );
            assert!(
                !r.safeguards.is_empty() && r.safeguards.iter().all(|s| (1..=7).contains(s)),
                "{}",
                r.id
            );
        }
        let mut sorted = ids.clone();
        sorted.sort_by_key(|a| id_key(a));
        assert_eq!(sorted, ids);
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(rule("ret-001").map(|r| r.id), Some("RET-001"));
        assert!(rule("NOPE-001").is_none());
    }

    #[test]
    fn prose_helpers() {
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(words("  two   words "), 2);
        let start = jiff::civil::date(2026, 1, 31);
        assert!(longer(
            start,
            Span::new().years(1).days(1),
            Span::new().months(12)
        ));
        assert!(!longer(start, Span::new().months(12), Span::new().years(1)));
        // Counted on the calendar from the start: a month from 31 January is 28 February.
        assert!(!longer(start, Span::new().months(1), Span::new().days(28)));
    }

    #[test]
    fn expand_patterns() {
        let raw = serde_json::json!({"purposes": [{"indicators": ["x"]}, {"indicators": []}], "dpia": {"status": "completed"}});
        assert_eq!(
            expand(&raw, "purposes/*/indicators"),
            vec!["/purposes/0/indicators"]
        );
        assert_eq!(expand(&raw, "dpia/status"), vec!["/dpia/status"]);
        assert!(expand(&raw, "storage").is_empty());
    }
}
