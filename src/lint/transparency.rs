//! Transparency, consent and rights (safeguard 5).

use std::collections::BTreeSet;

use crate::diag::Severity;
use crate::model::Model;

use super::{Findings, Rule, and_list, blank, cfg, law::needed_bases, words, written};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "TRANS-001",
            severity: Severity::Error,
            title: "Each controller of personal data gives a notice, or an Art. 14(5)(b) exemption is documented",
            help: "add a [[transparency.notices]] entry for the controller (party, channel, timing, languages), or [transparency] exemption = \"…\"",
            source: "GDPR Art. 13, 14, 14(5)(b); ICO Data Sharing Code (transparency)",
            safeguards: &[5],
            explain: "People must be told who holds their data, for what purposes and on what basis. Data \
re-used from a private provider was not obtained from the person by the recipient, so Art. 14 GDPR applies: \
each controller gives the information, or documents why individual notice would be impossible or take \
disproportionate effort (Art. 14(5)(b)) and what public information it gives instead.",
            check: trans_001,
        },
        Rule {
            id: "TRANS-002",
            severity: Severity::Warning,
            title: "Consent or a humanitarian context comes with a consent strategy or a documented rationale",
            help: "in [consent], add community_engagement, and rationale when consent is not the basis",
            source: "IOM safeguard 5; IOM Data Protection Principles 4 and 7; ICRC Handbook on Data Protection in Humanitarian Action",
            safeguards: &[5],
            explain: "IOM's fifth safeguard asks for a strategy to obtain the informed consent of the people in \
the data. For re-used private-sector data consent is rarely practicable, and in a humanitarian setting rarely \
free; the agreement must then say why consent is not the basis and what protects people instead, and how \
affected communities are informed and consulted. Where consent is relied on, the strategy includes engaging \
communities.",
            check: trans_002,
        },
        Rule {
            id: "TRANS-003",
            severity: Severity::Error,
            title: "Requests from data subjects are answered within one month and forwarded promptly",
            help: "set [rights] response_days to 30 or fewer and forward_within_days to 10 or fewer",
            source: "GDPR Art. 12(3), 26(3), 28(3)(e); SCC Cl. 10",
            safeguards: &[5],
            explain: "A controller answers a request to exercise a right without undue delay and at the latest \
within one month of receipt (Art. 12(3) GDPR). A party that receives a request meant for another must forward \
it quickly enough for that deadline to be met (a warning above 10 working days), and the contact point should \
be a party that decides on the data, not a processor.",
            check: trans_003,
        },
        Rule {
            id: "TRANS-004",
            severity: Severity::Warning,
            title: "Notices are given in the languages of the people in the data",
            help: "add languages = [\"…\"] to the notice",
            source: "GDPR Art. 12(1) (intelligible, clear and plain language); IOM Data Protection Principle 4",
            safeguards: &[5],
            explain: "Information that people cannot read does not inform them. Migrants and displaced people \
often do not read the language of the country they are in. Each notice should list the languages it is \
given in.",
            check: trans_004,
        },
        Rule {
            id: "TRANS-005",
            severity: Severity::Warning,
            title: "An Art. 14(5)(b) exemption states the reason and the public information given instead",
            help: "say why individual notice is impossible or disproportionate and where the public information is published",
            source: "GDPR Art. 14(5)(b); EDPB/WP29 Guidelines on transparency (WP260 rev.01)",
            safeguards: &[5],
            explain: "The disproportionate-effort exemption is narrow: the controller must weigh the effort against \
the impact on people, and must still take appropriate measures, including making the information publicly \
available. A one-line exemption is not a documented assessment.",
            check: trans_005,
        },
    ]
}

fn trans_001(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    if !blank(&c.transparency.exemption) {
        return;
    }
    let controllers: BTreeSet<String> = needed_bases(m).into_iter().map(|(p, _, _)| p).collect();
    let at = if written(m, "/transparency/notices") {
        "/transparency/notices"
    } else if written(m, "/transparency") {
        "/transparency"
    } else {
        ""
    };
    for p in c.parties.iter().filter(|p| controllers.contains(&p.id)) {
        if !c.transparency.notices.iter().any(|n| n.party == p.id) {
            f.at(at, format!("controller `{}` gives no notice to the people in the data, and no exemption is documented", p.id))
                .help(format!(
                    "add a [[transparency.notices]] entry with party = \"{}\", channel, timing and languages, or [transparency] exemption = \"…\"",
                    p.id
                ));
        }
    }
}

fn trans_002(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let k = &c.consent;
    let d = &m.derived;
    let mut missing = Vec::new();
    if d.consent_relied_on {
        if blank(&k.community_engagement) {
            missing.push("community_engagement");
        }
    } else if d.humanitarian {
        if blank(&k.rationale) {
            missing.push("rationale");
        }
        if blank(&k.community_engagement) {
            missing.push("community_engagement");
        }
    }
    if missing.is_empty() {
        return;
    }
    let why = if d.consent_relied_on {
        "consent is relied on"
    } else {
        "the context is humanitarian and consent is not relied on"
    };
    let at = if written(m, "/consent") {
        "/consent"
    } else {
        ""
    };
    f.at(
        at,
        format!("{why}, but [consent] has no {}", and_list(&missing)),
    )
    .help(format!("add a [consent] table with {}", and_list(&missing)));
}

fn trans_003(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let r = &c.rights;
    if let Some(days) = r.response_days
        && days > 30
    {
        f.at(
            "/rights/response_days",
            format!("requests are answered within {days} days; the limit is one month"),
        );
    }
    if let Some(days) = r.forward_within_days
        && days > 10
    {
        f.at("/rights/forward_within_days", format!("requests are forwarded between parties within {days} working days"))
            .warning()
            .help("forward requests within 10 working days (5 is usual) so the one-month deadline can be met");
    }
    if let Some(cp) = &r.contact_point
        && m.derived.processors.contains(cp)
        && !m.derived.controllers.contains(cp)
        && m.derived.has_personal_data
    {
        f.at("/rights/contact_point", format!("the contact point `{cp}` is a processor on every flow"))
            .warning()
            .help("name a controller as contact point; processors assist the controller in answering requests");
    }
}

fn trans_004(m: &Model, f: &mut Findings) {
    for (i, n) in cfg(m).transparency.notices.iter().enumerate() {
        if n.languages.is_empty() {
            f.at(
                format!("/transparency/notices/{i}"),
                format!("the notice of `{}` lists no languages", n.party),
            );
        }
    }
}

fn trans_005(m: &Model, f: &mut Findings) {
    if let Some(e) = &cfg(m).transparency.exemption
        && words(e) < 10
    {
        f.at(
            "/transparency/exemption",
            format!(
                "the Art. 14(5)(b) exemption is stated in {} words",
                words(e)
            ),
        );
    }
}
