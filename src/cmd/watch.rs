//! `datapact watch`: regenerate an agreement's outputs each time its config, a programme's
//! partner file or the clause library changes, until Ctrl-C.
//!
//! Each change rebuilds the agreement through the one build path, prints its `check` findings
//! (file:line:column, as `check` and `generate` do), writes the Markdown, twin (and .docx)
//! atomically, and hands the PDF's typst input to a kept `typst watch` process
//! ([`crate::pdf::Session`]), which re-typesets only what changed. A config that does not
//! load, or a PDF that does not compile, is reported and the last good outputs stay in place.
//! The folders watched are the config's (recursively: partner files and CSVs sit there) and
//! the clause library's, when it is a folder; the output folder, hidden files (editors' swap
//! and backup files, datapact's own temporary files) and `.git` are ignored. Editors that
//! save by renaming a new file over the old one are seen, since folders are watched, not files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::build::{Libraries, build_all};
use crate::cli::WatchArgs;
use crate::diag::{DiagnosticFormat, Severity};
use crate::emit::{Emitter, Format};
use crate::pdf::{Compiled, Session};

use super::{ERROR, OK, fail, formats, not_built, plural, report};

/// Set by SIGINT and SIGTERM: the loop ends, typst is stopped, the command exits 0.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// How long a burst of file events may go quiet before the rebuild starts (an editor's save
/// is several events: write a temporary file, rename it, change its mode).
const QUIET: Duration = Duration::from_millis(25);

