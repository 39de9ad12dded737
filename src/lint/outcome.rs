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

    /// Add the findings of the rules that run after clause selection (see [`super::fit`]),
    /// and work out the safeguard coverage again.
    pub fn add_after_selection(&mut self, model: &Model, found: Vec<Diagnostic>) {
        if found.is_empty() {
            return;
        }
        self.findings.extend(found);
        self.coverage = coverage(model, &self.findings);
    }

    /// The findings of one severity.
    pub fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Diagnostic> {
        self.findings.iter().filter(move |d| d.severity == severity)
    }

    pub fn errors(&self) -> usize {
        self.with_severity(Severity::Error).count()
    }
}
