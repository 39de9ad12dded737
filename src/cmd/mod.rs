//! The commands: the only code that prints. Each returns an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, ClausesArgs, Command, GenerateArgs, InitArgs, ListFormat, OutputFormat};
use crate::diag::{self, Diagnostic, DiagnosticFormat};
use crate::library::Library;
use crate::output::write_atomic;
use crate::pipeline;

/// Exit code: success.
pub const OK: u8 = 0;
/// Exit code: the command ran and found problems (findings).
pub const FINDINGS: u8 = 1;
/// Exit code: the command could not run.
pub const ERROR: u8 = 2;

pub fn dispatch(cli: Cli) -> ExitCode {
    let fmt = cli.diagnostic_format;
    let code = match cli.command {
        Command::Init(args) => init(args),
        Command::Generate(args) => generate(args, fmt),
        Command::Clauses(args) => clauses(args, fmt),
        Command::Schema => schema(),
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
    let _ = stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush());
}

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    ERROR
}

const STARTER: &str = include_str!("../starter.toml");

fn init(args: InitArgs) -> u8 {
    if args.path.exists() && !args.force {
        return fail(format_args!("{} already exists; pass --force to overwrite it", args.path.display()));
    }
    let schema_path = args.path.with_file_name("datapact.schema.json");
    let schema = serde_json::to_string_pretty(crate::load::config_schema()).unwrap_or_default();
    if let Err(e) = write_atomic(&schema_path, format!("{schema}\n").as_bytes()) {
        return fail(e);
    }
    let text = format!("#:schema ./datapact.schema.json\n{STARTER}");
    if let Err(e) = write_atomic(&args.path, text.as_bytes()) {
        return fail(e);
    }
    eprintln!(
        "wrote {} (and {} for editor completion)\nnext: datapact generate {} -o out/",
        args.path.display(),
        schema_path.display(),
        args.path.display()
    );
    OK
}

fn schema() -> u8 {
    let text = serde_json::to_string_pretty(crate::load::config_schema()).unwrap_or_default();
    out(&format!("{text}\n"));
    OK
}

fn generate(args: GenerateArgs, fmt: DiagnosticFormat) -> u8 {
    let mut worst = OK;
    for config in &args.configs {
        let prepared = match pipeline::prepare(config, args.library.library.as_deref()) {
            Ok(p) => p,
            Err(diags) => {
                report(&diags, fmt);
                eprintln!("error: {}: not generated ({} problem{})", config.display(), diags.len(), if diags.len() == 1 { "" } else { "s" });
                worst = worst.max(ERROR);
                continue;
            }
        };
        let reference = &prepared.model.config().agreement.reference;
        if args.format.contains(&OutputFormat::Md) {
            let path = args.output.join(format!("{reference}.md"));
            if let Err(e) = write_atomic(&path, prepared.rendered.markdown.as_bytes()) {
                worst = worst.max(fail(e));
                continue;
            }
            eprintln!("wrote {}", path.display());
        }
        if args.format.contains(&OutputFormat::Pdf) {
            worst = worst.max(fail("PDF output is not available yet: use --format md"));
        }
    }
    worst
}

fn clauses(args: ClausesArgs, fmt: DiagnosticFormat) -> u8 {
    if let Some(dest) = &args.export {
        return match Library::export_builtin(dest) {
            Ok(n) => {
                eprintln!("wrote {n} files under {}", dest.display());
                OK
            }
            Err(e) => fail(format_args!("cannot export the library to {}: {e}", dest.display())),
        };
    }
    let lib = match args.library.library.as_deref() {
        Some(dir) => Library::from_dir(dir),
        None => Library::builtin(),
    };
    let lib = match lib {
        Ok(l) => l,
        Err(diags) => {
            report(&diags, fmt);
            return ERROR;
        }
    };
    match args.format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = lib
                .clauses
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.meta.id,
                        "version": c.meta.version,
                        "title": c.meta.title,
                        "section": c.meta.section,
                        "condition": c.meta.when,
                        "required": c.meta.required,
                        "requires": c.meta.requires,
                        "sources": c.meta.sources,
                        "safeguards": c.meta.safeguards,
                        "hash": c.hash,
                    })
                })
                .collect();
            let doc = serde_json::json!({ "library_version": lib.version, "library_hash": lib.hash, "clauses": list });
            out(&format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default()));
        }
        ListFormat::Table => {
            let mut s = format!("clause library {} ({} clauses)\n", lib.version, lib.clauses.len());
            let mut current = String::new();
            for c in &lib.clauses {
                if c.meta.section != current {
                    current = c.meta.section.clone();
                    let title = lib.section(&current).map(|s| s.title.as_str()).unwrap_or("");
                    s.push_str(&format!("\n{title} [{current}]\n"));
                }
                s.push_str(&format!("  {:<34} {:<6} {}\n", c.meta.id, c.meta.version, c.meta.title));
                if c.meta.when != "true" {
                    s.push_str(&format!("  {:<34} when: {}\n", "", c.meta.when));
                }
                if !c.meta.sources.is_empty() {
                    s.push_str(&format!("  {:<34} sources: {}\n", "", c.meta.sources.join("; ")));
                }
            }
            out(&s);
        }
    }
    OK
}
