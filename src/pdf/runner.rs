//! Running the `typst` CLI: the only code in datapact that starts a process.
//!
//! Each compile happens in a fresh temporary directory:
//!
//! ```text
//! <tmp>/root/main.typ      template + generated body   (--root <tmp>/root)
//! <tmp>/root/meta.json     PdfMeta, read by the template
//! <tmp>/packages/          empty; --package-path and --package-cache-path
//! ```
//!
//! The root holds only files written here (no symlinks, which would escape
//! typst's sandbox). typst runs with a cleared environment (`PATH`,
//! `HOME=<tmp>`, and an unreachable `HTTPS_PROXY` so that any package
//! download fails at once), `--ignore-system-fonts`, explicit font paths,
//! a fixed creation timestamp, stdin closed, its own process group, a
//! wall-clock timeout and an `RLIMIT_AS` memory limit. The PDF arrives on
//! typst's stdout and is written to a temporary file next to the output,
//! then renamed into place: a failed run never leaves a partial PDF.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

use super::convert::clause_at_line;

/// The Typst layout; the generated body is appended to it.
pub const AGREEMENT_TEMPLATE: &str = include_str!("../../templates/agreement.typ");

/// Environment variable naming the typst binary.
pub const TYPST_ENV: &str = "DATAPACT_TYPST";
/// The typst version datapact is written and tested against.
pub const PINNED_TYPST_VERSION: &str = "0.15.1";
/// How to install it (shown when typst is missing or has another version).
pub const TYPST_INSTALL_HINT: &str = "cargo install --locked typst-cli --version 0.15.1";

const TEMPLATE_END_OF_BODY: &str = "#dp-end-of-body();";

// ---------------------------------------------------------------------------
// meta.json

/// Contents of `meta.json`, the only way metadata reaches the template.
///
/// ```json
/// {"title": "...", "reference": "DSA-2026-001", "version": "1.0",
///  "status": "draft" | "final", "date": "2026-03-01", "binding": true,
///  "parties": [{"legal_name": "...", "short_name": "...", "kind": "company",
///               "country": "Belgium", "address": "...", "role": "controller",
///               "signatories": [{"name": "...", "title": "..."}]}],
///  "provenance": "config sha256 …, library …, datapact 0.1.0"}
/// ```
///
/// * `date` is the effective date, `YYYY-MM-DD`; the title page shows it as
///   "1 March 2026".
/// * `status: "draft"` adds the DRAFT watermark on every page, "DRAFT" in
///   the running header and "Draft — not for signature" on the title page.
/// * `binding` selects "Legally binding agreement" / "Non-binding
///   arrangement" on the title page, "parties" or "participants", and whether
///   each party's data-protection role is shown.
/// * `kind` and `role` are shown with `_` replaced by spaces.
/// * `provenance` is printed in small type at the foot of the last page
///   (omitted when empty).
/// * The parties' legal names become the PDF's authors, the title its
///   title, the reference its first keyword.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfMeta {
    pub title: String,
    pub reference: String,
    pub version: String,
    pub status: PdfStatus,
    pub date: String,
    pub binding: bool,
    /// What the cover calls the document: "Data-sharing agreement", "Processing terms", …
    pub kind_label: String,
    pub parties: Vec<PdfParty>,
    pub provenance: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PdfStatus {
    Draft,
    Final,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfParty {
    pub legal_name: String,
    pub short_name: String,
    pub kind: String,
    pub country: String,
    pub address: String,
    pub role: String,
    pub signatories: Vec<PdfSignatory>,
    /// The date it acceded ("1 March 2026"), empty for a party that signs the document: an
    /// acceded party signed the accession form instead and has no signature block.
    #[serde(default)]
    pub acceded: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfSignatory {
    pub name: String,
    pub title: String,
}

impl PdfMeta {
    /// Checks what the template relies on: a valid `YYYY-MM-DD` date and at
    /// least one party.
    pub fn validate(&self) -> Result<(), PdfError> {
        if date_to_unix(&self.date).is_none() {
            return Err(PdfError::Meta(format!(
                "date {:?} is not a valid YYYY-MM-DD date",
                self.date
            )));
        }
        if self.parties.is_empty() {
            return Err(PdfError::Meta(
                "an agreement needs at least one party".into(),
            ));
        }
        Ok(())
    }
}

/// Unix seconds of `YYYY-MM-DD` at 00:00 UTC (for `--creation-timestamp`),
/// or `None` if the date is invalid or before 1970.
pub fn date_to_unix(date: &str) -> Option<i64> {
    let d = crate::dates::parse_date(date).ok()?;
    if d.year() < 1970 {
        return None;
    }
    let midnight = d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?;
    Some(midnight.timestamp().as_second())
}

// ---------------------------------------------------------------------------
// Errors

/// One line of typst's `--diagnostic-format short` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// File as typst reports it (`main.typ`), if any.
    pub file: Option<String>,
    /// Line/column in main.typ (1-based).
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Line in the generated body (main.typ line minus the template).
    pub body_line: Option<usize>,
    /// Id of the clause (or section/annex) the body line belongs to.
    pub clause: Option<String>,
    /// Message, with any `hint:` lines appended.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.body_line, &self.line) {
            (Some(b), _) => write!(f, "body line {b}")?,
            (None, Some(l)) => write!(f, "template line {l}")?,
            (None, None) => write!(f, "typst")?,
        }
        write!(f, ": {}: {}", self.severity, self.message)?;
        if let Some(c) = &self.clause {
            write!(f, " (in `{c}`)")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("typst not found ({tried}); install the pinned version with `{TYPST_INSTALL_HINT}`")]
    NotFound { tried: String },
    #[error(
        "{path} reports {found:?}, but datapact needs typst 0.15.x; install it with `{TYPST_INSTALL_HINT}`"
    )]
    WrongVersion { path: PathBuf, found: String },
    #[error("invalid PDF metadata: {0}")]
    Meta(String),
    #[error("typst could not compile the agreement (exit status {status:?}):{}", fmt_diagnostics(.diagnostics, .stderr))]
    Compile {
        status: Option<i32>,
        diagnostics: Vec<Diagnostic>,
        stderr: String,
    },
    #[error("typst did not finish within {0:?} and was killed")]
    Timeout(Duration),
    #[error("typst was killed by signal {signal} (out of memory? limit {memory_limit} bytes)")]
    Killed {
        signal: i32,
        memory_limit: u64,
        stderr: String,
    },
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
}

