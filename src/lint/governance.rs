//! Governance, lifecycle and document quality (safeguards 2 and 6): review, term, audit, due
//! diligence, law and forum, outputs, and readiness to sign.

use crate::config::{
    AccessMode, DisputeMechanism, DocumentKind, DueDiligenceOutcome, DueDiligenceScope,
    LiabilityModel, Status, Survival,
};
use crate::diag::Severity;
use jiff::Span;

use crate::dates::add_duration;
use crate::model::{Model, Relationship};

use super::{Findings, Rule, and_list, blank, cfg, longer};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "GOV-001",
            severity: Severity::Error,
            title: "The agreement is reviewed at least every 5 years (every 24 months recommended)",
            help: "set agreement.review_interval to \"P12M\" or \"P24M\"",
            source: "ICO Data Sharing Code (regular review); Irish Data Sharing and Governance Act 2019 s.20 (review at most every 5 years)",
            safeguards: &[6],
            explain: "A data-sharing agreement is reviewed regularly to check that the sharing is still \
necessary, that the data is still suitable and that the safeguards work. Review intervals over five years are \
an error; over 24 months, a warning; so is an interval that puts the first review after the end of the term.",
            check: gov_001,
        },
        Rule {
            id: "GOV-002",
            severity: Severity::Warning,
            title: "The term is bounded and data leaves promptly at exit",
            help: "keep the term to 5 years or less, and term.exit_days to 90 or fewer",
            source: "SCC Cl. 16; Decision 2021/915 Cl. 10; ICO Data Sharing Code (termination)",
            safeguards: &[7],
            explain: "A data-sharing agreement runs for a defined term tied to its purpose. Terms longer than five \
years outlive most projects, and an exit period of more than 90 days to return or delete the data keeps it \
without purpose after the agreement ends.",
            check: gov_002,
        },
        Rule {
            id: "GOV-003",
            severity: Severity::Error,
            title: "Audit and information rights exist (required for processors)",
            help: "set [audit] max_per_year to 1 or more",
            source: "GDPR Art. 28(3)(h); SCC Cl. 8.9",
            safeguards: &[2, 6],
            explain: "A processor makes available all information needed to demonstrate compliance and allows \
for audits by the controller (Art. 28(3)(h) GDPR): an agreement with processor flows that allows no audit is \
an error. Between controllers, audit or compliance reporting is good practice (warning).",
            check: gov_003,
        },
        Rule {
            id: "GOV-004",
            severity: Severity::Error,
            title: "Each partner passed due diligence shortly before the agreement",
            help: "add due_diligence = { date = …, scope = [\"values_alignment\", \"security_practices\", …], outcome = \"approved\" } to the party",
            source: "IOM safeguard 2 (partner due diligence); GDPR Art. 28(1); UN Global Pulse / UNDG guidance on private-sector partnerships",
            safeguards: &[2],
            explain: "IOM's second safeguard asks for due diligence on private-sector partners: their values, \
reputation, security practices, sanctions and conflicts of interest. Each party records the assessment done \
on it. A missing, pending or rejected assessment is an error; an assessment older than 12 months at the \
effective date, or dated after it, is a warning, as is an approval whose conditions are not written down. A \
processor must offer sufficient guarantees (Art. 28(1) GDPR): its assessment covers security practices or it \
holds a certification. The party that drafts the agreement and assessed the others (`agreement.drafted_by`) \
needs no assessment of itself.",
            check: gov_004,
        },
        Rule {
            id: "GOV-005",
            severity: Severity::Warning,
            title: "Governing law and forum are declared and fit the parties",
            help: "set agreement.governing_law and agreement.forum (or [disputes] mechanism = \"arbitration\" and seat)",
            source: "SCC 2021/914 Cl. 17-18; ICRC Handbook (privileges and immunities)",
            safeguards: &[6],
            explain: "The agreement must say which law governs it and where disputes are settled. A party with \
privileges and immunities (most international organisations) cannot submit to national courts, so disputes \
go to arbitration, with a seat, or are settled by negotiation only (`settlement`). Disputes before courts \
with no governing law or forum chosen are an error: datapact never picks a party's national law for the \
parties.",
            check: gov_005,
        },
        Rule {
            id: "GOV-006",
            severity: Severity::Warning,
            title: "Published outputs pass disclosure control",
            help: "set [outputs] min_cell_size to 10 or more and review_days to at least 1",
            source: "Five Safes (safe outputs); OCHA statistical disclosure control; IOM safeguard 4",
            safeguards: &[4, 7],
            explain: "Publication is where aggregated data most often leaks: small cells and dominant \
contributors can reveal individuals or a provider's business data. When outputs may be published, cells \
under 10 are suppressed and the provider has time to review outputs before release.",
            check: gov_006,
        },
        Rule {
            id: "GOV-009",
            severity: Severity::Error,
            title: "A liability cap states its amount",
            help: "add cap = \"EUR 250,000\" (or the amount agreed) to [liability], or use model = \"uncapped\"",
            source: "SCC Cl. 12; ICO Data Sharing Code (liability)",
            safeguards: &[6],
            explain: "A mutual liability cap without an amount cannot be rendered into an enforceable clause. \
State the cap; breaches of data-protection obligations stay outside it.",
            check: gov_009,
        },
        Rule {
            id: "GOV-010",
            severity: Severity::Error,
            title: "Processor flows are covered by a binding agreement",
            help: "make the processor's terms a binding document (a config with agreement.kind = \"processor_terms\"), or make the parties controllers",
            source: "GDPR Art. 28(3), 28(9) (processing governed by a contract or legal act, in writing)",
            safeguards: &[6],
            explain: "Processing by a processor must be governed by a contract or other legal act that is binding \
on the processor (Art. 28(3) GDPR). A deliberately non-binding protocol cannot carry processor flows.",
            check: gov_010,
        },
        Rule {
            id: "GOV-011",
            severity: Severity::Error,
            title: "A term that ends on an event has a backstop date",
            help: "set term.end_date to the latest date the agreement may run (e.g. end_date = 2027-12-31); it then ends on the event or that date, whichever comes first",
            source: "GDPR Art. 5(1)(e) (storage limitation); EU SCC 2021/914 Annex I.B (duration); ICO Data Sharing Code (period of the sharing)",
            safeguards: &[7],
            explain: "An agreement may end on an event whose date nobody knows in advance: the end of a declared \
emergency, of a programme. Such events can be postponed, extended or never formally declared, and the sharing \
would then run without end. `term.end_event` therefore needs `term.end_date` (or `term.duration`) as a backstop: \
the agreement ends on the event or on that date, whichever comes first. Without one, datapact would fall back on \
its default term of 24 months, which nobody chose.",
            check: gov_011,
        },
        Rule {
            id: "GOV-012",
            severity: Severity::Error,
            title: "Terms of leaving are set only for an agreement of three or more parties",
            help: "remove term.withdrawal_notice_days, term.withdrawal_copies and term.withdrawal_provided_data: between two parties, a party that leaves ends the agreement, and termination_notice_days and exit_days apply",
            source: "ICO Data Sharing Code (termination)",
            safeguards: &[6, 7],
            explain: "`term.withdrawal_notice_days`, `withdrawal_copies` and `withdrawal_provided_data` say how one \
party leaves an agreement that continues among the others: its notice, what it does with its copies of the \
others' data and what the others do with the data it provided. Between two parties nobody remains, so leaving \
is termination (`termination_notice_days`, `exit_days`); a protocol has its own withdrawal clause. Set on such \
a document, the fields would appear nowhere in its text.",
            check: gov_012,
        },
        Rule {
            id: "GOV-013",
            severity: Severity::Error,
            title: "The obligations that survive the end cover the data still held after it",
            help: "add \"disposal\" and \"use_restrictions\" to term.survives",
            source: "GDPR Art. 28(3)(g); EU SCC 2021/914 Clause 16(d); GDPR Art. 5(1)(b) and (e)",
            safeguards: &[7],
            explain: "`term.survives` chooses which obligations continue after the agreement ends. Where a party \
holds a copy of the data, it has `exit_days` after the end to delete or return it and certify that it did: \
leaving out `disposal` would end that duty with the agreement, an error. Leaving out `use_restrictions` \
frees what a party may keep by law from the limits on its use; leaving out `confidentiality` with \
confidential datasets, or `audit` where a processor holds data, removes the check that the data was \
disposed of: warnings.",
            check: gov_013,
        },
        Rule {
            id: "DOC-001",
            severity: Severity::Error,
            title: "A final agreement has no open errors",
            help: "fix the errors reported, or set agreement.status = \"draft\" until they are fixed",
            source: "Accountability, GDPR Art. 5(2)",
            safeguards: &[1, 2, 3, 4, 5, 6, 7],
            explain: "`status = \"final\"` says the agreement is ready to sign. Error-level findings are gaps that \
make it unlawful or incomplete, so a final agreement may have none. Drafts may circulate with errors.",
            check: doc_001,
        },
        Rule {
            id: "DOC-002",
            severity: Severity::Error,
            title: "No placeholders are left in the agreement",
            help: "replace the placeholder with the real value",
            source: "Accountability, GDPR Art. 5(2)",
            safeguards: &[1, 2, 3, 4, 5, 6, 7],
            explain: "Placeholders such as TODO, TBD, \"[insert …]\" or \"…\" would be printed in the agreement. \
In a final agreement they are errors; in a draft, warnings.",
            check: doc_002,
        },
        Rule {
            id: "GOV-016",
            severity: Severity::Warning,
            title: "Ethics approval is asked of a party that sends or receives data",
            help: "remove the party from oversight.ethics_approval, or name the party whose processing needs the approval",
            source: "GDPR Art. 89(1); Declaration of Helsinki (2024), para. 23",
            safeguards: &[3, 6],
            explain: "`oversight.ethics_approval` lists the parties whose own ethics approval must be in place \
before data flows to or from them. A party that is in no flow never sends or receives data, so the condition \
binds nothing; usually another party was meant.",
            check: gov_016,
        },
    ]
}