pub(super) fn run(args: WatchArgs, fmt: DiagnosticFormat) -> u8 {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let out_dir = &args.out.output;
    let all = formats(&args.out);
    let text_formats: Vec<Format> = all.iter().copied().filter(|f| *f != Format::Pdf).collect();
    let emitter = match Emitter::new(&text_formats, out_dir, None, false) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let pdf = if all.contains(&Format::Pdf) {
        match Emitter::new(
            &[Format::Pdf],
            out_dir,
            args.out.typst.as_deref(),
            args.out.pdf_standard.is_some(),
        ) {
            Ok(e) => Some(e),
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    if let Err(e) = std::fs::create_dir_all(out_dir) {
        return fail(format_args!("cannot create {}: {e}", out_dir.display()));
    }
    let out_canonical = std::fs::canonicalize(out_dir).unwrap_or_else(|_| out_dir.clone());
    let arg = args.config.to_string_lossy().into_owned();
    let (watched, libraries) = match folders_to_watch(&arg, args.out.library.library.as_deref()) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };

    let (tx, rx) = channel();
    let mut watcher = match notify::recommended_watcher(move |res| {
        let _ = tx.send(res);
    }) {
        Ok(w) => w,
        Err(e) => return fail(format_args!("cannot watch files: {e}")),
    };
    for dir in &watched {
        if let Err(e) = watcher.watch(dir, RecursiveMode::Recursive) {
            return fail(format_args!("cannot watch {}: {e}", dir.display()));
        }
    }

    let mut state = State {
        arg,
        library: args.out.library.library.clone(),
        emitter,
        pdf,
        sessions: HashMap::new(),
        fmt,
    };
    state.rebuild();
    note!(
        "watching {} (Ctrl-C to stop)",
        watched
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    while !interrupted() {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(event)) if relevant(&event, &out_canonical, &libraries, &watched) => {
                // Take the rest of the burst, then rebuild once. Only events that count extend
                // it: reading the folders (a viewer polling the PDF) must not delay the rebuild.
                let burst = Instant::now();
                let mut last = Instant::now();
                while burst.elapsed() < Duration::from_millis(500) && last.elapsed() < QUIET {
                    match rx.recv_timeout(QUIET.saturating_sub(last.elapsed())) {
                        Ok(Ok(e)) if relevant(&e, &out_canonical, &libraries, &watched) => {
                            last = Instant::now();
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                state.rebuild();
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => note!("warning: file watching: {e}"),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                note!("error: file watching stopped");
                return ERROR;
            }
        }
    }
    drop(watcher);
    // Dropping the sessions stops their typst processes.
    state.sessions.clear();
    note!("stopped watching");
    OK
}

/// The folders to watch: the config's, and each library folder its agreements use, canonical
/// and without repeats (a library inside the config's folder is watched through it); and the
/// library folders themselves.
fn folders_to_watch(
    arg: &str,
    cli_library: Option<&Path>,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let (path, _) = arg.split_once('#').unwrap_or((arg, ""));
    let config = Path::new(path);
    if !config.is_file() {
        return Err(format!(
            "{} is not a config file: give the TOML file of an agreement or a programme",
            config.display()
        ));
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut dirs = vec![canonical(
        config
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )];
    let mut libraries: Vec<PathBuf> = cli_library.map(Path::to_path_buf).into_iter().collect();
    if cli_library.is_none() {
        libraries.extend(
            crate::input::plan_arg(arg)
                .into_iter()
                .filter_map(|p| p.library.clone()),
        );
    }
    let libraries: Vec<PathBuf> = libraries
        .iter()
        .map(|l| canonical(l))
        .filter(|l| l.is_dir())
        .collect();
    for lib in &libraries {
        if !dirs.iter().any(|d| lib.starts_with(d)) {
            dirs.push(lib.clone());
        }
    }
    Ok((dirs, libraries))
}

/// Whether a file event can change an agreement: content, creation, removal or renaming of a
/// config, partner file or CSV (`.toml`, `.csv`), or of any file in a library folder; never
/// in the output folder, never hidden, never in `.git`.
fn relevant(
    event: &notify::Event,
    out_dir: &Path,
    libraries: &[PathBuf],
    watched: &[PathBuf],
) -> bool {
    let kind = matches!(
        event.kind,
        EventKind::Any
            | EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(
                notify::event::ModifyKind::Data(_)
                    | notify::event::ModifyKind::Name(_)
                    | notify::event::ModifyKind::Any
            )
    );
    kind && event.paths.iter().any(|p| {
        let input = libraries.iter().any(|l| p.starts_with(l))
            || p.extension().is_some_and(|e| e == "toml" || e == "csv");
        input
            && !p.starts_with(out_dir)
            // Hidden below the watched folder (the folder itself may sit in a hidden one).
            && !watched
                .iter()
                .filter_map(|w| p.strip_prefix(w).ok())
                .min_by_key(|rest| rest.components().count())
                .unwrap_or(p)
                .components()
                .any(|c| {
                let s = c.as_os_str().to_string_lossy();
                s.starts_with('.') && s != "." && s != ".."
            })
    })
}

struct State {
    arg: String,
    library: Option<PathBuf>,
    emitter: Emitter,
    pdf: Option<Emitter>,
    /// One kept typst per agreement (a programme has one per partner), by label.
    sessions: HashMap<String, Session>,
    fmt: DiagnosticFormat,
}

impl State {
    fn rebuild(&mut self) {
        let started = Instant::now();
        // A fresh set of libraries each time, so that an edited clause is read again.
        let libraries = Libraries::new(self.library.as_deref());
        let results = build_all(std::slice::from_ref(&self.arg), &libraries);
        let mut labels = Vec::new();
        for (label, result) in results {
            labels.push(label.clone());
            let agreement = match result {
                Ok(a) => a,
                Err(diags) => {
                    not_built(
                        &label,
                        "not regenerated; the last good outputs are kept",
                        &diags,
                        self.fmt,
                    );
                    continue;
                }
            };
            let findings = &agreement.check.findings;
            report(findings, self.fmt);
            let count = |s: Severity| findings.iter().filter(|d| d.severity == s).count();
            let (e, w) = (count(Severity::Error), count(Severity::Warning));
            note!("{label}: {e} error{}, {w} warning{}", plural(e), plural(w));
            if let Some(why) = agreement.final_refusal() {
                note!("error: {label}: not regenerated: {why}");
                continue;
            }
            let mut wrote = Vec::new();
            // The PDF's input is checked first (glyphs, dates), so that an agreement that
            // cannot be typeset writes nothing, as with `generate`.
            let pdf_input = match &self.pdf {
                Some(pdf) => {
                    match pdf.pdf_input(&agreement.model, &agreement.rendered, &agreement.library) {
                        Ok(input) => input,
                        Err(e) => {
                            note!("error: {label}: not regenerated: {e}");
                            continue;
                        }
                    }
                }
                None => None,
            };
            match self
                .emitter
                .emit(&agreement.model, &agreement.rendered, &agreement.library)
            {
                Ok(files) => wrote.extend(files.into_iter().map(|f| f.file)),
                Err(e) => {
                    note!("error: {label}: {e}");
                    continue;
                }
            }
            if let (Some(pdf), Some((typ, meta, opts))) = (&self.pdf, pdf_input) {
                let name = format!("{}.pdf", meta.reference);
                match compile(&mut self.sessions, pdf, &label, &typ, &meta, &opts) {
                    Ok(Compiled::Pdf(bytes)) => {
                        let path = pdf.out_dir().join(&name);
                        match crate::output::write_atomic(&path, &bytes) {
                            Ok(()) => wrote.push(name),
                            Err(e) => note!("error: {label}: {e}"),
                        }
                    }
                    Ok(Compiled::Unchanged) => {}
                    Err(e) => note!(
                        "error: {label}: the PDF was not updated (the last good one is kept): {e}"
                    ),
                }
            }
            note!(
                "wrote {}",
                wrote
                    .iter()
                    .map(|f| self.emitter.out_dir().join(f).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        // Partners removed from a programme: stop their typst.
        self.sessions.retain(|label, _| labels.contains(label));
        note!(
            "[{} ms] up to date; watching for changes",
            started.elapsed().as_millis()
        );
    }
}

/// The new PDF from this agreement's kept typst, started (or restarted) when needed.
fn compile(
    sessions: &mut HashMap<String, Session>,
    pdf: &Emitter,
    label: &str,
    typ: &str,
    meta: &crate::pdf::PdfMeta,
    opts: &crate::pdf::CompileOptions,
) -> Result<Compiled, crate::pdf::PdfError> {
    if let Some(session) = sessions.get_mut(label) {
        if session.fits(opts) && session.alive() {
            let result = session.update(typ, meta, &interrupted);
            if result.is_err() && !session.alive() {
                sessions.remove(label);
            }
            return result;
        }
        sessions.remove(label);
    }
    let Some(typst) = pdf.typst() else {
        return Ok(Compiled::Unchanged);
    };
    let (session, first) = Session::start(typst, typ, meta, opts, &interrupted)?;
    if session_usable(&first) {
        sessions.insert(label.to_owned(), session);
    }
    first
}

/// A session whose first compile timed out or whose process ended is not kept.
fn session_usable(first: &Result<Compiled, crate::pdf::PdfError>) -> bool {
    !matches!(
        first,
        Err(crate::pdf::PdfError::Timeout(_) | crate::pdf::PdfError::Io { .. })
    )
}
