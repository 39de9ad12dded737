//! `datapact batch`: many agreements at once, in parallel, incrementally.
//!
//! Steps: read and merge every input ([`input::plan`], in parallel with locating typst) → find
//! output names claimed twice (over the whole batch, so every shard reports its side) → take
//! this shard → load the clause libraries it uses → for each agreement, in parallel: compute
//! its inputs hash; skip it when `manifest.json` has that hash and its outputs are intact; else
//! build it ([`crate::build::build`], as every command does) and write it → write the manifest
//! and a summary.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::build::{Libraries, build};
use crate::cli::BatchArgs;
use crate::diag::{Diagnostic, DiagnosticFormat};
use crate::emit::Emitter;
use crate::input::{self, Planned, Sharded};
use crate::manifest::{FileStamp, Manifest, ManifestEntry};
use crate::output::{Durability, sync_filesystem, write_atomic};

use super::progress::Progress;
use super::{FINDINGS, OK, emitter_for, fail, out_json_text, report};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Built,
    UpToDate,
    Failed(String),
}

struct Row {
    name: String,
    origin: String,
    reference: String,
    outcome: Outcome,
    entry: Option<ManifestEntry>,
}

/// What an agreement needs: nothing more (failed or up to date), or building (with its
/// inputs hash).
enum Triage {
    Done(Row),
    Build(Planned, String),
}

/// A planned agreement and, when its output name is claimed twice, why it will not be built.
pub(super) struct Item {
    pub(super) planned: Planned,
    pub(super) collision: Option<String>,
}

impl Sharded for Item {
    fn key(&self) -> (&str, &str) {
        self.planned.key()
    }
}

pub fn run(args: BatchArgs, fmt: DiagnosticFormat) -> u8 {
    let (k, n) = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s.unwrap_or((1, 1)),
        Err(e) => return fail(e),
    };
    if let Some(j) = args.jobs
        && !(1..=MAX_JOBS).contains(&j)
    {
        return fail(format_args!(
            "--jobs must be from 1 to {MAX_JOBS} (each job is a thread, and with PDFs a typst process); the default is the number of cores"
        ));
    }
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or_else(default_jobs))
        .build()
    {
        Ok(p) => p,
        Err(e) => return fail(format_args!("cannot start worker threads: {e}")),
    };
    pool.install(|| run_in_pool(&args, fmt, k, n))
}