fn gov_001(m: &Model, f: &mut Findings) {
    let a = &cfg(m).agreement;
    let start = a.effective_date;
    let every = a.review_interval.span();
    if longer(start, every, Span::new().years(5)) {
        f.at(
            "/agreement/review_interval",
            format!(
                "the agreement is reviewed every {}, more than 5 years",
                a.review_interval
            ),
        );
    } else if longer(start, every, Span::new().months(24)) {
        f.at(
            "/agreement/review_interval",
            format!(
                "the agreement is reviewed every {}, more than 24 months",
                a.review_interval
            ),
        )
        .warning();
    }
    // A first review due after the agreement has ended would never take place.
    if let (Some(first), Some(end)) = (a.review_interval.after(start), m.derived.dates.end)
        && first > end
    {
        f.at(
            "/agreement/review_interval",
            format!(
                "the first review is due on {first}, after the agreement ends on {end}: it would never take place"
            ),
        )
        .warning()
        .help("shorten agreement.review_interval so that a review falls within the term");
    }
}

fn gov_002(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    if let (Some(end), Some(limit)) = (
        m.derived.dates.end,
        add_duration(c.agreement.effective_date, Span::new().years(5)),
    ) && end > limit
    {
        let at = if c.term.end_date.is_some() {
            "/term/end_date"
        } else {
            "/term/duration"
        };
        f.at(
            at,
            format!("the agreement runs until {end}, more than 5 years"),
        );
    }
    if c.term.exit_days > 90 {
        f.at(
            "/term/exit_days",
            format!(
                "data may be kept {} days after the agreement ends",
                c.term.exit_days
            ),
        );
    }
}

