//! A kept `typst watch` process, for `datapact watch`: typst keeps its compiled state between
//! edits, so a changed clause re-typesets only what it touches.
//!
//! In: the PDF's typst input (body, [`PdfMeta`], [`CompileOptions`]) each time it changes.
//! Out: the compiled PDF's bytes, or typst's diagnostics. The process gets the sandbox of
//! [`Typst::compile`] (a folder holding only its inputs, cleared environment, no system fonts,
//! empty package paths, fixed creation timestamp, its own process group, a memory limit, and
//! on Linux it is killed when datapact dies); in place of the wall-clock limit of a compile,
//! each recompile must report within `opts.timeout`, or the process is killed. typst writes
//! its PDF inside that folder; the caller copies it out atomically, so a failed compile never
//! replaces the last good PDF.
//!
//! typst reports on stderr: `[hh:mm:ss] compiling ...`, then `compiled successfully in …`,
//! `compiled with warnings in …` or `compiled with errors` (followed by the diagnostics, in
//! `--diagnostic-format short`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::runner::{AGREEMENT_TEMPLATE, limit_memory, main_typ_with, parse_diagnostics};
use super::{CompileOptions, Diagnostic, PdfError, PdfMeta, Typst};

/// What a recompile gave.
#[derive(Debug)]
pub enum Compiled {
    /// The new PDF's bytes.
    Pdf(Vec<u8>),
    /// Nothing changed in typst's input: the last PDF stands.
    Unchanged,
}

enum Line {
    Started,
    Succeeded,
    Failed,
    Other(String),
    /// typst's stderr closed: the process ended.
    Closed,
}

/// A running `typst watch` and the folder it compiles in.
pub struct Session {
    child: Child,
    dir: tempfile::TempDir,
    lines: Receiver<Line>,
    /// What typst was last given, and the options it was started with.
    main: String,
    meta: Vec<u8>,
    opts: CompileOptions,
    offset: usize,
    body: String,
}

impl Session {
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn output(&self) -> PathBuf {
        self.dir.path().join("out").join("agreement.pdf")
    }

