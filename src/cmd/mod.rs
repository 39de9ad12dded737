//! The commands: the only code that prints. Each returns an exit code.
//!
//! One file per command (`generate.rs`, `check.rs`, …); this file dispatches and holds what
//! they share: printing, exit codes, and turning output options into an [`Emitter`].

mod affected;
mod batch;
mod check;
mod clauses;
mod diff;
mod explain;
mod generate;
mod init;
mod lock;
mod progress;
mod register;
mod verify;
mod watch;

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::build::{Agreement, Libraries};
use crate::cli::{Cli, Command, OutputArgs, OutputFormat};
use crate::diag::{self, Diagnostic, DiagnosticFormat};
use crate::emit::{Emitter, Format};

/// Exit code: success.
pub const OK: u8 = 0;
/// Exit code: the command ran and found problems (findings).
pub const FINDINGS: u8 = 1;
/// Exit code: the command could not run.
pub const ERROR: u8 = 2;

pub fn dispatch(cli: Cli) -> ExitCode {
    let fmt = cli.diagnostic_format.into();
    let code = match cli.command {
        Command::Init(args) => init::init(args),
        Command::Generate(args) => generate::run(args, fmt),
        Command::Clauses(args) => clauses::run(args, fmt),
        Command::Schema { twin } => init::schema(twin),
        Command::Batch(args) => batch::run(args, fmt),
        Command::Check(args) => check::run(args, fmt),
        Command::Register(args) => register::run(args, fmt),
        Command::Verify(args) => verify::run(args, fmt),
        Command::Lock(args) => lock::run(args, fmt),
        Command::Diff(args) => diff::run(args, fmt),
        Command::Explain(args) => explain::run(args, fmt),
        Command::Affected(args) => affected::run(args, fmt),
        Command::Watch(args) => watch::run(args, fmt),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "datapact", &mut std::io::stdout());
            OK
        }
    };
    ExitCode::from(code)
}

/// Print diagnostics to stderr.
pub fn report(diags: &[Diagnostic], fmt: DiagnosticFormat) {
    let text = diag::render(diags, fmt);
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Print to stdout, treating a closed pipe (e.g. `| head`) as success.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush());
}

/// Print a value as pretty JSON on stdout. Serialising datapact's own report types cannot
/// fail; were it to, the command fails rather than print nothing.
pub fn out_json(value: &impl serde::Serialize) -> u8 {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            out(&format!("{text}\n"));
            OK
        }
        Err(e) => fail(format_args!("cannot write the JSON output: {e}")),
    }
}

fn fail(message: impl std::fmt::Display) -> u8 {
    note!("error: {message}");
    ERROR
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Report why an agreement was not built: its diagnostics, then one line naming it.
fn not_built(label: &str, what: &str, diags: &[Diagnostic], fmt: DiagnosticFormat) {
    report(diags, fmt);
    note!(
        "error: {label}: {what} ({} problem{})",
        diags.len(),
        plural(diags.len())
    );
}

/// The paths without repeats (`a.toml ./a.toml` name one file: it is built once), in order.
pub(crate) fn distinct_paths(paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut seen = std::collections::HashSet::new();
    paths
        .iter()
        .filter(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())))
        .cloned()
        .collect()
}

/// The arguments as strings, for [`crate::input::plan_arg`] (which also reads `#partner` and
/// `REV:PATH`).
fn arg_strings(paths: &[std::path::PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

/// Build every agreement the arguments name; report those that cannot be built (naming each
/// as `<file>` or `<file>#<partner>`). Returns the built ones and whether any failed.
fn build_reporting(
    args: &[String],
    libraries: &Libraries,
    fmt: DiagnosticFormat,
    what: &str,
) -> (Vec<Agreement>, bool) {
    let mut built = Vec::new();
    let mut failed = false;
    for (label, result) in crate::build::build_all(args, libraries) {
        match result {
            Ok(a) => built.push(a),
            Err(diags) => {
                not_built(&label, what, &diags, fmt);
                failed = true;
            }
        }
    }
    (built, failed)
}

/// The output formats of `generate` and `batch`.
fn formats(args: &OutputArgs) -> Vec<Format> {
    args.format
        .iter()
        .map(|f| match f {
            OutputFormat::Md => Format::Md,
            OutputFormat::Pdf => Format::Pdf,
            OutputFormat::Docx => Format::Docx,
        })
        .collect()
}

/// The [`Emitter`] for the output options of `generate` and `batch`.
fn emitter_for(args: &OutputArgs) -> Result<Emitter, String> {
    Emitter::new(
        &formats(args),
        &args.output,
        args.typst.as_deref(),
        args.pdf_standard.is_some(),
    )
    .map_err(|e| e.to_string())
}

/// A value as pretty JSON text with a final line break.
fn out_json_text(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string_pretty(value)
        .map(|t| format!("{t}\n"))
        .map_err(|e| format!("cannot write the JSON output: {e}"))
}