fn fmt_diagnostics(diags: &[Diagnostic], stderr: &str) -> String {
    if diags.is_empty() {
        return format!("\n  {}", stderr.trim());
    }
    diags.iter().map(|d| format!("\n  {d}")).collect()
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> PdfError {
    let context = context.into();
    move |source| PdfError::Io { context, source }
}

// ---------------------------------------------------------------------------
// Locating typst

/// A located typst binary of the supported version.
#[derive(Debug, Clone)]
pub struct Typst {
    path: PathBuf,
    version: String,
}

impl Typst {
    /// `explicit` (from `--typst PATH`), else `$DATAPACT_TYPST`, else
    /// `typst` on `PATH` (then `~/.cargo/bin/typst`, where `cargo install`
    /// puts it). Runs `typst --version` once and requires 0.15.x.
    pub fn locate(explicit: Option<&Path>) -> Result<Typst, PdfError> {
        let env = std::env::var_os(TYPST_ENV).filter(|v| !v.is_empty());
        let (path, tried) = match (explicit, env) {
            (Some(p), _) => {
                // A bare name (`--typst typst-0.15`) is looked up on PATH.
                let bare = p.components().count() == 1 && !p.is_file();
                let found = if bare {
                    p.to_str().and_then(find_on_path)
                } else {
                    p.is_file().then(|| p.to_path_buf())
                };
                (found, p.display().to_string())
            }
            (None, Some(v)) => {
                let p = PathBuf::from(&v);
                (
                    p.is_file().then_some(p),
                    format!("{TYPST_ENV}={}", Path::new(&v).display()),
                )
            }
            (None, None) => (
                find_on_path("typst"),
                "`typst` on PATH and in ~/.cargo/bin".to_owned(),
            ),
        };
        let path = path.ok_or(PdfError::NotFound { tried })?;
        let version = run_version(&path)?;
        if !version.starts_with("typst 0.15.") {
            return Err(PdfError::WrongVersion {
                path,
                found: version,
            });
        }
        Ok(Typst { path, version })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `typst --version` line, e.g. `typst 0.15.1 (…)`.
    pub fn version(&self) -> &str {
        &self.version
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin"));
    std::env::split_paths(&path)
        .chain(home_bin)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn run_version(path: &Path) -> Result<String, PdfError> {
    let mut child = Command::new(path)
        .arg("--version")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied => PdfError::NotFound {
                tried: path.display().to_string(),
            },
            _ => PdfError::Io {
                context: format!("running {} --version", path.display()),
                source: e,
            },
        })?;
    let reader = spawn_reader(child.stdout.take());
    let status = child
        .wait_timeout(Duration::from_secs(20))
        .map_err(io_err("waiting for typst --version"))?;
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
        return Err(PdfError::Timeout(Duration::from_secs(20)));
    }
    let out = String::from_utf8_lossy(&join_reader(reader))
        .trim()
        .to_owned();
    Ok(out)
}

// ---------------------------------------------------------------------------
// Compiling

/// Options for one compile.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// `--creation-timestamp`: unix seconds, from the effective date
    /// ([`date_to_unix`]) or `SOURCE_DATE_EPOCH` (the caller decides).
    pub timestamp: i64,
    /// Produce PDF/A-2b.
    pub pdfa: bool,
    /// Wall-clock limit; the process group is killed after it.
    pub timeout: Duration,
    /// `RLIMIT_AS` for typst, in bytes.
    pub memory_limit: u64,
    /// `--font-path` directories, e.g. `[FontSet::stage()?.path()]`.
    /// Empty: typst's embedded fonts only.
    pub font_dirs: Vec<PathBuf>,
    /// The layout template; `None` for the built-in `templates/agreement.typ`.
    pub template: Option<String>,
}

