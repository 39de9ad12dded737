//! What `datapact check` finds in one agreement: its findings and how each safeguard is covered.

use super::{SafeguardCoverage, coverage, run};
use crate::diag::{Diagnostic, Severity};
use crate::model::Model;

/// Findings and safeguard coverage of one checked model.
#[derive(Debug, Clone)]
pub struct Check {
    pub findings: Vec<Diagnostic>,
    pub coverage: Vec<SafeguardCoverage>,
}

impl Check {
    pub fn run(model: &Model) -> Check {
        let findings = run(model);
        let coverage = coverage(model, &findings);
        Check { findings, coverage }
    }

    /// The findings of one severity.
    pub fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Diagnostic> {
        self.findings.iter().filter(move |d| d.severity == severity)
    }

    pub fn errors(&self) -> usize {
        self.with_severity(Severity::Error).count()
    }
}
