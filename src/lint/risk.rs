//! Risk (safeguard 3): the DPIA, its risk-benefit analysis and harm to groups.

use crate::config::{DpiaStatus, RiskLevel};
use crate::diag::Severity;
use crate::model::Model;

use super::{Findings, Rule, and_list, blank, cfg, written};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "RISK-001",
            severity: Severity::Error,
            title: "A required DPIA is completed, with reference and date",
            help: "in [dpia] set status = \"completed\", reference, date, owner, risk_benefit_summary and risks",
            source: "GDPR Art. 35(1), (3), (7); WP248 rev.01 (two or more criteria); IOM safeguard 3",
            safeguards: &[3],
            explain: "A data protection impact assessment is required before processing that is likely to \
result in a high risk (Art. 35 GDPR): always for large-scale special-category or criminal data (Art. \
35(3)(b)), and in practice whenever two or more of the nine WP248 criteria apply. datapact derives the \
criteria from the config (scoring, monitoring, sensitive or highly personal data, large scale, combined \
datasets, vulnerable people, new technology, access to services). The agreement must cite the completed \
assessment; while it is under way (`in_progress`) this is a warning, so drafts can circulate.",
            check: risk_001,
        },
        Rule {
            id: "RISK-002",
            severity: Severity::Warning,
            title: "Sensitive, children's, vulnerable people's or location data prompts a DPIA",
            help: "carry out a DPIA and record it in [dpia], or set status = \"not_required\" once you have screened and documented why",
            source: "ICO Data Sharing Code (DPIA recommended); WP248 rev.01",
            safeguards: &[3],
            explain: "Even where fewer than two WP248 criteria apply, sharing special-category data, children's \
data, data about vulnerable people or location data calls for at least a documented screening. Record the \
DPIA, or state that it is not required after screening.",
            check: risk_002,
        },
        Rule {
            id: "RISK-003",
            severity: Severity::Error,
            title: "A high residual risk goes to prior consultation",
            help: "add prior_consultation = \"<reference of the consultation with the supervisory authority>\" to [dpia], or reduce the residual risk",
            source: "GDPR Art. 36(1)",
            safeguards: &[3],
            explain: "When a DPIA shows that processing would result in a high risk in the absence of measures \
the controller can take, the controller must consult the supervisory authority before processing (Art. 36 \
GDPR). An agreement whose DPIA ends with a high residual risk must cite that consultation.",
            check: risk_003,
        },
        Rule {
            id: "RISK-004",
            severity: Severity::Warning,
            title: "Data about vulnerable groups comes with an assessment of harm to groups",
            help: "assess harm to the groups concerned and set group_harm_assessed = true in [dpia]",
            source: "WP248 criterion 7; IASC Operational Guidance on Data Responsibility; Signal Code / demographically identifiable information",
            safeguards: &[3],
            explain: "Aggregated data that identifies no one can still expose a group: where displaced people \
gather, which routes migrants take, which communities move. Such demographically identifiable information \
can be used to target the group. For data about vulnerable groups, the DPIA must look at harm to groups as \
well as to individuals.",
            check: risk_004,
        },
        Rule {
            id: "RISK-005",
            severity: Severity::Warning,
            title: "Combining datasets is assessed for the mosaic effect",
            help: "add a [[dpia.risks]] entry on re-identification by linkage (mosaic effect) and its measure",
            source: "WP248 criterion 6; OCHA Centre for Humanitarian Data note on the mosaic effect",
            safeguards: &[3],
            explain: "Datasets that are safe alone can re-identify people or expose groups once combined: the \
mosaic effect. When the agreement combines data from more than one provider, or permits linkage with other \
data, the DPIA should name that risk and the measure that answers it.",
            check: risk_005,
        },
        Rule {
            id: "RISK-006",
            severity: Severity::Warning,
            title: "The DPIA summarises the balance of risks and benefits",
            help: "add risk_benefit_summary = \"…\" to [dpia]",
            source: "IOM safeguard 3 (risk-benefit analysis); GDPR Art. 35(7)",
            safeguards: &[3],
            explain: "IOM's third safeguard asks for a risk-benefit analysis as part of the DPIA: the benefits for \
the people in the data and for policy weighed against the risks to them. The agreement records its summary, \
so that the parties and a reviewer can see why the sharing is proportionate.",
            check: risk_006,
        },
        Rule {
            id: "RISK-007",
            severity: Severity::Warning,
            title: "A completed DPIA lists the main risks and the measures that address them",
            help: "add [[dpia.risks]] entries with risk and measure",
            source: "GDPR Art. 35(7)(c)-(d)",
            safeguards: &[3],
            explain: "A DPIA contains an assessment of the risks to the rights and freedoms of data subjects and \
the measures envisaged to address them (Art. 35(7)(c)-(d) GDPR). The agreement lists the main risks and their \
measures, which become commitments of the parties.",
            check: risk_007,
        },
        Rule {
            id: "RISK-008",
            severity: Severity::Warning,
            title: "A required DPIA has an owner",
            help: "add owner = \"<party id>\" to [dpia]",
            source: "GDPR Art. 35(1), 26(1); EDPB Guidelines 07/2020 (who does what)",
            safeguards: &[3, 6],
            explain: "The DPIA is the controller's duty. Where several parties are involved, the agreement must \
say which of them carries out and maintains it, so that it is reviewed when the processing changes.",
            check: risk_008,
        },
        Rule {
            id: "RISK-009",
            severity: Severity::Warning,
            title: "The DPIA is completed before the agreement takes effect",
            help: "complete the DPIA before the effective date, or move the effective date",
            source: "GDPR Art. 35(1) (\"prior to the processing\")",
            safeguards: &[3],
            explain: "A DPIA is carried out before the processing starts (Art. 35(1) GDPR). A DPIA dated after the \
agreement takes effect means data may flow before its risks were assessed.",
            check: risk_009,
        },
    ]
}

