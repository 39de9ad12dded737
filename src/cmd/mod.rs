//! The commands: the only code that prints. Each returns an exit code.

mod batch;
mod check;
mod register;

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{
    AffectedArgs, ClausesArgs, Cli, Command, DiffArgs, ExplainArgs, GenerateArgs, InitArgs,
    ListFormat, LockArgs,
};
use crate::diag::{self, Diagnostic, DiagnosticFormat};
use crate::library::Library;
use crate::output::write_atomic;
use crate::pipeline;
use crate::review;

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
        Command::Schema { twin } => schema(twin),
        Command::Batch(args) => batch::run(args, fmt),
        Command::Check(args) => check::run(args, fmt),
        Command::Register(args) => register::run(args, fmt),
        Command::Verify(args) => register::verify(args, fmt),
        Command::Lock(args) => lock(args, fmt),
        Command::Diff(args) => diff(args, fmt),
        Command::Explain(args) => explain(args, fmt),
        Command::Affected(args) => affected(args, fmt),
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

fn fail(message: impl std::fmt::Display) -> u8 {
    note!("error: {message}");
    ERROR
}

const STARTER: &str = include_str!("../starter.toml");

fn init(args: InitArgs) -> u8 {
    if args.path.exists() && !args.force {
        return fail(format_args!(
            "{} already exists; pass --force to overwrite it",
            args.path.display()
        ));
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
    note!(
        "wrote {} (and {} for editor completion)\nnext: datapact generate {} -o out/",
        args.path.display(),
        schema_path.display(),
        args.path.display()
    );
    OK
}

fn schema(twin: bool) -> u8 {
    let value = if twin {
        crate::twin::schema()
    } else {
        crate::load::config_schema().clone()
    };
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    out(&format!("{text}\n"));
    OK
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

fn generate(args: GenerateArgs, fmt: DiagnosticFormat) -> u8 {
    let emitter = match crate::emit::Emitter::for_args(&args.out) {
        Ok(e) => e.with_typ_output(args.emit_typ),
        Err(e) => return fail(e),
    };
    let mut worst = OK;
    // Output names claimed by more than one config or partner of this run: none of them is
    // written, since each would overwrite the other (as `datapact batch` does).
    let configs = distinct_paths(&args.configs);
    let taken = batch::claimed_twice(&configs);
    for config in &configs {
        // A programme file: every partner's agreement (as `datapact batch` would, not incrementally).
        if crate::batch::is_programme(config) {
            worst = worst.max(batch::generate_programme(
                config, &args, &emitter, &taken, fmt,
            ));
            continue;
        }
        let prepared = match pipeline::prepare(config, args.out.library.library.as_deref()) {
            Ok(p) => p,
            Err(diags) => {
                report(&diags, fmt);
                note!(
                    "error: {}: not generated ({} problem{})",
                    config.display(),
                    diags.len(),
                    if diags.len() == 1 { "" } else { "s" }
                );
                worst = worst.max(ERROR);
                continue;
            }
        };
        let reference = &prepared.model.config().agreement.reference;
        if let Some(why) = taken.get(&reference.to_lowercase()) {
            note!("error: {}: not generated: {why}", config.display());
            worst = worst.max(ERROR);
            continue;
        }
        if args.locked && !locked_ok(config, &prepared, fmt) {
            worst = worst.max(FINDINGS);
            continue;
        }
        if let Some(why) = pipeline::final_refusal(&prepared.model, &prepared.check) {
            let errors: Vec<Diagnostic> = prepared
                .check
                .findings
                .iter()
                .filter(|d| d.severity == crate::diag::Severity::Error)
                .cloned()
                .collect();
            report(&errors, fmt);
            note!("error: {}: not generated: {why}", config.display());
            worst = worst.max(FINDINGS);
            continue;
        }
        match emitter.emit(&prepared.model, &prepared.rendered, &prepared.library) {
            Ok(files) => {
                for f in files {
                    note!("wrote {}", args.out.output.join(&f.file).display());
                }
            }
            Err(e) => {
                note!("error: {}: {e}", config.display());
                worst = worst.max(ERROR);
            }
        }
    }
    worst
}

fn clauses(args: ClausesArgs, fmt: DiagnosticFormat) -> u8 {
    if let Some(dest) = &args.export {
        return match Library::export_builtin(dest) {
            Ok(n) => {
                note!("wrote {n} files under {}", dest.display());
                OK
            }
            Err(e) => fail(format_args!(
                "cannot export the library to {}: {e}",
                dest.display()
            )),
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
            out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            ));
        }
        ListFormat::Table => {
            let mut s = format!(
                "clause library {} ({} clauses)\n",
                lib.version,
                lib.clauses.len()
            );
            let mut current = String::new();
            for c in &lib.clauses {
                if c.meta.section != current {
                    current = c.meta.section.clone();
                    let title = lib
                        .section(&current)
                        .map(|s| s.title.as_str())
                        .unwrap_or("");
                    s.push_str(&format!("\n{title} [{current}]\n"));
                }
                s.push_str(&format!(
                    "  {:<34} {:<6} {}\n",
                    c.meta.id, c.meta.version, c.meta.title
                ));
                if c.meta.when != "true" {
                    s.push_str(&format!("  {:<34} when: {}\n", "", c.meta.when));
                }
                if !c.meta.sources.is_empty() {
                    s.push_str(&format!(
                        "  {:<34} sources: {}\n",
                        "",
                        c.meta.sources.join("; ")
                    ));
                }
            }
            out(&s);
        }
    }
    OK
}

