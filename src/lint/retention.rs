//! Retention and disposal (safeguard 7).

use crate::config::{Disposal, Retention};
use crate::diag::Severity;
use jiff::Span;

use crate::config::IsoDuration;
use crate::model::Model;

use super::{Findings, Rule, blank, cfg, dataset, is_personal, longer, table_or_root};

pub(super) fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "RET-001",
            severity: Severity::Error,
            title: "Every dataset each recipient receives, and the derived data, has a retention period",
            help: "add a [[retention]] entry with dataset, period (or event and max), disposal and, for deletion, method",
            source: "GDPR Art. 5(1)(e); SCC Annex I.B (period or criteria); Irish Data Sharing and Governance Act 2019 s.19(1)(n)",
            safeguards: &[7],
            explain: "Storage limitation requires that data is kept no longer than necessary (Art. 5(1)(e) GDPR), \
and the SCCs ask for the retention period or the criteria used to set it. Each dataset each recipient \
receives needs a retention entry (for all recipients, or for that party); where the recipient only has remote \
access (remote desktop, secure enclave, federated analysis) the provider's retention of the dataset applies. \
Missing retention of anonymised or aggregated data is a warning. Data and outputs derived from the datasets \
need an entry too (`dataset = \"derived\"`); missing that is a warning, as published outputs may be kept.",
            check: ret_001,
        },
        Rule {
            id: "RET-002",
            severity: Severity::Error,
            title: "Disposal names its method and is certified",
            help: "add method = \"…\" (e.g. \"cryptographic erasure of keys and overwrite of backups, NIST SP 800-88 purge\") and keep certification = true",
            source: "GDPR Art. 28(3)(g); Decision 2021/915 Cl. 10(d); NIST SP 800-88",
            safeguards: &[7],
            explain: "Deletion that is not specified is hard to verify: copies in backups, caches and laptops \
survive. Each deletion or anonymisation states the method used, and the holder certifies in writing that \
disposal (including return) took place.",
            check: ret_002,
        },
        Rule {
            id: "RET-003",
            severity: Severity::Warning,
            title: "Retention does not outlive the agreement without a reason",
            help: "shorten the period so it ends with the term, or record the reason (e.g. legal_hold = \"…\")",
            source: "GDPR Art. 5(1)(e); SCC Cl. 16(d); ICO Data Sharing Code (retention agreed before sharing)",
            safeguards: &[7],
            explain: "When the agreement ends, the recipients' right to use the data ends with it; data kept \
longer is kept without a purpose unless a reason survives termination, such as a legal obligation to keep \
records. The retention period is counted from receipt, so retention starting at the effective date and \
running past the end of the term needs a recorded reason. Outputs a party with access and no copy took \
out of a secure environment after output checking (retention of `derived` at such a party) are not checked.",
            check: ret_003,
        },
        Rule {
            id: "RET-004",
            severity: Severity::Warning,
            title: "A recipient keeps a dataset no longer than its provider does",
            help: "align the recipient's retention with the provider's, or explain the difference",
            source: "ICO audit toolkit (common retention agreed before sharing)",
            safeguards: &[7],
            explain: "When the provider deletes its own copy of a dataset after a period, a recipient that keeps \
the shared copy longer extends the life of the data beyond what its original controller accepts. Retention \
rules should be agreed before sharing. A provider that is a processor (e.g. a survey firm collecting for the \
recipient) is not compared.",
            check: ret_004,
        },
        Rule {
            id: "RET-005",
            severity: Severity::Warning,
            title: "Archiving states the law or Art. 89 safeguards it relies on",
            help: "add legal_hold = \"<the law or archiving rules, and the Art. 89(1) safeguards applied>\"",
            source: "GDPR Art. 5(1)(e), 89(1)",
            safeguards: &[7],
            explain: "Personal data may be stored longer only for archiving in the public interest, research or \
statistics, with the safeguards of Art. 89(1) GDPR (such as pseudonymisation). An entry that archives data \
at the end of retention should say under which rules and with which safeguards. Checked outputs released \
from a secure environment to a party with no copy of the data are not checked.",
            check: ret_005,
        },
        Rule {
            id: "RET-006",
            severity: Severity::Warning,
            title: "Retention periods are at most 10 years",
            help: "shorten the period, or use an event with a shorter max backstop",
            source: "GDPR Art. 5(1)(e); SCC Annex I.B",
            safeguards: &[7],
            explain: "A retention period of more than ten years is indefinite retention in all but name for a \
data-sharing project. It should be replaced by a period tied to the purpose, or justified by a legal hold.",
            check: ret_006,
        },
        Rule {
            id: "RET-007",
            severity: Severity::Warning,
            title: "A retention entry names a party that holds the dataset",
            help: "name a party that receives the dataset, or leave party out to cover every recipient",
            source: "GDPR Art. 5(1)(e); ICO Data Sharing Code",
            safeguards: &[7],
            explain: "A retention entry for a party that neither provides nor receives the dataset binds no one, \
and often means the entry was meant for another party, leaving that one without retention.",
            check: ret_007,
        },
        Rule {
            id: "RET-010",
            severity: Severity::Error,
            title: "Only data that identifies no one is kept without limit",
            help: "replace indefinite = true with a period (e.g. period = \"P24M\") for personal data",
            source: "GDPR Art. 5(1)(e); GDPR Art. 89(1)",
            safeguards: &[7],
            explain: "`indefinite = true` keeps data without limit. That is lawful for published outputs and for \
data that is not about people, but personal data (identified or pseudonymised) may be kept no longer than its \
purpose needs, even for archiving, research or statistics, which need a period tied to the work. For `derived`, \
the text keeps only published outputs and derived data that identify no one without limit.",
            check: ret_010,
        },
    ]
}

