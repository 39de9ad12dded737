//! Fit to the deal: no clause forbids what a purpose is for, states a fact the config
//! contradicts, or binds a party to keep data it never holds.
//!
//! Two kinds of rule live here. FIT-004 to FIT-006 look at the config alone and run with the
//! other rules. FIT-001 to FIT-003 compare the clauses an agreement includes (their `forbids`
//! and `assumes` front matter) with the config, so they run once the clauses are selected:
//! [`after_selection`], called by the build. Their entries in [`rules`] carry the title, help
//! and explanation `datapact check --explain` prints; their `check` there has nothing to look
//! at (it sees no clauses) and so reports nothing.

use crate::config::{AccessMode, CommercialUse, Identifiability, UseKind};
use crate::diag::{Diagnostic, Severity};
use crate::library::{Act, Fact, Library, Reason, Selection};
use crate::model::Model;

use super::{Findings, Rule, cfg};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "FIT-001",
            severity: Severity::Error,
            title: "No clause forbids what a declared purpose is for",
            help: "set the purpose's `use` to the kind of use it is, or leave the clause out with [clauses] exclude = [{ id = \"…\", reason = \"…\" }]",
            source: "IOM GDI (2022) recommendation 1 (a clear purpose); GDPR Art. 5(1)(b)",
            safeguards: &[1, 4],
            explain: "A clause may forbid an act (deciding about a particular person, contacting people, use \
for immigration decisions, giving a donor access) that a purpose of the deal needs: paying beneficiaries, \
registering refugees for documents, verifying a sample of records. Each clause declares what it forbids in \
its front matter (`forbids`), and each purpose's kind of use (`use`) says what it needs. An agreement \
whose clauses forbid what its purpose is for cannot be performed; this rule refuses it. Runs after clause \
selection.",
            check: after_selection_only,
        },
        Rule {
            id: "FIT-002",
            severity: Severity::Error,
            title: "No clause states a fact the config contradicts",
            help: "leave the clause out with [clauses] exclude, or correct the config if the fact holds",
            source: "IOM GDI (2022) recommendation 6 (roles and responsibilities)",
            safeguards: &[6, 7],
            explain: "A clause may rest on a fact about the deal: that the data is personal (and so that \
people have rights in it), that a recipient holds a copy (and so must delete it), that a party is a \
processor, that every purpose is research. Each clause declares these in its front matter (`assumes`); \
this rule refuses an agreement that includes a clause whose fact the config does not bear out, such as \
rights duties for non-personal data or deletion duties for a party that only works inside the provider's \
environment. Runs after clause selection.",
            check: after_selection_only,
        },
        Rule {
            id: "FIT-003",
            severity: Severity::Warning,
            title: "A clause left out names the safeguard it served",
            help: "keep the clause, or record why it is left out (the finding then stays as info): [clauses] exclude = [{ id = \"…\", reason = \"…\" }]",
            source: "IOM GDI (2022), the seven safeguards",
            safeguards: &[1, 2, 3, 4, 5, 6, 7],
            explain: "Every default clause can be left out, but a clause that serves one of the seven \
safeguards leaves a gap when it goes. This finding names the clause, the safeguards it served and the \
reason recorded for leaving it out, so that a reviewer sees what was given up. Runs after clause selection.",
            check: after_selection_only,
        },
        Rule {
            id: "FIT-004",
            severity: Severity::Error,
            title: "No storage or retention of shared data at a party that holds no copy",
            help: "remove the entry; write datasets = [\"derived\"] for storage that holds only outputs released to the party; or set access = \"copy\" on the flow if the party does receive a copy",
            source: "Five Safes (safe settings); ONS Secure Research Service; deal-dimensions: access modes",
            safeguards: &[7],
            explain: "A party that works inside another party's secure environment, sends code to the data, \
or processes data on the provider's own systems never holds the data. Storage or retention entries that \
name a shared dataset at such a party would make the agreement say it holds the data and must delete it. \
Only outputs released to it (`derived`) can be stored or retained there.",
            check: fit_004,
        },
        Rule {
            id: "FIT-005",
            severity: Severity::Error,
            title: "Personal data says whom it is about and what it holds",
            help: "add data_subjects = [\"…\"] and data_categories = [\"…\"] to the dataset, or set identifiability to what the data is",
            source: "GDPR Art. 30(1)(c); SCC Annex I.B",
            safeguards: &[1, 7],
            explain: "For personal data (identified or pseudonymised), the categories of people and of data \
decide which duties apply: special categories, children, vulnerable groups. They may be left out only \
for data that is not about people.",
            check: fit_005,
        },
        Rule {
            id: "FIT-006",
            severity: Severity::Warning,
            title: "No data-protection records for data that is not personal",
            help: "remove the entries: the agreement imposes no data-protection duties for data that is not personal",
            source: "GDPR Recital 26; deal-dimensions: nature of the data",
            safeguards: &[3, 5],
            explain: "Legal bases, notices to the people in the data and consent arrangements belong to \
personal data. Where every dataset is anonymised, aggregated or not about people, the agreement has no \
legal-basis register, notices or rights section, and these entries describe duties that do not exist. \
What matters for such data is its confidentiality, disclosure control and harm to groups.",
            check: fit_006,
        },
    ]
}