/// Compare an agreement with its lock; print what drifted. `false` when anything did.
pub(crate) fn locked_ok(
    config: &std::path::Path,
    prepared: &pipeline::Prepared,
    fmt: DiagnosticFormat,
) -> bool {
    match review::check_lock(config, prepared) {
        Ok(drift) if drift.is_empty() => true,
        Ok(drift) => {
            note!(
                "error: {} no longer matches {}:",
                config.display(),
                review::lock_path(config).display()
            );
            for d in &drift {
                note!("  {:<9} {:<36} {}", d.kind, d.clause, d.detail);
            }
            note!(
                "help: review the changed clauses, then run `datapact lock {}` to accept them",
                config.display()
            );
            false
        }
        Err(d) => {
            report(&[d], fmt);
            false
        }
    }
}

fn lock(args: LockArgs, fmt: DiagnosticFormat) -> u8 {
    let mut worst = OK;
    for config in &args.configs {
        match pipeline::prepare(config, args.library.library.as_deref()) {
            Ok(p) => {
                let path = review::lock_path(config);
                let lock = review::lock_for(&p);
                if let Err(e) = write_atomic(&path, review::lock_to_toml(&lock).as_bytes()) {
                    worst = worst.max(fail(e));
                } else {
                    note!("wrote {} ({} clauses)", path.display(), lock.clauses.len());
                }
            }
            Err(diags) => {
                report(&diags, fmt);
                worst = worst.max(ERROR);
            }
        }
    }
    worst
}

fn prepare_arg(
    arg: &str,
    library: Option<&std::path::Path>,
) -> Result<pipeline::Prepared, Vec<Diagnostic>> {
    match crate::git::parse_rev_path(arg) {
        Some((rev, path)) => {
            let text = crate::git::show(rev, path).map_err(|d| vec![d])?;
            pipeline::prepare_text(std::path::Path::new(arg), &text, library)
        }
        None => pipeline::prepare(std::path::Path::new(arg), library),
    }
}