fn run_in_pool(args: &BatchArgs, fmt: DiagnosticFormat, k: usize, n: usize) -> u8 {
    // Temporary files a killed earlier run left in the output folder.
    crate::output::remove_stale_temp_files(&args.out.output, std::time::SystemTime::now());
    // Read the inputs while finding typst (`typst --version`).
    let (planned, emitter) = rayon::join(
        || input::plan(&super::distinct_paths(&args.inputs)),
        || emitter_for(&args.out),
    );
    let emitter = match emitter {
        Ok(e) => e.with_durability(Durability::Deferred),
        Err(e) => return fail(e),
    };
    let all_refs: HashSet<String> = planned.iter().map(|p| p.reference.clone()).collect();
    // Inputs that could not be read at all (a programme with a syntax error): their agreements
    // are unknown this run, so their manifest entries stay as they were.
    let unreadable: HashSet<String> = planned
        .iter()
        .filter(|p| p.reference.is_empty() && p.failure().is_some())
        .map(|p| p.file.display().to_string())
        .collect();
    let items = input::shard(with_collisions(planned), k, n);
    if items.is_empty() {
        if !args.quiet {
            note!("nothing to build in shard {k}/{n}");
        }
        return OK;
    }
    // The libraries this shard uses, each loaded once: their hash is part of every inputs hash.
    let libraries = Libraries::new(args.out.library.library.as_deref());
    let keys: HashSet<Option<PathBuf>> =
        items.iter().map(|it| libraries.key(&it.planned)).collect();
    let library_hashes: HashMap<Option<PathBuf>, Result<String, String>> = keys
        .into_par_iter()
        .map(|key| {
            let hash = libraries.get(&key).map(|l| l.hash.clone()).map_err(|ds| {
                report(&ds, fmt);
                match &key {
                    Some(dir) => format!(
                        "the clause library in {} could not be loaded",
                        dir.display()
                    ),
                    None => "the built-in clause library could not be loaded".to_owned(),
                }
            });
            (key, hash)
        })
        .collect();

    let manifest = Manifest::read(&args.out.output);
    let index = manifest.index();
    let progress = Progress::new(items.len() as u64, args.quiet);
    let diag_lock = Mutex::new(());
    let ctx = Ctx {
        libraries: &libraries,
        library_hashes: &library_hashes,
        emitter: &emitter,
        fingerprint: emitter.fingerprint(),
        fmt,
        diag_lock: &diag_lock,
        progress: &progress,
    };

    // 1. What is failed or up to date already; the rest needs building.
    let triaged: Vec<Triage> = items
        .into_par_iter()
        .map(|it| ctx.triage(it, &index))
        .collect();
    let mut rows = Vec::new();
    let mut todo = Vec::new();
    for t in triaged {
        match t {
            Triage::Done(row) => rows.push(row),
            Triage::Build(p, hash) => todo.push((p, hash)),
        }
    }
    // 2. Build the rest.
    if !todo.is_empty() {
        // Files are renamed into place unflushed and flushed once at the end (below); a
        // thread flushes what has been written so far every so often meanwhile, so that the
        // disk writes while agreements render rather than all at the end.
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            // Stops the flusher however this scope ends: were a build to panic, the scope
            // would otherwise wait for the flusher forever instead of reporting the panic.
            struct Stop<'a>(
                &'a std::sync::atomic::AtomicBool,
                Option<std::thread::Thread>,
            );
            impl Drop for Stop<'_> {
                fn drop(&mut self) {
                    self.0.store(true, std::sync::atomic::Ordering::Relaxed);
                    if let Some(t) = &self.1 {
                        t.unpark();
                    }
                }
            }
            let flusher = scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::park_timeout(std::time::Duration::from_millis(250));
                    if !done.load(std::sync::atomic::Ordering::Relaxed) {
                        // Errors are reported by the final flush.
                        let _ = sync_filesystem(&args.out.output);
                    }
                }
            });
            let _stop = Stop(&done, Some(flusher.thread().clone()));
            rows.par_extend(todo.into_par_iter().map(|(p, hash)| ctx.build_one(p, hash)));
        });
    }
    progress.finish();
    rows.sort_by(|a, b| (&a.name, &a.origin).cmp(&(&b.name, &b.origin)));

    let new_manifest = next_manifest(&manifest, &rows, &args.inputs, &all_refs, &unreadable);
    let text = match out_json_text(&new_manifest) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    // The Markdown and JSON were renamed into place unflushed: flush them all at once before
    // the manifest records them (a PDF is flushed by the runner as it is written).
    if rows.iter().any(|r| matches!(r.outcome, Outcome::Built))
        && let Err(e) = sync_filesystem(&args.out.output)
    {
        return fail(e);
    }
    let path = args.out.output.join("manifest.json");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str())
        && let Err(e) = write_atomic(&path, text.as_bytes())
    {
        return fail(e);
    }

    print_summary(&rows, args.quiet, &args.out.output);
    if rows.iter().any(|r| matches!(r.outcome, Outcome::Failed(_))) {
        FINDINGS
    } else {
        OK
    }
}