fn gov_003(m: &Model, f: &mut Findings) {
    let d = &m.derived;
    if cfg(m).audit.max_per_year > 0 {
        return;
    }
    let processor = d.flows.iter().any(|x| {
        matches!(
            x.relationship,
            Relationship::ControllerToProcessor | Relationship::ProcessorToProcessor
        )
    });
    if processor {
        f.at(
            "/audit/max_per_year",
            "processors act for a controller, but the agreement allows no audit",
        );
    } else {
        f.at(
            "/audit/max_per_year",
            "the agreement allows no audit or compliance review",
        )
        .warning();
    }
}

fn gov_004(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let eff = c.agreement.effective_date;
    for (i, p) in c.parties.iter().enumerate() {
        // A party that acceded joined on its accession date: its due diligence comes before that.
        let eff = p.acceded.unwrap_or(eff);
        let joins = if p.acceded.is_some() {
            "it accedes"
        } else {
            "the agreement takes effect"
        };
        if c.agreement.drafted_by.as_deref() == Some(p.id.as_str()) && p.due_diligence.is_none() {
            continue;
        }
        let Some(dd) = &p.due_diligence else {
            f.at(format!("/parties/{i}"), format!("no due diligence is recorded for `{}`", p.id)).help(format!(
                "add a due_diligence table to party `{}`: date, scope (e.g. [\"values_alignment\", \"security_practices\"]) and outcome; or, if `{}` drafts the agreement and assessed the others, set [agreement] drafted_by = \"{}\"",
                p.id, p.id, p.id
            ));
            continue;
        };
        let base = format!("/parties/{i}/due_diligence");
        match dd.outcome {
            DueDiligenceOutcome::Pending => {
                f.at(format!("{base}/outcome"), format!("due diligence on `{}` is still pending", p.id))
                    .help("complete the due diligence before the agreement; record outcome = \"approved\", or \"approved_with_conditions\" with conditions = [\"…\"]");
            }
            DueDiligenceOutcome::Rejected => {
                f.at(format!("{base}/outcome"), format!("due diligence on `{}` was rejected", p.id))
                    .help("do not share data with a partner that failed due diligence; remove the party or redo the assessment");
            }
            DueDiligenceOutcome::ApprovedWithConditions
                if dd.conditions.iter().all(|s| s.trim().is_empty()) =>
            {
                f.at(
                    base.clone(),
                    format!(
                        "due diligence on `{}` was approved with conditions, but none are listed",
                        p.id
                    ),
                )
                .warning()
                .help("add conditions = [\"…\"] to the due diligence");
            }
            _ => {}
        }
        let date = dd.date;
        let expires = add_duration(date, Span::new().months(12));
        if expires.is_some_and(|x| x < eff) {
            f.at(format!("{base}/date"), format!("due diligence on `{}` ({date}) is more than 12 months older than the effective date {eff}", p.id))
                .warning()
                .help("refresh the due diligence and update its date");
        } else if date > eff {
            f.at(
                format!("{base}/date"),
                format!(
                    "due diligence on `{}` ({date}) is dated after {joins} ({eff})",
                    p.id
                ),
            )
            .warning()
            .help("complete due diligence before data is shared");
        }
        let only_processor =
            m.derived.processors.contains(&p.id) && !m.derived.controllers.contains(&p.id);
        if only_processor
            && !dd.scope.contains(&DueDiligenceScope::SecurityPractices)
            && p.certifications.is_empty()
        {
            f.at(format!("{base}/scope"), format!("processor `{}` has no certification and its security practices were not assessed", p.id))
                .warning()
                .help("add \"security_practices\" to the due-diligence scope, or list the processor's certifications");
        }
    }
}

