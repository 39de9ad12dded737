//! `datapact batch`: many agreements at once, in parallel, incrementally.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::batch::{self, Job, Manifest, ManifestEntry};
use crate::cli::BatchArgs;
use crate::diag::DiagnosticFormat;
use crate::emit::Emitter;
use crate::library::{Library, sha256_hex};
use crate::output::write_atomic;

use super::{FINDINGS, OK, fail, report};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Built,
    UpToDate,
    Failed(String),
}

struct Row {
    name: String,
    reference: String,
    outcome: Outcome,
    entry: Option<ManifestEntry>,
}

pub fn run(args: BatchArgs, fmt: DiagnosticFormat) -> u8 {
    let (k, n) = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s.unwrap_or((1, 1)),
        Err(e) => return fail(e),
    };
    let jobs: Vec<Job> = batch::shard(batch::jobs(&args.inputs), k, n);
    if jobs.is_empty() {
        eprintln!("nothing to build in shard {k}/{n}");
        return OK;
    }
    let emitter = match Emitter::new(&args.format, &args.output, args.typst.as_deref(), args.pdf_standard.is_some()) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };

    // Libraries: one per distinct source, loaded once and shared by every job.
    let mut libraries: HashMap<Option<PathBuf>, Result<Library, String>> = HashMap::new();
    let lib_key = |job: &Job| -> Option<PathBuf> {
        if let Some(dir) = &args.library.library {
            return Some(dir.clone());
        }
        let model = job.model.as_ref().ok()?;
        model.config().library.as_ref().map(|rel| job.file.parent().unwrap_or(std::path::Path::new(".")).join(rel))
    };
    for job in &jobs {
        let key = lib_key(job);
        libraries.entry(key.clone()).or_insert_with(|| {
            let lib = match &key {
                Some(dir) => Library::from_dir(dir),
                None => Library::builtin(),
            };
            lib.map_err(|ds| {
                report(&ds, fmt);
                "the clause library could not be loaded".to_owned()
            })
        });
    }

    let manifest = Manifest::read(&args.output);
    let mut references: Vec<(usize, String)> = Vec::new();
    for (i, j) in jobs.iter().enumerate() {
        if let Ok(m) = &j.model {
            references.push((i, m.config().agreement.reference.clone()));
        }
    }
    let collisions = batch::collisions(&references);
    let collided: HashMap<usize, String> = collisions
        .iter()
        .flat_map(|(r, idx)| {
            let names: Vec<String> = idx.iter().map(|i| jobs[*i].origin.clone()).collect();
            idx.iter().map(move |i| (*i, format!("output name {r} is claimed by {}", names.join(" and "))))
        })
        .collect();

    let progress = Progress::new(jobs.len() as u64, args.quiet);
    let diag_lock = Mutex::new(());
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(args.jobs.unwrap_or_else(default_jobs)).build() {
        Ok(p) => p,
        Err(e) => return fail(format_args!("cannot start worker threads: {e}")),
    };
    let rows: Vec<Row> = pool.install(|| {
        jobs.par_iter()
            .enumerate()
            .map(|(i, job)| {
                let row = build_one(i, job, &libraries, lib_key(job), &collided, &manifest, &emitter, fmt, &diag_lock);
                progress.tick(&row.name, &row.outcome);
                row
            })
            .collect()
    });
    progress.finish();

    // Keep entries of agreements outside this run (other shards) and replace ours.
    let mut new_manifest = Manifest { manifest_version: 1, datapact_version: env!("CARGO_PKG_VERSION").to_owned(), agreements: Vec::new() };
    let ours: Vec<&str> = rows.iter().map(|r| r.reference.as_str()).collect();
    new_manifest.agreements.extend(manifest.agreements.iter().filter(|e| !ours.contains(&e.reference.as_str())).cloned());
    for r in &rows {
        match (&r.outcome, &r.entry) {
            (Outcome::Failed(_), _) => {}
            (_, Some(e)) => new_manifest.agreements.push(e.clone()),
            _ => {}
        }
    }
    new_manifest.agreements.sort_by(|a, b| a.reference.cmp(&b.reference));
    let text = serde_json::to_string_pretty(&new_manifest).unwrap_or_default();
    if let Err(e) = write_atomic(&args.output.join("manifest.json"), format!("{text}\n").as_bytes()) {
        return fail(e);
    }

    let built = rows.iter().filter(|r| r.outcome == Outcome::Built).count();
    let fresh = rows.iter().filter(|r| r.outcome == Outcome::UpToDate).count();
    let failed: Vec<&Row> = rows.iter().filter(|r| matches!(r.outcome, Outcome::Failed(_))).collect();
    if !args.quiet || !failed.is_empty() {
        let mut s = String::new();
        if !args.quiet {
            s.push_str(&format!("{:<28} {:<32} {}\n", "partner", "reference", "result"));
        }
        for r in &rows {
            let shown = match &r.outcome {
                Outcome::Built => "built".to_owned(),
                Outcome::UpToDate => "up to date".to_owned(),
                Outcome::Failed(why) => format!("FAILED: {why}"),
            };
            if !args.quiet || matches!(r.outcome, Outcome::Failed(_)) {
                s.push_str(&format!("{:<28} {:<32} {}\n", r.name, r.reference, shown));
            }
        }
        s.push_str(&format!("{built} built, {fresh} up to date, {} failed ({} in {})\n", failed.len(), rows.len(), args.output.display()));
        eprint!("{s}");
    }
    if failed.is_empty() { OK } else { FINDINGS }
}

