//! The agreement as written: each thing said once, each defined term in one form, each
//! obligation with one period, and no statement that the config lacks what it records.
//!
//! These rules read the rendered Markdown, so they run once the agreement is rendered:
//! [`after_render`], called by the build. Their entries in [`rules`] carry the title, help and
//! explanation `datapact check --explain` prints. The built-in clause library is held to them
//! on every example and test deal (`tests/deals.rs`); in a user's agreement they fire on what
//! the config's own text adds (a purpose written out twice, "this agreement" in a free-text
//! field) or on what a library folder's clauses say.

use crate::diag::{Diagnostic, Severity};
use crate::model::Model;
use crate::review;

use super::{Findings, Rule};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "TXT-001",
            severity: Severity::Warning,
            title: "No sentence is said twice",
            help: "say it once: keep the text in one field (or one clause) and leave it out of the other",
            source: "Joint Practical Guide for persons involved in the drafting of EU legislation (2015), guideline 1 (clear, simple, precise)",
            safeguards: &[6],
            explain: "A sentence of eight words or more that appears twice in an agreement is either redundant or, \
once one copy is edited, a contradiction. It usually comes from the same text in two config fields (a \
purpose's description repeated as a risk, one exemption reason given for two parties) or from a clause \
library whose clauses restate each other. Runs after rendering.",
            check: after_render_only,
        },
        Rule {
            id: "TXT-002",
            severity: Severity::Warning,
            title: "A defined term is written only in its defined form",
            help: "write the term as it is defined (\"this Agreement\", \"Personal Data\"), or use other words where the ordinary meaning is meant",
            source: "Joint Practical Guide for persons involved in the drafting of EU legislation (2015), guideline 14 (consistent terminology)",
            safeguards: &[6],
            explain: "A defined term means one thing only if it is always written the same way: \"this agreement\" beside \
\"this Agreement\" invites the argument that the two differ. The terms are the agreement's own definitions; \
a term of two or more words is looked for in any other capitalisation, a one-word term after \"this\". \
Headings, clause titles and the definitions' own wording are left out. Runs after rendering.",
            check: after_render_only,
        },
        Rule {
            id: "TXT-003",
            severity: Severity::Warning,
            title: "One obligation carries one period",
            help: "state the period once, in the config field or clause that owns it, and refer to it elsewhere",
            source: "Joint Practical Guide for persons involved in the drafting of EU legislation (2015), guidelines 1 and 14",
            safeguards: &[6, 7],
            explain: "The same obligation stated with two periods (\"correct it within 5 working days\" in one clause, \
\"within 10 days\" in another) cannot both be met and will be argued over. An obligation is known by the \
words that lead up to \"within\"; every period of the built-in clauses comes from one config value or one \
constant of the library (`[periods]` in sections.toml). Runs after rendering.",
            check: after_render_only,
        },
        Rule {
            id: "TXT-004",
            severity: Severity::Error,
            title: "What the text says is not recorded is not recorded",
            help: "remove the statement from the free text that makes it, or fix the clause condition that lets it in",
            source: "IOM GDI (2022) recommendation 6 (roles and responsibilities stated truly)",
            safeguards: &[6],
            explain: "An agreement says plainly what its config leaves out (\"No fields are listed for …\", \"No residual \
risk level is recorded\", \"No notice is declared\") and attaches a duty to the gap. Such a statement is a \
fact about the config, and a false one imposes a duty that does not exist and contradicts the annex that gives \
the value. This rule reads each such statement in the rendered text and checks it against the config. Runs \
after rendering.",
            check: after_render_only,
        },
    ]
}

/// TXT-001 to TXT-004 need the rendered text; [`after_render`] runs them.
fn after_render_only(_: &Model, _: &mut Findings) {}

/// TXT-001 to TXT-004 on an agreement's rendered Markdown. A finding points at the
/// config field whose text it comes from, when one does; else the text is the clause library's.
pub fn after_render(model: &Model, markdown: &str) -> Vec<Diagnostic> {
    let rule = |id| super::rule(id).expect("TXT rules are registered");
    let markdown = &without_findings_annex(markdown);
    let raw = &model.loaded.raw;
    let mut twice = Findings::new(rule("TXT-001"));
    for (sentence, n) in review::repeated_sentences(markdown) {
        let plain = crate::render::md_text(&sentence);
        let at = field_with(raw, &plain, "");
        twice.at(
            at.clone(),
            format!("said {n} times{}: “{plain}”", from(&at)),
        );
    }
    let mut forms = Findings::new(rule("TXT-002"));
    for f in review::term_forms(markdown) {
        let at = field_with(raw, &f.found, "");
        forms.at(
            at.clone(),
            format!(
                "“{}” is written “{}” {} time{}{}",
                f.term,
                f.found,
                f.count,
                if f.count == 1 { "" } else { "s" },
                from(&at)
            ),
        );
    }
    let mut periods = Findings::new(rule("TXT-003"));
    for c in review::period_conflicts(markdown) {
        let at = c
            .periods
            .iter()
            .map(|p| field_with(raw, &format!("within {p}"), ""))
            .find(|p| !p.is_empty())
            .unwrap_or_default();
        periods.at(
            at.clone(),
            format!(
                "“{} within …” is given {}{}",
                c.obligation,
                c.periods
                    .iter()
                    .map(|p| format!("“{p}”"))
                    .collect::<Vec<_>>()
                    .join(" and "),
                from(&at)
            ),
        );
    }
    let mut facts = Findings::new(rule("TXT-004"));
    for (statement, pointer) in untrue_absences(model, markdown) {
        facts.at(
            pointer,
            format!("the agreement says “{statement}”, but the config records it"),
        );
    }
    let mut out = twice.into_diagnostics(model);
    out.extend(forms.into_diagnostics(model));
    out.extend(periods.into_diagnostics(model));
    out.extend(facts.into_diagnostics(model));
    out
}