impl CompileOptions {
    /// Defaults: no PDF/A, 60 s, 2 GiB, embedded fonts only.
    pub fn new(timestamp: i64) -> Self {
        CompileOptions {
            timestamp,
            pdfa: false,
            timeout: Duration::from_secs(60),
            memory_limit: 2 << 30,
            font_dirs: Vec::new(),
            template: None,
        }
    }
}

/// What a successful compile reports.
#[derive(Debug, Clone, Default)]
pub struct CompileReport {
    pub warnings: Vec<Diagnostic>,
}

/// `main.typ` for a body: template, then the body (with the end-of-body
/// call added if the body lacks it). Returns the text and the number of
/// template lines before the body.
pub fn main_typ(body_typ: &str) -> (String, usize) {
    main_typ_with(AGREEMENT_TEMPLATE, body_typ)
}

/// Like [`main_typ`], with a layout template from a clause library other than the built-in one.
pub fn main_typ_with(template: &str, body_typ: &str) -> (String, usize) {
    let mut main = String::with_capacity(template.len() + body_typ.len() + 32);
    main.push_str(template);
    if !main.ends_with('\n') {
        main.push('\n');
    }
    let offset = main.matches('\n').count();
    main.push_str(body_typ);
    if !body_typ.contains(TEMPLATE_END_OF_BODY) {
        main.push('\n');
        main.push_str(TEMPLATE_END_OF_BODY);
        main.push('\n');
    }
    (main, offset)
}

impl Typst {
    /// Compiles `body_typ` (from [`super::markdown_to_typst`]) with `meta`
    /// into the PDF at `out`, atomically.
    pub fn compile(
        &self,
        body_typ: &str,
        meta: &PdfMeta,
        opts: &CompileOptions,
        out: &Path,
    ) -> Result<(), PdfError> {
        self.compile_report(body_typ, meta, opts, out).map(|_| ())
    }