    /// Starts typst on this input and waits for its first compile.
    pub fn start(
        typst: &Typst,
        body_typ: &str,
        meta: &PdfMeta,
        opts: &CompileOptions,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<(Session, Result<Compiled, PdfError>), PdfError> {
        meta.validate()?;
        let io = |context: &str| {
            let context = context.to_owned();
            move |source| PdfError::Io { context, source }
        };
        let dir = tempfile::Builder::new()
            .prefix("datapact-watch-")
            .tempdir()
            .map_err(io("creating a temporary directory"))?;
        let root = dir.path().join("root");
        let packages = dir.path().join("packages");
        let out = dir.path().join("out");
        for d in [&root, &packages, &out] {
            std::fs::create_dir(d).map_err(io("creating typst's folders"))?;
        }
        let (main, offset) = main_typ_with(
            opts.template.as_deref().unwrap_or(AGREEMENT_TEMPLATE),
            body_typ,
        );
        let meta_json =
            serde_json::to_vec_pretty(meta).map_err(|e| PdfError::Meta(e.to_string()))?;
        std::fs::write(root.join("main.typ"), &main).map_err(io("writing main.typ"))?;
        std::fs::write(root.join("meta.json"), &meta_json).map_err(io("writing meta.json"))?;

        let mut cmd = typst.sandboxed("watch", dir.path(), &root, &packages, opts);
        cmd.arg(root.join("main.typ"))
            .arg(out.join("agreement.pdf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        limit_memory(&mut cmd, opts.memory_limit);
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: runs in the forked child before exec; prctl is async-signal-safe.
            unsafe {
                cmd.pre_exec(|| {
                    // typst must not outlive datapact, even when datapact is killed.
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().map_err(io("starting typst watch"))?;
        let (tx, lines) = channel();
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let line = strip_ansi(&line);
                    let parsed = if line.contains("] compiling") {
                        Line::Started
                    } else if line.contains("] compiled successfully")
                        || line.contains("] compiled with warnings")
                    {
                        Line::Succeeded
                    } else if line.contains("] compiled with errors") {
                        Line::Failed
                    } else {
                        Line::Other(line)
                    };
                    if tx.send(parsed).is_err() {
                        return;
                    }
                }
                let _ = tx.send(Line::Closed);
            });
        }
        let mut session = Session {
            child,
            dir,
            lines,
            main,
            meta: meta_json,
            opts: opts.clone(),
            offset,
            body: body_typ.to_owned(),
        };
        let first = session.wait(interrupted);
        Ok((session, first))
    }

    /// Whether this session was started with options that still hold (else start a new one:
    /// the timestamp, fonts and PDF standard are typst's arguments).
    pub fn fits(&self, opts: &CompileOptions) -> bool {
        self.opts.timestamp == opts.timestamp
            && self.opts.pdfa == opts.pdfa
            && self.opts.font_dirs == opts.font_dirs
            && self.opts.memory_limit == opts.memory_limit
    }

    /// Whether typst is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Gives typst a new input (only the files that changed are rewritten: typst recompiles on
    /// their change) and waits for its compile.
    pub fn update(
        &mut self,
        body_typ: &str,
        meta: &PdfMeta,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<Compiled, PdfError> {
        meta.validate()?;
        let (main, offset) = main_typ_with(
            self.opts.template.as_deref().unwrap_or(AGREEMENT_TEMPLATE),
            body_typ,
        );
        let meta_json =
            serde_json::to_vec_pretty(meta).map_err(|e| PdfError::Meta(e.to_string()))?;
        if main == self.main && meta_json == self.meta {
            return Ok(Compiled::Unchanged);
        }
        // Anything typst said since the last compile (a late warning) is not about this one.
        while self.lines.try_recv().is_ok() {}
        // Written in place: typst watches these files themselves (a rename would replace the
        // file it watches), and reads them only after a quiet 100 ms.
        let root = self.root();
        if meta_json != self.meta {
            std::fs::write(root.join("meta.json"), &meta_json).map_err(|source| PdfError::Io {
                context: "writing meta.json".into(),
                source,
            })?;
        }
        if main != self.main {
            std::fs::write(root.join("main.typ"), &main).map_err(|source| PdfError::Io {
                context: "writing main.typ".into(),
                source,
            })?;
        }
        self.main = main;
        self.meta = meta_json;
        self.offset = offset;
        self.body = body_typ.to_owned();
        self.wait(interrupted)
    }

    /// Waits for the result of the compile typst starts (or has started) on its input.
    fn wait(&mut self, interrupted: &dyn Fn() -> bool) -> Result<Compiled, PdfError> {
        let deadline = Instant::now() + self.opts.timeout;
        let mut said: Vec<String> = Vec::new();
        loop {
            if interrupted() {
                return Err(PdfError::Io {
                    context: "interrupted".into(),
                    source: std::io::Error::from(std::io::ErrorKind::Interrupted),
                });
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(PdfError::Timeout(self.opts.timeout));
            }
            match self.lines.recv_timeout(Duration::from_millis(50)) {
                Ok(Line::Started) => said.clear(),
                Ok(Line::Other(l)) => said.push(l),
                Ok(Line::Succeeded) => {
                    let path = self.output();
                    let bytes = std::fs::read(&path).map_err(|source| PdfError::Io {
                        context: format!("reading {}", path.display()),
                        source,
                    })?;
                    return Ok(Compiled::Pdf(bytes));
                }
                Ok(Line::Failed) => {
                    // The diagnostics follow the status line: take them until typst is quiet.
                    while let Ok(Line::Other(l)) =
                        self.lines.recv_timeout(Duration::from_millis(150))
                    {
                        said.push(l);
                    }
                    let stderr = said.join("\n");
                    let diagnostics: Vec<Diagnostic> =
                        parse_diagnostics(&stderr, self.offset, &self.body)
                            .into_iter()
                            .filter(|d| d.severity == "error")
                            .collect();
                    return Err(PdfError::Compile {
                        status: None,
                        diagnostics,
                        stderr,
                    });
                }
                Ok(Line::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().ok();
                    return Err(PdfError::Compile {
                        status: status.and_then(|s| s.code()),
                        diagnostics: Vec::new(),
                        stderr: format!("typst watch stopped: {}", said.join("\n")),
                    });
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }

    fn kill(&mut self) {
        if let Ok(pgid) = i32::try_from(self.child.id()) {
            // SAFETY: plain syscall on the process group typst was started in.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The folder typst compiles in (for tests).
    pub fn folder(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `line` without terminal escape sequences (typst clears the screen before each status).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // Parameters, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_are_removed() {
        assert_eq!(
            super::strip_ansi("\u{1b}[2J\u{1b}[1;1H\u{1b}[36mwatching\u{1b}[0m main.typ"),
            "watching main.typ"
        );
    }
}