/// FIT-001 to FIT-003 need the selected clauses; [`after_selection`] runs them.
fn after_selection_only(_: &Model, _: &mut Findings) {}

/// What a kind of use needs to be allowed to do.
fn needs(u: UseKind) -> &'static [Act] {
    match u {
        UseKind::Research => &[],
        UseKind::Delivery => &[Act::IndividualDecisions, Act::ContactPeople],
        UseKind::OfficialFunctions => &[Act::IndividualDecisions, Act::EnforcementUse],
        UseKind::Emergency => &[Act::IndividualDecisions, Act::ContactPeople],
        UseKind::Audit => &[Act::DonorAccess],
    }
}

/// Whether the config bears out a fact a clause states.
fn holds(model: &Model, f: Fact) -> bool {
    let d = &model.derived;
    match f {
        Fact::PersonalData => d.has_personal_data,
        Fact::RecipientCopy => d.has_copies,
        Fact::Environment => d.has_environment,
        Fact::Processor => !d.processors.is_empty(),
        Fact::ResearchOnly => d.research_only,
    }
}

/// FIT-001, FIT-002 and FIT-003 on the clauses an agreement includes and leaves out.
pub fn after_selection(model: &Model, lib: &Library, selection: &Selection) -> Vec<Diagnostic> {
    let c = cfg(model);
    let rule = |id| super::rule(id).expect("FIT rules are registered");
    let mut forbids = Findings::new(rule("FIT-001"));
    let mut facts = Findings::new(rule("FIT-002"));
    let mut lost = Findings::new(rule("FIT-003"));
    for e in &selection.entries {
        let Some(clause) = lib.clause(&e.clause) else {
            continue;
        };
        let m = &clause.meta;
        if !e.included {
            if let Reason::Excluded(reason) = &e.reason
                && !m.safeguards.is_empty()
            {
                let names: Vec<String> = m
                    .safeguards
                    .iter()
                    .map(|n| {
                        format!(
                            "{n}. {}",
                            super::SAFEGUARDS[usize::from(*n).saturating_sub(1).min(6)]
                        )
                    })
                    .collect();
                let f = lost.at(
                    "/clauses/exclude",
                    format!(
                        "clause `{}` ({}) is left out; it served safeguard {}{}",
                        m.id,
                        m.title,
                        crate::library::join_words(&names, "and"),
                        match reason {
                            Some(r) => format!(" (reason given: {r})"),
                            None => " (no reason given)".to_owned(),
                        }
                    ),
                );
                if reason.is_some() {
                    f.info().help(
                        "nothing to do: the reason is recorded for reviewers; keep the clause if the safeguard still needs it",
                    );
                }
            }
            continue;
        }
        for act in &m.forbids {
            for (i, p) in c.purposes.iter().enumerate() {
                let u = p.use_kind();
                let commercial = *act == Act::CommercialUse
                    && p.commercial_use == CommercialUse::PermittedWithConditions;
                if needs(u).contains(act) || commercial {
                    let why = if commercial {
                        "it allows commercial use (commercial_use = \"permitted_with_conditions\")"
                            .to_owned()
                    } else {
                        format!("its use is `{}`", u.as_str())
                    };
                    forbids.at(format!("/purposes/{i}"), format!(
                        "clause `{}` ({}) forbids {}, which purpose `{}` needs: {why}",
                        m.id, m.title, act.describe(), p.id
                    )).help(format!(
                        "if `{}` is what the purpose is for, leave the clause out: {}; if not, {}",
                        act.describe(),
                        if matches!(e.reason, Reason::Included) {
                            format!("remove \"{}\" from [clauses] include", m.id)
                        } else {
                            format!("[clauses] exclude = [{{ id = \"{}\", reason = \"…\" }}]", m.id)
                        },
                        if commercial { format!("set commercial_use = \"prohibited\" on purpose `{}`", p.id) } else { format!("set use = \"research\" on purpose `{}`", p.id) }
                    ));
                }
            }
        }
        for fact in &m.assumes {
            if !holds(model, *fact) {
                facts.at("", format!(
                    "clause `{}` ({}) states that {}, but the config says otherwise",
                    m.id, m.title, fact.describe()
                )).help(match (e.reason.clone(), fact) {
                    (Reason::Included, _) => format!("remove \"{}\" from [clauses] include", m.id),
                    (_, _) => format!(
                        "the clause's condition (`when`) lets it in where its fact does not hold: fix the condition in the clause library, or leave it out with [clauses] exclude = [{{ id = \"{}\", reason = \"…\" }}]",
                        m.id
                    ),
                });
            }
        }
    }
    let mut out = forbids.into_diagnostics(model);
    out.extend(facts.into_diagnostics(model));
    out.extend(lost.into_diagnostics(model));
    out
}

