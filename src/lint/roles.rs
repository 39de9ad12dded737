//! Roles and structure (safeguard 6): who is controller, processor and sub-processor on each
//! flow, and whether the facts fit the declared roles.

use crate::config::{Authorisation, LegalRole, PartyKind};
use crate::diag::Severity;
use crate::model::{Model, Relationship};

use super::{Findings, Rule, and_list, blank, cfg, party};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "ROLE-001",
            severity: Severity::Warning,
            title: "Every party takes part in a data flow",
            help: "add a [[flows]] entry that sends data to or from this party (and its [[storage]] if it receives a copy), or remove the party",
            source: "SCC Annex I.A; ICO Data Sharing Code (which organisations are involved); IOM safeguard 6",
            safeguards: &[6],
            explain: "An agreement lists the organisations that send or receive data and says what each may do. \
A party that neither sends nor receives data on any flow, nor has data processed on its behalf, has no \
role the agreement can describe: its obligations stay undefined, and readers cannot tell why it signs. \
Either add the flow that involves it, name it as the controller a processor works for (`on_behalf_of`), \
or drop it from the agreement.",
            check: role_001,
        },
        Rule {
            id: "ROLE-002",
            severity: Severity::Error,
            title: "A processor does not decide purposes or onward recipients",
            help: "make the party a controller on the flows concerned (from_role / to_role or its role), or remove the decision from the processor",
            source: "GDPR Art. 4(7)-(8), 28(10); EDPB Guidelines 07/2020 (roles follow facts)",
            safeguards: &[6],
            explain: "Roles under data-protection law follow what a party actually does, not the label it \
is given. A processor only acts on the controller's documented instructions. A party declared a processor on \
all its flows that relies on its own legal basis, decides onward sharing, or owns the outputs is determining \
purposes and means, and is a controller in law (Art. 28(10) GDPR). Correct the role so that the agreement \
carries the right clauses.",
            check: role_002,
        },
        Rule {
            id: "ROLE-004",
            severity: Severity::Error,
            title: "A flow to a processor names its controller and the documented instructions",
            help: "on the flow, add on_behalf_of = \"<controller id>\" and instructions = \"<reference of the documented instructions>\"",
            source: "GDPR Art. 28(3)(a), 29; SCC Module 2 Cl. 8.1",
            safeguards: &[6],
            explain: "A processor may process personal data only on documented instructions from the controller \
(Art. 28(3)(a), 29 GDPR). For each flow to a processor (controller to processor, or processor to \
sub-processor) the agreement must say on whose behalf the data is processed and where the instructions are \
recorded. The controller named must be a controller on some flow of the agreement.",
            check: role_004,
        },
        Rule {
            id: "ROLE-005",
            severity: Severity::Error,
            title: "Sub-processing is authorised and traceable to a processor",
            help: "list each sub-processor in [[subprocessors]] under a party that is a processor on some flow",
            source: "GDPR Art. 28(2), 28(4); SCC Cl. 9; Decision 2021/915 Cl. 7.7",
            safeguards: &[6, 7],
            explain: "A processor may engage another processor only with the controller's prior specific or \
general written authorisation, and must flow down the same obligations (Art. 28(2), (4) GDPR). A \
sub-processor must therefore hang off a party that really is a processor under the agreement, and a processor \
that stores the data with a hosting company has engaged a sub-processor that must be listed. With general \
authorisation the controller needs enough notice of changes to object (at least 14 days is common practice).",
            check: role_005,
        },
        Rule {
            id: "ROLE-006",
            severity: Severity::Warning,
            title: "Joint controllers name a single contact point for data subjects",
            help: "add [rights] contact_point = \"<party id>\"",
            source: "GDPR Art. 26(1)-(3); EDPB Guidelines 07/2020 paras 158-177",
            safeguards: &[5, 6],
            explain: "Joint controllers must set out in an arrangement who does what, in particular who gives \
the information of Arts. 13 and 14 and who handles the rights of data subjects, and may designate a contact \
point (Art. 26(1) GDPR). Data subjects may still act against each controller (Art. 26(3)). Name the contact \
point explicitly rather than relying on the default.",
            check: role_006,
        },
        Rule {
            id: "ROLE-008",
            severity: Severity::Warning,
            title: "A public authority handling personal data names its data-protection officer",
            help: "add dpo = { name = \"…\", email = \"…\" } to the party",
            source: "GDPR Art. 37(1)(a), 37(7); SCC Annex I.A",
            safeguards: &[6],
            explain: "Public authorities and bodies must designate a data-protection officer (Art. 37(1)(a) GDPR, \
courts acting judicially excepted) and publish the contact details (Art. 37(7)). Where personal data is \
shared, the agreement should give the DPO contact of each such party so that the other parties and data \
subjects can reach them.",
            check: role_008,
        },
    ]
}

fn role_001(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, p) in c.parties.iter().enumerate() {
        let in_flow = c.flows.iter().any(|fl| {
            fl.from == p.id || fl.to == p.id || fl.on_behalf_of.as_deref() == Some(&p.id)
        });
        let engages = c.subprocessors.iter().any(|s| s.processor == p.id);
        if !in_flow && !engages {
            f.at(
                format!("/parties/{i}/id"),
                format!(
                    "party `{}` neither sends nor receives data on any flow",
                    p.id
                ),
            );
        }
    }
}