/// The manifest after this run: this run's agreements, plus those of other shards; entries of
/// a programme's partners that are gone are dropped, while those of inputs that could not be
/// read at all (`unreadable`) are kept as they were.
fn next_manifest(
    manifest: &Manifest,
    rows: &[Row],
    inputs: &[PathBuf],
    all_refs: &HashSet<String>,
    unreadable: &HashSet<String>,
) -> Manifest {
    // The new manifest: this run's agreements, plus those of other shards; entries of a
    // programme's partners that are gone are dropped.
    let ours: HashSet<&str> = rows.iter().map(|r| r.reference.as_str()).collect();
    let inputs: HashSet<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let mut agreements: Vec<ManifestEntry> = manifest
        .agreements
        .iter()
        .filter(|e| {
            !ours.contains(e.reference.as_str())
                && (all_refs.contains(&e.reference)
                    || !inputs.contains(&e.config)
                    || unreadable.contains(&e.config))
        })
        .cloned()
        .collect();
    agreements.extend(
        rows.iter()
            .filter(|r| !matches!(r.outcome, Outcome::Failed(_)))
            .filter_map(|r| r.entry.clone()),
    );
    agreements.sort_by(|a, b| a.reference.cmp(&b.reference));
    Manifest {
        manifest_version: 1,
        datapact_version: env!("CARGO_PKG_VERSION").to_owned(),
        agreements,
    }
}

/// Mark every planned agreement whose output name another one also claims.
pub(super) fn with_collisions(planned: Vec<Planned>) -> Vec<Item> {
    let refs: Vec<(usize, String)> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| (i, p.reference.clone()))
        .collect();
    let mut why: HashMap<usize, String> = HashMap::new();
    for (name, idx) in input::collisions(&refs) {
        let claimants: Vec<String> = idx
            .iter()
            .map(|i| format!("{} ({})", planned[*i].name, planned[*i].origin))
            .collect();
        let why_this = format!(
            "output name {name} (case-insensitive) is claimed {} times: by {}; give each agreement its own agreement.reference",
            idx.len(),
            claimants.join(", ")
        );
        for i in &idx {
            why.insert(*i, why_this.clone());
        }
    }
    planned
        .into_iter()
        .enumerate()
        .map(|(i, p)| Item {
            planned: p,
            collision: why.remove(&i),
        })
        .collect()
}

struct Ctx<'a> {
    libraries: &'a Libraries,
    /// Each library's hash, or why it could not be loaded.
    library_hashes: &'a HashMap<Option<PathBuf>, Result<String, String>>,
    emitter: &'a Emitter,
    fingerprint: String,
    fmt: DiagnosticFormat,
    diag_lock: &'a Mutex<()>,
    progress: &'a Progress,
}