/// Whether entry `r` covers dataset `ds` held by `holder`.
fn covers(r: &Retention, ds: &str, holder: &str) -> bool {
    r.dataset == ds && r.party.as_deref().is_none_or(|p| p == holder)
}

/// The duration that bounds an entry: its period, or its event's backstop.
fn bound(r: &Retention) -> Option<&IsoDuration> {
    r.period.as_ref().or(r.max.as_ref())
}

fn ret_010(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, r) in c.retention.iter().enumerate() {
        if r.indefinite && dataset(c, &r.dataset).is_some_and(|(_, d)| is_personal(d)) {
            f.at(
                format!("/retention/{i}/indefinite"),
                format!("`{}` is personal data but is kept without limit", r.dataset),
            );
        }
    }
}

fn ret_001(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let at = table_or_root(m, "retention");
    let mut seen = Vec::new();
    for fl in &c.flows {
        for ds in &fl.datasets {
            let key = (fl.to.clone(), ds.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            // Without a copy (remote access, code sent to the data, work on the provider's own
            // systems) the recipient holds nothing: the holder's own retention applies.
            if !fl.access_mode().holds_copy() {
                continue;
            }
            // A protocol keeps information at a level that is published as it is without limit.
            if published_as_is(c, ds) {
                continue;
            }
            let covered = c.retention.iter().any(|r| covers(r, ds, &fl.to));
            if !covered {
                let fd = f
                    .at(at.clone(), format!("`{}` receives dataset `{ds}` but no retention applies to it", fl.to))
                    .help(format!("add a [[retention]] entry with dataset = \"{ds}\", period = \"P24M\", disposal = \"delete\" and method = \"<how it is deleted, e.g. secure deletion of files and backups>\""));
                // Storage limitation binds personal data; for anonymous data it is good practice.
                if dataset(c, ds).is_some_and(|(_, d)| !is_personal(d)) {
                    fd.warning();
                }
            }
        }
    }
    // A protocol's derived information takes the level of what it is made from.
    if !c.retention.iter().any(|r| r.dataset == "derived") && c.agreement.kind.binding() {
        f.at(
            at,
            "no retention is set for data and outputs derived from the datasets",
        )
        .warning()
        .help("add a [[retention]] entry with dataset = \"derived\", a period, disposal = \"delete\" and method = \"<how it is deleted>\"");
    }
}

/// Whether a protocol's dataset `ds` is at a level that is published as it is.
fn published_as_is(c: &crate::config::Config, ds: &str) -> bool {
    !c.agreement.kind.binding()
        && c.datasets
            .iter()
            .find(|d| d.id == ds)
            .and_then(|d| d.classification.as_deref())
            .and_then(|l| c.classification.iter().find(|x| x.id == l))
            .is_some_and(|l| l.publication == crate::config::Publication::Yes)
}

/// Data kept without limit is never disposed of (for `derived`, other derived data still is).
fn never_disposed(r: &Retention) -> bool {
    r.indefinite && r.dataset != "derived"
}

fn ret_002(m: &Model, f: &mut Findings) {
    for (i, r) in cfg(m).retention.iter().enumerate() {
        if never_disposed(r) {
            continue;
        }
        let what = disposal_name(r.disposal);
        if matches!(r.disposal, Disposal::Delete | Disposal::Anonymise) && blank(&r.method) {
            f.at(
                format!("/retention/{i}"),
                format!(
                    "retention of `{}` ends in {what} without a method",
                    r.dataset
                ),
            );
        }
        if r.disposal != Disposal::Archive && !r.certification {
            f.at(
                format!("/retention/{i}/certification"),
                format!("the {what} of `{}` is not certified", r.dataset),
            )
            .help("set certification = true: the holder confirms disposal in writing");
        }
    }
}

/// Outputs released from a secure environment after output checking: the only "derived" data
/// a party with access and no copy can hold. They are not disclosive, so keeping or archiving
/// them after the term is no data-protection question.
fn checked_outputs(m: &Model, r: &Retention) -> bool {
    r.dataset == "derived"
        && r.party.as_deref().is_some_and(|p| {
            let mut into = m.derived.flows.iter().filter(|f| f.to == p).peekable();
            into.peek().is_some() && into.all(|f| !f.holds_copy)
        })
}

fn ret_003(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let Some(end) = m.derived.dates.end else {
        return;
    };
    for (i, r) in c.retention.iter().enumerate() {
        if !blank(&r.legal_hold) || checked_outputs(m, r) {
            continue;
        }
        let Some(b) = bound(r) else { continue };
        if let Some(until) = b.after(c.agreement.effective_date)
            && until > end
        {
            f.at(
                format!("/retention/{i}"),
                format!(
                    "`{}` may be kept until at least {until}, after the agreement ends on {end}",
                    r.dataset
                ),
            );
        }
    }
}

fn ret_004(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    let start = c.agreement.effective_date;
    for (i, r) in c.retention.iter().enumerate() {
        let (Some(holder), Some(b)) = (r.party.as_deref(), bound(r)) else {
            continue;
        };
        let Some((_, ds)) = dataset(c, &r.dataset) else {
            continue;
        };
        // A processor that collects for the recipient keeps data only until it hands it over.
        let provider_controls = m.derived.controllers.contains(&ds.provider)
            || !m.derived.processors.contains(&ds.provider);
        if holder == ds.provider || !provider_controls {
            continue;
        }
        let provider_entry = c
            .retention
            .iter()
            .find(|p| p.dataset == r.dataset && p.party.as_deref() == Some(ds.provider.as_str()));
        if let Some(pb) = provider_entry.and_then(bound)
            && longer(start, b.span(), pb.span())
        {
            f.at(
                format!("/retention/{i}"),
                format!(
                    "`{holder}` keeps `{}` for {b}, longer than its provider `{}` ({pb})",
                    r.dataset, ds.provider
                ),
            );
        }
    }
}

fn ret_005(m: &Model, f: &mut Findings) {
    for (i, r) in cfg(m).retention.iter().enumerate() {
        if r.disposal == Disposal::Archive
            && blank(&r.legal_hold)
            && !checked_outputs(m, r)
            && !never_disposed(r)
        {
            f.at(
                format!("/retention/{i}/disposal"),
                format!(
                    "`{}` is archived without stating the rules and safeguards that allow it",
                    r.dataset
                ),
            );
        }
    }
}

fn ret_006(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, r) in c.retention.iter().enumerate() {
        let Some(b) = bound(r) else { continue };
        if longer(c.agreement.effective_date, b.span(), Span::new().years(10)) {
            let key = if r.period.is_some() { "period" } else { "max" };
            f.at(
                format!("/retention/{i}/{key}"),
                format!("`{}` is kept for {b}, more than 10 years", r.dataset),
            );
        }
    }
}