fn role_002(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let d = &m.derived;
    for p in &c.parties {
        let only_processor = d.processors.contains(&p.id) && !d.controllers.contains(&p.id);
        if !only_processor {
            continue;
        }
        for (j, lb) in c.legal_bases.iter().enumerate() {
            if lb.party == p.id {
                f.at(
                    format!("/legal_bases/{j}/party"),
                    format!("`{}` is a processor on every flow but relies on its own legal basis for `{}`: it acts as a controller", p.id, lb.purpose),
                )
                .help(format!("make `{}` a controller on the flows concerned (from_role / to_role or its role), or remove this legal basis: a processor relies on its controller's", p.id));
            }
        }
        for (j, o) in c.onward_sharing.permitted.iter().enumerate() {
            if o.shared_by == p.id {
                f.at(
                    format!("/onward_sharing/permitted/{j}/shared_by"),
                    format!("`{}` is a processor on every flow but decides onward sharing with {}: it acts as a controller", p.id, o.recipient),
                );
            }
        }
        if c.outputs.ip_owner.as_deref() == Some(&p.id) {
            f.at("/outputs/ip_owner", format!("`{}` is a processor on every flow but owns the outputs: it acts as a controller", p.id));
        }
        if let Some(j) = c.outputs.co_owners.iter().position(|o| *o == p.id) {
            f.at(format!("/outputs/co_owners/{j}"), format!("`{}` is a processor on every flow but co-owns the outputs: it acts as a controller", p.id));
        }
    }
}

fn role_004(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, (fl, df)) in c.flows.iter().zip(&m.derived.flows).enumerate() {
        if !matches!(
            df.relationship,
            Relationship::ControllerToProcessor | Relationship::ProcessorToProcessor
        ) {
            continue;
        }
        let mut missing = Vec::new();
        if fl.on_behalf_of.is_none() {
            missing.push("on_behalf_of");
        }
        if blank(&fl.instructions) {
            missing.push("instructions");
        }
        if !missing.is_empty() {
            f.at(
                format!("/flows/{i}"),
                format!(
                    "flow `{}` goes to a processor ({}) but has no {}",
                    fl.id,
                    df.relationship_text,
                    and_list(&missing)
                ),
            );
        }
        if let Some(b) = &fl.on_behalf_of
            && !m.derived.controllers.contains(b)
        {
            f.at(
                format!("/flows/{i}/on_behalf_of"),
                format!("flow `{}` is processed on behalf of `{b}`, which is not a controller on any flow", fl.id),
            )
            .help("name the controller that gives the instructions");
        }
    }
}

fn role_005(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, s) in c.subprocessors.iter().enumerate() {
        if !m.derived.processors.contains(&s.processor) {
            f.at(
                format!("/subprocessors/{i}/processor"),
                format!("sub-processor `{}` is engaged by `{}`, which is not a processor on any flow", s.id, s.processor),
            )
            .help("name the party that processes the data on a controller's behalf, or make that party a processor on its flow (role = \"processor\", and on_behalf_of and instructions on the flow)");
        }
        if s.authorisation == Authorisation::General && c.term.subprocessor_notice_days < 14 {
            f.at(
                "/term/subprocessor_notice_days",
                format!(
                    "sub-processor `{}` is under general authorisation but changes are notified only {} days ahead",
                    s.id, c.term.subprocessor_notice_days
                ),
            )
            .warning()
            .help("give at least 14 days' notice (term.subprocessor_notice_days) so the controller can object");
        }
    }
    // A processor that stores the data with a hosting company has a sub-processor.
    for (i, st) in c.storage.iter().enumerate() {
        let Some((_, holder)) = party(c, &st.party) else {
            continue;
        };
        let is_processor = m.derived.processors.contains(&holder.id)
            && !m.derived.controllers.contains(&holder.id);
        if !is_processor {
            continue;
        }
        let host = st.hosted_by.trim();
        let known = party(c, host).is_some()
            || host.eq_ignore_ascii_case(&holder.legal_name)
            || holder
                .short_name
                .as_deref()
                .is_some_and(|s| host.eq_ignore_ascii_case(s))
            || c.subprocessors.iter().any(|s| {
                s.processor == holder.id && (s.id == host || s.name.eq_ignore_ascii_case(host))
            });
        if !known {
            f.at(
                format!("/storage/{i}/hosted_by"),
                format!("processor `{}` stores data with `{host}`, which is not a declared sub-processor", holder.id),
            )
            .help(format!(
                "add a [[subprocessors]] entry with processor = \"{}\", name = \"{host}\", its country and service",
                holder.id
            ));
        }
    }
}

fn role_006(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    if m.derived.has_joint_controllers && c.rights.contact_point.is_none() {
        f.at(
            "/rights",
            format!(
                "joint controllers share data but no contact point is named; data subjects would be sent to `{}` by default",
                m.derived.rights_contact
            ),
        )
        .help("add a [rights] table with contact_point = \"<party id>\"");
    }
}

fn role_008(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    if !m.derived.has_personal_data {
        return;
    }
    for (i, p) in c.parties.iter().enumerate() {
        let involved = c.flows.iter().any(|fl| fl.from == p.id || fl.to == p.id);
        if p.kind == PartyKind::PublicAuthority
            && p.dpo.is_none()
            && involved
            && p.role != LegalRole::SubProcessor
        {
            f.at(format!("/parties/{i}"), format!("public authority `{}` handles personal data but names no data-protection officer", p.id));
        }
    }
}