impl Ctx<'_> {
    fn report(&self, diags: &[Diagnostic]) {
        let _g = self.diag_lock.lock();
        self.progress.suspend(|| report(diags, self.fmt));
    }

    fn row(&self, p: &Planned, outcome: Outcome, entry: Option<ManifestEntry>) -> Row {
        self.progress.tick(&p.name, &outcome);
        Row {
            name: p.name.clone(),
            origin: p.origin.clone(),
            reference: p.reference.clone(),
            outcome,
            entry,
        }
    }

    /// Whether an agreement failed already, is up to date, or needs building.
    fn triage(&self, it: Item, index: &HashMap<&str, &ManifestEntry>) -> Triage {
        let p = it.planned;
        if let Some(why) = it.collision {
            return Triage::Done(self.row(&p, Outcome::Failed(why), None));
        }
        if let Some(diags) = p.failure() {
            self.report(diags);
            return Triage::Done(self.row(&p, Outcome::Failed(summary(diags)), None));
        }
        let lib_hash = match self.library_hashes.get(&self.libraries.key(&p)) {
            Some(Ok(h)) => h,
            Some(Err(why)) => {
                return Triage::Done(self.row(&p, Outcome::Failed(why.clone()), None));
            }
            None => {
                let why = "no clause library".to_owned();
                return Triage::Done(self.row(&p, Outcome::Failed(why), None));
            }
        };
        let inputs_hash = p.inputs_hash(lib_hash, &self.fingerprint);
        if let Some(e) = index.get(p.reference.as_str())
            && e.is_current(self.emitter.out_dir(), &inputs_hash)
        {
            let mut entry = ManifestEntry {
                name: p.name.clone(),
                origin: p.origin.clone(),
                config: p.file.display().to_string(),
                ..(*e).clone()
            };
            // Content verified: remember the files' current size and time for the next run.
            for o in &mut entry.outputs {
                o.stamp = FileStamp::of(&self.emitter.out_dir().join(&o.file));
            }
            return Triage::Done(self.row(&p, Outcome::UpToDate, Some(entry)));
        }
        Triage::Build(p, inputs_hash)
    }

    fn build_one(&self, p: Planned, inputs_hash: String) -> Row {
        let (name, origin, config, reference) = (
            p.name.clone(),
            p.origin.clone(),
            p.file.display().to_string(),
            p.reference.clone(),
        );
        let failed = |why: String| {
            self.progress.tick(&name, &Outcome::Failed(why.clone()));
            Row {
                name: name.clone(),
                origin: origin.clone(),
                reference: reference.clone(),
                outcome: Outcome::Failed(why),
                entry: None,
            }
        };
        let agreement = match build(p, self.libraries) {
            Ok(a) => a,
            Err(diags) => {
                self.report(&diags);
                return failed(summary(&diags));
            }
        };
        if let Some(why) = agreement.final_refusal() {
            self.report(&agreement.errors());
            return failed(why);
        }
        match self
            .emitter
            .emit(&agreement.model, &agreement.rendered, &agreement.library)
        {
            Ok(mut outputs) => {
                for o in &mut outputs {
                    o.stamp = FileStamp::of(&self.emitter.out_dir().join(&o.file));
                }
                self.progress.tick(&name, &Outcome::Built);
                let entry = ManifestEntry {
                    name: name.clone(),
                    reference: reference.clone(),
                    origin: origin.clone(),
                    config,
                    inputs_hash,
                    outputs,
                };
                Row {
                    name,
                    origin,
                    reference,
                    outcome: Outcome::Built,
                    entry: Some(entry),
                }
            }
            Err(e) => failed(e.to_string()),
        }
    }
}

fn summary(diags: &[Diagnostic]) -> String {
    let first = diags.first().map(|d| d.short()).unwrap_or_default();
    if diags.len() > 1 {
        format!("{first} (+{} more)", diags.len() - 1)
    } else {
        first
    }
}

fn print_summary(rows: &[Row], quiet: bool, out: &Path) {
    let built = rows.iter().filter(|r| r.outcome == Outcome::Built).count();
    let fresh = rows
        .iter()
        .filter(|r| r.outcome == Outcome::UpToDate)
        .count();
    let failed = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    let shown: Vec<&Row> = rows
        .iter()
        .filter(|r| !quiet || matches!(r.outcome, Outcome::Failed(_)))
        .collect();
    let w_name = shown
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(7, 40);
    let w_ref = shown
        .iter()
        .map(|r| r.reference.len())
        .max()
        .unwrap_or(0)
        .clamp(9, 60);
    let mut s = String::new();
    if !shown.is_empty() {
        s.push_str(&format!(
            "{:<w_name$}  {:<w_ref$}  result\n",
            "partner", "reference"
        ));
        for r in &shown {
            let result = match &r.outcome {
                Outcome::Built => "built".to_owned(),
                Outcome::UpToDate => "up to date".to_owned(),
                Outcome::Failed(why) => format!("FAILED: {why}"),
            };
            let reference = if r.reference.is_empty() {
                "-"
            } else {
                &r.reference
            };
            s.push_str(&format!(
                "{:<w_name$}  {:<w_ref$}  {result}\n",
                r.name, reference
            ));
        }
    }
    s.push_str(&format!(
        "{built} built, {fresh} up to date, {failed} failed ({} agreements in {})\n",
        rows.len(),
        out.display()
    ));
    note_str!(s);
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard `{s}`: write K/N with 1 <= K <= N, e.g. 2/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// More parallel jobs than this only costs memory: a thread (and a typst process) each.
const MAX_JOBS: usize = 256;

pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