#[allow(clippy::too_many_arguments)]
fn build_one(
    i: usize,
    job: &Job,
    libraries: &HashMap<Option<PathBuf>, Result<Library, String>>,
    key: Option<PathBuf>,
    collided: &HashMap<usize, String>,
    manifest: &Manifest,
    emitter: &Emitter,
    fmt: DiagnosticFormat,
    diag_lock: &Mutex<()>,
) -> Row {
    let model = match &job.model {
        Ok(m) => m,
        Err(diags) => {
            let _g = diag_lock.lock();
            report(diags, fmt);
            return Row { name: job.name.clone(), reference: String::new(), outcome: Outcome::Failed(summary(diags)), entry: None };
        }
    };
    let reference = model.config().agreement.reference.clone();
    let row = |outcome, entry| Row { name: job.name.clone(), reference: reference.clone(), outcome, entry };
    if let Some(why) = collided.get(&i) {
        return row(Outcome::Failed(why.clone()), None);
    }
    let lib = match libraries.get(&key) {
        Some(Ok(l)) => l,
        Some(Err(e)) => return row(Outcome::Failed(e.clone()), None),
        None => return row(Outcome::Failed("no library".into()), None),
    };
    let inputs_hash = sha256_hex(
        format!("{}\n{}\n{}\n{}\n{}", job.canonical, lib.hash, emitter.fingerprint(), env!("CARGO_PKG_VERSION"), reference).as_bytes(),
    );
    if manifest.up_to_date(emitter.out_dir(), &reference, &inputs_hash) {
        return row(Outcome::UpToDate, manifest.entry(&reference).cloned());
    }
    let check = crate::pipeline::Check::run(model);
    if let Some(why) = crate::pipeline::final_refusal(model, &check) {
        let _g = diag_lock.lock();
        report(&check.findings.iter().filter(|d| d.severity == crate::diag::Severity::Error).cloned().collect::<Vec<_>>(), fmt);
        return row(Outcome::Failed(why), None);
    }
    let rendered = match crate::render::render(model, lib, &check) {
        Ok(r) => r,
        Err(diags) => {
            let _g = diag_lock.lock();
            report(&diags, fmt);
            return row(Outcome::Failed(summary(&diags)), None);
        }
    };
    match emitter.emit(model, &rendered, lib) {
        Ok(outputs) => row(
            Outcome::Built,
            Some(ManifestEntry { name: job.name.clone(), reference: reference.clone(), origin: job.origin.clone(), inputs_hash, outputs }),
        ),
        Err(e) => row(Outcome::Failed(e), None),
    }
}

fn summary(diags: &[crate::diag::Diagnostic]) -> String {
    let first = diags.first().map(|d| d.short()).unwrap_or_default();
    if diags.len() > 1 { format!("{first} (+{} more)", diags.len() - 1) } else { first }
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard `{s}`: write K/N with 1 <= K <= N, e.g. 2/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// A progress bar on a terminal; plain lines otherwise; nothing with `--quiet`.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    plain: bool,
}

impl Progress {
    fn new(len: u64, quiet: bool) -> Progress {
        if quiet {
            return Progress { bar: None, plain: false };
        }
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(len);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
                bar.set_style(style);
            }
            Progress { bar: Some(bar), plain: false }
        } else {
            Progress { bar: None, plain: true }
        }
    }
    fn tick(&self, name: &str, outcome: &Outcome) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(name.to_owned());
        } else if self.plain {
            let what = match outcome {
                Outcome::Built => "built",
                Outcome::UpToDate => "up to date",
                Outcome::Failed(_) => "failed",
            };
            eprintln!("{name}: {what}");
        }
    }
    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