fn dpia_at(m: &Model) -> &'static str {
    if written(m, "/dpia") { "/dpia" } else { "" }
}

fn risk_001(m: &Model, f: &mut Findings) {
    let d = &m.derived;
    if !d.dpia_required {
        return;
    }
    let dp = &cfg(m).dpia;
    let why = d
        .dpia_criteria
        .iter()
        .map(|c| format!("{} ({})", c.name, c.reason))
        .collect::<Vec<_>>()
        .join("; ");
    match dp.status {
        DpiaStatus::Completed => {
            let mut missing = Vec::new();
            if blank(&dp.reference) {
                missing.push("reference");
            }
            if dp.date.is_none() {
                missing.push("date");
            }
            if !missing.is_empty() {
                f.at(
                    "/dpia",
                    format!("the DPIA is completed but has no {}", and_list(&missing)),
                )
                .help(format!("add {} to [dpia]", and_list(&missing)));
            }
        }
        DpiaStatus::InProgress => {
            f.at(
                "/dpia/status",
                format!("a DPIA is required and still in progress: {why}"),
            )
            .warning()
            .help("complete the DPIA, then set status = \"completed\" with its reference, date and risks");
        }
        DpiaStatus::NotStarted | DpiaStatus::NotRequired => {
            let at = if written(m, "/dpia/status") {
                "/dpia/status"
            } else {
                dpia_at(m)
            };
            f.at(at, format!("a DPIA is required: {why}")).help(format!(
                "carry out the DPIA and {} status = \"completed\", reference, date, owner, risk_benefit_summary and risks",
                if written(m, "/dpia") {
                    "set in [dpia]:"
                } else {
                    "add a [dpia] table with"
                }
            ));
        }
    }
}

fn risk_002(m: &Model, f: &mut Findings) {
    let d = &m.derived;
    if d.dpia_required || cfg(m).dpia.status != DpiaStatus::NotStarted {
        return;
    }
    let mut what = Vec::new();
    if d.has_special_categories {
        what.push("special-category data");
    }
    if d.has_children {
        what.push("children's data");
    } else if d.has_vulnerable_groups {
        what.push("data about vulnerable people");
    }
    if d.has_location_data {
        what.push("location data");
    }
    if !what.is_empty() {
        f.at(dpia_at(m), format!("{} is shared but no DPIA is declared", and_list(&what)))
            .help("add a [dpia] table with the status of the assessment (\"completed\", \"in_progress\" or \"not_required\" after screening)");
    }
}

fn risk_003(m: &Model, f: &mut Findings) {
    let dp = &cfg(m).dpia;
    if dp.residual_risk == Some(RiskLevel::High) && blank(&dp.prior_consultation) {
        f.at(
            "/dpia/residual_risk",
            "the residual risk is high but no prior consultation is cited",
        );
    }
}

fn risk_004(m: &Model, f: &mut Findings) {
    if m.derived.has_vulnerable_groups && !cfg(m).dpia.group_harm_assessed {
        let at = if written(m, "/dpia/group_harm_assessed") {
            "/dpia/group_harm_assessed"
        } else {
            dpia_at(m)
        };
        f.at(
            at,
            "the data concerns vulnerable groups but harm to groups is not assessed",
        );
    }
}

fn risk_005(m: &Model, f: &mut Findings) {
    if !m.derived.dpia_criteria.iter().any(|c| c.number == 6) {
        return;
    }
    let named = cfg(m).dpia.risks.iter().any(|r| {
        let t = format!("{} {}", r.risk, r.measure).to_lowercase();
        [
            "mosaic",
            "linkage",
            "linking",
            "combin",
            "re-identif",
            "reidentif",
        ]
        .iter()
        .any(|k| t.contains(k))
    });
    if !named {
        let at = if written(m, "/dpia/risks") {
            "/dpia/risks"
        } else {
            dpia_at(m)
        };
        f.at(at, "datasets from more than one source are combined or linked, but no DPIA risk addresses re-identification by linkage");
    }
}

fn risk_006(m: &Model, f: &mut Findings) {
    let dp = &cfg(m).dpia;
    if matches!(dp.status, DpiaStatus::Completed | DpiaStatus::InProgress)
        && blank(&dp.risk_benefit_summary)
    {
        f.at("/dpia", "the DPIA has no risk-benefit summary");
    }
}

fn risk_007(m: &Model, f: &mut Findings) {
    let dp = &cfg(m).dpia;
    if dp.status == DpiaStatus::Completed && dp.risks.is_empty() {
        f.at("/dpia", "the completed DPIA lists no risks and measures");
    }
}

fn risk_008(m: &Model, f: &mut Findings) {
    if m.derived.dpia_required && cfg(m).dpia.owner.is_none() {
        f.at(dpia_at(m), "a DPIA is required but no party owns it");
    }
}

fn risk_009(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let (Some(date), eff) = (c.dpia.date, c.agreement.effective_date) else {
        return;
    };
    if c.dpia.status == DpiaStatus::Completed && date > eff {
        f.at(
            "/dpia/date",
            format!("the DPIA is dated {date}, after the agreement takes effect on {eff}"),
        );
    }
}