fn gov_005(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let a = &c.agreement;
    let mechanism = m.derived.dispute_mechanism;
    let arbitration = mechanism == DisputeMechanism::Arbitration;
    let immune: Vec<&str> = c
        .parties
        .iter()
        .filter(|p| p.privileges_and_immunities)
        .map(|p| p.id.as_str())
        .collect();
    // A protocol is settled by consultation; so is a binding agreement under `settlement`:
    // neither names a law or a forum.
    if !m.derived.binding || mechanism == DisputeMechanism::Settlement {
        return;
    }
    let mut missing = Vec::new();
    // A party with privileges and immunities submits to no national law: arbitration under
    // the agreement's own terms is the usual answer, and no governing law is then missing.
    if blank(&a.governing_law) && (!arbitration || immune.is_empty()) {
        missing.push("governing_law");
    }
    let seat_is_forum = arbitration && !blank(&c.disputes.seat);
    if blank(&a.forum) && !seat_is_forum {
        missing.push("forum");
    }
    if !missing.is_empty() {
        let finding = f.at(
            "/agreement",
            format!("[agreement] has no {}", and_list(&missing)),
        );
        if let Some(p) = immune.first() {
            // No national law or court is suggested to an organisation that submits to none.
            finding.error().help(format!(
                "`{p}` enjoys privileges and immunities and submits to no national law or court: set [disputes] mechanism = \"arbitration\" with a seat (the tribunal applies the agreement and general principles of law), or mechanism = \"settlement\""
            ));
        } else {
            // The example names the country of the party that provides the data, not a fixed
            // one; the parties choose.
            let country = c
                .datasets
                .first()
                .and_then(|ds| c.parties.iter().find(|p| p.id == ds.provider))
                .or(c.parties.first())
                .map(|p| crate::model::country_name(&p.country))
                .unwrap_or_default();
            let example = match (
                missing.contains(&"governing_law"),
                missing.contains(&"forum"),
            ) {
                (true, true) => format!(
                    "governing_law = \"the laws of {country}\", forum = \"the courts of <city>, {country}\""
                ),
                (true, false) => format!("governing_law = \"the laws of {country}\""),
                _ => format!("forum = \"the courts of <city>, {country}\""),
            };
            // Courts need a law and a forum: the agreement cannot say which without a choice.
            if mechanism == DisputeMechanism::Courts {
                finding.error();
            }
            finding.help(format!(
                "add {} to [agreement], e.g. {example} (the law the parties choose)",
                and_list(&missing)
            ));
        }
    }
    if !immune.is_empty() && c.disputes.mechanism == Some(DisputeMechanism::Courts) {
        f.at("/disputes/mechanism", format!("`{}` enjoys privileges and immunities but disputes go to the courts", immune[0]))
            .help("set [disputes] mechanism = \"arbitration\" and seat = \"Geneva\" (or the seat agreed); the agreement keeps the no-waiver clause");
    }
    if arbitration && blank(&c.disputes.seat) {
        let at = if super::written(m, "/disputes") {
            "/disputes"
        } else {
            ""
        };
        f.at(at, "disputes go to arbitration but no seat is named")
            .help("add a [disputes] table with seat = \"Geneva\" (or the seat agreed)");
    }
}