    /// Like [`Typst::compile`], also returning typst's warnings.
    pub fn compile_report(
        &self,
        body_typ: &str,
        meta: &PdfMeta,
        opts: &CompileOptions,
        out: &Path,
    ) -> Result<CompileReport, PdfError> {
        meta.validate()?;
        let tmp = tempfile::Builder::new()
            .prefix("datapact-typst-")
            .tempdir()
            .map_err(io_err("creating a temporary directory"))?;
        let root = tmp.path().join("root");
        let packages = tmp.path().join("packages");
        std::fs::create_dir(&root).map_err(io_err("creating the compile root"))?;
        std::fs::create_dir(&packages).map_err(io_err("creating the package directory"))?;
        let (main, offset) = main_typ_with(
            opts.template.as_deref().unwrap_or(AGREEMENT_TEMPLATE),
            body_typ,
        );
        std::fs::write(root.join("main.typ"), &main).map_err(io_err("writing main.typ"))?;
        let meta_json =
            serde_json::to_vec_pretty(meta).map_err(|e| PdfError::Meta(e.to_string()))?;
        std::fs::write(root.join("meta.json"), meta_json).map_err(io_err("writing meta.json"))?;

        let mut cmd = self.command(tmp.path(), &root, &packages, opts);
        let run = run_limited(&mut cmd, opts)?;
        let diagnostics = parse_diagnostics(&run.stderr, offset, body_typ);
        match run.status {
            Outcome::Exited(0) => {
                write_atomically(out, &run.stdout)?;
                Ok(CompileReport {
                    warnings: diagnostics,
                })
            }
            Outcome::Exited(code) => Err(PdfError::Compile {
                status: Some(code),
                diagnostics: diagnostics
                    .into_iter()
                    .filter(|d| d.severity == "error")
                    .collect(),
                stderr: run.stderr,
            }),
            Outcome::Signal(signal) => Err(PdfError::Killed {
                signal,
                memory_limit: opts.memory_limit,
                stderr: run.stderr,
            }),
            Outcome::TimedOut => Err(PdfError::Timeout(opts.timeout)),
        }
    }

    fn command(&self, home: &Path, root: &Path, packages: &Path, opts: &CompileOptions) -> Command {
        let mut cmd = self.sandboxed("compile", home, root, packages, opts);
        cmd.arg(root.join("main.typ")).arg("-");
        cmd
    }

    /// `typst SUBCOMMAND` with the sandbox every run gets (see the module docs): cleared
    /// environment, no system fonts, empty package paths, fixed creation timestamp; the input
    /// and output arguments are the caller's. Used for `compile` and by `watch`'s kept process.
    pub(crate) fn sandboxed(
        &self,
        subcommand: &str,
        home: &Path,
        root: &Path,
        packages: &Path,
        opts: &CompileOptions,
    ) -> Command {
        let mut cmd = Command::new(&self.path);
        cmd.current_dir(root)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", home)
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .arg(subcommand)
            .arg("--root")
            .arg(root)
            .arg("--ignore-system-fonts");
        for dir in &opts.font_dirs {
            cmd.arg("--font-path").arg(dir);
        }
        cmd.arg("--package-path")
            .arg(packages)
            .arg("--package-cache-path")
            .arg(packages)
            .args(["--diagnostic-format", "short"])
            .arg("--creation-timestamp")
            .arg(opts.timestamp.to_string());
        if opts.pdfa {
            cmd.args(["--pdf-standard", "a-2b"]);
        }
        cmd
    }
}

enum Outcome {
    Exited(i32),
    Signal(i32),
    TimedOut,
}

struct RunOutput {
    status: Outcome,
    stdout: Vec<u8>,
    stderr: String,
}

type Reader = Option<JoinHandle<Vec<u8>>>;

fn spawn_reader<R: Read + Send + 'static>(pipe: Option<R>) -> Reader {
    pipe.map(|mut p| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = p.read_to_end(&mut buf);
            buf
        })
    })
}

fn join_reader(r: Reader) -> Vec<u8> {
    r.and_then(|h| h.join().ok()).unwrap_or_default()
}

/// Runs `cmd` in its own process group with `RLIMIT_AS` and a timeout.
fn run_limited(cmd: &mut Command, opts: &CompileOptions) -> Result<RunOutput, PdfError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    limit_memory(cmd, opts.memory_limit);
    let mut child = cmd.spawn().map_err(io_err("starting typst"))?;
    wait_limited(&mut child, opts)
}

