//! Command-line arguments (clap derive only). Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turn a TOML description of a data-sharing partnership into a complete, reviewable
/// data-sharing agreement: Markdown to review in git, and a typeset PDF to sign.
///
/// Exit codes: 0 success; 1 findings (e.g. `check` found errors); 2 the command could not run
/// (bad input, missing tool).
#[derive(Debug, Parser)]
#[command(
    name = "datapact",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// How problems in input files are printed.
    #[arg(long, global = true, value_enum, default_value_t = DiagnosticFormatArg::Human)]
    pub diagnostic_format: DiagnosticFormatArg,
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormatArg {
    /// rustc-style reports with the source line and a help.
    Human,
    /// One line per problem: `file:line:col: severity[code]: message`.
    Short,
}

impl From<DiagnosticFormatArg> for crate::diag::DiagnosticFormat {
    fn from(f: DiagnosticFormatArg) -> Self {
        match f {
            DiagnosticFormatArg::Human => crate::diag::DiagnosticFormat::Human,
            DiagnosticFormatArg::Short => crate::diag::DiagnosticFormat::Short,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter config that generates as is.
    Init(InitArgs),
    /// Generate agreements (Markdown and PDF) from configs.
    Generate(GenerateArgs),
    /// List the clause library (id, version, title, section, condition, sources).
    Clauses(ClausesArgs),
    /// Check agreements for what they miss: findings for the seven safeguards and
    /// data-protection law, and how each safeguard is covered.
    ///
    /// Exit 0 when no errors (warnings allowed), 1 when errors are found, 2 when a config
    /// cannot be read.
    Check(CheckArgs),
    /// List every agreement with its key dates and open findings; deadlines falling due; an
    /// iCalendar feed.
    Register(RegisterArgs),
    /// Say whether a PDF is exactly what a config and the library produce today.
    ///
    /// Exit 0 when it matches, 1 when it does not (naming what differs), 2 on error.
    Verify(VerifyArgs),
    /// Produce agreements for many partners: programme configs and/or ordinary configs.
    ///
    /// Builds in parallel and incrementally: an agreement whose inputs did not change is not
    /// rebuilt. Writes `manifest.json` with every input's and output's hash. Exit 1 when any
    /// agreement failed; the others are still built.
    Batch(BatchArgs),
    /// Pin every clause an agreement uses (id, version, hash) in `<config>.lock`.
    Lock(LockArgs),
    /// Compare the agreements two configs produce, clause by clause.
    ///
    /// A and B are config files, `PROGRAMME#PARTNER` for one partner of a programme (two
    /// programmes are compared partner by partner), or either at a git revision written
    /// `REV:PATH` (git's own
    /// syntax, e.g. `HEAD~1:examples/mno.toml`). Exit 0 when identical, 1 when different.
    Diff(DiffArgs),
    /// Show every clause in order and why it is in the agreement.
    Explain(ExplainArgs),
    /// List the configs whose agreements include the given clauses.
    Affected(AffectedArgs),
    /// Regenerate an agreement (Markdown and PDF) each time its config, a partner file or the
    /// clause library changes, printing the check findings of each version; Ctrl-C stops.
    ///
    /// A config that does not load is reported and the last good outputs are kept. The PDF is
    /// typeset by one kept `typst watch` process per agreement, so an edit re-typesets only what
    /// it changed.
    Watch(WatchArgs),
    /// Print the JSON Schema of the config file, for editors (or, with --twin, of the
    /// machine-readable twin `generate` writes as `<reference>.json`).
    Schema {
        /// The schema of the agreement twin instead of the config.
        #[arg(long)]
        twin: bool,
    },
    /// Print shell completions.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the config, e.g. my-agreement.toml.
    pub path: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Options shared by every command that reads clauses.
#[derive(Debug, Args, Clone, Default)]
pub struct LibraryArgs {
    /// A folder holding an organisation's own `clauses/` and `templates/` (overrides
    /// `library = "…"` in the config and the built-in library).
    #[arg(long, value_name = "DIR")]
    pub library: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Markdown, for review in git.
    Md,
    /// Typeset PDF, through the typst CLI.
    Pdf,
    /// Word document (.docx) with the PDF's numbering, for negotiating in Word.
    Docx,
}

/// Where agreements go and in which formats: shared by `generate` and `batch`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output folder; created when missing.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub output: PathBuf,
    /// Comma-separated formats to write.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [OutputFormat::Md, OutputFormat::Pdf])]
    pub format: Vec<OutputFormat>,
    #[command(flatten)]
    pub library: LibraryArgs,
    /// The typst binary (else $DATAPACT_TYPST, else `typst` on PATH).
    #[arg(long, value_name = "PATH")]
    pub typst: Option<PathBuf>,
    /// Also write an archival PDF/A-2b.
    #[arg(long, value_name = "STANDARD")]
    pub pdf_standard: Option<PdfStandard>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Agreement configs (TOML), programmes, or `PROGRAMME#PARTNER` for one partner.
    #[arg(required = true, value_name = "CONFIG")]
    pub configs: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Fail (exit 1) when a clause or template changed since `datapact lock`.
    #[arg(long)]
    pub locked: bool,
    /// Also write the exact input typst compiles for each PDF: `<reference>.typ` (layout and
    /// body) and `<reference>.meta.json` (the metadata the layout reads as `meta.json`).
    /// Hidden: for benchmarks (benches/pdf-overhead.sh) and for debugging the layout.
    #[arg(long, hide = true)]
    pub emit_typ: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The agreement config (TOML), a programme, or `PROGRAMME#PARTNER`.
    #[arg(value_name = "CONFIG")]
    pub config: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Programme configs (with a [programme] table) and/or ordinary configs.
    #[arg(required = true, value_name = "CONFIG")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
    /// How many agreements to build at once (default: the number of cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Build only shard K of N (e.g. 2/4), a deterministic subset for a CI matrix.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Print only failures and the summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// rustc-style findings, the safeguard coverage and a summary.
    #[default]
    Human,
    /// One line per finding.
    Short,
    /// JSON for CI (shape documented in the README).
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Agreement configs, programmes (each partner is checked, named `FILE#PARTNER`), or
    /// `PROGRAMME#PARTNER`.
    #[arg(value_name = "CONFIG", required_unless_present_any = ["list_rules", "explain"])]
    pub configs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// List every rule (id, severity, title, source).
    #[arg(long)]
    pub list_rules: bool,
    /// Explain one rule, e.g. RET-001.
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,
    /// Also fail (exit 1) when a clause or template changed since `datapact lock`.
    #[arg(long)]
    pub locked: bool,
    #[command(flatten)]
    pub library: LibraryArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RegisterFormat {
    #[default]
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// Config paths or globs (quote globs: 'agreements/*.toml').
    #[arg(required = true, value_name = "CONFIGS")]
    pub configs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RegisterFormat::Table)]
    pub format: RegisterFormat,
    /// Show only what falls due within this window: reviews, retention ends, terminations,
    /// expiring legal bases (e.g. 90d, 12w, 6m, 1y).
    #[arg(long, value_name = "WINDOW")]
    pub due: Option<String>,
    /// Write the deadlines (within --due, else the next 2 years) as an iCalendar file.
    #[arg(long, value_name = "FILE")]
    pub ics: Option<PathBuf>,
    /// Count from this date instead of today (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed or circulated PDF.
    pub pdf: PathBuf,
    /// The config it was generated from (for a programme, the partner is found from the
    /// PDF's file name, or named as `PROGRAMME#PARTNER`).
    pub config: PathBuf,
    #[command(flatten)]
    pub library: LibraryArgs,
    /// The typst binary (else $DATAPACT_TYPST, else `typst` on PATH).
    #[arg(long, value_name = "PATH")]
    pub typst: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// Agreement configs; `mno.toml` gets `mno.lock` beside it (a programme's lock holds a
    /// `[[partner]]` table per partner).
    #[arg(required = true, value_name = "CONFIG")]
    pub configs: Vec<PathBuf>,
    #[command(flatten)]
    pub library: LibraryArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier config: a path, `PROGRAMME#PARTNER`, or either as `REV:PATH`.
    pub a: String,
    /// The later config: a path, `PROGRAMME#PARTNER`, or either as `REV:PATH`.
    pub b: String,
    #[command(flatten)]
    pub library: LibraryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// An agreement config, a programme (each partner is explained), or `PROGRAMME#PARTNER`.
    pub config: PathBuf,
    /// Also list the clauses left out, and why.
    #[arg(long)]
    pub all: bool,
    /// Instead, report the length: words per section and annex, and per clause.
    #[arg(long, conflicts_with = "all")]
    pub words: bool,
    #[command(flatten)]
    pub library: LibraryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct AffectedArgs {
    /// Clause ids.
    #[arg(required = true, value_name = "CLAUSE")]
    pub clauses: Vec<String>,
    /// Config paths or globs (quote globs: 'examples/*.toml').
    #[arg(long, required = true, num_args = 1.., value_name = "PATHS")]
    pub configs: Vec<String>,
    #[command(flatten)]
    pub library: LibraryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PdfStandard {
    /// PDF/A-2b, for archival copies.
    #[value(name = "a-2b")]
    A2b,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ListFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ClausesArgs {
    #[command(flatten)]
    pub library: LibraryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Copy the built-in library into DIR to adapt it (then use `--library DIR`).
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
}