fn diff(args: DiffArgs, fmt: DiagnosticFormat) -> u8 {
    let lib = args.library.library.as_deref();
    let (a, b) = match (prepare_arg(&args.a, lib), prepare_arg(&args.b, lib)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for r in [a.err(), b.err()].into_iter().flatten() {
                report(&r, fmt);
            }
            return ERROR;
        }
    };
    let rep = review::diff(&args.a, &a, &args.b, &b);
    match args.format {
        ListFormat::Json => out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&rep).unwrap_or_default()
        )),
        ListFormat::Table => {
            let mut s = String::new();
            if rep.identical {
                s.push_str(&format!(
                    "{} and {} produce identical agreements\n",
                    rep.a, rep.b
                ));
            } else {
                s.push_str(&format!(
                    "{} → {}: {} added, {} removed, {} changed clause{}{}\n",
                    rep.a,
                    rep.b,
                    rep.added,
                    rep.removed,
                    rep.changed,
                    if rep.changed == 1 { "" } else { "s" },
                    if rep.frame_changed {
                        "; cover, parties or signatures changed"
                    } else {
                        ""
                    }
                ));
                for c in &rep.clauses {
                    let mark = match c.change {
                        "added" => "+",
                        "removed" => "-",
                        _ => "~",
                    };
                    s.push_str(&format!("  {mark} {:<36} {}\n", c.id, c.title));
                }
                for c in rep.clauses.iter().filter(|c| c.word_diff.is_some()) {
                    s.push_str(&format!("\n~ {} ({})\n", c.id, c.title));
                    for line in c
                        .word_diff
                        .as_deref()
                        .unwrap_or("")
                        .lines()
                        .filter(|l| l.contains("[-") || l.contains("{+"))
                    {
                        s.push_str(&format!("  {line}\n"));
                    }
                }
            }
            out(&s);
        }
    }
    if rep.identical { OK } else { FINDINGS }
}

fn explain(args: ExplainArgs, fmt: DiagnosticFormat) -> u8 {
    let p = match pipeline::prepare(&args.config, args.library.library.as_deref()) {
        Ok(p) => p,
        Err(diags) => {
            report(&diags, fmt);
            return ERROR;
        }
    };
    let items: Vec<review::Explanation> = review::explain(&p)
        .into_iter()
        .filter(|e| args.all || e.included)
        .collect();
    match args.format {
        ListFormat::Json => out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&items).unwrap_or_default()
        )),
        ListFormat::Table => {
            let mut s = String::new();
            for e in &items {
                s.push_str(&format!(
                    "{} {:<36} {}\n",
                    if e.included { "+" } else { "-" },
                    e.id,
                    e.title
                ));
                s.push_str(&format!("    {}\n", e.reason));
                for v in &e.values {
                    s.push_str(&format!("      {v}\n"));
                }
            }
            let n = items.iter().filter(|e| e.included).count();
            s.push_str(&format!(
                "\n{n} clauses included{}\n",
                if args.all {
                    format!(", {} left out", items.len() - n)
                } else {
                    String::new()
                }
            ));
            out(&s);
        }
    }
    OK
}

fn affected(args: AffectedArgs, fmt: DiagnosticFormat) -> u8 {
    let configs = match review::expand_configs(&args.configs) {
        Ok(c) => c,
        Err(d) => {
            report(&[d], fmt);
            return ERROR;
        }
    };
    let mut prepared = Vec::new();
    let mut worst = OK;
    for c in &configs {
        match pipeline::prepare(c, args.library.library.as_deref()) {
            Ok(p) => prepared.push((c.clone(), p)),
            Err(diags) => {
                report(&diags, fmt);
                worst = ERROR;
            }
        }
    }
    if let Some((_, p)) = prepared.first() {
        let unknown = review::check_clause_ids(&args.clauses, &p.library);
        if !unknown.is_empty() {
            report(&unknown, fmt);
            return ERROR;
        }
    }
    let hits = review::affected(
        &args.clauses,
        prepared.iter().map(|(c, p)| (c.as_path(), p)),
    );
    match args.format {
        ListFormat::Json => {
            let v: Vec<serde_json::Value> = hits.iter().map(|(p, ids)| serde_json::json!({"config": p.display().to_string(), "clauses": ids})).collect();
            out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            ));
        }
        ListFormat::Table => {
            let mut s = String::new();
            for (p, ids) in &hits {
                s.push_str(&format!("{}\t{}\n", p.display(), ids.join(", ")));
            }
            out(&s);
            note!(
                "{} of {} configs include {}",
                hits.len(),
                configs.len(),
                args.clauses.join(", ")
            );
        }
    }
    worst
}