/// Puts the process started by `cmd` in its own process group, under an `RLIMIT_AS` of
/// `memory_limit` bytes.
pub(crate) fn limit_memory(cmd: &mut Command, memory_limit: u64) {
    let limit = memory_limit as libc::rlim_t;
    cmd.process_group(0);
    // SAFETY: the closure runs in the forked child before exec and only calls
    // the async-signal-safe setrlimit.
    unsafe {
        cmd.pre_exec(move || {
            let rl = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &rl) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn wait_limited(
    child: &mut std::process::Child,
    opts: &CompileOptions,
) -> Result<RunOutput, PdfError> {
    let stdout = spawn_reader(child.stdout.take());
    let stderr = spawn_reader(child.stderr.take());
    let waited = child
        .wait_timeout(opts.timeout)
        .map_err(io_err("waiting for typst"))?;
    let status = match waited {
        Some(st) => match (st.code(), st.signal()) {
            (Some(code), _) => Outcome::Exited(code),
            (None, Some(sig)) => Outcome::Signal(sig),
            (None, None) => Outcome::Signal(0),
        },
        None => {
            // Kill the whole group (typst and anything it started).
            if let Ok(pgid) = i32::try_from(child.id()) {
                // SAFETY: plain syscall on the group created by process_group(0).
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
            }
            let _ = child.kill();
            let _ = child.wait();
            Outcome::TimedOut
        }
    };
    let stdout = join_reader(stdout);
    let stderr = String::from_utf8_lossy(&join_reader(stderr)).into_owned();
    Ok(RunOutput {
        status,
        stdout,
        stderr,
    })
}

/// Writes `bytes` to a temporary file in `out`'s directory, syncs it and
/// renames it to `out`.
fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), PdfError> {
    if bytes.is_empty() {
        return Err(PdfError::Io {
            context: "typst produced no PDF".into(),
            source: io::Error::from(io::ErrorKind::UnexpectedEof),
        });
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name: OsString = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "agreement.pdf".into());
    let mut prefix = OsString::from(".");
    prefix.push(&name);
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".part")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(&dir)
        .map_err(io_err(format!(
            "creating a temporary file in {}",
            dir.display()
        )))?;
    tmp.write_all(bytes).map_err(io_err("writing the PDF"))?;
    tmp.as_file()
        .sync_all()
        .map_err(io_err("syncing the PDF"))?;
    tmp.persist(out).map_err(|e| PdfError::Io {
        context: format!("renaming to {}", out.display()),
        source: e.error,
    })?;
    Ok(())
}

/// Parses `--diagnostic-format short` output: `file:line:col: severity:
/// message` or `severity: message`, followed by indented `hint:` lines.
pub fn parse_diagnostics(stderr: &str, body_offset: usize, body_typ: &str) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for raw in stderr.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(d) = parse_diagnostic_line(line, body_offset, body_typ) {
            out.push(d);
        } else if let Some(last) = out.last_mut() {
            last.message.push_str(" (");
            last.message.push_str(line);
            last.message.push(')');
        }
    }
    out
}

fn parse_diagnostic_line(line: &str, body_offset: usize, body_typ: &str) -> Option<Diagnostic> {
    for severity in ["error", "warning"] {
        let tag = format!("{severity}: ");
        if let Some(message) = line.strip_prefix(&tag) {
            return Some(Diagnostic {
                severity: severity.into(),
                file: None,
                line: None,
                column: None,
                body_line: None,
                clause: None,
                message: message.into(),
            });
        }
        let Some(pos) = line.find(&format!(": {tag}")) else {
            continue;
        };
        let location = &line[..pos];
        let message = &line[pos + tag.len() + 2..];
        let mut parts = location.rsplitn(3, ':');
        let column = parts.next().and_then(|c| c.parse::<usize>().ok());
        let lno = parts.next().and_then(|l| l.parse::<usize>().ok());
        let file = parts.next().map(str::to_owned);
        let (file, lno, column) = match (file, lno, column) {
            (Some(f), Some(l), Some(c)) => (Some(f), Some(l), Some(c)),
            _ => (Some(location.to_owned()), None, None),
        };
        let in_main = file.as_deref().is_some_and(|f| f.ends_with("main.typ"));
        let body_line = lno
            .filter(|&l| in_main && l > body_offset)
            .map(|l| l - body_offset);
        let clause = body_line.and_then(|b| clause_at_line(body_typ, b));
        return Some(Diagnostic {
            severity: severity.into(),
            file,
            line: lno,
            column,
            body_line,
            clause,
            message: message.into(),
        });
    }
    None
}