fn gov_006(m: &Model, f: &mut Findings) {
    let o = &cfg(m).outputs;
    if !o.publication_allowed {
        return;
    }
    // Cells that count firms or institutions, not people, follow the rules for business
    // statistics: a threshold of three contributors with a dominance rule is the usual minimum.
    let floor = if m.derived.about_people { 10 } else { 3 };
    if o.min_cell_size < floor {
        f.at(
            "/outputs/min_cell_size",
            format!(
                "published outputs may show cells as small as {}",
                o.min_cell_size
            ),
        );
    }
    if o.review_days == 0 {
        f.at(
            "/outputs/review_days",
            "outputs may be published without review by the provider",
        );
    }
}

fn gov_009(m: &Model, f: &mut Findings) {
    let l = &cfg(m).liability;
    if l.model == LiabilityModel::MutualCap && blank(&l.cap) {
        f.at(
            "/liability",
            "liability is capped but the cap is not stated",
        );
    }
}

fn gov_016(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let Some(o) = &c.oversight else { return };
    for (i, p) in o.ethics_approval.iter().enumerate() {
        if !c.flows.iter().any(|fl| &fl.from == p || &fl.to == p) {
            f.at(
                format!("/oversight/ethics_approval/{i}"),
                format!(
                    "`{p}` must hold ethics approval before data flows, but sends and receives none"
                ),
            );
        }
    }
}

fn gov_010(m: &Model, f: &mut Findings) {
    let d = &m.derived;
    if !d.binding && (d.has_controller_to_processor || d.has_processor_to_processor) {
        f.at(
            "/agreement/kind",
            "the protocol is non-binding but has processor flows",
        );
    }
}

fn doc_001(m: &Model, f: &mut Findings) {
    let n = f.errors_before();
    if cfg(m).agreement.status == Status::Final && n > 0 {
        f.at(
            "/agreement/status",
            format!(
                "the agreement is final but has {n} open error{}",
                if n == 1 { "" } else { "s" }
            ),
        );
    }
}

/// The placeholder in a text, if any.
pub(crate) fn placeholder(s: &str) -> Option<&'static str> {
    let t = s.trim();
    if t == "..." || t == "…" {
        return Some("…");
    }
    // Lower-casing only maps ASCII letters and the Kelvin sign (to `k`) into ASCII, so an
    // ASCII case-insensitive search finds the same; it runs at each `[`, `<` or `l`.
    let b = t.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if !matches!(c, b'[' | b'<' | b'l' | b'L') {
            continue;
        }
        for p in ["[insert", "<insert", "[…]", "[...]", "<…>", "lorem ipsum"] {
            if b[i..]
                .get(..p.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(p.as_bytes()))
            {
                return Some(p);
            }
        }
    }
    // The placeholder words are upper case and contain a `T`, `F` or `X`.
    memchr::memchr3(b'T', b'F', b'X', b)?;
    for w in t.split(|c: char| !c.is_alphanumeric()) {
        if let Some(p) = ["TODO", "TBD", "TBC", "FIXME", "XXX"]
            .into_iter()
            .find(|p| *p == w)
        {
            return Some(p);
        }
    }
    None
}

