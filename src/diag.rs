//! Diagnostics about a user's input: collected, never thrown one at a time.
//!
//! In: a problem found while loading or checking a file, with a byte span into it.
//! Out: rustc-style reports through miette (file:line:column, the value underlined, a help
//! line), or one line per problem in `short` form, or JSON.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceCode};
use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A source file a diagnostic points into.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(path: &Path, text: &str) -> Self {
        SourceFile {
            path: path.to_path_buf(),
            text: Arc::from(text),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem in a user's input.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code, e.g. `config::unknown-key` or `RET-001`.
    pub code: String,
    pub message: String,
    /// The field concerned, as a dotted path (`parties[1].country`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Text under the underline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What to write instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip)]
    pub span: Option<Range<usize>>,
    #[serde(skip)]
    pub source: Option<SourceFile>,
    /// Filled in from `source` and `span` for JSON output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Where a diagnostic points, for machine-readable output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Diagnostic {
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code: code.into(),
            message: message.into(),
            field: None,
            label: None,
            help: None,
            span: None,
            source: None,
            location: None,
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn at(mut self, source: &SourceFile, span: Option<Range<usize>>) -> Self {
        if let Some(span) = &span {
            let (line, column) = source.line_col(span.start);
            self.location = Some(Location {
                file: source.path.display().to_string(),
                line,
                column,
            });
        } else {
            self.location = Some(Location {
                file: source.path.display().to_string(),
                line: 1,
                column: 1,
            });
        }
        self.source = Some(source.clone());
        self.span = span;
        self
    }

    /// `file:line:col: severity[code]: message (help)` on one line.
    pub fn short(&self) -> String {
        let mut out = String::new();
        if let Some(loc) = &self.location {
            out.push_str(&format!("{}:{}:{}: ", loc.file, loc.line, loc.column));
        }
        out.push_str(&format!(
            "{}[{}]: {}",
            self.severity, self.code, self.message
        ));
        let mut extra = Vec::new();
        if let Some(field) = &self.field {
            extra.push(format!("field: {field}"));
        }
        if let Some(help) = &self.help {
            extra.push(format!("help: {help}"));
        }
        if !extra.is_empty() {
            out.push_str(&format!(" ({})", extra.join("; ")));
        }
        out
    }
}

/// Adapter that lets miette draw a [`Diagnostic`] with its source snippet.
pub struct Report<'a> {
    diag: &'a Diagnostic,
    named: Option<NamedSource<Arc<str>>>,
}

impl<'a> Report<'a> {
    pub fn new(diag: &'a Diagnostic) -> Self {
        let named = diag.source.as_ref().map(|s| {
            NamedSource::new(s.path.display().to_string(), s.text.clone()).with_language("toml")
        });
        Report { diag, named }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.diag.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let field = self.diag.field.as_ref().map(|f| format!("field: {f}"));
        match (&self.diag.help, field) {
            (Some(h), Some(f)) => Some(Box::new(format!("{h}\n{f}"))),
            (Some(h), None) => Some(Box::new(h)),
            (None, Some(f)) => Some(Box::new(f)),
            (None, None) => None,
        }
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.named.as_ref().map(|n| n as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self
            .diag
            .span
            .clone()
            .or_else(|| self.named.as_ref().map(|_| 0..0))?;
        let label = LabeledSpan::new_primary_with_span(self.diag.label.clone(), span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiagnosticFormat {
    /// rustc-style reports with the source line and a help.
    #[default]
    Human,
    /// One line per problem: `file:line:col: severity[code]: message`.
    Short,
}

/// Render diagnostics for a terminal or log.
pub fn render(diags: &[Diagnostic], format: DiagnosticFormat) -> String {
    let mut out = String::new();
    for d in diags {
        match format {
            DiagnosticFormat::Short => {
                out.push_str(&d.short());
                out.push('\n');
            }
            DiagnosticFormat::Human => {
                let handler = miette::GraphicalReportHandler::new_themed(theme())
                    .with_context_lines(1)
                    .with_width(100);
                let mut s = String::new();
                let report = Report::new(d);
                if handler.render_report(&mut s, &report).is_err() {
                    s = d.short();
                }
                out.push_str(&s);
                if !s.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
    out
}

fn theme() -> miette::GraphicalTheme {
    use std::io::IsTerminal;
    if std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    }
}

/// A "did you mean" suggestion from a list of valid names.
pub fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(given, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