fn ret_007(m: &Model, f: &mut Findings) {
    let c = cfg(m);
    for (i, r) in c.retention.iter().enumerate() {
        let Some(p) = r.party.as_deref() else {
            continue;
        };
        let holds = if r.dataset == "derived" {
            c.flows.iter().any(|fl| fl.to == p) || c.datasets.iter().any(|d| d.provider == p)
        } else {
            c.flows
                .iter()
                .any(|fl| fl.datasets.contains(&r.dataset) && (fl.to == p || fl.from == p))
                || dataset(c, &r.dataset).is_some_and(|(_, d)| d.provider == p)
        };
        if !holds {
            f.at(
                format!("/retention/{i}/party"),
                format!("`{p}` does not hold `{}`", r.dataset),
            );
        }
    }
}

fn disposal_name(d: Disposal) -> &'static str {
    match d {
        Disposal::Delete => "deletion",
        Disposal::Return => "return",
        Disposal::Anonymise => "anonymisation",
        Disposal::Archive => "archiving",
    }
}

#[cfg(test)]
mod tests {
    use super::super::{run, starter_with};
    use crate::diag::Severity;

    fn ret_001(edits: &[(&str, &str)]) -> Vec<Severity> {
        run(&starter_with(edits))
            .into_iter()
            .filter(|d| d.code == "RET-001")
            .map(|d| d.severity)
            .collect()
    }

    #[test]
    fn remote_access_uses_the_providers_retention() {
        let provider_only = (
            "dataset = \"od_matrix\"\nperiod",
            "dataset = \"od_matrix\"\nparty = \"provider\"\nperiod",
        );
        let personal = (
            "identifiability = \"aggregated\"",
            "identifiability = \"pseudonymised\"",
        );
        // The institute downloads the data: the provider's retention does not bind its copy.
        assert!(ret_001(&[provider_only, personal]).contains(&Severity::Error));
        // The institute works in the provider's enclave: the provider's retention is the one.
        let remote = ("method = \"sftp\"", "method = \"remote_desktop\"");
        assert!(!ret_001(&[provider_only, personal, remote]).contains(&Severity::Error));
        // Aggregated data without retention is a warning, not an error.
        assert!(
            ret_001(&[provider_only])
                .iter()
                .all(|s| *s == Severity::Warning)
        );
    }
}