fn fit_004(model: &Model, f: &mut Findings) {
    let c = cfg(model);
    let d = &model.derived;
    let only_access = |party: &str| d.access_only.iter().any(|p| p == party);
    let mode_of = |party: &str| {
        d.flows
            .iter()
            .find(|fl| fl.to == party && !fl.holds_copy)
            .map(|fl| (fl.id.clone(), fl.access, fl.host.clone()))
    };
    let how = |party: &str| match mode_of(party) {
        Some((flow, AccessMode::RemoteAccess, host)) => {
            format!("works inside `{host}`'s secure environment (flow `{flow}`)")
        }
        Some((flow, AccessMode::CodeToData, host)) => {
            format!("sends code that `{host}` runs on the data (flow `{flow}`)")
        }
        Some((flow, _, _)) => format!("works on the provider's own systems (flow `{flow}`)"),
        None => "holds no copy".to_owned(),
    };
    for (i, s) in c.storage.iter().enumerate() {
        // Storage that is not limited to outputs holds what the party receives.
        let shared: Vec<&String> = s.datasets.iter().filter(|d| *d != "derived").collect();
        if only_access(&s.party) && (s.datasets.is_empty() || !shared.is_empty()) {
            f.at(
                format!("/storage/{i}"),
                format!(
                    "`{}` {} and holds no copy of the shared data, but this storage entry says it keeps {}",
                    s.party,
                    how(&s.party),
                    if shared.is_empty() { "what it receives".to_owned() } else { format!("`{}`", shared.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("`, `")) }
                ),
            );
        }
    }
    for (i, r) in c.retention.iter().enumerate() {
        if r.dataset == "derived" {
            continue;
        }
        if let Some(p) = &r.party
            && only_access(p)
        {
            f.at(
                format!("/retention/{i}"),
                format!(
                    "`{p}` {} and never holds `{}`, but this retention entry sets how long it keeps it",
                    how(p),
                    r.dataset
                ),
            )
            .help(format!(
                "remove the entry (the host's own retention of `{}` applies), or use dataset = \"derived\" for the outputs released to `{p}`",
                r.dataset
            ));
        }
    }
}

fn fit_005(model: &Model, f: &mut Findings) {
    for (i, ds) in cfg(model).datasets.iter().enumerate() {
        if !ds.identifiability.is_personal() {
            continue;
        }
        for (field, empty) in [
            ("data_subjects", ds.data_subjects.is_empty()),
            ("data_categories", ds.data_categories.is_empty()),
        ] {
            if empty {
                f.at(
                    format!("/datasets/{i}"),
                    format!(
                        "dataset `{}` is personal data ({}) but has no {field}",
                        ds.id,
                        ds.identifiability.as_str()
                    ),
                );
            }
        }
    }
}

fn fit_006(model: &Model, f: &mut Findings) {
    if model.derived.has_personal_data {
        return;
    }
    let c = cfg(model);
    let kinds: Vec<&str> = c
        .datasets
        .iter()
        .map(|d| match d.identifiability {
            Identifiability::NonPersonal => "not about people",
            _ => d.identifiability.as_str(),
        })
        .collect();
    let why = format!(
        "no dataset is personal data ({})",
        crate::library::join_words(
            &kinds.iter().fold(Vec::new(), |mut v: Vec<String>, k| {
                if !v.iter().any(|x| x == k) {
                    v.push((*k).to_owned());
                }
                v
            }),
            "and"
        )
    );
    if !c.legal_bases.is_empty() {
        f.at(
            "/legal_bases",
            format!("legal bases are declared, but {why}"),
        );
    }
    if !c.transparency.notices.is_empty() {
        f.at(
            "/transparency",
            format!("notices to the people in the data are declared, but {why}"),
        );
    }
    if c.consent.relied_on {
        f.at(
            "/consent/relied_on",
            format!("consent is relied on, but {why}"),
        );
    }
}