fn doc_002(m: &Model, f: &mut Findings) {
    let final_ = cfg(m).agreement.status == Status::Final;
    let mut found = Vec::new();
    crate::model::walk_strings(&m.loaded.raw, &mut |ptr, _, s| {
        if let Some(p) = placeholder(s) {
            found.push((ptr.to_owned(), p));
        }
    });
    for (ptr, p) in found {
        let fd = f.at(ptr, format!("placeholder \"{p}\" left in the text"));
        if !final_ {
            fd.warning();
        }
    }
}

fn gov_011(m: &Model, f: &mut Findings) {
    let t = &cfg(m).term;
    if let Some(event) = &t.end_event
        && t.end_date.is_none()
        && t.duration.is_none()
    {
        f.at(
            "/term/end_event",
            format!(
                "the agreement ends on \"{event}\" with no backstop date: term.end_date is not set"
            ),
        );
    }
}

fn gov_012(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let t = &c.term;
    let multi = c.agreement.kind == DocumentKind::Agreement && c.parties.len() > 2;
    if multi || !t.sets_withdrawal() {
        return;
    }
    let at = if t.withdrawal_notice_days.is_some() {
        "/term/withdrawal_notice_days"
    } else if t.withdrawal_copies.is_some() {
        "/term/withdrawal_copies"
    } else {
        "/term/withdrawal_provided_data"
    };
    if c.agreement.kind == DocumentKind::Protocol {
        f.at(
            at,
            "terms of leaving are set for a protocol, which has its own withdrawal clause",
        )
        .help("remove term.withdrawal_notice_days, term.withdrawal_copies and term.withdrawal_provided_data: a protocol states its own withdrawal");
    } else {
        f.at(
            at,
            format!(
                "terms of leaving are set for a document between {} parties: leaving it ends it",
                c.parties.len()
            ),
        );
    }
}

fn gov_013(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let s = &c.term.survives;
    let copies = m.derived.flows.iter().any(|x| x.access == AccessMode::Copy);
    if !copies {
        return;
    }
    if !s.contains(&Survival::Disposal) {
        f.at(
            "/term/survives",
            format!(
                "disposal does not survive the end, yet a party holding a copy has {} days after it to delete or return the data",
                c.term.exit_days
            ),
        );
    }
    if !s.contains(&Survival::UseRestrictions) {
        f.at(
            "/term/survives",
            "the restrictions on use do not survive the end: data a party keeps by law could then be used for anything",
        )
        .warning()
        .help("add \"use_restrictions\" to term.survives");
    }
    if !s.contains(&Survival::Confidentiality)
        && c.datasets.iter().any(|d| d.confidentiality.is_some())
    {
        f.at(
            "/term/survives",
            "confidentiality does not survive the end, yet some datasets are confidential",
        )
        .warning()
        .help("add \"confidentiality\" to term.survives");
    }
    let processor = m.derived.flows.iter().any(|x| {
        matches!(
            x.relationship,
            Relationship::ControllerToProcessor | Relationship::ProcessorToProcessor
        )
    });
    if !s.contains(&Survival::Audit) && processor {
        f.at(
            "/term/survives",
            "audit does not survive the end, yet a processor holds data until it deletes or returns it",
        )
        .warning()
        .help("add \"audit\" to term.survives");
    }
}

#[cfg(test)]
mod tests {
    use super::placeholder;

    #[test]
    fn placeholders() {
        assert_eq!(placeholder("TODO: fill in"), Some("TODO"));
        assert_eq!(placeholder("[Insert name]"), Some("[insert"));
        assert_eq!(placeholder("…"), Some("…"));
        assert_eq!(placeholder("Todo list app"), None);
        assert_eq!(placeholder("Weekly counts, e.g. 3... 4"), None);
        assert_eq!(placeholder("methods to be TBD"), Some("TBD"));
        assert_eq!(placeholder("Name: <INSERT HERE>"), Some("<insert"));
        assert_eq!(placeholder("Lorem Ipsum dolor"), Some("lorem ipsum"));
        assert_eq!(placeholder("see [...] below"), Some("[...]"));
        assert_eq!(placeholder("Fixed list, XX and TB"), None);
        assert_eq!(placeholder("FIXME"), Some("FIXME"));
    }
}