/// Statements that the config records nothing for a field, where the config does record it:
/// each with the pointer of the value that contradicts it.
pub fn untrue_absences(model: &Model, markdown: &str) -> Vec<(String, String)> {
    let cfg = model.config();
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    let dataset = |title: &str| cfg.datasets.iter().position(|d| d.title == title);
    let mut out = Vec::new();
    for line in markdown.lines() {
        let text = crate::render::md_text(line);
        // The titles a statement quotes: “…”.
        let quoted: Vec<&str> = text
            .split('“')
            .skip(1)
            .filter_map(|t| t.split_once('”').map(|(q, _)| q))
            .collect();
        let mut said = |statement: &str, pointer: String| {
            out.push((statement.to_owned(), pointer));
        };
        if text.contains("No fields are listed for") {
            for q in &quoted {
                if let Some(i) = dataset(q).filter(|&i| !cfg.datasets[i].fields.is_empty()) {
                    said(
                        &format!("No fields are listed for “{q}”"),
                        format!("/datasets/{i}/fields"),
                    );
                }
            }
        }
        if text.contains("No legal basis is recorded for the collection of") {
            for q in &quoted {
                if let Some(i) =
                    dataset(q).filter(|&i| !blank(&cfg.datasets[i].provenance.original_basis))
                {
                    said(
                        &format!("No legal basis is recorded for the collection of “{q}”"),
                        format!("/datasets/{i}/provenance/original_basis"),
                    );
                }
            }
        }
        if text.contains("No residual risk level is recorded") && cfg.dpia.residual_risk.is_some() {
            said(
                "No residual risk level is recorded",
                "/dpia/residual_risk".into(),
            );
        }
        if text.contains("No balance of risks and benefits is recorded")
            && !blank(&cfg.dpia.risk_benefit_summary)
        {
            said(
                "No balance of risks and benefits is recorded",
                "/dpia/risk_benefit_summary".into(),
            );
        }
        if text.contains("No notice is declared") && !cfg.transparency.notices.is_empty() {
            said("No notice is declared", "/transparency/notices".into());
        }
        if text.contains("No method, languages or withdrawal procedure is declared")
            && !(blank(&cfg.consent.method)
                && blank(&cfg.consent.withdrawal)
                && cfg.consent.languages.is_empty())
        {
            said(
                "No method, languages or withdrawal procedure is declared",
                "/consent".into(),
            );
        }
    }
    out
}

/// The agreement without the open-findings annex of a draft, which quotes `check`'s own
/// messages rather than agreeing anything.
fn without_findings_annex(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut skipping = false;
    for line in markdown.lines() {
        if line.starts_with("## ") {
            skipping = line.contains("{#annex-findings");
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Where the text of a finding comes from, for its message.
fn from(pointer: &str) -> &'static str {
    if pointer.is_empty() {
        " (in the clause library's text)"
    } else {
        ""
    }
}

/// The JSON pointer of the first config string that contains `needle` (case-insensitively for
/// whole sentences, exactly for a term's form), or "" when none does.
fn field_with(v: &serde_json::Value, needle: &str, at: &str) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            let hit = if needle.split_whitespace().count() >= 8 {
                // A sentence: the field holds its start, or the sentence holds the field's
                // whole text (after a label such as "Event logging (the Institute): ").
                let (s, needle) = (s.to_lowercase(), needle.to_lowercase());
                let head: String = needle
                    .split_whitespace()
                    .take(8)
                    .collect::<Vec<_>>()
                    .join(" ");
                s.contains(&head)
                    || (s.split_whitespace().count() >= 8
                        && needle.contains(s.trim_end_matches('.')))
            } else {
                s.contains(needle)
            };
            if hit { at.to_owned() } else { String::new() }
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| field_with(x, needle, &format!("{at}/{i}")))
            .find(|p| !p.is_empty())
            .unwrap_or_default(),
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| field_with(x, needle, &format!("{at}/{k}")))
            .find(|p| !p.is_empty())
            .unwrap_or_default(),
        _ => String::new(),
    }
}
